// The agent's PLC thread: polls the process values and carries out the actuations the decisions ask for.
#include <fmt/core.h>

#include "edge/actuation.hpp"
#include "edge/agent.hpp"
#include "edge/agent_detail.hpp"
#include "edge/plc_client.hpp"

namespace vigil::edge {

using detail::now_ns;

void Agent::run_plc(std::stop_token stop) {
  auto plc = PlcClient::create(config_.plc);
  auto gate = ActuationGate::create(config_.policy.actuation, config_.plc, config_.assets.size());
  if (!plc || !gate) {
    log("error", "plc", {{"error", !plc ? plc.error().message : gate.error().message}});
    return;
  }
  bool reachable = true;
  const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(config_.plc.poll_s));
  auto next_poll = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    if (std::chrono::steady_clock::now() >= next_poll) {
      next_poll += period;
      auto values = plc->read_process_values();
      if (values && values->speed_rpm) {
        for (std::size_t i = 0; i < config_.assets.size(); ++i) {
          if (config_.assets[i].speed_source == SpeedSource::plc) {
            plc_speed_rpm_[i].store(*values->speed_rpm, std::memory_order_relaxed);
          }
        }
      }
      if (!values && reachable) log("warn", "plc_unreachable", {{"error", values.error().message}});
      if (values && !reachable) log("info", "plc_reachable", {});
      reachable = values.has_value();
    }
    std::deque<PendingActuation> pending;
    {
      std::lock_guard lock(plc_mutex_);
      pending.swap(pending_actuations_);
    }
    for (const PendingActuation& p : pending) {
      Interlock interlock = Interlock::not_wired;
      if (config_.plc.interlock_register >= 0) {
        auto state = plc->read_interlock();
        interlock = state ? *state : Interlock::unreadable;
      }
      const ActuationRecord record = gate->decide({.asset = p.asset,
                                                   .asset_id = config_.assets[p.asset].id,
                                                   .level = p.level,
                                                   .confidence = p.confidence,
                                                   .at_ns = now_ns(),
                                                   .interlock = interlock});
      std::string outcome = "withheld";
      if (record.write()) {
        auto written = plc->write_register(record.register_address, record.value);
        outcome = written ? "written" : "write failed: " + written.error().message;
      }
      log(record.write() ? "warn" : "info", "actuation",
          {{"asset", config_.assets[p.asset].id}, {"outcome", outcome}, {"record", record.line}});
    }
    std::unique_lock lock(plc_mutex_);
    plc_wake_.wait_until(lock, stop, next_poll, [&] { return !pending_actuations_.empty(); });
  }
}

}  // namespace vigil::edge
