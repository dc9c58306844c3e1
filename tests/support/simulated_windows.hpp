// Labelled feature windows from the simulator, for the model tests: `count` consecutive disjoint windows of
// one simulated CWRU-like recording (sim::Scenario::cwru_like: 12 kHz, 6205-2RS at 1797 rpm), turned into
// the schema's features and appended to a table as build_labelled_windows would hold them. Header-only: only
// the model tests (which link vigil_model and vigil_sim) include it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/bearing.hpp"
#include "eval/labelled_windows.hpp"
#include "model/features.hpp"
#include "sim/simulator.hpp"

namespace vigil::test {

inline constexpr double k_sim_rate_hz = 12000;
inline constexpr std::size_t k_sim_window_len = 4096;
inline constexpr double k_sim_speed_rpm = 1797;

inline model::FeatureExtractorConfig simulated_extractor_config() {
  return {.sample_rate_hz = k_sim_rate_hz,
          .window_len = k_sim_window_len,
          .bearing = *dsp::find_bearing("6205-2RS"),
          .max_speed_rpm = 3600,
          .unit = dsp::AccelerationUnit::g,
          .speed_tolerance = 0.02,
          .effort = dsp::PlanEffort::estimate};
}

inline void add_simulated(eval::LabelledWindows& table, sim::FaultKind kind, domain::FaultType fault,
                          const std::string& name, std::size_t count, std::uint64_t seed) {
  auto extractor = model::FeatureExtractor::create(simulated_extractor_config());
  ASSERT_TRUE(extractor.has_value()) << extractor.error().message;
  auto simulator = sim::Simulator::create(sim::Scenario::cwru_like(kind, k_sim_speed_rpm), seed);
  ASSERT_TRUE(simulator.has_value()) << simulator.error().message;
  std::vector<float> x(k_sim_window_len);
  for (std::size_t k = 0; k < count; ++k) {
    simulator->generate(x);
    auto f = extractor->extract(x, k_sim_speed_rpm);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    table.rows.push_back(eval::WindowRow{.recording = name,
                                         .fault = fault,
                                         .speed_rpm = k_sim_speed_rpm,
                                         .start_sample = k * k_sim_window_len,
                                         .features = std::vector<float>(f->begin(), f->end())});
  }
}

}  // namespace vigil::test
