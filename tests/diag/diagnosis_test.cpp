// Physics diagnosis against simulator ground truth: a defect injected at a known kinematic frequency must
// be found there and named; a healthy machine must be called normal.
#include "diag/diagnosis.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::diag {
namespace VIGIL_TEST_FILE {

std::vector<float> simulate(const sim::Scenario& scenario, std::uint64_t seed, double seconds) {
  auto s = sim::Simulator::create(scenario, seed);
  EXPECT_TRUE(s.has_value()) << s.error().message;
  std::vector<float> x(static_cast<std::size_t>(seconds * scenario.machine.sample_rate_hz));
  s->generate(x);
  return x;
}

DiagnosisConfig config_for(const sim::Scenario& scenario) {
  return {.sample_rate_hz = scenario.machine.sample_rate_hz,
          .speed_rpm = scenario.machine.speed_rpm,
          .bearing = scenario.machine.bearing,
          .evidence = {},
          .impulsive_kurtosis = 4.0};
}

double truth_hz(const dsp::DefectFrequencies& f, sim::FaultKind kind) {
  switch (kind) {
    case sim::FaultKind::outer_race:
      return f.bpfo_hz;
    case sim::FaultKind::inner_race:
      return f.bpfi_hz;
    case sim::FaultKind::ball:
      return f.bsf_hz;
    default:
      return 0;
  }
}

Verdict expected_verdict(sim::FaultKind kind) {
  switch (kind) {
    case sim::FaultKind::outer_race:
      return Verdict::outer_race;
    case sim::FaultKind::inner_race:
      return Verdict::inner_race;
    case sim::FaultKind::ball:
      return Verdict::ball;
    case sim::FaultKind::cage:
      return Verdict::cage;
    case sim::FaultKind::none:
      return Verdict::normal;
  }
  return Verdict::unknown;
}

struct Case {
  sim::FaultKind kind;
  double speed_rpm;
  std::uint64_t seed;
};

class InjectedDefect : public ::testing::TestWithParam<Case> {};

// The defect frequency comes from the simulator's kinematics (its own ground truth), the verdict from the
// kind of fault injected. Tolerance: one envelope bin (1 Hz at 1 s windows) plus the 2 % slip search.
TEST_P(InjectedDefect, IsFoundAtItsFrequencyAndNamed) {
  const Case c = GetParam();
  const sim::Scenario scenario = sim::Scenario::cwru_like(c.kind, c.speed_rpm);
  const auto x = simulate(scenario, c.seed, 8.0);
  auto d = diagnose(x, config_for(scenario));
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->verdict, expected_verdict(c.kind)) << d->explanation;
  if (c.kind == sim::FaultKind::none) return;
  const auto sim_frequencies = sim::Simulator::create(scenario, c.seed)->defect_frequencies();
  const double f0 = truth_hz(sim_frequencies, c.kind);
  const auto& top = d->evidence.front();
  EXPECT_EQ(verdict_for(top.defect), expected_verdict(c.kind));
  EXPECT_GE(top.harmonics_found, 2);
  EXPECT_NEAR(top.harmonics[0].found_hz, f0, 1.0 + 0.02 * f0);
  EXPECT_GT(d->confidence, 0.5);
}

INSTANTIATE_TEST_SUITE_P(
    Simulated, InjectedDefect,
    ::testing::Values(Case{sim::FaultKind::none, 1797, 1}, Case{sim::FaultKind::none, 1730, 2},
                      Case{sim::FaultKind::outer_race, 1797, 3}, Case{sim::FaultKind::outer_race, 1500, 4},
                      Case{sim::FaultKind::inner_race, 1797, 5}, Case{sim::FaultKind::inner_race, 1650, 6},
                      Case{sim::FaultKind::ball, 1797, 7}, Case{sim::FaultKind::ball, 1750, 8}));

TEST(InjectedDefect, InnerRaceShowsShaftSidebands) {
  const sim::Scenario scenario = sim::Scenario::cwru_like(sim::FaultKind::inner_race, 1797);
  auto d = diagnose(simulate(scenario, 11, 8.0), config_for(scenario));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->verdict, Verdict::inner_race);
  EXPECT_GE(d->evidence.front().sidebands_found, 2);
}

// The two-stage rule (docs/diagnosis.md, section 3): a clear pattern from the primary methods is the
// verdict and the extra methods are not run; asking for them (all_methods) reports them without changing
// the verdict. Without a clear pattern (healthy machine) all four methods are weighed.
TEST(Diagnose, ExtraMethodsRunOnlyWithoutAClearPatternAndNeverChangeIt) {
  const sim::Scenario faulty = sim::Scenario::cwru_like(sim::FaultKind::outer_race, 1772);
  const auto x = simulate(faulty, 31, 6.0);
  DiagnosisConfig config = config_for(faulty);
  auto primary = diagnose(x, config);
  ASSERT_TRUE(primary.has_value());
  EXPECT_EQ(primary->verdict, Verdict::outer_race);
  EXPECT_EQ(primary->methods.size(), 2u);
  EXPECT_FALSE(primary->extra_methods_decided);
  config.all_methods = true;
  auto all = diagnose(x, config);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->methods.size(), 4u);
  EXPECT_EQ(all->verdict, primary->verdict);
  EXPECT_EQ(all->confidence, primary->confidence);
  EXPECT_EQ(all->methods[2].method, Demodulation::full_band);
  EXPECT_EQ(all->methods[3].method, Demodulation::drs_kurtogram);
  // Each method alone sees the simulated outer-race defect (impacts 1 g over 0.05 g noise).
  for (const auto& m : all->methods) EXPECT_EQ(m.verdict, Verdict::outer_race) << static_cast<int>(m.method);

  const sim::Scenario healthy = sim::Scenario::cwru_like(sim::FaultKind::none, 1772);
  auto h = diagnose(simulate(healthy, 32, 6.0), config_for(healthy));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->verdict, Verdict::normal) << h->explanation;
  EXPECT_EQ(h->methods.size(), 4u);
  EXPECT_TRUE(h->extra_methods_decided);
}

TEST(Diagnose, RejectsBadConfigurationWithClearErrors) {
  const std::vector<float> x(12000, 0.0f);
  DiagnosisConfig config = config_for(sim::Scenario::cwru_like(sim::FaultKind::none));
  config.sample_rate_hz = 0;
  auto d = diagnose(x, config);
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message.find("--fs"), std::string::npos);

  config = config_for(sim::Scenario::cwru_like(sim::FaultKind::none));
  config.speed_rpm = -5;
  d = diagnose(x, config);
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message.find("--rpm"), std::string::npos);

  config = config_for(sim::Scenario::cwru_like(sim::FaultKind::none));
  d = diagnose(std::span<const float>(x).first(100), config);
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message.find("too short"), std::string::npos);
}

TEST(Diagnose, SampleRateTooLowForTheBearingIsRefused) {
  DiagnosisConfig config = config_for(sim::Scenario::cwru_like(sim::FaultKind::none));
  config.sample_rate_hz = 1000;  // envelope must reach ~550 Hz: needs >= ~2.2 kHz
  const std::vector<float> x(4000, 0.0f);
  auto d = diagnose(x, config);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::out_of_range);
}

// Verdict rules on hand-built evidence (no signal processing involved).
dsp::DefectEvidence evidence(dsp::Defect defect, std::initializer_list<double> snr_db, int sidebands = 0) {
  dsp::DefectEvidence e;
  e.defect = defect;
  e.expected_hz = 100;
  int h = 0;
  for (double snr : snr_db) {
    auto& m = e.harmonics[static_cast<std::size_t>(h)];
    m.harmonic = h + 1;
    m.expected_hz = m.found_hz = 100.0 * (h + 1);
    m.snr_db = snr;
    m.found = snr >= 6;
    e.harmonics_found += m.found ? 1 : 0;
    e.score += std::max(snr, 0.0) / 3.0;
    ++h;
  }
  e.harmonics_checked = h;
  e.sidebands_found = sidebands;
  return e;
}

TEST(Judge, HarmonicSeriesNamesTheDefect) {
  VerdictInput in;
  in.evidence = {evidence(dsp::Defect::outer_race, {20, 18, 15}),
                 evidence(dsp::Defect::inner_race, {3, 2, 1}), evidence(dsp::Defect::ball, {2, 1, 0}),
                 evidence(dsp::Defect::cage, {1, 0, 0})};
  const VerdictResult r = judge(in);
  EXPECT_EQ(r.verdict, Verdict::outer_race);
  EXPECT_NE(r.explanation.find("BPFO"), std::string::npos);
  // A weaker series of the same defect is named too, with less confidence.
  in.evidence[0] = evidence(dsp::Defect::outer_race, {10, 8, 7});
  const VerdictResult weaker = judge(in);
  EXPECT_EQ(weaker.verdict, Verdict::outer_race);
  EXPECT_LT(weaker.confidence, r.confidence);
  EXPECT_GT(weaker.confidence, 0.0);
  EXPECT_LE(r.confidence, 1.0);
}

TEST(Judge, SingleWeakLineIsNotADiagnosis) {
  VerdictInput in;
  in.evidence = {evidence(dsp::Defect::inner_race, {7, 2, 1}), evidence(dsp::Defect::outer_race, {3, 2, 1}),
                 evidence(dsp::Defect::ball, {2, 1, 0}), evidence(dsp::Defect::cage, {1, 0, 0})};
  EXPECT_EQ(judge(in).verdict, Verdict::normal);
  // ... but one weak line with the predicted modulation sidebands is.
  in.evidence[0] = evidence(dsp::Defect::inner_race, {7, 2, 1}, 2);
  EXPECT_EQ(judge(in).verdict, Verdict::inner_race);
}

TEST(Judge, ImpulsiveOrSevereWithoutPatternIsUnknown) {
  VerdictInput in;
  in.evidence = {evidence(dsp::Defect::inner_race, {3, 2, 1}), evidence(dsp::Defect::outer_race, {3, 2, 1}),
                 evidence(dsp::Defect::ball, {2, 1, 0}), evidence(dsp::Defect::cage, {1, 0, 0})};
  in.kurtosis = 9;
  EXPECT_EQ(judge(in).verdict, Verdict::unknown);
  in.kurtosis = 3;
  in.iso_zone = IsoZone::D;
  EXPECT_EQ(judge(in).verdict, Verdict::unknown);
  in.iso_zone = IsoZone::B;
  EXPECT_EQ(judge(in).verdict, Verdict::normal);
}

TEST(Judge, CloseRunnerUpLowersConfidence) {
  VerdictInput clear, close;
  clear.evidence = {evidence(dsp::Defect::outer_race, {20, 18, 15}),
                    evidence(dsp::Defect::inner_race, {3, 2, 1}), evidence(dsp::Defect::ball, {2, 1, 0}),
                    evidence(dsp::Defect::cage, {1, 0, 0})};
  close = clear;
  close.evidence[1] = evidence(dsp::Defect::inner_race, {19, 17, 15});
  EXPECT_LT(judge(close).confidence, judge(clear).confidence);
}

// Steady state: after the first window, the per-window pipeline allocates nothing, for a power-of-two and
// a non-power-of-two window length.
class WindowLength : public ::testing::TestWithParam<std::size_t> {};

TEST_P(WindowLength, AnalyzeAllocatesNothingAndFindsTheDefect) {
  const std::size_t n = GetParam();
  const sim::Scenario scenario = sim::Scenario::cwru_like(sim::FaultKind::outer_race, 1797);
  const auto x = simulate(scenario, 21, 4.0);
  auto analyzer = WindowAnalyzer::create({.sample_rate_hz = 12000,
                                          .window_len = n,
                                          .bearing = scenario.machine.bearing,
                                          .max_speed_rpm = 1900,
                                          .evidence = {},
                                          .effort = dsp::PlanEffort::estimate});
  ASSERT_TRUE(analyzer.has_value()) << analyzer.error().message;
  analyzer->analyze(std::span<const float>(x).first(n), 1797);  // warm-up
  test::AllocationScope scope;
  int outer_race_first = 0;
  const int windows = 3;
  for (int w = 0; w < windows; ++w) {
    const WindowFeatures& f =
        analyzer->analyze(std::span<const float>(x).subspan(std::size_t(w) * n / 2, n), 1797);
    if (dsp::strongest(f.evidence).defect == dsp::Defect::outer_race) ++outer_race_first;
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(outer_race_first, windows);
}

INSTANTIATE_TEST_SUITE_P(PowerOfTwoAndNot, WindowLength,
                         ::testing::Values(std::size_t{16384}, std::size_t{12000}));

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::diag
