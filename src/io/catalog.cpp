#include "io/catalog.hpp"

#include <array>
#include <cmath>

#include "io/csv_signal.hpp"
#include "io/femto.hpp"
#include "io/ims.hpp"
#include "io/mat_file.hpp"
#include "io/text_input.hpp"

namespace vigil::io {
namespace {

constexpr std::array<std::string_view, 6> k_required = {"path",    "sample_rate_hz", "channel",
                                                        "bearing", "fault",          "rpm"};
constexpr std::size_t k_max_columns = 256;

// Splits a line at ',' into trimmed fields (at most k_max_columns + 1, enough to report "too many").
std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::string_view rest = line;;) {
    const std::size_t pos = rest.find(',');
    fields.push_back(detail::trim(rest.substr(0, pos)));
    if (pos == std::string_view::npos || fields.size() > k_max_columns) break;
    rest.remove_prefix(pos + 1);
  }
  return fields;
}

}  // namespace

std::optional<std::string_view> CatalogEntry::extra(std::string_view key) const {
  for (const auto& [k, v] : extras) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

Result<Catalog> parse_catalog(std::string_view text, std::string_view name,
                              const std::filesystem::path& base_dir) {
  if (auto ok = detail::check_input_size(text.size(), name); !ok) return std::unexpected(ok.error());
  Catalog catalog;
  catalog.source = std::string(name);

  detail::LineReader lines(text);
  std::string_view line;
  std::vector<std::string> header;
  std::array<std::size_t, k_required.size()> column{};  // index of each required column
  while (lines.next(line)) {
    if (detail::trim(line).empty()) continue;
    const auto fields = split(line);
    if (header.empty()) {
      if (fields.size() > k_max_columns) {
        return fail(ErrorCode::parse, "{}: line {}: more than {} columns", name, lines.line_number(),
                    k_max_columns);
      }
      for (const auto f : fields) {
        if (f.empty()) {
          return fail(ErrorCode::parse, "{}: line {}: header has an empty column name", name,
                      lines.line_number());
        }
        for (const auto& h : header) {
          if (h == f) {
            return fail(ErrorCode::parse, "{}: line {}: header names column {} twice", name,
                        lines.line_number(), detail::quote_field(f));
          }
        }
        header.emplace_back(f);
      }
      for (std::size_t r = 0; r < k_required.size(); ++r) {
        std::size_t i = 0;
        while (i < header.size() && header[i] != k_required[r]) ++i;
        if (i == header.size()) {
          return fail(ErrorCode::parse,
                      "{}: line {}: header lacks column '{}' (needs path, sample_rate_hz, channel, bearing, "
                      "fault, rpm)",
                      name, lines.line_number(), k_required[r]);
        }
        column[r] = i;
      }
      continue;
    }
    const std::size_t n = lines.line_number();
    if (fields.size() != header.size()) {
      return fail(ErrorCode::parse, "{}: line {}: {}{} fields, header has {}", name, n,
                  fields.size() > k_max_columns ? "more than " : "", std::min(fields.size(), k_max_columns),
                  header.size());
    }
    const auto cell = [&](std::size_t r) { return fields[column[r]]; };
    const auto bad = [&](std::size_t r, std::string_view why) {
      return fail(ErrorCode::parse, "{}: line {}, column {}: {} {}", name, n, k_required[r], why,
                  detail::quote_field(cell(r)));
    };
    CatalogEntry e;
    e.line = n;
    if (cell(0).empty()) return bad(0, "empty path");
    e.path = base_dir / std::filesystem::path(std::string(cell(0)));

    const auto rate = detail::parse_number(cell(1));
    if (!rate) return bad(1, rate.error());
    if (!(*rate > 0.0)) return bad(1, "must be > 0:");
    e.sample_rate_hz = *rate;

    if (cell(2).empty()) return bad(2, "empty channel");
    e.channel = std::string(cell(2));
    if (cell(3).empty()) return bad(3, "empty bearing");
    e.bearing = std::string(cell(3));

    const auto fault = domain::parse_fault_type(cell(4));
    if (!fault) return bad(4, "not one of normal, inner_race, outer_race, ball, cage:");
    e.fault = *fault;

    if (!cell(5).empty()) {
      const auto rpm = detail::parse_number(cell(5));
      if (!rpm) return bad(5, rpm.error());
      if (!(*rpm > 0.0)) return bad(5, "must be > 0:");
      e.speed_rpm = *rpm;
    }
    for (std::size_t i = 0; i < header.size(); ++i) {
      bool required = false;
      for (const std::size_t c : column) required = required || c == i;
      if (!required) e.extras.emplace_back(header[i], std::string(fields[i]));
    }
    catalog.entries.push_back(std::move(e));
  }
  if (header.empty()) return fail(ErrorCode::parse, "{}: empty, expected a header line", name);
  return catalog;
}

Result<Catalog> read_catalog(const std::filesystem::path& path) {
  auto bytes = detail::read_input_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_catalog(*bytes, path.string(), path.parent_path());
}

Result<Recording> read_entry(const CatalogEntry& entry) {
  const std::string file = entry.path.filename().string();
  Result<Recording> rec = std::unexpected(Error{});
  if (entry.path.extension() == ".mat") {
    MatReadOptions options;
    options.sample_rate_hz = entry.sample_rate_hz;
    options.channels = {entry.channel};
    rec = read_cwru_mat(entry.path, options);
  } else if (file.starts_with("acc_") && entry.path.extension() == ".csv") {
    rec = read_femto_snapshot(entry.path);
  } else if (entry.path.extension() == ".csv") {
    rec = read_csv_signal(entry.path, entry.sample_rate_hz);
  } else if (parse_ims_time(file)) {
    auto snap = read_ims_snapshot(entry.path);
    if (snap) {
      rec = std::move(snap->recording);
    } else {
      rec = std::unexpected(snap.error());
    }
  } else {
    return fail(ErrorCode::unsupported,
                "{}: format not recognised from the name (.mat, acc_*.csv, .csv, "
                "IMS YYYY.MM.DD.hh.mm.ss)",
                entry.path.string());
  }
  if (!rec) return rec;
  // A file's own rate (FEMTO, IMS) must agree with the catalog; a MAT file has none of its own.
  if (std::fabs(rec->sample_rate_hz - entry.sample_rate_hz) > 1e-9 * entry.sample_rate_hz) {
    return fail(ErrorCode::invalid_argument, "{}: catalog line {} says {} Hz, the format says {} Hz",
                entry.path.string(), entry.line, entry.sample_rate_hz, rec->sample_rate_hz);
  }
  if (!rec->speed_rpm) rec->speed_rpm = entry.speed_rpm;
  if (rec->find_channel(entry.channel) == nullptr) {
    std::string have;
    for (const auto& c : rec->channels) have += (have.empty() ? "" : ", ") + c.name;
    return fail(ErrorCode::not_found, "{}: catalog line {} names channel {}, the file has {}",
                entry.path.string(), entry.line, entry.channel, have);
  }
  return rec;
}

}  // namespace vigil::io
