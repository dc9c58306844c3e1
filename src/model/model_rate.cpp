#include "model/model_rate.hpp"

#include <algorithm>
#include <cmath>

#include "dsp/iir.hpp"

namespace vigil::model {

Result<std::vector<float>> at_model_rate(std::span<const float> x, double rate_hz, double model_rate_hz,
                                         std::size_t settle_samples, std::string_view name) {
  if (!(rate_hz > 0) || !(model_rate_hz > 0)) {
    return fail(ErrorCode::invalid_argument, "{}: sample rates must be positive ({} Hz to {} Hz)", name,
                rate_hz, model_rate_hz);
  }
  const double ratio = rate_hz / model_rate_hz;
  const auto factor = static_cast<std::size_t>(std::lround(ratio));
  if (factor < 1 || std::abs(ratio - double(factor)) > 1e-9 * ratio) {
    return fail(ErrorCode::unsupported, "{}: sampled at {} Hz, not an integer multiple of {} Hz", name,
                rate_hz, model_rate_hz);
  }
  if (factor == 1) return std::vector<float>(x.begin(), x.end());
  auto decimated = dsp::decimate(x, factor, rate_hz);
  if (!decimated) return std::unexpected(decimated.error().with_context(name));
  const std::size_t settle = std::min(settle_samples, decimated->size());
  decimated->erase(decimated->begin(), decimated->begin() + std::ptrdiff_t(settle));
  return std::move(*decimated);
}

}  // namespace vigil::model
