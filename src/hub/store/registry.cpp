#include "hub/store/registry.hpp"

#include "hub/store/validate.hpp"

namespace vigil::hub::store {
namespace {

constexpr std::string_view k_asset_columns =
    "id, group_id, node_id, device_id, line_id, bearing, machine_class, criticality, location, spare_part, "
    "first_seen_ms, online, stale_since_ms";

Asset asset_of(const Row& r) {
  Asset a;
  a.id = r.int64(0);
  a.group_id = r.text(1);
  a.node_id = r.text(2);
  a.device_id = r.text(3);
  if (!r.is_null(4)) a.line_id = r.int64(4);
  a.metadata.bearing = r.text(5);
  a.metadata.machine_class = r.text(6);
  a.metadata.criticality = static_cast<int>(r.int64(7));
  a.metadata.location = r.text(8);
  a.metadata.spare_part = r.text(9);
  a.first_seen_ms = r.int64(10);
  a.online = r.int64(11) != 0;
  a.stale_since_ms = r.int64(12);
  return a;
}

EdgeNode node_of(const Row& r) { return {r.text(0), r.text(1), r.int64(2), r.int64(3) != 0, r.int64(4)}; }

Status check_node(std::string_view group_id, std::string_view node_id) {
  if (auto ok = check_id("group id", group_id); !ok) return ok;
  return check_id("edge node id", node_id);
}

// The id from an upsert's RETURNING.
Result<std::int64_t> returned_id(Result<Rows> rows) {
  if (!rows) return std::unexpected(rows.error());
  return rows->front().int64(0);
}

}  // namespace

Status Registry::require(std::string_view table, std::string_view what, std::int64_t id) {
  if (auto ok = check_row_id(what, id); !ok) return ok;
  auto rows = c_->query(fmt::format("SELECT 1 FROM {} WHERE id = ?1", table), {id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::not_found, "{} {} does not exist", what, id);
  return {};
}

Status Registry::node_birth(std::string_view group_id, std::string_view node_id, std::int64_t bd_seq,
                            std::int64_t now_ms) {
  if (auto ok = check_node(group_id, node_id); !ok) return ok;
  auto rows = c_->query(
      "INSERT INTO edge_nodes (group_id, node_id, bd_seq, online, last_seen_ms) VALUES (?1, ?2, ?3, 1, ?4) "
      "ON CONFLICT (group_id, node_id) DO UPDATE SET bd_seq = excluded.bd_seq, online = 1, "
      "last_seen_ms = excluded.last_seen_ms",
      {std::string(group_id), std::string(node_id), bd_seq, now_ms});
  if (!rows) return std::unexpected(rows.error());
  return {};
}

Result<bool> Registry::node_death(std::string_view group_id, std::string_view node_id, std::int64_t bd_seq,
                                  std::int64_t now_ms) {
  if (auto ok = check_node(group_id, node_id); !ok) return std::unexpected(ok.error());
  auto tx = Transaction::begin(*c_);
  if (!tx) return std::unexpected(tx.error());
  auto rows = c_->query(
      "UPDATE edge_nodes SET online = 0, last_seen_ms = ?4 WHERE group_id = ?1 AND node_id = ?2 AND bd_seq = "
      "?3 "
      "RETURNING 1",
      {std::string(group_id), std::string(node_id), bd_seq, now_ms});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return false;
  auto assets = c_->query(
      "UPDATE assets SET online = 0, stale_since_ms = ?3 WHERE group_id = ?1 AND node_id = ?2 AND online = 1",
      {std::string(group_id), std::string(node_id), now_ms});
  if (!assets) return std::unexpected(assets.error());
  if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
  return true;
}

Status Registry::node_seen(std::string_view group_id, std::string_view node_id, std::int64_t now_ms) {
  if (auto ok = check_node(group_id, node_id); !ok) return ok;
  auto rows = c_->query(
      "UPDATE edge_nodes SET last_seen_ms = ?3 WHERE group_id = ?1 AND node_id = ?2 AND last_seen_ms < ?3",
      {std::string(group_id), std::string(node_id), now_ms});
  if (!rows) return std::unexpected(rows.error());
  return {};
}

Result<std::optional<EdgeNode>> Registry::edge_node(std::string_view group_id, std::string_view node_id) {
  if (auto ok = check_node(group_id, node_id); !ok) return std::unexpected(ok.error());
  auto rows = c_->query(
      "SELECT group_id, node_id, bd_seq, online, last_seen_ms FROM edge_nodes WHERE group_id = ?1 AND "
      "node_id = ?2",
      {std::string(group_id), std::string(node_id)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return node_of(rows->front());
}

Result<std::vector<EdgeNode>> Registry::edge_nodes() {
  auto rows = c_->query(
      "SELECT group_id, node_id, bd_seq, online, last_seen_ms FROM edge_nodes ORDER BY group_id, node_id",
      {});
  if (!rows) return std::unexpected(rows.error());
  std::vector<EdgeNode> out;
  for (const Row& r : *rows) out.push_back(node_of(r));
  return out;
}

Result<std::int64_t> Registry::register_asset(std::string_view group_id, std::string_view node_id,
                                              std::string_view device_id, std::int64_t now_ms) {
  if (auto ok = check_node(group_id, node_id); !ok) return std::unexpected(ok.error());
  if (auto ok = check_id("device id", device_id); !ok) return std::unexpected(ok.error());
  // The update makes RETURNING give the existing row's id too.
  return returned_id(c_->query(
      "INSERT INTO assets (group_id, node_id, device_id, first_seen_ms, online) VALUES (?1, ?2, ?3, ?4, 1) "
      "ON CONFLICT (group_id, node_id, device_id) DO UPDATE SET online = 1 RETURNING id",
      {std::string(group_id), std::string(node_id), std::string(device_id), now_ms}));
}

Result<bool> Registry::device_death(std::string_view group_id, std::string_view node_id,
                                    std::string_view device_id, std::int64_t ts_ms) {
  if (auto ok = check_node(group_id, node_id); !ok) return std::unexpected(ok.error());
  if (auto ok = check_id("device id", device_id); !ok) return std::unexpected(ok.error());
  auto rows = c_->query(
      "UPDATE assets SET online = 0, stale_since_ms = ?4 WHERE group_id = ?1 AND node_id = ?2 AND device_id "
      "= ?3 "
      "RETURNING 1",
      {std::string(group_id), std::string(node_id), std::string(device_id), ts_ms});
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

Result<Asset> Registry::asset(std::int64_t asset_id) {
  if (auto ok = check_row_id("asset id", asset_id); !ok) return std::unexpected(ok.error());
  auto rows = c_->query(fmt::format("SELECT {} FROM assets WHERE id = ?1", k_asset_columns), {asset_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::not_found, "asset {} does not exist", asset_id);
  return asset_of(rows->front());
}

Result<std::vector<Asset>> Registry::assets(std::int64_t after_id, std::int64_t limit) {
  if (limit < 1 || limit > 1000)
    return fail(ErrorCode::invalid_argument, "page size: {} is outside 1..1000", limit);
  auto rows =
      c_->query(fmt::format("SELECT {} FROM assets WHERE id > ?1 ORDER BY id LIMIT ?2", k_asset_columns),
                {after_id, limit});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Asset> out;
  for (const Row& r : *rows) out.push_back(asset_of(r));
  return out;
}

Status Registry::set_metadata(std::int64_t asset_id, const AssetMetadata& m) {
  for (const auto& [field, value] :
       {std::pair{"bearing", &m.bearing}, std::pair{"machine class", &m.machine_class},
        std::pair{"location", &m.location}, std::pair{"spare part", &m.spare_part}})
    if (auto ok = check_text(field, *value, k_max_text_bytes); !ok) return ok;
  if (m.criticality < 0 || m.criticality > k_max_criticality)
    return fail(ErrorCode::invalid_argument, "criticality: {} is outside 0..{}", m.criticality,
                k_max_criticality);
  if (auto ok = require("assets", "asset", asset_id); !ok) return ok;
  auto rows = c_->query(
      "UPDATE assets SET bearing = ?2, machine_class = ?3, criticality = ?4, location = ?5, spare_part = ?6 "
      "WHERE id = ?1",
      {asset_id, m.bearing, m.machine_class, std::int64_t{m.criticality}, m.location, m.spare_part});
  if (!rows) return std::unexpected(rows.error());
  return {};
}

Status Registry::place_asset(std::int64_t asset_id, std::optional<std::int64_t> line_id) {
  if (auto ok = require("assets", "asset", asset_id); !ok) return ok;
  if (line_id)
    if (auto ok = require("lines", "line", *line_id); !ok) return ok;
  auto rows = c_->query("UPDATE assets SET line_id = ?2 WHERE id = ?1",
                        {asset_id, line_id ? Value(*line_id) : Value(std::monostate{})});
  if (!rows) return std::unexpected(rows.error());
  return {};
}

Result<std::int64_t> Registry::add_site(std::string_view name) {
  if (auto ok = check_id("site name", name); !ok) return std::unexpected(ok.error());
  return returned_id(
      c_->query("INSERT INTO sites (name) VALUES (?1) ON CONFLICT (name) DO UPDATE SET name = excluded.name "
                "RETURNING id",
                {std::string(name)}));
}

Result<std::int64_t> Registry::add_line(std::int64_t site_id, std::string_view name) {
  if (auto ok = check_id("line name", name); !ok) return std::unexpected(ok.error());
  if (auto ok = require("sites", "site", site_id); !ok) return std::unexpected(ok.error());
  return returned_id(c_->query(
      "INSERT INTO lines (site_id, name) VALUES (?1, ?2) ON CONFLICT (site_id, name) DO UPDATE SET name = "
      "excluded.name RETURNING id",
      {site_id, std::string(name)}));
}

Result<std::int64_t> Registry::add_point(std::int64_t asset_id, std::string_view name) {
  if (auto ok = check_id("measurement point name", name); !ok) return std::unexpected(ok.error());
  if (auto ok = require("assets", "asset", asset_id); !ok) return std::unexpected(ok.error());
  return returned_id(c_->query(
      "INSERT INTO points (asset_id, name) VALUES (?1, ?2) ON CONFLICT (asset_id, name) DO UPDATE SET name = "
      "excluded.name RETURNING id",
      {asset_id, std::string(name)}));
}

Result<std::vector<Site>> Registry::sites() {
  auto rows = c_->query("SELECT id, name FROM sites ORDER BY id", {});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Site> out;
  for (const Row& r : *rows) out.push_back({r.int64(0), r.text(1)});
  return out;
}

Result<std::vector<Line>> Registry::lines(std::int64_t site_id) {
  auto rows = c_->query("SELECT id, site_id, name FROM lines WHERE site_id = ?1 ORDER BY id", {site_id});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Line> out;
  for (const Row& r : *rows) out.push_back({r.int64(0), r.int64(1), r.text(2)});
  return out;
}

Result<std::vector<MeasurementPoint>> Registry::points(std::int64_t asset_id) {
  auto rows = c_->query("SELECT id, asset_id, name FROM points WHERE asset_id = ?1 ORDER BY id", {asset_id});
  if (!rows) return std::unexpected(rows.error());
  std::vector<MeasurementPoint> out;
  for (const Row& r : *rows) out.push_back({r.int64(0), r.int64(1), r.text(2)});
  return out;
}

}  // namespace vigil::hub::store
