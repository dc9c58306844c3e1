#include "hub/store/series.hpp"

#include <map>
#include <set>

#include "hub/store/validate.hpp"

namespace vigil::hub::store {
namespace {

// Rows per INSERT: 3 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
constexpr std::size_t k_rows_per_insert = 256;

Result<std::optional<std::int64_t>> find_series(Connection& c, std::int64_t asset_id,
                                                std::string_view metric) {
  auto rows =
      c.query("SELECT id FROM metrics WHERE asset_id = ?1 AND name = ?2", {asset_id, std::string(metric)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return rows->front().int64(0);
}

Status check_sample(std::size_t index, const Sample& s) {
  const auto field = [&](std::string_view name) { return fmt::format("sample {}: {}", index, name); };
  if (auto ok = check_row_id(field("asset id"), s.asset_id); !ok) return ok;
  if (auto ok = check_id(field("metric"), s.metric); !ok) return ok;
  if (s.ts_ms < 0)
    return fail(ErrorCode::invalid_argument, "{}: {} is before 1970", field("timestamp ms"), s.ts_ms);
  return check_finite(field("value"), s.value);
}

}  // namespace

Status check(const RetentionPolicy& p) {
  if (p.raw_ms <= 0) return fail(ErrorCode::invalid_argument, "raw retention: {} ms, must be > 0", p.raw_ms);
  if (p.interval_ms <= 0 || p.interval_ms > p.raw_ms)
    return fail(ErrorCode::invalid_argument, "aggregate interval: {} ms, must be in 1..raw retention ({} ms)",
                p.interval_ms, p.raw_ms);
  if (p.aggregate_ms < 0 || (p.aggregate_ms > 0 && p.aggregate_ms < p.raw_ms))
    return fail(ErrorCode::invalid_argument,
                "aggregate retention: {} ms, must be 0 (for ever) or at least the raw retention ({} ms)",
                p.aggregate_ms, p.raw_ms);
  return {};
}

Status insert_samples(Connection& c, std::span<const Sample> samples, bool live) {
  for (std::size_t i = 0; i < samples.size(); ++i)
    if (auto ok = check_sample(i, samples[i]); !ok) return ok;

  std::set<std::int64_t> known_assets;
  std::map<std::pair<std::int64_t, std::string_view>, std::int64_t> series;
  std::vector<std::int64_t> series_of(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    auto [it, inserted] = series.try_emplace({s.asset_id, s.metric}, 0);
    if (inserted) {
      if (known_assets.insert(s.asset_id).second) {
        auto rows = c.query("SELECT 1 FROM assets WHERE id = ?1", {s.asset_id});
        if (!rows) return std::unexpected(rows.error());
        if (rows->empty())
          return fail(ErrorCode::not_found, "sample {}: asset {} does not exist", i, s.asset_id);
      }
      // The no-op update makes RETURNING give the existing series' id.
      auto rows = c.query(
          "INSERT INTO metrics (asset_id, name) VALUES (?1, ?2) ON CONFLICT (asset_id, name) DO UPDATE SET "
          "name = "
          "excluded.name RETURNING id",
          {s.asset_id, s.metric});
      if (!rows) return std::unexpected(rows.error());
      it->second = rows->front().int64(0);
    }
    series_of[i] = it->second;
  }

  std::vector<Value> params;
  std::string sql;
  for (std::size_t first = 0; first < samples.size(); first += k_rows_per_insert) {
    const std::size_t n = std::min(k_rows_per_insert, samples.size() - first);
    sql = "INSERT INTO samples (metric_id, ts_ms, value) VALUES ";
    params.clear();
    for (std::size_t k = 0; k < n; ++k) {
      sql += fmt::format("{}(?{}, ?{}, ?{})", k == 0 ? "" : ", ", 3 * k + 1, 3 * k + 2, 3 * k + 3);
      params.emplace_back(series_of[first + k]);
      params.emplace_back(samples[first + k].ts_ms);
      params.emplace_back(samples[first + k].value);
    }
    sql += " ON CONFLICT (metric_id, ts_ms) DO NOTHING";
    if (auto ok = c.query(sql, params); !ok) return std::unexpected(ok.error());
  }
  if (!live) return {};

  // The newest sample per series; of equal times the first, as in the series.
  std::map<std::int64_t, std::size_t> newest;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto [it, inserted] = newest.try_emplace(series_of[i], i);
    if (!inserted && samples[i].ts_ms > samples[it->second].ts_ms) it->second = i;
  }
  for (const auto& [metric_id, i] : newest) {
    auto rows = c.query(
        "INSERT INTO latest (metric_id, ts_ms, value) VALUES (?1, ?2, ?3) ON CONFLICT (metric_id) DO UPDATE "
        "SET "
        "ts_ms = excluded.ts_ms, value = excluded.value WHERE latest.ts_ms < excluded.ts_ms",
        {metric_id, samples[i].ts_ms, samples[i].value});
    if (!rows) return std::unexpected(rows.error());
  }
  return {};
}

Status Series::write_live(std::span<const Sample> samples) {
  auto tx = Transaction::begin(*c_);
  if (!tx) return std::unexpected(tx.error());
  if (auto ok = insert_samples(*c_, samples, true); !ok) return ok;
  return tx->commit();
}

Status Series::write_history(std::span<const Sample> samples) {
  auto tx = Transaction::begin(*c_);
  if (!tx) return std::unexpected(tx.error());
  if (auto ok = insert_samples(*c_, samples, false); !ok) return ok;
  return tx->commit();
}

Result<std::optional<LatestValue>> Series::latest(std::int64_t asset_id, std::string_view metric) {
  if (auto ok = check_row_id("asset id", asset_id); !ok) return std::unexpected(ok.error());
  if (auto ok = check_id("metric", metric); !ok) return std::unexpected(ok.error());
  auto rows = c_->query(
      "SELECT l.ts_ms, l.value FROM latest l JOIN metrics m ON m.id = l.metric_id WHERE m.asset_id = ?1 AND "
      "m.name = ?2",
      {asset_id, std::string(metric)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return LatestValue{rows->front().int64(0), rows->front().real(1)};
}

Result<std::vector<Bucket>> Series::query(std::int64_t asset_id, std::string_view metric,
                                          std::int64_t from_ms, std::int64_t to_ms, std::int64_t max_points) {
  if (auto ok = check_row_id("asset id", asset_id); !ok) return std::unexpected(ok.error());
  if (auto ok = check_id("metric", metric); !ok) return std::unexpected(ok.error());
  if (from_ms < 0 || to_ms <= from_ms)
    return fail(ErrorCode::invalid_argument, "time range: [{}, {}) ms is empty or before 1970", from_ms,
                to_ms);
  if (max_points < 1 || max_points > k_max_points)
    return fail(ErrorCode::invalid_argument, "max points: {} is outside 1..{}", max_points, k_max_points);
  auto id = find_series(*c_, asset_id, metric);
  if (!id) return std::unexpected(id.error());
  if (!*id) return std::vector<Bucket>{};
  const std::int64_t span_ms = to_ms - from_ms;  // > 0, no overflow: from_ms >= 0
  const std::int64_t width_ms = span_ms / max_points + (span_ms % max_points != 0 ? 1 : 0);
  // Raw values and aggregates side by side, grouped per bucket in the database: the rows that leave it are
  // at most max_points, whatever the range holds.
  auto rows = c_->query(
      "SELECT b, min(lo), max(hi), sum(s), CAST(sum(n) AS BIGINT) FROM ("
      " SELECT (ts_ms - ?2) / ?3 AS b, value AS lo, value AS hi, value AS s, 1 AS n FROM samples"
      "  WHERE metric_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?4"
      " UNION ALL"
      " SELECT (bucket_ms - ?2) / ?3, value_min, value_max, value_sum, value_count FROM rollups"
      "  WHERE metric_id = ?1 AND bucket_ms >= ?2 AND bucket_ms < ?4"
      ") AS u GROUP BY b ORDER BY b",
      {**id, from_ms, width_ms, to_ms});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Bucket> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) {
    const std::int64_t count = r.int64(4);
    out.push_back({from_ms + r.int64(0) * width_ms, r.real(1), r.real(2),
                   r.real(3) / static_cast<double>(count), count});
  }
  return out;
}

Result<MaintenanceReport> Series::maintain(std::int64_t now_ms) {
  MaintenanceReport report;
  const std::int64_t raw_cutoff_ms =
      now_ms > policy_.raw_ms ? (now_ms - policy_.raw_ms) / policy_.interval_ms * policy_.interval_ms : 0;
  auto metrics = c_->query("SELECT id FROM metrics ORDER BY id", {});
  if (!metrics) return std::unexpected(metrics.error());
  for (const Row& m : *metrics) {
    const std::int64_t id = m.int64(0);
    auto tx = Transaction::begin(*c_);
    if (!tx) return std::unexpected(tx.error());
    auto count =
        c_->query("SELECT count(*) FROM samples WHERE metric_id = ?1 AND ts_ms < ?2", {id, raw_cutoff_ms});
    if (!count) return std::unexpected(count.error());
    const std::int64_t n = count->front().int64(0);
    if (n == 0) continue;  // the transaction rolls back: nothing was written
    // An aggregate already there (values that arrived late, after their interval was folded) is merged:
    // counts and sums add, the extremes are the extremes of both.
    auto folded = c_->query(
        "INSERT INTO rollups (metric_id, bucket_ms, value_count, value_sum, value_min, value_max)"
        " SELECT metric_id, (ts_ms / ?3) * ?3, count(*), sum(value), min(value), max(value) FROM samples"
        "  WHERE metric_id = ?1 AND ts_ms < ?2 GROUP BY metric_id, (ts_ms / ?3) * ?3"
        " ON CONFLICT (metric_id, bucket_ms) DO UPDATE SET"
        "  value_count = rollups.value_count + excluded.value_count,"
        "  value_sum = rollups.value_sum + excluded.value_sum,"
        "  value_min = CASE WHEN excluded.value_min < rollups.value_min THEN excluded.value_min"
        "              ELSE rollups.value_min END,"
        "  value_max = CASE WHEN excluded.value_max > rollups.value_max THEN excluded.value_max"
        "              ELSE rollups.value_max END",
        {id, raw_cutoff_ms, policy_.interval_ms});
    if (!folded) return std::unexpected(folded.error());
    if (auto ok = c_->query("DELETE FROM samples WHERE metric_id = ?1 AND ts_ms < ?2", {id, raw_cutoff_ms});
        !ok)
      return std::unexpected(ok.error());
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    report.raw_aggregated += n;
  }
  if (policy_.aggregate_ms > 0 && now_ms > policy_.aggregate_ms) {
    const std::int64_t cutoff_ms = now_ms - policy_.aggregate_ms;
    auto tx = Transaction::begin(*c_);
    if (!tx) return std::unexpected(tx.error());
    auto count = c_->query("SELECT count(*) FROM rollups WHERE bucket_ms < ?1", {cutoff_ms});
    if (!count) return std::unexpected(count.error());
    if (auto ok = c_->query("DELETE FROM rollups WHERE bucket_ms < ?1", {cutoff_ms}); !ok)
      return std::unexpected(ok.error());
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    report.aggregates_deleted = count->front().int64(0);
  }
  return report;
}

}  // namespace vigil::hub::store
