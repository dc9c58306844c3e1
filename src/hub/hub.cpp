#include "hub/hub.hpp"

#include <fmt/format.h>

namespace vigil::hub {
namespace {

std::string node_name(const NodeKey& node) { return node.group_id + "/" + node.edge_node_id; }

}  // namespace

Result<std::unique_ptr<Hub>> Hub::create(const HubConfig& config, LogSink log) {
  std::unique_ptr<Hub> hub(new Hub(config, std::move(log)));
  auto service = HubService::create(config, hub->log_);
  if (!service) return std::unexpected(service.error());
  hub->service_ = std::move(*service);
  auto control = store::Store::open(config.store);
  if (!control) return std::unexpected(control.error());
  hub->control_store_.emplace(std::move(*control));
  alarms::AlarmConfig ac;
  ac.max_shelve_ms = static_cast<std::int64_t>(config.alarms.max_shelve_h * 3'600'000);
  ac.webhooks.urls = config.alarms.webhooks;
  ac.webhooks.max_attempts = config.alarms.webhook_max_attempts;
  auto manager = alarms::AlarmManager::open(*hub->control_store_, std::move(ac));
  if (!manager) return std::unexpected(manager.error().with_context("alarms"));
  hub->alarms_.emplace(std::move(*manager));
  hub->service_->on_events([h = hub.get()](std::span<const IngestEvent> events) { h->on_ingest(events); });
  return hub;
}

Hub::~Hub() { stop(); }

void Hub::start() { service_->start(); }

void Hub::stop() {
  if (service_) service_->stop();
}

void Hub::condition(alarms::Condition c) {
  if (auto ok = alarms_->on_condition(c); !ok) log_("warn", "alarm_condition", ok.error().message);
}

void Hub::on_ingest(std::span<const IngestEvent> events) {
  std::lock_guard lock(control_mutex_);
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
}

void Hub::tick(std::int64_t now_ms) {
  std::lock_guard lock(control_mutex_);
  if (auto ok = alarms_->tick(now_ms); !ok) log_("warn", "alarm_tick", ok.error().message);
}

}  // namespace vigil::hub
