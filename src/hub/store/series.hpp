// Time series of metric values per (asset, metric): batched writes, the latest live value per metric kept
// apart from the series, a range query downsampled in the database to at most N buckets (min/max/mean per
// bucket, what a chart draws per pixel column), and maintenance that keeps raw values for a configured
// period and min/mean/max aggregates per interval after that. Policy and numbers: docs/hub-store.md.
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

// The values with from_ms + i * width_ms <= ts < from_ms + (i + 1) * width_ms. An aggregate (older than the
// raw retention) counts in the bucket its interval starts in.
struct Bucket {
  std::int64_t start_ms = 0;
  double min = 0.0, max = 0.0, mean = 0.0;
  std::int64_t count = 0;  // raw values behind the bucket
};

struct RetentionPolicy {
  std::int64_t raw_ms = 7LL * 24 * 3600 * 1000;  // raw values younger than this stay raw
  std::int64_t interval_ms = 60'000;             // then one min/mean/max aggregate per interval
  std::int64_t aggregate_ms = 0;                 // aggregates older than this are deleted; 0: kept for ever
};
Status check(const RetentionPolicy& policy);

struct MaintenanceReport {
  std::int64_t raw_aggregated = 0;      // raw values folded into aggregates and deleted
  std::int64_t aggregates_deleted = 0;  // aggregates past aggregate_ms
};

class Series {
 public:
  inline static constexpr std::int64_t k_max_points = 100'000;

  Series(Connection& connection, const RetentionPolicy& policy) : c_(&connection), policy_(policy) {}

  // Live values, in one transaction: appended to the series and, per metric, the newest of the batch
  // becomes the latest value unless a newer one is already stored. A value at a (asset, metric, time)
  // already stored is kept (the first write wins). Every sample is checked before anything is written.
  Status write_live(std::span<const Sample> samples);
  // Values to append without touching the latest value (back-filled history), in one transaction.
  Status write_history(std::span<const Sample> samples);

  Result<std::optional<LatestValue>> latest(std::int64_t asset_id, std::string_view metric);

  // The values in [from_ms, to_ms) in at most max_points (1..k_max_points) buckets of equal width
  // ceil((to_ms - from_ms) / max_points) ms, oldest first; empty buckets are left out.
  Result<std::vector<Bucket>> query(std::int64_t asset_id, std::string_view metric, std::int64_t from_ms,
                                    std::int64_t to_ms, std::int64_t max_points);

  // Folds raw values older than now_ms - raw_ms (whole intervals only) into their interval's aggregate,
  // merging with one already there, and deletes aggregates older than now_ms - aggregate_ms. One
  // transaction per metric; safe to interrupt and to run again.
  Result<MaintenanceReport> maintain(std::int64_t now_ms);

 private:
  Connection* c_;
  RetentionPolicy policy_;
};

// Appends samples inside the caller's transaction (also used by EdgeRecords): checks them all, resolves
// (asset, metric) to a series, inserts in multi-row statements, and with `live` updates the latest values.
Status insert_samples(Connection& connection, std::span<const Sample> samples, bool live);

}  // namespace vigil::hub::store
