// The hub service: the Sparkplug host on the broker, its session rules, and the ingest into the store, on one
// thread that owns them. The MQTT client's network thread only queues what arrives; the service thread takes
// the queue in batches, runs the host session over each message (publishing its births and rebirth
// requests at once), stores the batch in one transaction and, once it is durable, acknowledges the records to
// the edges and tells the rest of the hub (alarms, live API clients) what changed. When the store is
// unavailable (a PostgreSQL restart) the batch waits and is tried again: nothing received is dropped for
// it, and nothing unstored is acknowledged. stop() drains: what was received is stored and acknowledged,
// then the death STATE goes out and the connection closes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hub/config.hpp"
#include "hub/ingest.hpp"
#include "net/mqtt_client.hpp"

namespace vigil::hub {

// Counters for /metrics and the log; read from any thread.
struct ServiceStats {
  std::atomic<std::uint64_t> messages_received{0};
  std::atomic<std::uint64_t> messages_dropped{
      0};  // the queue was full: an edge re-sends unacknowledged records
  std::atomic<std::uint64_t> messages_refused{0};  // malformed or against the session rules
  std::atomic<std::uint64_t> batches_stored{0};
  std::atomic<std::uint64_t> values_stored{0};
  std::atomic<std::uint64_t> records_acknowledged{0};
  std::atomic<std::uint64_t> duplicate_records{0};
  std::atomic<std::uint64_t> store_failures{0};
  std::atomic<std::uint64_t> store_latency_us_last{0};
  std::atomic<std::uint64_t> store_latency_us_max{0};
  std::atomic<std::uint64_t> queue_depth{0};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<bool> connected{false};
};

class HubService {
 public:
  using EventSink = std::function<void(std::span<const IngestEvent> events)>;
  using LogSink =
      std::function<void(std::string_view level, std::string_view event, std::string_view detail)>;

  // Opens the store (migrating it) and prepares the session; does not connect.
  static Result<std::unique_ptr<HubService>> create(const HubConfig& config, LogSink log);
  ~HubService();  // stop()

  // Called on the service thread after every durable batch, in order. Set before start().
  void on_events(EventSink sink) { events_ = std::move(sink); }

  // Connects (retrying with backoff until the broker answers) and serves until stop().
  void start();
  // Stores and acknowledges what was received, publishes the death STATE, disconnects, joins.
  void stop();

  const ServiceStats& stats() const { return stats_; }
  // The edge nodes seen since start, with their latest node values (a copy; any thread).
  std::vector<NodeStatus> nodes() const;

 private:
  struct Inbound {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint64_t received_ms = 0;
  };

  HubService(const HubConfig& config, LogSink log, store::Store store, HostSession session);
  void run(std::stop_token stop);
  // One batch: session over the messages, store, acknowledge. False when the connection must be dropped.
  bool process(std::vector<Inbound>& batch, std::vector<Update>& pending, net::MqttClient& client);
  bool publish(net::MqttClient& client, const std::vector<OutboundMessage>& messages);
  bool store_pending(std::vector<Update>& pending, net::MqttClient& client);

  HubConfig config_;
  LogSink log_;
  store::Store store_;
  HostSession session_;
  Ingest ingest_;
  EventSink events_;
  ServiceStats stats_;

  mutable std::mutex mutex_;
  std::deque<Inbound> inbox_;
  std::vector<NodeStatus> nodes_snapshot_;
  std::condition_variable_any wake_;
  std::atomic<bool> draining_{false};
  std::jthread thread_;
};

std::uint64_t wall_clock_ms();

}  // namespace vigil::hub
