// One asset's decisions on simulated windows whose truth the simulator knows: healthy running stays
// normal, an outer-race defect is named and reported as a warning after debouncing, commissioning a model
// from healthy windows adds a learned verdict, broken bundles leave physics to decide, and steady-state
// windows allocate nothing.
#include "edge/asset_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "cwru_like_asset.hpp"
#include "model/anomaly_fit.hpp"
#include "model/feature_schema.hpp"
#include "proto/sparkplug_spectrum.hpp"
#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

constexpr double k_rpm = fixtures::k_pump_rpm;
using fixtures::pump;
ChannelConfig channel() { return fixtures::pump_channel(); }

// `n` consecutive windows of a simulated CWRU-like machine with `fault`.
std::vector<std::vector<float>> windows(sim::FaultKind fault, std::size_t n, std::uint64_t seed) {
  auto s = sim::Simulator::create(sim::Scenario::cwru_like(fault, k_rpm), seed);
  EXPECT_TRUE(s.has_value());
  std::vector<std::vector<float>> out(n, std::vector<float>(window_len_of(channel())));
  for (auto& w : out) s->generate(w);
  return out;
}

Result<const Decision*> process(AssetMonitor& m, const std::vector<float>& w, std::uint64_t index) {
  return m.process(Window{.samples = w, .index = index, .end_ns = std::int64_t(index) * 1'000'000}, k_rpm);
}

TEST(AssetMonitor, HealthyRunningStaysNormalOnPhysicsAlone) {
  auto m = AssetMonitor::create(pump(), channel(), {}, {}, dsp::PlanEffort::estimate);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  std::size_t index = 0;
  for (const auto& w : windows(sim::FaultKind::none, 20, 3)) {
    auto d = process(*m, w, index++);
    ASSERT_TRUE(d.has_value()) << d.error().message;
    EXPECT_EQ((*d)->level, AlertLevel::normal)
        << diag::to_string((*d)->facts.physics) << " " << (*d)->facts.physics_confidence;
    EXPECT_EQ((*d)->ne107, Ne107Status::normal);
    EXPECT_EQ((*d)->facts.model_state, ModelState::missing);
    EXPECT_TRUE((*d)->raw.physics_only);
    EXPECT_EQ((*d)->facts.iso_zone, diag::IsoZone::A);
  }
}

TEST(AssetMonitor, AnOuterRaceDefectIsNamedAndRaisedAfterDebouncing) {
  auto m = AssetMonitor::create(pump(), channel(), {}, {}, dsp::PlanEffort::estimate);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  std::vector<AlertLevel> levels;
  const Decision* last = nullptr;
  std::size_t index = 0;
  for (const auto& w : windows(sim::FaultKind::outer_race, 8, 5)) {
    auto d = process(*m, w, index++);
    ASSERT_TRUE(d.has_value()) << d.error().message;
    levels.push_back((*d)->level);
    last = *d;
  }
  // Three of five windows are needed: the first two are still normal, the level is up by the fifth.
  EXPECT_EQ(levels[0], AlertLevel::normal);
  EXPECT_EQ(levels[1], AlertLevel::normal);
  EXPECT_GE(levels[4], AlertLevel::warning);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->raw.fault, diag::Verdict::outer_race);  // simulator truth
  EXPECT_EQ(last->raw.cause, Cause::physics_defect);
  EXPECT_EQ(last->evidence[0].defect, dsp::Defect::outer_race);
  // BPFO of a 6205 at 1797 rpm: 3.585 x 29.95 Hz = 107.4 Hz (bearing tables).
  EXPECT_NEAR(last->frequencies.bpfo_hz, 107.4, 0.2);
  const std::string sentence =
      describe(m->asset().location, last->facts, last->raw, last->level, last->recommendation);
  EXPECT_NE(sentence.find("pump 7 drive-end bearing, outer-race defect"), std::string::npos) << sentence;
  EXPECT_NE(sentence.find("inspect within 72 h"), std::string::npos) << sentence;
  // One quiet window changes neither the level (hysteresis) nor the fault reported with it.
  auto quiet = process(*m, windows(sim::FaultKind::none, 1, 6)[0], index++);
  ASSERT_TRUE(quiet.has_value());
  EXPECT_EQ((*quiet)->raw.fault, diag::Verdict::normal);
  EXPECT_GE((*quiet)->level, AlertLevel::warning);
  EXPECT_EQ((*quiet)->reported.fault, diag::Verdict::outer_race);
  EXPECT_FALSE((*quiet)->report_changed);
}

TEST(AssetMonitor, CommissionedModelAddsALearnedVerdict) {
  auto m = AssetMonitor::create(pump(), channel(), {}, {}, dsp::PlanEffort::estimate);
  ASSERT_TRUE(m.has_value());
  // Commissioning: features of healthy windows, half to fit, half to calibrate (as the agent does).
  std::vector<float> fit, calibration;
  std::size_t index = 0;
  const auto healthy = windows(sim::FaultKind::none, 240, 11);
  for (std::size_t k = 0; k < healthy.size(); ++k) {
    ASSERT_TRUE(process(*m, healthy[k], index++).has_value());
    auto& rows = k % 2 == 0 ? fit : calibration;
    rows.insert(rows.end(), m->features().begin(), m->features().end());
  }
  auto fitted = model::fit_gaussian_anomaly_model(fit, calibration, model::k_feature_count);
  ASSERT_TRUE(fitted.has_value()) << fitted.error().message;
  AssetModels models;
  models.anomaly.emplace(std::move(fitted->model));
  models.state = ModelState::ok;
  m->replace_models(std::move(models));

  std::size_t healthy_alarms = 0;
  for (const auto& w : windows(sim::FaultKind::none, 30, 12)) {
    auto d = process(*m, w, index++);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ((*d)->facts.model_state, ModelState::ok);
    EXPECT_FALSE((*d)->raw.physics_only);
    healthy_alarms += (*d)->facts.learned == model::WindowVerdict::abnormal ? 1 : 0;
  }
  EXPECT_LE(healthy_alarms, 1u);  // a 1e-3 budget: 30 windows expect 0.03 alarms
  std::size_t fault_alarms = 0;
  for (const auto& w : windows(sim::FaultKind::inner_race, 10, 13)) {
    auto d = process(*m, w, index++);
    ASSERT_TRUE(d.has_value());
    fault_alarms += (*d)->facts.learned == model::WindowVerdict::abnormal ? 1 : 0;
  }
  EXPECT_EQ(fault_alarms, 10u);  // 1 g impacts are far outside the healthy cloud (simulator truth)
}

TEST(AssetMonitor, BundlesThatDoNotLoadLeavePhysicsToDecide) {
  const auto dir = std::filesystem::temp_directory_path() / "vigil_asset_monitor_test";
  std::filesystem::create_directories(dir);
  AssetConfig a = pump();
  a.anomaly_bundle = dir / "garbage.vigil";
  std::ofstream(a.anomaly_bundle) << "not a bundle";
  a.classifier_bundle = dir / "missing.vigil";
  AssetModels models = load_asset_models(a, 12000, 4096);
  EXPECT_EQ(models.state, ModelState::failed);
  ASSERT_EQ(models.problems.size(), 2u);
  EXPECT_NE(models.problems[0].find("garbage.vigil"), std::string::npos) << models.problems[0];
  EXPECT_NE(models.problems[1].find("missing.vigil"), std::string::npos) << models.problems[1];
  EXPECT_EQ(load_asset_models(pump(), 12000, 4096).state, ModelState::missing);

  auto m = AssetMonitor::create(a, channel(), {}, std::move(models), dsp::PlanEffort::estimate);
  ASSERT_TRUE(m.has_value());
  auto d = process(*m, windows(sim::FaultKind::none, 1, 2)[0], 0);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)->facts.model_state, ModelState::failed);
  EXPECT_TRUE((*d)->raw.physics_only);
  std::filesystem::remove_all(dir);
}

TEST(AssetMonitor, RefusesAWrongWindowAndASpeedOutOfRange) {
  auto m = AssetMonitor::create(pump(), channel(), {}, {}, dsp::PlanEffort::estimate);
  ASSERT_TRUE(m.has_value());
  std::vector<float> short_window(1000, 0.0f);
  auto d = m->process(Window{.samples = short_window}, k_rpm);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("pump7"), std::string::npos) << d.error().message;
  std::vector<float> w(4096, 0.0f);
  EXPECT_FALSE(m->process(Window{.samples = w}, 5000));
}

TEST(AssetMonitor, CheckFunctionWhileCommissioning) {
  auto m = AssetMonitor::create(pump(), channel(), {}, {}, dsp::PlanEffort::estimate);
  ASSERT_TRUE(m.has_value());
  m->set_check_function(true);
  auto d = process(*m, windows(sim::FaultKind::none, 1, 4)[0], 0);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)->ne107, Ne107Status::check_function);
}

TEST(AssetMonitor, SteadyStateWindowsAllocateNothing) {
  auto m = AssetMonitor::create(pump(), channel(), {}, {}, dsp::PlanEffort::estimate);
  ASSERT_TRUE(m.has_value());
  const auto ws = windows(sim::FaultKind::outer_race, 12, 21);
  ASSERT_TRUE(process(*m, ws[0], 0).has_value());
  std::size_t decided = 0;
  std::size_t events = 0;  // windows carrying the evidence spectra of a rise to warning or alarm
  for (std::size_t k = 1; k < ws.size(); ++k) {
    test::AllocationScope scope;
    auto d = process(*m, ws[k], k);
    const std::size_t allocations = scope.allocations();
    ASSERT_TRUE(d.has_value());
    ++decided;
    if ((*d)->spectra) {
      ++events;
      EXPECT_GE((*d)->level, AlertLevel::warning);
      continue;
    }
    EXPECT_EQ(allocations, 0u) << "window " << k;
  }
  EXPECT_EQ(decided, ws.size() - 1);
  EXPECT_GE(events, 1u) << "the defect rises to a warning in these windows";
  EXPECT_LE(events, 2u);
}

// The spectra that go up as evidence are those of the window: the velocity spectrum shows the simulated
// defect's carrier-free shaft line where the kinematics put it, the envelope spectrum the outer-race lines
// the diagnosis found (flagged detected at BPFO and its harmonics, from the bearing's geometry computed
// here), and a host's request makes the next window carry them at any level. Both encode in the compact
// layout and decode to the same bins.
TEST(AssetMonitor, WarningAndRequestCarryTheWindowsSpectraWithTheDefectLines) {
  auto m = AssetMonitor::create(pump(), channel(), {}, {}, dsp::PlanEffort::estimate);
  ASSERT_TRUE(m.has_value());
  const auto healthy = windows(sim::FaultKind::none, 2, 5);
  auto d = process(*m, healthy[0], 0);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)->spectra, nullptr);
  m->request_evidence();
  d = process(*m, healthy[1], 1);
  ASSERT_TRUE(d.has_value());
  ASSERT_NE((*d)->spectra, nullptr);
  EXPECT_EQ((*d)->level, AlertLevel::normal);

  const auto faulty = windows(sim::FaultKind::outer_race, 12, 21);
  std::shared_ptr<const EvidenceSpectra> spectra;
  for (std::size_t k = 0; k < faulty.size() && !spectra; ++k) {
    auto f = process(*m, faulty[k], 2 + k);
    ASSERT_TRUE(f.has_value());
    spectra = (*f)->spectra;
  }
  ASSERT_NE(spectra, nullptr) << "a rise to warning carries the spectra";
  const dsp::DefectFrequencies expected = dsp::defect_frequencies(pump().bearing, k_rpm);
  const auto& env = spectra->envelope;
  EXPECT_EQ(env.kind, proto::sparkplug::SpectrumKind::envelope_g2);
  bool bpfo_detected = false;
  for (const auto& line : env.lines) {
    if (line.kind != proto::sparkplug::DefectLine::bpfo || !line.detected) continue;
    EXPECT_NEAR(line.frequency_hz, line.harmonic * expected.bpfo_hz, 0.03 * line.harmonic * expected.bpfo_hz);
    bpfo_detected = bpfo_detected || line.harmonic == 1;
  }
  EXPECT_TRUE(bpfo_detected);
  // The envelope spectrum's largest bin above a few Hz sits at a BPFO harmonic.
  std::size_t peak = 5;
  for (std::size_t k = 5; k < env.amplitude.size(); ++k)
    if (env.amplitude[k] > env.amplitude[peak]) peak = k;
  const double peak_hz = env.first_bin_hz + env.bin_hz * double(peak);
  const double order = peak_hz / expected.bpfo_hz;
  EXPECT_NEAR(order, std::round(order), 0.05) << peak_hz;
  // Velocity: 10 Hz to 1 kHz, shaft lines at the running speed.
  const auto& v = spectra->velocity;
  EXPECT_EQ(v.kind, proto::sparkplug::SpectrumKind::velocity_mm_s);
  EXPECT_GE(v.first_bin_hz, 10.0f);
  EXPECT_LE(v.first_bin_hz + v.bin_hz * float(v.amplitude.size() - 1), 1000.0f);
  ASSERT_FALSE(v.lines.empty());
  EXPECT_EQ(v.lines[0].kind, proto::sparkplug::DefectLine::shaft);
  EXPECT_NEAR(v.lines[0].frequency_hz, k_rpm / 60.0, 1e-3);
  for (const auto* s : {&v, &env}) {
    auto bytes = proto::sparkplug::encode_spectrum(*s);
    ASSERT_TRUE(bytes) << bytes.error().message;
    auto back = proto::sparkplug::decode_spectrum(*bytes);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->amplitude.size(), s->amplitude.size());
    const float top = *std::max_element(s->amplitude.begin(), s->amplitude.end());
    for (std::size_t k = 0; k < s->amplitude.size(); ++k)
      ASSERT_NEAR(back->amplitude[k], s->amplitude[k], top / 131070.0 * 1.01 + 1e-30) << k;
  }
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
