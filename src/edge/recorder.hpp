// Makes every decision durable, off the analysis threads: workers hand their decisions to a bounded ring
// (a copy, no allocation); one writer thread appends them in batches to the hash-chained decision log, and
// appends what goes up to the hub — decisions that change what is reported, alarms, evidence with every
// warning or alarm, and periodic telemetry — to the store-and-forward queue (docs/formats/uplink-records.md).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "edge/asset_monitor.hpp"
#include "edge/histogram.hpp"
#include "store/decision_log.hpp"
#include "store/durable_queue.hpp"

namespace vigil::edge {

struct RecorderConfig {
  std::filesystem::path log_file;    // decision log (SQLite)
  std::filesystem::path queue_file;  // store-and-forward queue (SQLite)
  std::filesystem::path key_file;    // node key that signs the log's checkpoints when it is pruned
  std::int64_t queue_budget_bytes = 256ll << 20;
  store::RetentionPolicy retention;  // of the decision log
  double telemetry_period_s = 60;    // one telemetry record per asset per period of source time
  std::size_t capacity = 4096;       // decisions waiting for the writer; a full ring makes workers wait
  std::chrono::milliseconds flush_every{100};  // batch window: one transaction (one fsync) per file per flush
};

// Per asset: what the records name.
struct RecordedAsset {
  std::string id;
  std::string location;
};

struct RecorderStats {
  std::uint64_t decisions_logged = 0;
  std::uint64_t records_queued = 0;
  std::uint64_t worker_waits = 0;    // times a worker found the ring full and waited
  std::uint64_t write_failures = 0;  // flushes that failed (retried with the same rows)
  std::size_t pending = 0;           // decisions in the ring
  double last_flush_ms = 0;
  LatencyHistogram::Snapshot durable_us;  // from record() to committed in both files, per decision
};

class Recorder {
 public:
  // Opens (or creates) both files. model_versions(asset index) gives the text logged with each decision.
  static Result<std::unique_ptr<Recorder>> create(const RecorderConfig& config,
                                                  std::vector<RecordedAsset> assets,
                                                  std::function<std::string(std::size_t)> model_versions,
                                                  std::function<void(const Error&)> on_error);
  ~Recorder();  // stop()

  void start();
  // Writes everything still in the ring, then stops the writer.
  void stop();

  // From a worker: copies the decision into the ring; waits while the ring is full (back-pressure on the
  // pipeline, counted). Allocates nothing. baseline_progress: the asset's commissioning baseline done, 0..1,
  // for an asset that commissions its own anomaly model (it goes up with the telemetry).
  void record(std::size_t asset, const Decision& decision,
              std::optional<double> baseline_progress = std::nullopt);

  RecorderStats stats() const;
  // The queue, for the uplink (thread-safe).
  store::DurableQueue& queue() { return queue_; }

 private:
  struct Entry {
    std::size_t asset = 0;
    Decision decision;
    std::optional<double> baseline_progress;
    std::chrono::steady_clock::time_point recorded_at;
  };
  Recorder(const RecorderConfig& config, std::vector<RecordedAsset> assets, store::DecisionLog log,
           store::DurableQueue queue, std::function<std::string(std::size_t)> model_versions,
           std::function<void(const Error&)> on_error);
  void run(std::stop_token stop);
  // Writes `batch`: true when both files took it (else it is kept for the next flush).
  bool flush(const std::vector<Entry>& batch);

  RecorderConfig config_;
  std::vector<RecordedAsset> assets_;
  store::DecisionLog log_;
  store::DurableQueue queue_;
  std::function<std::string(std::size_t)> model_versions_;
  std::function<void(const Error&)> on_error_;

  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::vector<Entry> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool stopping_ = false;
  RecorderStats stats_;
  LatencyHistogram durable_us_;
  std::vector<std::int64_t> next_telemetry_ns_;  // per asset, writer thread only
  std::chrono::steady_clock::time_point last_prune_{};
  std::jthread writer_;
};

// The uplink record of a decision (JSON text, docs/formats/uplink-records.md). Exposed for tests and the hub.
std::string decision_record(const RecordedAsset& asset, const Decision& d);
std::string telemetry_record(const RecordedAsset& asset, const Decision& d,
                             std::optional<double> baseline_progress = std::nullopt);
std::string evidence_record(const RecordedAsset& asset, const Decision& d);

}  // namespace vigil::edge
