#include "io/csv_signal.hpp"

#include <cmath>
#include <string>

#include "io/text_input.hpp"

namespace vigil::io {

Result<Recording> parse_csv_signal(std::string_view text, std::string_view name, double sample_rate_hz) {
  if (auto ok = detail::check_input_size(text.size(), name); !ok) return std::unexpected(ok.error());
  if (!(sample_rate_hz >= 0.0) || !std::isfinite(sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "{}: sample rate {} Hz, expected a finite value >= 0", name,
                sample_rate_hz);
  }
  Recording rec;
  rec.source = std::string(name);
  rec.channels.push_back({"signal", {}});
  std::vector<float>& samples = rec.channels.front().samples;
  samples.reserve(text.size() / 8 + 1);

  char sep = 0;           // fixed by the first non-blank line; '\0' = one column so far
  std::size_t width = 0;  // 1 or 2, fixed by the first data line
  bool seen_header = false;
  double first_time_s = 0.0;
  double last_time_s = 0.0;
  detail::LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    if (detail::trim(line).empty()) continue;
    if (sep == 0) {
      for (const char c : {',', ';', '\t'}) {
        if (line.find(c) != std::string_view::npos) {
          sep = c;
          break;
        }
      }
    }
    std::string_view fields[2];
    std::size_t count = 0;
    for (std::string_view rest = line;;) {
      const std::size_t pos = sep == 0 ? std::string_view::npos : rest.find(sep);
      if (count < 2) fields[count] = detail::trim(rest.substr(0, pos));
      ++count;
      if (pos == std::string_view::npos) break;
      rest.remove_prefix(pos + 1);
    }
    if (count > 2) {
      return fail(ErrorCode::parse, "{}: line {}: {} fields, expected 1 (value) or 2 (time,value)", name,
                  lines.line_number(), count);
    }
    const auto value = detail::parse_sample(fields[count - 1]);
    const auto time =
        count == 2 ? detail::parse_number(fields[0]) : std::expected<double, std::string_view>(0.0);
    if (width == 0 && !seen_header && (!value || !time)) {
      seen_header = true;  // the first line is not numeric: a header
      if (!fields[count - 1].empty()) rec.channels.front().name = std::string(fields[count - 1]);
      continue;
    }
    if (width == 0) width = count;
    if (count != width) {
      return fail(ErrorCode::parse, "{}: line {}: {} fields, earlier lines have {}", name,
                  lines.line_number(), count, width);
    }
    if (!time) {
      return fail(ErrorCode::parse, "{}: line {}: field 1 (time_s): {} {}", name, lines.line_number(),
                  time.error(), detail::quote_field(fields[0]));
    }
    if (!value) {
      return fail(ErrorCode::parse, "{}: line {}: field {} (value): {} {}", name, lines.line_number(), count,
                  value.error(), detail::quote_field(fields[count - 1]));
    }
    if (width == 2) {
      if (!samples.empty() && !(*time > last_time_s)) {
        return fail(ErrorCode::parse, "{}: line {}: time {} s does not increase (previous {} s)", name,
                    lines.line_number(), *time, last_time_s);
      }
      if (samples.empty()) first_time_s = *time;
      last_time_s = *time;
    }
    samples.push_back(*value);
  }
  if (samples.empty()) return fail(ErrorCode::parse, "{}: no data lines", name);

  if (width == 2 && samples.size() >= 2) {
    // Mean spacing over the whole record: rounding of printed times does not accumulate.
    const double from_time_hz = static_cast<double>(samples.size() - 1) / (last_time_s - first_time_s);
    if (sample_rate_hz == 0.0) {
      sample_rate_hz = from_time_hz;
    } else if (std::fabs(from_time_hz - sample_rate_hz) > 0.01 * sample_rate_hz) {
      return fail(
          ErrorCode::invalid_argument,
          "{}: time column gives {:.6g} Hz but the sample rate given is {:.6g} Hz (more than 1 % apart)",
          name, from_time_hz, sample_rate_hz);
    }
  }
  if (sample_rate_hz == 0.0 || !std::isfinite(sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument,
                "{}: sample rate unknown: give it, or provide a time column with at least two rows", name);
  }
  rec.sample_rate_hz = sample_rate_hz;
  return rec;
}

Result<Recording> read_csv_signal(const std::filesystem::path& path, double sample_rate_hz) {
  auto bytes = detail::read_input_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_csv_signal(*bytes, path.string(), sample_rate_hz);
}

}  // namespace vigil::io
