#include "dsp/order.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::dsp {
namespace {
constexpr double k_max_grid_points = 1e7;

// Largest value among indices [lo, hi] (clamped to the span); 0 for an empty range.
float max_in(std::span<const float> values, double lo, double hi) {
  if (values.empty() || hi < 0.0 || lo > double(values.size() - 1)) return 0.0f;
  const auto first = static_cast<std::size_t>(std::max(0.0, std::ceil(lo)));
  const auto last = static_cast<std::size_t>(std::min(double(values.size() - 1), std::floor(hi)));
  if (first > last) {
    // No sample inside the window: take the nearest one to its centre.
    const auto nearest =
        static_cast<std::size_t>(std::clamp(std::round((lo + hi) / 2.0), 0.0, double(values.size() - 1)));
    return values[nearest];
  }
  return *std::max_element(values.begin() + static_cast<std::ptrdiff_t>(first),
                           values.begin() + static_cast<std::ptrdiff_t>(last) + 1);
}
}  // namespace

std::size_t OrderGrid::size() const {
  if (!validate(*this)) return 0;
  return static_cast<std::size_t>(std::floor(max_order / resolution_orders + 1e-9)) + 1;
}

Status validate(const OrderGrid& grid) {
  if (!(grid.resolution_orders > 0.0) || !(grid.max_order >= grid.resolution_orders) ||
      !std::isfinite(grid.max_order)) {
    return fail(ErrorCode::invalid_argument, "order grid: need 0 < resolution ({}) <= max order ({})",
                grid.resolution_orders, grid.max_order);
  }
  if (grid.max_order / grid.resolution_orders > k_max_grid_points) {
    return fail(ErrorCode::invalid_argument, "order grid: {} / {} gives more than {} points", grid.max_order,
                grid.resolution_orders, k_max_grid_points);
  }
  return {};
}

Result<std::size_t> resample_to_orders(std::span<const float> amplitude, double bin_hz, double shaft_hz,
                                       const OrderGrid& grid, std::span<float> out) {
  if (auto s = validate(grid); !s) return std::unexpected(s.error());
  if (!(bin_hz > 0.0) || !std::isfinite(bin_hz)) {
    return fail(ErrorCode::invalid_argument, "order resampling: bin width {} Hz must be positive", bin_hz);
  }
  if (!(shaft_hz > 0.0) || !std::isfinite(shaft_hz)) {
    return fail(ErrorCode::invalid_argument, "order resampling: shaft speed {} Hz must be positive",
                shaft_hz);
  }
  if (out.size() != grid.size()) {
    return fail(ErrorCode::invalid_argument, "order resampling: output holds {} points, the grid has {}",
                out.size(), grid.size());
  }
  if (amplitude.empty()) {
    std::fill(out.begin(), out.end(), 0.0f);
    return std::size_t{0};
  }
  const double last_bin = double(amplitude.size() - 1);
  std::size_t covered = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double position = grid.order_at(i) * shaft_hz / bin_hz;
    if (position > last_bin + 1e-9) {
      out[i] = 0.0f;
      continue;
    }
    const auto lower = std::min(static_cast<std::size_t>(position), amplitude.size() - 1);
    const double fraction = position - double(lower);
    const double upper_value = lower + 1 < amplitude.size() ? double(amplitude[lower + 1]) : 0.0;
    out[i] = static_cast<float>((1.0 - fraction) * amplitude[lower] + fraction * upper_value);
    covered = i + 1;
  }
  return covered;
}

float amplitude_near_order(std::span<const float> order_amplitude, const OrderGrid& grid, double order,
                           double tolerance_orders) {
  if (!validate(grid)) return 0.0f;
  const double step = grid.resolution_orders;
  return max_in(order_amplitude, (order - tolerance_orders) / step - 1e-9,
                (order + tolerance_orders) / step + 1e-9);
}

float amplitude_near_frequency(std::span<const float> amplitude, double bin_hz, double frequency_hz,
                               double tolerance_hz) {
  if (!(bin_hz > 0.0)) return 0.0f;
  return max_in(amplitude, (frequency_hz - tolerance_hz) / bin_hz - 1e-9,
                (frequency_hz + tolerance_hz) / bin_hz + 1e-9);
}

}  // namespace vigil::dsp
