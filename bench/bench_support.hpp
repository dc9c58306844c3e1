// Shared set-up of Vigil's benchmarks: the simulated channels every benchmark feeds the pipeline with and
// the WindowAnalyzer configuration they are analysed under, so the per-hot-path figures (dsp_bench,
// sim_bench, diag_bench) and the whole-pipeline figures (pipeline_bench) describe the same workload.
//
// Workload: a PRONOSTIA-like rig (25.6 kS/s, 1 s windows of 25,600 samples, the PRONOSTIA test bearing at
// 1500-1800 rpm, a 5 kHz structural resonance) with one accelerometer per channel. The channels cycle
// through a healthy bearing and each defect kind at constant severity, so the kurtogram, the envelope and
// the evidence search see both impulsive and Gaussian windows, as a monitored fleet would.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "diag/window_analyzer.hpp"
#include "dsp/bearing.hpp"
#include "dsp/defect_evidence.hpp"
#include "dsp/velocity.hpp"
#include "sim/simulator.hpp"

namespace vigil::bench {

inline constexpr double k_sample_rate_hz = 25600;
inline constexpr std::size_t k_window_len = 25600;  // 1 s at 25.6 kS/s
inline constexpr double k_max_speed_rpm = 1890;     // 1800 rpm + 5 %, as diag::diagnose configures it

// One channel of the workload: the fault it carries, the shaft speed and the fault severity (a multiple
// of the scenario's 20 g impacts).
struct ChannelSpec {
  sim::FaultKind fault;
  double speed_rpm;
  double severity;
};

// Eight channels; channel c uses k_channel_specs[c % 8] with seed 1000 + c.
inline constexpr std::array<ChannelSpec, 8> k_channel_specs{{
    {sim::FaultKind::none, 1800, 0.0},
    {sim::FaultKind::outer_race, 1800, 0.3},
    {sim::FaultKind::inner_race, 1650, 0.5},
    {sim::FaultKind::ball, 1500, 0.5},
    {sim::FaultKind::cage, 1800, 0.5},
    {sim::FaultKind::outer_race, 1500, 0.1},
    {sim::FaultKind::inner_race, 1800, 1.0},
    {sim::FaultKind::none, 1650, 0.0},
}};

inline const ChannelSpec& channel_spec(std::size_t channel) {
  return k_channel_specs[channel % k_channel_specs.size()];
}
inline std::uint64_t channel_seed(std::size_t channel) { return 1000 + channel; }

// Aborts the benchmark program with the error (set-up failures are not measurable states).
template <typename T>
T value_or_die(Result<T> result, const char* what) {
  if (!result) {
    fmt::print(stderr, "benchmark set-up failed: {}: {}\n", what, result.error().message);
    std::exit(2);
  }
  return std::move(*result);
}

inline sim::Scenario channel_scenario(std::size_t channel) {
  const ChannelSpec& spec = channel_spec(channel);
  sim::Scenario scenario = sim::Scenario::pronostia_like(spec.fault, spec.speed_rpm);
  scenario.fault.severity = sim::SeverityLaw{.growth = sim::SeverityGrowth::constant,
                                             .initial = spec.severity,
                                             .time_constant_s = 3600,
                                             .max_severity = 1.0};
  return scenario;
}

// `samples` samples of channel `channel` (acceleration in g).
inline std::vector<float> simulate_channel(std::size_t channel, std::size_t samples) {
  auto simulator =
      value_or_die(sim::Simulator::create(channel_scenario(channel), channel_seed(channel)), "simulator");
  std::vector<float> x(samples);
  simulator.generate(x);
  return x;
}

// The analyzer configuration of the benchmarks: the defaults of WindowAnalyzerConfig (kurtogram
// demodulation, 5 levels, 3 harmonics, FFTW_MEASURE plans) on the PRONOSTIA bearing.
inline diag::WindowAnalyzerConfig analyzer_config() {
  diag::WindowAnalyzerConfig config;
  config.sample_rate_hz = k_sample_rate_hz;
  config.window_len = k_window_len;
  config.bearing = value_or_die(dsp::find_bearing("pronostia"), "bearing");
  config.max_speed_rpm = k_max_speed_rpm;
  return config;
}

// Takes the program's own flags out of the command line ("--name=value" for each name in `flags`, whose
// values are the defaults and receive what was given) and hands the rest to Google Benchmark. False when
// Google Benchmark meets an argument it does not know (it has printed why).
inline bool initialize(int argc, char** argv, std::map<std::string, std::string>& flags) {
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto eq = arg.find('=');
    const auto it = eq == std::string_view::npos ? flags.end() : flags.find(std::string(arg.substr(0, eq)));
    if (it != flags.end()) {
      it->second = std::string(arg.substr(eq + 1));
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  return !benchmark::ReportUnrecognizedArguments(rest_argc, rest.data());
}

// The kurtogram and envelope configurations WindowAnalyzer::create derives from a configuration.
using diag::envelope_config;
using diag::kurtogram_config;

// The analysis an analyzer of `cfg` runs, as the numpy/scipy peers read it (bench/peer/pipeline_peer.py).
inline nlohmann::json analysis_config_json(const diag::WindowAnalyzerConfig& cfg) {
  return {{"sample_rate_hz", cfg.sample_rate_hz},
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
          {"kurtogram_min_bandwidth_hz", kurtogram_config(cfg).min_bandwidth_hz},
          {"kurtogram_max_samples_per_band", 4096},
          {"envelope_max_hz", diag::envelope_reach_hz(cfg)},
          {"envelope_edge_taper_hz", 200},
          {"evidence",
           {{"harmonics", cfg.evidence.harmonics},
            {"speed_tolerance", cfg.evidence.speed_tolerance},
            {"min_snr_db", cfg.evidence.min_snr_db},
            {"background_hz", cfg.evidence.background_hz},
            {"min_background_bins", dsp::DefectEvidenceFinder::k_min_background_bins}}}};
}

}  // namespace vigil::bench
