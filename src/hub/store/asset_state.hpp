// An asset's state that is not a number: the latest text value of each metric (alert level, fault class,
// NE 107 status, the decision's reason and action) and the evidence spectra an edge sends with a rise to
// warning or alarm (kept as a history, so a chart can show a waterfall). Numbers go to Series.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hub/store/connection.hpp"

namespace vigil::hub::store {

struct TextValue {
  std::int64_t asset_id = 0;
  std::string metric;      // e.g. "Alert/Level", 1..256 bytes
  std::int64_t ts_ms = 0;  // source time, Unix ms UTC, >= 0
  std::string value;       // UTF-8, at most k_max_state_text_bytes

  bool operator==(const TextValue&) const = default;
};

// One evidence spectrum, in the Sparkplug layout (docs/formats/sparkplug.md, "Evidence spectrum").
struct EvidenceItem {
  std::int64_t asset_id = 0;
  std::string metric;  // "Evidence/Spectrum" or "Evidence/Envelope spectrum"
  std::int64_t ts_ms = 0;
  std::vector<std::uint8_t> data;  // 1..k_max_evidence_bytes

  bool operator==(const EvidenceItem&) const = default;
};

inline constexpr std::size_t k_max_state_text_bytes = 65536;  // Evidence/Lines is JSON
inline constexpr std::size_t k_max_evidence_bytes = 32 + 2 * 8192 + 16 * 64;

class AssetState {
 public:
  explicit AssetState(Connection& connection) : c_(&connection) {}

  // In one transaction: per (asset, metric) the value becomes the latest unless a newer one is stored (the
  // first of equal times is kept). Every value is checked before anything is written.
  Status write_texts(std::span<const TextValue> values);
  // The latest text of every metric of the asset, by metric name.
  Result<std::vector<TextValue>> texts(std::int64_t asset_id);

  // Stores one spectrum; one already stored at the same (asset, metric, time) is kept. Inside the caller's
  // transaction when there is one.
  Status add_evidence(const EvidenceItem& item);
  // The newest spectra of `metric` with ts_ms < before_ms, newest first, at most `limit` (1..1000).
  Result<std::vector<EvidenceItem>> evidence(std::int64_t asset_id, std::string_view metric,
                                             std::int64_t before_ms, std::int64_t limit);
  // Deletes spectra older than cutoff_ms; how many.
  Result<std::int64_t> delete_evidence_before(std::int64_t cutoff_ms);

 private:
  Connection* c_;
};

// Writes the texts inside the caller's transaction (also used by the hub's ingest of one message).
Status upsert_texts(Connection& connection, std::span<const TextValue> values);

}  // namespace vigil::hub::store
