// The uplink: the edge node's Sparkplug B session over MQTT (mutual TLS when configured), fed from the
// durable queue. Records leave the queue only when the hub acknowledges them (Uplink/Ack, docs/formats/
// uplink-ack.md); after a reconnect the backlog goes up with is_historical and its original timestamps,
// alarms first, at a bounded rate, interleaved with live records. One thread owns the session.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "edge/config.hpp"
#include "proto/sparkplug.hpp"
#include "proto/sparkplug_edge_session.hpp"
#include "store/durable_queue.hpp"

namespace vigil::edge {

struct UplinkStats {
  bool connected = false;
  std::string state;  // "disconnected", "waiting_for_host", "online", "leaving"
  int bdseq = 0;
  std::uint64_t connects = 0;
  std::uint64_t records_sent = 0;
  std::uint64_t records_resent = 0;  // sent again: not acknowledged in time, or after a reconnect
  std::uint64_t records_acknowledged = 0;
  std::size_t in_flight = 0;
  std::string last_error;
};

// Node-level values the uplink reports (NDATA) every few seconds, by exception.
struct NodeReport {
  std::uint64_t backlog_records = 0;
  double backlog_age_s = 0;
  std::uint64_t evictions = 0;
  std::uint64_t dropped_blocks = 0;
  std::uint64_t baseline_pending = 0;  // assets still recording their commissioning baseline
  // Models/Anomaly version, Models/Classifier version, Models/RUL version (edge/asset_monitor.hpp,
  // distinct_versions).
  std::array<std::string, 3> model_versions;
};

// The commands a host may write to an asset (DCMD, Boolean true; docs/formats/sparkplug.md).
inline constexpr std::string_view k_rebaseline_command = "Device Control/Rebaseline";
inline constexpr std::string_view k_send_evidence_command = "Device Control/Send evidence";

// The asset metrics a queued record becomes (docs/formats/sparkplug.md), with its record id; the record's
// source time is every metric's timestamp. Exposed for tests and the hub's decoder tests.
Result<std::vector<proto::sparkplug::Metric>> record_metrics(const store::QueuedRecord& record,
                                                             bool historical);
// The metrics of an asset's DBIRTH: every asset metric Vigil publishes, null until its first value, and
// the asset's properties.
std::vector<proto::sparkplug::Metric> asset_birth_metrics(const AssetConfig& asset);

class Uplink {
 public:
  using EventSink = std::function<void(std::string level, std::string event, std::string detail)>;

  // Prepares the session (reads bdSeq from storage/bdseq); does not connect.
  static Result<std::unique_ptr<Uplink>> create(const EdgeConfig& config, store::DurableQueue& queue,
                                                std::function<NodeReport()> node_report, EventSink events);
  ~Uplink();  // stop()

  using CommandSink = std::function<void(const proto::sparkplug::Command& command)>;
  // Where a host's commands to the assets go (DCMD Device Control/...); set before start(). Commands the
  // session handles itself (rebirth, acknowledgements) never come here.
  void on_command(CommandSink sink) { commands_ = std::move(sink); }

  void start();
  // Intentional disconnect: NDEATH, then close. Records not yet acknowledged stay queued.
  void stop();
  UplinkStats stats() const;

  // An asset's source fell silent (alive = false: DDEATH) or came back (DBIRTH). Thread-safe; applied by the
  // uplink's thread, and remembered across reconnects (a silent asset is not born after a reconnect).
  void set_asset_alive(const std::string& asset_id, bool alive);

 private:
  Uplink(const EdgeConfig& config, store::DurableQueue& queue, proto::sparkplug::EdgeSession session,
         std::function<NodeReport()> node_report, EventSink events);
  void run(std::stop_token stop);
  bool is_alive(const std::string& asset_id) const;

  EdgeConfig config_;
  store::DurableQueue& queue_;
  proto::sparkplug::EdgeSession session_;
  std::function<NodeReport()> node_report_;
  EventSink events_;
  CommandSink commands_;

  mutable std::mutex mutex_;  // stats_, inbox_, alive_ and liveness_changes_
  UplinkStats stats_;
  std::map<std::string, bool> alive_;                                    // per asset; absent = alive
  std::deque<std::pair<std::string, bool>> liveness_changes_;            // for the uplink's thread
  std::deque<std::pair<std::string, std::vector<std::uint8_t>>> inbox_;  // messages from the network thread
  std::jthread thread_;
};

}  // namespace vigil::edge
