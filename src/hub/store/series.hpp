// Time series of metric values per (asset, metric): batched writes, the latest live value per metric kept
// apart from the series, a range query downsampled in the database to at most N buckets (min/max/mean per
// bucket, what a chart draws per pixel column), and retention: raw values for a configured period, then
// min/mean/max aggregates per interval. Aggregates are kept current at every write, at two levels (fine and
// coarse), so a query reads the coarsest level that still fills its buckets: a year at 2,000 points reads
// 8,760 hourly aggregates, not 31.5 million values. Policy and numbers: docs/hub-store.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hub/store/connection.hpp"

namespace vigil::hub::store {

struct Sample {
  std::int64_t asset_id = 0;
  std::string metric;      // e.g. "velocity_rms_mm_s", 1..256 bytes
  std::int64_t ts_ms = 0;  // source time, Unix ms UTC, >= 0
  double value = 0.0;      // finite
};

struct LatestValue {
  std::int64_t ts_ms = 0;
  double value = 0.0;
};

struct MetricValue {
  std::string metric;
  std::int64_t ts_ms = 0;
  double value = 0.0;

  bool operator==(const MetricValue&) const = default;
};

// The values with start_ms <= ts < start_ms + width_ms. An aggregate counts in the bucket its interval
// starts in.
struct Bucket {
  std::int64_t start_ms = 0;
  double min = 0.0, max = 0.0, mean = 0.0;
  std::int64_t count = 0;  // raw values behind the bucket
};

struct RetentionPolicy {
  std::int64_t raw_ms = 7LL * 24 * 3600 * 1000;         // raw values are kept this long
  std::int64_t interval_ms = 60'000;                    // fine aggregates: one per interval
  std::int64_t aggregate_ms = 90LL * 24 * 3600 * 1000;  // fine aggregates are kept this long; 0: for ever
  std::int64_t coarse_interval_ms = 3'600'000;          // coarse aggregates (a multiple), kept for ever
};
Status check(const RetentionPolicy& policy);

struct MaintenanceReport {
  std::int64_t raw_deleted = 0;         // raw values past raw_ms
  std::int64_t aggregates_deleted = 0;  // fine aggregates past aggregate_ms
};

class Series {
 public:
  inline static constexpr std::int64_t k_max_points = 100'000;

  Series(Connection& connection, const RetentionPolicy& policy) : c_(&connection), policy_(policy) {}

  // Live values, in one transaction: appended to the series and, per metric, the newest of the batch
  // becomes the latest value unless a newer one is already stored. A value at a (asset, metric, time)
  // already stored is kept (the first write wins) and counted once. Every sample is checked before
  // anything is written.
  Status write_live(std::span<const Sample> samples);
  // Values to append without touching the latest value (back-filled history), in one transaction.
  Status write_history(std::span<const Sample> samples);

  Result<std::optional<LatestValue>> latest(std::int64_t asset_id, std::string_view metric);
  // The latest live value of every metric of the asset, by metric name (a twin's current state).
  Result<std::vector<MetricValue>> latest_values(std::int64_t asset_id);

  // The values in [from_ms, to_ms) in at most max_points (1..k_max_points) buckets of equal width
  // ceil((to_ms - from_ms) / max_points) ms, oldest first; empty buckets are left out. Read from the
  // coarsest level whose interval is at most the width (raw values below the fine interval), and where
  // that level has been deleted by retention, from the next coarser one.
  Result<std::vector<Bucket>> query(std::int64_t asset_id, std::string_view metric, std::int64_t from_ms,
                                    std::int64_t to_ms, std::int64_t max_points);

  // Deletes raw values older than now_ms - raw_ms and fine aggregates older than now_ms - aggregate_ms
  // (whole intervals; the cut-offs never move back). One transaction per metric; safe to interrupt and to
  // run again.
  Result<MaintenanceReport> maintain(std::int64_t now_ms);

 private:
  Connection* c_;
  RetentionPolicy policy_;
};

// Appends samples inside the caller's transaction (also used by EdgeRecords): checks them all, resolves
// (asset, metric) to a series, inserts in multi-row statements, adds the values that were new to their
// fine and coarse aggregates, and with `live` updates the latest values.
Status insert_samples(Connection& connection, const RetentionPolicy& policy, std::span<const Sample> samples,
                      bool live);

}  // namespace vigil::hub::store
