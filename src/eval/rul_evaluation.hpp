// Remaining-useful-life training and evaluation on run-to-failure data: the lives of FEMTO/PRONOSTIA bearing
// folders read into per-snapshot features (cached per bearing), the choice of the model's defaults by
// leave-one-life-out on the training lives only (what `vigil train rul` does), and the nested evaluation of
// that whole procedure (what `vigil eval femto --rul` reports): each life held out in turn, the defaults
// chosen on the others, the held-out life truncated at many points and scored with the PHM 2012
// challenge's function (phm_score.hpp). The estimate itself is the runtime's (model/rul_pipeline.hpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "dsp/bearing.hpp"
#include "model/rul.hpp"
#include "model/rul_pipeline.hpp"

namespace vigil::eval {

// Features of every snapshot of one FEMTO-layout bearing folder (acc_NNNNN.csv, index order), on
// config.channel, both feature sets whatever config.kind; `name` is recorded in the result. Errors name
// the snapshot file (unreadable, channel missing, a snapshot length differing from the first, a dead
// channel).
//
// With a cache folder the features are read from cache_dir/<name>.features.json when that file was made
// from the same folder (same snapshot count and last index), channel, bearing, speed and feature schema
// version, and written there otherwise (the folder is created). A cache file that does not parse or
// does not match is ignored and rewritten; one that cannot be written is an io error.
Result<model::LifeFeatures> read_femto_life(const std::filesystem::path& dir, std::string name,
                                            const dsp::BearingGeometry& bearing, double speed_rpm,
                                            const model::RulScoreConfig& config = {},
                                            const std::filesystem::path& cache_dir = {});

// One set of defaults the training procedure chooses between: the per-snapshot score, the onset rule's
// false-alarm budget, and the quantiles of the two residual-life laws reported as the estimate.
struct RulCandidate {
  model::RulScoreKind kind = model::RulScoreKind::log_rms_kurtosis;
  double false_alarm_probability = 0.01;  // HealthIndexConfig::false_alarm_probability
  model::PointQuantiles point;
};
// The grid: both score kinds x false-alarm budgets {0.01, 0.0001} x fleet and degradation point quantiles
// {0.1, 0.2, 0.3, 0.5} each (64 candidates).
std::vector<RulCandidate> default_rul_candidates();
// Truncation points as fractions of each life: 0.10, 0.15, ..., 0.95 (18 points).
std::vector<double> default_truncation_fractions();

// One truncated life: the estimate at the last snapshot with t - t_0 <= fraction (t_end - t_0).
struct TruncationResult {
  std::string life;
  double fraction = 0;
  model::RulEstimate estimate;
  double actual_rul_s = 0;         // t_end - estimate.time_s
  double percent_error = 0;        // PHM 2012 Er
  double accuracy = 0;             // PHM 2012 A
  bool over_3x_within_1h = false;  // actual_rul_s < 3600 s and rul_s > 3 actual_rul_s
};

// The choice on a set of training lives: for each candidate, over every (held-out life, truncation) of a
// leave-one-life-out among those lives only, the mean A and the number of estimates over 3 times an actual
// RUL under one hour; the chosen one is choose_rul_candidate's. A candidate that cannot be fitted on some
// fold (fewer than 2 lives with an onset) gets no score (NaN) and is not chosen.
struct RulSelection {
  std::vector<RulCandidate> grid;
  std::vector<double> mean_accuracy;           // per candidate
  std::vector<std::size_t> over_3x_within_1h;  // per candidate
  std::size_t chosen = 0;                      // index into grid
};
// The rule, in the order of the targets: the fewest estimates over 3 times an actual RUL under one hour
// (a hard limit), then the largest mean A (the challenge score), then the first of the grid. Candidates
// whose mean A is NaN are skipped; nullopt when every one is (or the spans are empty or of different
// lengths).
std::optional<std::size_t> choose_rul_candidate(std::span<const double> mean_accuracy,
                                                std::span<const std::size_t> over_3x_within_1h);

// The training procedure (`vigil train rul`): the choice above, then the prior (learn_prior on the chosen
// kind's scores) and the fleet life law (fit_fleet_life on the lives' durations t_end - t_0) from all the
// lives, with `base` (health index, interval probability) and the chosen budget and point quantiles.
struct TrainedRul {
  model::RulModel model;
  model::PriorFit prior_fit;
  RulSelection selection;
};
// invalid_argument with fewer than 4 lives (the inner leave-one-out fits on 3 at least), an empty grid, a
// fraction outside (0, 1), or when no candidate can be fitted; errors of the scores name the life.
Result<TrainedRul> train_rul(std::span<const model::LifeFeatures> lives, std::span<const RulCandidate> grid,
                             std::span<const double> fractions, const model::RulConfig& base = {});

// Distribution of a set of values (NaN-free, not empty): mean and quantiles by linear interpolation
// between order statistics (type 7, as numpy's default).
struct Distribution {
  std::size_t count = 0;
  double mean = 0, min = 0, q10 = 0, q25 = 0, median = 0, q75 = 0, q90 = 0, max = 0;
};
Distribution distribution_of(std::span<const double> values);

// Nested leave-one-life-out: for each life, train_rul on the others (its choice made by an inner
// leave-one-out among them), then the held-out life truncated at every fraction and scored.
struct NestedFold {
  std::string held_out;
  double life_s = 0;
  TrainedRul trained;  // on the other lives only
  std::vector<TruncationResult> rows;
};
struct NestedReport {
  std::vector<double> fractions;
  std::vector<NestedFold> folds;
  Distribution accuracy;                       // A over every row
  std::vector<Distribution> accuracy_by_life;  // same order as folds
  std::vector<Distribution> accuracy_by_fraction;
  std::size_t within_1h = 0;          // rows whose actual RUL is under one hour
  std::size_t over_3x_within_1h = 0;  // ... of them, estimated over 3 times the actual
};
// invalid_argument with fewer than 5 lives, or what train_rul refuses.
Result<NestedReport> evaluate_rul_nested(std::span<const model::LifeFeatures> lives,
                                         std::span<const RulCandidate> grid,
                                         std::span<const double> fractions,
                                         const model::RulConfig& base = {});
nlohmann::json to_json(const RulSelection& selection);
nlohmann::json to_json(const NestedReport& report);

}  // namespace vigil::eval
