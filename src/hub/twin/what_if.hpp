// What-if for one asset: how a change of load or speed changes its bearing's ISO 281 rating life, and the
// asset's measured remaining life revised by the same ratio. Model, assumptions and limits:
// docs/hub-what-if.md.
#pragma once

#include <cstdint>
#include <optional>

#include "hub/store/store.hpp"
#include "hub/twin/rating_life.hpp"
#include "hub/twin/twin.hpp"
#include "hub/twin/what_if_request.hpp"

namespace vigil::hub::twin {

struct WhatIf {
  std::string bearing;  // the designation asked about
  LoadRating rating;
  double load_kn = 0, new_load_kn = 0;
  double speed_rpm = 0, new_speed_rpm = 0;
  bool speed_from_asset = false;    // speed_rpm is the asset's latest Process/Speed rpm
  double l10_h = 0, new_l10_h = 0;  // ISO 281 basic rating life today and under the change
  double life_ratio = 0;            // new_l10_h / l10_h = (P / P')^p × (n / n')
  // The asset's latest RUL and, with it, the revised RUL = measured × life_ratio. Unset without an estimate:
  // then only the rating-life ratio answers the question.
  std::optional<Reading> rul_median_h, rul_low_h, rul_high_h;
  std::optional<double> revised_rul_median_h, revised_rul_low_h, revised_rul_high_h;
};

// not_found for an unknown asset; invalid_argument naming the field for a load or speed outside
// (0, limit], no speed given when the asset has none, no bearing known, or a bearing without a load
// rating in the table.
Result<WhatIf> what_if(store::Store& store, std::int64_t asset_id, const WhatIfRequest& request);

}  // namespace vigil::hub::twin
