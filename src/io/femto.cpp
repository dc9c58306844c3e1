#include "io/femto.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

#include "io/text_input.hpp"

namespace vigil::io {
namespace {

// "acc_00016.csv" with prefix "acc_" -> 16; anything else -> 0 (not a snapshot file).
int file_index(std::string_view file_name, std::string_view prefix) {
  constexpr std::string_view ext = ".csv";
  if (file_name.size() <= prefix.size() + ext.size() || !file_name.starts_with(prefix) ||
      !file_name.ends_with(ext)) {
    return 0;
  }
  const std::string_view digits =
      file_name.substr(prefix.size(), file_name.size() - prefix.size() - ext.size());
  if (digits.size() > 9) return 0;
  int index = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (ec != std::errc() || end != digits.data() + digits.size() || index < 1) return 0;
  return index;
}

Result<std::vector<FemtoFile>> list_files(const std::filesystem::path& dir, std::string_view prefix) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorCode::not_found, "{}: no such folder", dir.string());
  }
  std::vector<FemtoFile> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const int index = file_index(it->path().filename().string(), prefix);
    std::error_code file_ec;
    if (index == 0 || !it->is_regular_file(file_ec)) continue;
    files.push_back({index, (index - 1) * k_femto_snapshot_period_s, it->path()});
  }
  if (ec) return fail(ErrorCode::io, "{}: cannot list: {}", dir.string(), ec.message());
  std::sort(files.begin(), files.end(),
            [](const FemtoFile& a, const FemtoFile& b) { return a.index < b.index; });
  // acc_16.csv and acc_00016.csv would both claim index 16.
  for (std::size_t i = 1; i < files.size(); ++i) {
    if (files[i].index == files[i - 1].index) {
      return fail(ErrorCode::parse, "{}: files {} and {} both have index {}", dir.string(),
                  files[i - 1].path.filename().string(), files[i].path.filename().string(), files[i].index);
    }
  }
  return files;
}

constexpr std::array<std::string_view, 6> k_acc_fields = {"hour",        "minute",       "second",
                                                          "microsecond", "horizontal_g", "vertical_g"};
constexpr std::array<std::string_view, 5> k_temp_fields = {"hour", "minute", "second", "tenth", "reading"};

// Shared by both file kinds: the first `clock_fields` fields are clock values (checked to be
// numbers, not returned), the remaining ones are one channel each.
template <std::size_t N>
Result<Recording> parse_rows(std::string_view text, std::string_view name,
                             const std::array<std::string_view, N>& field_names, std::size_t clock_fields,
                             std::vector<std::string> channel_names, double sample_rate_hz) {
  if (auto ok = detail::check_input_size(text.size(), name); !ok) return std::unexpected(ok.error());
  Recording rec;
  rec.source = std::string(name);
  rec.sample_rate_hz = sample_rate_hz;
  for (auto& n : channel_names) rec.channels.push_back({std::move(n), {}});
  // A FEMTO line is ~30 bytes; reserving from the size avoids regrowth without trusting it blindly.
  for (auto& c : rec.channels) c.samples.reserve(text.size() / 24 + 1);

  detail::LineReader lines(text);
  std::string_view line;
  char sep = 0;
  std::string buffer;  // only used for ';'-separated lines with decimal commas
  std::array<std::string_view, N> fields{};
  while (lines.next(line)) {
    if (detail::trim(line).empty()) continue;
    if (sep == 0) sep = line.find(';') != std::string_view::npos ? ';' : ',';
    std::string_view rest = line;
    if (sep == ';' && line.find(',') != std::string_view::npos) {
      buffer.assign(line);
      std::replace(buffer.begin(), buffer.end(), ',', '.');
      rest = buffer;
    }
    std::size_t count = 0;
    while (true) {
      const std::size_t pos = rest.find(sep);
      if (count < N) fields[count] = rest.substr(0, pos);
      ++count;
      if (pos == std::string_view::npos) break;
      rest.remove_prefix(pos + 1);
    }
    if (count != N) {
      return fail(ErrorCode::parse, "{}: line {}: {} fields separated by '{}', expected {}", name,
                  lines.line_number(), count, sep, N);
    }
    for (std::size_t i = 0; i < N; ++i) {
      if (i < clock_fields) {
        if (auto v = detail::parse_number(fields[i]); !v) {
          return fail(ErrorCode::parse, "{}: line {}: field {} ({}): {} {}", name, lines.line_number(), i + 1,
                      field_names[i], v.error(), detail::quote_field(fields[i]));
        }
        continue;
      }
      const auto v = detail::parse_sample(fields[i]);
      if (!v) {
        return fail(ErrorCode::parse, "{}: line {}: field {} ({}): {} {}", name, lines.line_number(), i + 1,
                    field_names[i], v.error(), detail::quote_field(fields[i]));
      }
      rec.channels[i - clock_fields].samples.push_back(*v);
    }
  }
  if (rec.sample_count() == 0) return fail(ErrorCode::parse, "{}: no data lines", name);
  return rec;
}

}  // namespace

Result<std::vector<FemtoFile>> list_femto_snapshots(const std::filesystem::path& bearing_dir) {
  auto files = list_files(bearing_dir, "acc_");
  if (files && files->empty()) {
    return fail(ErrorCode::not_found, "{}: no acc_NNNNN.csv snapshot files", bearing_dir.string());
  }
  return files;
}

Result<std::vector<FemtoFile>> list_femto_temperatures(const std::filesystem::path& bearing_dir) {
  return list_files(bearing_dir, "temp_");
}

Result<Recording> parse_femto_snapshot(std::string_view text, std::string_view name) {
  return parse_rows(text, name, k_acc_fields, 4, {"horizontal", "vertical"}, k_femto_sample_rate_hz);
}

Result<Recording> read_femto_snapshot(const std::filesystem::path& path) {
  auto bytes = detail::read_input_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_femto_snapshot(*bytes, path.string());
}

Result<Recording> parse_femto_temperature(std::string_view text, std::string_view name) {
  return parse_rows(text, name, k_temp_fields, 4, {"temperature"}, k_femto_temperature_rate_hz);
}

Result<Recording> read_femto_temperature(const std::filesystem::path& path) {
  auto bytes = detail::read_input_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_femto_temperature(*bytes, path.string());
}

std::optional<PronostiaCondition> pronostia_condition(std::string_view name) {
  static constexpr PronostiaCondition k_conditions[] = {{1, 1800, 4000}, {2, 1650, 4200}, {3, 1500, 5000}};
  constexpr std::string_view prefix = "Bearing";
  if (name.size() < prefix.size() + 3 || !name.starts_with(prefix)) return std::nullopt;
  const char c = name[prefix.size()];
  if (c < '1' || c > '3' || name[prefix.size() + 1] != '_') return std::nullopt;
  return k_conditions[c - '1'];
}

namespace {

std::string folder_name(const std::filesystem::path& dir) {
  std::error_code ec;
  const std::filesystem::path full = std::filesystem::absolute(dir, ec).lexically_normal();
  std::string name = full.filename().string();  // "Bearing1_1/", ".", "../x" name a folder too
  if (name.empty()) name = full.parent_path().filename().string();
  return name.empty() ? std::string("bearing") : name;
}

FemtoBearing bearing_at(const std::filesystem::path& dir) {
  FemtoBearing b;
  b.dir = dir;
  b.name = folder_name(dir);
  b.condition = pronostia_condition(b.name);
  return b;
}

}  // namespace

Result<std::vector<FemtoBearing>> find_femto_bearings(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fail(ErrorCode::not_found, "{}: no such folder", dir.string());
  std::vector<FemtoBearing> out;
  std::vector<fs::path> subdirs;
  bool snapshots = false;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string f = it->path().filename().string();
    std::error_code entry_ec;
    if (it->is_directory(entry_ec)) {
      if (f.starts_with("Bearing")) subdirs.push_back(it->path());
    } else if (f.starts_with("acc_") && f.ends_with(".csv")) {
      snapshots = true;
    }
  }
  if (ec) return fail(ErrorCode::io, "{}: cannot list: {}", dir.string(), ec.message());
  if (snapshots) {
    out.push_back(bearing_at(dir));
    return out;
  }
  if (subdirs.empty()) {
    return fail(ErrorCode::not_found, "{}: no acc_NNNNN.csv snapshots and no Bearing* folders (FEMTO layout)",
                dir.string());
  }
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& d : subdirs) out.push_back(bearing_at(d));
  return out;
}

Result<double> femto_speed_rpm(const FemtoBearing& bearing, std::optional<double> given_rpm) {
  if (given_rpm) {
    if (!(std::isfinite(*given_rpm) && *given_rpm > 0)) {
      return fail(ErrorCode::invalid_argument, "speed {} rpm: must be a positive speed", *given_rpm);
    }
    return *given_rpm;
  }
  if (bearing.condition) return bearing.condition->speed_rpm;
  return fail(
      ErrorCode::invalid_argument,
      "{}: cannot tell the operating condition from the name (expected BearingC_N with C = 1, 2 or 3); "
      "give the speed",
      bearing.dir.string());
}

}  // namespace vigil::io
