// Benchmark of the simulator that feeds the pipeline benchmarks and the edge demo: Simulator::generate
// of one 1 s PRONOSTIA-like window (25,600 samples), healthy and with an inner-race fault (impacts add a
// phasor per impact; the header promises the cost per sample does not depend on the impact rate).
// Items = samples generated, bytes = their float32 size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "sim/simulator.hpp"

namespace {

using namespace vigil;

// Arg: index into bench::k_channel_specs (0 = healthy at 1800 rpm, 6 = inner race at full severity).
void BM_SimulatorGenerate(benchmark::State& state) {
  const auto channel = static_cast<std::size_t>(state.range(0));
  auto simulator = bench::value_or_die(
      sim::Simulator::create(bench::channel_scenario(channel), bench::channel_seed(channel)), "simulator");
  std::vector<float> window(bench::k_window_len);
  for (auto _ : state) {
    simulator.generate(window);
    benchmark::DoNotOptimize(window.data());
    benchmark::ClobberMemory();
  }
  const auto items = static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(window.size());
  state.SetItemsProcessed(items);
  state.SetBytesProcessed(items * static_cast<std::int64_t>(sizeof(float)));
  state.SetLabel(std::string(sim::to_string(bench::channel_spec(channel).fault)));
}
BENCHMARK(BM_SimulatorGenerate)->Arg(0)->Arg(6);

}  // namespace

BENCHMARK_MAIN();
