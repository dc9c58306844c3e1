// IMS (University of Cincinnati / NASA prognostics repository) bearing run-to-failure snapshots:
// one ASCII file per snapshot, named by its recording time, 20,480 rows of 4 or 8 accelerometer
// columns at 20 kHz. Feeds the parser tests and run-to-failure studies.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>

#include "core/error.hpp"
#include "io/recording.hpp"

namespace vigil::io {

inline constexpr double k_ims_sample_rate_hz = 20000.0;  // IMS readme: 20 kHz, 20,480 points

struct ImsSnapshot {
  Recording recording;                   // channels b1..b4 (4 columns) or b1x,b1y..b4y (8 columns)
  std::chrono::sys_seconds recorded_at;  // from the file name, as written (the readme gives no zone)
};

// The time in an IMS file name "YYYY.MM.DD.hh.mm.ss" (any folder part is ignored).
Result<std::chrono::sys_seconds> parse_ims_time(std::string_view file_name);

// Rows of 4 or 8 numbers separated by tabs (runs of spaces accepted); every row the same width.
// `name` is the file name or path (its last component carries the time), used in messages.
Result<ImsSnapshot> parse_ims_snapshot(std::string_view text, std::string_view name);
Result<ImsSnapshot> read_ims_snapshot(const std::filesystem::path& path);

}  // namespace vigil::io
