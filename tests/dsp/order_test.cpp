#include "dsp/order.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/spectrum.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::dsp {
namespace VIGIL_TEST_FILE {

TEST(OrderGrid, SizeCoversZeroToMaxInclusive) {
  EXPECT_EQ((OrderGrid{20.0, 0.01}.size()), 2001u);
  EXPECT_EQ((OrderGrid{10.0, 0.25}.size()), 41u);
  EXPECT_EQ((OrderGrid{1.0, 0.3}.size()), 4u);  // 0, 0.3, 0.6, 0.9
  EXPECT_EQ((OrderGrid{0.0, 0.01}.size()), 0u);
  EXPECT_FALSE(validate(OrderGrid{10.0, 0.0}));
  EXPECT_FALSE(validate(OrderGrid{10.0, -0.1}));
  EXPECT_FALSE(validate(OrderGrid{0.001, 0.01}));
  EXPECT_FALSE(validate(OrderGrid{1e6, 1e-3}));  // 10^9 points
  EXPECT_FALSE(validate(OrderGrid{std::nan(""), 0.01}));
}

TEST(OrderResampling, LinearSpectrumIsReproducedExactly) {
  // Linear interpolation reproduces a linear function: amplitude[k] = k gives out = order shaft / bin.
  std::vector<float> amplitude(1001);
  for (std::size_t k = 0; k < amplitude.size(); ++k) amplitude[k] = float(k);
  const OrderGrid grid{10.0, 0.05};
  std::vector<float> out(grid.size());
  const double bin_hz = 0.5, shaft_hz = 29.95;
  auto covered = resample_to_orders(amplitude, bin_hz, shaft_hz, grid, out);
  ASSERT_TRUE(covered.has_value()) << covered.error().message;
  EXPECT_EQ(*covered, grid.size());  // 10 x 29.95 Hz = 299.5 Hz < 500 Hz
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_NEAR(out[i], grid.order_at(i) * shaft_hz / bin_hz, 1e-3) << "order " << grid.order_at(i);
  }
}

// A flat-top spectrum of a defect line at 3.58 x shaft (BPFO of a 6205 bearing) for a given speed.
AmplitudeSpectrum line_spectrum(SpectrumAnalyzer& analyzer, std::vector<float>& x, double fs, double shaft_hz,
                                double amplitude) {
  for (std::size_t t = 0; t < x.size(); ++t) {
    x[t] = static_cast<float>(
        amplitude * std::sin(2 * std::numbers::pi * 3.58 * shaft_hz * double(t) / fs + 0.2) +
        0.3 * amplitude * std::sin(2 * std::numbers::pi * 1.0 * shaft_hz * double(t) / fs));
  }
  return *analyzer.amplitude(x);
}

TEST(OrderResampling, DefectLineLandsAtItsOrderWhateverTheSpeed) {
  // 12 kHz, 4 s windows (0.25 Hz bins, finer than the 0.01-order grid x shaft Hz), flat-top so an
  // off-bin line keeps its amplitude within 0.01 dB. Speeds: CWRU 1797 rpm and 1440 rpm.
  const double fs = 12000.0;
  const std::size_t n = 48000;
  auto analyzer = SpectrumAnalyzer::create(n, fs, WindowKind::flat_top, PlanEffort::estimate);
  ASSERT_TRUE(analyzer.has_value());
  std::vector<float> x(n);
  const OrderGrid grid{20.0, 0.01};
  std::vector<float> orders(grid.size());
  for (double speed_rpm : {1797.0, 1440.0}) {
    const double shaft_hz = speed_rpm / 60.0;
    const auto spectrum = line_spectrum(*analyzer, x, fs, shaft_hz, 0.8);
    ASSERT_TRUE(resample_to_orders(spectrum.amplitude, spectrum.bin_hz, shaft_hz, grid, orders));
    // Largest line in orders above 2 (1x is the other tone): at 3.58 within one grid step.
    const auto from = orders.begin() + 200;
    const auto peak = std::max_element(from, orders.end());
    EXPECT_NEAR(grid.order_at(std::size_t(peak - orders.begin())), 3.58, 0.0101) << speed_rpm;
    EXPECT_NEAR(amplitude_near_order(orders, grid, 3.58, 0.02), 0.8, 0.8 * 0.003) << speed_rpm;
    EXPECT_NEAR(amplitude_near_order(orders, grid, 1.0, 0.02), 0.24, 0.24 * 0.003) << speed_rpm;
    // Nothing at BPFI (5.42 x) in this signal: flat-top leakage 5 Hz away is far below 1 %.
    EXPECT_LT(amplitude_near_order(orders, grid, 5.42, 0.02), 0.008) << speed_rpm;
    // The same reading straight from the frequency spectrum.
    EXPECT_NEAR(amplitude_near_frequency(spectrum.amplitude, spectrum.bin_hz, 3.58 * shaft_hz, 0.5), 0.8,
                0.8 * 0.003);
  }
}

TEST(OrderResampling, OrdersBeyondTheSpectrumAreZeroAndCounted) {
  // 0..500 Hz in 1 Hz bins, shaft 100 Hz: orders 0..5 are covered (501 points of 0.01), the rest 0.
  std::vector<float> amplitude(501, 1.0f);
  const OrderGrid grid{20.0, 0.01};
  std::vector<float> out(grid.size(), -1.0f);
  auto covered = resample_to_orders(amplitude, 1.0, 100.0, grid, out);
  ASSERT_TRUE(covered.has_value());
  EXPECT_EQ(*covered, 501u);
  EXPECT_FLOAT_EQ(out[500], 1.0f);
  for (std::size_t i = 501; i < out.size(); ++i) ASSERT_EQ(out[i], 0.0f) << i;
  // An empty spectrum covers nothing.
  covered = resample_to_orders({}, 1.0, 100.0, grid, out);
  ASSERT_TRUE(covered.has_value());
  EXPECT_EQ(*covered, 0u);
  EXPECT_EQ(*std::max_element(out.begin(), out.end()), 0.0f);
}

TEST(OrderResampling, RejectsBadArguments) {
  std::vector<float> amplitude(100, 1.0f);
  const OrderGrid grid{10.0, 0.1};
  std::vector<float> out(grid.size());
  std::vector<float> wrong(grid.size() - 1);
  EXPECT_EQ(resample_to_orders(amplitude, 1.0, 10.0, grid, wrong).error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(resample_to_orders(amplitude, 0.0, 10.0, grid, out));
  EXPECT_FALSE(resample_to_orders(amplitude, 1.0, 0.0, grid, out));
  EXPECT_FALSE(resample_to_orders(amplitude, 1.0, -25.0, grid, out));
  EXPECT_FALSE(resample_to_orders(amplitude, 1.0, std::nan(""), grid, out));
  EXPECT_FALSE(resample_to_orders(amplitude, 1.0, 10.0, OrderGrid{10.0, 0.0}, out));
}

TEST(AmplitudeNearOrder, TakesTheMaximumInTheWindowAndHandlesEdges) {
  const OrderGrid grid{5.0, 0.1};  // 51 points
  std::vector<float> orders(grid.size(), 0.0f);
  orders[30] = 2.0f;  // order 3.0
  orders[33] = 5.0f;  // order 3.3
  EXPECT_FLOAT_EQ(amplitude_near_order(orders, grid, 3.1, 0.1), 2.0f);
  EXPECT_FLOAT_EQ(amplitude_near_order(orders, grid, 3.1, 0.2), 5.0f);
  EXPECT_FLOAT_EQ(amplitude_near_order(orders, grid, 3.0, 0.0), 2.0f);   // exactly on a point
  EXPECT_FLOAT_EQ(amplitude_near_order(orders, grid, 3.04, 0.0), 2.0f);  // no point inside: nearest
  EXPECT_FLOAT_EQ(amplitude_near_order(orders, grid, 6.0, 0.5), 0.0f);   // beyond the grid
  EXPECT_FLOAT_EQ(amplitude_near_order(orders, grid, -1.0, 0.5), 0.0f);
  orders[50] = 7.0f;
  EXPECT_FLOAT_EQ(amplitude_near_order(orders, grid, 5.2, 0.3), 7.0f);  // window clipped at the end
  EXPECT_FLOAT_EQ(amplitude_near_order({}, grid, 1.0, 0.1), 0.0f);
  EXPECT_FLOAT_EQ(amplitude_near_frequency(orders, 0.0, 1.0, 0.1), 0.0f);
}

TEST(OrderResampling, AllocatesNothing) {
  std::vector<float> amplitude(4097, 1.0f);
  const OrderGrid grid{20.0, 0.01};
  std::vector<float> out(grid.size());
  test::AllocationScope scope;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(resample_to_orders(amplitude, 1.5, 29.95, grid, out));
    (void)amplitude_near_order(out, grid, 3.58, 0.05);
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp
