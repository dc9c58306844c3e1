// Commissioning on site: a new asset has no model of its own healthy running. The edge records the learned
// features of its windows for a configured running time (physics and ISO decide meanwhile, and the asset
// reports NE 107 Check function), fits the per-asset anomaly model (robust scaler + Gaussian T^2, its
// threshold at the false-alarm budget) on them, stores it as a bundle and switches to it. After a repair,
// re-baselining starts over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/anomaly_bundle.hpp"

namespace vigil::edge {

// At most this many feature rows are kept per baseline: a longer baseline keeps every k-th healthy window
// (k = ceil(windows / this)). 2 h of 1 s windows at 50 % overlap is 14,400 windows, 1.6 MB of rows per
// channel; consecutive overlapping windows are strongly correlated, and 4,096 rows spread over the whole
// baseline (0.46 MB) describe a 28-feature Gaussian and its threshold as well.
inline constexpr std::size_t k_max_baseline_rows = 4096;

// The feature rows of one channel's baseline, preallocated: adding a window allocates nothing.
class Baseline {
 public:
  // A baseline of `windows` healthy windows of `dimension` features, at least 2 x
  // ScoreCalibration::k_min_scores; rows kept as above.
  static Result<Baseline> create(std::size_t windows, std::size_t dimension);

  // Takes one window's features, at shaft speed speed_rpm, when the rules judged it healthy (raw level
  // normal: a baseline must not learn a defect as normal) and keeps every stride()-th of those; a window
  // judged otherwise is skipped and counted. Returns true once full.
  bool add(std::span<const float> features, bool healthy, double speed_rpm);
  std::size_t stride() const { return stride_; }
  bool complete() const { return rows_ == rows_needed_; }
  double progress() const { return double(rows_) / double(rows_needed_); }
  std::size_t rows() const { return rows_; }
  std::size_t skipped() const { return skipped_; }
  std::span<const float> data() const { return std::span<const float>(data_).first(rows_ * dimension_); }
  std::size_t dimension() const { return dimension_; }
  // Lowest and highest shaft speed of the recorded windows (0 before the first).
  double speed_rpm_min() const { return speed_min_; }
  double speed_rpm_max() const { return speed_max_; }
  void restart();

 private:
  Baseline(std::size_t windows, std::size_t dimension)
      : stride_((windows + k_max_baseline_rows - 1) / k_max_baseline_rows),
        rows_needed_((windows + stride_ - 1) / stride_),
        dimension_(dimension),
        data_(rows_needed_ * dimension) {}

  std::size_t stride_;
  std::size_t healthy_seen_ = 0;
  std::size_t rows_needed_;
  std::size_t dimension_;
  std::vector<float> data_;
  std::size_t rows_ = 0;
  std::size_t skipped_ = 0;
  double speed_min_ = 0;
  double speed_max_ = 0;
};

// Fits the anomaly model on a complete baseline (model::fit_gaussian_anomaly_baseline). Overlapping windows
// are strongly correlated, so rows are split into blocks of 64 consecutive windows, alternately for fitting
// and for calibrating the threshold (a threshold calibrated on the windows it was fitted on is biased low).
Result<model::AnomalyModel> fit_baseline(const Baseline& baseline, double false_alarm_rate = 1e-3);

// Writes the commissioned model as an anomaly bundle whose training section records the windows it was
// fitted on (rate, length: the bundle is refused on other windows; the baseline's speed range: outside it
// the model is not used) and where it came from.
Status save_commissioned(const std::filesystem::path& path, const model::AnomalyModel& model,
                         const std::string& asset_id, double sample_rate_hz, std::size_t window_len,
                         std::size_t rows, double speed_rpm_min, double speed_rpm_max);

}  // namespace vigil::edge
