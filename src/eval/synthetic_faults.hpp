// Physics-simulated fault windows for the classifier's training side: the simulator's "rare events" (every
// defect kind, at severities the real recordings do not span), labelled by construction, added to real
// labelled windows. docs/learned-evaluation.md measures what they do (they help on both CWRU splits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "eval/labelled_windows.hpp"
#include "io/catalog.hpp"
#include "model/train/dataset.hpp"

namespace vigil::eval {

// Impact strengths of the simulated defects, log-spaced over this range (g): a factor 16, wider than the
// CWRU seeded defect sizes span, so the classifier sees each defect kind from barely visible to gross.
inline constexpr double k_synthetic_min_impact_g = 0.25;
inline constexpr double k_synthetic_max_impact_g = 4.0;

// `per` simulated windows of each class in `classes` at every load present among `training_rows` of
// `windows`, at that load's mean shaft speed: sim::Scenario::cwru_like (6205-2RS, 3 kHz resonance) at the
// table's sample rate, each window from its own simulator (own seed: defect angle, impact jitter, noise),
// impact strength log-spaced over the range above, the first 1024 samples of each dropped (the resonance
// rings up from rest), features as FeatureExtractor gives them. Labels are positions in `classes`.
// Deterministic in `seed`. invalid_argument for a class the simulator has no defect for (normal, unknown).
Result<model::train::Dataset> synthetic_fault_dataset(const LabelledWindows& windows,
                                                      std::span<const std::size_t> training_rows,
                                                      std::span<const domain::FaultType> classes,
                                                      std::size_t per, std::uint64_t seed);

// `per` simulated healthy windows (sim::Scenario::cwru_like with no defect) at the mean shaft speed of each
// load among `rows`, one continuous simulation per load; features row-major, k_classifier_feature_count per
// window. For the experiment of a simulated "normal" class (docs/learned-evaluation.md: it does not stand in
// for a real healthy recording).
Result<std::vector<float>> synthetic_healthy_rows(const LabelledWindows& windows,
                                                  std::span<const std::size_t> rows, std::size_t per,
                                                  std::uint64_t seed);

}  // namespace vigil::eval
