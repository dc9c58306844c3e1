#include "edge/agent.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/core.h>

#include "dsp/fft.hpp"
#include "edge/actuation.hpp"
#include "edge/plc_client.hpp"

namespace vigil::edge {

namespace {

std::string quoted_if_needed(const std::string& v) {
  if (!v.empty() && v.find_first_of(" \"=\t\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

std::string utc_iso(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

// Pipeline queues: blocks of at most 4096 samples (longer frames are split), 16 per channel: 256 KiB per
// channel, 2.5 s of backlog at 25.6 kS/s (a worker decides a channel-second in about a millisecond).
constexpr std::size_t k_pipeline_block = 4096;
constexpr std::size_t k_pipeline_blocks = 16;

std::size_t hop_of(const ChannelConfig& ch) {
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::llround(double(window_len_of(ch)) * (1 - ch.overlap))));
}

// An asset with no anomaly bundle of its own learns one on site (docs/edge-decisions.md, section 6).
bool commissions_on_site(const AssetConfig& asset) {
  return asset.anomaly_bundle.empty() && asset.baseline_h > 0;
}

// Windows in baseline_h of running on a channel.
std::size_t baseline_windows(const AssetConfig& asset, const ChannelConfig& ch) {
  const double hop_s = double(hop_of(ch)) / ch.sample_rate_hz;
  return static_cast<std::size_t>(std::ceil(asset.baseline_h * 3600 / hop_s));
}

}  // namespace

std::string to_logfmt(const LogEvent& event, std::chrono::system_clock::time_point at) {
  std::string line =
      fmt::format("ts={} level={} event={}", utc_iso(at), event.level, quoted_if_needed(event.event));
  for (const auto& [k, v] : event.fields) line += fmt::format(" {}={}", k, quoted_if_needed(v));
  return line;
}

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
        return a.model_versions_[asset];
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
    const std::string versions = models.versions;
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

double Agent::speed_of(std::size_t asset) const {
  const AssetConfig& a = config_.assets[asset];
  const double measured = plc_speed_rpm_[asset].load(std::memory_order_relaxed);
  return a.speed_source == SpeedSource::plc && measured > 0 ? measured : a.speed_rpm;
}

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

void Agent::on_decision(std::size_t channel, const AssetMonitor& monitor, const Decision& d) {
  const std::size_t asset_index = channel_asset_[channel];
  recorder_->record(asset_index, d);
  if (Commissioning& cm = *commissioning_[channel]; cm.baseline && !cm.baseline->complete()) {
    cm.baseline->add(monitor.features(), d.raw.level == AlertLevel::normal, d.speed_rpm);
    cm.progress.store(cm.baseline->progress(), std::memory_order_relaxed);
  }
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
    // Until RUL tracking gives a degradation-based index, the health index steps with the reported level
    // (docs/modbus.md): 1 normal, 0.75 watch, 0.5 warning, 0.25 alarm.
    (void)modbus_->update(asset_index, {.health_index = 1.0 - 0.25 * static_cast<double>(d.level),
                                        .level = d.level,
                                        .ne107 = d.ne107,
                                        .rul_h = d.facts.rul_low_h,
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
         {"why", !known ? "not a command of Vigil's" : "only true is a request"}});
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
      models.state = ModelState::ok;
    }
    {
      std::lock_guard lock(state_mutex_);
      model_versions_[channel_asset_[ch]] =
          models.versions.empty() ? "anomaly commissioned" : models.versions;
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

namespace {

// Prometheus label value: backslash, quote and newline escaped.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

// A histogram's series; `labels` is empty or "k=\"v\",..." without braces.
void histogram(std::string& out, std::string_view name, const std::string& labels,
               const LatencyHistogram::Snapshot& h) {
  const std::string sep = labels.empty() ? "" : ",";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < LatencyHistogram::k_bounds_us.size(); ++b) {
    cumulative += h.counts[b];
    out += fmt::format("{}_bucket{{{}{}le=\"{:g}\"}} {}\n", name, labels, sep,
                       LatencyHistogram::k_bounds_us[b] / 1e6, cumulative);
  }
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.total);
  out += fmt::format("{}_sum{} {:g}\n", name, braces, h.sum_us / 1e6);
  out += fmt::format("{}_count{} {}\n", name, braces, h.total);
}

}  // namespace

std::string Agent::prometheus() const {
  std::string out;
  auto help = [&](std::string_view name, std::string_view type, std::string_view text) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, text, name, type);
  };
  help("vigil_edge_uptime_seconds", "gauge", "Seconds since the agent started.");
  out += fmt::format("vigil_edge_uptime_seconds {:.3f}\n",
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());

  std::vector<ChannelStats> channels;
  for (std::size_t i = 0; i < pipeline_->channel_count(); ++i) channels.push_back(pipeline_->stats(i));
  auto channel_labels = [&](std::size_t i) {
    return fmt::format("asset=\"{}\",channel=\"{}\"", label(config_.channels[i].asset), i);
  };
  struct Counter {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t ChannelStats::*field;
  };
  const Counter counters[] = {
      {"vigil_edge_windows_total", "counter", "Windows decided.", &ChannelStats::windows},
      {"vigil_edge_window_errors_total", "counter", "Windows that could not be decided.",
       &ChannelStats::window_errors},
      {"vigil_edge_blocks_total", "counter", "Sample blocks offered to the pipeline.",
       &ChannelStats::blocks_in},
      {"vigil_edge_blocks_dropped_total", "counter", "Sample blocks dropped: the channel's queue was full.",
       &ChannelStats::blocks_dropped},
      {"vigil_edge_window_restarts_total", "counter", "Windows restarted by a discontinuity (lost samples).",
       &ChannelStats::gaps},
  };
  for (const auto& c : counters) {
    help(c.name, c.type, c.help);
    for (std::size_t i = 0; i < channels.size(); ++i) {
      out += fmt::format("{}{{{}}} {}\n", c.name, channel_labels(i), channels[i].*c.field);
    }
  }
  help("vigil_edge_queue_blocks", "gauge", "Sample blocks waiting for the channel's worker.");
  for (std::size_t i = 0; i < channels.size(); ++i) {
    out += fmt::format("vigil_edge_queue_blocks{{{}}} {}\n", channel_labels(i), channels[i].queue_depth);
  }
  help("vigil_edge_decide_seconds", "histogram", "Analysis, models and rules of one window.");
  for (std::size_t i = 0; i < channels.size(); ++i) {
    histogram(out, "vigil_edge_decide_seconds", channel_labels(i), channels[i].decide_us);
  }

  const RecorderStats r = recorder_->stats();
  help("vigil_edge_durable_seconds", "histogram",
       "From a decision to its row in the log and its records queued.");
  histogram(out, "vigil_edge_durable_seconds", "", r.durable_us);
  help("vigil_edge_decisions_logged_total", "counter", "Decisions appended to the hash-chained log.");
  out += fmt::format("vigil_edge_decisions_logged_total {}\n", r.decisions_logged);
  help("vigil_edge_records_queued_total", "counter", "Records appended to the uplink queue.");
  out += fmt::format("vigil_edge_records_queued_total {}\n", r.records_queued);
  help("vigil_edge_storage_write_failures_total", "counter", "Flushes to the log or queue that failed.");
  out += fmt::format("vigil_edge_storage_write_failures_total {}\n", r.write_failures);

  if (auto q = recorder_->queue().stats()) {
    help("vigil_edge_backlog_records", "gauge", "Records waiting for the hub's acknowledgement.");
    help("vigil_edge_backlog_bytes", "gauge", "Accounted bytes of those records.");
    help("vigil_edge_backlog_oldest_age_seconds", "gauge", "Age of the oldest waiting record.");
    help("vigil_edge_evictions_total", "counter", "Records evicted by the disk budget.");
    for (std::size_t k = 0; k < store::k_record_classes; ++k) {
      const auto& cs = q->by_class[k];
      const std::string cls(store::to_string(static_cast<store::RecordClass>(k)));
      out += fmt::format("vigil_edge_backlog_records{{class=\"{}\"}} {}\n", cls, cs.depth);
      out += fmt::format("vigil_edge_backlog_bytes{{class=\"{}\"}} {}\n", cls, cs.bytes);
      out += fmt::format("vigil_edge_backlog_oldest_age_seconds{{class=\"{}\"}} {:.3f}\n", cls,
                         double(cs.oldest_age_ms) / 1000);
      out += fmt::format("vigil_edge_evictions_total{{class=\"{}\",reason=\"downsampled\"}} {}\n", cls,
                         cs.evicted[0]);
      out += fmt::format("vigil_edge_evictions_total{{class=\"{}\",reason=\"dropped\"}} {}\n", cls,
                         cs.evicted[1]);
    }
  }
  if (uplink_) {
    const UplinkStats u = uplink_->stats();
    help("vigil_edge_uplink_connected", "gauge", "1 while the Sparkplug session is connected.");
    out += fmt::format("vigil_edge_uplink_connected {}\n", u.connected ? 1 : 0);
    help("vigil_edge_uplink_records_sent_total", "counter", "Records sent (first time).");
    out += fmt::format("vigil_edge_uplink_records_sent_total {}\n", u.records_sent);
    help("vigil_edge_uplink_records_resent_total", "counter",
         "Records sent again (no acknowledgement in time, reconnect).");
    out += fmt::format("vigil_edge_uplink_records_resent_total {}\n", u.records_resent);
    help("vigil_edge_uplink_records_acknowledged_total", "counter", "Records the hub acknowledged.");
    out += fmt::format("vigil_edge_uplink_records_acknowledged_total {}\n", u.records_acknowledged);
    help("vigil_edge_uplink_connects_total", "counter", "Accepted MQTT connections.");
    out += fmt::format("vigil_edge_uplink_connects_total {}\n", u.connects);
  }
  if (sensors_) {
    help("vigil_edge_sensor_frames_total", "counter", "Sensor frames accepted.");
    help("vigil_edge_sensor_frames_refused_total", "counter",
         "Sensor frames refused (malformed, wrong rate or unit).");
    help("vigil_edge_sensor_frames_missing_total", "counter", "Frames skipped by the sequence (lost).");
    help("vigil_edge_sensor_duplicates_total", "counter", "Frames received twice.");
    for (std::size_t i = 0; i < config_.channels.size(); ++i) {
      if (config_.channels[i].source != SourceKind::mqtt) continue;
      const SensorChannelStats f = sensors_->stats(i);
      out += fmt::format("vigil_edge_sensor_frames_total{{{}}} {}\n", channel_labels(i), f.frames);
      out += fmt::format("vigil_edge_sensor_frames_refused_total{{{}}} {}\n", channel_labels(i), f.refused);
      out += fmt::format("vigil_edge_sensor_frames_missing_total{{{}}} {}\n", channel_labels(i),
                         f.sequence.frames_missing);
      out += fmt::format("vigil_edge_sensor_duplicates_total{{{}}} {}\n", channel_labels(i),
                         f.sequence.duplicates);
    }
  }
  help("vigil_edge_baseline_progress", "gauge",
       "Share of the commissioning baseline recorded (1 = done or none).");
  for (std::size_t i = 0; i < commissioning_.size(); ++i) {
    out += fmt::format("vigil_edge_baseline_progress{{{}}} {:.4f}\n", channel_labels(i),
                       commissioning_[i]->progress.load(std::memory_order_relaxed));
  }
  help("vigil_edge_alert_level", "gauge", "Reported alert level: 0 normal, 1 watch, 2 warning, 3 alarm.");
  for (const AssetState& a : assets()) {
    out += fmt::format("vigil_edge_alert_level{{asset=\"{}\"}} {}\n", label(a.id), static_cast<int>(a.level));
  }
  return out;
}

std::vector<AssetState> Agent::assets() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

nlohmann::json Agent::status() const {
  nlohmann::json j;
  j["node"] = {{"group", config_.node.group}, {"id", config_.node.id}};
  j["uptime_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  j["assets"] = nlohmann::json::array();
  for (const AssetState& s : assets()) {
    j["assets"].push_back({{"id", s.id},
                           {"location", s.location},
                           {"level", to_string(s.level)},
                           {"ne107", to_string(s.ne107)},
                           {"fault", diag::to_string(s.fault)},
                           {"confidence", s.confidence},
                           {"velocity_rms_mm_s", s.velocity_rms_mm_s},
                           {"iso_zone", diag::to_string(s.iso_zone)},
                           {"model_state", to_string(s.model_state)},
                           {"decision", s.sentence},
                           {"windows", s.windows},
                           {"last_window_ns", s.last_window_ns},
                           {"source", s.source_alive ? "alive" : "silent"}});
  }
  j["commissioning"] = nlohmann::json::array();
  for (std::size_t ch = 0; ch < commissioning_.size(); ++ch) {
    j["commissioning"].push_back(
        {{"asset", config_.channels[ch].asset},
         {"baseline_progress", commissioning_[ch]->progress.load(std::memory_order_relaxed)}});
  }
  const RecorderStats r = recorder_->stats();
  j["recorder"] = {{"decisions_logged", r.decisions_logged},
                   {"records_queued", r.records_queued},
                   {"pending", r.pending},
                   {"worker_waits", r.worker_waits},
                   {"write_failures", r.write_failures},
                   {"last_flush_ms", r.last_flush_ms}};
  if (auto q = recorder_->queue().stats()) {
    nlohmann::json by_class = nlohmann::json::object();
    for (std::size_t k = 0; k < store::k_record_classes; ++k) {
      const auto& cs = q->by_class[k];
      by_class[std::string(store::to_string(static_cast<store::RecordClass>(k)))] = {
          {"depth", cs.depth},
          {"bytes", cs.bytes},
          {"oldest_age_ms", cs.oldest_age_ms},
          {"downsampled", cs.evicted[0]},
          {"dropped", cs.evicted[1]}};
    }
    j["queue"] = {{"bytes", q->bytes},
                  {"budget_bytes", q->budget_bytes},
                  {"last_id", q->last_id},
                  {"classes", by_class}};
  }
  if (uplink_) {
    const UplinkStats u = uplink_->stats();
    j["uplink"] = {{"connected", u.connected},
                   {"state", u.state},
                   {"bdseq", u.bdseq},
                   {"connects", u.connects},
                   {"records_sent", u.records_sent},
                   {"records_resent", u.records_resent},
                   {"records_acknowledged", u.records_acknowledged},
                   {"in_flight", u.in_flight},
                   {"last_error", u.last_error}};
  }
  j["channels"] = nlohmann::json::array();
  for (std::size_t i = 0; i < pipeline_->channel_count(); ++i) {
    const ChannelStats st = pipeline_->stats(i);
    nlohmann::json frames = nullptr;
    if (sensors_ && config_.channels[i].source == SourceKind::mqtt) {
      const SensorChannelStats f = sensors_->stats(i);
      frames = {{"frames", f.frames},
                {"refused", f.refused},
                {"gaps", f.sequence.gaps},
                {"frames_missing", f.sequence.frames_missing},
                {"duplicates", f.sequence.duplicates},
                {"restarts", f.sequence.restarts},
                {"last_problem", f.last_problem}};
    }
    j["channels"].push_back({{"asset", config_.channels[i].asset},
                             {"sensor", frames},
                             {"blocks_in", st.blocks_in},
                             {"blocks_dropped", st.blocks_dropped},
                             {"windows", st.windows},
                             {"window_errors", st.window_errors},
                             {"gaps", st.gaps},
                             {"queue_depth", st.queue_depth},
                             {"last_decide_us", st.last_decide_us}});
  }
  return j;
}

}  // namespace vigil::edge
