// Per-asset anomaly models from short healthy snapshots (`vigil eval anomaly ims`): for each channel of a
// reference snapshot (one bearing's accelerometer), the anomaly model commissioning would fit on its
// overlapping windows (model::fit_gaussian_anomaly_baseline), then every disjoint window of other snapshots
// of the same channels scored, thresholded at the budget and debounced (life_anomaly.hpp's Persistence). What
// it can show with a few snapshots: that a later healthy snapshot is judged normal and that a snapshot unlike
// the reference (a dead or disconnected sensor, a failed bearing) is flagged; not when degradation begins.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "dsp/bearing.hpp"
#include "eval/life_anomaly.hpp"
#include "io/recording.hpp"

namespace vigil::eval {

struct SnapshotAnomalyConfig {
  std::size_t window_len = 2048;  // samples (>= 256): 0.1 s at IMS's 20 kHz, as a FEMTO snapshot
  // Start-to-start distance of the reference's windows (1..window_len). Overlapping windows give
  // commissioning's block split (>= 256 windows: blocks of 64) enough rows to calibrate on.
  std::size_t fit_hop = 64;
  double false_alarm_rate = 1e-3;  // per window, in (0, 0.5)
  Persistence persistence;
};
// invalid_argument naming the field.
Status validate(const SnapshotAnomalyConfig& config);

// One scored snapshot on one channel: its disjoint windows.
struct SnapshotScore {
  std::string snapshot;  // Recording::source
  double rms_g = 0;      // of the whole channel
  std::size_t windows = 0;
  std::size_t exceedances = 0;  // windows above the threshold
  double median_score = 0;      // T^2
  bool flagged = false;         // the debounced alarm was raised
};

struct ChannelAnomaly {
  std::string channel;
  double reference_rms_g = 0;
  std::size_t fit_windows = 0;
  std::size_t calibration_windows = 0;
  double threshold = 0;                  // T^2 at the budget
  std::vector<SnapshotScore> snapshots;  // in the order given
};

struct SnapshotAnomalyReport {
  std::string reference;  // Recording::source
  double sample_rate_hz = 0;
  std::vector<ChannelAnomaly> channels;  // the reference's channel order
};

// Fits one model per channel of `reference` at speed_rpm on `bearing` and scores `others` with it. Errors
// (invalid_argument) name the snapshot: an unknown or differing sample rate, a snapshot without one of the
// reference's channels, fewer samples than the windows need; the fit's errors name the channel.
Result<SnapshotAnomalyReport> evaluate_snapshot_anomaly(const io::Recording& reference,
                                                        std::span<const io::Recording> others,
                                                        const dsp::BearingGeometry& bearing, double speed_rpm,
                                                        const SnapshotAnomalyConfig& config = {});

nlohmann::json to_json(const SnapshotAnomalyConfig& config);
nlohmann::json to_json(const SnapshotAnomalyReport& report);

}  // namespace vigil::eval
