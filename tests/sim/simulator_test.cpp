#include "sim/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/bearing.hpp"
#include "dsp/fft.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::sim {
namespace VIGIL_TEST_FILE {

constexpr double k_pi = std::numbers::pi;

Simulator make(const Scenario& scenario, std::uint64_t seed) {
  auto sim = Simulator::create(scenario, seed);
  EXPECT_TRUE(sim.has_value()) << sim.error().message;
  return std::move(*sim);
}

std::vector<float> generate(Simulator& sim, std::size_t n) {
  std::vector<float> x(n);
  sim.generate(x);
  return x;
}

// Scenario with only the fault: no shaft lines, no noise, constant impact strength, and impacts outside
// the load zone at half strength so that every impact is clearly visible in the raw signal.
Scenario fault_only(FaultKind kind) {
  Scenario s = Scenario::cwru_like(kind);
  s.machine.unbalance_g = 0;
  s.machine.misalignment_g = 0;
  s.machine.noise_rms_g = 0;
  s.machine.machine_noise_rms_g = 0;
  s.fault.amplitude_jitter_fraction = 0;
  s.fault.unloaded_fraction = 0.5;
  return s;
}

double expected_defect_hz(const dsp::DefectFrequencies& f, FaultKind kind) {
  switch (kind) {
    case FaultKind::outer_race:
      return f.bpfo_hz;
    case FaultKind::inner_race:
      return f.bpfi_hz;
    case FaultKind::ball:
      return f.bsf_hz;
    case FaultKind::cage:
      return f.ftf_hz;
    case FaultKind::none:
      break;
  }
  return 0;
}

double rms(std::span<const float> x) {
  double sum = 0;
  for (float v : x) sum += double(v) * double(v);
  return std::sqrt(sum / double(x.size()));
}

// ---------------------------------------------------------------------------------------------------
// Brute-force squared-envelope spectrum, independent of dsp::EnvelopeAnalyzer: FFT the whole record,
// keep only the positive-frequency bins inside [low_hz, high_hz] (band-pass and analytic signal in one
// step), inverse FFT, |z|^2, remove its mean, Hann window, FFT again. Amplitudes are relative.
//
// A line between bins spreads over neighbouring bins, so a line's strength is measured as the energy in
// +-2 bins (the Hann main lobe): sqrt(sum |X_k|^2). This has no scalloping loss, so lines of different
// frequencies compare fairly.
struct Spectrum {
  std::vector<double> amplitude;
  double bin_hz = 0;

  std::size_t bin(double f_hz) const { return static_cast<std::size_t>(std::lround(f_hz / bin_hz)); }
  double line_at_bin(std::size_t k) const {
    double energy = 0;
    for (std::size_t j = k - 2; j <= k + 2; ++j) energy += amplitude[j] * amplitude[j];
    return std::sqrt(energy);
  }
  // Strongest line in [low_hz, high_hz]: {frequency, strength}.
  std::pair<double, double> peak(double low_hz, double high_hz) const {
    std::size_t best = bin(low_hz);
    for (std::size_t k = bin(low_hz); k <= bin(high_hz); ++k) {
      if (line_at_bin(k) > line_at_bin(best)) best = k;
    }
    return {double(best) * bin_hz, line_at_bin(best)};
  }
  // Strongest line within +-tolerance_hz of f_hz.
  double near(double f_hz, double tolerance_hz) const {
    return peak(f_hz - tolerance_hz, f_hz + tolerance_hz).second;
  }
  // Median line strength over a band: the noise floor.
  double median(double low_hz, double high_hz) const {
    std::vector<double> v;
    for (std::size_t k = bin(low_hz); k <= bin(high_hz); ++k) v.push_back(line_at_bin(k));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
    return v[v.size() / 2];
  }
};

Spectrum squared_envelope_spectrum(std::span<const float> x, double sample_rate_hz, double low_hz,
                                   double high_hz) {
  const std::size_t n = x.size();
  auto fft = dsp::ComplexFft::create(n, dsp::PlanEffort::estimate);
  EXPECT_TRUE(fft.has_value());
  auto d = fft->data();
  for (std::size_t t = 0; t < n; ++t) d[t] = {x[t], 0.0f};
  fft->forward();
  const double bin_hz = sample_rate_hz / double(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double f = double(k) * bin_hz;
    if (k >= n / 2 || f < low_hz || f > high_hz) d[k] = 0;
  }
  fft->inverse();
  double mean = 0;
  for (const auto& z : d) mean += std::norm(z);
  mean /= double(n);
  for (std::size_t t = 0; t < n; ++t) {
    const double hann = 0.5 - 0.5 * std::cos(2 * k_pi * double(t) / double(n));
    d[t] = {float((std::norm(d[t]) - mean) * hann), 0.0f};
  }
  fft->forward();
  Spectrum s{std::vector<double>(n / 2), bin_hz};
  for (std::size_t k = 0; k < n / 2; ++k) s.amplitude[k] = std::abs(d[k]);
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Determinism

TEST(SimulatorDeterminism, SameSeedGivesBitIdenticalSamples) {
  Scenario s = Scenario::cwru_like(FaultKind::inner_race);
  s.machine.speed_variation_fraction = 0.02;
  s.machine.speed_variation_period_s = 1.5;
  Simulator a = make(s, 99);
  Simulator b = make(s, 99);
  const auto xa = generate(a, 50'000);
  const auto xb = generate(b, 50'000);
  EXPECT_EQ(std::memcmp(xa.data(), xb.data(), xa.size() * sizeof(float)), 0);
}

TEST(SimulatorDeterminism, ChunkingDoesNotChangeSamples) {
  for (FaultKind kind :
       {FaultKind::none, FaultKind::outer_race, FaultKind::inner_race, FaultKind::ball, FaultKind::cage}) {
    Scenario s = Scenario::cwru_like(kind);
    s.machine.speed_variation_fraction = 0.03;
    s.machine.speed_variation_period_s = 0.7;
    s.fault.severity = {
        .growth = SeverityGrowth::exponential, .initial = 0.5, .time_constant_s = 2, .max_severity = 10};
    Simulator whole = make(s, 7);
    const auto reference = generate(whole, 60'000);

    Simulator pieces = make(s, 7);
    std::vector<float> chunked(reference.size());
    // Odd sizes, zero-length calls and sizes straddling the 64-sample speed-update grid.
    const std::size_t sizes[] = {1, 0, 63, 64, 65, 1000, 3, 4097, 0, 127, 12000, 17};
    std::size_t pos = 0;
    for (std::size_t i = 0; pos < chunked.size(); ++i) {
      const std::size_t len = std::min(sizes[i % std::size(sizes)], chunked.size() - pos);
      pieces.generate(std::span<float>(chunked).subspan(pos, len));
      pos += len;
    }
    EXPECT_EQ(std::memcmp(reference.data(), chunked.data(), reference.size() * sizeof(float)), 0)
        << to_string(kind);
    EXPECT_EQ(whole.impact_count(), pieces.impact_count());
    EXPECT_EQ(whole.samples_generated(), pieces.samples_generated());
  }
}

TEST(SimulatorDeterminism, DifferentSeedsGiveDifferentSamples) {
  const Scenario s = Scenario::cwru_like(FaultKind::outer_race);
  Simulator a = make(s, 1);
  Simulator b = make(s, 2);
  const auto xa = generate(a, 10'000);
  const auto xb = generate(b, 10'000);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < xa.size(); ++i) differ += xa[i] != xb[i];
  EXPECT_GT(differ, xa.size() * 99 / 100);  // noise alone makes essentially every sample differ
}

// The fault is drawn from its own random stream: with the same seed, a faulty machine is the healthy
// machine plus the impacts (what an A/B comparison of detectors needs).
TEST(SimulatorDeterminism, FaultAddsToTheSameBackgroundForTheSameSeed) {
  const Scenario healthy = Scenario::cwru_like(FaultKind::none);
  Scenario faulty = Scenario::cwru_like(FaultKind::inner_race);
  Scenario impacts = faulty;
  impacts.machine.unbalance_g = impacts.machine.misalignment_g = 0;
  impacts.machine.noise_rms_g = impacts.machine.machine_noise_rms_g = 0;
  Simulator h = make(healthy, 5), f = make(faulty, 5), i = make(impacts, 5);
  const auto xh = generate(h, 20'000), xf = generate(f, 20'000), xi = generate(i, 20'000);
  for (std::size_t t = 0; t < xh.size(); ++t) {
    // float rounding of each output: a few ulps of ~2 g.
    ASSERT_NEAR(xf[t] - xh[t], xi[t], 2e-6) << "sample " << t;
  }
}

// ---------------------------------------------------------------------------------------------------
// Shaft harmonics

TEST(SimulatorShaft, HealthySpectrumHasShaftLinesAtTheConfiguredAmplitudes) {
  Scenario s = Scenario::cwru_like(FaultKind::none, 1800.0);  // fr = 30 Hz exactly
  s.machine.unbalance_g = 0.1;
  s.machine.misalignment_g = 0.05;
  s.machine.noise_rms_g = 0.01;
  s.machine.machine_noise_rms_g = 0;
  Simulator sim = make(s, 3);
  // One second at 12 kHz: 1 Hz bins, so 30/60/90 Hz sit exactly on bins 30/60/90 (no leakage, no window).
  const std::size_t n = 12000;
  const auto x = generate(sim, n);
  auto fft = dsp::RealFft::create(n, dsp::PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  const auto X = fft->forward(x);
  auto amplitude_g = [&](std::size_t k) { return 2.0 * std::abs(X[k]) / double(n); };
  // Analytic: 1x = hypot(unbalance, 0.5 * misalignment) (quadrature), 2x = misalignment, 3x = 0.3 * it.
  // White noise of 0.01 g RMS puts ~2 * 0.01 / sqrt(n) = 1.8e-4 g in each bin: tolerance 1e-3 g (>5 sigma).
  EXPECT_NEAR(amplitude_g(30), std::hypot(0.1, k_misalignment_1x_ratio * 0.05), 1e-3);
  EXPECT_NEAR(amplitude_g(60), 0.05, 1e-3);
  EXPECT_NEAR(amplitude_g(90), k_misalignment_3x_ratio * 0.05, 1e-3);
  EXPECT_LT(amplitude_g(120), 1e-3);  // no 4x in the model
  EXPECT_LT(amplitude_g(45), 1e-3);
}

TEST(SimulatorShaft, SpeedVariationFollowsTheConfiguredSine) {
  Scenario s = fault_only(FaultKind::outer_race);
  s.machine.speed_variation_fraction = 0.02;
  s.machine.speed_variation_period_s = 2.0;
  Simulator sim = make(s, 11);
  const double fs = s.machine.sample_rate_hz;
  EXPECT_DOUBLE_EQ(sim.speed_rpm(), 1797.0);
  // Quarter period: peak speed. Speed is updated every 64 samples (5.3 ms): cos(2 pi 5.3ms / 2s) error <
  // 1e-3.
  generate(sim, std::size_t(0.5 * fs) + 1);
  EXPECT_NEAR(sim.speed_rpm(), 1797.0 * 1.02, 1797.0 * 1e-3);
  generate(sim, std::size_t(1.0 * fs));  // three quarters: slowest
  EXPECT_NEAR(sim.speed_rpm(), 1797.0 * 0.98, 1797.0 * 1e-3);
  // Over whole periods the mean speed is nominal, so the impact count is T * BPFO (slip: +-0.01 sqrt(N)).
  generate(sim, std::size_t(4.0 * fs) - std::size_t(0.5 * fs) - 1 - std::size_t(1.0 * fs));
  const double expected = 4.0 * sim.defect_frequencies().bpfo_hz;
  EXPECT_NEAR(double(sim.impact_count()), expected, 3.0);
}

// ---------------------------------------------------------------------------------------------------
// Bearing faults

class SimulatorFault : public ::testing::TestWithParam<FaultKind> {};

// The squared-envelope spectrum of a CWRU-like record shows the fault's own defect frequency as its
// strongest line. Searched from half to 3.5 times the defect frequency: that holds the competing lines
// (harmonics, +-fr / +-FTF sidebands) but not the load-zone modulation line at fr or FTF itself. The
// fundamental wins because the resonance's squared envelope e^{-2 zeta wn t} rolls the harmonics off
// (|G(f)| = 1 / sqrt(1 + (pi f / (zeta wn))^2): 0.86 from BPFO to 2 BPFO) and sidebands are ~0.7 of the
// line; over 40 seeds the fundamental beat every other line by >= 1.2x. A cage train (84 ms spacing
// against 1 ms ringing) has harmonics of equal height (|G| > 0.99 up to 3 FTF), so for the cage the
// search stops at 1.5 FTF.
TEST_P(SimulatorFault, EnvelopeSpectrumPeaksAtTheDefectFrequency) {
  const FaultKind kind = GetParam();
  const Scenario s = Scenario::cwru_like(kind);
  Simulator sim = make(s, 1234);
  const auto x = generate(sim, std::size_t{1} << 16);  // 5.46 s, 0.18 Hz bins
  // Band around the 3 kHz resonance, wide enough (+-1 kHz) to carry sidebands up to several BPFI.
  const Spectrum env = squared_envelope_spectrum(x, s.machine.sample_rate_hz, 2000.0, 4000.0);
  const auto kinematics = dsp::defect_frequencies(s.machine.bearing, s.machine.speed_rpm);
  const double f_defect = expected_defect_hz(kinematics, kind);
  const double search_high_hz = (kind == FaultKind::cage ? 1.5 : 3.5) * f_defect;
  const auto [f_peak, a_peak] = env.peak(0.5 * f_defect, search_high_hz);
  // Spacing jitter has zero mean, so the line sits at the kinematic frequency to within slip_fraction.
  const double tolerance_hz = std::max(2 * env.bin_hz, s.fault.slip_fraction * f_defect);
  EXPECT_NEAR(f_peak, f_defect, tolerance_hz) << to_string(kind);
  EXPECT_GT(a_peak, 10 * env.median(0.5 * f_defect, 3.5 * f_defect)) << to_string(kind);
}

// Inner-race impacts are modulated at fr (the defect passes the load zone once a revolution): lines at
// BPFI +- fr. Expected ratio sideband/line = |c1| / c0 of q^2 over a revolution, ~0.7 for the default
// load zone (90 deg, 0.2 unloaded), times the resonance's envelope roll-off; assert > 0.3.
TEST(SimulatorFaultModulation, InnerRaceShowsShaftRateSidebands) {
  const Scenario s = Scenario::cwru_like(FaultKind::inner_race);
  Simulator sim = make(s, 21);
  const auto x = generate(sim, std::size_t{1} << 16);
  const Spectrum env = squared_envelope_spectrum(x, s.machine.sample_rate_hz, 2000.0, 4000.0);
  const auto f = sim.defect_frequencies();
  const double tol = 3 * env.bin_hz;
  const double line = env.near(f.bpfi_hz, tol);
  const double floor = env.median(50, 600);
  for (double side : {f.bpfi_hz - f.shaft_hz, f.bpfi_hz + f.shaft_hz}) {
    EXPECT_GT(env.near(side, tol), 0.3 * line) << side << " Hz";
    EXPECT_GT(env.near(side, tol), 10 * floor) << side << " Hz";
  }
}

TEST(SimulatorFaultModulation, BallShowsCageRateSidebands) {
  const Scenario s = Scenario::cwru_like(FaultKind::ball);
  Simulator sim = make(s, 22);
  const auto x = generate(sim, std::size_t{1} << 16);
  const Spectrum env = squared_envelope_spectrum(x, s.machine.sample_rate_hz, 2000.0, 4000.0);
  const auto f = sim.defect_frequencies();
  const double tol = 3 * env.bin_hz;
  const double line = env.near(f.bsf_hz, tol);
  for (double side : {f.bsf_hz - f.ftf_hz, f.bsf_hz + f.ftf_hz})
    EXPECT_GT(env.near(side, tol), 0.3 * line) << side;
}

// Control: an outer-race defect sits still in the load zone, so there are no fr sidebands.
TEST(SimulatorFaultModulation, OuterRaceHasNoShaftRateSidebands) {
  const Scenario s = Scenario::cwru_like(FaultKind::outer_race);
  Simulator sim = make(s, 23);
  const auto x = generate(sim, std::size_t{1} << 16);
  const Spectrum env = squared_envelope_spectrum(x, s.machine.sample_rate_hz, 2000.0, 4000.0);
  const auto f = sim.defect_frequencies();
  const double tol = 3 * env.bin_hz;
  const double line = env.near(f.bpfo_hz, tol);
  for (double side : {f.bpfo_hz - f.shaft_hz, f.bpfo_hz + f.shaft_hz})
    EXPECT_LT(env.near(side, tol), 0.1 * line) << side;
}

// Over T seconds a fault strikes T * f_defect times, within the slip's random walk (+-0.01 sqrt(N), well
// under the +-3 allowed). Counted twice: the simulator's ground-truth counter, and independently from
// the raw signal (rising crossings of 0.1 g with a hold-off of 0.7 spacing; each response decays to
// under 0.02 g by then, every impact peaks above 0.45 g).
TEST_P(SimulatorFault, ImpactCountMatchesDefectRate) {
  const FaultKind kind = GetParam();
  const Scenario s = fault_only(kind);
  Simulator sim = make(s, 77);
  const double duration_s = 20.0;
  const double fs = s.machine.sample_rate_hz;
  const auto x = generate(sim, std::size_t(duration_s * fs));
  const double f_defect = expected_defect_hz(sim.defect_frequencies(), kind);
  EXPECT_NEAR(double(sim.impact_count()), duration_s * f_defect, 3.0) << to_string(kind);

  const auto hold_off = std::size_t(0.7 * fs / f_defect);
  std::size_t detected = 0;
  std::size_t last = 0;
  bool any = false;
  for (std::size_t t = 0; t < x.size(); ++t) {
    if (std::abs(x[t]) > 0.1 && (!any || t - last > hold_off)) {
      ++detected;
      last = t;
      any = true;
    }
  }
  // The last impact may have started a fraction of a sample before the end, still below threshold.
  EXPECT_LE(detected, sim.impact_count());
  EXPECT_GE(detected + 1, sim.impact_count());
}

INSTANTIATE_TEST_SUITE_P(AllKinds, SimulatorFault,
                         ::testing::Values(FaultKind::outer_race, FaultKind::inner_race, FaultKind::ball,
                                           FaultKind::cage),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

// Each impact rings the resonance as a e^{-zeta wn t} sin(wd t) starting between samples. Any sum of
// such responses obeys y[n+1] = 2 r cos(th) y[n] - r^2 y[n-1] (r = e^{-zeta wn / fs}, th = wd / fs), except
// where a new impact starts. At that sample m the residual e of the recurrence is the new response alone:
//   e[m] = a r^d sin(th d),  e[m+1] = a r^{d+1} sin(th (1 - d)),   d = m - t_impact in (0, 1] samples,
// so tan(th d) = r sin th / (e[m+1]/e[m] + r cos th) recovers the sub-sample onset and then a. With no
// slip, onsets are exactly fs / BPFO samples apart (not an integer): sample-rounded timing would fail.
TEST(SimulatorFault, ImpactsRingTheResonanceWithSubSampleTiming) {
  Scenario s = fault_only(FaultKind::outer_race);
  s.fault.slip_fraction = 0;
  Simulator sim = make(s, 4);
  auto x = generate(sim, 12000);
  const auto impacts = sim.impact_count();
  x.push_back(generate(sim, 1)[0]);  // e[m+1] for an impact starting at the last sample
  const double fs = s.machine.sample_rate_hz, zeta = s.machine.damping_ratio;
  const double wn = 2 * k_pi * s.machine.resonance_hz;
  const double r = std::exp(-zeta * wn / fs), th = wn * std::sqrt(1 - zeta * zeta) / fs;
  auto residual = [&](std::size_t n) {
    const double y1 = n >= 1 ? x[n - 1] : 0.0, y2 = n >= 2 ? x[n - 2] : 0.0;
    return double(x[n]) - (2 * r * std::cos(th) * y1 - r * r * y2);
  };
  std::vector<double> onsets;
  for (std::size_t n = 0; n + 1 < x.size(); ++n) {
    const double e0 = residual(n);
    // Float outputs leave residuals ~1e-7 g; a new impact of 1 g leaves >> 1e-5 g unless d < 1e-5.
    if (std::abs(e0) < 1e-5) continue;
    const double e1 = residual(n + 1);
    const double d = std::atan2(r * std::sin(th), e1 / e0 + r * std::cos(th)) / th;
    const double amplitude_g = e0 / (std::pow(r, d) * std::sin(th * d));
    EXPECT_NEAR(amplitude_g, s.fault.impact_g, 1e-3) << "impact at sample " << n;
    onsets.push_back(double(n) - d);
    ++n;  // e[n+1] belongs to the same impact
  }
  ASSERT_EQ(onsets.size(), impacts);
  ASSERT_GE(onsets.size(), 8u);
  const double spacing_samples = fs / sim.defect_frequencies().bpfo_hz;
  for (std::size_t k = 1; k < onsets.size(); ++k) {
    EXPECT_NEAR(onsets[k] - onsets[k - 1], spacing_samples, 1e-3) << "impact " << k;
  }
}

// An outer-race pit sits still, so each impact carries the load at the pit's angle, q(psi) = u + (1 - u)
// max(0, 1 - (1 - cos psi) / (2 eps))^{3/2}, eps = (1 - cos psi_l) / 2. Hand-computed with u = 0.5
// (fault_only):
//   psi_l = 90 deg (eps = 1/2): psi = 90 deg gives 1 - 1 = 0, q = u = 0.5; psi = 60 deg gives 1 - 0.5 / 1 =
//   0.5, q = 0.5 + 0.5 * 0.5^{1.5} = 0.676777; psi = 180 deg (12 o'clock under a 6 o'clock load) gives q = u.
//   psi_l = 120 deg (eps = 3/4): psi = 90 deg gives 1 - 1 / 1.5 = 1/3, q = 0.5 + 0.5 (1/3)^{1.5} = 0.596225.
// The impact times and jitter draws do not depend on the pit, so with no noise the whole signal scales by q.
TEST(SimulatorOuterRacePit, ImpactStrengthFollowsTheLoadAtThePit) {
  const struct {
    double half_angle_deg, pit_deg, q;
  } cases[] = {{90, 90, 0.5},  {90, -90, 0.5},      {90, 60, 0.676777},
               {90, 180, 0.5}, {120, 90, 0.596225}, {120, 0, 1.0}};
  Scenario centre = fault_only(FaultKind::outer_race);
  centre.fault.amplitude_jitter_fraction = 0.1;  // the same draws either way
  Simulator reference = make(centre, 31);
  const auto x0 = generate(reference, 24000);
  double peak0 = 0;
  for (float v : x0) peak0 = std::max(peak0, double(std::abs(v)));
  ASSERT_GT(peak0, 0.5);
  for (const auto& c : cases) {
    Scenario s = centre;
    s.fault.load_zone_half_angle_deg = c.half_angle_deg;
    s.fault.outer_race_pit_deg = c.pit_deg;
    Simulator sim = make(s, 31);
    const auto x = generate(sim, 24000);
    EXPECT_EQ(sim.impact_count(), reference.impact_count());
    for (std::size_t t = 0; t < x.size(); ++t) {
      ASSERT_NEAR(x[t], c.q * x0[t], 1e-5 * peak0) << "pit " << c.pit_deg << " deg, sample " << t;
    }
  }
}

// Outside the load zone the impacts are weaker but still repeat at BPFO (the rate is kinematic), with no
// shaft-rate sidebands (the pit does not move through the load).
TEST(SimulatorOuterRacePit, PitOutsideTheLoadZoneStillRepeatsAtBpfo) {
  Scenario s = Scenario::cwru_like(FaultKind::outer_race);
  s.fault.outer_race_pit_deg = 90;  // 3 o'clock under a 6 o'clock load: q = u = 0.2
  Simulator sim = make(s, 24);
  const double duration_s = std::ldexp(1.0, 16) / s.machine.sample_rate_hz;
  const auto x = generate(sim, std::size_t{1} << 16);
  const auto f = sim.defect_frequencies();
  EXPECT_NEAR(double(sim.impact_count()), duration_s * f.bpfo_hz, 3.0);
  const Spectrum env = squared_envelope_spectrum(x, s.machine.sample_rate_hz, 2000.0, 4000.0);
  const double tol = 3 * env.bin_hz;
  const auto [peak_hz, line] = env.peak(50, 600);
  EXPECT_NEAR(peak_hz, f.bpfo_hz, tol);
  EXPECT_GT(line, 10 * env.median(50, 600));
  for (double side : {f.bpfo_hz - f.shaft_hz, f.bpfo_hz + f.shaft_hz})
    EXPECT_LT(env.near(side, tol), 0.1 * line) << side;
}

// ---------------------------------------------------------------------------------------------------
// Severity

TEST(SeverityLaw, ValuesFollowTheConfiguredLaw) {
  const SeverityLaw constant{
      .growth = SeverityGrowth::constant, .initial = 0.3, .time_constant_s = 1, .max_severity = 5};
  EXPECT_DOUBLE_EQ(constant.at(0), 0.3);
  EXPECT_DOUBLE_EQ(constant.at(1e6), 0.3);
  const SeverityLaw linear{
      .growth = SeverityGrowth::linear, .initial = 0.5, .time_constant_s = 100, .max_severity = 2};
  EXPECT_DOUBLE_EQ(linear.at(0), 0.5);
  EXPECT_DOUBLE_EQ(linear.at(100), 1.0);  // s0 (1 + t / tau)
  EXPECT_DOUBLE_EQ(linear.at(250), 1.75);
  EXPECT_DOUBLE_EQ(linear.at(1000), 2.0);  // saturated
  const SeverityLaw exponential{
      .growth = SeverityGrowth::exponential, .initial = 0.1, .time_constant_s = 3600, .max_severity = 1};
  EXPECT_DOUBLE_EQ(exponential.at(0), 0.1);
  EXPECT_NEAR(exponential.at(3600), 0.1 * std::exp(1.0), 1e-15);
  EXPECT_NEAR(exponential.at(3600 * std::log(10.0)), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(exponential.at(1e9), 1.0);  // no overflow: saturated
}

TEST(SeverityLaw, PronostiaPresetGrowsFromTwoPercentToFailureAtEndOfLife) {
  const Scenario s = Scenario::pronostia_like(FaultKind::outer_race, 1800.0, 28020.0);
  EXPECT_DOUBLE_EQ(s.fault.severity.at(0), 0.02);
  EXPECT_NEAR(s.fault.severity.at(28020.0), 1.0, 1e-12);
  EXPECT_NEAR(s.fault.severity.at(14010.0), std::sqrt(0.02), 1e-12);  // geometric mean halfway
  EXPECT_DOUBLE_EQ(s.fault.severity.at(40000.0), 1.0);
  EXPECT_DOUBLE_EQ(s.fault.impact_g * s.fault.severity.at(28020.0), 20.0);
}

TEST(SimulatorSeverity, SignalAmplitudeGrowsWithSeverityAndClockAdvances) {
  Scenario s = fault_only(FaultKind::outer_race);
  s.fault.severity = {
      .growth = SeverityGrowth::exponential, .initial = 1, .time_constant_s = 2, .max_severity = 100};
  Simulator sim = make(s, 8);
  const double fs = s.machine.sample_rate_hz;
  const auto x = generate(sim, std::size_t(4 * fs));
  EXPECT_DOUBLE_EQ(sim.time_s(), 4.0);
  EXPECT_NEAR(sim.severity(), std::exp(2.0), 1e-12);
  // Amplitude scales with s(t), so RMS over [3, 4) s / RMS over [0, 1) s = e^{3/tau} exactly for a
  // stationary impact train; slip makes the per-second impact count vary by ~1 %: tolerance 3 %.
  const std::span<const float> all(x);
  const double ratio =
      rms(all.subspan(std::size_t(3 * fs), std::size_t(fs))) / rms(all.first(std::size_t(fs)));
  EXPECT_NEAR(ratio / std::exp(1.5), 1.0, 0.03);
}

// ---------------------------------------------------------------------------------------------------
// Noise

TEST(SimulatorNoise, WhiteNoiseHasTheConfiguredRmsAndIsGaussian) {
  Scenario s = Scenario::cwru_like(FaultKind::none);
  s.machine.unbalance_g = s.machine.misalignment_g = s.machine.machine_noise_rms_g = 0;
  s.machine.noise_rms_g = 0.3;
  Simulator sim = make(s, 12);
  const std::size_t n = std::size_t{1} << 18;
  const auto x = generate(sim, n);
  double m1 = 0, m2 = 0, m4 = 0;
  for (float v : x) {
    m1 += v;
    m2 += double(v) * v;
    m4 += double(v) * v * v * v;
  }
  m1 /= double(n), m2 /= double(n), m4 /= double(n);
  // Std. errors for N = 262144: RMS 0.3 / sqrt(2N) = 4e-4 (asserted 1 %, ~7 sigma); mean 0.3 / sqrt(N)
  // = 6e-4 (assert 5 sigma); kurtosis sqrt(24 / N) = 0.0096 (assert 0.05).
  EXPECT_NEAR(std::sqrt(m2), 0.3, 0.003);
  EXPECT_NEAR(m1, 0.0, 5 * 0.3 / std::sqrt(double(n)));
  EXPECT_NEAR(m4 / (m2 * m2), 3.0, 0.05);
}

// Machine noise: configured RMS, and pink (equal power per octave, -3 dB/octave PSD).
TEST(SimulatorNoise, MachineNoiseHasTheConfiguredRmsAndEqualPowerPerOctave) {
  Scenario s = Scenario::pronostia_like(FaultKind::none);
  s.machine.unbalance_g = s.machine.misalignment_g = s.machine.noise_rms_g = 0;
  s.machine.machine_noise_rms_g = 0.2;
  Simulator sim = make(s, 13);
  const std::size_t seg = 25600;  // 1 s segments, 1 Hz bins
  const std::size_t segments = 60;
  const auto x = generate(sim, seg * segments);
  // The slowest pole (0.99765, ~425 samples) limits the RMS estimate to a few 0.1 % over 60 s: 3 %.
  EXPECT_NEAR(rms(x), 0.2, 0.006);

  auto fft = dsp::RealFft::create(seg, dsp::PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  std::vector<double> psd(fft->bins(), 0.0);
  for (std::size_t k = 0; k < segments; ++k) {
    const auto X = fft->forward(std::span<const float>(x).subspan(k * seg, seg));
    for (std::size_t b = 0; b < psd.size(); ++b) psd[b] += std::norm(X[b]);
  }
  auto octave_power = [&](std::size_t lo) {
    double p = 0;
    for (std::size_t b = lo; b < 2 * lo; ++b) p += psd[b];
    return p;
  };
  // Kellet's filter is within +-0.5 dB of pink here; estimates average >= 60 x 50 bins: +-1 dB.
  const double reference = octave_power(50);
  for (std::size_t lo : {200u, 800u, 3200u}) {
    EXPECT_NEAR(10 * std::log10(octave_power(lo) / reference), 0.0, 1.0) << "octave from " << lo << " Hz";
  }
}

// ---------------------------------------------------------------------------------------------------
// Resources, presets, names, errors

TEST(SimulatorResources, GenerateAllocatesNothing) {
  for (FaultKind kind :
       {FaultKind::none, FaultKind::outer_race, FaultKind::inner_race, FaultKind::ball, FaultKind::cage}) {
    Scenario s = Scenario::pronostia_like(kind);
    s.machine.speed_variation_fraction = 0.01;
    Simulator sim = make(s, 3);
    std::vector<float> block(1000);
    vigil::test::AllocationScope scope;
    for (int i = 0; i < 100; ++i) sim.generate(block);
    EXPECT_EQ(scope.allocations(), 0u) << to_string(kind);
  }
}

TEST(SimulatorPresets, DescribeTheirRigs) {
  const Scenario cwru = Scenario::cwru_like(FaultKind::ball, 1750);
  EXPECT_EQ(cwru.machine.bearing.name, "6205-2RS");
  EXPECT_DOUBLE_EQ(cwru.machine.sample_rate_hz, 12000);
  EXPECT_DOUBLE_EQ(cwru.machine.speed_rpm, 1750);
  EXPECT_EQ(cwru.fault.kind, FaultKind::ball);
  const Scenario femto = Scenario::pronostia_like(FaultKind::inner_race);
  EXPECT_EQ(femto.machine.bearing.name, "pronostia");
  EXPECT_DOUBLE_EQ(femto.machine.sample_rate_hz, 25600);
  EXPECT_DOUBLE_EQ(femto.machine.speed_rpm, 1800);
  Simulator sim = make(femto, 1);
  // PRONOSTIA bearing (Z 13, Bd 3.5, Pd 25.6): BPFI order 13/2 (1 + 3.5/25.6) = 7.389, at 30 Hz.
  EXPECT_NEAR(sim.defect_frequencies().bpfi_hz, 6.5 * (1 + 3.5 / 25.6) * 30.0, 1e-9);
}

TEST(FaultKindNames, RoundTrip) {
  for (FaultKind kind :
       {FaultKind::none, FaultKind::outer_race, FaultKind::inner_race, FaultKind::ball, FaultKind::cage}) {
    auto parsed = parse_fault_kind(to_string(kind));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, kind);
  }
  auto bad = parse_fault_kind("outer");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::not_found);
  EXPECT_NE(bad.error().message.find("outer_race"), std::string::npos);
}

struct InvalidCase {
  std::string name;
  std::function<void(Scenario&)> mutate;
  ErrorCode code;
  std::string field;  // must appear in the message
};

TEST(SimulatorValidation, RejectsInvalidConfigsWithClearErrors) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<InvalidCase> cases = {
      {"zero sample rate", [](Scenario& s) { s.machine.sample_rate_hz = 0; }, ErrorCode::invalid_argument,
       "sample_rate_hz"},
      {"NaN sample rate", [&](Scenario& s) { s.machine.sample_rate_hz = nan; }, ErrorCode::invalid_argument,
       "sample_rate_hz"},
      {"negative speed", [](Scenario& s) { s.machine.speed_rpm = -1; }, ErrorCode::invalid_argument,
       "speed_rpm"},
      {"infinite speed", [&](Scenario& s) { s.machine.speed_rpm = inf; }, ErrorCode::invalid_argument,
       "speed_rpm"},
      {"bad bearing", [](Scenario& s) { s.machine.bearing.ball_count = 2; }, ErrorCode::invalid_argument,
       "ball count"},
      {"negative unbalance", [](Scenario& s) { s.machine.unbalance_g = -0.1; }, ErrorCode::invalid_argument,
       "unbalance_g"},
      {"NaN misalignment", [&](Scenario& s) { s.machine.misalignment_g = nan; }, ErrorCode::invalid_argument,
       "misalignment_g"},
      {"negative noise", [](Scenario& s) { s.machine.noise_rms_g = -1; }, ErrorCode::invalid_argument,
       "noise_rms_g"},
      {"infinite machine noise", [&](Scenario& s) { s.machine.machine_noise_rms_g = inf; },
       ErrorCode::invalid_argument, "machine_noise_rms_g"},
      {"resonance at Nyquist", [](Scenario& s) { s.machine.resonance_hz = 6000; }, ErrorCode::out_of_range,
       "Nyquist"},
      {"resonance above Nyquist", [](Scenario& s) { s.machine.resonance_hz = 9000; }, ErrorCode::out_of_range,
       "resonance_hz"},
      {"zero resonance", [](Scenario& s) { s.machine.resonance_hz = 0; }, ErrorCode::out_of_range,
       "resonance_hz"},
      {"zero damping", [](Scenario& s) { s.machine.damping_ratio = 0; }, ErrorCode::invalid_argument,
       "damping_ratio"},
      {"critical damping", [](Scenario& s) { s.machine.damping_ratio = 1; }, ErrorCode::invalid_argument,
       "damping_ratio"},
      {"speed variation 50 %", [](Scenario& s) { s.machine.speed_variation_fraction = 0.5; },
       ErrorCode::invalid_argument, "speed_variation_fraction"},
      {"speed variation period 0",
       [](Scenario& s) {
         s.machine.speed_variation_fraction = 0.1;
         s.machine.speed_variation_period_s = 0;
       },
       ErrorCode::invalid_argument, "speed_variation_period_s"},
      {"shaft too fast for rate", [](Scenario& s) { s.machine.speed_rpm = 130000; }, ErrorCode::out_of_range,
       "3x shaft"},
      {"defect rate above Nyquist", [](Scenario& s) { s.machine.speed_rpm = 70000; }, ErrorCode::out_of_range,
       "impact rate"},
      {"negative impact", [](Scenario& s) { s.fault.impact_g = -1; }, ErrorCode::invalid_argument,
       "impact_g"},
      {"slip 20 %", [](Scenario& s) { s.fault.slip_fraction = 0.2; }, ErrorCode::invalid_argument,
       "slip_fraction"},
      {"NaN slip", [&](Scenario& s) { s.fault.slip_fraction = nan; }, ErrorCode::invalid_argument,
       "slip_fraction"},
      {"jitter 2", [](Scenario& s) { s.fault.amplitude_jitter_fraction = 2; }, ErrorCode::invalid_argument,
       "amplitude_jitter_fraction"},
      {"load zone 0", [](Scenario& s) { s.fault.load_zone_half_angle_deg = 0; }, ErrorCode::invalid_argument,
       "load_zone_half_angle_deg"},
      {"load zone 200", [](Scenario& s) { s.fault.load_zone_half_angle_deg = 200; },
       ErrorCode::invalid_argument, "load_zone_half_angle_deg"},
      {"unloaded 1.5", [](Scenario& s) { s.fault.unloaded_fraction = 1.5; }, ErrorCode::invalid_argument,
       "unloaded_fraction"},
      {"negative severity", [](Scenario& s) { s.fault.severity.initial = -1; }, ErrorCode::invalid_argument,
       "severity.initial"},
      {"zero time constant",
       [](Scenario& s) {
         s.fault.severity.growth = SeverityGrowth::exponential;
         s.fault.severity.time_constant_s = 0;
       },
       ErrorCode::invalid_argument, "time_constant_s"},
      {"infinite max", [&](Scenario& s) { s.fault.severity.max_severity = inf; }, ErrorCode::invalid_argument,
       "max_severity"},
      {"max below initial",
       [](Scenario& s) {
         s.fault.severity.initial = 2;
         s.fault.severity.max_severity = 1;
       },
       ErrorCode::invalid_argument, "max_severity"},
      {"pit at 200 deg", [](Scenario& s) { s.fault.outer_race_pit_deg = 200; }, ErrorCode::invalid_argument,
       "outer_race_pit_deg"},
      {"NaN pit", [&](Scenario& s) { s.fault.outer_race_pit_deg = nan; }, ErrorCode::invalid_argument,
       "outer_race_pit_deg"},
      {"unknown kind", [](Scenario& s) { s.fault.kind = static_cast<FaultKind>(42); },
       ErrorCode::invalid_argument, "kind"},
  };
  for (const auto& c : cases) {
    Scenario s = Scenario::cwru_like(FaultKind::inner_race);
    c.mutate(s);
    auto sim = Simulator::create(s, 1);
    ASSERT_FALSE(sim.has_value()) << c.name;
    EXPECT_EQ(sim.error().code, c.code) << c.name << ": " << sim.error().message;
    EXPECT_NE(sim.error().message.find(c.field), std::string::npos) << c.name << ": " << sim.error().message;
  }
  // Zero time constant is fine for a constant law (it is unused).
  Scenario s = Scenario::cwru_like(FaultKind::inner_race);
  s.fault.severity.time_constant_s = 0;
  EXPECT_TRUE(Simulator::create(s, 1).has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::sim
