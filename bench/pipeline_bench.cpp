// Whole-pipeline throughput: N channels (default 8) of 25.6 kS/s, one 1 s window (25,600 samples) each,
// through WindowAnalyzer::analyze on one core, beside the FFT floor measured in the same run.
//
// Benchmarks (Google Benchmark, one thread; CPU time of this thread):
//   pipeline/vigil                 WindowAnalyzer::analyze of every channel's window.
//   pipeline/fft_floor             the FFTs that analyze() executes for those windows and nothing else: per
//                                  window the real FFT of the window (r2c, N = 25,600), one complex inverse
//                                  FFT per kurtogram band evaluated (108 bands of 10 rows, sizes 400-4096),
//                                  and the envelope's complex inverse + real forward FFT of the size its band
//                                  needs. Executed with FFTW_MEASURE plans of the same sizes and directions,
//                                  out of place from inputs prepared once (so no copy runs between them):
//                                  each kurtogram row runs on the folded bins of its first band in that
//                                  channel, the envelope on that channel's own baseband and squared envelope
//                                  (FFTW's codelets are branch-free, so the values do not change the time).
//   pipeline/fft_floor_kurtogram   the kurtogram's share of the floor;
//   pipeline/fft_floor_envelope    the envelope's share of the floor;
//   pipeline/single_fft            one real FFT per window (r2c, N = 25,600), the floor of any spectral
//                                  method.
//   stage/*                        each stage of analyze() alone, on the inputs the pipeline gives it, with
//                                  its own instances configured as the analyzer's: time_stats, window_fft
//                                  (copy + r2c), velocity (3-tap Hann + velocity_rms_mm_s), kurtogram
//                                  (best_band), envelope (analyze in the chosen band), evidence (find).
//                                  Beside the floors above (window_fft vs single_fft, kurtogram vs
//                                  fft_floor_kurtogram, envelope vs fft_floor_envelope), they give the gap to
//                                  the floor per stage in the same run (scripts/bench.sh: pipeline.json
//                                  "stages").
//   diagnostic/kurtogram_ffts_*    the kurtogram's transforms, each after the copy that restores its input,
//                                  in place through dsp::ComplexFft or out of place (as Kurtogram runs them).
// Counters: channel_s_per_core_s = signal seconds / CPU seconds; ns_per_sample = CPU ns / samples.
//
// Before measuring it writes, for the peer (bench/peer/pipeline_peer.py):
//   <out_dir>/pipeline_signals.f32     the simulated signals, float32 little-endian, channels x samples;
//   <out_dir>/pipeline_features.json   the analyzer's configuration and our per-window features.
// Usage: pipeline_bench [--channels=N] [--out_dir=DIR] [Google Benchmark flags]
#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <fftw3.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "diag/window_analyzer.hpp"
#include "dsp/defect_evidence.hpp"
#include "dsp/envelope.hpp"
#include "dsp/kurtogram.hpp"
#include "dsp/stats.hpp"
#include "dsp/velocity.hpp"

namespace {

using namespace vigil;
using bench::k_sample_rate_hz;
using bench::k_window_len;
using cfloat = std::complex<float>;

static_assert(std::endian::native == std::endian::little, "the signal file is written in native byte order");

[[noreturn]] void die(const std::string& message) {
  fmt::print(stderr, "pipeline_bench: {}\n", message);
  std::exit(2);
}

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};
template <typename T>
using AlignedBuffer = std::unique_ptr<T[], FftwFree>;
template <typename T>
AlignedBuffer<T> aligned(std::size_t count) {
  AlignedBuffer<T> p(static_cast<T*>(fftwf_malloc(sizeof(T) * count)));
  if (!p) die(fmt::format("cannot allocate {} values", count));
  std::fill_n(p.get(), count, T{});
  return p;
}
fftwf_complex* as_fftw(cfloat* p) { return reinterpret_cast<fftwf_complex*>(p); }

struct PlanFree {
  void operator()(fftwf_plan_s* p) const { fftwf_destroy_plan(p); }
};
using Plan = std::unique_ptr<fftwf_plan_s, PlanFree>;

// Smallest value >= n of the ladder 2^p x {1, 5/4, 3/2, 7/4}: the envelope's transform sizes
// (mirrors src/dsp/envelope.cpp; the replication is checked against the analyzer's output below).
std::size_t ladder_ceil(std::size_t n) {
  for (std::size_t base = 4;; base *= 2) {
    for (std::size_t numerator : {4u, 5u, 6u, 7u}) {
      const std::size_t v = base / 4 * numerator;
      if (v >= n) return v;
    }
  }
}

// -------------------------------------------------------------------------------------------------------
// The workload: signals, the analyzer, and the features it produced.

struct Workload {
  std::size_t channels = 0;
  AlignedBuffer<float> signals;  // channels x k_window_len, each window FFTW-aligned (102,400-byte stride)
  diag::WindowAnalyzerConfig config;
  std::unique_ptr<diag::WindowAnalyzer> analyzer;

  std::span<const float> window(std::size_t c) const {
    return {signals.get() + c * k_window_len, k_window_len};
  }
  double speed_rpm(std::size_t c) const { return bench::channel_spec(c).speed_rpm; }
};

Workload make_workload(std::size_t channels) {
  Workload w;
  w.channels = channels;
  w.signals = aligned<float>(channels * k_window_len);
  for (std::size_t c = 0; c < channels; ++c) {
    const std::vector<float> x = bench::simulate_channel(c, k_window_len);
    std::copy(x.begin(), x.end(), w.signals.get() + c * k_window_len);
  }
  w.config = bench::analyzer_config();
  w.analyzer = std::make_unique<diag::WindowAnalyzer>(
      bench::value_or_die(diag::WindowAnalyzer::create(w.config), "analyzer"));
  return w;
}

void write_signals(const Workload& w, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(w.signals.get()),
            static_cast<std::streamsize>(w.channels * k_window_len * sizeof(float)));
  if (!out) die(fmt::format("cannot write {}", path));
}

// Runs the analyzer once per channel and writes the configuration and the features as JSON.
void write_features(Workload& w, const std::string& path, const std::string& signals_file) {
  using nlohmann::json;
  const auto& cfg = w.config;
  json channels = json::array();
  for (std::size_t c = 0; c < w.channels; ++c) {
    const bench::ChannelSpec& spec = bench::channel_spec(c);
    const diag::WindowFeatures& f = w.analyzer->analyze(w.window(c), spec.speed_rpm);
    json defects = json::object();
    for (const dsp::DefectEvidence& e : f.evidence) {
      json harmonics = json::array();
      for (int h = 0; h < e.harmonics_checked; ++h) {
        const dsp::HarmonicMatch& m = e.harmonics[static_cast<std::size_t>(h)];
        harmonics.push_back({{"harmonic", m.harmonic},
                             {"expected_hz", m.expected_hz},
                             {"found_hz", m.found_hz},
                             {"amplitude", m.amplitude},
                             {"background", m.background},
                             {"snr_db", m.snr_db}});
      }
      defects[std::string(dsp::to_string(e.defect))] = {
          {"expected_hz", e.expected_hz}, {"harmonics", harmonics}, {"score", e.score}};
    }
    channels.push_back({{"channel", c},
                        {"fault", std::string(sim::to_string(spec.fault))},
                        {"speed_rpm", spec.speed_rpm},
                        {"severity", spec.severity},
                        {"seed", bench::channel_seed(c)},
                        {"features",
                         {{"rms", f.time.rms},
                          {"kurtosis", f.time.kurtosis},
                          {"crest_factor", f.time.crest_factor},
                          {"peak", f.time.peak},
                          {"velocity_rms_mm_s", f.velocity_rms_mm_s},
                          {"band_low_hz", f.band.low_hz},
                          {"band_high_hz", f.band.high_hz},
                          {"band_kurtosis", f.band_kurtosis},
                          {"defects", defects}}}});
  }
  json config = bench::analysis_config_json(cfg);
  config["envelope_bins"] = w.analyzer->envelope_bins();
  config["envelope_bin_hz"] = w.analyzer->envelope_bin_hz();
  json doc = {{"generator", "vigil bench/pipeline_bench"},
              {"signals",
               {{"file", signals_file},
                {"dtype", "float32"},
                {"byte_order", "little"},
                {"shape", {w.channels, k_window_len}},
                {"unit", "g"}}},
              {"config", config},
              {"channels", channels}};
  std::ofstream out(path);
  out << doc.dump(1) << '\n';
  if (!out) die(fmt::format("cannot write {}", path));
}

// -------------------------------------------------------------------------------------------------------
// The FFT floor.

class FftFloor {
 public:
  explicit FftFloor(Workload& w);

  void window_ffts() {
    for (std::size_t c = 0; c < channels_; ++c) {
      fftwf_execute_dft_r2c(window_plan_.get(), const_cast<float*>(workload_.window(c).data()),
                            as_fftw(spectrum_.get()));
    }
  }
  void kurtogram_ffts() {
    for (std::size_t c = 0; c < channels_; ++c) {
      for (const KurtogramRow& row : rows_) {
        cfloat* in = row.inputs.get() + c * row.m;
        for (std::size_t b = 0; b < row.count; ++b) {
          fftwf_execute_dft(row.plan, as_fftw(in), as_fftw(complex_out(row.m)));
        }
      }
    }
  }
  // Diagnostics: the kurtogram's transforms, each after restoring its input by a copy, executed in place
  // through dsp::ComplexFft (as Kurtogram did before it planned out of place) or out of place as in the
  // floor. The difference is the cost of in-place planning at these sizes.
  void kurtogram_ffts_with_copy(bool in_place) {
    for (std::size_t c = 0; c < channels_; ++c) {
      for (KurtogramRow& row : rows_) {
        const cfloat* in = row.inputs.get() + c * row.m;
        for (std::size_t b = 0; b < row.count; ++b) {
          if (in_place) {
            std::copy_n(in, row.m, row.in_place->data().data());
            row.in_place->inverse();
          } else {
            std::copy_n(in, row.m, row.scratch.get());
            fftwf_execute_dft(row.plan, as_fftw(row.scratch.get()), as_fftw(complex_out(row.m)));
          }
        }
      }
    }
  }
  void envelope_ffts() {
    for (const EnvelopeInput& e : envelopes_) {
      fftwf_execute_dft(e.baseband_plan, as_fftw(e.baseband.get()), as_fftw(complex_out(e.m)));
      fftwf_execute_dft_r2c(e.squared_plan, e.squared.get(), as_fftw(complex_out(e.m)));
    }
  }

  // "10 x 4096, 2 x ..." summaries of the transforms executed per window, for the report.
  std::string describe() const;

 private:
  struct KurtogramRow {
    std::size_t m = 0;
    std::size_t count = 0;          // bands evaluated in this row
    fftwf_plan plan = nullptr;      // owned by complex_plans_
    AlignedBuffer<cfloat> inputs;   // channels x m: folded bins of the row's first band, per channel
    AlignedBuffer<cfloat> scratch;  // diagnostics: copy target of the out-of-place variant
    std::optional<dsp::ComplexFft> in_place;  // diagnostics: an in-place plan of the same size
  };
  struct EnvelopeInput {
    std::size_t m = 0;
    fftwf_plan baseband_plan = nullptr;  // complex inverse, size m
    fftwf_plan squared_plan = nullptr;   // real forward, size m
    AlignedBuffer<cfloat> baseband;
    AlignedBuffer<float> squared;
  };

  cfloat* complex_out(std::size_t m) {
    (void)
        m;  // one scratch of the largest size serves every transform (FFTW plans are per alignment, not size)
    return out_.get();
  }
  fftwf_plan complex_plan(std::size_t m);
  fftwf_plan real_plan(std::size_t m);

  Workload& workload_;
  std::size_t channels_ = 0;
  Plan window_plan_;
  AlignedBuffer<cfloat> spectrum_;
  AlignedBuffer<cfloat> out_;  // output of every floor transform
  std::map<std::size_t, Plan> complex_plans_;
  std::map<std::size_t, Plan> real_plans_;
  std::vector<KurtogramRow> rows_;
  std::vector<EnvelopeInput> envelopes_;
};

fftwf_plan FftFloor::complex_plan(std::size_t m) {
  auto& plan = complex_plans_[m];
  if (!plan) {
    auto in = aligned<cfloat>(m);
    plan.reset(fftwf_plan_dft_1d(static_cast<int>(m), as_fftw(in.get()), as_fftw(out_.get()), FFTW_BACKWARD,
                                 FFTW_MEASURE));
    if (!plan) die(fmt::format("FFTW cannot plan a complex FFT of size {}", m));
  }
  return plan.get();
}

fftwf_plan FftFloor::real_plan(std::size_t m) {
  auto& plan = real_plans_[m];
  if (!plan) {
    auto in = aligned<float>(m);
    plan.reset(fftwf_plan_dft_r2c_1d(static_cast<int>(m), in.get(), as_fftw(out_.get()), FFTW_MEASURE));
    if (!plan) die(fmt::format("FFTW cannot plan a real FFT of size {}", m));
  }
  return plan.get();
}

FftFloor::FftFloor(Workload& w) : workload_(w), channels_(w.channels) {
  const std::size_t n = k_window_len;
  const std::size_t bins = n / 2 + 1;
  out_ = aligned<cfloat>(n);  // >= every transform size used below
  spectrum_ = aligned<cfloat>(bins);
  {
    auto in = aligned<float>(n);
    window_plan_.reset(
        fftwf_plan_dft_r2c_1d(static_cast<int>(n), in.get(), as_fftw(spectrum_.get()), FFTW_MEASURE));
    if (!window_plan_) die("FFTW cannot plan the window FFT");
  }

  // Which kurtogram bands are evaluated depends on the configuration only: read it off the map (NaN = not
  // evaluated) of a Kurtogram configured as the analyzer configures its own.
  auto kurtogram =
      bench::value_or_die(dsp::Kurtogram::create(bench::kurtogram_config(w.config)), "kurtogram");
  auto envelope =
      bench::value_or_die(dsp::EnvelopeAnalyzer::create(bench::envelope_config(w.config)), "envelope");
  const std::size_t tiled = n / 2;
  const double bin_hz = k_sample_rate_hz / double(n);
  const std::size_t first_bin =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(diag::band_low_hz(w.config) / bin_hz)));
  const auto begin_bin = [&](std::size_t bands, std::size_t index) {
    return (index * tiled + bands - 1) / bands;
  };

  std::vector<std::vector<cfloat>> spectra(channels_);
  for (std::size_t c = 0; c < channels_; ++c) {
    fftwf_execute_dft_r2c(window_plan_.get(), const_cast<float*>(w.window(c).data()),
                          as_fftw(spectrum_.get()));
    spectra[c].assign(spectrum_.get(), spectrum_.get() + bins);
    // The replicated kurtogram and envelope must choose what the analyzer chose (catches a change of the
    // analyzer's configuration that bench_support.hpp does not mirror yet).
    const dsp::KurtogramResult best = kurtogram.best_band(spectra[c]);
    const dsp::FrequencyBand resolved = envelope.resolve_band(best.band);
    const diag::WindowFeatures& f = w.analyzer->analyze(w.window(c), w.speed_rpm(c));
    if (std::abs(best.kurtosis - f.band_kurtosis) > 1e-6 * std::max(1.0, std::abs(f.band_kurtosis)) ||
        resolved.low_hz != f.band.low_hz || resolved.high_hz != f.band.high_hz) {
      die(
          fmt::format("channel {}: bench_support's kurtogram/envelope configuration no longer mirrors "
                      "WindowAnalyzer (band {}-{} Hz K {} vs analyzer {}-{} Hz K {})",
                      c, resolved.low_hz, resolved.high_hz, best.kurtosis, f.band.low_hz, f.band.high_hz,
                      f.band_kurtosis));
    }
  }
  (void)kurtogram.best_band(spectra[0]);
  for (std::size_t r = 0; r < kurtogram.rows(); ++r) {
    const auto row_map = kurtogram.row_kurtosis(r);
    const auto count = static_cast<std::size_t>(
        std::count_if(row_map.begin(), row_map.end(), [](float k) { return !std::isnan(k); }));
    if (count == 0) continue;
    KurtogramRow row;
    row.m = kurtogram.samples_per_band(r);
    row.count = count;
    row.plan = complex_plan(row.m);
    row.inputs = aligned<cfloat>(channels_ * row.m);
    row.scratch = aligned<cfloat>(row.m);
    row.in_place.emplace(bench::value_or_die(dsp::ComplexFft::create(row.m, w.config.effort), "complex fft"));
    const std::size_t bands = kurtogram.band_count(r);
    for (std::size_t c = 0; c < channels_; ++c) {
      // Fold the first evaluated band modulo M exactly as Kurtogram::best_band does, then check the K it
      // gives.
      const auto k_map = [&] {
        (void)kurtogram.best_band(spectra[c]);
        return kurtogram.row_kurtosis(r);
      }();
      const auto first = static_cast<std::size_t>(
          std::find_if(k_map.begin(), k_map.end(), [](float k) { return !std::isnan(k); }) - k_map.begin());
      const std::size_t lo = std::max(begin_bin(bands, first), first_bin);
      const std::size_t hi = begin_bin(bands, first + 1);
      cfloat* in = row.inputs.get() + c * row.m;
      for (std::size_t k = lo; k < hi; ++k) in[(k - lo) % row.m] += spectra[c][k];
      fftwf_execute_dft(row.plan, as_fftw(in), as_fftw(out_.get()));  // out of place: `in` is preserved
      double p2 = 0, p4 = 0;
      for (std::size_t i = 0; i < row.m; ++i) {
        const double e = std::norm(out_[i]);
        p2 += e;
        p4 += e * e;
      }
      const double kurtosis = double(row.m) * p4 / (p2 * p2) - 2.0;
      if (std::abs(kurtosis - k_map[first]) > 1e-3 * std::max(1.0, std::abs(kurtosis))) {
        die(fmt::format("floor does not replicate the kurtogram: row {} band {} K {} vs {}", r, first,
                        kurtosis, k_map[first]));
      }
    }
    rows_.push_back(std::move(row));
  }

  // The envelope: the band the analyzer demodulates, placed at baseband with the raised-cosine edges
  // (mirrors EnvelopeAnalyzer::analyze); the replication is checked against the analyzer's amplitudes.
  const std::size_t q = envelope.envelope_bins() - 1;
  const std::size_t max_bin = (n - 1) / 2;
  const std::size_t taper_bins =
      std::min<std::size_t>(static_cast<std::size_t>(std::lround(200.0 / bin_hz)), max_bin);
  std::vector<float> taper(taper_bins);
  for (std::size_t d = 1; d <= taper_bins; ++d) {
    taper[d - 1] =
        static_cast<float>(0.5 * (1.0 + std::cos(std::numbers::pi * double(d) / double(taper_bins + 1))));
  }
  for (std::size_t c = 0; c < channels_; ++c) {
    const diag::WindowFeatures& f = w.analyzer->analyze(w.window(c), w.speed_rpm(c));
    const auto low = static_cast<std::size_t>(std::lround(f.band.low_hz / bin_hz));
    const auto high = static_cast<std::size_t>(std::lround(f.band.high_hz / bin_hz));
    const std::size_t taper_low = std::min(taper_bins, low - 1);
    const std::size_t taper_high = std::min(taper_bins, max_bin - high);
    const std::size_t m = ladder_ceil(high - low + 1 + taper_low + taper_high + q);
    EnvelopeInput e;
    e.m = m;
    e.baseband_plan = complex_plan(m);
    e.squared_plan = real_plan(m);
    e.baseband = aligned<cfloat>(m);
    e.squared = aligned<float>(m);
    const std::size_t centre = (low + high) / 2;
    const float scale = 2.0f / float(n);
    auto place = [&](std::size_t k, float weight) {
      e.baseband[k >= centre ? k - centre : m - (centre - k)] = spectra[c][k] * (scale * weight);
    };
    for (std::size_t k = low; k <= high; ++k) place(k, 1.0f);
    for (std::size_t d = 1; d <= taper_low; ++d) place(low - d, taper[d - 1]);
    for (std::size_t d = 1; d <= taper_high; ++d) place(high + d, taper[d - 1]);
    fftwf_execute_dft(e.baseband_plan, as_fftw(e.baseband.get()), as_fftw(out_.get()));
    double mean = 0;
    for (std::size_t i = 0; i < m; ++i) mean += std::norm(out_[i]);
    mean /= double(m);
    for (std::size_t i = 0; i < m; ++i) {
      const double hann = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * double(i) / double(m));
      e.squared[i] = static_cast<float>((std::norm(out_[i]) - mean) * hann);
    }
    fftwf_execute_dft_r2c(e.squared_plan, e.squared.get(), as_fftw(out_.get()));
    double worst = 0, largest = 0;
    for (std::size_t k = 1; k <= q; ++k) {
      const double ours = f.envelope.amplitude[k];
      worst = std::max(worst, std::abs(std::abs(out_[k]) * 4.0 / double(m) - ours));
      largest = std::max(largest, ours);
    }
    if (worst > 1e-3 * largest) {
      die(fmt::format("floor does not replicate the envelope of channel {} (M = {}): error {} of {}", c, m,
                      worst, largest));
    }
    envelopes_.push_back(std::move(e));
  }
}

std::string FftFloor::describe() const {
  std::string kurt;
  std::size_t bands = 0;
  for (const KurtogramRow& row : rows_) {
    kurt += fmt::format("{}{} x c2c {}", kurt.empty() ? "" : ", ", row.count, row.m);
    bands += row.count;
  }
  std::string env;
  for (const EnvelopeInput& e : envelopes_) env += fmt::format("{}{}", env.empty() ? "" : ", ", e.m);
  return fmt::format(
      "per window: r2c {}; kurtogram {} inverse c2c ({}); envelope inverse c2c + r2c of size M "
      "per channel (M = {})",
      k_window_len, bands, kurt, env);
}

// -------------------------------------------------------------------------------------------------------
// The stages of analyze(), one at a time, on the inputs the pipeline gives each (computed once here).

class Stages {
 public:
  explicit Stages(Workload& w)
      : w_(w),
        fft_(bench::value_or_die(
            dsp::RealFft::create(k_window_len, w.config.effort, dsp::FftDirections::forward_only), "fft")),
        kurtogram_(
            bench::value_or_die(dsp::Kurtogram::create(bench::kurtogram_config(w.config)), "kurtogram")),
        envelope_(
            bench::value_or_die(dsp::EnvelopeAnalyzer::create(bench::envelope_config(w.config)), "envelope")),
        finder_(bench::value_or_die(
            dsp::DefectEvidenceFinder::create(envelope_.envelope_bins(), w.config.evidence), "evidence")),
        tapered_(k_window_len / 2 + 1) {
    for (std::size_t c = 0; c < w.channels; ++c) {
      const auto spectrum = fft_.forward(w.window(c));
      spectra_.emplace_back(spectrum.begin(), spectrum.end());
      bands_.push_back(kurtogram_.best_band(spectra_.back()).band);
      const dsp::EnvelopeSpectrum e =
          envelope_.analyze(std::span<const cfloat>(spectra_.back()), bands_.back());
      amplitudes_.emplace_back(e.amplitude.begin(), e.amplitude.end());
      envelopes_.push_back(e);
      frequencies_.push_back(dsp::defect_frequencies(w.config.bearing, w.speed_rpm(c)));
    }
    for (std::size_t c = 0; c < w.channels; ++c) envelopes_[c].amplitude = amplitudes_[c];
  }

  void time_stats() {
    for (std::size_t c = 0; c < w_.channels; ++c) benchmark::DoNotOptimize(dsp::time_stats(w_.window(c)));
  }
  void window_fft() {
    for (std::size_t c = 0; c < w_.channels; ++c) benchmark::DoNotOptimize(fft_.forward(w_.window(c)).data());
  }
  // As WindowAnalyzer::analyze: Hann taper of the velocity band's bins by the 3-tap convolution, then the
  // sum.
  void velocity() {
    const double bin_hz = k_sample_rate_hz / double(k_window_len);
    const auto first = static_cast<std::size_t>(std::floor(dsp::k_iso_velocity_band.low_hz / bin_hz));
    const auto last = static_cast<std::size_t>(std::ceil(dsp::k_iso_velocity_band.high_hz / bin_hz));
    for (std::size_t c = 0; c < w_.channels; ++c) {
      const auto& x = spectra_[c];
      for (std::size_t k = std::max<std::size_t>(first, 1); k <= last; ++k)
        tapered_[k] = 0.5f * (x[k] - 0.5f * (x[k - 1] + x[k + 1]));
      benchmark::DoNotOptimize(dsp::velocity_rms_mm_s(tapered_, k_window_len, k_sample_rate_hz,
                                                      dsp::k_iso_velocity_band, w_.config.unit,
                                                      3.0 * double(k_window_len) / 8.0));
    }
  }
  void kurtogram() {
    for (const auto& x : spectra_) benchmark::DoNotOptimize(kurtogram_.best_band(x));
  }
  void envelope() {
    for (std::size_t c = 0; c < w_.channels; ++c)
      benchmark::DoNotOptimize(
          envelope_.analyze(std::span<const cfloat>(spectra_[c]), bands_[c]).amplitude.data());
  }
  void evidence() {
    for (std::size_t c = 0; c < w_.channels; ++c)
      benchmark::DoNotOptimize(finder_.find(envelopes_[c], frequencies_[c]));
  }

 private:
  Workload& w_;
  dsp::RealFft fft_;
  dsp::Kurtogram kurtogram_;
  dsp::EnvelopeAnalyzer envelope_;
  dsp::DefectEvidenceFinder finder_;
  std::vector<cfloat> tapered_;
  std::vector<std::vector<cfloat>> spectra_;
  std::vector<dsp::FrequencyBand> bands_;
  std::vector<std::vector<float>> amplitudes_;
  std::vector<dsp::EnvelopeSpectrum> envelopes_;
  std::vector<dsp::DefectFrequencies> frequencies_;
};

// -------------------------------------------------------------------------------------------------------

void set_counters(benchmark::State& state, std::size_t channels) {
  const double windows = double(state.iterations()) * double(channels);
  const double samples = windows * double(k_window_len);
  state.counters["channel_s_per_core_s"] =
      benchmark::Counter(windows * double(k_window_len) / k_sample_rate_hz, benchmark::Counter::kIsRate);
  state.counters["ns_per_sample"] =
      benchmark::Counter(samples * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
  state.SetBytesProcessed(static_cast<std::int64_t>(samples * sizeof(float)));
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags{{"--channels", "8"}, {"--out_dir", "."}};
  if (!bench::initialize(argc, argv, flags)) return 1;
  const std::string out_dir = flags["--out_dir"];
  const std::size_t channels =
      static_cast<std::size_t>(std::strtoul(flags["--channels"].c_str(), nullptr, 10));
  if (channels == 0 || channels > 4096) die("--channels must be in [1, 4096]");

  Workload workload = make_workload(channels);
  write_signals(workload, out_dir + "/pipeline_signals.f32");
  write_features(workload, out_dir + "/pipeline_features.json", "pipeline_signals.f32");
  FftFloor floor(workload);

  benchmark::AddCustomContext("channels", std::to_string(channels));
  benchmark::AddCustomContext("window_len", std::to_string(k_window_len));
  benchmark::AddCustomContext("sample_rate_hz", fmt::format("{}", k_sample_rate_hz));
  benchmark::AddCustomContext("fftw", fftwf_version);
  benchmark::AddCustomContext("fft_floor_transforms", floor.describe());

  benchmark::RegisterBenchmark("pipeline/vigil", [&](benchmark::State& state) {
    for (auto _ : state) {
      for (std::size_t c = 0; c < channels; ++c) {
        benchmark::DoNotOptimize(&workload.analyzer->analyze(workload.window(c), workload.speed_rpm(c)));
      }
    }
    set_counters(state, channels);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("pipeline/fft_floor", [&](benchmark::State& state) {
    for (auto _ : state) {
      floor.window_ffts();
      floor.kurtogram_ffts();
      floor.envelope_ffts();
      benchmark::ClobberMemory();
    }
    set_counters(state, channels);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("pipeline/fft_floor_kurtogram", [&](benchmark::State& state) {
    for (auto _ : state) {
      floor.kurtogram_ffts();
      benchmark::ClobberMemory();
    }
    set_counters(state, channels);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("pipeline/fft_floor_envelope", [&](benchmark::State& state) {
    for (auto _ : state) {
      floor.envelope_ffts();
      benchmark::ClobberMemory();
    }
    set_counters(state, channels);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("pipeline/single_fft", [&](benchmark::State& state) {
    for (auto _ : state) {
      floor.window_ffts();
      benchmark::ClobberMemory();
    }
    set_counters(state, channels);
  })->Unit(benchmark::kMicrosecond);

  Stages stages(workload);
  const std::pair<const char*, void (Stages::*)()> stage_list[] = {
      {"stage/time_stats", &Stages::time_stats}, {"stage/window_fft", &Stages::window_fft},
      {"stage/velocity", &Stages::velocity},     {"stage/kurtogram", &Stages::kurtogram},
      {"stage/envelope", &Stages::envelope},     {"stage/evidence", &Stages::evidence}};
  for (const auto& [name, run] : stage_list) {
    benchmark::RegisterBenchmark(name, [&stages, run = run, channels](benchmark::State& state) {
      for (auto _ : state) {
        (stages.*run)();
        benchmark::ClobberMemory();
      }
      set_counters(state, channels);
    })->Unit(benchmark::kMicrosecond);
  }

  benchmark::RegisterBenchmark("diagnostic/kurtogram_ffts_in_place_with_copy", [&](benchmark::State& state) {
    for (auto _ : state) {
      floor.kurtogram_ffts_with_copy(true);
      benchmark::ClobberMemory();
    }
    set_counters(state, channels);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("diagnostic/kurtogram_ffts_out_of_place_with_copy",
                               [&](benchmark::State& state) {
                                 for (auto _ : state) {
                                   floor.kurtogram_ffts_with_copy(false);
                                   benchmark::ClobberMemory();
                                 }
                                 set_counters(state, channels);
                               })
      ->Unit(benchmark::kMicrosecond);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
