#include "hub/store/series.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

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

struct Cutoffs {
  std::int64_t raw_ms = 0;        // raw values before this were deleted
  std::int64_t aggregate_ms = 0;  // fine aggregates before this were deleted
};

Result<Cutoffs> retention_cutoffs(Connection& c) {
  auto rows = c.query("SELECT level, cutoff_ms FROM retention", {});
  if (!rows) return std::unexpected(rows.error());
  Cutoffs out;
  for (const Row& r : *rows) (r.text(0) == "raw" ? out.raw_ms : out.aggregate_ms) = r.int64(1);
  return out;
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
  if (p.coarse_interval_ms <= p.interval_ms || p.coarse_interval_ms % p.interval_ms != 0)
    return fail(
        ErrorCode::invalid_argument,
        "coarse aggregate interval: {} ms, must be a multiple of the aggregate interval ({} ms) above it",
        p.coarse_interval_ms, p.interval_ms);
  return {};
}

Status insert_samples(Connection& c, const RetentionPolicy& policy, std::span<const Sample> samples,
                      bool live) {
  for (std::size_t i = 0; i < samples.size(); ++i)
    if (auto ok = check_sample(i, samples[i]); !ok) return ok;

  // Series are resolved in key order (a map), and so are the aggregates and latest values below: two
  // writers' transactions take their row locks in the same order and cannot deadlock on them.
  std::map<std::pair<std::int64_t, std::string_view>, std::int64_t> series;  // (asset, metric) → series
  for (const Sample& s : samples) series.try_emplace({s.asset_id, s.metric}, 0);
  // Every asset named must exist (one query), then the series are created or found, many per statement.
  std::vector<std::int64_t> assets;
  for (const auto& [key, id] : series)
    if (assets.empty() || assets.back() != key.first) assets.push_back(key.first);
  std::vector<Value> params;
  std::string sql;
  constexpr std::size_t k_keys_per_statement = 200;
  for (std::size_t first = 0; first < assets.size(); first += k_keys_per_statement) {
    const std::size_t n = std::min(k_keys_per_statement, assets.size() - first);
    sql = "SELECT id FROM assets WHERE id IN (";
    params.clear();
    for (std::size_t k = 0; k < n; ++k) {
      sql += fmt::format("{}?{}", k == 0 ? "" : ", ", k + 1);
      params.emplace_back(assets[first + k]);
    }
    sql += ")";
    auto rows = c.query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() != n) {
      std::set<std::int64_t> found;
      for (const Row& r : *rows) found.insert(r.int64(0));
      for (std::size_t k = 0; k < n; ++k)
        if (!found.count(assets[first + k]))
          return fail(ErrorCode::not_found, "samples: asset {} does not exist", assets[first + k]);
    }
  }
  // The no-op update makes RETURNING give the existing series' ids too.
  for (auto it = series.begin(); it != series.end();) {
    sql = "INSERT INTO metrics (asset_id, name) VALUES ";
    params.clear();
    for (std::size_t k = 0; k < k_keys_per_statement && it != series.end(); ++k, ++it) {
      sql += fmt::format("{}(?{}, ?{})", k == 0 ? "" : ", ", 2 * k + 1, 2 * k + 2);
      params.emplace_back(it->first.first);
      params.emplace_back(std::string(it->first.second));
    }
    sql += " ON CONFLICT (asset_id, name) DO UPDATE SET name = excluded.name RETURNING id, asset_id, name";
    auto rows = c.query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    for (const Row& r : *rows) series.at({r.int64(1), r.text(2)}) = r.int64(0);
  }
  std::vector<std::int64_t> series_of(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i)
    series_of[i] = series.at({samples[i].asset_id, samples[i].metric});

  // The values that were new (not already stored, not repeated earlier in the batch) come back from
  // RETURNING; only they are added to the aggregates, so a repeated value is counted once.
  std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> first_of;  // (series, time) → sample
  for (std::size_t i = 0; i < samples.size(); ++i) first_of.try_emplace({series_of[i], samples[i].ts_ms}, i);
  struct Aggregate {
    std::int64_t count = 0;
    double sum = 0.0, min = 0.0, max = 0.0;
  };
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, Aggregate>
      aggregates;  // series, interval, start
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
    sql += " ON CONFLICT (metric_id, ts_ms) DO NOTHING RETURNING metric_id, ts_ms";
    auto inserted = c.query(sql, params);
    if (!inserted) return std::unexpected(inserted.error());
    for (const Row& r : *inserted) {
      const Sample& s = samples[first_of.at({r.int64(0), r.int64(1)})];
      for (const std::int64_t interval_ms : {policy.interval_ms, policy.coarse_interval_ms}) {
        auto [it, created] =
            aggregates.try_emplace({r.int64(0), interval_ms, s.ts_ms / interval_ms * interval_ms});
        Aggregate& a = it->second;
        a.min = created ? s.value : std::min(a.min, s.value);
        a.max = created ? s.value : std::max(a.max, s.value);
        a.sum += s.value;
        ++a.count;
      }
    }
  }
  // Merged into the stored aggregates: counts and sums add, the extremes are the extremes of both. The keys
  // of one statement are distinct (a map), as PostgreSQL requires of ON CONFLICT DO UPDATE.
  constexpr std::size_t k_aggregates_per_upsert = 128;
  for (auto it = aggregates.begin(); it != aggregates.end();) {
    sql =
        "INSERT INTO rollups (metric_id, interval_ms, bucket_ms, value_count, value_sum, value_min, "
        "value_max) "
        "VALUES ";
    params.clear();
    for (std::size_t k = 0; k < k_aggregates_per_upsert && it != aggregates.end(); ++k, ++it) {
      sql += k == 0 ? "(" : ", (";
      for (int p = 1; p <= 7; ++p) sql += fmt::format("{}?{}", p == 1 ? "" : ", ", 7 * k + std::size_t(p));
      sql += ")";
      const auto& [key, a] = *it;
      params.insert(params.end(),
                    {std::get<0>(key), std::get<1>(key), std::get<2>(key), a.count, a.sum, a.min, a.max});
    }
    sql +=
        " ON CONFLICT (metric_id, interval_ms, bucket_ms) DO UPDATE SET"
        " value_count = rollups.value_count + excluded.value_count,"
        " value_sum = rollups.value_sum + excluded.value_sum,"
        " value_min = CASE WHEN excluded.value_min < rollups.value_min THEN excluded.value_min"
        " ELSE rollups.value_min END,"
        " value_max = CASE WHEN excluded.value_max > rollups.value_max THEN excluded.value_max"
        " ELSE rollups.value_max END";
    if (auto ok = c.query(sql, params); !ok) return std::unexpected(ok.error());
  }
  if (!live) return {};

  // The newest sample per series; of equal times the first, as in the series.
  std::map<std::int64_t, std::size_t> newest;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto [it, inserted] = newest.try_emplace(series_of[i], i);
    if (!inserted && samples[i].ts_ms > samples[it->second].ts_ms) it->second = i;
  }
  // Many series per statement; the keys of one statement are distinct (a map), as PostgreSQL requires.
  constexpr std::size_t k_latest_per_upsert = 200;
  for (auto it = newest.begin(); it != newest.end();) {
    sql = "INSERT INTO latest (metric_id, ts_ms, value) VALUES ";
    params.clear();
    for (std::size_t k = 0; k < k_latest_per_upsert && it != newest.end(); ++k, ++it) {
      sql += fmt::format("{}(?{}, ?{}, ?{})", k == 0 ? "" : ", ", 3 * k + 1, 3 * k + 2, 3 * k + 3);
      params.emplace_back(it->first);
      params.emplace_back(samples[it->second].ts_ms);
      params.emplace_back(samples[it->second].value);
    }
    sql +=
        " ON CONFLICT (metric_id) DO UPDATE SET ts_ms = excluded.ts_ms, value = excluded.value"
        " WHERE latest.ts_ms < excluded.ts_ms";
    if (auto ok = c.query(sql, params); !ok) return std::unexpected(ok.error());
  }
  return {};
}

Status Series::write_live(std::span<const Sample> samples) {
  auto tx = Transaction::begin(*c_);
  if (!tx) return std::unexpected(tx.error());
  if (auto ok = insert_samples(*c_, policy_, samples, true); !ok) return ok;
  return tx->commit();
}

Status Series::write_history(std::span<const Sample> samples) {
  auto tx = Transaction::begin(*c_);
  if (!tx) return std::unexpected(tx.error());
  if (auto ok = insert_samples(*c_, policy_, samples, false); !ok) return ok;
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

Result<std::vector<MetricValue>> Series::latest_values(std::int64_t asset_id) {
  if (auto ok = check_row_id("asset id", asset_id); !ok) return std::unexpected(ok.error());
  auto rows = c_->query(
      "SELECT m.name, l.ts_ms, l.value FROM latest l JOIN metrics m ON m.id = l.metric_id WHERE m.asset_id = "
      "?1 "
      "ORDER BY m.name",
      {asset_id});
  if (!rows) return std::unexpected(rows.error());
  std::vector<MetricValue> out;
  for (const Row& r : *rows) out.push_back({r.text(0), r.int64(1), r.real(2)});
  return out;
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
  auto cutoffs = retention_cutoffs(*c_);
  if (!cutoffs) return std::unexpected(cutoffs.error());
  // The level is the coarsest whose interval fits in a bucket. Below a level's cut-off (deleted by
  // retention) the next coarser level takes over: raw values in [raw_from, to), fine aggregates in
  // [fine_from, raw_from), coarse ones in [from, fine_from).
  const int level = width_ms >= policy_.coarse_interval_ms ? 2 : width_ms >= policy_.interval_ms ? 1 : 0;
  const std::int64_t fine_from = level <= 1 ? std::clamp(cutoffs->aggregate_ms, from_ms, to_ms) : to_ms;
  const std::int64_t raw_from = level == 0 ? std::clamp(cutoffs->raw_ms, fine_from, to_ms) : to_ms;
  // Grouped per bucket in the database: the rows that leave it are at most max_points, whatever the range.
  auto rows = c_->query(
      "SELECT b, min(lo), max(hi), sum(s), CAST(sum(n) AS BIGINT) FROM ("
      " SELECT (ts_ms - ?2) / ?3 AS b, value AS lo, value AS hi, value AS s, 1 AS n FROM samples"
      "  WHERE metric_id = ?1 AND ts_ms >= ?4 AND ts_ms < ?5"
      " UNION ALL"
      " SELECT (bucket_ms - ?2) / ?3, value_min, value_max, value_sum, value_count FROM rollups"
      "  WHERE metric_id = ?1 AND interval_ms = ?6 AND bucket_ms >= ?7 AND bucket_ms < ?4"
      " UNION ALL"
      " SELECT (bucket_ms - ?2) / ?3, value_min, value_max, value_sum, value_count FROM rollups"
      "  WHERE metric_id = ?1 AND interval_ms = ?8 AND bucket_ms >= ?2 AND bucket_ms < ?7"
      ") AS u GROUP BY b ORDER BY b",
      {**id, from_ms, width_ms, raw_from, to_ms, policy_.interval_ms, fine_from, policy_.coarse_interval_ms});
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
  const auto cut = [&](std::int64_t keep_ms, std::int64_t unit_ms) {
    return keep_ms > 0 && now_ms > keep_ms ? (now_ms - keep_ms) / unit_ms * unit_ms : 0;
  };
  auto stored = retention_cutoffs(*c_);
  if (!stored) return std::unexpected(stored.error());
  // The cut-offs are written first: a query running meanwhile already reads the aggregates for what is
  // about to be deleted. They never move back: what was deleted does not return.
  const std::int64_t raw_cutoff_ms = std::max(stored->raw_ms, cut(policy_.raw_ms, policy_.interval_ms));
  const std::int64_t aggregate_cutoff_ms =
      std::max(stored->aggregate_ms, cut(policy_.aggregate_ms, policy_.coarse_interval_ms));
  for (const auto& [level, cutoff_ms] :
       {std::pair{"raw", raw_cutoff_ms}, std::pair{"aggregate", aggregate_cutoff_ms}}) {
    auto rows = c_->query(
        "INSERT INTO retention (level, cutoff_ms) VALUES (?1, ?2) "
        "ON CONFLICT (level) DO UPDATE SET cutoff_ms = excluded.cutoff_ms",
        {std::string(level), cutoff_ms});
    if (!rows) return std::unexpected(rows.error());
  }

  MaintenanceReport report;
  auto metrics = c_->query("SELECT id FROM metrics ORDER BY id", {});
  if (!metrics) return std::unexpected(metrics.error());
  for (const Row& m : *metrics) {
    const std::int64_t id = m.int64(0);
    auto tx = Transaction::begin(*c_);
    if (!tx) return std::unexpected(tx.error());
    auto raw =
        c_->query("SELECT count(*) FROM samples WHERE metric_id = ?1 AND ts_ms < ?2", {id, raw_cutoff_ms});
    if (!raw) return std::unexpected(raw.error());
    auto fine =
        c_->query("SELECT count(*) FROM rollups WHERE metric_id = ?1 AND interval_ms = ?2 AND bucket_ms < ?3",
                  {id, policy_.interval_ms, aggregate_cutoff_ms});
    if (!fine) return std::unexpected(fine.error());
    if (auto ok = c_->query("DELETE FROM samples WHERE metric_id = ?1 AND ts_ms < ?2", {id, raw_cutoff_ms});
        !ok)
      return std::unexpected(ok.error());
    if (auto ok =
            c_->query("DELETE FROM rollups WHERE metric_id = ?1 AND interval_ms = ?2 AND bucket_ms < ?3",
                      {id, policy_.interval_ms, aggregate_cutoff_ms});
        !ok)
      return std::unexpected(ok.error());
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    report.raw_deleted += raw->front().int64(0);
    report.aggregates_deleted += fine->front().int64(0);
  }
  return report;
}

}  // namespace vigil::hub::store
