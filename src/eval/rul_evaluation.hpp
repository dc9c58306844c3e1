// Remaining-useful-life evaluation on run-to-failure data: the lives of FEMTO/PRONOSTIA bearing folders read
// into per-snapshot features, and the leave-one-life-out evaluation scored with the PHM 2012 challenge's
// function (phm_score.hpp). The scoring itself is the runtime's (model/rul_pipeline.hpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <limits>
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
Result<model::LifeFeatures> read_femto_life(const std::filesystem::path& dir, std::string name,
                                            const dsp::BearingGeometry& bearing, double speed_rpm,
                                            const model::RulScoreConfig& config = {});

// Leave-one-life-out evaluation: for each life, the prior from the others only, then
//  - the alarm (onset rule on the whole life; it does not depend on the prior): onset_s, detected_s, lead
//    time before the end of life (= last snapshot), and whether it fell in the first early_fraction of life;
//  - at each cut fraction f: the estimate at the last snapshot with t <= f * life, ActRUL = life - t, the
//    PHM 2012 percent error and accuracy A.
// Scores: mean A per cut over the lives, and over all cuts.
struct LoboCut {
  double fraction = 0;
  model::RulReplay replay;
  double actual_rul_s = 0;
  double percent_error = 0;
  double accuracy = 0;
};
struct LoboLife {
  std::string name;
  double life_s = 0;
  std::size_t snapshots = 0;
  bool alarm = false;
  double onset_s = std::numeric_limits<double>::quiet_NaN();
  double detected_s = std::numeric_limits<double>::quiet_NaN();
  double lead_s = std::numeric_limits<double>::quiet_NaN();
  bool early_alarm = false;       // detected_s < early_fraction * life_s
  model::DegradationPrior prior;  // learned without this life
  std::vector<LoboCut> cuts;
};
struct LoboReport {
  std::vector<double> fractions;
  double early_fraction = 0.3;
  std::vector<LoboLife> lives;
  std::vector<double> phm_score_per_cut;  // same order as fractions
  double phm_score_all = 0;
  std::size_t alarms_before_end = 0;  // lives with an alarm before their last snapshot
  std::size_t early_alarms = 0;       // lives alarming in their first early_fraction
};
// invalid_argument with fewer than 3 lives (2 must remain to learn a prior), a fraction outside (0, 1),
// or a cut before a life's first snapshot; errors of fit_rul_prior name the held-out life.
Result<LoboReport> evaluate_rul_lobo(std::span<const model::LifeFeatures> lives,
                                     const model::RulConfig& config, const model::RulScoreConfig& score,
                                     std::span<const double> fractions, double early_fraction = 0.3);
nlohmann::json to_json(const LoboReport& report);

}  // namespace vigil::eval
