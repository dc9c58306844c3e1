#include "edge/commissioning.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "model/anomaly_fit.hpp"
#include "model/bundle.hpp"
#include "model/calibration.hpp"

namespace vigil::edge {

Result<Baseline> Baseline::create(std::size_t windows, std::size_t dimension) {
  const std::size_t minimum = 2 * model::ScoreCalibration::k_min_scores;
  if (windows < minimum || dimension == 0) {
    return fail(ErrorCode::invalid_argument, "baseline: {} windows, at least {} are needed", windows,
                minimum);
  }
  return Baseline(windows, dimension);
}

bool Baseline::add(std::span<const float> features, bool healthy, double speed_rpm) {
  if (complete()) return true;
  if (!healthy || features.size() != dimension_) {
    ++skipped_;
    return false;
  }
  if (healthy_seen_++ % stride_ != 0) return false;
  std::copy(features.begin(), features.end(),
            data_.begin() + static_cast<std::ptrdiff_t>(rows_ * dimension_));
  speed_min_ = rows_ == 0 ? speed_rpm : std::min(speed_min_, speed_rpm);
  speed_max_ = rows_ == 0 ? speed_rpm : std::max(speed_max_, speed_rpm);
  ++rows_;
  return complete();
}

void Baseline::restart() {
  rows_ = 0;
  skipped_ = 0;
  healthy_seen_ = 0;
  speed_min_ = speed_max_ = 0;
}

Result<model::AnomalyModel> fit_baseline(const Baseline& baseline, double false_alarm_rate) {
  if (!baseline.complete()) return fail(ErrorCode::invalid_argument, "baseline: not complete");
  model::AnomalyFitConfig config;
  config.false_alarm_rate = false_alarm_rate;
  auto fitted = model::fit_gaussian_anomaly_baseline(baseline.data(), baseline.dimension(), config);
  if (!fitted) return std::unexpected(fitted.error().with_context("baseline"));
  return std::move(fitted->model);
}

Status save_commissioned(const std::filesystem::path& path, const model::AnomalyModel& model,
                         const std::string& asset_id, double sample_rate_hz, std::size_t window_len,
                         std::size_t rows, double speed_rpm_min, double speed_rpm_max) {
  auto bundle = model::make_anomaly_bundle(model, {{"source", "commissioned on site by vigil-edge"},
                                                   {"asset", asset_id},
                                                   {"sample_rate_hz", sample_rate_hz},
                                                   {"window_len", window_len},
                                                   {"speed_rpm_min", speed_rpm_min},
                                                   {"speed_rpm_max", speed_rpm_max},
                                                   {"windows", rows}});
  if (!bundle) return std::unexpected(bundle.error());
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return fail(ErrorCode::io, "{}: {}", path.parent_path().string(), ec.message());
  return model::write_bundle(path, *bundle);
}

}  // namespace vigil::edge
