// The feature schema and extractor against simulator ground truth: each defect's own envelope evidence
// rises when the simulator injects that defect (at CWRU's 12 kHz, at PRONOSTIA's 25.6 kHz and at another
// speed: the features are order-normalised), the schema is fixed, extraction allocates nothing.
#include "model/features.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/random.hpp"
#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

TEST(FeatureSchema, NamesAreUniqueAndTheCountIsFixed) {
  EXPECT_EQ(k_feature_schema_version, 2u);  // the type bundles record (Bundle::feature_schema_version)
  const auto schema = feature_schema();
  ASSERT_EQ(schema.size(), k_feature_count);
  EXPECT_EQ(k_feature_count, 28u);  // the window features, the same in versions 1 and 2
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < schema.size(); ++i) {
    EXPECT_FALSE(schema[i].name.empty());
    EXPECT_FALSE(schema[i].unit.empty()) << schema[i].name;
    EXPECT_FALSE(schema[i].description.empty()) << schema[i].name;
    EXPECT_TRUE(names.insert(schema[i].name).second) << "duplicate " << schema[i].name;
    EXPECT_EQ(feature_index(schema[i].name), i);
  }
  EXPECT_EQ(schema[index(Feature::bpfi_sideband_snr_db)].name, "bpfi_sideband_snr_db");
  EXPECT_EQ(schema[index(Feature::rms_db)].unit, "dB re 1 g");
  EXPECT_FALSE(feature_index("no_such_feature").has_value());
}

struct SimSetup {
  sim::Scenario scenario;
  std::size_t window_len;
};

FeatureExtractor extractor_for(const SimSetup& s) {
  auto e = FeatureExtractor::create({.sample_rate_hz = s.scenario.machine.sample_rate_hz,
                                     .window_len = s.window_len,
                                     .bearing = s.scenario.machine.bearing,
                                     .max_speed_rpm = 3600,
                                     .unit = dsp::AccelerationUnit::g,
                                     .speed_tolerance = 0.02,
                                     .effort = dsp::PlanEffort::estimate});
  EXPECT_TRUE(e.has_value()) << e.error().message;
  return std::move(*e);
}

// Mean feature vector over `windows` consecutive windows of a simulated run.
std::vector<double> mean_features(const SimSetup& s, FeatureExtractor& e, std::uint64_t seed, int windows) {
  auto sim = sim::Simulator::create(s.scenario, seed);
  EXPECT_TRUE(sim.has_value()) << sim.error().message;
  std::vector<float> x(s.window_len);
  std::vector<double> mean(k_feature_count, 0.0);
  for (int w = 0; w < windows; ++w) {
    sim->generate(x);
    auto f = e.extract(x, s.scenario.machine.speed_rpm);
    EXPECT_TRUE(f.has_value()) << f.error().message;
    for (std::size_t j = 0; j < k_feature_count; ++j) mean[j] += (*f)[j] / double(windows);
  }
  return mean;
}

struct OwnEvidenceCase {
  sim::FaultKind kind;
  double sample_rate_hz;
  double speed_rpm;
  Feature own_h1;
  std::size_t window_len;
};

class OwnEvidence : public ::testing::TestWithParam<OwnEvidenceCase> {};

// Ground truth: the simulator strikes at the kinematic defect rate of the injected kind. With the same
// seed the healthy run has the same background, so the difference is the defect's. Envelope-line SNRs
// of a healthy machine average ~1-4 dB (the strongest bin of a noise-only search window over the median
// background). Averaged over 8 windows, the mean SNR of the defect's three harmonics must rise by at
// least 5 dB (races and cage rise by 15-23 dB; the simulated ball, which strikes hard only inside the
// load zone, by 6.4-8 dB), its first harmonic by at least 3 dB, and the three-harmonic mean must lead
// the other defects'. Windows of ~0.34 s (2.9 Hz envelope resolution) except for the cage: FTF (12 Hz)
// needs 0.68 s for its lines to stand clear of the envelope's DC region and of their background.
TEST_P(OwnEvidence, RisesForItsOwnFaultKind) {
  const auto& c = GetParam();
  sim::Scenario fault = sim::Scenario::cwru_like(c.kind, c.speed_rpm);
  sim::Scenario healthy = sim::Scenario::cwru_like(sim::FaultKind::none, c.speed_rpm);
  fault.machine.sample_rate_hz = healthy.machine.sample_rate_hz = c.sample_rate_hz;
  const std::size_t n = c.window_len;
  FeatureExtractor e = extractor_for({fault, n});
  const auto with = mean_features({fault, n}, e, 5, 8);
  const auto without = mean_features({healthy, n}, e, 5, 8);

  auto mean3 = [](const std::vector<double>& f, Feature h1) {
    const std::size_t i = index(h1);  // h1, h2, h3 are consecutive in the schema
    return (f[i] + f[i + 1] + f[i + 2]) / 3.0;
  };
  const double rise_db = mean3(with, c.own_h1) - mean3(without, c.own_h1);
  EXPECT_GE(rise_db, 5.0) << "fault " << mean3(with, c.own_h1) << " dB, healthy " << mean3(without, c.own_h1)
                          << " dB";
  EXPECT_GT(with[index(c.own_h1)], without[index(c.own_h1)] + 3.0);
  for (Feature other : {Feature::bpfo_h1_snr_db, Feature::bpfi_h1_snr_db, Feature::bsf_h1_snr_db}) {
    if (other == c.own_h1) continue;
    EXPECT_GT(mean3(with, c.own_h1), mean3(with, other)) << feature_schema()[index(other)].name;
  }
  for (double v : with) EXPECT_TRUE(std::isfinite(v));
}

INSTANTIATE_TEST_SUITE_P(
    Simulated, OwnEvidence,
    ::testing::Values(OwnEvidenceCase{sim::FaultKind::outer_race, 12000, 1797, Feature::bpfo_h1_snr_db, 4096},
                      OwnEvidenceCase{sim::FaultKind::inner_race, 12000, 1797, Feature::bpfi_h1_snr_db, 4096},
                      OwnEvidenceCase{sim::FaultKind::ball, 12000, 1797, Feature::bsf_h1_snr_db, 4096},
                      OwnEvidenceCase{sim::FaultKind::cage, 12000, 1797, Feature::ftf_h1_snr_db, 8192},
                      OwnEvidenceCase{sim::FaultKind::outer_race, 25600, 1797, Feature::bpfo_h1_snr_db, 8192},
                      OwnEvidenceCase{sim::FaultKind::inner_race, 25600, 1797, Feature::bpfi_h1_snr_db, 8192},
                      OwnEvidenceCase{sim::FaultKind::ball, 25600, 1797, Feature::bsf_h1_snr_db, 8192},
                      OwnEvidenceCase{sim::FaultKind::outer_race, 12000, 1200, Feature::bpfo_h1_snr_db, 4096},
                      OwnEvidenceCase{sim::FaultKind::inner_race, 12000, 1200, Feature::bpfi_h1_snr_db, 4096},
                      OwnEvidenceCase{sim::FaultKind::ball, 12000, 1200, Feature::bsf_h1_snr_db, 4096}),
    [](const auto& param_info) {
      const auto& p = param_info.param;
      return std::string(sim::to_string(p.kind)) + "_" + std::to_string(int(p.sample_rate_hz)) + "Hz_" +
             std::to_string(int(p.speed_rpm)) + "rpm";
    });

TEST(FeatureExtractor, ImpactsRaiseTheShapeStatisticsAndTheResonanceShare) {
  // The simulator's impacts ring a 3 kHz resonance: kurtosis and crest factor rise above the Gaussian
  // background's (kurtosis 3, ln 3 = 1.10), and the kurtogram's band takes a larger share of the power.
  const SimSetup fault{sim::Scenario::cwru_like(sim::FaultKind::outer_race), 4096};
  const SimSetup healthy{sim::Scenario::cwru_like(sim::FaultKind::none), 4096};
  FeatureExtractor e = extractor_for(fault);
  const auto with = mean_features(fault, e, 9, 6);
  const auto without = mean_features(healthy, e, 9, 6);
  EXPECT_NEAR(without[index(Feature::log_kurtosis)], std::log(3.0), 0.1);
  EXPECT_GT(with[index(Feature::log_kurtosis)], without[index(Feature::log_kurtosis)] + 0.3);
  EXPECT_GT(with[index(Feature::crest_factor)], without[index(Feature::crest_factor)]);
  EXPECT_GT(with[index(Feature::rms_db)], without[index(Feature::rms_db)]);
  EXPECT_GT(with[index(Feature::resonance_log_sk)], without[index(Feature::resonance_log_sk)]);
  // Gaussian noise: shape factor sqrt(pi / 2) = 1.2533 (dsp/stats.hpp).
  EXPECT_NEAR(without[index(Feature::shape_factor)], 1.2533, 0.02);
}

TEST(FeatureExtractor, ShaftOrderBandsFollowTheSpeed) {
  // A pure 1x sine of 0.5 g plus weak white noise: almost all AC power is in the [0.5, 1.5) x band at any
  // speed (order-normalised), and the 2x band holds only noise (its share is its bandwidth fraction:
  // 30 Hz of 6000 Hz at 1800 rpm -> about -23 dB, allowing the sine's Hann leakage). The window holds a
  // non-integer number of periods (5.12 at 900 rpm), so its mean of sin^2 departs from 1/2 by up to
  // 1 / (4 pi periods) = 1.6 %: 0.15 dB on the RMS.
  for (double rpm : {900.0, 1800.0, 3000.0}) {
    const std::size_t n = 4096;
    const double fs = 12000;
    auto e = FeatureExtractor::create({.sample_rate_hz = fs,
                                       .window_len = n,
                                       .bearing = *dsp::find_bearing("6205-2RS"),
                                       .max_speed_rpm = 3600,
                                       .unit = dsp::AccelerationUnit::g,
                                       .speed_tolerance = 0.02,
                                       .effort = dsp::PlanEffort::estimate});
    ASSERT_TRUE(e.has_value());
    sim::NormalSource noise(3);
    std::vector<float> x(n);
    for (std::size_t t = 0; t < n; ++t) {
      x[t] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * rpm / 60.0 * double(t) / fs) +
                                0.01 * noise.next());
    }
    auto f = e->extract(x, rpm);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    EXPECT_GT((*f)[index(Feature::power_1x_db)], -0.1) << rpm;
    EXPECT_LT((*f)[index(Feature::power_2x_db)], -20.0) << rpm;
    // RMS of a 0.5 g sine: 0.3536 g -> -9.03 dB re 1 g.
    EXPECT_NEAR((*f)[index(Feature::rms_db)], 20 * std::log10(0.5 / std::sqrt(2.0)), 0.15) << rpm;
  }
}

TEST(FeatureExtractor, ExtractAllocatesNothing) {
  const SimSetup s{sim::Scenario::cwru_like(sim::FaultKind::inner_race), 4096};
  FeatureExtractor e = extractor_for(s);
  auto sim = sim::Simulator::create(s.scenario, 1);
  ASSERT_TRUE(sim.has_value());
  std::vector<float> x(s.window_len);
  sim->generate(x);
  ASSERT_TRUE(e.extract(x, 1797).has_value());  // warm-up
  bool ok = true;
  test::AllocationScope scope;
  for (int w = 0; w < 5; ++w) {
    sim->generate(x);
    ok = e.extract(x, 1797.0 + w).has_value() && ok;
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_TRUE(ok);
}

TEST(FeatureExtractor, SilentWindowGivesFiniteFloors) {
  const SimSetup s{sim::Scenario::cwru_like(sim::FaultKind::none), 4096};
  FeatureExtractor e = extractor_for(s);
  const std::vector<float> zeros(s.window_len, 0.0f);
  auto f = e.extract(zeros, 1797);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  for (float v : *f) EXPECT_TRUE(std::isfinite(v));
  EXPECT_EQ((*f)[index(Feature::rms_db)], FeatureExtractor::k_level_floor_db);
  EXPECT_EQ((*f)[index(Feature::power_1x_db)], FeatureExtractor::k_power_floor_db);
}

TEST(FeatureExtractor, BadInputsGiveClearErrors) {
  const SimSetup s{sim::Scenario::cwru_like(sim::FaultKind::none), 4096};
  FeatureExtractor e = extractor_for(s);
  std::vector<float> x(4096, 0.1f);
  auto short_window = e.extract(std::span<const float>(x).first(4000), 1797);
  ASSERT_FALSE(short_window.has_value());
  EXPECT_NE(short_window.error().message.find("expected 4096"), std::string::npos);
  for (double rpm : {0.0, -10.0, 4000.0, std::numeric_limits<double>::quiet_NaN()}) {
    auto r = e.extract(x, rpm);
    ASSERT_FALSE(r.has_value()) << rpm;
    EXPECT_EQ(r.error().code, ErrorCode::out_of_range);
  }
  x[100] = std::numeric_limits<float>::quiet_NaN();
  auto nan = e.extract(x, 1797);
  ASSERT_FALSE(nan.has_value());
  EXPECT_NE(nan.error().message.find("non-finite"), std::string::npos);

  FeatureExtractorConfig bad{
      .sample_rate_hz = 0, .window_len = 4096, .bearing = *dsp::find_bearing("6205-2RS")};
  EXPECT_FALSE(FeatureExtractor::create(bad).has_value());
  bad.sample_rate_hz = 12000;
  bad.window_len = 100;
  EXPECT_FALSE(FeatureExtractor::create(bad).has_value());
  bad.window_len = 4096;
  bad.speed_tolerance = 0.5;
  EXPECT_FALSE(FeatureExtractor::create(bad).has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
