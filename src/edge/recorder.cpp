#include "edge/recorder.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/base64.hpp"

namespace vigil::edge {

namespace {

std::int64_t to_ms(std::int64_t ns) { return ns / 1'000'000; }

// The defect lines behind a decision: per defect its frequency and each checked harmonic's SNR.
nlohmann::json evidence_json(const Decision& d) {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& e : d.evidence) {
    nlohmann::json h = nlohmann::json::array();
    for (int k = 0; k < e.harmonics_checked; ++k) {
      const auto& m = e.harmonics[static_cast<std::size_t>(k)];
      h.push_back({{"hz", m.found_hz}, {"snr_db", m.snr_db}});
    }
    lines.push_back({{"defect", dsp::defect_symbol(e.defect)},
                     {"expected_hz", e.expected_hz},
                     {"harmonics_found", e.harmonics_found},
                     {"harmonics", h},
                     {"score", e.score}});
  }
  return lines;
}

nlohmann::json common(const RecordedAsset& asset, const Decision& d) {
  nlohmann::json j = {{"asset", asset.id},
                      {"window", d.window_index},
                      {"time_ms", to_ms(d.end_ns)},
                      {"level", to_string(d.level)},
                      {"ne107", to_string(d.ne107)},
                      {"fault", diag::to_string(d.reported.fault)},
                      {"confidence", std::round(d.reported.confidence * 1000) / 1000},
                      {"velocity_rms_mm_s", std::round(d.facts.velocity_rms_mm_s * 1000) / 1000},
                      {"iso_zone", diag::to_string(d.facts.iso_zone)}};
  if (d.rul) {
    const auto hours = [](double s) { return std::round(s / 3600 * 1000) / 1000; };
    j["rul_h"] = hours(d.rul->rul_s);
    j["rul_low_h"] = hours(d.rul->rul_low_s);
    j["rul_high_h"] = hours(d.rul->rul_high_s);
    j["rul_basis"] = model::to_string(d.rul->basis);
    j["health_index"] = std::round(d.health * 1000) / 1000;
  }
  return j;
}

}  // namespace

std::string decision_record(const RecordedAsset& asset, const Decision& d) {
  nlohmann::json j = common(asset, d);
  j["kind"] = "decision";
  j["cause"] = to_string(d.reported.cause);
  j["model_state"] = to_string(d.facts.model_state);
  j["action"] = d.recommendation.action;
  if (d.recommendation.deadline_h) j["deadline_h"] = *d.recommendation.deadline_h;
  j["text"] = describe(asset.location, d.facts, d.reported, d.level, d.recommendation);
  return j.dump();
}

std::string telemetry_record(const RecordedAsset& asset, const Decision& d,
                             std::optional<double> baseline_progress) {
  nlohmann::json j = common(asset, d);
  j["kind"] = "telemetry";
  j["kurtosis"] = std::round(d.kurtosis * 100) / 100;
  j["anomaly_score"] = d.anomaly_score;
  j["speed_rpm"] = d.speed_rpm;
  if (baseline_progress)
    j["baseline_progress"] = std::round(std::clamp(*baseline_progress, 0.0, 1.0) * 1000) / 1000;
  return j.dump();
}

std::string evidence_record(const RecordedAsset& asset, const Decision& d) {
  nlohmann::json j = common(asset, d);
  j["kind"] = "evidence";
  j["shaft_hz"] = d.frequencies.shaft_hz;
  j["lines"] = evidence_json(d);
  if (d.spectra) {
    // Both spectra in the compact layout of docs/formats/sparkplug.md, base64. They cannot fail to encode:
    // evidence_spectra keeps within the layout's limits; a failure would leave the key out.
    if (auto v = proto::sparkplug::encode_spectrum(d.spectra->velocity)) j["spectrum"] = base64_encode(*v);
    if (auto e = proto::sparkplug::encode_spectrum(d.spectra->envelope))
      j["envelope_spectrum"] = base64_encode(*e);
  }
  return j.dump();
}

Recorder::Recorder(const RecorderConfig& config, std::vector<RecordedAsset> assets, store::DecisionLog log,
                   store::DurableQueue queue, std::function<std::string(std::size_t)> model_versions,
                   std::function<void(const Error&)> on_error)
    : config_(config),
      assets_(std::move(assets)),
      log_(std::move(log)),
      queue_(std::move(queue)),
      model_versions_(std::move(model_versions)),
      on_error_(std::move(on_error)),
      ring_(config.capacity),
      next_telemetry_ns_(assets_.size(), 0) {}

Result<std::unique_ptr<Recorder>> Recorder::create(const RecorderConfig& config,
                                                   std::vector<RecordedAsset> assets,
                                                   std::function<std::string(std::size_t)> model_versions,
                                                   std::function<void(const Error&)> on_error) {
  if (config.capacity == 0 || !(config.telemetry_period_s > 0)) {
    return fail(ErrorCode::invalid_argument, "recorder: capacity and telemetry period must be positive");
  }
  auto log = store::DecisionLog::open(config.log_file);
  if (!log) return std::unexpected(log.error());
  store::QueueOptions queue_options;
  queue_options.budget_bytes = config.queue_budget_bytes;
  auto queue = store::DurableQueue::open(config.queue_file, queue_options);
  if (!queue) return std::unexpected(queue.error());
  return std::unique_ptr<Recorder>(new Recorder(config, std::move(assets), std::move(*log), std::move(*queue),
                                                std::move(model_versions), std::move(on_error)));
}

Recorder::~Recorder() { stop(); }

void Recorder::start() {
  if (!writer_.joinable()) writer_ = std::jthread([this](std::stop_token st) { run(st); });
}

void Recorder::stop() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  not_empty_.notify_one();
  writer_.join();
}

void Recorder::record(std::size_t asset, const Decision& decision, std::optional<double> baseline_progress) {
  std::unique_lock lock(mutex_);
  if (count_ == ring_.size()) {
    ++stats_.worker_waits;
    not_full_.wait(lock, [&] { return count_ < ring_.size() || stopping_; });
    if (count_ == ring_.size()) return;  // stopping with a full ring: the writer is gone
  }
  Entry& e = ring_[(head_ + count_) % ring_.size()];
  e.asset = asset;
  e.decision = decision;
  e.baseline_progress = baseline_progress;
  e.recorded_at = std::chrono::steady_clock::now();
  ++count_;
  if (count_ == 1) not_empty_.notify_one();
}

void Recorder::run(std::stop_token) {
  std::vector<Entry> batch;
  batch.reserve(ring_.size());
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      not_empty_.wait_for(lock, config_.flush_every, [&] { return stopping_; });
      if (batch.empty()) {  // a failed batch is retried before taking more
        for (; count_ > 0; --count_) {
          batch.push_back(ring_[head_]);
          head_ = (head_ + 1) % ring_.size();
        }
      }
      stopping = stopping_;
    }
    not_full_.notify_all();
    if (!batch.empty()) {
      const auto begin = std::chrono::steady_clock::now();
      if (flush(batch)) {
        const auto done = std::chrono::steady_clock::now();
        for (const Entry& e : batch) {
          durable_us_.observe(std::chrono::duration<double, std::micro>(done - e.recorded_at).count());
        }
        batch.clear();
      } else if (stopping) {
        return;  // reported; the rows of this batch were not written
      }
      std::lock_guard lock(mutex_);
      stats_.last_flush_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
    }
    if (stopping) {
      std::lock_guard lock(mutex_);
      if (count_ == 0) return;
    }
  }
}

bool Recorder::flush(const std::vector<Entry>& batch) {
  std::vector<store::Decision> rows;
  std::vector<store::OutboundRecord> records;
  rows.reserve(batch.size());
  std::vector<std::int64_t> next_telemetry = next_telemetry_ns_;
  for (const Entry& e : batch) {
    const Decision& d = e.decision;
    const RecordedAsset& a = assets_[e.asset];
    rows.push_back(store::Decision{
        .timestamp_ms = to_ms(d.end_ns),
        .window_id = static_cast<std::int64_t>(d.window_index),
        .asset = a.id,
        .model_versions = model_versions_ ? model_versions_(e.asset) : std::string(),
        .inputs = fmt::format(
            "velocity_rms_mm_s={:.3f} iso_zone={} kurtosis={:.2f} physics={} {:.2f} model={} "
            "learned={} anomaly_score={:.3g} speed_rpm={:.1f}",
            d.facts.velocity_rms_mm_s, diag::to_string(d.facts.iso_zone), d.kurtosis,
            diag::to_string(d.facts.physics), d.facts.physics_confidence, to_string(d.facts.model_state),
            model::to_string(d.facts.learned), d.anomaly_score, d.speed_rpm),
        .output =
            fmt::format("{} {} {:.2f} raw={} cause={}", to_string(d.level), diag::to_string(d.reported.fault),
                        d.reported.confidence, to_string(d.raw.level), to_string(d.raw.cause)),
        .action = d.recommendation.deadline_h ? fmt::format("{} within {:.0f} h", d.recommendation.action,
                                                            *d.recommendation.deadline_h)
                                              : std::string(d.recommendation.action),
        .details_json = "{}"});
    const auto uplink_time_ms = to_ms(d.end_ns);
    if (d.report_changed) {
      records.push_back({.record_class = d.level == AlertLevel::alarm ? store::RecordClass::alarm
                                                                      : store::RecordClass::decision,
                         .asset = a.id,
                         .source_time_ms = uplink_time_ms,
                         .payload = {}});
      const std::string text = decision_record(a, d);
      records.back().payload.assign(text.begin(), text.end());
    }
    // Evidence with the windows that carry spectra: every change reported at warning or alarm, and a
    // host's request at any level (AssetMonitor decides which).
    if (d.spectra) {
      const std::string ev = evidence_record(a, d);
      records.push_back({.record_class = store::RecordClass::evidence,
                         .asset = a.id,
                         .source_time_ms = uplink_time_ms,
                         .payload = std::vector<std::uint8_t>(ev.begin(), ev.end())});
    }
    if (d.end_ns >= next_telemetry[e.asset]) {
      const std::string t = telemetry_record(a, d, e.baseline_progress);
      records.push_back({.record_class = store::RecordClass::telemetry,
                         .asset = a.id,
                         .source_time_ms = uplink_time_ms,
                         .payload = std::vector<std::uint8_t>(t.begin(), t.end())});
      next_telemetry[e.asset] =
          d.end_ns + static_cast<std::int64_t>(std::llround(config_.telemetry_period_s * 1e9));
    }
  }
  // Log first: a record goes up only for a decision that is in the log. A crash between the two leaves the
  // log ahead of the queue (those changes are not sent), never the reverse.
  if (auto logged = log_.append(rows); !logged) {
    if (on_error_) on_error_(logged.error().with_context("decision log"));
    std::lock_guard lock(mutex_);
    ++stats_.write_failures;
    return false;
  }
  if (!records.empty()) {
    if (auto queued = queue_.append(records); !queued) {
      if (on_error_) on_error_(queued.error().with_context("uplink queue"));
      std::lock_guard lock(mutex_);
      ++stats_.write_failures;
      stats_.decisions_logged += rows.size();
      return true;  // the log has the rows; resending them would chain duplicates
    }
  }
  next_telemetry_ns_ = std::move(next_telemetry);
  if (config_.retention.max_age_ms || config_.retention.max_rows) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_prune_ > std::chrono::hours(1)) {
      last_prune_ = now;
      const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      if (auto pruned = log_.prune(config_.retention, config_.key_file, now_ms); !pruned && on_error_) {
        on_error_(pruned.error().with_context("decision log retention"));
      }
    }
  }
  std::lock_guard lock(mutex_);
  stats_.decisions_logged += rows.size();
  stats_.records_queued += records.size();
  return true;
}

RecorderStats Recorder::stats() const {
  std::lock_guard lock(mutex_);
  RecorderStats s = stats_;
  s.pending = count_;
  s.durable_us = durable_us_.snapshot();
  return s;
}

}  // namespace vigil::edge
