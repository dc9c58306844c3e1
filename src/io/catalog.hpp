// A dataset catalog: a CSV listing recordings with what is known about each (sample rate, channel,
// bearing, fault label, speed). Evaluation and training read labelled data through it; see
// ../shared/data/cwru/catalog.csv for an example.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "domain/fault_type.hpp"
#include "io/recording.hpp"

namespace vigil::io {

struct CatalogEntry {
  std::filesystem::path path;   // resolved against the catalog's folder
  double sample_rate_hz = 0.0;  // > 0
  std::string channel;          // channel to analyse, e.g. "DE"
  std::string bearing;          // bearing designation, e.g. "6205-2RS"
  domain::FaultType fault = domain::FaultType::normal;
  std::optional<double> speed_rpm;                          // > 0; empty cell = unknown
  std::vector<std::pair<std::string, std::string>> extras;  // other columns in file order
  std::size_t line = 0;                                     // line in the catalog, for messages

  // The value of extra column `key` ("load_hp"), or nullopt when the catalog has no such column.
  std::optional<std::string_view> extra(std::string_view key) const;
};

struct Catalog {
  std::string source;  // catalog file name, for messages
  std::vector<CatalogEntry> entries;
};

// Header line required, naming at least path, sample_rate_hz, channel, bearing, fault, rpm in any
// order; other columns are kept as extras. Separator ','; LF or CRLF; no quoting; blank lines are
// skipped. `base_dir` is where relative paths point (the catalog's folder).
Result<Catalog> parse_catalog(std::string_view text, std::string_view name,
                              const std::filesystem::path& base_dir);
Result<Catalog> read_catalog(const std::filesystem::path& path);

// The recording an entry points at, read by its format (.mat: CWRU layout, acc_*.csv: FEMTO,
// other .csv: single-channel CSV, IMS time-stamped name: IMS), with the catalog's sample rate and,
// when the file states none, the catalog's speed. Error when the entry's channel is not in it.
Result<Recording> read_entry(const CatalogEntry& entry);

}  // namespace vigil::io
