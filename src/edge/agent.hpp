// The edge agent: one configured node — its assets' monitors in the pipeline, the sources feeding them,
// the decisions they make, reloads without losing a sample, and the node's status for a person at the
// console. vigil-edge (apps/vigil-edge) only parses options, handles signals and runs it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/logfmt.hpp"
#include "edge/asset_monitor.hpp"
#include "edge/commissioning.hpp"
#include "edge/config.hpp"
#include "edge/metrics_server.hpp"
#include "edge/modbus_server.hpp"
#include "edge/pipeline.hpp"
#include "edge/recorder.hpp"
#include "edge/sensor_source.hpp"
#include "edge/simulated_source.hpp"
#include "edge/uplink.hpp"

namespace vigil::edge {

struct AgentOptions {
  double time_scale = 1;  // simulated channels run this many times faster than the wall clock
  dsp::PlanEffort effort = dsp::PlanEffort::measure;
};

using vigil::LogEvent;
using vigil::to_logfmt;
using LogSink = std::function<void(const LogEvent&)>;

// What the agent reports of an asset (status, the uplink later): its latest decision in words.
struct AssetState {
  std::string id;
  std::string location;
  AlertLevel level = AlertLevel::normal;
  Ne107Status ne107 = Ne107Status::check_function;  // until the first window
  diag::Verdict fault = diag::Verdict::normal;
  double confidence = 0;
  double velocity_rms_mm_s = 0;
  diag::IsoZone iso_zone = diag::IsoZone::A;
  ModelState model_state = ModelState::missing;
  std::string sentence;  // rebuilt when the level or the named fault changes
  std::uint64_t windows = 0;
  std::int64_t last_window_ns = 0;
  bool source_alive = true;  // false: its sensor channels fell silent ([sensors] silence_s)
};

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> create(EdgeConfig config, AgentOptions options, LogSink log);
  ~Agent();

  void start();
  // Stops the sources, drains the pipeline (every sample accepted is decided) and writes every decision
  // to the decision log and the uplink queue.
  void stop();

  // Applies a new configuration read from the same file: each asset's model bundles are reloaded and
  // swapped in between two windows (no sample is lost); a bundle that does not load keeps the running
  // model; an asset commissioned on site keeps its own model. Changes to the node, assets or channels are
  // refused (the running configuration is kept); other changes (policy, uplink, ...) take effect at the next
  // start, which the log says.
  Status reload(const EdgeConfig& next);

  // Housekeeping from the main loop (about once a second): fits the anomaly model of every channel whose
  // baseline is complete, stores it and switches to it; starts the re-baselines that were asked for (by
  // request file or a host's DCMD) and carries out the hosts' other commands; reports assets whose sensor
  // channels fell silent (DDEATH) and those that came back.
  void tick();
  // Forgets an asset's commissioned model (after a repair) and records a new baseline: physics and ISO
  // decide meanwhile. not_found for an unknown asset; invalid_argument when the asset has a configured
  // anomaly bundle or baseline_h = 0 (nothing to commission).
  Status rebaseline(std::string_view asset_id);
  // Where a channel's commissioned model is stored.
  std::filesystem::path commissioned_path(std::size_t channel) const;
  // `asset` with its anomaly bundle set to the channel's commissioned model, when it learns one on site and
  // that model has been stored; otherwise unchanged.
  AssetConfig with_commissioned_model(std::size_t channel, AssetConfig asset) const;

  std::vector<AssetState> assets() const;
  // Prometheus text exposition of the node's counters, gauges and latency histograms (docs/edge-metrics.md).
  std::string prometheus() const;
  // The node's status as JSON (docs/edge-status.md): node, uptime, per-asset state, per-channel counters.
  nlohmann::json status() const;
  const EdgeConfig& config() const { return config_; }

 private:
  Agent(EdgeConfig config, AgentOptions options, LogSink log);
  void on_decision(std::size_t channel, const AssetMonitor& monitor, const Decision& d);
  void log(std::string level, std::string event,
           std::vector<std::pair<std::string, std::string>> fields) const;

  EdgeConfig config_;
  AgentOptions options_;
  LogSink log_;
  std::chrono::steady_clock::time_point started_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<std::unique_ptr<SimulatedSource>> simulated_;
  std::unique_ptr<SensorSource> sensors_;  // when any channel is mqtt
  std::unique_ptr<Uplink> uplink_;
  std::unique_ptr<MetricsServer> metrics_;
  std::unique_ptr<ModbusServer> modbus_;  // [modbus]: the assets' condition for SCADA

  // [plc]: a thread owns the PLC session; it polls process values every poll_s and carries out the
  // actuations asked for when an asset's level rises (through the actuation gate).
  struct PendingActuation {
    std::size_t asset = 0;
    AlertLevel level = AlertLevel::normal;
    double confidence = 0;
  };
  void run_plc(std::stop_token stop);
  double speed_of(std::size_t asset) const;
  // The asset's commissioning baseline done (its least advanced channel), 0..1; none when it does not
  // commission on site.
  std::optional<double> baseline_progress(
      std::size_t asset) const;  // the PLC's measured speed when the asset takes it from there
  std::unique_ptr<std::atomic<double>[]> plc_speed_rpm_;  // per asset; 0 until the PLC answered
  std::mutex plc_mutex_;
  std::condition_variable_any plc_wake_;
  std::deque<PendingActuation> pending_actuations_;
  std::jthread plc_thread_;                 // when [uplink] is configured
  std::vector<std::size_t> channel_asset_;  // channel -> index in config_.assets
  // Commissioning, per channel: the baseline being recorded (touched by the channel's worker inside the
  // sink, and by tick() through Pipeline::with_monitor, never both at once), its progress for the status.
  struct Commissioning {
    std::optional<Baseline> baseline;
    std::atomic<double> progress{1.0};  // 1 = not commissioning
  };
  std::vector<std::unique_ptr<Commissioning>> commissioning_;
  void start_baseline(std::size_t channel);
  // A host's command (from the uplink's thread), carried out by tick().
  void run_command(const proto::sparkplug::Command& command);
  void check_sources();
  std::mutex commands_mutex_;
  std::vector<proto::sparkplug::Command> commands_;

  mutable std::mutex state_mutex_;
  std::vector<AssetState> state_;              // one per asset
  std::vector<ModelVersions> model_versions_;  // one per asset, logged with each decision
  std::vector<std::chrono::steady_clock::time_point> last_decision_at_;  // one per asset
};

}  // namespace vigil::edge
