#include "eval/anomaly_training.hpp"

#include <algorithm>
#include <map>
#include <string_view>

#include "model/feature_schema.hpp"

namespace vigil::eval {
namespace {

Status check_calibration_count(std::size_t count, const AnomalyTrainingConfig& config) {
  if (count < model::ScoreCalibration::k_min_scores) {
    return fail(
        ErrorCode::invalid_argument,
        "{} held-back healthy windows to calibrate on (last {:.0f} % of each healthy recording), need at "
        "least {}: give more healthy data or overlapping windows",
        count, 100 * config.calibration_fraction, model::ScoreCalibration::k_min_scores);
  }
  return {};
}

TrainedAnomaly trained_from(model::CalibratedAnomaly c, const AnomalySplit& split) {
  return TrainedAnomaly{.model = std::move(c.model),
                        .recordings = split.recordings,
                        .fit_windows = split.windows.early.size(),
                        .calibration_windows = c.calibration_windows,
                        .straddling_windows = split.windows.straddling,
                        .calibration_alarm_rate = c.calibration_alarm_rate};
}

}  // namespace

std::vector<float> feature_rows(const LabelledWindows& windows, std::span<const std::size_t> rows) {
  std::vector<float> out;
  out.reserve(rows.size() * model::k_feature_count);
  for (auto i : rows) {
    const auto f = window_features(windows.rows[i]);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

TimeSplit split_by_time(const LabelledWindows& windows, std::span<const std::size_t> rows,
                        double late_fraction) {
  std::vector<std::string_view> names;
  std::map<std::string_view, std::vector<std::size_t>> by_recording;
  for (auto i : rows) {
    auto [it, inserted] = by_recording.try_emplace(windows.rows[i].recording);
    if (inserted) names.push_back(windows.rows[i].recording);
    it->second.push_back(i);
  }
  TimeSplit out;
  const double len = double(windows.window_len);
  // Recordings of one window each are snapshots: split together by their order, each one "window" long.
  std::vector<std::size_t> snapshots;
  for (const auto name : names) {
    if (by_recording[name].size() == 1) snapshots.push_back(by_recording[name].front());
  }
  const double snapshot_cut = (1.0 - late_fraction) * double(snapshots.size());
  for (std::size_t k = 0; k < snapshots.size(); ++k) {
    if (double(k) >= snapshot_cut) {
      out.late.push_back(snapshots[k]);
    } else if (double(k + 1) <= snapshot_cut) {
      out.early.push_back(snapshots[k]);
    } else {
      ++out.straddling;
    }
  }
  for (const auto name : names) {
    auto& r = by_recording[name];
    if (r.size() == 1) continue;
    std::stable_sort(r.begin(), r.end(), [&](std::size_t a, std::size_t b) {
      return windows.rows[a].start_sample < windows.rows[b].start_sample;
    });
    // Cut in samples: windows starting at or after it are late, windows ending at or before it early.
    const double first = double(windows.rows[r.front()].start_sample);
    const double last = double(windows.rows[r.back()].start_sample);
    const double cut = first + (1.0 - late_fraction) * (last - first + len);
    for (auto i : r) {
      const double start = double(windows.rows[i].start_sample);
      if (start >= cut) {
        out.late.push_back(i);
      } else if (start + len <= cut) {
        out.early.push_back(i);
      } else {
        ++out.straddling;
      }
    }
  }
  return out;
}

Result<AnomalySplit> split_healthy_windows(const LabelledWindows& windows,
                                           const AnomalyTrainingConfig& config) {
  if (!(config.calibration_fraction > 0 && config.calibration_fraction < 1)) {
    return fail(ErrorCode::invalid_argument, "calibration_fraction {} outside (0, 1)",
                config.calibration_fraction);
  }
  if (!(config.false_alarm_rate > 0 && config.false_alarm_rate < 1)) {
    return fail(ErrorCode::invalid_argument, "false_alarm_rate {} outside (0, 1)", config.false_alarm_rate);
  }
  AnomalySplit out;
  std::vector<std::size_t> healthy;
  for (std::size_t i = 0; i < windows.rows.size(); ++i) {
    const WindowRow& r = windows.rows[i];
    if (r.fault != config.healthy) continue;
    if (r.features.size() < model::k_feature_count) {
      return fail(ErrorCode::invalid_argument, "{}: window at sample {} has {} features, schema has {}",
                  r.recording, r.start_sample, r.features.size(), model::k_feature_count);
    }
    if (std::find(out.recordings.begin(), out.recordings.end(), r.recording) == out.recordings.end()) {
      out.recordings.push_back(r.recording);
    }
    healthy.push_back(i);
  }
  if (healthy.empty()) {
    return fail(ErrorCode::invalid_argument, "no windows of fault '{}' to learn the healthy state from",
                domain::to_string(config.healthy));
  }
  out.windows = split_by_time(windows, healthy, config.calibration_fraction);
  return out;
}

Result<TrainedAnomaly> calibrate_anomaly_model(model::Scaler scaler, model::AnomalyDetector detector,
                                               const LabelledWindows& windows, const AnomalySplit& split,
                                               const AnomalyTrainingConfig& config) {
  if (auto ok = check_calibration_count(split.windows.late.size(), config); !ok)
    return std::unexpected(ok.error());
  auto c = model::calibrate_anomaly_model(std::move(scaler), std::move(detector),
                                          feature_rows(windows, split.windows.late), config);
  if (!c) return std::unexpected(c.error());
  return trained_from(std::move(*c), split);
}

Result<TrainedAnomaly> train_anomaly_model(const LabelledWindows& windows,
                                           const AnomalyTrainingConfig& config) {
  auto split = split_healthy_windows(windows, config);
  if (!split) return std::unexpected(split.error());
  const auto& fit = split->windows.early;
  if (fit.size() < 2) {
    return fail(ErrorCode::invalid_argument, "{} healthy windows to fit on, need at least 2", fit.size());
  }
  // Before the work of fitting.
  if (auto ok = check_calibration_count(split->windows.late.size(), config); !ok)
    return std::unexpected(ok.error());
  auto c = model::fit_gaussian_anomaly_model(
      feature_rows(windows, fit), feature_rows(windows, split->windows.late), model::k_feature_count, config);
  if (!c) return std::unexpected(c.error());
  return trained_from(std::move(*c), *split);
}

}  // namespace vigil::eval
