// The edge agent's pipeline under the load of a full node: 16 channels at 25.6 kS/s, 1 s windows with
// 50 % overlap, each asset with its commissioned anomaly model, every decision written to the hash-chained
// log and the uplink queue (docs/benchmarks.md, "Edge node"). Two runs:
//   throughput  the signal pushed as fast as the pipeline takes it: channel-seconds decided per CPU-second
//               of the process (realtime_channels_per_core);
//   paced       16 channels in real time for --paced_s seconds: the latency from the moment a window's last
//               block is pushed to its decision (exact percentiles), the decision-to-durable latency of the
//               recorder (histogram bounds), the resident memory, and the bytes queued for the uplink
//               against the raw int16 bytes of the same signal.
// Writes --out (JSON). Uplink off: the queue is what would go up (JSON records; Sparkplug DATA by exception
// is smaller).
#include <algorithm>
#include <atomic>
#include <chrono>
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

#include "diag/window_analyzer.hpp"
#include "edge/commissioning.hpp"
#include "edge/pipeline.hpp"
#include "edge/recorder.hpp"
#include "model/feature_schema.hpp"
#include "sim/simulator.hpp"

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
    baseline->add(m->features(), true);
  }
  return *fit_baseline(*baseline);
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
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<RecordedAsset> recorded;
  for (std::size_t c = 0; c < channels; ++c) recorded.push_back({asset(c).id, asset(c).id});
  RecorderConfig rc;
  rc.log_file = dir / "decisions.db";
  rc.queue_file = dir / "outbox.db";
  rc.key_file = dir / "node.key";
  node->recorder =
      *Recorder::create(rc, recorded, [](std::size_t) { return std::string("anomaly commissioned"); }, {});
  std::vector<PipelineChannel> pcs;
  for (std::size_t c = 0; c < channels; ++c) {
    AssetModels models;
    models.anomaly.emplace(anomaly);
    models.state = ModelState::ok;
    auto m = AssetMonitor::create(asset(c), channel(c), {}, std::move(models), dsp::PlanEffort::measure);
    pcs.push_back({.monitor = std::move(*m),
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
        // The window's last sample arrived with block (index * hop + window - 1) / block.
        const std::size_t last_block = (d.window_index * k_hop + k_window - 1) / k_block;
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
// differ from these.
void write_peer_config(const std::string& path) {
  diag::WindowAnalyzerConfig cfg{
      .sample_rate_hz = k_rate_hz,
      .window_len = k_window,
      .bearing = asset(0).bearing,
      .max_speed_rpm = asset(0).max_speed_rpm,
      .kurtogram_levels = 5,
      .evidence = {.harmonics = 3, .speed_tolerance = 0.02, .min_snr_db = 6, .background_hz = 50}};
  const nlohmann::json j = {
      {"speed_rpm", k_rpm},
      {"window_s", double(k_window) / k_rate_hz},
      {"overlap", 1.0 - double(k_hop) / double(k_window)},
      {"analysis",
       {{"sample_rate_hz", cfg.sample_rate_hz},
        {"window_len", cfg.window_len},
        {"bearing",
         {{"name", cfg.bearing.name},
          {"ball_count", cfg.bearing.ball_count},
          {"ball_diameter_mm", cfg.bearing.ball_diameter_mm},
          {"pitch_diameter_mm", cfg.bearing.pitch_diameter_mm},
          {"contact_angle_deg", cfg.bearing.contact_angle_deg}}},
        {"max_speed_rpm", cfg.max_speed_rpm},
        {"velocity_band_hz", {dsp::k_iso_velocity_band.low_hz, dsp::k_iso_velocity_band.high_hz}},
        {"kurtogram_levels", cfg.kurtogram_levels},
        {"kurtogram_min_low_hz", diag::band_low_hz(cfg)},
        {"kurtogram_min_bandwidth_hz", diag::kurtogram_config(cfg).min_bandwidth_hz},
        {"kurtogram_max_samples_per_band", 4096},
        {"envelope_max_hz", diag::envelope_reach_hz(cfg)},
        {"envelope_edge_taper_hz", 200},
        {"evidence",
         {{"harmonics", cfg.evidence.harmonics},
          {"speed_tolerance", cfg.evidence.speed_tolerance},
          {"min_snr_db", cfg.evidence.min_snr_db},
          {"background_hz", cfg.evidence.background_hz},
          {"min_background_bins", dsp::DefectEvidenceFinder::k_min_background_bins}}}}}};
  std::ofstream(path) << j.dump(1) << '\n';
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * double(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t channels = 16;
  double throughput_s = 20, paced_s = 20;
  std::string out = "edge.json", peer_config;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string_view key) { return a.substr(key.size()); };
    if (a.rfind("--channels=", 0) == 0) channels = std::stoul(value("--channels="));
    if (a.rfind("--throughput_s=", 0) == 0) throughput_s = std::stod(value("--throughput_s="));
    if (a.rfind("--paced_s=", 0) == 0) paced_s = std::stod(value("--paced_s="));
    if (a.rfind("--out=", 0) == 0) out = value("--out=");
    if (a.rfind("--peer_config=", 0) == 0) peer_config = value("--peer_config=");
  }
  if (!peer_config.empty()) write_peer_config(peer_config);
  const auto tmp = std::filesystem::temp_directory_path() / fmt::format("vigil_edge_bench_{}", ::getpid());
  std::fprintf(stderr, "edge bench: %zu channels at %.0f S/s, 1 s windows, 50 %% overlap\n", channels,
               k_rate_hz);
  const model::AnomalyModel anomaly = commissioned_model();
  const auto signal = signals(channels, std::max(throughput_s, paced_s));
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
    const std::uint64_t expected = channels * ((blocks * k_block - k_window) / k_hop + 1);
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
  std::filesystem::remove_all(tmp);
  nlohmann::json j = {{"channels", channels}, {"sample_rate_hz", k_rate_hz},
                      {"window_s", 1},        {"overlap", 0.5},
                      {"workers", workers},   {"realtime_channels_per_core", channels_per_core},
                      {"paced", paced}};
  std::ofstream(out) << j.dump(2) << '\n';
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}
