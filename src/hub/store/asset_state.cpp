#include "hub/store/asset_state.hpp"

#include <map>

#include "core/base64.hpp"
#include "hub/store/validate.hpp"

namespace vigil::hub::store {
namespace {

Status check_value(std::size_t index, const TextValue& v) {
  const auto field = [&](std::string_view name) { return fmt::format("text value {}: {}", index, name); };
  if (auto ok = check_row_id(field("asset id"), v.asset_id); !ok) return ok;
  if (auto ok = check_id(field("metric"), v.metric); !ok) return ok;
  if (v.ts_ms < 0)
    return fail(ErrorCode::invalid_argument, "{}: {} is before 1970", field("timestamp ms"), v.ts_ms);
  return check_text(field("value"), v.value, k_max_state_text_bytes);
}

}  // namespace

Status upsert_texts(Connection& c, std::span<const TextValue> values) {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (auto ok = check_value(i, values[i]); !ok) return ok;
  // The newest value per (asset, metric), the first of equal times: the keys of one statement are then
  // distinct, as PostgreSQL requires of ON CONFLICT DO UPDATE.
  std::map<std::pair<std::int64_t, std::string_view>, const TextValue*> newest;
  for (const TextValue& v : values) {
    auto [it, inserted] = newest.try_emplace({v.asset_id, v.metric}, &v);
    if (!inserted && v.ts_ms > it->second->ts_ms) it->second = &v;
  }
  constexpr std::size_t k_rows_per_upsert = 200;
  std::vector<Value> params;
  std::string sql;
  for (auto it = newest.begin(); it != newest.end();) {
    sql = "INSERT INTO latest_text (asset_id, name, ts_ms, value) VALUES ";
    params.clear();
    for (std::size_t k = 0; k < k_rows_per_upsert && it != newest.end(); ++k, ++it) {
      sql += fmt::format("{}(?{}, ?{}, ?{}, ?{})", k == 0 ? "" : ", ", 4 * k + 1, 4 * k + 2, 4 * k + 3,
                         4 * k + 4);
      const TextValue& v = *it->second;
      params.insert(params.end(), {v.asset_id, v.metric, v.ts_ms, v.value});
    }
    sql +=
        " ON CONFLICT (asset_id, name) DO UPDATE SET ts_ms = excluded.ts_ms, value = excluded.value"
        " WHERE latest_text.ts_ms < excluded.ts_ms";
    if (auto ok = c.query(sql, params); !ok) return std::unexpected(ok.error());
  }
  return {};
}

Status AssetState::write_texts(std::span<const TextValue> values) {
  auto tx = Transaction::begin(*c_);
  if (!tx) return std::unexpected(tx.error());
  if (auto ok = upsert_texts(*c_, values); !ok) return ok;
  return tx->commit();
}

Result<std::vector<TextValue>> AssetState::texts(std::int64_t asset_id) {
  if (auto ok = check_row_id("asset id", asset_id); !ok) return std::unexpected(ok.error());
  auto rows =
      c_->query("SELECT name, ts_ms, value FROM latest_text WHERE asset_id = ?1 ORDER BY name", {asset_id});
  if (!rows) return std::unexpected(rows.error());
  std::vector<TextValue> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.push_back({asset_id, r.text(0), r.int64(1), r.text(2)});
  return out;
}

Status AssetState::add_evidence(const EvidenceItem& item) {
  if (auto ok = check_row_id("evidence: asset id", item.asset_id); !ok) return ok;
  if (auto ok = check_id("evidence: metric", item.metric); !ok) return ok;
  if (item.ts_ms < 0)
    return fail(ErrorCode::invalid_argument, "evidence: timestamp ms: {} is before 1970", item.ts_ms);
  if (item.data.empty() || item.data.size() > k_max_evidence_bytes)
    return fail(ErrorCode::invalid_argument, "evidence: {} bytes, must be 1..{}", item.data.size(),
                k_max_evidence_bytes);
  auto rows = c_->query(
      "INSERT INTO evidence (asset_id, name, ts_ms, data) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (asset_id, name, ts_ms) DO NOTHING",
      {item.asset_id, item.metric, item.ts_ms, base64_encode(item.data)});
  if (!rows) return std::unexpected(rows.error());
  return {};
}

Result<std::vector<EvidenceItem>> AssetState::evidence(std::int64_t asset_id, std::string_view metric,
                                                       std::int64_t before_ms, std::int64_t limit) {
  if (auto ok = check_row_id("asset id", asset_id); !ok) return std::unexpected(ok.error());
  if (auto ok = check_id("metric", metric); !ok) return std::unexpected(ok.error());
  if (limit < 1 || limit > 1000)
    return fail(ErrorCode::invalid_argument, "limit: {} is outside 1..1000", limit);
  auto rows = c_->query(
      "SELECT ts_ms, data FROM evidence WHERE asset_id = ?1 AND name = ?2 AND ts_ms < ?3 "
      "ORDER BY ts_ms DESC LIMIT ?4",
      {asset_id, std::string(metric), before_ms, limit});
  if (!rows) return std::unexpected(rows.error());
  std::vector<EvidenceItem> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) {
    auto data = base64_decode(r.text(1));
    if (!data)
      return fail(ErrorCode::parse, "{}: evidence of asset {} at {} ms: {}", c_->name(), asset_id, r.int64(0),
                  data.error().message);
    out.push_back({asset_id, std::string(metric), r.int64(0), std::move(*data)});
  }
  return out;
}

Result<std::int64_t> AssetState::delete_evidence_before(std::int64_t cutoff_ms) {
  auto n = c_->query("SELECT count(*) FROM evidence WHERE ts_ms < ?1", {cutoff_ms});
  if (!n) return std::unexpected(n.error());
  if (auto ok = c_->query("DELETE FROM evidence WHERE ts_ms < ?1", {cutoff_ms}); !ok)
    return std::unexpected(ok.error());
  return n->front().int64(0);
}

}  // namespace vigil::hub::store
