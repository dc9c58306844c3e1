// The whole hub in one process: the Sparkplug host and its ingest (HubService, on its own thread and store
// connection) and, on a second connection shared by the API's threads, the alarm management fed by what the
// ingest stored. `vigil-hub` is a thin main around this; the benchmarks start it in-process.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "hub/alarms/alarm_manager.hpp"
#include "hub/config.hpp"
#include "hub/service.hpp"

namespace vigil::hub {

class Hub {
 public:
  using LogSink = HubService::LogSink;

  // Opens the store (migrating it, the alarms' tables included) and prepares everything; does not connect.
  static Result<std::unique_ptr<Hub>> create(const HubConfig& config, LogSink log);
  ~Hub();

  void start();
  // Stops the ingest (draining it) and the rest.
  void stop();
  // Once a second: timed shelves end, webhook notifications are retried, live clients get the alarm events.
  void tick(std::int64_t now_ms);

  const ServiceStats& stats() const { return service_->stats(); }

 private:
  Hub(const HubConfig& config, LogSink log) : config_(config), log_(std::move(log)) {}
  // The alarm conditions an ingest batch implies, applied after its commit (on the ingest thread).
  void on_ingest(std::span<const IngestEvent> events);
  void condition(alarms::Condition c);

  HubConfig config_;
  LogSink log_;
  std::unique_ptr<HubService> service_;

  // The control side: the alarms (and the API, which shares it) on their own store connection.
  std::mutex control_mutex_;
  std::optional<store::Store> control_store_;
  std::optional<alarms::AlarmManager> alarms_;
  // The last live value of each alarm-relevant metric per asset: a repeat implies no new condition.
  std::map<std::pair<std::int64_t, std::string>, std::string> last_value_;
};

}  // namespace vigil::hub
