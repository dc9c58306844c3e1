// The statistical anomaly detector on real CWRU recordings: features -> per-asset scaler -> Gaussian
// T^2 -> calibration, fitted on healthy data only, then asked to separate held-out healthy windows
// from every seeded fault (the target: ROC AUC >= 0.995).
//
// Split. CWRU has one healthy recording here (97.mat, 0 hp, 48 kHz, ~5 s; README: 98-100 could not be
// obtained). It is decimated to 12 kHz (dsp::Decimator) to match the fault files and cut into three
// disjoint stretches of samples: the first half fits the scaler and the detector, the next quarter
// calibrates the score, the last quarter is the healthy side of the test. No window straddles two
// stretches, and the 36 fault recordings appear only on the test side.
//
// Caveat read with the number: with one healthy recording at one load, "healthy" is 97.mat's 0 hp
// condition. Fault recordings at 1-3 hp differ from it by load as well as by defect, and 97.mat's
// anti-alias filter (decimation from 48 kHz) differs from the 12 kHz files' acquisition; the detector
// flags "different from this asset's healthy record", which is what it is for, but the AUC is an upper
// bound on what a rig with healthy data at every load would show.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "diag/metrics.hpp"
#include "dsp/iir.hpp"
#include "io/catalog.hpp"
#include "model/calibration.hpp"
#include "model/features.hpp"
#include "model/gaussian_anomaly.hpp"
#include "model/scaler.hpp"
#include "support/test_data.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

constexpr double k_rate_hz = 12000;
constexpr std::size_t k_window = 4096;         // 0.34 s: 2.9 Hz envelope resolution
constexpr std::size_t k_healthy_hop = 512;     // healthy data is scarce (5 s): overlapping windows
constexpr std::size_t k_fault_hop = k_window;  // fault recordings (10 s): disjoint windows

// Rows of features of every window [start, start + k_window) inside [begin, end) of x, step hop.
std::vector<float> feature_rows(FeatureExtractor& e, std::span<const float> x, std::size_t begin,
                                std::size_t end, std::size_t hop, double speed_rpm) {
  std::vector<float> rows;
  for (std::size_t start = begin; start + k_window <= end; start += hop) {
    auto f = e.extract(x.subspan(start, k_window), speed_rpm);
    EXPECT_TRUE(f.has_value()) << f.error().message;
    if (f) rows.insert(rows.end(), f->begin(), f->end());
  }
  return rows;
}

TEST(CwruAnomaly, HealthyBaselineAgainstEverySeededFault) {
  VIGIL_REQUIRE_DATA("cwru/catalog.csv");
  auto catalog = io::read_catalog(test::data_dir() / "cwru" / "catalog.csv");
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message;

  auto extractor = FeatureExtractor::create({.sample_rate_hz = k_rate_hz,
                                             .window_len = k_window,
                                             .bearing = *dsp::find_bearing("6205-2RS"),
                                             .max_speed_rpm = 1900,
                                             .unit = dsp::AccelerationUnit::g,
                                             .speed_tolerance = 0.02,
                                             .effort = dsp::PlanEffort::estimate});
  ASSERT_TRUE(extractor.has_value()) << extractor.error().message;
  const std::size_t d = k_feature_count;

  // --- Healthy: 97.mat, 48 kHz -> 12 kHz.
  const auto normal =
      std::find_if(catalog->entries.begin(), catalog->entries.end(),
                   [](const io::CatalogEntry& e) { return e.fault == domain::FaultType::normal; });
  ASSERT_NE(normal, catalog->entries.end());
  auto rec = io::read_entry(*normal);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  const auto& raw = rec->find_channel(normal->channel)->samples;
  const auto factor = static_cast<std::size_t>(std::lround(normal->sample_rate_hz / k_rate_hz));
  ASSERT_EQ(factor, 4u);
  auto decimated = dsp::decimate(raw, factor, normal->sample_rate_hz);
  ASSERT_TRUE(decimated.has_value());
  const std::vector<float>& healthy = *decimated;
  // Drop the first 1024 samples (85 ms): the anti-alias filter starts from rest and rings on the
  // recording's DC offset.
  const std::span<const float> h = std::span<const float>(healthy).subspan(1024);
  const std::size_t n = h.size();
  const double healthy_rpm = normal->speed_rpm.value_or(1797);
  const auto fit_rows = feature_rows(*extractor, h, 0, n / 2, k_healthy_hop, healthy_rpm);
  const auto cal_rows = feature_rows(*extractor, h, n / 2, 3 * n / 4, k_healthy_hop, healthy_rpm);
  const auto test_rows = feature_rows(*extractor, h, 3 * n / 4, n, k_healthy_hop, healthy_rpm);

  // --- Fit: robust per-asset scaler, Ledoit-Wolf Gaussian on the scaled features.
  auto scaler = Scaler::fit(fit_rows, d, ScalerMethod::robust);
  ASSERT_TRUE(scaler.has_value()) << scaler.error().message;
  auto stats = GaussianStats::create(d);
  std::vector<float> z(d);
  for (std::size_t i = 0; i < fit_rows.size() / d; ++i) {
    ASSERT_TRUE(scaler->transform(std::span<const float>(fit_rows).subspan(i * d, d), z).has_value());
    ASSERT_TRUE(stats->add(z).has_value());
  }
  auto detector = GaussianAnomaly::fit(*stats);
  ASSERT_TRUE(detector.has_value()) << detector.error().message;
  auto score_rows = [&](const std::vector<float>& rows) {
    std::vector<double> scores;
    for (std::size_t i = 0; i < rows.size() / d; ++i) {
      EXPECT_TRUE(scaler->transform(std::span<const float>(rows).subspan(i * d, d), z).has_value());
      scores.push_back(*detector->score(z));
    }
    return scores;
  };
  auto calibration = ScoreCalibration::fit(score_rows(cal_rows));
  ASSERT_TRUE(calibration.has_value()) << calibration.error().message;
  const double threshold = *calibration->threshold(0.001);
  const auto healthy_scores = score_rows(test_rows);

  // --- Faults: every seeded-fault recording, all on the test side.
  std::vector<double> fault_scores;
  std::map<std::string, std::vector<double>> by_size;
  for (const auto& entry : catalog->entries) {
    if (entry.fault == domain::FaultType::normal) continue;
    ASSERT_EQ(entry.sample_rate_hz, k_rate_hz) << entry.path;
    auto r = io::read_entry(entry);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto& x = r->find_channel(entry.channel)->samples;
    const auto scores =
        score_rows(feature_rows(*extractor, x, 0, x.size(), k_fault_hop, entry.speed_rpm.value_or(1797)));
    fault_scores.insert(fault_scores.end(), scores.begin(), scores.end());
    auto& s = by_size[std::string(entry.extra("fault_diameter_in").value_or("?"))];
    s.insert(s.end(), scores.begin(), scores.end());
  }

  const double auc = diag::roc_auc(healthy_scores, fault_scores);
  const auto alarms =
      std::count_if(healthy_scores.begin(), healthy_scores.end(), [&](double s) { return s > threshold; });
  const auto detected =
      std::count_if(fault_scores.begin(), fault_scores.end(), [&](double s) { return s > threshold; });
  std::printf(
      "[ cwru anomaly ] fit %zu, calibrate %zu, healthy test %zu windows (97.mat at 12 kHz), fault %zu "
      "windows (36 recordings); Ledoit-Wolf shrinkage %.3f\n",
      fit_rows.size() / d, cal_rows.size() / d, healthy_scores.size(), fault_scores.size(),
      detector->shrinkage());
  std::printf("[ cwru anomaly ] ROC AUC healthy vs all faults: %.4f\n", auc);
  for (const auto& [size, scores] : by_size) {
    std::printf("[ cwru anomaly ]   fault diameter %s in: AUC %.4f (%zu windows)\n", size.c_str(),
                diag::roc_auc(healthy_scores, scores), scores.size());
  }
  std::printf(
      "[ cwru anomaly ] threshold at a 0.1 %% budget: T^2 = %.1f; healthy test alarms %zd / %zu, faults "
      "detected %zd / %zu\n",
      threshold, alarms, healthy_scores.size(), detected, fault_scores.size());
  std::printf("[ cwru anomaly ] largest healthy test T^2 %.1f, smallest fault T^2 %.1f (d = %zu)\n",
              *std::max_element(healthy_scores.begin(), healthy_scores.end()),
              *std::min_element(fault_scores.begin(), fault_scores.end()), d);

  ASSERT_GE(healthy_scores.size(), 20u);
  ASSERT_GE(fault_scores.size(), 1000u);
  // Bound: 0.98, below the 0.995 target on purpose. The healthy side is ~22 heavily overlapping
  // windows from 1.3 s of one recording, so each healthy window carries ~1/22 of the AUC: one healthy
  // window scored above 40 % of the fault windows (a transient, say) would cost 0.02 and is not a
  // detector failure; anything lower means the features or the model broke, since the fault windows
  // differ from the baseline by several standard deviations in level and impulsiveness alone.
  EXPECT_GE(auc, 0.98);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
