#include "hub/twin/what_if.hpp"

namespace vigil::hub::twin {

Result<WhatIf> what_if(store::Store& store, std::int64_t asset_id, const WhatIfRequest& request) {
  if (auto s = check(request); !s) return std::unexpected(s.error());
  auto asset = store.registry().asset(asset_id);
  if (!asset) return std::unexpected(asset.error());
  auto numbers = store.series().latest_values(asset_id);
  if (!numbers) return std::unexpected(numbers.error());
  const auto latest = [&](std::string_view name) -> std::optional<Reading> {
    for (const auto& v : *numbers) {
      if (v.metric == name) return Reading{v.ts_ms, v.value};
    }
    return std::nullopt;
  };

  WhatIf w;
  w.bearing = request.bearing;
  if (w.bearing.empty()) w.bearing = asset->metadata.bearing;
  if (w.bearing.empty()) {
    auto texts = store.state().texts(asset_id);
    if (!texts) return std::unexpected(texts.error());
    for (const auto& t : *texts) {
      if (t.metric == metric::bearing) w.bearing = t.value;
    }
  }
  if (w.bearing.empty()) {
    return fail(ErrorCode::invalid_argument, "bearing: not given and asset {} has no bearing designation",
                asset_id);
  }
  auto rating = find_load_rating(w.bearing);
  if (!rating) return fail(ErrorCode::invalid_argument, "bearing: {}", rating.error().message);
  w.rating = *rating;

  w.load_kn = request.load_kn;
  w.new_load_kn = request.new_load_kn.value_or(request.load_kn);
  if (request.speed_rpm) {
    w.speed_rpm = *request.speed_rpm;
  } else if (const auto speed = latest(metric::speed_rpm);
             speed && speed->value > 0 && speed->value <= k_max_speed_rpm) {
    w.speed_rpm = speed->value;
    w.speed_from_asset = true;
  } else {
    return fail(ErrorCode::invalid_argument,
                "speed_rpm: not given and asset {} has no Process/Speed rpm in (0, {}] rpm", asset_id,
                k_max_speed_rpm);
  }
  w.new_speed_rpm = request.new_speed_rpm.value_or(w.speed_rpm);

  w.l10_h = basic_rating_life_h(w.rating, w.load_kn, w.speed_rpm);
  w.new_l10_h = basic_rating_life_h(w.rating, w.new_load_kn, w.new_speed_rpm);
  w.life_ratio = rating_life_ratio(w.rating.element, w.load_kn, w.new_load_kn, w.speed_rpm, w.new_speed_rpm);
  w.rul_median_h = latest(metric::rul_median_h);
  w.rul_low_h = latest(metric::rul_low_h);
  w.rul_high_h = latest(metric::rul_high_h);
  if (w.rul_median_h) w.revised_rul_median_h = w.rul_median_h->value * w.life_ratio;
  if (w.rul_low_h) w.revised_rul_low_h = w.rul_low_h->value * w.life_ratio;
  if (w.rul_high_h) w.revised_rul_high_h = w.rul_high_h->value * w.life_ratio;
  return w;
}

}  // namespace vigil::hub::twin
