// The registry of what the hub watches: sites → lines → assets → measurement points, and the edge nodes
// (Sparkplug sessions) the assets are reached through. Assets register themselves from births (an upsert on
// group, edge node and device id); people add the places and edit the metadata.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/store/connection.hpp"

namespace vigil::hub::store {

struct EdgeNode {
  std::string group_id;
  std::string node_id;
  std::int64_t bd_seq = 0;  // of the current session (NBIRTH)
  bool online = false;      // false: stale since its death
  std::int64_t last_seen_ms = 0;
};

// What a person edits on an asset. Texts are free (at most 1,024 bytes each).
struct AssetMetadata {
  std::string bearing;        // designation, e.g. "SKF 6205-2RS"; also the spare part to order
  std::string machine_class;  // ISO 10816-3 group, e.g. "group 2 rigid"
  int criticality = 0;        // 0 unset, 1 (low) .. 5 (high): weights the work list
  std::string location;
  std::string spare_part;

  bool operator==(const AssetMetadata&) const = default;
};
inline constexpr int k_max_criticality = 5;

struct Asset {
  std::int64_t id = 0;
  std::string group_id, node_id, device_id;  // where its births come from
  std::optional<std::int64_t> line_id;       // unset until a person places it
  AssetMetadata metadata;
  std::int64_t first_seen_ms = 0;
  bool online = false;              // since its last birth; false after its death or its node's
  std::int64_t stale_since_ms = 0;  // when it went stale (0: never)
};

struct Site {
  std::int64_t id = 0;
  std::string name;
};
struct Line {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::string name;
};
struct MeasurementPoint {
  std::int64_t id = 0;
  std::int64_t asset_id = 0;
  std::string name;  // e.g. "drive end, horizontal"
};

class Registry {
 public:
  explicit Registry(Connection& connection) : c_(&connection) {}

  // NBIRTH: the node is online in session `bd_seq`, seen at now_ms.
  Status node_birth(std::string_view group_id, std::string_view node_id, std::int64_t bd_seq,
                    std::int64_t now_ms);
  // NDEATH: marks the node and its online assets stale at now_ms (the hub's clock), only when `bd_seq` is
  // the node's current session's; false (and nothing changed) for an older session or an unknown node.
  Result<bool> node_death(std::string_view group_id, std::string_view node_id, std::int64_t bd_seq,
                          std::int64_t now_ms);
  // Any message from a known node: last seen = now_ms (never moves back).
  Status node_seen(std::string_view group_id, std::string_view node_id, std::int64_t now_ms);
  Result<std::optional<EdgeNode>> edge_node(std::string_view group_id, std::string_view node_id);
  Result<std::vector<EdgeNode>> edge_nodes();

  // DBIRTH: the asset's id, created on first sight (first_seen_ms = now_ms), unchanged afterwards; the
  // asset is online.
  Result<std::int64_t> register_asset(std::string_view group_id, std::string_view node_id,
                                      std::string_view device_id, std::int64_t now_ms);
  // DDEATH: the asset is stale since ts_ms (the message's timestamp); false for an unknown device.
  Result<bool> device_death(std::string_view group_id, std::string_view node_id, std::string_view device_id,
                            std::int64_t ts_ms);
  Result<Asset> asset(std::int64_t asset_id);  // not_found for an unknown id
  // At most `limit` (1..1000) assets with id > after_id, by id: a page.
  Result<std::vector<Asset>> assets(std::int64_t after_id, std::int64_t limit);
  Status set_metadata(std::int64_t asset_id, const AssetMetadata& metadata);
  // Puts the asset on a line (nullopt: takes it off).
  Status place_asset(std::int64_t asset_id, std::optional<std::int64_t> line_id);

  // Get-or-create by name; the id of the existing one when it exists.
  Result<std::int64_t> add_site(std::string_view name);
  Result<std::int64_t> add_line(std::int64_t site_id, std::string_view name);
  Result<std::int64_t> add_point(std::int64_t asset_id, std::string_view name);
  Result<std::vector<Site>> sites();
  Result<std::vector<Line>> lines(std::int64_t site_id);
  Result<std::vector<MeasurementPoint>> points(std::int64_t asset_id);

 private:
  Status require(std::string_view table, std::string_view what, std::int64_t id);

  Connection* c_;
};

}  // namespace vigil::hub::store
