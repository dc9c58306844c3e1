// The hub's ingest: what the host session accepted (births, deaths, data) written to the store, a batch of
// updates per transaction, and what it changed told to the rest of the hub (alarms, live API clients).
// Records that carry a Record/Id are stored once per (group, edge node, record id) and listed for
// acknowledgement only after the transaction committed (docs/formats/uplink-ack.md). Historical values
// join the series in time order and never replace a live value. Not thread-safe: the ingest thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "hub/host_session.hpp"
#include "hub/store/store.hpp"

namespace vigil::hub {

// What one update changed, for the alarms and live clients.
struct IngestEvent {
  enum class Kind { node_birth, node_death, asset_birth, asset_death, data };
  Kind kind = Kind::data;
  NodeKey node;
  std::string device_id;      // empty: the node itself
  std::int64_t asset_id = 0;  // 0: a node event
  std::int64_t ts_ms = 0;     // source time (deaths: when stale)
  bool historical = false;    // store-and-forward values: not the asset's present
  bool with_node = false;     // asset_death: its edge node's death, not the asset's own
  std::vector<std::pair<std::string, double>> numbers;     // metric → value (data and births)
  std::vector<std::pair<std::string, std::string>> texts;  // metric → value (data and births)
};

struct IngestBatch {
  std::vector<std::pair<NodeKey, std::vector<std::uint64_t>>> acknowledge;  // durable: acknowledge these
  std::vector<IngestEvent> events;
  std::size_t values_stored = 0;      // numbers, texts and spectra written
  std::size_t duplicate_records = 0;  // records seen before (stored once, acknowledged again)
};

// The latest node-level values of an edge node (backlog, evictions, model versions, ...), kept in memory:
// a node reports them again with every birth.
struct NodeStatus {
  NodeKey node;
  bool online = false;
  std::uint8_t bdseq = 0;
  std::int64_t since_ms = 0;
  std::map<std::string, std::string> values;  // metric → value as text
};

class Ingest {
 public:
  explicit Ingest(store::Store& store) : store_(&store) {}

  // Stores every update in one transaction (all or nothing) and says what is now durable.
  Result<IngestBatch> apply(std::span<const Update> updates, std::int64_t now_ms);

  // Every edge node seen since the hub started, by key.
  const std::map<NodeKey, NodeStatus>& nodes() const { return nodes_; }

 private:
  using DeviceKey = std::tuple<std::string, std::string, std::string>;  // group, node, device

  Status apply_birth(const BirthUpdate& birth, std::int64_t now_ms, IngestBatch& out);
  Status apply_death(const DeathUpdate& death, IngestBatch& out);
  Status apply_data(const DataUpdate& data, std::int64_t now_ms, IngestBatch& out);
  Result<std::int64_t> asset_of(const NodeKey& node, const std::string& device_id, std::int64_t now_ms);
  // Numbers and texts of `metrics` for the asset, collected for the batch's writes; spectra stored at once.
  Status store_values(std::int64_t asset_id, std::span<const proto::sparkplug::Metric> metrics,
                      std::int64_t default_ts_ms, bool live, IngestEvent& event, IngestBatch& out);
  // The batch's collected values, in a few multi-row statements.
  Status flush(std::int64_t now_ms);

  store::Store* store_;
  std::map<DeviceKey, std::int64_t> assets_;  // ids known in this process
  std::map<NodeKey, NodeStatus> nodes_;
  // Collected during one apply(): written together at its end.
  std::vector<store::Sample> live_, history_;
  std::map<std::pair<std::int64_t, std::string>, store::TextValue> texts_;  // newest per (asset, metric)
  std::vector<NodeKey> seen_;
};

}  // namespace vigil::hub
