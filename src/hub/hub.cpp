#include "hub/hub.hpp"

#include <fmt/format.h>

#include "hub/api/routes.hpp"
#include "hub/hub_routes.hpp"

namespace vigil::hub {
namespace {

std::string node_name(const NodeKey& node) { return node.group_id + "/" + node.edge_node_id; }

std::int64_t now_ms() { return static_cast<std::int64_t>(wall_clock_ms()); }

}  // namespace

Result<std::unique_ptr<Hub>> Hub::create(const HubConfig& config, LogSink log) {
  std::unique_ptr<Hub> hub(new Hub(config, std::move(log)));
  Hub& h = *hub;
  auto service = HubService::create(config, h.log_);
  if (!service) return std::unexpected(service.error());
  h.service_ = std::move(*service);
  auto control = store::Store::open(config.store);
  if (!control) return std::unexpected(control.error());
  h.control_store_.emplace(std::move(*control));
  h.shared_ = std::make_unique<api::SharedStore>(*h.control_store_);

  alarms::AlarmConfig ac;
  ac.max_shelve_ms = static_cast<std::int64_t>(config.alarms.max_shelve_h * 3'600'000);
  ac.webhooks.urls = config.alarms.webhooks;
  ac.webhooks.max_attempts = config.alarms.webhook_max_attempts;
  auto manager = alarms::AlarmManager::open(*h.control_store_, std::move(ac));
  if (!manager) return std::unexpected(manager.error().with_context("alarms"));
  h.alarms_.emplace(std::move(*manager));

  auto auth = api::Auth::create(*h.shared_, config.api.server.auth);
  if (!auth) return std::unexpected(auth.error().with_context("users"));
  h.auth_ = std::move(*auth);
  auto admin = h.auth_->bootstrap_admin("admin");
  if (!admin) return std::unexpected(admin.error().with_context("first admin"));
  h.first_admin_password_ = *admin;

  h.router_ = std::make_unique<api::Router>(
      [a = h.auth_.get()](std::string_view token) { return a->authenticate(token); });
  api::add_auth_routes(*h.router_, *h.auth_);
  api::add_store_routes(*h.router_, *h.shared_, h.events_,
                        [s = h.service_.get()](const std::string& group, const std::string& node) {
                          nlohmann::json values = nlohmann::json::object();
                          for (const NodeStatus& n : s->nodes())
                            if (n.node.group_id == group && n.node.edge_node_id == node)
                              for (const auto& [k, v] : n.values) values[k] = v;
                          return values;
                        });
  api::add_system_routes(*h.router_, h.metrics_, h.events_, config.api.server.live_queue_events);
  add_twin_routes(*h.router_, *h.shared_, now_ms);
  add_alarm_routes(*h.router_, *h.shared_, *h.alarms_, now_ms,
                   [p = hub.get()] { p->publish_alarm_events(); });
  if (!config.api.web_dir.empty()) serve_web(*h.router_, config.api.web_dir);
  h.register_metrics();
  h.service_->on_events([p = hub.get()](std::span<const IngestEvent> events) { p->on_ingest(events); });
  return hub;
}

Hub::~Hub() { stop(); }

Status Hub::start() {
  if (config_.api.enabled) {
    auto server = api::HttpServer::create(config_.api.server, *router_, metrics_);
    if (!server) return std::unexpected(server.error().with_context("api"));
    server_ = std::move(*server);
    log_("info", "api_listening",
         fmt::format("{}://{}:{}", config_.api.server.tls_cert.empty() ? "http" : "https",
                     config_.api.server.address, server_->port()));
  }
  service_->start();
  return {};
}

void Hub::stop() {
  if (service_) service_->stop();
  if (server_) server_->stop();
}

void Hub::register_metrics() {
  const ServiceStats& s = service_->stats();
  const auto gauge = [&](const std::string& name, const std::string& help,
                         const std::atomic<std::uint64_t>& v) {
    metrics_.gauge_callback(name, help, {}, [&v] { return static_cast<double>(v.load()); });
  };
  gauge("vigil_hub_messages_received_total", "Sparkplug messages received from the broker",
        s.messages_received);
  gauge("vigil_hub_messages_dropped_total", "messages dropped: the ingest queue was full",
        s.messages_dropped);
  gauge("vigil_hub_messages_refused_total", "messages refused: malformed or against the session rules",
        s.messages_refused);
  gauge("vigil_hub_values_stored_total", "metric values stored durably", s.values_stored);
  gauge("vigil_hub_records_acknowledged_total", "edge records acknowledged after their commit",
        s.records_acknowledged);
  gauge("vigil_hub_duplicate_records_total", "records received again and stored once", s.duplicate_records);
  gauge("vigil_hub_store_failures_total", "batches the store refused (tried again)", s.store_failures);
  gauge("vigil_hub_ingest_queue_messages", "messages received, not yet stored", s.queue_depth);
  metrics_.gauge_callback("vigil_hub_store_batch_seconds_last", "the last batch's store time", {},
                          [&s] { return static_cast<double>(s.store_latency_us_last.load()) / 1e6; });
  metrics_.gauge_callback("vigil_hub_store_batch_seconds_max", "the slowest batch's store time", {},
                          [&s] { return static_cast<double>(s.store_latency_us_max.load()) / 1e6; });
  metrics_.gauge_callback("vigil_hub_broker_connected", "1 while connected to the broker", {},
                          [&s] { return s.connected.load() ? 1.0 : 0.0; });
  for (const auto state :
       {alarms::AlarmState::unack_active, alarms::AlarmState::ack_active, alarms::AlarmState::unack_rtn,
        alarms::AlarmState::latched_unack, alarms::AlarmState::latched_ack}) {
    metrics_.gauge_callback("vigil_hub_alarms", "open alarms by ISA-18.2 state",
                            {{"state", std::string(alarms::to_string(state))}}, [this, state] {
                              auto by_asset = shared_->with([&](store::Store&) {
                                alarms::AlarmFilter all;
                                all.include_hidden = true;
                                return alarms_->list_by_asset(all);
                              });
                              double n = 0;
                              if (by_asset)
                                for (const auto& a : *by_asset)
                                  for (const auto& alarm : a.alarms) n += alarm.state == state ? 1 : 0;
                              return n;
                            });
  }
}

void Hub::condition(alarms::Condition c) {
  if (auto ok = alarms_->on_condition(c); !ok) log_("warn", "alarm_condition", ok.error().message);
}

void Hub::on_ingest(std::span<const IngestEvent> events) {
  shared_->with([&](store::Store&) {
    for (const IngestEvent& e : events) {
      const std::string actor = "edge:" + node_name(e.node);
      switch (e.kind) {
        case IngestEvent::Kind::node_birth:
        case IngestEvent::Kind::node_death:
          condition({0, node_name(e.node), "node_offline", e.kind == IngestEvent::Kind::node_death, e.ts_ms,
                     actor, e.kind == IngestEvent::Kind::node_death ? "the edge node's session ended" : ""});
          break;
        case IngestEvent::Kind::asset_death:
          // A node's death is one alarm (node_offline), not one per asset as well.
          if (e.with_node) break;
          condition({e.asset_id, "", "asset_stale", true, e.ts_ms, actor, "the asset's data stopped"});
          break;
        case IngestEvent::Kind::asset_birth:
          condition({e.asset_id, "", "asset_stale", false, e.ts_ms, actor, ""});
          [[fallthrough]];
        case IngestEvent::Kind::data:
          for (const auto& [metric, value] : e.texts) {
            if (!e.historical) {
              auto [it, inserted] = last_value_.try_emplace({e.asset_id, metric}, value);
              if (!inserted && it->second == value) continue;
              it->second = value;
            }
            auto conditions = alarms::conditions_from_metric(e.asset_id, metric, value, e.ts_ms, actor);
            if (!conditions) {
              log_("warn", "alarm_condition", conditions.error().message);
              continue;
            }
            for (alarms::Condition& c : *conditions) condition(std::move(c));
          }
          break;
      }
    }
  });
  // Live clients: what changed, per asset and node (built only when someone listens: this runs per batch
  // at the ingest's rate), then the alarms it raised.
  const bool listened = events_.subscribers() > 0;
  for (const IngestEvent& e : listened ? events : std::span<const IngestEvent>()) {
    if (e.kind == IngestEvent::Kind::node_birth || e.kind == IngestEvent::Kind::node_death) {
      events_.publish("edge_node.updated", {{"group_id", e.node.group_id},
                                            {"node_id", e.node.edge_node_id},
                                            {"online", e.kind == IngestEvent::Kind::node_birth},
                                            {"ts_ms", e.ts_ms}});
      continue;
    }
    nlohmann::json metrics = nlohmann::json::array();
    for (const auto& [name, value] : e.numbers)
      metrics.push_back({{"metric", name}, {"value", value}, {"ts_ms", e.ts_ms}});
    for (const auto& [name, value] : e.texts)
      metrics.push_back({{"metric", name}, {"value", value}, {"ts_ms", e.ts_ms}});
    events_.publish("asset.metrics", {{"asset_id", e.asset_id},
                                      {"device_id", e.device_id},
                                      {"online", e.kind != IngestEvent::Kind::asset_death},
                                      {"historical", e.historical},
                                      {"ts_ms", e.ts_ms},
                                      {"metrics", std::move(metrics)}});
  }
  publish_alarm_events();
}

void Hub::publish_alarm_events() {
  const auto events = shared_->with([&](store::Store&) { return alarms_->take_events(); });
  for (const auto& e : events) events_.publish("alarm", to_json(e));
}

void Hub::tick(std::int64_t now) {
  if (auto ok = shared_->with([&](store::Store&) { return alarms_->tick(now); }); !ok)
    log_("warn", "alarm_tick", ok.error().message);
  publish_alarm_events();
}

}  // namespace vigil::hub
