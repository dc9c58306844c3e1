// Benchmark of WindowAnalyzer::analyze, the whole per-window feature pipeline of one channel (time
// statistics, one real FFT, velocity RMS, fast kurtogram, squared-envelope spectrum, defect evidence),
// over one window of each of the eight benchmark channels per iteration. Compare with dsp_bench's
// per-stage figures to see where the time goes; pipeline_bench turns the same call into channel-seconds
// per core-second beside the FFT floor and the Python peer.
// Items = window samples analysed, bytes = their float32 size.
#include <cstddef>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "diag/window_analyzer.hpp"

namespace {

using namespace vigil;

// Arg: 0 = kurtogram demodulation (the default), 1 = cepstral pre-whitening of a broad band.
void BM_WindowAnalyzerAnalyze(benchmark::State& state) {
  auto config = bench::analyzer_config();
  config.demodulation = state.range(0) == 0 ? diag::Demodulation::kurtogram : diag::Demodulation::prewhitened;
  auto analyzer = bench::value_or_die(diag::WindowAnalyzer::create(config), "analyzer");
  const std::size_t channels = bench::k_channel_specs.size();
  std::vector<std::vector<float>> windows;
  for (std::size_t c = 0; c < channels; ++c)
    windows.push_back(bench::simulate_channel(c, bench::k_window_len));
  for (auto _ : state) {
    for (std::size_t c = 0; c < channels; ++c) {
      const diag::WindowFeatures& f = analyzer.analyze(windows[c], bench::channel_spec(c).speed_rpm);
      benchmark::DoNotOptimize(&f);
    }
  }
  const auto items = static_cast<std::int64_t>(state.iterations() * channels * bench::k_window_len);
  state.SetItemsProcessed(items);
  state.SetBytesProcessed(items * static_cast<std::int64_t>(sizeof(float)));
  state.SetLabel(state.range(0) == 0 ? "kurtogram" : "prewhitened");
}
BENCHMARK(BM_WindowAnalyzerAnalyze)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
