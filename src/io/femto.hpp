// FEMTO-ST PRONOSTIA (IEEE PHM 2012) run-to-failure bearings: one folder per bearing holding
// acc_NNNNN.csv vibration snapshots (0.1 s at 25.6 kHz, every 10 s) and optional temp_NNNNN.csv
// temperature files. Feeds health-index and RUL work with real degradation histories.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "io/recording.hpp"

namespace vigil::io {

inline constexpr double k_femto_sample_rate_hz = 25600.0;    // challenge PDF, section 3
inline constexpr double k_femto_snapshot_period_s = 10.0;    // a snapshot starts every 10 s
inline constexpr double k_femto_temperature_rate_hz = 10.0;  // PT100 sampled at 10 Hz

// One file of a bearing folder. The index comes from the file name (acc_00016.csv -> 16): thinned
// copies skip indices, so position in the list is not the index.
struct FemtoFile {
  int index = 0;        // k >= 1
  double time_s = 0.0;  // (k - 1) * 10 s after the first snapshot
  std::filesystem::path path;
};

// acc_NNNNN.csv files of `bearing_dir`, sorted by index. Other files are ignored. Error when the
// folder is missing or holds no snapshot at all.
Result<std::vector<FemtoFile>> list_femto_snapshots(const std::filesystem::path& bearing_dir);

// temp_NNNNN.csv files of `bearing_dir`, sorted by index; empty when there are none (optional data).
Result<std::vector<FemtoFile>> list_femto_temperatures(const std::filesystem::path& bearing_dir);

// One vibration snapshot: lines "hour,minute,second,microsecond,horizontal_g,vertical_g".
// Separator ',' or ';' (fixed by the first line; with ';' a decimal comma is accepted), LF or CRLF,
// the microsecond field may be in exponent form (1.6562e+005). Result: channels "horizontal" and
// "vertical" in g at 25.6 kHz; `name` is used in messages and as Recording::source.
Result<Recording> parse_femto_snapshot(std::string_view text, std::string_view name);
Result<Recording> read_femto_snapshot(const std::filesystem::path& path);

// One temperature file: lines "hour,minute,second,tenth,reading" (5 fields, same separators).
// Result: channel "temperature" (unit as stored; the dataset does not state it) at 10 Hz.
Result<Recording> parse_femto_temperature(std::string_view text, std::string_view name);
Result<Recording> read_femto_temperature(const std::filesystem::path& path);

// The three PRONOSTIA operating conditions (challenge PDF, table 1): a bearing named "BearingC_N" ran under
// condition C. The one table of them in the code.
struct PronostiaCondition {
  int number = 0;        // 1, 2, 3
  double speed_rpm = 0;  // 1800, 1650, 1500
  double load_n = 0;     // radial load: 4000, 4200, 5000 N
};
// The condition of a bearing named "BearingC_N" (C = 1, 2 or 3, then '_'), nullopt for any other name.
std::optional<PronostiaCondition> pronostia_condition(std::string_view bearing_name);

// A bearing folder found by find_femto_bearings.
struct FemtoBearing {
  std::string name;  // the folder's name ("Bearing1_1"), or "bearing" when it has none
  std::filesystem::path dir;
  std::optional<PronostiaCondition> condition;  // from the name
};

// The bearings under `dir`: `dir` itself when it holds acc_*.csv snapshots, else its Bearing* sub-folders
// sorted by name (a Learning_set-like folder). not_found when `dir` is missing or holds neither; io when it
// cannot be listed.
Result<std::vector<FemtoBearing>> find_femto_bearings(const std::filesystem::path& dir);

// The shaft speed of a bearing: `given_rpm` when set (finite, > 0, else invalid_argument), else its
// condition's; invalid_argument naming the folder when neither is known.
Result<double> femto_speed_rpm(const FemtoBearing& bearing, std::optional<double> given_rpm);

}  // namespace vigil::io
