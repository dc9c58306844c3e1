// A single-channel signal in plain CSV, the lowest common denominator for exporting from a DAQ
// tool or a spreadsheet: one value per line, or "time,value" pairs, with an optional header line.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/error.hpp"
#include "io/recording.hpp"

namespace vigil::io {

// Accepted forms (separator ',', ';' or tab; LF or CRLF; blank lines ignored):
//   value            one column
//   time_s,value     two columns; time strictly increasing, in seconds
// An optional first line that is not numeric is a header; its last field names the channel
// (default "signal").
// sample_rate_hz: > 0 is the rate; with a time column it must agree with the mean spacing
// (t_last - t_first)/(n - 1) within 1 % (time printed with few decimals still passes, a wrong
// rate does not). 0 means "take it from the time column" and is an error for one-column files.
Result<Recording> parse_csv_signal(std::string_view text, std::string_view name, double sample_rate_hz);
Result<Recording> read_csv_signal(const std::filesystem::path& path, double sample_rate_hz);

}  // namespace vigil::io
