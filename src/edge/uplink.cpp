#include "edge/uplink.hpp"

#include <algorithm>
#include <random>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "net/backoff.hpp"
#include "net/mqtt_client.hpp"

namespace vigil::edge {

namespace sp = proto::sparkplug;

namespace {

constexpr auto k_resend_after = std::chrono::seconds(30);
constexpr std::size_t k_batch_records = 64;
constexpr std::size_t k_max_in_flight =
    512;  // records sent and not yet acknowledged: the flow-control window
constexpr std::int64_t k_batch_bytes = 256 * 1024;
constexpr auto k_node_report_every = std::chrono::seconds(5);

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

sp::Metric metric(std::string name, sp::DataType type, sp::MetricValue value) {
  sp::Metric m;
  m.name = std::move(name);
  m.datatype = type;
  m.is_null = std::holds_alternative<std::monostate>(value);
  m.value = std::move(value);
  return m;
}

// Every asset metric Vigil publishes (docs/formats/sparkplug.md), in birth order.
struct MetricSpec {
  const char* name;
  sp::DataType type;
};
constexpr MetricSpec k_asset_metrics[] = {
    {"Alert/Level", sp::DataType::string},
    {"Health/NE107", sp::DataType::string},
    {"Fault/Class", sp::DataType::string},
    {"Fault/Confidence", sp::DataType::float64},
    {"Vibration/Velocity RMS mm/s", sp::DataType::float64},
    {"Vibration/ISO zone", sp::DataType::string},
    {"Process/Speed rpm", sp::DataType::float64},
    {"Decision/Reason", sp::DataType::string},
    {"Decision/Action", sp::DataType::string},
    {"Decision/Deadline", sp::DataType::date_time},
    {"Evidence/Lines", sp::DataType::string},
    {"Health/Index", sp::DataType::float64},
    {"RUL/Median h", sp::DataType::float64},
    {"RUL/Low h", sp::DataType::float64},
    {"RUL/High h", sp::DataType::float64},
    {"Evidence/Spectrum", sp::DataType::bytes},
    {"Evidence/Envelope spectrum", sp::DataType::bytes},
    {sp::k_record_id_metric.data(), sp::DataType::uint64},
    {"Baseline/Progress", sp::DataType::float64},
};

sp::DataType type_of(std::string_view name) {
  for (const auto& m : k_asset_metrics) {
    if (name == m.name) return m.type;
  }
  return sp::DataType::unknown;
}

}  // namespace

std::vector<sp::Metric> asset_birth_metrics(const AssetConfig& asset) {
  std::vector<sp::Metric> out;
  for (const auto& m : k_asset_metrics) out.push_back(metric(m.name, m.type, std::monostate{}));
  out.push_back(metric(std::string(k_rebaseline_command), sp::DataType::boolean, false));
  out.push_back(metric(std::string(k_send_evidence_command), sp::DataType::boolean, false));
  out.push_back(metric("Properties/Bearing", sp::DataType::string, asset.bearing.name));
  out.push_back(metric("Properties/Machine class", sp::DataType::string,
                       std::string(diag::to_string(asset.machine_class))));
  out.push_back(metric("Properties/Location", sp::DataType::string, asset.location));
  out.push_back(metric("Properties/Criticality", sp::DataType::int32, std::int64_t{asset.criticality}));
  return out;
}

namespace {

sp::MetricValue text_or_null(const std::string& s) {
  return s.empty() ? sp::MetricValue{} : sp::MetricValue{s};
}

constexpr std::array<const char*, 3> k_model_version_metrics = {
    "Models/Anomaly version", "Models/Classifier version", "Models/RUL version"};

}  // namespace

Result<std::vector<sp::Metric>> record_metrics(const store::QueuedRecord& record, bool historical) {
  const auto& p = record.record.payload;
  nlohmann::json j = nlohmann::json::parse(p.begin(), p.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::parse, "uplink record {}: payload is not a JSON object", record.id);
  }
  std::vector<sp::Metric> out;
  auto add = [&](const char* name, sp::MetricValue v) {
    out.push_back(metric(name, type_of(name), std::move(v)));
  };
  auto text = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
  };
  auto number = [&](const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
  };
  add("Alert/Level", text("level"));
  add("Health/NE107", text("ne107"));
  const std::string fault = text("fault");
  add("Fault/Class", fault == "normal" ? std::string("none") : fault);
  add("Fault/Confidence", number("confidence"));
  add("Vibration/Velocity RMS mm/s", number("velocity_rms_mm_s"));
  add("Vibration/ISO zone", text("iso_zone"));
  for (const auto& [key, name] :
       {std::pair{"health_index", "Health/Index"}, std::pair{"rul_h", "RUL/Median h"},
        std::pair{"rul_low_h", "RUL/Low h"}, std::pair{"rul_high_h", "RUL/High h"}}) {
    if (j.contains(key) && j[key].is_number()) add(name, j[key].get<double>());
  }
  const std::string kind = text("kind");
  if (kind == "decision") {
    add("Decision/Reason", text("text"));
    add("Decision/Action", text("action"));
    if (j.contains("deadline_h") && j["deadline_h"].is_number()) {
      add("Decision/Deadline",
          static_cast<std::uint64_t>(record.record.source_time_ms +
                                     std::llround(j["deadline_h"].get<double>() * 3600e3)));
    } else {
      add("Decision/Deadline", std::monostate{});
    }
  } else if (kind == "telemetry") {
    add("Process/Speed rpm", number("speed_rpm"));
    if (j.contains("baseline_progress") && j["baseline_progress"].is_number())
      add("Baseline/Progress", j["baseline_progress"].get<double>());
  } else if (kind == "evidence") {
    add("Evidence/Lines", j.contains("lines") ? j["lines"].dump() : std::string("[]"));
    for (const auto& [key, name] : {std::pair{"spectrum", "Evidence/Spectrum"},
                                    std::pair{"envelope_spectrum", "Evidence/Envelope spectrum"}}) {
      if (!j.contains(key)) continue;
      auto bytes = j[key].is_string() ? base64_decode(j[key].get<std::string>())
                                      : fail(ErrorCode::parse, "not a string");
      if (!bytes)
        return fail(ErrorCode::parse, "uplink record {}: {}: {}", record.id, key, bytes.error().message);
      add(name, std::move(*bytes));
    }
  } else {
    return fail(ErrorCode::parse, "uplink record {}: unknown kind '{}'", record.id, kind);
  }
  add(sp::k_record_id_metric.data(), static_cast<std::uint64_t>(record.id));
  for (auto& m : out) {
    m.timestamp_ms = static_cast<std::uint64_t>(record.record.source_time_ms);
    m.is_historical = historical;
  }
  return out;
}

Uplink::Uplink(const EdgeConfig& config, store::DurableQueue& queue, sp::EdgeSession session,
               std::function<NodeReport()> node_report, EventSink events)
    : config_(config),
      queue_(queue),
      session_(std::move(session)),
      node_report_(std::move(node_report)),
      events_(std::move(events)) {}

Result<std::unique_ptr<Uplink>> Uplink::create(const EdgeConfig& config, store::DurableQueue& queue,
                                               std::function<NodeReport()> node_report, EventSink events) {
  sp::EdgeSessionConfig sc;
  sc.group_id = config.node.group;
  sc.edge_node_id = config.node.id;
  sc.primary_host_id = config.uplink.primary_host;
  sc.bdseq_file = config.storage.dir / "bdseq";
  sc.node_metrics = {
      metric("Uplink/Backlog records", sp::DataType::uint64, std::uint64_t{0}),
      metric("Uplink/Backlog age s", sp::DataType::float64, 0.0),
      metric("Uplink/Evictions", sp::DataType::uint64, std::uint64_t{0}),
      metric("Pipeline/Dropped blocks", sp::DataType::uint64, std::uint64_t{0}),
      metric("Baseline/Assets pending", sp::DataType::uint64, std::uint64_t{0}),
      metric(k_model_version_metrics[0], sp::DataType::string, std::monostate{}),
      metric(k_model_version_metrics[1], sp::DataType::string, std::monostate{}),
      metric(k_model_version_metrics[2], sp::DataType::string, std::monostate{}),
      metric("Properties/Software version", sp::DataType::string, std::string("vigil-edge 0.1.0"))};
  auto session = sp::EdgeSession::create(std::move(sc));
  if (!session) return std::unexpected(session.error().with_context("uplink"));
  return std::unique_ptr<Uplink>(
      new Uplink(config, queue, std::move(*session), std::move(node_report), std::move(events)));
}

Uplink::~Uplink() { stop(); }

void Uplink::start() {
  if (!thread_.joinable()) thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void Uplink::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void Uplink::set_asset_alive(const std::string& asset_id, bool alive) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = alive_.try_emplace(asset_id, true);
  if (it->second == alive) return;
  it->second = alive;
  liveness_changes_.emplace_back(asset_id, alive);
}

bool Uplink::is_alive(const std::string& asset_id) const {
  std::lock_guard lock(mutex_);
  auto it = alive_.find(asset_id);
  return it == alive_.end() || it->second;
}

UplinkStats Uplink::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Uplink::run(std::stop_token stop) {
  auto backoff = net::Backoff::create({}, std::random_device{}());
  std::map<std::int64_t, std::chrono::steady_clock::time_point> in_flight;  // record id -> sent at
  const auto state_name = [this] {
    switch (session_.state()) {
      case sp::EdgeSession::State::disconnected:
        return "disconnected";
      case sp::EdgeSession::State::waiting_for_host:
        return "waiting_for_host";
      case sp::EdgeSession::State::online:
        return "online";
      case sp::EdgeSession::State::leaving:
        return "leaving";
    }
    return "disconnected";
  };
  const auto set_error = [this](std::string e) {
    std::lock_guard lock(mutex_);
    stats_.last_error = std::move(e);
  };

  while (!stop.stop_requested()) {
    net::MqttOptions options;
    options.host = config_.uplink.host;
    options.port = config_.uplink.port;
    options.client_id = fmt::format("vigil-edge-{}-{}", config_.node.group, config_.node.id);
    if (!config_.uplink.ca_file.empty()) {
      options.tls = net::MqttTls{.ca_file = config_.uplink.ca_file.string(),
                                 .cert_file = config_.uplink.cert_file.string(),
                                 .key_file = config_.uplink.key_file.string()};
    }
    // The Will carries the bdSeq of this CONNECT: a new client (and Will) for every connection attempt.
    const sp::OutboundMessage will = session_.will(wall_ms());
    options.will = net::MqttWill{.topic = will.topic,
                                 .payload = std::string(will.payload.begin(), will.payload.end()),
                                 .qos = will.qos,
                                 .retain = will.retain};
    auto client = net::MqttClient::create(options);
    if (!client) {
      set_error(client.error().message);
      events_("error", "uplink", client.error().message);
      return;  // a configuration problem (certificate files): retrying cannot help
    }
    (*client)->on_message([this](std::string_view topic, std::span<const std::byte> payload) {
      const auto* b = reinterpret_cast<const std::uint8_t*>(payload.data());
      std::lock_guard lock(mutex_);
      inbox_.emplace_back(std::string(topic), std::vector<std::uint8_t>(b, b + payload.size()));
    });
    if (auto ok = (*client)->connect(std::chrono::seconds(10)); !ok) {
      set_error(ok.error().message);
      const auto delay = backoff->next();
      for (auto until = std::chrono::steady_clock::now() + delay;
           !stop.stop_requested() && std::chrono::steady_clock::now() < until;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      continue;
    }
    backoff->reset();
    bool healthy = true;
    for (const auto& topic : session_.subscriptions()) {
      if (auto ok = (*client)->subscribe(topic, 1); !ok) {
        set_error(ok.error().message);
        healthy = false;
        break;
      }
    }
    const std::uint64_t connected_at_ms = wall_ms();
    // Publishes the session's messages; applies acknowledgements. false: drop this connection.
    const auto apply = [&](Result<sp::SessionActions> actions) {
      if (!actions) {
        events_("warn", "uplink_message", actions.error().message);
        return true;
      }
      for (const auto& m : actions->publish) {
        const auto* b = reinterpret_cast<const std::byte*>(m.payload.data());
        if (auto ok = (*client)->publish(m.topic, std::span(b, m.payload.size()), m.qos, m.retain); !ok) {
          set_error(ok.error().message);
          return false;
        }
      }
      std::vector<std::int64_t> ids;
      for (const auto& r : actions->acknowledged) {
        for (std::uint64_t id = r.first; id <= r.last && ids.size() < 1'000'000; ++id) {
          ids.push_back(static_cast<std::int64_t>(id));
        }
      }
      if (!ids.empty()) {
        auto removed = queue_.acknowledge(ids);
        for (auto id : ids) in_flight.erase(id);
        std::lock_guard lock(mutex_);
        stats_.records_acknowledged += removed ? static_cast<std::uint64_t>(*removed) : 0;
      }
      for (const sp::Command& c : actions->commands) {
        if (commands_) commands_(c);
      }
      return !actions->disconnect;
    };
    if (healthy) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.connects;
        stats_.connected = true;
      }
      healthy = apply(session_.on_connect_accepted(wall_ms()));
      {
        std::lock_guard lock(mutex_);
        liveness_changes_.clear();  // the births below are of the assets alive now
      }
      for (const auto& asset : config_.assets) {
        if (!healthy) break;
        if (!is_alive(asset.id)) continue;
        healthy = apply(session_.device_born(asset.id, asset_birth_metrics(asset), wall_ms()));
      }
      events_("info", "uplink_connected",
              fmt::format("{}:{} bdSeq {}", config_.uplink.host, config_.uplink.port, int(session_.bdseq())));
    }
    in_flight.clear();  // after a reconnect everything unacknowledged goes again (the hub de-duplicates)
    double historical_tokens = 0;
    auto last_tick = std::chrono::steady_clock::now();
    auto next_node_report = last_tick;
    while (healthy && !stop.stop_requested() && (*client)->connected()) {
      std::deque<std::pair<std::string, std::vector<std::uint8_t>>> inbox;
      std::deque<std::pair<std::string, bool>> liveness;
      {
        std::lock_guard lock(mutex_);
        inbox.swap(inbox_);
        liveness.swap(liveness_changes_);
        stats_.state = state_name();
        stats_.bdseq = session_.bdseq();
        stats_.in_flight = in_flight.size();
      }
      for (auto& [topic, payload] : inbox) {
        if (!(healthy = apply(session_.on_message(topic, payload, wall_ms())))) break;
      }
      for (const auto& [asset_id, alive] : liveness) {
        if (!healthy) break;
        const AssetConfig* asset = config_.find_asset(asset_id);
        if (asset == nullptr) continue;
        healthy = apply(alive ? session_.device_born(asset_id, asset_birth_metrics(*asset), wall_ms())
                              : session_.device_dead(asset_id, wall_ms()));
      }
      if (!healthy) break;
      const auto now = std::chrono::steady_clock::now();
      historical_tokens =
          std::min(config_.uplink.max_historical_per_s,
                   historical_tokens + config_.uplink.max_historical_per_s *
                                           std::chrono::duration<double>(now - last_tick).count());
      last_tick = now;
      if (session_.state() == sp::EdgeSession::State::online) {
        if (now >= next_node_report && node_report_) {
          next_node_report = now + k_node_report_every;
          const NodeReport r = node_report_();
          healthy = apply(session_.report(
              "",
              {metric("Uplink/Backlog records", sp::DataType::uint64, r.backlog_records),
               metric("Uplink/Backlog age s", sp::DataType::float64, r.backlog_age_s),
               metric("Uplink/Evictions", sp::DataType::uint64, r.evictions),
               metric("Pipeline/Dropped blocks", sp::DataType::uint64, r.dropped_blocks),
               metric("Baseline/Assets pending", sp::DataType::uint64, r.baseline_pending),
               metric(k_model_version_metrics[0], sp::DataType::string, text_or_null(r.model_versions[0])),
               metric(k_model_version_metrics[1], sp::DataType::string, text_or_null(r.model_versions[1])),
               metric(k_model_version_metrics[2], sp::DataType::string, text_or_null(r.model_versions[2]))},
              wall_ms()));
        }
        auto batch = queue_.next_batch(k_batch_records + in_flight.size(), k_batch_bytes);
        if (!batch) {
          set_error(batch.error().message);
        } else {
          for (const store::QueuedRecord& rec : *batch) {
            if (!healthy) break;
            auto sent = in_flight.find(rec.id);
            const bool resend = sent != in_flight.end();
            if (resend && now - sent->second < k_resend_after) continue;
            if (!resend && in_flight.size() >= k_max_in_flight) break;
            const bool historical = rec.appended_ms < static_cast<std::int64_t>(connected_at_ms);
            if (historical) {
              if (historical_tokens < 1) continue;
              historical_tokens -= 1;
            }
            auto metrics = record_metrics(rec, historical);
            if (!metrics) {
              // A record the uplink cannot read never will be: say so and drop it from the queue.
              events_("error", "uplink_record", metrics.error().message);
              const std::int64_t id = rec.id;
              (void)queue_.acknowledge(std::span(&id, 1));
              continue;
            }
            healthy = apply(session_.report(rec.record.asset, std::move(*metrics), wall_ms()));
            in_flight[rec.id] = now;
            std::lock_guard lock(mutex_);
            ++(resend ? stats_.records_resent : stats_.records_sent);
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (stop.stop_requested() && (*client)->connected()) {
      for (const auto& m : session_.shutdown(wall_ms()).publish) {
        const auto* b = reinterpret_cast<const std::byte*>(m.payload.data());
        (void)(*client)->publish(m.topic, std::span(b, m.payload.size()), m.qos, m.retain);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the NDEATH leave
    } else {
      events_("warn", "uplink_lost", (*client)->last_error());
    }
    session_.on_connection_lost();
    std::lock_guard lock(mutex_);
    stats_.connected = false;
    stats_.state = state_name();
  }
}

}  // namespace vigil::edge
