// The multi-method verdict: the multiple-comparison correction against its closed form, the pattern and
// cage/ball rules on hand-built evidence, and the DRS + kurtogram method against simulator ground truth.
#include "diag/multi_method.hpp"

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "sim/simulator.hpp"

namespace vigil::diag {
namespace VIGIL_TEST_FILE {

// Rayleigh tail of one bin's amplitude against its median: P(SNR >= t dB) = 2^(-10^(t/10)).
double tail(double snr_db) { return std::exp2(-std::pow(10.0, snr_db / 10.0)); }

TEST(Significance, BonferroniCorrectionDividesTheTailProbability) {
  const Significance base{6.0, 12.0};
  for (double factor : {2.0, 3.0, 8.0}) {
    const Significance c = corrected(base, factor);
    EXPECT_NEAR(tail(c.line_snr_db), tail(6.0) / factor, 1e-12 * tail(6.0));
    EXPECT_NEAR(tail(c.strong_line_snr_db) / (tail(12.0) / factor), 1.0, 1e-9);
    EXPECT_GT(c.line_snr_db, base.line_snr_db);
  }
  // Worked values quoted in docs/diagnosis.md: 6.97 dB and 12.27 dB for twice as many tests.
  EXPECT_NEAR(corrected(base, 2.0).line_snr_db, 6.97, 0.005);
  EXPECT_NEAR(corrected(base, 2.0).strong_line_snr_db, 12.27, 0.005);
  EXPECT_EQ(corrected(base, 1.0).line_snr_db, 6.0);
}

dsp::DefectEvidence evidence(dsp::Defect defect, std::initializer_list<double> snr_db, double sideband_db = 0,
                             int sidebands = 0) {
  dsp::DefectEvidence e;
  e.defect = defect;
  e.expected_hz = 100;
  int h = 0;
  double sum = 0;
  for (double snr : snr_db) {
    auto& m = e.harmonics[static_cast<std::size_t>(h)];
    m.harmonic = h + 1;
    m.expected_hz = m.found_hz = 100.0 * (h + 1);
    m.snr_db = snr;
    m.found = snr >= 6;
    e.harmonics_found += m.found ? 1 : 0;
    sum += std::max(snr, 0.0);
    ++h;
  }
  e.harmonics_checked = h;
  e.sideband_snr_db = sideband_db;
  e.sidebands_found = sidebands;
  e.score = sum / 3.0 + 0.25 * std::max(sideband_db - 6.0, 0.0);
  return e;
}

TEST(Significance, PatternsAtCorrectedThresholds) {
  const Significance base{6.0, 12.0};
  const Significance c = corrected(base, 2.0);
  // Two harmonics at 6.5 dB: a pattern at 6 dB, not at 6.97 dB.
  const auto two = evidence(dsp::Defect::outer_race, {6.5, 6.5, 2});
  EXPECT_TRUE(is_significant(two, base));
  EXPECT_FALSE(is_significant(two, c));
  // One line at 12.1 dB: strong at 12 dB, not at 12.27 dB.
  const auto one = evidence(dsp::Defect::inner_race, {12.1, 1, 1});
  EXPECT_TRUE(is_significant(one, base));
  EXPECT_FALSE(is_significant(one, c));
  // One line with a sideband, both above the corrected threshold.
  EXPECT_TRUE(is_significant(evidence(dsp::Defect::inner_race, {8, 1, 1}, 8, 2), c));
  EXPECT_FALSE(is_significant(evidence(dsp::Defect::inner_race, {8, 1, 1}, 6.5, 2), c));
  // Cage needs two harmonics whatever their strength.
  EXPECT_FALSE(is_significant(evidence(dsp::Defect::cage, {30, 1, 1}), base));
  EXPECT_EQ(recount(two, c).harmonics_found, 0);
}

MethodEvidence method(Demodulation m, std::array<dsp::DefectEvidence, dsp::k_defect_count> e) {
  MethodEvidence me;
  me.method = m;
  me.evidence = e;
  return me;
}

std::array<dsp::DefectEvidence, dsp::k_defect_count> quiet() {
  return {evidence(dsp::Defect::outer_race, {1, 1, 1}), evidence(dsp::Defect::inner_race, {1, 1, 1}),
          evidence(dsp::Defect::ball, {1, 1, 1}), evidence(dsp::Defect::cage, {1, 1, 1})};
}

TEST(Combine, StrongestSignificantPatternOfAnyMethodLeads) {
  const Significance s{6.0, 12.0};
  auto a = quiet();
  a[0] = evidence(dsp::Defect::outer_race, {9, 8, 2});  // significant in the first method
  auto b = quiet();
  b[1] = evidence(dsp::Defect::inner_race, {20, 3, 2});  // stronger, significant in the second
  b[0] = evidence(dsp::Defect::outer_race, {11, 4, 3});  // higher score but not significant
  const std::vector<MethodEvidence> methods{method(Demodulation::kurtogram, a),
                                            method(Demodulation::drs_kurtogram, b)};
  const CombinedEvidence c = combine(methods, s);
  EXPECT_EQ(c.evidence[0].defect, dsp::Defect::inner_race);
  EXPECT_EQ(c.method[0], Demodulation::drs_kurtogram);
  // Outer race: the significant series of the first method is kept over the higher-scored single line.
  EXPECT_EQ(c.evidence[1].defect, dsp::Defect::outer_race);
  EXPECT_EQ(c.method[1], Demodulation::kurtogram);
  EXPECT_EQ(method_verdict(methods[0], s).verdict, Verdict::outer_race);
  EXPECT_EQ(method_verdict(methods[1], s).verdict, Verdict::inner_race);
}

TEST(Combine, CageSeriesWithABsfLineIsABallDefect) {
  const Significance s{6.0, 12.0};
  auto e = quiet();
  e[3] = evidence(dsp::Defect::cage, {9, 8, 3});
  // Without a BSF line the FTF series stays a cage pattern.
  EXPECT_EQ(method_verdict(method(Demodulation::full_band, e), s).verdict, Verdict::cage);
  e[2] = evidence(dsp::Defect::ball, {7, 2, 1});
  const auto m = method(Demodulation::full_band, e);
  EXPECT_EQ(method_verdict(m, s).verdict, Verdict::ball);
  const CombinedEvidence c = combine(std::span<const MethodEvidence>(&m, 1), s);
  EXPECT_TRUE(c.cage_is_ball);
  EXPECT_EQ(c.evidence[0].defect, dsp::Defect::ball);
  EXPECT_GE(c.evidence[0].sidebands_found, 2);
}

// A harmonic series of fundamental f0_hz with the given line SNRs (found at h f0_hz exactly).
dsp::DefectEvidence series(dsp::Defect defect, double f0_hz, std::initializer_list<double> snr_db) {
  dsp::DefectEvidence e = evidence(defect, snr_db);
  e.expected_hz = f0_hz;
  for (int h = 0; h < e.harmonics_checked; ++h) {
    auto& m = e.harmonics[static_cast<std::size_t>(h)];
    m.expected_hz = m.found_hz = f0_hz * (h + 1);
  }
  return e;
}

// 1 Hz bins to 1000 Hz, as a 1 s window's envelope spectrum.
MethodEvidence spectrum_method(Demodulation m, std::array<dsp::DefectEvidence, dsp::k_defect_count> e) {
  MethodEvidence me = method(m, e);
  me.bin_hz = 1.0;
  me.envelope.assign(1000, 0.0f);
  return me;
}

const dsp::DefectFrequencies k_frequencies{
    .shaft_hz = 30, .ftf_hz = 12, .bpfo_hz = 100, .bpfi_hz = 150, .bsf_hz = 130};

TEST(FindFamilies, OneLineCountsForTheStrongerFamilyOnly) {
  const Significance s{6.0, 12.0};
  auto e = quiet();
  e[0] = series(dsp::Defect::outer_race, 100, {20, 20, 20});
  // BPFI x 2 = 300 Hz is BPFO x 3: without that line the inner race has one harmonic (450 Hz) left.
  e[1] = series(dsp::Defect::inner_race, 150, {5, 20, 8});
  const std::vector<MethodEvidence> one{spectrum_method(Demodulation::kurtogram, e)};
  auto found = find_families(one, k_frequencies, s);
  EXPECT_TRUE(found[0].found);
  EXPECT_FALSE(found[1].found);
  // Alone, the same inner-race evidence is a pattern (two harmonics).
  auto alone = quiet();
  alone[1] = e[1];
  found = find_families(std::vector<MethodEvidence>{spectrum_method(Demodulation::kurtogram, alone)},
                        k_frequencies, s);
  EXPECT_TRUE(found[1].found);
  EXPECT_FALSE(found[0].found);
}

TEST(FindFamilies, AFoundSeriesExplainsItsHigherHarmonicsAndSidebands) {
  const Significance s{6.0, 12.0};
  auto e = quiet();
  e[0] = series(dsp::Defect::outer_race, 100, {20, 18, 16});
  // BSF lines at 130 Hz (its own) and 400 Hz, which is BPFO x 4: not searched for the outer race, but
  // part of its series.
  e[2] = series(dsp::Defect::ball, 130, {8, 2, 1});
  e[2].harmonics[2].found_hz = 400;
  e[2].harmonics[2].snr_db = 9;
  auto found = find_families(std::vector<MethodEvidence>{spectrum_method(Demodulation::full_band, e)},
                             k_frequencies, s);
  EXPECT_TRUE(found[0].found);
  EXPECT_FALSE(found[2].found);

  // An inner-race series at 150 Hz with shaft-rate (30 Hz) sidebands: 270 Hz = 150 + 4 x 30 and
  // 420 Hz = 450 - 30 are its lines, not a ball's.
  auto m = quiet();
  m[1] = series(dsp::Defect::inner_race, 150, {25, 20, 18});
  m[2] = series(dsp::Defect::ball, 135, {2, 9, 9});
  m[2].harmonics[1].found_hz = 270;
  m[2].harmonics[2].found_hz = 420;
  found = find_families(std::vector<MethodEvidence>{spectrum_method(Demodulation::full_band, m)},
                        k_frequencies, s);
  EXPECT_TRUE(found[1].found);
  EXPECT_FALSE(found[2].found);
  // Lines 10 Hz off every line of that series and of its first four sidebands each side are a ball's.
  m[2].harmonics[1].found_hz = 190;
  m[2].harmonics[2].found_hz = 590;
  found = find_families(std::vector<MethodEvidence>{spectrum_method(Demodulation::full_band, m)},
                        k_frequencies, s);
  EXPECT_TRUE(found[2].found);
}

TEST(FindFamilies, UnionOverMethodsAtTheThresholdsGiven) {
  const Significance s{6.0, 12.0};
  auto a = quiet();
  a[0] = series(dsp::Defect::outer_race, 100, {9, 8, 2});
  auto b = quiet();
  b[3] = series(dsp::Defect::cage, 12, {6.5, 6.5, 1});
  const std::vector<MethodEvidence> methods{spectrum_method(Demodulation::kurtogram, a),
                                            spectrum_method(Demodulation::drs_kurtogram, b)};
  auto found = find_families(methods, k_frequencies, s);
  EXPECT_TRUE(found[0].found);
  EXPECT_EQ(found[0].method, Demodulation::kurtogram);
  EXPECT_TRUE(found[3].found);
  EXPECT_EQ(found[3].method, Demodulation::drs_kurtogram);
  EXPECT_FALSE(found[1].found);
  // At the thresholds corrected for four methods (6.97 dB) the 6.5 dB cage series is no pattern.
  found = find_families(methods, k_frequencies, corrected(s, 2.0));
  EXPECT_TRUE(found[0].found);
  EXPECT_FALSE(found[3].found);
}

TEST(Identify, GradesLikeSmithAndRandall) {
  std::array<FamilyFinding, dsp::k_defect_count> none{};
  auto with = [](std::initializer_list<dsp::Defect> defects) {
    std::array<FamilyFinding, dsp::k_defect_count> f{};
    for (auto d : defects) f[static_cast<std::size_t>(d)].found = true;
    return f;
  };
  EXPECT_EQ(identify(Verdict::outer_race, Verdict::outer_race, none), Identification::clear);
  EXPECT_EQ(identify(Verdict::outer_race, Verdict::inner_race, with({dsp::Defect::inner_race})),
            Identification::missed);
  EXPECT_EQ(identify(Verdict::outer_race, Verdict::inner_race,
                     with({dsp::Defect::inner_race, dsp::Defect::outer_race})),
            Identification::partial);
  EXPECT_EQ(identify(Verdict::inner_race, Verdict::normal, with({dsp::Defect::inner_race})),
            Identification::partial);
  // A ball: its own BSF series, or the cage-rate modulation of its impacts, is partial evidence.
  EXPECT_EQ(identify(Verdict::ball, Verdict::cage, with({dsp::Defect::cage})), Identification::partial);
  EXPECT_EQ(identify(Verdict::ball, Verdict::inner_race, with({dsp::Defect::ball})), Identification::partial);
  EXPECT_EQ(identify(Verdict::ball, Verdict::inner_race, with({dsp::Defect::outer_race})),
            Identification::missed);
  // A race is not identified by a cage series.
  EXPECT_EQ(identify(Verdict::outer_race, Verdict::cage, with({dsp::Defect::cage})), Identification::missed);
  EXPECT_EQ(identify(Verdict::normal, Verdict::normal, none), Identification::clear);
  EXPECT_EQ(identify(Verdict::normal, Verdict::unknown, none), Identification::missed);
  EXPECT_EQ(to_string(Identification::partial), "partial");
}

std::vector<float> simulate(const sim::Scenario& scenario, std::uint64_t seed, double seconds) {
  auto s = sim::Simulator::create(scenario, seed);
  EXPECT_TRUE(s.has_value()) << s.error().message;
  std::vector<float> x(static_cast<std::size_t>(seconds * scenario.machine.sample_rate_hz));
  s->generate(x);
  return x;
}

WindowAnalyzerConfig window_config(const sim::Scenario& scenario) {
  return {.sample_rate_hz = scenario.machine.sample_rate_hz,
          .window_len = 12000,
          .bearing = scenario.machine.bearing,
          .max_speed_rpm = scenario.machine.speed_rpm * 1.05,
          .evidence = {},
          .effort = dsp::PlanEffort::estimate};
}

struct DrsCase {
  sim::FaultKind kind;
  std::uint64_t seed;
};
class DrsKurtogramMethod : public ::testing::TestWithParam<DrsCase> {};

// Ground truth: the simulator's own defect frequencies. The simulator's shaft lines are discrete (DRS
// removes them), its impacts jitter (1 % slip, so DRS keeps them); the defect must be found at its
// frequency within one 1 Hz bin plus the 2 % slip search, with at least two harmonics.
TEST_P(DrsKurtogramMethod, FindsTheInjectedDefect) {
  const DrsCase c = GetParam();
  sim::Scenario scenario = sim::Scenario::cwru_like(c.kind, 1772);
  scenario.machine.unbalance_g = 0.5;  // shaft lines 100x the usual: a masking discrete component
  const auto x = simulate(scenario, c.seed, 8.0);
  auto drs = DrsKurtogram::create(window_config(scenario));
  ASSERT_TRUE(drs.has_value()) << drs.error().message;
  const auto truth = sim::Simulator::create(scenario, c.seed)->defect_frequencies();
  auto me = drs->analyze(x, 6000, truth);
  ASSERT_TRUE(me.has_value()) << me.error().message;
  const Significance s{6.0, 12.0};
  const MethodVerdict v = method_verdict(*me, s);
  if (c.kind == sim::FaultKind::none) {
    EXPECT_EQ(v.verdict, Verdict::normal);
    return;
  }
  const auto defect =
      c.kind == sim::FaultKind::outer_race ? dsp::Defect::outer_race : dsp::Defect::inner_race;
  const double f0 = c.kind == sim::FaultKind::outer_race ? truth.bpfo_hz : truth.bpfi_hz;
  EXPECT_EQ(v.verdict, verdict_for(defect));
  const auto& e = me->evidence[static_cast<std::size_t>(defect)];
  EXPECT_GE(e.harmonics_found, 2);
  EXPECT_NEAR(e.harmonics[0].found_hz, f0, 1.0 + 0.02 * f0);
}

INSTANTIATE_TEST_SUITE_P(Simulated, DrsKurtogramMethod,
                         ::testing::Values(DrsCase{sim::FaultKind::none, 21},
                                           DrsCase{sim::FaultKind::outer_race, 22},
                                           DrsCase{sim::FaultKind::inner_race, 23}));

// Strong discrete components over weak impacts. Eleven shaft harmonics between 1.5 and 3.9 kHz (unit
// amplitude each, a gear-mesh-like comb) and impacts at BPFO (1 % timing jitter) ringing a 3.3 kHz
// resonance at 0.3 peak, in white noise. The raw signal's squared envelope is dominated by the comb: its
// self-terms put lines at shaft orders, and its cross-terms with the impacts spread their energy as
// broadband noise, so the BPFO series is no pattern. Pre-whitening gives every bin the same weight: the
// comb's eleven bins become eleven among thousands and the impacts, spread over all bins, dominate.
// Truth: the BPFO of the injected impacts.
std::vector<float> comb_over_impacts(const dsp::DefectFrequencies& f, double fs, double seconds) {
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 0.05);
  std::uniform_real_distribution<double> phase(0.0, 2.0 * std::numbers::pi);
  const auto n = static_cast<std::size_t>(seconds * fs);
  std::vector<double> x(n, 0.0);
  for (int order = 50; order <= 130; order += 8) {
    const double p = phase(rng);
    for (std::size_t i = 0; i < n; ++i)
      x[i] += std::sin(2.0 * std::numbers::pi * order * f.shaft_hz * static_cast<double>(i) / fs + p);
  }
  std::normal_distribution<double> jitter(0.0, 0.01 / f.bpfo_hz);
  for (double t = 0.005; t < seconds; t += 1.0 / f.bpfo_hz) {
    const double t0 = t + jitter(rng);
    const auto start = static_cast<std::size_t>(std::max(0.0, t0) * fs);
    for (std::size_t i = start; i < n && i < start + 240; ++i) {
      const double dt = static_cast<double>(i) / fs - t0;
      x[i] += 0.3 * std::exp(-800.0 * dt) * std::sin(2.0 * std::numbers::pi * 3300.0 * dt);
    }
  }
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(x[i] + noise(rng));
  return out;
}

// The outer-race evidence of one per-window method, read off its envelope spectrum averaged over windows.
dsp::DefectEvidence averaged_outer_race(Demodulation method, std::span<const float> x,
                                        const dsp::BearingGeometry& bearing, double rpm) {
  WindowAnalyzerConfig c{.sample_rate_hz = 12000,
                         .window_len = 12000,
                         .bearing = bearing,
                         .max_speed_rpm = rpm * 1.05,
                         .demodulation = method,
                         .evidence = {},
                         .effort = dsp::PlanEffort::estimate};
  auto analyzer = WindowAnalyzer::create(c);
  EXPECT_TRUE(analyzer.has_value());
  std::vector<double> sum(analyzer->envelope_bins(), 0.0);
  std::size_t windows = 0;
  dsp::FrequencyBand band;
  for (std::size_t start = 0; start + c.window_len <= x.size(); start += c.window_len / 2, ++windows) {
    const WindowFeatures& w = analyzer->analyze(x.subspan(start, c.window_len), rpm);
    for (std::size_t k = 0; k < sum.size() && k < w.envelope.amplitude.size(); ++k)
      sum[k] += w.envelope.amplitude[k];
    band = w.band;
  }
  std::vector<float> average(sum.size());
  for (std::size_t k = 0; k < sum.size(); ++k) average[k] = static_cast<float>(sum[k] / double(windows));
  const auto f = dsp::defect_frequencies(bearing, rpm);
  return analyzer->evidence({average, analyzer->envelope_bin_hz(), band}, f)[0];
}

TEST(CepstrumPrewhiteningMethod, RevealsTheBpfoSeriesTheRawEnvelopeHides) {
  const auto bearing = *dsp::find_bearing("6205-2RS");
  const double rpm = 1797;
  const auto f = dsp::defect_frequencies(bearing, rpm);
  const auto x = comb_over_impacts(f, 12000, 8.0);
  const Significance s{6.0, 12.0};

  const dsp::DefectEvidence raw = averaged_outer_race(Demodulation::full_band, x, bearing, rpm);
  ASSERT_EQ(raw.defect, dsp::Defect::outer_race);
  EXPECT_FALSE(is_significant(raw, s)) << raw.harmonics[0].snr_db << " " << raw.harmonics[1].snr_db;

  const dsp::DefectEvidence cpw = averaged_outer_race(Demodulation::prewhitened, x, bearing, rpm);
  EXPECT_TRUE(is_significant(cpw, s));
  EXPECT_EQ(cpw.harmonics_found, 3);
  EXPECT_NEAR(cpw.harmonics[0].found_hz, f.bpfo_hz, 1.0);
  EXPECT_GT(cpw.harmonics[0].snr_db, raw.harmonics[0].snr_db + 10);
}

TEST(DrsKurtogramMethodErrors, NeedsTwoWindows) {
  const sim::Scenario scenario = sim::Scenario::cwru_like(sim::FaultKind::none);
  auto drs = DrsKurtogram::create(window_config(scenario));
  ASSERT_TRUE(drs.has_value());
  const std::vector<float> x(20000, 0.0f);
  auto me = drs->analyze(x, 6000, dsp::defect_frequencies(scenario.machine.bearing, 1797));
  ASSERT_FALSE(me.has_value());
  EXPECT_NE(me.error().message.find("two windows"), std::string::npos);
}

TEST(DrsKurtogramMethodErrors, WindowAnalyzerRefusesTheRecordingLevelMethod) {
  WindowAnalyzerConfig c = window_config(sim::Scenario::cwru_like(sim::FaultKind::none));
  c.demodulation = Demodulation::drs_kurtogram;
  EXPECT_FALSE(WindowAnalyzer::create(c).has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::diag
