// The whole hub in one process: the Sparkplug host and its ingest (HubService, on its own thread and store
// connection) and, on a second connection shared by the API's threads, the alarms fed by what the ingest
// stored, the users, the digital twins and the HTTP API with its live events. `vigil-hub` is a thin main
// around this; the benchmarks and tests start it in-process.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "hub/alarms/alarm_manager.hpp"
#include "hub/api/auth.hpp"
#include "hub/api/event_bus.hpp"
#include "hub/api/http_server.hpp"
#include "hub/api/metrics.hpp"
#include "hub/api/router.hpp"
#include "hub/api/shared_store.hpp"
#include "hub/config.hpp"
#include "hub/service.hpp"

namespace vigil::hub {

class Hub {
 public:
  using LogSink = HubService::LogSink;

  // Opens the store (migrating it: the alarms' and users' tables too), creates the first admin when there is
  // no user yet, and prepares everything; connects and listens only in start().
  static Result<std::unique_ptr<Hub>> create(const HubConfig& config, LogSink log);
  ~Hub();

  // Listens (when the API is enabled) and connects to the broker.
  Status start();
  // Stops the ingest (draining it), then the API.
  void stop();
  // Once a second: timed shelves end, webhook notifications are retried, live clients get the alarm events.
  void tick(std::int64_t now_ms);

  const ServiceStats& stats() const { return service_->stats(); }
  // The API's port once listening (0 before, or with the API disabled).
  std::uint16_t api_port() const { return server_ ? server_->port() : 0; }
  // The first admin's one-time password, when this start created it.
  const std::optional<std::string>& first_admin_password() const { return first_admin_password_; }
  const api::Router& router() const { return *router_; }

 private:
  Hub(const HubConfig& config, LogSink log) : config_(config), log_(std::move(log)) {}
  // The alarm conditions and live events an ingest batch implies, after its commit (ingest thread).
  void on_ingest(std::span<const IngestEvent> events);
  void condition(alarms::Condition c);
  void publish_alarm_events();
  void register_metrics();

  HubConfig config_;
  LogSink log_;
  std::unique_ptr<HubService> service_;

  // The control side on its own store connection, used one thread at a time through `shared_`.
  std::optional<store::Store> control_store_;
  std::unique_ptr<api::SharedStore> shared_;
  std::optional<alarms::AlarmManager> alarms_;
  std::unique_ptr<api::Auth> auth_;
  api::EventBus events_;
  api::MetricsRegistry metrics_;
  std::unique_ptr<api::Router> router_;
  std::unique_ptr<api::HttpServer> server_;
  std::optional<std::string> first_admin_password_;
  // The last live value of each alarm-relevant metric per asset: a repeat implies no new condition.
  std::map<std::pair<std::int64_t, std::string>, std::string> last_value_;
};

}  // namespace vigil::hub
