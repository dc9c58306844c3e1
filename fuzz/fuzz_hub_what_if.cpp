// libFuzzer target: the body of the hub's what-if request (an HTTP body from any API client). Whatever
// parses must hold the documented ranges and pass the same check a request built in code gets.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hub/twin/what_if_request.hpp"

namespace twin = vigil::hub::twin;

namespace {

void in_range(double value, double limit) {
  if (!std::isfinite(value) || value <= 0 || value > limit) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto r = twin::parse_what_if_request(body);
  if (!r) {
    if (r.error().code != vigil::ErrorCode::invalid_argument || r.error().message.empty()) std::abort();
    return 0;
  }
  if (size > twin::k_max_what_if_body_bytes || !twin::check(*r)) std::abort();
  in_range(r->load_kn, twin::k_max_load_kn);
  if (r->new_load_kn) in_range(*r->new_load_kn, twin::k_max_load_kn);
  if (r->speed_rpm) in_range(*r->speed_rpm, twin::k_max_speed_rpm);
  if (r->new_speed_rpm) in_range(*r->new_speed_rpm, twin::k_max_speed_rpm);
  return 0;
}
