// The degradation scenario (healthy -> defect onset -> growth to failure) against its ground truth: the
// severity law by hand, and the defect's own signal isolated exactly by subtracting the same machine with no
// fault (same seed: the simulator draws the fault from its own random streams).
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "sim/simulator.hpp"

namespace vigil::sim {
namespace VIGIL_TEST_FILE {

constexpr double k_life_s = 100;
constexpr double k_onset_fraction = 0.3;
constexpr std::uint64_t k_seed = 11;

std::vector<float> run(const Scenario& scenario, double seconds) {
  auto sim = Simulator::create(scenario, k_seed);
  EXPECT_TRUE(sim) << sim.error().message;
  std::vector<float> x(static_cast<std::size_t>(seconds * scenario.machine.sample_rate_hz));
  sim->generate(x);
  return x;
}

Scenario healthy_twin(const Scenario& s) {
  Scenario h = s;
  h.fault.kind = FaultKind::none;
  return h;
}

TEST(DegradationScenario, SeverityIsZeroUntilOnsetThenGrowsFromTwoPercentToOneAtEndOfLife) {
  const Scenario s = Scenario::degradation(FaultKind::outer_race, k_life_s, k_onset_fraction);
  const SeverityLaw& law = s.fault.severity;
  EXPECT_EQ(law.at(0), 0.0);
  EXPECT_EQ(law.at(29.999), 0.0);
  EXPECT_DOUBLE_EQ(law.at(30), 0.02);
  // Exponential from 0.02 at 30 s to 1 at 100 s: halfway (65 s) is the geometric mean sqrt(0.02).
  EXPECT_NEAR(law.at(65), std::sqrt(0.02), 1e-12);
  EXPECT_NEAR(law.at(100), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(law.at(150), 1.0);  // failed: stays at full strength
  EXPECT_DOUBLE_EQ(s.fault.impact_g, 20.0);
  EXPECT_EQ(s.machine.sample_rate_hz, 25600.0);
  EXPECT_EQ(Scenario::degradation(FaultKind::ball, 10, 0.5, 51200).machine.sample_rate_hz, 51200.0);
}

TEST(DegradationScenario, HealthyBeforeOnsetIsExactlyTheFaultFreeMachine) {
  const Scenario s = Scenario::degradation(FaultKind::inner_race, 10, 0.5);  // onset at 5 s
  const std::vector<float> degrading = run(s, 8);
  const std::vector<float> healthy = run(healthy_twin(s), 8);
  const std::size_t onset = static_cast<std::size_t>(5 * s.machine.sample_rate_hz);
  EXPECT_EQ(std::memcmp(degrading.data(), healthy.data(), onset * sizeof(float)), 0);
  // After the onset the defect is there: the two differ within the first few impacts (BPFI ~ 180 Hz).
  std::size_t first_difference = onset;
  while (first_difference < degrading.size() && degrading[first_difference] == healthy[first_difference])
    ++first_difference;
  EXPECT_LT(first_difference, onset + static_cast<std::size_t>(0.05 * s.machine.sample_rate_hz));
}

// The residual (degrading - healthy twin) is the defect's impact response alone, proportional to the
// severity: its RMS over 1 s windows must follow the law's ratio between two instants of the growth.
TEST(DegradationScenario, DefectSignalGrowsAsTheSeverityLaw) {
  Scenario s = Scenario::degradation(FaultKind::outer_race, k_life_s, k_onset_fraction);
  s.fault.amplitude_jitter_fraction = 0.1;
  const std::vector<float> degrading = run(s, 92);
  const std::vector<float> healthy = run(healthy_twin(s), 92);
  const double fs = s.machine.sample_rate_hz;
  auto residual_rms = [&](double from_s) {
    double sum = 0;
    const auto begin = static_cast<std::size_t>(from_s * fs);
    const auto n = static_cast<std::size_t>(fs);
    for (std::size_t i = begin; i < begin + n; ++i) {
      const double r = double(degrading[i]) - double(healthy[i]);
      sum += r * r;
    }
    return std::sqrt(sum / double(n));
  };
  EXPECT_EQ(residual_rms(20), 0.0);  // healthy
  const double early = residual_rms(40);
  const double late = residual_rms(90);
  // The RMS over [t0, t0 + 1] is proportional to the RMS of s(t) over it, s(t0) times a factor that is the
  // same for every window of an exponential: the ratio is s(90) / s(40).
  const double expected_ratio = s.fault.severity.at(90) / s.fault.severity.at(40);
  // ~107 impacts per window with 10 % amplitude jitter: the RMS of each window is within a few percent.
  EXPECT_NEAR(late / early, expected_ratio, 0.05 * expected_ratio) << early << " " << late;
  EXPECT_GT(expected_ratio, 15);  // the growth is large, so this checks the law, not noise
}

TEST(DegradationScenario, SameSeedSameSignal) {
  const Scenario s = Scenario::degradation(FaultKind::ball, 20, 0.2);
  const std::vector<float> a = run(s, 6);
  const std::vector<float> b = run(s, 6);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

TEST(DegradationScenario, NegativeOnsetIsRefused) {
  Scenario s = Scenario::degradation(FaultKind::ball, 20, 0.2);
  s.fault.severity.onset_s = -1;
  auto sim = Simulator::create(s, 1);
  ASSERT_FALSE(sim);
  EXPECT_EQ(sim.error().message, "fault config: severity.onset_s -1 must be finite and >= 0");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::sim
