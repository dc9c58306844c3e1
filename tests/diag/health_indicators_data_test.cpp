// Health indicators and onsets on the real FEMTO/PRONOSTIA learning set (thinned copy, see its README).
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "diag/health_indicators.hpp"
#include "io/femto.hpp"
#include "support/test_data.hpp"

namespace vigil::diag {
namespace VIGIL_TEST_FILE {

struct LearningBearing {
  const char* name;
  double speed_rpm;       // condition 1, 2, 3: 1800, 1650, 1500 rpm (challenge PDF)
  std::size_t snapshots;  // files kept by the thinning (data README table)
  double life_s;          // (n - 1) * 10 s with n the original snapshot count (data README table)
};

constexpr std::array<LearningBearing, 6> k_bearings{{{"Bearing1_1", 1800, 206, 28020},
                                                     {"Bearing1_2", 1800, 77, 8700},
                                                     {"Bearing2_1", 1650, 80, 9100},
                                                     {"Bearing2_2", 1650, 72, 7960},
                                                     {"Bearing3_1", 1500, 53, 5140},
                                                     {"Bearing3_2", 1500, 128, 16360}}};

HealthIndicatorConfig femto_config(double speed_rpm) {
  return {.sample_rate_hz = io::k_femto_sample_rate_hz,
          .window_len = 2560,
          .bearing = *dsp::find_bearing("pronostia"),
          .max_speed_rpm = speed_rpm,
          .high_band_low_hz = 5000,
          .effort = dsp::PlanEffort::estimate};
}

// Golden values from numpy/scipy (float64 from the CSV text) for Bearing1_1/acc_00001.csv, horizontal:
// np.sqrt(np.mean(x**2)), scipy.stats.kurtosis(x, fisher=False), np.abs(x).max(), and
// sqrt(sum_{f >= 5 kHz} c_k |rfft(x)_k|^2) / 2560 (c = 1 at Nyquist, else 2). Tolerance 1e-5 relative:
// our samples are float (3-decimal values rounded to 24 bits, ~6e-8) and the FFT is single precision.
TEST(HealthIndicatorsData, FirstSnapshotOfBearing1_1MatchesNumpy) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  const auto path = test::data_dir() / "femto/Learning_set/Bearing1_1/acc_00001.csv";
  auto rec = io::read_femto_snapshot(path);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  auto e = HealthIndicatorExtractor::create(femto_config(1800));
  ASSERT_TRUE(e.has_value());
  auto v = e->compute(rec->find_channel("horizontal")->samples, 1800);
  ASSERT_TRUE(v.has_value());
  EXPECT_NEAR(value_of(*v, Indicator::rms_g), 0.56174565773522, 1e-5 * 0.5617);
  EXPECT_NEAR(value_of(*v, Indicator::kurtosis), 2.868534971991775, 1e-5 * 2.8685);
  EXPECT_NEAR(value_of(*v, Indicator::peak_g), 2.01, 1e-6);
  EXPECT_NEAR(value_of(*v, Indicator::high_band_rms_g), 0.197506084294999, 1e-5 * 0.1975);
}

// Every learning bearing: the snapshot count and life of the thinned copy, and an RMS onset (horizontal)
// detected before the end of life and after the baseline. The tests were stopped when the vibration
// exceeded 20 g, so the overall level must have left its early-life band by then.
TEST(HealthIndicatorsData, EveryLearningBearingHasAnRmsOnsetBeforeItsEndOfLife) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  for (const auto& b : k_bearings) {
    SCOPED_TRACE(b.name);
    auto files = io::list_femto_snapshots(test::data_dir() / "femto/Learning_set" / b.name);
    ASSERT_TRUE(files.has_value()) << files.error().message;
    ASSERT_EQ(files->size(), b.snapshots);
    EXPECT_DOUBLE_EQ(files->back().time_s, b.life_s);

    auto e = HealthIndicatorExtractor::create(femto_config(b.speed_rpm));
    ASSERT_TRUE(e.has_value());
    std::vector<double> t, rms, kurtosis;
    for (const auto& f : *files) {
      auto rec = io::read_femto_snapshot(f.path);
      ASSERT_TRUE(rec.has_value()) << rec.error().message;
      auto v = e->compute(rec->find_channel("horizontal")->samples, b.speed_rpm);
      ASSERT_TRUE(v.has_value()) << v.error().message;
      t.push_back(f.time_s);
      rms.push_back(value_of(*v, Indicator::rms_g));
      kurtosis.push_back(value_of(*v, Indicator::kurtosis));
    }
    auto r = find_onset(t, rms);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_TRUE(r->found);
    EXPECT_GT(r->onset_index, r->band.baseline_snapshots - 1);
    EXPECT_LT(r->detected_s, b.life_s);
    EXPECT_GT(r->lead_time_s, 0);
    EXPECT_NEAR(r->lead_fraction, r->lead_time_s / b.life_s, 1e-12);
    // The end of life is far outside the band: the last snapshot's RMS is above its top.
    EXPECT_GT(rms.back(), r->band.high);
    auto k = find_onset(t, kurtosis);
    ASSERT_TRUE(k.has_value());  // kurtosis may or may not leave its band (spikes widen some baselines)
    RecordProperty(std::string(b.name) + "_rms_onset_s", std::to_string(r->onset_s));
  }
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::diag
