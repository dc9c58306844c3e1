// Physics diagnosis on real CWRU recordings, against the published defect frequencies (CWRU Bearing Data
// Center: 6205-2RS BPFI 5.4152 x, BPFO 3.5848 x shaft speed) and the seeded fault labels.
#include <gtest/gtest.h>

#include "diag/diagnosis.hpp"
#include "diag/multi_method.hpp"
#include "io/mat_file.hpp"
#include "support/test_data.hpp"

namespace vigil::diag {
namespace VIGIL_TEST_FILE {

Diagnosis diagnose_cwru(const char* file, double sample_rate_hz, bool all_methods = false) {
  auto rec = io::read_cwru_mat(test::data_dir() / "cwru" / file,
                               {.sample_rate_hz = sample_rate_hz, .channels = {"DE"}, .prefix = {}});
  EXPECT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_TRUE(rec->speed_rpm.has_value());
  auto d = diagnose(rec->find_channel("DE")->samples, {.sample_rate_hz = sample_rate_hz,
                                                       .speed_rpm = *rec->speed_rpm,
                                                       .bearing = *dsp::find_bearing("6205-2RS"),
                                                       .evidence = {},
                                                       .impulsive_kurtosis = 4.0,
                                                       .all_methods = all_methods});
  EXPECT_TRUE(d.has_value()) << d.error().message;
  return *d;
}

const dsp::DefectEvidence& evidence_for(const Diagnosis& d, dsp::Defect defect) {
  for (const auto& e : d.evidence)
    if (e.defect == defect) return e;
  return d.evidence.front();
}

// 105.mat: inner-race pit 0.007 in, 1797 rpm: published BPFI = 5.4152 x 1797/60 = 162.19 Hz.
TEST(CwruDiagnosis, Record105InnerRaceAtBpfiWithinOneHertz) {
  VIGIL_REQUIRE_DATA("cwru/105.mat");
  const Diagnosis d = diagnose_cwru("105.mat", 12000);
  EXPECT_EQ(d.verdict, Verdict::inner_race) << d.explanation;
  const auto& e = evidence_for(d, dsp::Defect::inner_race);
  EXPECT_NEAR(e.harmonics[0].found_hz, 5.4152 * 1797.0 / 60.0, 1.0);
  EXPECT_EQ(e.harmonics_found, 3);
}

// 130.mat: outer-race pit 0.007 in at 6:00, 1796 rpm: published BPFO = 3.5848 x 1796/60 = 107.31 Hz.
TEST(CwruDiagnosis, Record130OuterRaceAtBpfo) {
  VIGIL_REQUIRE_DATA("cwru/130.mat");
  const Diagnosis d = diagnose_cwru("130.mat", 12000);
  EXPECT_EQ(d.verdict, Verdict::outer_race) << d.explanation;
  const auto& e = evidence_for(d, dsp::Defect::outer_race);
  EXPECT_NEAR(e.harmonics[0].found_hz, 3.5848 * 1796.0 / 60.0, 1.0);
}

// 97.mat: the healthy baseline (48 kHz, 0 hp).
TEST(CwruDiagnosis, Record97HealthyIsNormal) {
  VIGIL_REQUIRE_DATA("cwru/97.mat");
  const Diagnosis d = diagnose_cwru("97.mat", 48000);
  EXPECT_EQ(d.verdict, Verdict::normal) << d.explanation;
  EXPECT_EQ(d.iso_zone, IsoZone::A);
}

// The families the four methods find, at the thresholds corrected for four methods.
std::array<FamilyFinding, dsp::k_defect_count> families(const Diagnosis& d) {
  EXPECT_EQ(d.methods.size(), 4u);
  return find_families(d.methods, d.frequencies, corrected({6.0, 12.0}, 2.0));
}

// 199.mat: outer-race pit 0.014 in, 2 hp, which Smith & Randall (2015) grade P1 ("discrete components at
// the fault frequencies, not dominant"): the verdict names another family, but a BPFO series stands on
// lines of its own.
TEST(CwruDiagnosis, Record199OuterRaceFoundButNotDominant) {
  VIGIL_REQUIRE_DATA("cwru/199.mat");
  const Diagnosis d = diagnose_cwru("199.mat", 12000, true);
  const auto found = families(d);
  EXPECT_TRUE(found[static_cast<std::size_t>(dsp::Defect::outer_race)].found);
  EXPECT_NE(d.verdict, Verdict::outer_race);
  EXPECT_EQ(identify(Verdict::outer_race, d.verdict, found), Identification::partial);
}

// The healthy baseline shows no defect family in any of the four methods.
TEST(CwruDiagnosis, Record97HealthyShowsNoFamily) {
  VIGIL_REQUIRE_DATA("cwru/97.mat");
  const Diagnosis d = diagnose_cwru("97.mat", 48000, true);
  for (const auto& f : families(d)) EXPECT_FALSE(f.found) << to_string(f.method);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::diag
