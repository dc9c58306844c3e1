// The edge agent's pipeline under the load of a full node: 16 channels at 25.6 kS/s, 1 s windows with
// 50 % overlap, each asset with its commissioned anomaly model, every decision written to the hash-chained
// log and the uplink queue (docs/benchmarks.md, "Edge node"). Four runs:
//   throughput  the signal pushed as fast as the pipeline takes it: channel-seconds decided per CPU-second
//               of the process (realtime_channels_per_core);
//   paced       16 channels in real time for --paced_s seconds: the latency from the moment a window's last
//               block is pushed to its decision (exact percentiles), the decision-to-durable latency of the
//               recorder (histogram bounds), the resident memory, and the bytes queued for the uplink
//               against the raw int16 bytes of the same signal.
//   backlog     one hour (--backlog_h) of the node's records as the recorder queues them at the steady
//               state, then the real uplink (Sparkplug over MQTT to a Mosquitto started on 127.0.0.1) and a
//               hub stand-in that acknowledges (bench/hub_stand_in.hpp): seconds until the queue is empty
//               (backlog_drain_s), at the configured historical rate bound and with the bound lifted.
//   steady      --steady_min minutes of source time (default 15) as fast as possible: the bytes queued for
//               the uplink per raw byte once the node has settled (uplink_to_raw_bytes_ratio).
// Writes --out (JSON); --peer_config=PATH also writes the analysis configuration and check windows for the
// Python agent of the same pipeline (bench/peer/edge_peer.py). Throughput and paced runs: uplink off, the
// queue is what would go up (JSON records; Sparkplug DATA by exception is smaller).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_support.hpp"
#include "diag/window_analyzer.hpp"
#include "edge/commissioning.hpp"
#include "edge/pipeline.hpp"
#include "edge/recorder.hpp"
#include "edge/uplink.hpp"
#include "hub_stand_in.hpp"
#include "model/feature_schema.hpp"
#include "sim/simulator.hpp"
#include "support/mosquitto_broker.hpp"

namespace {

using namespace vigil;
using namespace vigil::edge;
using Clock = std::chrono::steady_clock;

constexpr double k_rate_hz = 25600;
constexpr std::size_t k_window = 25600;
constexpr std::size_t k_hop = 12800;
constexpr std::size_t k_block = 2560;  // 0.1 s sensor frames
constexpr double k_rpm = 1800;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

AssetConfig asset(std::size_t i) {
  AssetConfig a;
  a.id = fmt::format("asset{:02}", i);
  a.location = a.id;
  a.bearing = *dsp::find_bearing("6205-2RS");
  a.speed_rpm = k_rpm;
  a.max_speed_rpm = 1.2 * k_rpm;
  return a;
}

ChannelConfig channel(std::size_t i) {
  ChannelConfig c;
  c.asset = asset(i).id;
  c.sample_rate_hz = k_rate_hz;
  c.window_s = 1;
  c.overlap = 0.5;
  return c;
}

// `seconds` of signal per channel: half the machines healthy, half with an outer-race defect.
std::vector<std::vector<float>> signals(std::size_t channels, double seconds) {
  std::vector<std::vector<float>> out(channels, std::vector<float>(std::size_t(seconds * k_rate_hz)));
  for (std::size_t c = 0; c < channels; ++c) {
    auto s = sim::Scenario::degradation(c % 2 ? sim::FaultKind::outer_race : sim::FaultKind::none, 3600, 0,
                                        k_rate_hz, k_rpm, *dsp::find_bearing("6205-2RS"));
    auto sim = sim::Simulator::create(s, 100 + c);
    sim->generate(out[c]);
  }
  return out;
}

// An anomaly model commissioned on 240 healthy windows, as the agent would.
model::AnomalyModel commissioned_model() {
  auto m = AssetMonitor::create(asset(0), channel(0), {}, {}, dsp::PlanEffort::measure);
  auto baseline = Baseline::create(240, model::k_feature_count);
  auto s = sim::Simulator::create(sim::Scenario::degradation(sim::FaultKind::none, 3600, 0, k_rate_hz, k_rpm,
                                                             *dsp::find_bearing("6205-2RS")),
                                  7);
  std::vector<float> w(k_window);
  for (std::size_t k = 0; !baseline->complete(); ++k) {
    s->generate(w);
    (void)m->process(Window{.samples = w, .index = k}, k_rpm);
    baseline->add(m->features(), true, k_rpm);
  }
  return *fit_baseline(*baseline);
}

// Channel c's monitor with the commissioned anomaly model, as the agent runs it.
AssetMonitor monitor(std::size_t c, const model::AnomalyModel& anomaly, dsp::PlanEffort effort) {
  AssetModels models;
  models.anomaly.emplace(anomaly);
  models.state = ModelState::ok;
  return *AssetMonitor::create(asset(c), channel(c), {}, std::move(models), effort);
}

// The node's recorder: its decision log and uplink queue in a fresh folder `dir`.
std::unique_ptr<Recorder> make_recorder(std::size_t channels, const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<RecordedAsset> recorded;
  for (std::size_t c = 0; c < channels; ++c) recorded.push_back({asset(c).id, asset(c).id});
  RecorderConfig rc;
  rc.log_file = dir / "decisions.db";
  rc.queue_file = dir / "outbox.db";
  rc.key_file = dir / "node.key";
  return *Recorder::create(rc, recorded, [](std::size_t) { return std::string("anomaly commissioned"); }, {});
}

struct Node {
  std::unique_ptr<Recorder> recorder;
  std::unique_ptr<Pipeline> pipeline;
  std::atomic<std::uint64_t> decisions{0};
  std::mutex latency_mutex;
  std::vector<double> latency_ms;                         // paced run: block pushed -> decided
  std::vector<std::vector<Clock::time_point>> pushed_at;  // per channel, per block
};

std::unique_ptr<Node> make_node(std::size_t channels, const std::filesystem::path& dir, bool paced,
                                const model::AnomalyModel& anomaly) {
  auto node = std::make_unique<Node>();
  node->recorder = make_recorder(channels, dir);
  std::vector<PipelineChannel> pcs;
  for (std::size_t c = 0; c < channels; ++c) {
    pcs.push_back({.monitor = monitor(c, anomaly, dsp::PlanEffort::measure),
                   .window_len = k_window,
                   .hop = k_hop,
                   .sample_rate_hz = k_rate_hz,
                   .name = asset(c).id});
  }
  node->pushed_at.assign(channels, {});
  Node* n = node.get();
  node->pipeline = *Pipeline::create(
      std::move(pcs), {.workers = 0, .max_block = 4096, .queue_blocks = 16},  // as the agent
      [n, paced](std::size_t ch, const AssetMonitor&, const Decision& d) {
        n->recorder->record(ch, d);
        n->decisions.fetch_add(1, std::memory_order_relaxed);
        if (!paced) return;
        // The window's last sample (at source time end_ns; block b starts at b x 100 ms) arrived with block
        // sample / block (each channel's windows start at its own phase).
        const auto last_sample = static_cast<std::size_t>(std::llround(double(d.end_ns) * k_rate_hz / 1e9));
        const std::size_t last_block = last_sample / k_block;
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - n->pushed_at[ch][last_block]).count();
        std::lock_guard lock(n->latency_mutex);
        n->latency_ms.push_back(ms);
      },
      {});
  return node;
}

// The analysis a monitor of this node runs on each window (the configuration model::FeatureExtractor gives
// diag::WindowAnalyzer), in the form bench/peer/pipeline_peer.py reads, for the Python agent of the same
// pipeline (bench/peer/edge_peer.py). The peer derives the band limits itself and refuses to run when they
// differ from these. With it, the last window of a healthy and of a defective channel (as signals() makes
// them) and the feature vectors our monitor computes for them, which the peer compares with its own.
void write_peer_config(const std::string& path, const std::vector<std::vector<float>>& signal) {
  diag::WindowAnalyzerConfig cfg{
      .sample_rate_hz = k_rate_hz,
      .window_len = k_window,
      .bearing = asset(0).bearing,
      .max_speed_rpm = asset(0).max_speed_rpm,
      .kurtogram_levels = 5,
      .evidence = {.harmonics = 3, .speed_tolerance = 0.02, .min_snr_db = 6, .background_hz = 50}};
  nlohmann::json check = nlohmann::json::array();
  for (std::size_t c = 0; c < std::min<std::size_t>(2, signal.size()); ++c) {
    auto m = AssetMonitor::create(asset(c), channel(c), {}, {}, dsp::PlanEffort::estimate);
    const auto window = std::span(signal[c]).subspan(signal[c].size() - k_window);
    (void)*m->process(Window{.samples = window, .index = 0}, k_rpm);
    const auto f = m->features();
    check.push_back({{"channel", c},
                     {"fault", c % 2 ? "outer_race" : "none"},
                     {"samples", std::vector<float>(window.begin(), window.end())},
                     {"features", std::vector<float>(f.begin(), f.end())}});
  }
  const nlohmann::json j = {{"speed_rpm", k_rpm},
                            {"check", check},
                            {"window_s", double(k_window) / k_rate_hz},
                            {"overlap", 1.0 - double(k_hop) / double(k_window)},
                            {"analysis", bench::analysis_config_json(cfg)}};
  std::ofstream(path) << j.dump(1) << '\n';
}

// Backlog drain. The records one hour of this node queues, as the recorder queues them: every asset decides
// every window (2 per second), each decision the steady one of its channel (run by a real AssetMonitor on
// the channel's signal), stamped with the hour's window times. The recorder keeps what goes up: a decision
// record when the reported level or fault changes (with an evidence record when that level is warning or
// alarm), and one telemetry record per asset per minute of source time.
struct Backlog {
  std::filesystem::path queue_file;
  nlohmann::json summary;
};

Backlog fill_backlog(std::size_t channels, double hours, const std::vector<std::vector<float>>& signal,
                     const model::AnomalyModel& anomaly, const std::filesystem::path& dir) {
  // The steady decision of each channel: the last of its signal's windows (the alert level debounced), and
  // the spectra of its rise to warning or alarm, if it rose (they go up with the first window's evidence).
  std::vector<Decision> steady;
  std::vector<std::shared_ptr<const EvidenceSpectra>> rise;
  for (std::size_t c = 0; c < channels; ++c) {
    AssetMonitor m = monitor(c, anomaly, dsp::PlanEffort::estimate);
    const Decision* d = nullptr;
    rise.emplace_back();
    for (std::size_t k = 0; (k * k_hop + k_window) <= signal[c].size(); ++k) {
      d = *m.process(Window{.samples = std::span(signal[c]).subspan(k * k_hop, k_window), .index = k}, k_rpm);
      if (d->spectra) rise.back() = d->spectra;
    }
    steady.push_back(*d);
  }
  const auto fill_start = Clock::now();
  {
    auto recorder = make_recorder(channels, dir);
    recorder->start();
    const auto hop_ns = static_cast<std::int64_t>(double(k_hop) / k_rate_hz * 1e9);
    const std::int64_t start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count() -
                                  static_cast<std::int64_t>(hours * 3600e9);
    const auto windows = static_cast<std::uint64_t>(hours * 3600e9 / double(hop_ns));
    for (std::uint64_t k = 0; k < windows; ++k) {
      for (std::size_t c = 0; c < channels; ++c) {
        Decision d = steady[c];
        d.window_index = k;
        d.end_ns = start_ns + std::int64_t(k) * hop_ns + 1'000'000'000;
        d.previous_level = k == 0 ? AlertLevel::normal : d.level;
        d.report_changed = k == 0 && d.level != AlertLevel::normal;
        d.spectra = d.report_changed && d.level >= AlertLevel::warning ? rise[c] : nullptr;
        recorder->record(c, d);
      }
    }
    recorder->stop();
  }  // closed: the queue file is whole (no WAL) and can be copied for each drain
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  auto queue = *store::DurableQueue::open(dir / "outbox.db");
  const store::QueueStats q = *queue.stats();
  nlohmann::json by_class = nlohmann::json::object(), levels = nlohmann::json::object();
  std::int64_t records = 0;
  for (std::size_t k = 0; k < store::k_record_classes; ++k) {
    by_class[std::string(store::to_string(store::RecordClass(k)))] = q.by_class[k].depth;
    records += q.by_class[k].depth;
  }
  for (const Decision& d : steady)
    levels[std::string(to_string(d.level))] = levels.value(to_string(d.level), 0) + 1;
  return {dir / "outbox.db",
          {{"hours", hours},
           {"decisions", static_cast<std::uint64_t>(hours * 7200) * channels},
           {"records", records},
           {"records_by_class", by_class},
           {"queued_bytes", q.bytes},
           {"asset_levels", levels},
           {"fill_s", fill_s}}};
}

// Drains a copy of the backlog through the real uplink to a real Mosquitto on 127.0.0.1 (a port chosen at run
// time) and a hub stand-in that acknowledges every 100 ms: seconds from the uplink's start to an empty
// queue, at the uplink's bound of max_historical_per_s records per second for records queued before the
// connection.
nlohmann::json drain_backlog(std::size_t channels, const Backlog& backlog, double max_historical_per_s,
                             const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(backlog.queue_file, dir / "outbox.db");
  auto queue = *store::DurableQueue::open(dir / "outbox.db");
  const std::int64_t records = backlog.summary["records"];
  auto broker = vigil::bench::value_or_die(vigil::test::MosquittoBroker::start(), "mosquitto");
  auto hub = vigil::bench::value_or_die(
      vigil::bench::HubStandIn::start(broker->port(), "hub", std::chrono::milliseconds(100)), "hub stand-in");
  EdgeConfig config;
  config.node = {.group = "plant", .id = "bench-node"};
  for (std::size_t c = 0; c < channels; ++c) config.assets.push_back(asset(c));
  config.uplink.enabled = true;
  config.uplink.port = broker->port();
  config.uplink.primary_host = "hub";
  config.uplink.max_historical_per_s = max_historical_per_s;
  config.storage.dir = dir;
  std::vector<std::string> events;
  std::mutex events_mutex;
  auto uplink = vigil::bench::value_or_die(
      Uplink::create(config, queue, {},
                     [&](std::string level, std::string event, std::string detail) {
                       if (level == "info") return;
                       std::lock_guard lock(events_mutex);
                       events.push_back(fmt::format("{} {}: {}", level, event, detail));
                     }),
      "uplink");
  const auto start = Clock::now();
  uplink->start();
  // Generous: three times the rate bound's time, plus a minute.
  const auto limit = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                 3.0 * double(records) / max_historical_per_s + 60));
  std::int64_t left = records;
  double drain_s = -1;
  while (Clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const store::QueueStats q = *queue.stats();
    left = 0;
    for (const auto& cs : q.by_class) left += cs.depth;
    if (left == 0) {
      drain_s = std::chrono::duration<double>(Clock::now() - start).count();
      break;
    }
  }
  const UplinkStats u = uplink->stats();
  uplink->stop();
  const vigil::bench::HubStandIn::Seen seen = hub->seen();
  std::fprintf(
      stderr,
      "backlog drain at %.0f records/s: %lld records in %.2f s (%.0f records/s), %llu stored by the hub, "
      "%llu resent, %llu duplicates\n",
      max_historical_per_s, static_cast<long long>(records), drain_s,
      drain_s > 0 ? double(records) / drain_s : 0.0, static_cast<unsigned long long>(seen.records),
      static_cast<unsigned long long>(u.records_resent), static_cast<unsigned long long>(seen.duplicates));
  return {{"max_historical_per_s", max_historical_per_s},
          {"drain_s", drain_s > 0 ? nlohmann::json(drain_s) : nlohmann::json(nullptr)},
          {"records_per_s", drain_s > 0 ? double(records) / drain_s : 0.0},
          {"records_left", left},
          {"hub_records", seen.records},
          {"hub_duplicates", seen.duplicates},
          {"hub_historical_ddata", seen.historical},
          {"hub_acknowledgements", seen.acknowledgements},
          {"hub_errors", seen.errors.size()},
          {"records_sent", u.records_sent},
          {"records_resent", u.records_resent},
          {"uplink_events", events}};
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * double(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t channels = 16;
  double throughput_s = 20, paced_s = 20, backlog_h = 1, steady_min = 15;
  std::string out = "edge.json", peer_config;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string_view key) { return a.substr(key.size()); };
    if (a.rfind("--channels=", 0) == 0) channels = std::stoul(value("--channels="));
    if (a.rfind("--throughput_s=", 0) == 0) throughput_s = std::stod(value("--throughput_s="));
    if (a.rfind("--paced_s=", 0) == 0) paced_s = std::stod(value("--paced_s="));
    if (a.rfind("--backlog_h=", 0) == 0) backlog_h = std::stod(value("--backlog_h="));
    if (a.rfind("--steady_min=", 0) == 0) steady_min = std::stod(value("--steady_min="));
    if (a.rfind("--out=", 0) == 0) out = value("--out=");
    if (a.rfind("--peer_config=", 0) == 0) peer_config = value("--peer_config=");
  }
  const auto tmp = std::filesystem::temp_directory_path() / fmt::format("vigil_edge_bench_{}", ::getpid());
  std::fprintf(stderr, "edge bench: %zu channels at %.0f S/s, 1 s windows, 50 %% overlap\n", channels,
               k_rate_hz);
  const model::AnomalyModel anomaly = commissioned_model();
  const auto signal = signals(channels, std::max(throughput_s, paced_s));
  if (!peer_config.empty()) write_peer_config(peer_config, signal);
  const std::size_t workers = std::max(1u, std::thread::hardware_concurrency());

  // Throughput: push everything as fast as the pipeline takes it (a full queue would drop: wait instead).
  double channels_per_core = 0;
  {
    auto node = make_node(channels, tmp / "throughput", false, anomaly);
    node->recorder->start();
    node->pipeline->start();
    const double cpu0 = cpu_seconds();
    const std::size_t blocks = std::size_t(throughput_s * k_rate_hz) / k_block;
    for (std::size_t b = 0; b < blocks; ++b) {
      for (std::size_t c = 0; c < channels; ++c) {
        const auto span = std::span<const float>(signal[c]).subspan(b * k_block, k_block);
        while (node->pipeline->stats(c).queue_depth > 12)
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        node->pipeline->push(c, span, std::int64_t(b) * 100'000'000, k_rpm);
      }
    }
    node->pipeline->stop(true);
    node->recorder->stop();
    const double cpu = cpu_seconds() - cpu0;
    std::uint64_t dropped = 0;
    for (std::size_t c = 0; c < channels; ++c) dropped += node->pipeline->stats(c).blocks_dropped;
    // Channel c skips its phase of c x hop / channels samples first (edge::Pipeline spreads the channels'
    // window ends over a hop).
    std::uint64_t expected = 0;
    for (std::size_t c = 0; c < channels; ++c)
      expected += (blocks * k_block - c * k_hop / channels - k_window) / k_hop + 1;
    if (dropped != 0 || node->decisions.load() != expected) {
      std::fprintf(stderr, "throughput run: %llu decisions, expected %llu; %llu blocks dropped\n",
                   static_cast<unsigned long long>(node->decisions.load()),
                   static_cast<unsigned long long>(expected), static_cast<unsigned long long>(dropped));
      return 1;
    }
    channels_per_core = double(channels) * throughput_s / cpu;
    std::fprintf(stderr, "throughput: %.0f channel-s in %.2f CPU-s: %.0f real-time channels per core\n",
                 double(channels) * throughput_s, cpu, channels_per_core);
  }

  // Steady state: the bytes a settled node queues for the uplink per raw byte. The channels' signals (20 s,
  // stationary: the defect of a 1 h life barely grows in that time) are played in a loop for steady_min
  // minutes of source time, as fast as the pipeline takes them; the records whose source time falls after
  // the first 2 minutes (start-up: first decisions, telemetry, the defective assets' rises to warning with
  // their evidence) are counted, with the default telemetry period of 60 s.
  nlohmann::json steady = nullptr;
  if (steady_min > 2) {
    auto node = make_node(channels, tmp / "steady", false, anomaly);
    node->recorder->start();
    node->pipeline->start();
    const std::size_t loop_blocks = signal[0].size() / k_block;
    const auto blocks = static_cast<std::size_t>(steady_min * 60 * 10);
    const std::int64_t t0_ms = 1'700'000'000'000;  // source time of the first block
    for (std::size_t b = 0; b < blocks; ++b) {
      for (std::size_t c = 0; c < channels; ++c) {
        const auto span = std::span<const float>(signal[c]).subspan((b % loop_blocks) * k_block, k_block);
        while (node->pipeline->stats(c).queue_depth > 12)
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        node->pipeline->push(c, span, (t0_ms + std::int64_t(b) * 100) * 1'000'000, k_rpm);
      }
    }
    node->pipeline->stop(true);
    node->recorder->stop();
    auto records = node->recorder->queue().next_batch(10'000'000, std::int64_t{1} << 40);
    if (!records) {
      std::fprintf(stderr, "steady run: %s\n", records.error().message.c_str());
      return 1;
    }
    const std::int64_t settled_ms = t0_ms + 120'000;
    std::int64_t bytes = 0;
    std::size_t counted = 0;
    for (const auto& r : *records) {
      if (r.record.source_time_ms < settled_ms) continue;
      bytes += static_cast<std::int64_t>(r.record.payload.size());
      ++counted;
    }
    const double raw = double(channels) * (steady_min * 60 - 120) * k_rate_hz * 2;  // int16 frames
    steady = {{"source_minutes", steady_min}, {"settled_after_s", 120},
              {"records", counted},           {"payload_bytes", bytes},
              {"raw_int16_bytes", raw},       {"uplink_to_raw_bytes_ratio", double(bytes) / raw}};
    std::fprintf(stderr, "steady: %zu records, %lld bytes in %.0f min of 16 channels: ratio %.2e\n", counted,
                 static_cast<long long>(bytes), steady_min - 2, double(bytes) / raw);
  }

  // Paced: real time.
  nlohmann::json paced;
  {
    auto node = make_node(channels, tmp / "paced", true, anomaly);
    const std::size_t blocks = std::size_t(paced_s * k_rate_hz) / k_block;
    for (auto& v : node->pushed_at) v.resize(blocks);
    node->recorder->start();
    node->pipeline->start();
    const auto start = Clock::now();
    for (std::size_t b = 0; b < blocks; ++b) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(100 * b));
      for (std::size_t c = 0; c < channels; ++c) {
        node->pushed_at[c][b] = Clock::now();
        node->pipeline->push(c, std::span<const float>(signal[c]).subspan(b * k_block, k_block),
                             std::int64_t(b) * 100'000'000, k_rpm);
      }
    }
    const double rss = rss_mb();
    node->pipeline->stop(true);
    node->recorder->stop();
    const RecorderStats r = node->recorder->stats();
    auto q = node->recorder->queue().stats();
    std::int64_t queued_bytes = 0;
    for (const auto& cs : q->by_class) queued_bytes += cs.bytes;
    const double raw_bytes = double(channels) * paced_s * k_rate_hz * 2;  // int16 frames
    std::uint64_t dropped = 0;
    for (std::size_t c = 0; c < channels; ++c) dropped += node->pipeline->stats(c).blocks_dropped;
    paced = {{"decisions", node->decisions.load()},
             {"blocks_dropped", dropped},
             {"decide_latency_p50_ms", percentile(node->latency_ms, 0.5)},
             {"decide_latency_p99_ms", percentile(node->latency_ms, 0.99)},
             {"decide_latency_max_ms", percentile(node->latency_ms, 1.0)},
             {"durable_latency_p99_bound_ms", r.durable_us.quantile_bound_us(0.99) / 1000},
             {"rss_mb", rss},
             {"uplink_queued_bytes", queued_bytes},
             {"raw_int16_bytes", raw_bytes},
             {"uplink_to_raw_bytes_ratio_this_run", double(queued_bytes) / raw_bytes}};
    std::fprintf(
        stderr,
        "paced: %zu decisions, decide latency p50 %.2f ms p99 %.2f ms, durable p99 <= %.0f ms, RSS %.1f MB, "
        "%lld bytes queued for %.0f raw bytes\n",
        node->latency_ms.size(), percentile(node->latency_ms, 0.5), percentile(node->latency_ms, 0.99),
        r.durable_us.quantile_bound_us(0.99) / 1000, rss, static_cast<long long>(queued_bytes), raw_bytes);
  }
  // Backlog: the hour's records drained at the configured bound, then with the bound lifted (what else
  // limits the uplink).
  nlohmann::json backlog, backlog_drain_s;
  if (backlog_h > 0) {
    const Backlog b = fill_backlog(channels, backlog_h, signal, anomaly, tmp / "backlog");
    std::fprintf(stderr, "backlog: %s\n", b.summary.dump().c_str());
    const double configured = UplinkConfig{}.max_historical_per_s;
    backlog = b.summary;
    backlog["drains"] = {drain_backlog(channels, b, configured, tmp / "drain"),
                         drain_backlog(channels, b, 1e9, tmp / "drain_unbounded")};
    backlog_drain_s = backlog["drains"][0]["drain_s"];
  }
  std::filesystem::remove_all(tmp);
  for (const auto& d : backlog_h > 0 ? backlog["drains"] : nlohmann::json::array()) {
    if (d["records_left"] != 0 || d["hub_records"] != backlog["records"]) {
      std::fprintf(stderr, "backlog drain: not every record reached the hub: %s\n", d.dump().c_str());
      return 1;
    }
  }
  nlohmann::json j = {{"channels", channels},
                      {"sample_rate_hz", k_rate_hz},
                      {"window_s", 1},
                      {"overlap", 0.5},
                      {"workers", workers},
                      {"realtime_channels_per_core", channels_per_core},
                      {"paced", paced},
                      {"backlog_drain_s", backlog_drain_s},
                      {"uplink_to_raw_bytes_ratio",
                       steady.is_null() ? nlohmann::json() : steady["uplink_to_raw_bytes_ratio"]},
                      {"steady", steady},
                      {"backlog", backlog}};
  std::ofstream(out) << j.dump(2) << '\n';
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}
