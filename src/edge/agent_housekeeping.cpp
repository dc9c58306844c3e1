// The agent's housekeeping from the main loop: commissioning (baselines, fitting, storing, switching),
// re-baselining, the hosts' commands, and the liveness of the assets' sensor sources.
#include <algorithm>
#include <filesystem>

#include <fmt/core.h>

#include "edge/agent.hpp"
#include "edge/agent_detail.hpp"

namespace vigil::edge {

using detail::baseline_windows;
using detail::commissions_on_site;

AssetConfig Agent::with_commissioned_model(std::size_t channel, AssetConfig asset) const {
  std::error_code ec;
  if (commissions_on_site(asset) && std::filesystem::exists(commissioned_path(channel), ec)) {
    asset.anomaly_bundle = commissioned_path(channel);
  }
  return asset;
}

std::filesystem::path Agent::commissioned_path(std::size_t channel) const {
  return config_.storage.dir / "models" /
         fmt::format("{}-channel{}.anomaly.vigil", config_.channels[channel].asset, channel);
}

void Agent::run_command(const proto::sparkplug::Command& command) {
  const std::string& asset = command.device_id;
  const auto* requested = std::get_if<bool>(&command.metric.value);
  const bool known =
      command.metric.name == k_send_evidence_command || command.metric.name == k_rebaseline_command;
  if (asset.empty() || !known || requested == nullptr || !*requested) {
    log("warn", "command_ignored",
        {{"asset", asset.empty() ? "(node)" : asset},
         {"metric", command.metric.name},
         {"why", !known          ? "not a command of Vigil's"
                 : asset.empty() ? "an asset's command sent to the node"
                                 : "only true is a request"}});
    return;
  }
  log("info", "command", {{"asset", asset}, {"metric", command.metric.name}});
  if (command.metric.name == k_rebaseline_command) {
    if (auto ok = rebaseline(asset); !ok)
      log("error", "rebaseline_refused", {{"asset", asset}, {"why", ok.error().message}});
    return;
  }
  for (std::size_t ch = 0; ch < config_.channels.size(); ++ch) {
    if (config_.channels[ch].asset == asset)
      pipeline_->with_monitor(ch, [](AssetMonitor& m) { m.request_evidence(); });
  }
}

void Agent::check_sources() {
  const auto now = std::chrono::steady_clock::now();
  const auto silence = std::chrono::duration<double>(config_.sensors.silence_s);
  for (std::size_t i = 0; i < config_.assets.size(); ++i) {
    const std::string& id = config_.assets[i].id;
    const bool sensed =
        std::any_of(config_.channels.begin(), config_.channels.end(),
                    [&](const ChannelConfig& ch) { return ch.asset == id && ch.source == SourceKind::mqtt; });
    if (!sensed) continue;  // a simulated source does not fall silent
    {
      std::lock_guard lock(state_mutex_);
      AssetState& s = state_[i];
      if (!s.source_alive || now - last_decision_at_[i] < silence) continue;
      s.source_alive = false;
    }
    log("warn", "source_lost", {{"asset", id}, {"silent_s", fmt::format("{:g}", config_.sensors.silence_s)}});
    if (uplink_) uplink_->set_asset_alive(id, false);
  }
}

void Agent::tick() {
  std::vector<proto::sparkplug::Command> commands;
  {
    std::lock_guard lock(commands_mutex_);
    commands.swap(commands_);
  }
  for (const auto& c : commands) run_command(c);
  check_sources();
  // Re-baselines asked for by `vigil-edge --rebaseline ASSET` (a request file in the storage folder).
  std::error_code ec;
  for (const auto& asset : config_.assets) {
    const auto request = config_.storage.dir / fmt::format("rebaseline-{}.request", asset.id);
    if (!std::filesystem::exists(request, ec)) continue;
    std::filesystem::remove(request, ec);
    if (auto ok = rebaseline(asset.id); !ok)
      log("error", "rebaseline_refused", {{"asset", asset.id}, {"why", ok.error().message}});
  }
  for (std::size_t ch = 0; ch < commissioning_.size(); ++ch) {
    Commissioning& cm = *commissioning_[ch];
    if (!cm.baseline || cm.progress.load(std::memory_order_relaxed) < 1.0) continue;
    std::optional<model::AnomalyModel> fitted;
    std::size_t rows = 0, skipped = 0;
    double speed_min = 0, speed_max = 0;
    Error failure;
    pipeline_->with_monitor(ch, [&](AssetMonitor&) {
      auto m = fit_baseline(*cm.baseline);
      rows = cm.baseline->rows();
      skipped = cm.baseline->skipped();
      speed_min = cm.baseline->speed_rpm_min();
      speed_max = cm.baseline->speed_rpm_max();
      if (m) {
        fitted.emplace(std::move(*m));
      } else {
        failure = m.error();
      }
      cm.baseline.reset();
    });
    const ChannelConfig& channel = config_.channels[ch];
    const AssetConfig& asset = *config_.find_asset(channel.asset);
    if (!fitted) {
      log("error", "baseline_failed", {{"asset", asset.id}, {"why", failure.message}});
      start_baseline(ch);
      continue;
    }
    const auto path = commissioned_path(ch);
    if (auto saved = save_commissioned(path, *fitted, asset.id, channel.sample_rate_hz,
                                       window_len_of(channel), rows, speed_min, speed_max);
        !saved) {
      log("error", "baseline_not_saved", {{"asset", asset.id}, {"why", saved.error().message}});
    }
    AssetConfig effective = asset;
    effective.anomaly_bundle = path;
    AssetModels models = load_asset_models(effective, channel.sample_rate_hz, window_len_of(channel));
    if (!models.anomaly) {
      // The saved bundle did not read back: use the model fitted in memory, keep the classifier.
      models.anomaly.emplace(std::move(*fitted));
      models.versions.anomaly = "commissioned";
      models.state = ModelState::ok;
    }
    {
      std::lock_guard lock(state_mutex_);
      model_versions_[channel_asset_[ch]] = models.versions;
      state_[channel_asset_[ch]].model_state = ModelState::ok;
    }
    pipeline_->with_monitor(ch, [&](AssetMonitor& m) {
      m.replace_models(std::move(models));
      m.set_check_function(false);
    });
    log("info", "commissioned",
        {{"asset", asset.id},
         {"windows", std::to_string(rows)},
         {"skipped", std::to_string(skipped)},
         {"bundle", path.string()}});
  }
}

void Agent::start_baseline(std::size_t ch) {
  const ChannelConfig& channel = config_.channels[ch];
  const AssetConfig& asset = *config_.find_asset(channel.asset);
  const std::size_t window_len = window_len_of(channel);
  const std::size_t rows = baseline_windows(asset, channel);
  auto baseline = Baseline::create(rows, model::k_feature_count);
  if (!baseline) {
    log("error", "baseline_refused", {{"asset", asset.id}, {"why", baseline.error().message}});
    return;
  }
  Commissioning& cm = *commissioning_[ch];
  pipeline_->with_monitor(ch, [&](AssetMonitor& m) {
    cm.baseline.emplace(std::move(*baseline));
    cm.progress = 0;
    AssetConfig no_anomaly = asset;  // keep a configured classifier
    no_anomaly.anomaly_bundle.clear();
    m.replace_models(load_asset_models(no_anomaly, channel.sample_rate_hz, window_len));
    m.set_check_function(true);
    m.reset_alerts();
  });
  log("info", "baseline_started", {{"asset", asset.id}, {"windows", std::to_string(rows)}});
}

Status Agent::rebaseline(std::string_view asset_id) {
  const AssetConfig* asset = config_.find_asset(asset_id);
  if (!asset) return fail(ErrorCode::not_found, "no asset '{}'", asset_id);
  if (!commissions_on_site(*asset)) {
    return fail(ErrorCode::invalid_argument,
                "asset '{}' has a configured anomaly_bundle or baseline_h = 0: nothing to commission",
                asset_id);
  }
  for (std::size_t ch = 0; ch < config_.channels.size(); ++ch) {
    if (config_.channels[ch].asset != asset_id) continue;
    std::error_code ec;
    std::filesystem::remove(commissioned_path(ch), ec);
    start_baseline(ch);
  }
  return {};
}

}  // namespace vigil::edge
