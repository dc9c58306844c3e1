#include "dsp/fft.hpp"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include "support/alloc_counter.hpp"

namespace vigil::dsp {
namespace VIGIL_TEST_FILE {

// A sine of amplitude A at an exact bin k gives |X[k]| = A * n / 2 (analytic DFT of a pure tone).
void expect_tone_at_bin(std::size_t n, std::size_t k, float amplitude) {
  auto fft = RealFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value()) << fft.error().message;
  auto x = fft->time();
  for (std::size_t t = 0; t < n; ++t) {
    x[t] =
        amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * double(k) * double(t) / double(n)));
  }
  fft->forward();
  auto X = fft->spectrum();
  for (std::size_t b = 0; b < fft->bins(); ++b) {
    const double expected = b == k ? amplitude * double(n) / 2.0 : 0.0;
    EXPECT_NEAR(std::abs(X[b]), expected, 1e-3 * double(n)) << "n=" << n << " bin " << b;
  }
}

TEST(RealFft, ToneAmplitudePowerOfTwo) { expect_tone_at_bin(1024, 37, 2.5f); }
TEST(RealFft, ToneAmplitudeNonPowerOfTwo) { expect_tone_at_bin(25600, 1201, 0.75f); }
TEST(RealFft, ToneAmplitudeOddLength) { expect_tone_at_bin(999, 10, 1.0f); }

TEST(RealFft, InverseRoundTripScalesByN) {
  const std::size_t n = 1000;
  auto fft = RealFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  std::vector<float> x(n);
  for (std::size_t t = 0; t < n; ++t) x[t] = static_cast<float>(std::cos(0.01 * double(t * t % 977)));
  fft->forward(x);
  fft->inverse();
  for (std::size_t t = 0; t < n; ++t) EXPECT_NEAR(fft->time()[t] / float(n), x[t], 1e-5f);
}

TEST(RealFft, RejectsDegenerateLength) {
  auto fft = RealFft::create(1);
  ASSERT_FALSE(fft.has_value());
  EXPECT_EQ(fft.error().code, ErrorCode::invalid_argument);
}

TEST(ComplexFft, ForwardInverseRoundTrip) {
  const std::size_t n = 768;
  auto fft = ComplexFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  auto d = fft->data();
  for (std::size_t t = 0; t < n; ++t) d[t] = {float(t % 7), -float(t % 5)};
  fft->forward();
  fft->inverse();
  for (std::size_t t = 0; t < n; ++t) {
    EXPECT_NEAR(d[t].real() / float(n), float(t % 7), 1e-4f);
    EXPECT_NEAR(d[t].imag() / float(n), -float(t % 5), 1e-4f);
  }
}

TEST(ComplexFft, OutOfPlaceGivesTheDftAndKeepsItsInput) {
  // Inverse DFT of a single line X[k0] = 1 is e^{+2 pi i k0 t / n} (unnormalised): unit magnitude, phase
  // 2 pi k0 t / n. The in-place plan of the same size must give the same values.
  const std::size_t n = 2560, k0 = 37;
  auto out =
      ComplexFft::create(n, PlanEffort::estimate, FftDirections::inverse_only, FftPlacement::out_of_place);
  auto in = ComplexFft::create(n, PlanEffort::estimate, FftDirections::inverse_only);
  ASSERT_TRUE(out && in);
  EXPECT_NE(out->output().data(), out->data().data());
  EXPECT_EQ(in->output().data(), in->data().data());
  out->data()[k0] = {1.0f, 0.0f};
  in->data()[k0] = {1.0f, 0.0f};
  out->inverse();
  in->inverse();
  for (std::size_t t = 0; t < n; ++t) {
    const double phase = 2 * std::numbers::pi * double(k0 * t % n) / double(n);
    EXPECT_NEAR(out->output()[t].real(), std::cos(phase), 1e-5);
    EXPECT_NEAR(out->output()[t].imag(), std::sin(phase), 1e-5);
    EXPECT_NEAR(out->output()[t].real(), in->output()[t].real(), 1e-6);
    EXPECT_NEAR(out->output()[t].imag(), in->output()[t].imag(), 1e-6);
    EXPECT_EQ(out->data()[t], (t == k0 ? std::complex<float>{1.0f, 0.0f} : std::complex<float>{}));
  }
}

TEST(RealFft, ExecutionAllocatesNothing) {
  auto fft = RealFft::create(4096);
  ASSERT_TRUE(fft.has_value());
  std::vector<float> x(4096, 1.0f);
  test::AllocationScope scope;
  for (int i = 0; i < 10; ++i) {
    fft->forward(x);
    fft->inverse();
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp

namespace vigil::dsp {
namespace VIGIL_TEST_FILE {

// A one-direction transform computes the same spectrum as a two-direction one.
TEST(RealFft, ForwardOnlyPlanMatchesBothDirections) {
  auto both = RealFft::create(3000, PlanEffort::estimate);
  auto forward_only = RealFft::create(3000, PlanEffort::estimate, FftDirections::forward_only);
  ASSERT_TRUE(both.has_value() && forward_only.has_value());
  std::vector<float> x(3000);
  for (std::size_t t = 0; t < x.size(); ++t) x[t] = static_cast<float>(std::sin(0.37 * double(t)));
  const auto a = both->forward(x);
  const auto b = forward_only->forward(x);
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k], b[k]);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp
