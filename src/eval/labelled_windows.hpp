// Labelled feature windows from a catalog of recordings: every recording read, brought to one sample rate,
// cut into windows (disjoint by default) and turned into the schema's feature vector, each row carrying the
// metadata an honest evaluation splits on (recording, fault, load, defect size). The table is also written
// to / read from CSV so that an outside peer (bench/peer/sklearn_peer.py) learns from exactly these numbers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "diag/diagnosis.hpp"
#include "io/catalog.hpp"
#include "model/feature_schema.hpp"
#include "model/model_rate.hpp"

namespace vigil::eval {

struct LabelledWindowsConfig {
  double sample_rate_hz = 12000;  // common rate; a recording at an integer multiple is decimated to it
  std::size_t window_len = 4096;  // samples per window at sample_rate_hz
  // Samples between the starts of consecutive windows; 0 means window_len (disjoint windows). A smaller hop
  // gives more, overlapping windows: more resolution in time, not more independent evidence (neighbours
  // share window_len - hop samples).
  std::size_t hop = 0;
  // Samples dropped at the start of a decimated recording: the anti-alias filter (dsp::Decimator) starts
  // from rest and rings on the recording's DC offset for a few hundred output samples.
  std::size_t settle_samples = model::k_default_settle_samples;
  double max_speed_rpm = 3600;  // FeatureExtractor's speed limit
};

// One window: where it came from, what is true about it, and its features in schema order.
struct WindowRow {
  std::string recording;  // file name as listed in the catalog ("105.mat")
  domain::FaultType fault = domain::FaultType::normal;
  double load_hp = -1;            // catalog extra "load_hp"; -1 when absent
  double fault_diameter_in = -1;  // catalog extra "fault_diameter_in"; -1 when absent (0 for healthy)
  double speed_rpm = 0;
  std::size_t start_sample =
      0;  // first sample of the window at sample_rate_hz (time order within a recording)
  std::vector<float> features;  // the classifier vector: k_classifier_feature_count values, the window
                                // features (k_feature_count) first
  // The physics verdict of this window as the edge weighs it (diag::weigh of the window's defect evidence,
  // kurtosis and ISO zone, machine class I); unknown with confidence 0 for rows read from CSV.
  diag::Verdict physics = diag::Verdict::unknown;
  double physics_confidence = 0;
};

// The window features of a row (the first k_feature_count values of its classifier vector): what anomaly
// models read.
inline std::span<const float> window_features(const WindowRow& row) {
  return std::span<const float>(row.features).first(std::min(row.features.size(), model::k_feature_count));
}

struct LabelledWindows {
  double sample_rate_hz = 0;
  std::size_t window_len = 0;
  std::size_t hop = 0;          // samples between window starts (window_len for disjoint windows)
  std::vector<WindowRow> rows;  // recordings in catalog order, windows in time order
};

// Reads every catalog entry (io::read_entry, the entry's channel), decimates it to config.sample_rate_hz
// when its rate is an integer multiple (error otherwise), and extracts features of each full window (one
// every config.hop samples) at the entry's speed (error when the speed is unknown). The bearing comes from
// the entry. invalid_argument for sample_rate_hz <= 0, window_len < 256 or hop > window_len.
Result<LabelledWindows> build_labelled_windows(const io::Catalog& catalog,
                                               const LabelledWindowsConfig& config = {});

// The lowest and highest shaft speed of the rows (0, 0 with none): the operating range a model trained on
// them has seen, recorded in its bundle (training speed_rpm_min / speed_rpm_max).
std::pair<double, double> speed_range(const LabelledWindows& windows);

// CSV with header "recording,fault,load_hp,fault_diameter_in,speed_rpm,start_sample,<feature names...>"
// (feature names from classifier_feature_schema(), in schema order), one line per row, '\n' line ends, floats
// printed with 9 significant digits (exact float round trip). The first line is a comment giving the sample
// rate and window length: "# vigil labelled windows: sample_rate_hz=12000 window_len=4096 hop=4096 schema=2"
// (a file without hop= reads as disjoint windows).
Status write_windows_csv(const LabelledWindows& windows, const std::filesystem::path& path);
// Inverse of write_windows_csv. Errors name the line and column: wrong header (a different feature schema is
// refused), wrong field count, unparsable or non-finite numbers, unknown fault names.
Result<LabelledWindows> parse_windows_csv(std::string_view text, std::string_view name);
Result<LabelledWindows> read_windows_csv(const std::filesystem::path& path);

// An early-stopping hold-out by recording: within each fault class of `rows`, the recordings sorted by name,
// every `validation_every`-th one (starting with the first) moves to validation; a class with a single
// recording keeps it in train; validation_every == 0 holds nothing out. Rows keep their order.
struct RowSplit {
  std::vector<std::size_t> train;
  std::vector<std::size_t> validation;
};
RowSplit hold_out_validation(const LabelledWindows& windows, std::span<const std::size_t> rows,
                             std::size_t validation_every);

// How recordings are split into folds (always whole recordings, by catalog metadata):
//   by_load: leave one motor load out (one fold per distinct load_hp);
//   by_size: leave one defect diameter out (one fold per distinct fault_diameter_in > 0).
// Healthy rows (fault == normal) belong to no fold: see the evaluation docs (docs/learned-evaluation.md)
// for why CWRU's single healthy recording cannot be on both sides of a fold split by recording.
enum class SplitKind { by_load, by_size };
std::string_view to_string(SplitKind split);                // "by-load", "by-size"
Result<SplitKind> parse_split_kind(std::string_view text);  // inverse of to_string

struct Fold {
  std::string name;                     // "load 2 hp", "size 0.014 in"
  double held_out_value = 0;            // the load (hp) or diameter (in) on the test side
  std::vector<std::size_t> train;       // row indices, fault rows only
  std::vector<std::size_t> validation;  // subset of the training recordings held back for early stopping
  std::vector<std::size_t> test;        // row indices, fault rows only
};

// The folds of `split` over the fault rows of `windows`. Validation: hold_out_validation of each fold's
// training side. Errors when a fold would have an empty train or test side or a fault
// class missing from training.
Result<std::vector<Fold>> make_folds(const LabelledWindows& windows, SplitKind split,
                                     std::size_t validation_every = 4);

}  // namespace vigil::eval
