#include "dsp/cepstrum_prewhitening.hpp"

#include <cassert>
#include <cmath>

namespace vigil::dsp {

void cepstrum_prewhiten(std::span<const std::complex<float>> spectrum, std::span<std::complex<float>> out) {
  assert(out.size() == spectrum.size());
  if (spectrum.empty()) return;
  out[0] = {};
  for (std::size_t k = 1; k < spectrum.size(); ++k) {
    const std::complex<float> x = spectrum[k];
    const float magnitude = std::abs(x);
    out[k] = magnitude > 0 && std::isfinite(magnitude) ? x / magnitude : std::complex<float>{};
  }
}

}  // namespace vigil::dsp
