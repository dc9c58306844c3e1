#include "hub/service.hpp"

#include <chrono>

namespace vigil::hub {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Maintenance (retention) runs this often.
constexpr auto k_maintenance_period = std::chrono::minutes(10);
// How long stop() waits for the store to take what was received before it gives up (the edges re-send
// what was not acknowledged).
constexpr auto k_drain_limit = std::chrono::seconds(10);

void atomic_max(std::atomic<std::uint64_t>& a, std::uint64_t v) {
  std::uint64_t cur = a.load();
  while (v > cur && !a.compare_exchange_weak(cur, v)) {
  }
}

}  // namespace

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Result<std::unique_ptr<HubService>> HubService::create(const HubConfig& config, LogSink log) {
  auto store = store::Store::open(config.store);
  if (!store) return std::unexpected(store.error());
  HostSessionConfig sc;
  sc.host_id = config.host.id;
  sc.reorder_timeout_ms = static_cast<std::uint64_t>(config.sparkplug.reorder_timeout_s * 1000);
  sc.rebirth_interval_ms = static_cast<std::uint64_t>(config.sparkplug.rebirth_interval_s * 1000);
  auto session = HostSession::create(sc);
  if (!session) return std::unexpected(session.error());
  return std::unique_ptr<HubService>(
      new HubService(config, std::move(log), std::move(*store), std::move(*session)));
}

HubService::HubService(const HubConfig& config, LogSink log, store::Store store, HostSession session)
    : config_(config),
      log_(std::move(log)),
      store_(std::move(store)),
      session_(std::move(session)),
      ingest_(store_) {}

HubService::~HubService() { stop(); }

void HubService::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void HubService::stop() {
  if (!thread_.joinable()) return;
  draining_ = true;
  wake_.notify_all();
  thread_.join();
}

std::vector<NodeStatus> HubService::nodes() const {
  std::lock_guard lock(mutex_);
  return nodes_snapshot_;
}

bool HubService::publish(net::MqttClient& client, const std::vector<OutboundMessage>& messages) {
  for (const OutboundMessage& m : messages) {
    const auto* b = reinterpret_cast<const std::byte*>(m.payload.data());
    if (auto ok = client.publish(m.topic, std::span(b, m.payload.size()), m.qos, m.retain); !ok) {
      log_("warn", "publish_failed", ok.error().message);
      return false;
    }
  }
  return true;
}

bool HubService::store_pending(std::vector<Update>& pending, net::MqttClient& client) {
  if (pending.empty()) return true;
  const auto started = Clock::now();
  const std::int64_t now_ms = static_cast<std::int64_t>(wall_clock_ms());
  auto batch = ingest_.apply(pending, now_ms);
  if (!batch && batch.error().code != ErrorCode::io && pending.size() > 1) {
    // Not the store being away: one update is bad. Store the others one by one and drop only it.
    log_("warn", "batch_refused", batch.error().message);
    IngestBatch merged;
    for (const Update& u : pending) {
      auto one = ingest_.apply(std::span(&u, 1), now_ms);
      if (!one && one.error().code == ErrorCode::io) return false;  // the store went away meanwhile
      if (!one) {
        log_("warn", "update_refused", one.error().message);
        stats_.messages_refused++;
        continue;
      }
      for (auto& a : one->acknowledge) merged.acknowledge.push_back(std::move(a));
      for (auto& e : one->events) merged.events.push_back(std::move(e));
      merged.values_stored += one->values_stored;
      merged.duplicate_records += one->duplicate_records;
    }
    batch = std::move(merged);
  } else if (!batch && batch.error().code != ErrorCode::io) {
    log_("warn", "update_refused", batch.error().message);
    stats_.messages_refused++;
    pending.clear();
    return true;
  }
  if (!batch) {
    stats_.store_failures++;
    log_("error", "store_unavailable", batch.error().message);
    return false;  // kept in `pending`, tried again
  }
  pending.clear();
  const auto us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
  stats_.store_latency_us_last = us;
  atomic_max(stats_.store_latency_us_max, us);
  stats_.batches_stored++;
  stats_.values_stored += batch->values_stored;
  stats_.duplicate_records += batch->duplicate_records;
  for (auto& [node, ids] : batch->acknowledge) {
    auto acks = session_.acknowledge(node, ids, wall_clock_ms());
    if (!acks) {  // the node died meanwhile: it re-sends, and the duplicate is acknowledged then
      log_("info", "ack_skipped", acks.error().message);
      continue;
    }
    if (publish(client, *acks)) stats_.records_acknowledged += ids.size();
  }
  {
    std::lock_guard lock(mutex_);
    nodes_snapshot_.clear();
    for (const auto& [key, status] : ingest_.nodes()) nodes_snapshot_.push_back(status);
  }
  if (events_ && !batch->events.empty()) events_(batch->events);
  return true;
}

bool HubService::process(std::vector<Inbound>& batch, std::vector<Update>& pending, net::MqttClient& client) {
  bool healthy = true;
  for (Inbound& m : batch) {
    auto actions = session_.on_message(m.topic, m.payload, m.received_ms);
    if (!actions) {
      stats_.messages_refused++;
      log_("warn", "message_refused", actions.error().message);
      continue;
    }
    for (const std::string& w : actions->warnings) log_("warn", "session", w);
    healthy = publish(client, actions->publish) && healthy;
    for (Update& u : actions->updates) pending.push_back(std::move(u));
  }
  batch.clear();
  return healthy;
}

void HubService::run(std::stop_token stop) {
  auto backoff = net::Backoff::create({}, wall_clock_ms());
  auto next_maintenance = Clock::now();
  std::vector<Update> pending;  // accepted by the session, not yet durable
  bool stopping = false;
  while (!stopping && !stop.stop_requested()) {
    net::MqttOptions options;
    options.host = config_.broker.host;
    options.port = config_.broker.port;
    options.client_id = config_.broker.client_id;
    options.clean_session = true;  // tck-id-message-flow-phid-sparkplug-clean-session-311
    options.keepalive_s = config_.broker.keepalive_s;
    if (!config_.broker.ca_file.empty())
      options.tls = net::MqttTls{config_.broker.ca_file.string(), config_.broker.cert_file.string(),
                                 config_.broker.key_file.string()};
    const OutboundMessage will = session_.will(wall_clock_ms());
    options.will = net::MqttWill{will.topic, std::string(will.payload.begin(), will.payload.end()), will.qos,
                                 will.retain};
    auto client = net::MqttClient::create(options);
    if (!client) {
      log_("error", "broker", client.error().message);
      return;  // a configuration problem (certificate files): retrying cannot help
    }
    (*client)->on_message([this](std::string_view topic, std::span<const std::byte> payload) {
      stats_.messages_received++;
      const auto* b = reinterpret_cast<const std::uint8_t*>(payload.data());
      {
        std::lock_guard lock(mutex_);
        if (inbox_.size() >= config_.ingest.queue_messages) {
          stats_.messages_dropped++;
          return;
        }
        inbox_.push_back(
            {std::string(topic), std::vector<std::uint8_t>(b, b + payload.size()), wall_clock_ms()});
        stats_.queue_depth = inbox_.size();
      }
      wake_.notify_one();
    });
    if (auto ok = (*client)->connect(std::chrono::seconds(10)); !ok) {
      log_("warn", "broker_unreachable", ok.error().message);
      const auto until = Clock::now() + backoff->next();
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, stop, until, [&] { return draining_.load(); });
      if (draining_) return;
      continue;
    }
    backoff->reset();
    bool healthy = true;
    for (const std::string& topic : session_.subscriptions()) {
      if (auto ok = (*client)->subscribe(topic, 1); !ok) {
        log_("warn", "subscribe_failed", ok.error().message);
        healthy = false;
        break;
      }
    }
    if (healthy) {
      healthy = publish(**client, session_.on_subscribed().publish);
      stats_.connects++;
      stats_.connected = true;
      log_("info", "connected", fmt::format("{}:{} as host {}", options.host, options.port, config_.host.id));
    }
    std::optional<Clock::time_point> drain_deadline;
    std::vector<Inbound> batch;
    while (healthy && !stop.stop_requested()) {
      if (draining_ && !drain_deadline) drain_deadline = Clock::now() + k_drain_limit;
      {
        std::unique_lock lock(mutex_);
        const auto deadline = session_.next_deadline_ms();
        auto until = Clock::now() + milliseconds(pending.empty() ? 200 : 100);
        if (deadline) {
          const auto now = wall_clock_ms();
          until = std::min(until, Clock::now() + milliseconds(*deadline > now ? *deadline - now : 0));
        }
        wake_.wait_until(lock, stop, until, [&] { return !inbox_.empty() || draining_.load(); });
        while (!inbox_.empty() && batch.size() < config_.ingest.batch_messages) {
          batch.push_back(std::move(inbox_.front()));
          inbox_.pop_front();
        }
        stats_.queue_depth = inbox_.size();
      }
      if (!(*client)->connected()) {
        healthy = false;
      }
      healthy = process(batch, pending, **client) && healthy;
      auto tick = session_.on_tick(wall_clock_ms());
      publish(**client, tick.publish);
      for (const std::string& w : tick.warnings) log_("warn", "session", w);
      for (Update& u : tick.updates) pending.push_back(std::move(u));
      if (!store_pending(pending, **client)) {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, stop, milliseconds(500), [] { return false; });
      }
      if (Clock::now() >= next_maintenance && pending.empty()) {
        next_maintenance = Clock::now() + k_maintenance_period;
        const std::int64_t now_ms = static_cast<std::int64_t>(wall_clock_ms());
        if (auto report = store_.series().maintain(now_ms); !report) {
          log_("warn", "maintenance", report.error().message);
        }
        if (auto n = store_.state().delete_evidence_before(now_ms - store_.retention().raw_ms); !n)
          log_("warn", "maintenance", n.error().message);
      }
      if (draining_) {
        bool empty = false;
        {
          std::lock_guard lock(mutex_);
          empty = inbox_.empty();
        }
        if ((empty && pending.empty()) || Clock::now() >= *drain_deadline) {
          if (!pending.empty() || !empty)
            log_("warn", "drain_incomplete", "the edges re-send what was not acknowledged");
          publish(**client, session_.shutdown().publish);
          stopping = true;
          break;
        }
      }
    }
    stats_.connected = false;
    if (stopping || stop.stop_requested()) break;
    // The connection is gone: what was accepted is still stored; nodes go stale at the hub's clock.
    auto lost = session_.on_connection_lost(wall_clock_ms());
    for (Update& u : lost.updates) pending.push_back(std::move(u));
    store_pending(pending, **client);
    log_("warn", "disconnected", (*client)->last_error());
    if (draining_) break;
  }
}

}  // namespace vigil::hub
