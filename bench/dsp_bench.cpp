// Per-hot-path benchmarks of the DSP stages WindowAnalyzer::analyze runs on every window: the real FFT,
// time statistics, velocity RMS, the fast kurtogram, the squared-envelope spectrum and the defect-evidence
// search. Each stage gets the inputs the pipeline would give it (bench_support.hpp's channels), so the
// stage times add up to (a little less than) diag_bench's whole-window figure and show which stage
// dominates. Throughput: items = samples of the windows served (so every stage reads in ns per window
// sample), bytes = the float32 input those samples occupy.
#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "dsp/defect_evidence.hpp"
#include "dsp/envelope.hpp"
#include "dsp/fft.hpp"
#include "dsp/kurtogram.hpp"
#include "dsp/stats.hpp"
#include "dsp/velocity.hpp"

namespace {

using namespace vigil;
using bench::k_window_len;

constexpr std::size_t k_channels = bench::k_channel_specs.size();  // one window of every kind of channel

void set_window_throughput(benchmark::State& state, std::size_t samples_per_iteration) {
  const auto items =
      static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(samples_per_iteration);
  state.SetItemsProcessed(items);
  state.SetBytesProcessed(items * static_cast<std::int64_t>(sizeof(float)));
}

// One window of every channel and its real-FFT spectrum.
struct Windows {
  std::vector<std::vector<float>> samples;
  std::vector<std::vector<std::complex<float>>> spectra;
};

const Windows& windows() {
  static const Windows w = [] {
    Windows out;
    auto fft = bench::value_or_die(dsp::RealFft::create(k_window_len), "fft");
    for (std::size_t c = 0; c < k_channels; ++c) {
      out.samples.push_back(bench::simulate_channel(c, k_window_len));
      const auto spectrum = fft.forward(out.samples.back());
      out.spectra.emplace_back(spectrum.begin(), spectrum.end());
    }
    return out;
  }();
  return w;
}

// RealFft::forward(x) as the pipeline calls it (copy into the plan's buffer + FFTW r2c execute).
// Arg: transform length (25,600 = the 1 s PRONOSTIA window, 2^2 x 5^2 x 2^8; 16,384 = the nearest power of
// 2).
void BM_RealFftForward(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto fft = bench::value_or_die(dsp::RealFft::create(n), "fft");
  const std::vector<float> x = bench::simulate_channel(1, n);
  for (auto _ : state) {
    auto spectrum = fft.forward(x);
    benchmark::DoNotOptimize(spectrum.data());
    benchmark::ClobberMemory();
  }
  set_window_throughput(state, n);
}
BENCHMARK(BM_RealFftForward)->Arg(25600)->Arg(16384);

void BM_TimeStats(benchmark::State& state) {
  const auto& w = windows();
  for (auto _ : state) {
    for (const auto& x : w.samples) benchmark::DoNotOptimize(dsp::time_stats(x));
  }
  set_window_throughput(state, k_channels * k_window_len);
}
BENCHMARK(BM_TimeStats);

// velocity_rms_mm_s over 10-1000 Hz of one window's spectrum (990 bins of 1 Hz).
void BM_VelocityRms(benchmark::State& state) {
  const auto& w = windows();
  for (auto _ : state) {
    for (const auto& spectrum : w.spectra) {
      benchmark::DoNotOptimize(dsp::velocity_rms_mm_s(spectrum, k_window_len, bench::k_sample_rate_hz,
                                                      dsp::k_iso_velocity_band, dsp::AccelerationUnit::g,
                                                      3.0 * double(k_window_len) / 8.0));
    }
  }
  set_window_throughput(state, k_channels * k_window_len);
}
BENCHMARK(BM_VelocityRms);

// Kurtogram::best_band on the window spectrum, configured as WindowAnalyzer configures it (5 levels,
// 10 rows, M <= 4096 per band, bands above 4 x BPFI).
void BM_KurtogramBestBand(benchmark::State& state) {
  const auto& w = windows();
  auto kurtogram = bench::value_or_die(
      dsp::Kurtogram::create(bench::kurtogram_config(bench::analyzer_config())), "kurtogram");
  for (auto _ : state) {
    for (const auto& spectrum : w.spectra) benchmark::DoNotOptimize(kurtogram.best_band(spectrum));
  }
  set_window_throughput(state, k_channels * k_window_len);
}
BENCHMARK(BM_KurtogramBestBand);

// EnvelopeAnalyzer::analyze of each window in the band its kurtogram chose.
void BM_EnvelopeAnalyze(benchmark::State& state) {
  const auto& w = windows();
  const auto config = bench::analyzer_config();
  auto kurtogram = bench::value_or_die(dsp::Kurtogram::create(bench::kurtogram_config(config)), "kurtogram");
  auto envelope =
      bench::value_or_die(dsp::EnvelopeAnalyzer::create(bench::envelope_config(config)), "envelope");
  std::vector<dsp::FrequencyBand> bands;
  for (const auto& spectrum : w.spectra) bands.push_back(kurtogram.best_band(spectrum).band);
  for (auto _ : state) {
    for (std::size_t c = 0; c < k_channels; ++c) {
      const dsp::EnvelopeSpectrum e =
          envelope.analyze(std::span<const std::complex<float>>(w.spectra[c]), bands[c]);
      benchmark::DoNotOptimize(e.amplitude.data());
    }
  }
  set_window_throughput(state, k_channels * k_window_len);
}
BENCHMARK(BM_EnvelopeAnalyze);

// DefectEvidenceFinder::find (4 defects x 3 harmonics, sidebands, median backgrounds) on each window's
// envelope spectrum at its channel's speed.
void BM_DefectEvidenceFind(benchmark::State& state) {
  const auto& w = windows();
  const auto config = bench::analyzer_config();
  auto kurtogram = bench::value_or_die(dsp::Kurtogram::create(bench::kurtogram_config(config)), "kurtogram");
  auto envelope =
      bench::value_or_die(dsp::EnvelopeAnalyzer::create(bench::envelope_config(config)), "envelope");
  std::vector<std::vector<float>> amplitudes;
  std::vector<dsp::EnvelopeSpectrum> spectra;
  std::vector<dsp::DefectFrequencies> frequencies;
  for (std::size_t c = 0; c < k_channels; ++c) {
    const auto& spectrum = w.spectra[c];
    const dsp::EnvelopeSpectrum e =
        envelope.analyze(std::span<const std::complex<float>>(spectrum), kurtogram.best_band(spectrum).band);
    amplitudes.emplace_back(e.amplitude.begin(), e.amplitude.end());
    spectra.push_back(e);
    frequencies.push_back(dsp::defect_frequencies(config.bearing, bench::channel_spec(c).speed_rpm));
  }
  for (std::size_t c = 0; c < k_channels; ++c) spectra[c].amplitude = amplitudes[c];
  auto finder = bench::value_or_die(
      dsp::DefectEvidenceFinder::create(envelope.envelope_bins(), config.evidence), "evidence");
  for (auto _ : state) {
    for (std::size_t c = 0; c < k_channels; ++c)
      benchmark::DoNotOptimize(finder.find(spectra[c], frequencies[c]));
  }
  set_window_throughput(state, k_channels * k_window_len);
}
BENCHMARK(BM_DefectEvidenceFind);

}  // namespace

BENCHMARK_MAIN();
