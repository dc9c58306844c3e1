#include "model/anomaly_fit.hpp"

#include <algorithm>
#include <variant>
#include <vector>

namespace vigil::model {
namespace {

Status check_rows(std::span<const float> rows, std::size_t dimension, std::string_view what) {
  if (dimension == 0 || rows.size() % dimension != 0) {
    return fail(ErrorCode::invalid_argument, "{}: {} values are not whole rows of {} features", what,
                rows.size(), dimension);
  }
  return {};
}

}  // namespace

Result<CalibratedAnomaly> calibrate_anomaly_model(Scaler scaler, AnomalyDetector detector,
                                                  std::span<const float> calibration_rows,
                                                  const AnomalyFitConfig& config) {
  const std::size_t d = scaler.dimension();
  const std::size_t detector_d = std::visit([](const auto& x) { return x.dimension(); }, detector);
  if (d != detector_d) {
    return fail(ErrorCode::invalid_argument, "anomaly model: scaler has {} features, detector {}", d,
                detector_d);
  }
  if (auto ok = check_rows(calibration_rows, d, "anomaly calibration"); !ok)
    return std::unexpected(ok.error());
  const std::size_t n = calibration_rows.size() / d;
  if (n < ScoreCalibration::k_min_scores) {
    return fail(ErrorCode::invalid_argument, "{} healthy windows to calibrate on, need at least {}", n,
                ScoreCalibration::k_min_scores);
  }
  std::vector<float> z(d);
  std::vector<double> scores;
  scores.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    if (auto ok = scaler.transform(calibration_rows.subspan(k * d, d), z); !ok)
      return std::unexpected(ok.error());
    auto s = std::visit([&](auto& x) { return x.score(z); }, detector);
    if (!s) return std::unexpected(s.error());
    scores.push_back(*s);
  }
  auto calibration = ScoreCalibration::fit(scores, config.calibration);
  if (!calibration) return std::unexpected(calibration.error().with_context("anomaly calibration"));
  auto model = AnomalyModel::create(std::move(scaler), std::move(detector), std::move(*calibration),
                                    config.false_alarm_rate);
  if (!model) return std::unexpected(model.error());
  const double threshold = model->threshold();
  const auto above = std::count_if(scores.begin(), scores.end(), [&](double s) { return s > threshold; });
  return CalibratedAnomaly{.model = std::move(*model),
                           .calibration_windows = n,
                           .calibration_alarm_rate = double(above) / double(n)};
}

Result<CalibratedAnomaly> fit_gaussian_anomaly_model(std::span<const float> fit_rows,
                                                     std::span<const float> calibration_rows,
                                                     std::size_t dimension, const AnomalyFitConfig& config) {
  if (auto ok = check_rows(fit_rows, dimension, "anomaly fit"); !ok) return std::unexpected(ok.error());
  const std::size_t n = fit_rows.size() / dimension;
  if (n < 2) return fail(ErrorCode::invalid_argument, "{} healthy windows to fit on, need at least 2", n);
  auto scaler = Scaler::fit(fit_rows, dimension, config.scaler);
  if (!scaler) return std::unexpected(scaler.error().with_context("anomaly scaler"));
  auto stats = GaussianStats::create(dimension);
  if (!stats) return std::unexpected(stats.error());
  std::vector<float> z(dimension);
  for (std::size_t k = 0; k < n; ++k) {
    if (auto ok = scaler->transform(fit_rows.subspan(k * dimension, dimension), z); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = stats->add(z); !ok) return std::unexpected(ok.error());
  }
  auto detector = GaussianAnomaly::fit(*stats, config.detector);
  if (!detector) return std::unexpected(detector.error().with_context("anomaly detector"));
  return calibrate_anomaly_model(std::move(*scaler), std::move(*detector), calibration_rows, config);
}

bool is_baseline_calibration_row(std::size_t row, std::size_t rows) {
  const std::size_t block = rows >= 4 * k_baseline_block_rows ? k_baseline_block_rows : 1;
  return (row / block) % 2 == 1;
}

Result<CalibratedAnomaly> fit_gaussian_anomaly_baseline(std::span<const float> rows, std::size_t dimension,
                                                        const AnomalyFitConfig& config) {
  if (auto ok = check_rows(rows, dimension, "anomaly baseline"); !ok) return std::unexpected(ok.error());
  const std::size_t n = rows.size() / dimension;
  std::vector<float> fit, calibration;
  for (std::size_t r = 0; r < n; ++r) {
    auto& to = is_baseline_calibration_row(r, n) ? calibration : fit;
    const auto row = rows.subspan(r * dimension, dimension);
    to.insert(to.end(), row.begin(), row.end());
  }
  return fit_gaussian_anomaly_model(fit, calibration, dimension, config);
}

}  // namespace vigil::model
