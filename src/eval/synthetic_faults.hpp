// Physics-simulated fault windows for the classifier's training side: the simulator's "rare events" (every
// defect kind, at severities the real recordings do not span), labelled by construction, added to real
// labelled windows, either of the CWRU rig alone or varied over what the recordings do not vary (bearing,
// pit position, resonance, ...). docs/learned-evaluation.md measures what they do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "eval/labelled_windows.hpp"
#include "io/catalog.hpp"
#include "model/train/classifier_recipe.hpp"
#include "model/train/dataset.hpp"
#include "sim/random.hpp"
#include "sim/simulator.hpp"

namespace vigil::eval {

// Impact strengths of the simulated defects, log-spaced over this range (g): a factor 16, wider than the
// CWRU seeded defect sizes span, so the classifier sees each defect kind from barely visible to gross.
inline constexpr double k_synthetic_min_impact_g = 0.25;
inline constexpr double k_synthetic_max_impact_g = 4.0;

// The ranges of SyntheticVariation::varied, each drawn uniformly per window (log-uniformly where marked):
// what the recordings of one rig do not vary, so a classifier cannot learn the rig instead of the defect.
inline constexpr double k_varied_speed_factor[2] = {0.7, 1.3};    // x the training load's mean speed
inline constexpr double k_varied_resonance_hz[2] = {1500, 5000};  // log-uniform
inline constexpr double k_varied_damping_ratio[2] = {0.02, 0.10};
inline constexpr double k_varied_impact_g[2] = {0.1, 4.0};  // log-uniform
inline constexpr double k_varied_pit_deg[2] = {-180, 180};  // outer-race pit from the load direction
inline constexpr double k_varied_load_zone_half_angle_deg[2] = {60, 120};
inline constexpr double k_varied_noise_rms_g[2] = {0.02, 0.2};            // sensor, log-uniform
inline constexpr double k_varied_machine_noise_rms_g[2] = {0.002, 0.05};  // log-uniform
inline constexpr double k_varied_slip_fraction[2] = {0.005, 0.02};

// One draw of the varied simulation: sim::Scenario::cwru_like(kind) at `sample_rate_hz` with a bearing drawn
// from dsp::bearing_catalogue() (each equally likely) and every quantity above drawn from `rng`, in a fixed
// order. The shaft lines stay cwru_like's.
sim::Scenario varied_fault_scenario(sim::FaultKind kind, double speed_rpm, double sample_rate_hz,
                                    sim::Xoshiro256& rng);

// `per` simulated windows of each class in `classes` at every load present among `training_rows` of
// `windows`, each window from its own simulator (own seed: defect angle, impact jitter, noise), the first
// 1024 samples of each dropped (the resonance rings up from rest), features as FeatureExtractor gives them
// for the simulated bearing at the simulated speed. `variation`:
//   cwru_rig  sim::Scenario::cwru_like (6205-2RS, 3 kHz resonance, pit at the load-zone centre) at the
//             table's sample rate and the load's mean shaft speed, impact strength log-spaced over
//             k_synthetic_min_impact_g .. k_synthetic_max_impact_g;
//   varied    varied_fault_scenario at the load's mean shaft speed.
// Labels are positions in `classes`. Deterministic in `seed`. invalid_argument for a class the simulator
// has no defect for (normal, unknown).
Result<model::train::Dataset> synthetic_fault_dataset(const LabelledWindows& windows,
                                                      std::span<const std::size_t> training_rows,
                                                      std::span<const domain::FaultType> classes,
                                                      std::size_t per, std::uint64_t seed,
                                                      model::train::SyntheticVariation variation);

// `per` simulated healthy windows (sim::Scenario::cwru_like with no defect) at the mean shaft speed of each
// load among `rows`, one continuous simulation per load; features row-major, k_classifier_feature_count per
// window. For the experiment of a simulated "normal" class (docs/learned-evaluation.md: it does not stand in
// for a real healthy recording).
Result<std::vector<float>> synthetic_healthy_rows(const LabelledWindows& windows,
                                                  std::span<const std::size_t> rows, std::size_t per,
                                                  std::uint64_t seed);

}  // namespace vigil::eval
