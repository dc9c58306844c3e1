// The defect-family features (feature schema version 2): hand-computed values of the formulas in
// feature_schema.hpp, invariance to sensor gain, and simulator ground truth (the injected defect's family
// holds the largest share at the defect frequencies the simulator strikes at).
#include <array>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/features.hpp"
#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"
#include "support/simulated_windows.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

using dsp::Defect;
using Evidence = std::array<dsp::DefectEvidence, dsp::k_defect_count>;

// A defect's evidence with the given harmonics (snr dB, amplitude, background) all checked.
dsp::DefectEvidence evidence(Defect d, std::vector<std::array<double, 3>> harmonics,
                             double sideband_snr_db = 0, int sidebands_checked = 0) {
  dsp::DefectEvidence e;
  e.defect = d;
  e.harmonics_checked = int(harmonics.size());
  for (std::size_t h = 0; h < harmonics.size(); ++h) {
    e.harmonics[h].harmonic = int(h) + 1;
    e.harmonics[h].snr_db = harmonics[h][0];
    e.harmonics[h].amplitude = harmonics[h][1];
    e.harmonics[h].background = harmonics[h][2];
  }
  e.sideband_snr_db = sideband_snr_db;
  e.sidebands_checked = sidebands_checked;
  return e;
}

std::array<float, k_family_features_per_method> family_of(const Evidence& ev) {
  std::array<float, k_family_features_per_method> out{};
  family_features(ev, out);
  return out;
}

TEST(FamilySchema, VersionTwoAppendsTheFamilyFeaturesToVersionOne) {
  EXPECT_EQ(k_feature_schema_version, 2u);
  EXPECT_EQ(k_oldest_feature_schema_version, 1u);
  const auto window = feature_schema();
  const auto all = classifier_feature_schema();
  ASSERT_EQ(window.size(), 28u);
  ASSERT_EQ(all.size(), 44u);
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i < window.size()) {
      EXPECT_EQ(all[i].name, window[i].name);  // version 1 is a prefix
    }
    EXPECT_TRUE(names.insert(all[i].name).second) << "duplicate " << all[i].name;
    EXPECT_FALSE(all[i].unit.empty()) << all[i].name;
    EXPECT_FALSE(all[i].description.empty()) << all[i].name;
    EXPECT_EQ(feature_index(all[i].name), i);
  }
  EXPECT_EQ(all[index(FamilyFeature::sk_bpfo_snr_share)].name, "sk_bpfo_snr_share");
  EXPECT_EQ(all[index(FamilyFeature::cpw_modulation_share)].name, "cpw_modulation_share");
  EXPECT_EQ(index(FamilyFeature::sk_bpfo_snr_share), 28u);
  EXPECT_EQ(classifier_feature_count(1), 28u);
  EXPECT_EQ(classifier_feature_count(2), 44u);
  EXPECT_FALSE(classifier_feature_count(0).has_value());
  EXPECT_FALSE(classifier_feature_count(3).has_value());
}

TEST(FamilyFeatures, HandComputedShares) {
  Evidence ev{};
  // BPFO: SNRs 12, 6, -3 dB -> E = (12 + 6 + 0) / 3 = 6; lines above background 4, 1, 0 -> L = 16 + 1 = 17.
  ev[0] = evidence(Defect::outer_race, {{12, 5, 1}, {6, 2, 1}, {-3, 0.5, 1}});
  // BPFI: 3 dB on the first harmonic only -> E = 1; line 0.5 above background -> L = 0.25; sidebands 7 dB.
  ev[1] = evidence(Defect::inner_race, {{3, 1.5, 1}, {0, 1, 1}, {0, 1, 1}}, 7, 2);
  // BSF: nothing checked -> E = 0, L = 0.
  ev[2] = evidence(Defect::ball, {});
  // FTF: one harmonic of 9 dB -> E = 9 / 3 = 3 (the mean runs over three harmonics).
  ev[3] = evidence(Defect::cage, {{9, 3, 1}});
  const auto f = family_of(ev);
  // snr shares: (E + 1) / (7 + 2 + 1 + 4) = 7/14, 2/14, 1/14, 4/14.
  EXPECT_NEAR(f[0], 0.5, 1e-6);
  EXPECT_NEAR(f[1], 2.0 / 14, 1e-6);
  EXPECT_NEAR(f[2], 1.0 / 14, 1e-6);
  EXPECT_NEAR(f[3], 4.0 / 14, 1e-6);
  // line shares over BPFO, BPFI, BSF: 17 / 17.25, 0.25 / 17.25, 0.
  EXPECT_NEAR(f[4], 17.0 / 17.25, 1e-6);
  EXPECT_NEAR(f[5], 0.25 / 17.25, 1e-6);
  EXPECT_EQ(f[6], 0.0f);
  // modulation: BPFI (E 1) is stronger than BSF (E 0): (7 + 1) / (7 + 1 + 2) = 0.8.
  EXPECT_NEAR(f[7], 0.8, 1e-6);
}

TEST(FamilyFeatures, BallModulationAndHarmonicsBeyondTheThird) {
  Evidence ev{};
  // BSF stronger than BPFI: its FTF sidebands count. A fourth harmonic does not take part.
  ev[1] = evidence(Defect::inner_race, {{6, 2, 1}}, 20, 2);  // E 2; its sidebands are not read
  ev[2] = evidence(Defect::ball, {{9, 3, 1}, {9, 3, 1}, {0, 1, 1}, {40, 100, 1}}, 3, 4);  // E 6
  const auto f = family_of(ev);
  EXPECT_NEAR(f[7], (3.0 + 1) / (3.0 + 6 + 2), 1e-6);
  // snr shares: BPFO 1, BPFI 3, BSF 7, FTF 1 over 12.
  EXPECT_NEAR(f[2], 7.0 / 12, 1e-6);
  // lines: BPFI 1, BSF 4 + 4 = 8 (the fourth harmonic's 99^2 is not counted).
  EXPECT_NEAR(f[5], 1.0 / 9, 1e-6);
  EXPECT_NEAR(f[6], 8.0 / 9, 1e-6);
  // Unchecked sidebands read as none: (0 + 1) / (0 + 6 + 2).
  ev[2].sidebands_checked = 0;
  EXPECT_NEAR(family_of(ev)[7], 1.0 / 8, 1e-6);
}

TEST(FamilyFeatures, NoEvidenceGivesEqualShares) {
  const auto f = family_of(Evidence{});
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(f[k], 0.25, 1e-7);
  for (std::size_t k = 4; k < 7; ++k) EXPECT_NEAR(f[k], 1.0 / 3, 1e-7);
  EXPECT_NEAR(f[7], 0.5, 1e-7);
}

// The extractor the simulated-window tests share (12 kHz, 4096 samples, the 6205-2RS).
FeatureExtractor extractor() {
  auto e = FeatureExtractor::create(vigil::test::simulated_extractor_config());
  EXPECT_TRUE(e.has_value()) << e.error().message;
  return std::move(*e);
}

TEST(FamilyFeatures, ClassifierVectorLeadsWithTheWindowFeaturesAndIgnoresGain) {
  FeatureExtractor e = extractor();
  auto sim = sim::Simulator::create(sim::Scenario::cwru_like(sim::FaultKind::outer_race, 1797), 3);
  ASSERT_TRUE(sim.has_value());
  std::vector<float> x(4096), louder(4096);
  sim->generate(x);
  for (std::size_t i = 0; i < x.size(); ++i) louder[i] = 10.0f * x[i];  // a sensor 20 dB more sensitive
  auto f = e.extract(x, 1797);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  const std::vector<float> window(f->begin(), f->end());
  const auto v = e.classifier_features();
  ASSERT_EQ(v.size(), k_classifier_feature_count);
  for (std::size_t i = 0; i < k_feature_count; ++i) EXPECT_EQ(v[i], window[i]) << i;
  const std::vector<float> quiet(v.begin(), v.end());
  ASSERT_TRUE(e.extract(louder, 1797).has_value());
  const auto loud = e.classifier_features();
  EXPECT_NEAR(loud[index(Feature::rms_db)] - quiet[index(Feature::rms_db)], 20.0, 1e-3);  // levels move
  for (std::size_t i = k_feature_count; i < k_classifier_feature_count; ++i) {            // shares do not
    EXPECT_NEAR(loud[i], quiet[i], 1e-4) << classifier_feature_schema()[i].name;
  }
}

TEST(FamilyFeatures, ClassifierFeaturesAllocateNothingAndStayFinite) {
  FeatureExtractor e = extractor();
  const std::vector<float> zeros(4096, 0.0f);
  ASSERT_TRUE(e.extract(zeros, 1797).has_value());
  for (float v : e.classifier_features()) EXPECT_TRUE(std::isfinite(v));
  auto sim = sim::Simulator::create(sim::Scenario::cwru_like(sim::FaultKind::ball, 1797), 4);
  ASSERT_TRUE(sim.has_value());
  std::vector<float> x(4096);
  bool ok = true;
  test::AllocationScope scope;
  for (int w = 0; w < 4; ++w) {
    sim->generate(x);
    ok = e.extract(x, 1797).has_value() && ok;
    ok = e.classifier_features().size() == k_classifier_feature_count && ok;
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_TRUE(ok);
}

struct OwnShareCase {
  sim::FaultKind kind;
  double speed_rpm;
  std::size_t own;  // 0 BPFO, 1 BPFI, 2 BSF
};

class OwnShare : public ::testing::TestWithParam<OwnShareCase> {};

// Ground truth: the simulator strikes at the kinematic defect rate of the injected kind (6205, 12 kHz,
// 3 kHz resonance). Averaged over 8 windows of 0.34 s, the injected family's snr share leads the other race
// and ball families' in the kurtogram band and after pre-whitening, at two speeds (the shares are
// order-normalised), and its line share leads in the kurtogram band.
TEST_P(OwnShare, TheInjectedFamilyLeads) {
  const auto& c = GetParam();
  FeatureExtractor e = extractor();
  auto sim = sim::Simulator::create(sim::Scenario::cwru_like(c.kind, c.speed_rpm), 11);
  ASSERT_TRUE(sim.has_value());
  std::vector<float> x(4096);
  std::vector<double> mean(k_classifier_feature_count, 0.0);
  for (int w = 0; w < 8; ++w) {
    sim->generate(x);
    ASSERT_TRUE(e.extract(x, c.speed_rpm).has_value());
    const auto v = e.classifier_features();
    for (std::size_t i = 0; i < v.size(); ++i) mean[i] += v[i] / 8.0;
  }
  const std::size_t sk_snr = index(FamilyFeature::sk_bpfo_snr_share);
  const std::size_t cpw_snr = index(FamilyFeature::cpw_bpfo_snr_share);
  const std::size_t sk_line = index(FamilyFeature::sk_bpfo_line_share);
  for (std::size_t other = 0; other < 3; ++other) {
    if (other == c.own) continue;
    EXPECT_GT(mean[sk_snr + c.own], mean[sk_snr + other]) << "sk snr share vs family " << other;
    EXPECT_GT(mean[cpw_snr + c.own], mean[cpw_snr + other]) << "cpw snr share vs family " << other;
    EXPECT_GT(mean[sk_line + c.own], mean[sk_line + other]) << "sk line share vs family " << other;
  }
}

INSTANTIATE_TEST_SUITE_P(Simulated, OwnShare,
                         ::testing::Values(OwnShareCase{sim::FaultKind::outer_race, 1797, 0},
                                           OwnShareCase{sim::FaultKind::inner_race, 1797, 1},
                                           OwnShareCase{sim::FaultKind::ball, 1797, 2},
                                           OwnShareCase{sim::FaultKind::outer_race, 1200, 0},
                                           OwnShareCase{sim::FaultKind::inner_race, 1200, 1},
                                           OwnShareCase{sim::FaultKind::ball, 1200, 2}),
                         [](const auto& param_info) {
                           return std::string(sim::to_string(param_info.param.kind)) + "_" +
                                  std::to_string(int(param_info.param.speed_rpm)) + "rpm";
                         });

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
