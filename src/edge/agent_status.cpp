// What the agent tells a person or a scraper: the Prometheus exposition, the assets' states and the status
// JSON (docs/edge-metrics.md, docs/edge-status.md).
#include <fmt/core.h>

#include "edge/agent.hpp"

namespace vigil::edge {

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
