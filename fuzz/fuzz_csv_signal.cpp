// libFuzzer target: single-channel CSV parser, with and without a caller-given sample rate.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "io/csv_signal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const double rate_hz : {0.0, 1000.0}) {
    if (auto rec = vigil::io::parse_csv_signal(text, "fuzz.csv", rate_hz)) {
      vigil::io::fuzz::check_recording(*rec);
      if (rec->channels.size() != 1 || !(rec->sample_rate_hz > 0.0)) __builtin_trap();
    }
  }
  return 0;
}
