#include "io/ims.hpp"

#include <array>
#include <string>

#include "io/text_input.hpp"

namespace vigil::io {

Result<std::chrono::sys_seconds> parse_ims_time(std::string_view file_name) {
  if (const std::size_t slash = file_name.find_last_of('/'); slash != std::string_view::npos) {
    file_name.remove_prefix(slash + 1);
  }
  // "YYYY.MM.DD.hh.mm.ss": 19 characters, dots at fixed places, digits elsewhere.
  constexpr std::string_view pattern = "dddd.dd.dd.dd.dd.dd";
  bool shape_ok = file_name.size() == pattern.size();
  for (std::size_t i = 0; shape_ok && i < pattern.size(); ++i) {
    const char c = file_name[i];
    shape_ok = pattern[i] == '.' ? c == '.' : (c >= '0' && c <= '9');
  }
  if (!shape_ok) {
    return fail(ErrorCode::parse, "{}: file name is not an IMS time YYYY.MM.DD.hh.mm.ss",
                detail::quote_field(file_name, 60));
  }
  const auto number = [&](std::size_t pos, std::size_t width) {
    int v = 0;
    for (std::size_t i = pos; i < pos + width; ++i) v = v * 10 + (file_name[i] - '0');
    return v;
  };
  using namespace std::chrono;
  const year_month_day date{year{number(0, 4)}, month{static_cast<unsigned>(number(5, 2))},
                            day{static_cast<unsigned>(number(8, 2))}};
  const int h = number(11, 2), m = number(14, 2), s = number(17, 2);
  if (!date.ok() || h > 23 || m > 59 || s > 59) {
    return fail(ErrorCode::parse, "{}: not a valid date and time", detail::quote_field(file_name, 60));
  }
  return sys_days{date} + hours{h} + minutes{m} + seconds{s};
}

Result<ImsSnapshot> parse_ims_snapshot(std::string_view text, std::string_view name) {
  if (auto ok = detail::check_input_size(text.size(), name); !ok) return std::unexpected(ok.error());
  auto time = parse_ims_time(name);
  if (!time) return std::unexpected(time.error());

  ImsSnapshot snap;
  snap.recorded_at = *time;
  snap.recording.source = std::string(name);
  snap.recording.sample_rate_hz = k_ims_sample_rate_hz;

  constexpr std::size_t k_max_columns = 8;
  std::array<float, k_max_columns> row{};
  std::size_t width = 0;  // fixed by the first data row
  detail::LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    std::size_t count = 0;
    std::size_t pos = 0;
    while (true) {
      while (pos < line.size() && (line[pos] == '\t' || line[pos] == ' ')) ++pos;
      if (pos == line.size()) break;
      std::size_t end = pos;
      while (end < line.size() && line[end] != '\t' && line[end] != ' ') ++end;
      const std::string_view field = line.substr(pos, end - pos);
      ++count;
      if (count > k_max_columns) {
        return fail(ErrorCode::parse, "{}: line {}: more than {} columns", name, lines.line_number(),
                    k_max_columns);
      }
      const auto value = detail::parse_sample(field);
      if (!value) {
        return fail(ErrorCode::parse, "{}: line {}: column {}: {} {}", name, lines.line_number(), count,
                    value.error(), detail::quote_field(field));
      }
      row[count - 1] = *value;
      pos = end;
    }
    if (count == 0) continue;  // blank line
    if (width == 0) {
      if (count != 4 && count != 8) {
        return fail(ErrorCode::parse, "{}: line {}: {} columns, expected 4 (2nd/3rd test) or 8 (1st test)",
                    name, lines.line_number(), count);
      }
      width = count;
      auto& channels = snap.recording.channels;
      for (std::size_t b = 1; b <= 4; ++b) {
        if (width == 4) {
          channels.push_back({fmt::format("b{}", b), {}});
        } else {
          channels.push_back({fmt::format("b{}x", b), {}});
          channels.push_back({fmt::format("b{}y", b), {}});
        }
      }
      // An IMS line is ~7 bytes per column.
      for (auto& c : channels) c.samples.reserve(text.size() / (7 * width) + 1);
    } else if (count != width) {
      return fail(ErrorCode::parse, "{}: line {}: {} columns, earlier lines have {}", name,
                  lines.line_number(), count, width);
    }
    for (std::size_t i = 0; i < width; ++i) snap.recording.channels[i].samples.push_back(row[i]);
  }
  if (width == 0) return fail(ErrorCode::parse, "{}: no data lines", name);
  return snap;
}

Result<ImsSnapshot> read_ims_snapshot(const std::filesystem::path& path) {
  auto bytes = detail::read_input_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  // The time comes from the last component of the path; messages carry the whole path.
  return parse_ims_snapshot(*bytes, path.string());
}

}  // namespace vigil::io
