// Order-domain normalisation: a spectrum re-expressed against shaft orders (f / shaft_hz), so that
// a defect line (BPFO = 3.58 x for a 6205 bearing) sits at the same place whatever the speed and
// features from different speeds compare. Pure functions on caller-provided buffers.
#pragma once

#include <cstddef>
#include <span>

#include "core/error.hpp"

namespace vigil::dsp {

// The fixed grid of orders 0, resolution, 2 resolution, ..., max_order (size() points).
struct OrderGrid {
  double max_order = 20.0;
  double resolution_orders = 0.01;

  std::size_t size() const;  // floor(max_order / resolution_orders + 1e-9) + 1; 0 if invalid
  double order_at(std::size_t i) const { return double(i) * resolution_orders; }
};

// Checks 0 < resolution_orders <= max_order, finite, and at most 10^7 points.
Status validate(const OrderGrid& grid);

// Resamples a spectrum (amplitude per bin; bin k at k bin_hz, any linear unit) onto `grid`:
//   out[i] = linear interpolation of amplitude at bin position b = order_i shaft_hz / bin_hz
// (between bins floor(b) and floor(b) + 1). Grid points beyond the last bin are set to 0. Returns
// how many leading grid points the spectrum covers. Interpolation keeps the height of a line only
// when the grid is at least as fine as the bins (resolution_orders <= bin_hz / shaft_hz); on a
// coarser grid read lines with amplitude_near_order(), which takes the maximum over a window.
// Requires out.size() == grid.size(), bin_hz > 0, shaft_hz > 0. Allocates nothing.
Result<std::size_t> resample_to_orders(std::span<const float> amplitude, double bin_hz, double shaft_hz,
                                       const OrderGrid& grid, std::span<float> out);

// Largest value of an order spectrum (on `grid`) within [order - tolerance, order + tolerance]:
// a defect line drifts by a few hundredths of an order with slip and speed-estimate error, so its
// amplitude is read as the maximum in a small window. 0 when the window lies outside the grid.
float amplitude_near_order(std::span<const float> order_amplitude, const OrderGrid& grid, double order,
                           double tolerance_orders);

// Same on a frequency spectrum directly: the largest bin within [f - tol, f + tol] Hz, the nearest
// bin when the window holds none. 0 when f lies outside the spectrum.
float amplitude_near_frequency(std::span<const float> amplitude, double bin_hz, double frequency_hz,
                               double tolerance_hz);

}  // namespace vigil::dsp
