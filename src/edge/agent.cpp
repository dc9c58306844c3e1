#include "edge/agent.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/core.h>

#include "dsp/fft.hpp"
#include "edge/agent_detail.hpp"

namespace vigil::edge {

using detail::baseline_windows;
using detail::commissions_on_site;
using detail::hop_of;
using detail::k_pipeline_block;
using detail::k_pipeline_blocks;
using detail::now_ns;

namespace {

// Channels differ in what a reload cannot change without a restart.
bool same_wiring(const EdgeConfig& a, const EdgeConfig& b) {
  if (a.node.group != b.node.group || a.node.id != b.node.id || a.assets.size() != b.assets.size() ||
      a.channels.size() != b.channels.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.assets.size(); ++i) {
    if (a.assets[i].id != b.assets[i].id) return false;
  }
  for (std::size_t i = 0; i < a.channels.size(); ++i) {
    const auto &x = a.channels[i], &y = b.channels[i];
    if (x.asset != y.asset || x.source != y.source || x.sensor_node != y.sensor_node ||
        x.channel != y.channel || x.sample_rate_hz != y.sample_rate_hz || x.window_s != y.window_s ||
        x.overlap != y.overlap) {
      return false;
    }
  }
  return true;
}

}  // namespace

Agent::Agent(EdgeConfig config, AgentOptions options, LogSink log)
    : config_(std::move(config)),
      options_(options),
      log_(std::move(log)),
      started_(std::chrono::steady_clock::now()) {}

Agent::~Agent() { stop(); }

void Agent::log(std::string level, std::string event,
                std::vector<std::pair<std::string, std::string>> fields) const {
  if (log_) log_(LogEvent{std::move(level), std::move(event), std::move(fields)});
}

Result<std::unique_ptr<Agent>> Agent::create(EdgeConfig config, AgentOptions options, LogSink log) {
  std::unique_ptr<Agent> agent(new Agent(std::move(config), options, std::move(log)));
  Agent& a = *agent;
  const EdgeConfig& c = a.config_;
  // FFT plans measured on an earlier start are reused; what this start measures is kept for the next.
  const auto wisdom = c.storage.dir / "fftw.wisdom";
  if (auto ok = dsp::load_fft_wisdom(wisdom); !ok)
    a.log("warn", "fft_wisdom", {{"problem", ok.error().message}});
  for (const auto& asset : c.assets) {
    AssetState& s = a.state_.emplace_back();
    s.id = asset.id;
    s.location = asset.location;
  }
  a.model_versions_.resize(c.assets.size());
  a.last_decision_at_.assign(c.assets.size(), std::chrono::steady_clock::now());
  a.plc_speed_rpm_ = std::make_unique<std::atomic<double>[]>(c.assets.size());
  if (c.modbus.enabled) {
    auto server = ModbusServer::create(c.modbus, c.assets.size());
    if (!server) return std::unexpected(server.error().with_context("[modbus]"));
    a.modbus_ = std::move(*server);
  }
  std::vector<RecordedAsset> recorded;
  for (const auto& asset : c.assets) recorded.push_back({asset.id, asset.location});
  const auto retention_ms = static_cast<std::int64_t>(c.storage.log_retention_days * 86400e3);
  auto recorder = Recorder::create(
      {.log_file = c.storage.dir / "decisions.db",
       .queue_file = c.storage.dir / "outbox.db",
       .key_file = c.storage.dir / "node.key",
       .queue_budget_bytes = static_cast<std::int64_t>(c.storage.queue_budget_mb * 1024 * 1024),
       .retention = {.max_age_ms = retention_ms, .max_rows = std::nullopt},
       .telemetry_period_s = c.uplink.telemetry_period_s},
      std::move(recorded),
      [&a](std::size_t asset) {
        std::lock_guard lock(a.state_mutex_);
        return a.model_versions_[asset].text();
      },
      [&a](const Error& e) {
        a.log("error", "storage", {{"error", e.message}});
      });
  if (!recorder) return std::unexpected(recorder.error());
  a.recorder_ = std::move(*recorder);

  std::vector<PipelineChannel> channels;
  for (const auto& ch : c.channels) {
    const AssetConfig* asset = c.find_asset(ch.asset);
    if (!asset) return fail(ErrorCode::invalid_argument, "channel on unknown asset '{}'", ch.asset);
    const std::size_t window_len = window_len_of(ch);
    const std::size_t channel_index = a.commissioning_.size();
    a.commissioning_.push_back(std::make_unique<Commissioning>());
    const AssetConfig effective = a.with_commissioned_model(channel_index, *asset);
    const bool commissions = commissions_on_site(*asset);
    const bool commissioned_exists = effective.anomaly_bundle != asset->anomaly_bundle;
    AssetModels models = load_asset_models(effective, ch.sample_rate_hz, window_len);
    for (const auto& p : models.problems)
      a.log("warn", "model_problem", {{"asset", asset->id}, {"problem", p}});
    const ModelState model_state = models.state;
    const ModelVersions versions = models.versions;
    auto monitor = AssetMonitor::create(*asset, ch, c.policy, std::move(models), options.effort);
    if (!monitor) return std::unexpected(monitor.error());
    const std::size_t hop = hop_of(ch);
    const std::string name = ch.source == SourceKind::mqtt
                                 ? fmt::format("{}/{}:{}", asset->id, ch.sensor_node, ch.channel)
                                 : fmt::format("{}/simulator", asset->id);
    channels.push_back(PipelineChannel{.monitor = std::move(*monitor),
                                       .window_len = window_len,
                                       .hop = hop,
                                       .sample_rate_hz = ch.sample_rate_hz,
                                       .name = name});
    const auto asset_index = static_cast<std::size_t>(asset - c.assets.data());
    if (commissions && (!commissioned_exists || !channels.back().monitor.models().anomaly)) {
      const std::size_t rows = baseline_windows(*asset, ch);
      auto baseline = Baseline::create(rows, model::k_feature_count);
      if (!baseline)
        return std::unexpected(baseline.error().with_context(fmt::format("asset {}: baseline_h", asset->id)));
      a.commissioning_[channel_index]->baseline.emplace(std::move(*baseline));
      a.commissioning_[channel_index]->progress = 0;
      channels.back().monitor.set_check_function(true);
      a.log("info", "baseline_started",
            {{"asset", asset->id},
             {"windows", std::to_string(rows)},
             {"hours", fmt::format("{:g}", asset->baseline_h)}});
    }
    a.channel_asset_.push_back(asset_index);
    a.state_[asset_index].model_state = model_state;
    a.model_versions_[asset_index] = versions;
  }
  auto pipeline = Pipeline::create(
      std::move(channels),
      {.workers = c.node.workers, .max_block = k_pipeline_block, .queue_blocks = k_pipeline_blocks},
      [&a](std::size_t ch, const AssetMonitor& m, const Decision& d) { a.on_decision(ch, m, d); },
      [&a](std::size_t ch, const Error& e) {
        a.log("warn", "window_error", {{"channel", std::to_string(ch)}, {"error", e.message}});
      });
  if (!pipeline) return std::unexpected(pipeline.error());
  a.pipeline_ = std::move(*pipeline);
  if (auto ok = dsp::save_fft_wisdom(wisdom); !ok)
    a.log("warn", "fft_wisdom", {{"problem", ok.error().message}});

  const bool any_mqtt = std::any_of(c.channels.begin(), c.channels.end(),
                                    [](const ChannelConfig& ch) { return ch.source == SourceKind::mqtt; });
  if (any_mqtt) {
    Pipeline* p = a.pipeline_.get();
    auto sensors = SensorSource::create(
        c.sensors, fmt::format("vigil-edge-{}-{}-sensors", c.node.group, c.node.id), c.channels,
        [&a](std::size_t ch) { return a.speed_of(a.channel_asset_[ch]); },
        [p](std::size_t ch, std::span<const float> samples, std::int64_t t, double rpm) {
          // A frame longer than the pipeline's block is pushed in pieces.
          const std::size_t block = p->max_block();
          const double rate = p->sample_rate_hz(ch);
          for (std::size_t i = 0; i < samples.size(); i += block) {
            const auto piece = samples.subspan(i, std::min(block, samples.size() - i));
            p->push(ch, piece, t + static_cast<std::int64_t>(std::llround(double(i) * 1e9 / rate)), rpm);
          }
        });
    if (!sensors) return std::unexpected(sensors.error());
    a.sensors_ = std::move(*sensors);
  }

  if (c.uplink.enabled) {
    auto uplink = Uplink::create(
        c, a.recorder_->queue(),
        [&a] {
          NodeReport r;
          if (auto q = a.recorder_->queue().stats()) {
            for (const auto& cs : q->by_class) {
              r.backlog_records += static_cast<std::uint64_t>(cs.depth);
              r.backlog_age_s = std::max(r.backlog_age_s, double(cs.oldest_age_ms) / 1000);
              r.evictions += static_cast<std::uint64_t>(cs.evicted[0] + cs.evicted[1]);
            }
          }
          for (std::size_t i = 0; i < a.pipeline_->channel_count(); ++i) {
            r.dropped_blocks += a.pipeline_->stats(i).blocks_dropped;
          }
          for (std::size_t i = 0; i < a.config_.assets.size(); ++i) {
            if (auto p = a.baseline_progress(i); p && *p < 1) ++r.baseline_pending;
          }
          {
            std::lock_guard lock(a.state_mutex_);
            r.model_versions = distinct_versions(a.model_versions_);
          }
          return r;
        },
        [&a](std::string level, std::string event, std::string detail) {
          a.log(std::move(level), std::move(event), {{"detail", std::move(detail)}});
        });
    if (!uplink) return std::unexpected(uplink.error());
    a.uplink_ = std::move(*uplink);
    a.uplink_->on_command([&a](const proto::sparkplug::Command& command) {
      std::lock_guard lock(a.commands_mutex_);
      a.commands_.push_back(command);
    });
  }

  const std::int64_t start_ns = now_ns();
  for (std::size_t i = 0; i < c.channels.size(); ++i) {
    const ChannelConfig& ch = c.channels[i];
    if (ch.source != SourceKind::simulator) continue;
    Pipeline* p = a.pipeline_.get();
    // The simulated machine turns at the asset's nominal speed; the analysis takes the speed the way it
    // would for a sensor (measured by the PLC when the asset is wired to one).
    const std::size_t asset_index = a.channel_asset_[i];
    auto src = SimulatedSource::create(
        *c.find_asset(ch.asset), ch, start_ns, options.time_scale, 0.1,
        [&a, p, i, asset_index](std::span<const float> samples, std::int64_t t, double) {
          p->push(i, samples, t, a.speed_of(asset_index));
        });
    if (!src) return std::unexpected(src.error());
    a.simulated_.push_back(std::move(*src));
  }
  return agent;
}

void Agent::start() {
  if (config_.metrics.enabled) {
    auto m =
        MetricsServer::start(config_.metrics.bind, config_.metrics.port, [this] { return prometheus(); });
    if (m) {
      metrics_ = std::move(*m);
      log("info", "metrics",
          {{"url", fmt::format("http://{}:{}/metrics", config_.metrics.bind, metrics_->port())}});
    } else {
      log("error", "metrics", {{"error", m.error().message}});  // the agent decides without it
    }
  }
  {
    // A source is silent after silence_s of running without a window, not of starting up (planning FFTs,
    // opening the stores): its clock starts now.
    std::lock_guard lock(state_mutex_);
    std::fill(last_decision_at_.begin(), last_decision_at_.end(), std::chrono::steady_clock::now());
  }
  recorder_->start();
  if (uplink_) uplink_->start();
  if (config_.plc.enabled) plc_thread_ = std::jthread([this](std::stop_token st) { run_plc(st); });
  pipeline_->start();
  for (auto& s : simulated_) s->start();
  if (sensors_) {
    if (auto ok = sensors_->start(); !ok) log("error", "sensor_bus", {{"error", ok.error().message}});
  }
  log("info", "started",
      {{"node", config_.node.group + "/" + config_.node.id},
       {"assets", std::to_string(config_.assets.size())},
       {"channels", std::to_string(config_.channels.size())},
       {"workers", std::to_string(pipeline_->worker_count())}});
}

void Agent::stop() {
  if (!pipeline_) return;
  for (auto& s : simulated_) s->stop();
  if (sensors_) sensors_->stop();
  pipeline_->stop(true);
  recorder_->stop();
  if (uplink_) uplink_->stop();
  if (plc_thread_.joinable()) {
    plc_thread_.request_stop();
    plc_wake_.notify_all();
    plc_thread_.join();
  }
  metrics_.reset();
  modbus_.reset();
}

std::optional<double> Agent::baseline_progress(std::size_t asset) const {
  if (!detail::commissions_on_site(config_.assets[asset])) return std::nullopt;
  double progress = 1;
  for (std::size_t ch = 0; ch < channel_asset_.size(); ++ch) {
    if (channel_asset_[ch] == asset)
      progress = std::min(progress, commissioning_[ch]->progress.load(std::memory_order_relaxed));
  }
  return progress;
}

double Agent::speed_of(std::size_t asset) const {
  const AssetConfig& a = config_.assets[asset];
  const double measured = plc_speed_rpm_[asset].load(std::memory_order_relaxed);
  return a.speed_source == SpeedSource::plc && measured > 0 ? measured : a.speed_rpm;
}

void Agent::on_decision(std::size_t channel, const AssetMonitor& monitor, const Decision& d) {
  const std::size_t asset_index = channel_asset_[channel];
  if (Commissioning& cm = *commissioning_[channel]; cm.baseline && !cm.baseline->complete()) {
    cm.baseline->add(monitor.features(), d.raw.level == AlertLevel::normal, d.speed_rpm);
    cm.progress.store(cm.baseline->progress(), std::memory_order_relaxed);
  }
  recorder_->record(asset_index, d, baseline_progress(asset_index));
  bool report = false;
  bool came_back = false;
  std::string sentence;
  {
    std::lock_guard lock(state_mutex_);
    AssetState& s = state_[asset_index];
    last_decision_at_[asset_index] = std::chrono::steady_clock::now();
    came_back = !s.source_alive;
    s.source_alive = true;
    report = d.report_changed || s.windows == 0;
    s.level = d.level;
    s.ne107 = d.ne107;
    s.fault = d.reported.fault;
    s.confidence = d.reported.confidence;
    s.velocity_rms_mm_s = d.facts.velocity_rms_mm_s;
    s.iso_zone = d.facts.iso_zone;
    s.model_state = d.facts.model_state;
    ++s.windows;
    s.last_window_ns = d.end_ns;
    if (report) {
      s.sentence = describe(monitor.asset().location, d.facts, d.reported, d.level, d.recommendation);
      sentence = s.sentence;
    }
  }
  if (came_back) {
    log("info", "source_back", {{"asset", monitor.asset().id}});
    if (uplink_) uplink_->set_asset_alive(monitor.asset().id, true);
  }
  if (modbus_) {
    std::uint64_t windows = 0;
    {
      std::lock_guard lock(state_mutex_);
      windows = state_[asset_index].windows;
    }
    // With a RUL model, its health index and the lower bound of its interval; without one, the health
    // index steps with the reported level (docs/modbus.md): 1 normal, 0.75 watch, 0.5 warning, 0.25 alarm.
    (void)modbus_->update(
        asset_index, {.health_index = d.rul ? d.health : 1.0 - 0.25 * static_cast<double>(d.level),
                      .level = d.level,
                      .ne107 = d.ne107,
                      .rul_h = d.rul ? std::optional<double>(d.rul->rul_low_s / 3600) : d.facts.rul_low_h,
                      .fault = d.reported.fault,
                      .fault_confidence = d.reported.confidence,
                      .velocity_rms_mm_s = d.facts.velocity_rms_mm_s,
                      .iso_zone = d.facts.iso_zone,
                      .windows = windows});
  }
  if (config_.plc.enabled && d.level > d.previous_level && d.level >= AlertLevel::warning) {
    {
      std::lock_guard lock(plc_mutex_);
      pending_actuations_.push_back({asset_index, d.level, d.reported.confidence});
    }
    plc_wake_.notify_all();
  }
  if (report) {
    log(d.level == AlertLevel::normal ? "info" : "warn", "level_change",
        {{"asset", monitor.asset().id},
         {"level", std::string(to_string(d.level))},
         {"ne107", std::string(to_string(d.ne107))},
         {"cause", std::string(to_string(d.reported.cause))},
         {"window", std::to_string(d.window_index)},
         {"decision", sentence}});
  }
}

Status Agent::reload(const EdgeConfig& next) {
  if (!same_wiring(config_, next)) {
    return fail(
        ErrorCode::invalid_argument,
        "reload: the node id, assets or channels changed; those need a restart (running configuration kept)");
  }
  for (std::size_t i = 0; i < next.channels.size(); ++i) {
    const ChannelConfig& ch = next.channels[i];
    // An asset still recording its baseline goes on recording; one commissioned keeps its own model.
    if (commissions_on_site(*next.find_asset(ch.asset)) && commissioning_[i]->baseline) continue;
    const AssetConfig asset = with_commissioned_model(i, *next.find_asset(ch.asset));
    AssetModels models = load_asset_models(asset, ch.sample_rate_hz, window_len_of(ch));
    for (const auto& p : models.problems) log("warn", "model_problem", {{"asset", asset.id}, {"problem", p}});
    if (models.state == ModelState::failed) {
      log("warn", "reload_kept_models", {{"asset", asset.id}});
      continue;
    }
    {
      std::lock_guard lock(state_mutex_);
      model_versions_[channel_asset_[i]] = models.versions;
    }
    pipeline_->with_monitor(i, [&](AssetMonitor& m) { m.replace_models(std::move(models)); });
  }
  // The running configuration object is read by every thread without a lock, so it is not replaced: a
  // reload applies the model bundles; other changes take effect at the next start (said in the log).
  log("info", "reloaded",
      {{"file", next.file.string()}, {"applied", "model bundles; other changes at the next start"}});
  return {};
}

}  // namespace vigil::edge
