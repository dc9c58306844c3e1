#include "eval/synthetic_faults.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "dsp/bearing.hpp"
#include "model/features.hpp"
#include "sim/simulator.hpp"

namespace vigil::eval {

using model::FeatureExtractor;
using model::FeatureExtractorConfig;
using model::train::Dataset;
namespace {

constexpr std::size_t k_ring_up_samples = 1024;

Result<sim::FaultKind> simulated_kind(domain::FaultType fault) {
  switch (fault) {
    case domain::FaultType::inner_race:
      return sim::FaultKind::inner_race;
    case domain::FaultType::outer_race:
      return sim::FaultKind::outer_race;
    case domain::FaultType::ball:
      return sim::FaultKind::ball;
    case domain::FaultType::cage:
      return sim::FaultKind::cage;
    default:
      break;
  }
  return fail(ErrorCode::invalid_argument, "synthetic faults: the simulator has no '{}' defect",
              domain::to_string(fault));
}

// Mean shaft speed of `rows` at each load.
std::map<double, double> speeds_by_load(const LabelledWindows& windows, std::span<const std::size_t> rows) {
  std::map<double, std::pair<double, std::size_t>> sum;
  for (auto i : rows) {
    auto& s = sum[windows.rows[i].load_hp];
    s.first += windows.rows[i].speed_rpm;
    ++s.second;
  }
  std::map<double, double> out;
  for (const auto& [load, s] : sum) out[load] = s.first / double(s.second);
  return out;
}

Result<FeatureExtractor> extractor_for(const LabelledWindows& windows,
                                       const dsp::BearingGeometry& bearing = *dsp::find_bearing("6205-2RS")) {
  auto extractor = FeatureExtractor::create({.sample_rate_hz = windows.sample_rate_hz,
                                             .window_len = windows.window_len,
                                             .bearing = bearing,
                                             .max_speed_rpm = 3600,
                                             .unit = dsp::AccelerationUnit::g,
                                             .speed_tolerance = 0.02,
                                             .effort = dsp::PlanEffort::estimate});
  if (!extractor) return std::unexpected(extractor.error().with_context("synthetic windows"));
  return extractor;
}

double uniform(sim::Xoshiro256& rng, const double (&range)[2]) {
  return range[0] + (range[1] - range[0]) * rng.uniform();
}

double log_uniform(sim::Xoshiro256& rng, const double (&range)[2]) {
  return range[0] * std::pow(range[1] / range[0], rng.uniform());
}

}  // namespace

sim::Scenario varied_fault_scenario(sim::FaultKind kind, double speed_rpm, double sample_rate_hz,
                                    sim::Xoshiro256& rng) {
  const auto bearings = dsp::bearing_catalogue();
  sim::Scenario s = sim::Scenario::cwru_like(kind);
  const auto b = std::min(bearings.size() - 1, std::size_t(rng.uniform() * double(bearings.size())));
  s.machine.bearing = bearings[b];
  s.machine.sample_rate_hz = sample_rate_hz;
  s.machine.speed_rpm = speed_rpm * uniform(rng, k_varied_speed_factor);
  s.machine.resonance_hz = log_uniform(rng, k_varied_resonance_hz);
  s.machine.damping_ratio = uniform(rng, k_varied_damping_ratio);
  s.machine.noise_rms_g = log_uniform(rng, k_varied_noise_rms_g);
  s.machine.machine_noise_rms_g = log_uniform(rng, k_varied_machine_noise_rms_g);
  s.fault.impact_g = log_uniform(rng, k_varied_impact_g);
  s.fault.outer_race_pit_deg = uniform(rng, k_varied_pit_deg);
  s.fault.load_zone_half_angle_deg = uniform(rng, k_varied_load_zone_half_angle_deg);
  s.fault.slip_fraction = uniform(rng, k_varied_slip_fraction);
  return s;
}

Result<Dataset> synthetic_fault_dataset(const LabelledWindows& windows,
                                        std::span<const std::size_t> training_rows,
                                        std::span<const domain::FaultType> classes, std::size_t per,
                                        std::uint64_t seed, model::train::SyntheticVariation variation) {
  std::vector<sim::FaultKind> kinds;
  for (auto c : classes) {
    auto kind = simulated_kind(c);
    if (!kind) return std::unexpected(kind.error());
    kinds.push_back(*kind);
  }
  // One extractor per bearing the windows may come from (the simulated bearing's defect orders).
  const auto bearings = dsp::bearing_catalogue();
  std::vector<FeatureExtractor> extractors;
  for (const auto& b : bearings) {
    auto extractor = extractor_for(windows, b);
    if (!extractor) return std::unexpected(extractor.error());
    extractors.push_back(std::move(*extractor));
  }
  const bool varied = variation == model::train::SyntheticVariation::varied;
  Dataset d;
  d.features = model::k_classifier_feature_count;
  std::vector<float> x(windows.window_len + k_ring_up_samples);
  std::uint64_t stream = 0;
  for (const auto& [load, rpm] : speeds_by_load(windows, training_rows)) {
    for (std::size_t c = 0; c < kinds.size(); ++c) {
      const std::uint64_t base = seed * 1000003 + 100000 * (++stream);
      sim::Xoshiro256 draws(base);
      for (std::size_t k = 0; k < per; ++k) {
        auto scenario = sim::Scenario::cwru_like(kinds[c], rpm);
        scenario.machine.sample_rate_hz = windows.sample_rate_hz;
        if (varied) {
          scenario = varied_fault_scenario(kinds[c], rpm, windows.sample_rate_hz, draws);
        } else {
          const double t = per > 1 ? double(k) / double(per - 1) : 0.5;
          scenario.fault.impact_g =
              k_synthetic_min_impact_g * std::pow(k_synthetic_max_impact_g / k_synthetic_min_impact_g, t);
        }
        auto simulator = sim::Simulator::create(scenario, base + k);
        if (!simulator) return std::unexpected(simulator.error().with_context("synthetic faults"));
        simulator->generate(x);
        const auto b =
            std::size_t(std::find_if(bearings.begin(), bearings.end(),
                                     [&](const auto& g) { return g.name == scenario.machine.bearing.name; }) -
                        bearings.begin());
        FeatureExtractor& extractor = extractors[b];
        auto f = extractor.extract(std::span<const float>(x).subspan(k_ring_up_samples),
                                   scenario.machine.speed_rpm);
        if (!f) return std::unexpected(f.error().with_context("synthetic faults"));
        const auto v = extractor.classifier_features();
        d.x.insert(d.x.end(), v.begin(), v.end());
        d.labels.push_back(static_cast<int>(c));
        ++d.rows;
      }
    }
  }
  return d;
}

Result<std::vector<float>> synthetic_healthy_rows(const LabelledWindows& windows,
                                                  std::span<const std::size_t> rows, std::size_t per,
                                                  std::uint64_t seed) {
  auto extractor = extractor_for(windows);
  if (!extractor) return std::unexpected(extractor.error());
  std::vector<float> out;
  std::vector<float> x(windows.window_len);
  std::uint64_t stream = 0;
  for (const auto& [load, rpm] : speeds_by_load(windows, rows)) {
    auto scenario = sim::Scenario::cwru_like(sim::FaultKind::none, rpm);
    scenario.machine.sample_rate_hz = windows.sample_rate_hz;
    auto simulator = sim::Simulator::create(scenario, seed + 1000 + stream++);
    if (!simulator) return std::unexpected(simulator.error().with_context("synthetic healthy windows"));
    for (std::size_t k = 0; k < per; ++k) {
      simulator->generate(x);
      auto f = extractor->extract(x, rpm);
      if (!f) return std::unexpected(f.error().with_context("synthetic healthy windows"));
      const auto v = extractor->classifier_features();
      out.insert(out.end(), v.begin(), v.end());
    }
  }
  return out;
}

}  // namespace vigil::eval
