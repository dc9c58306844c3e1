#include "dsp/discrete_random_separation.hpp"

#include <algorithm>
#include <cassert>

namespace vigil::dsp {

Result<DiscreteRandomSeparation> DiscreteRandomSeparation::create(std::size_t window_len,
                                                                  std::size_t delay_samples) {
  if (window_len < 2) {
    return fail(ErrorCode::invalid_argument, "discrete/random separation: window_len {} < 2", window_len);
  }
  if (delay_samples < window_len) {
    return fail(ErrorCode::invalid_argument,
                "discrete/random separation: delay of {} samples is shorter than the window ({} samples): "
                "overlapping windows share samples, and DRS would remove that share of the random part",
                delay_samples, window_len);
  }
  DiscreteRandomSeparation d;
  d.delay_samples_ = delay_samples;
  const std::size_t bins = window_len / 2 + 1;
  d.cross_.assign(bins, {});
  d.power_.assign(bins, 0.0);
  d.filter_.assign(bins, {});
  return d;
}

void DiscreteRandomSeparation::accumulate(std::span<const std::complex<float>> current,
                                          std::span<const std::complex<float>> delayed) {
  assert(current.size() == bins() && delayed.size() == bins());
  for (std::size_t k = 0; k < cross_.size(); ++k) {
    const std::complex<double> x = current[k];
    const std::complex<double> y = delayed[k];
    cross_[k] += x * std::conj(y);
    power_[k] += std::norm(y);
  }
  ++pairs_;
}

void DiscreteRandomSeparation::estimate() {
  for (std::size_t k = 0; k < filter_.size(); ++k) {
    filter_[k] = power_[k] > 0 ? std::complex<float>(cross_[k] / power_[k]) : std::complex<float>{};
  }
}

void DiscreteRandomSeparation::random_part(std::span<const std::complex<float>> current,
                                           std::span<const std::complex<float>> delayed,
                                           std::span<std::complex<float>> out) const {
  assert(current.size() == bins() && delayed.size() == bins() && out.size() == bins());
  for (std::size_t k = 0; k < filter_.size(); ++k) out[k] = current[k] - filter_[k] * delayed[k];
}

void DiscreteRandomSeparation::reset() {
  std::fill(cross_.begin(), cross_.end(), std::complex<double>{});
  std::fill(power_.begin(), power_.end(), 0.0);
  std::fill(filter_.begin(), filter_.end(), std::complex<float>{});
  pairs_ = 0;
}

}  // namespace vigil::dsp
