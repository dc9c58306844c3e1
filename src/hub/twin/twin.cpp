#include "hub/twin/twin.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace vigil::hub::twin {
namespace {

constexpr double k_max_projection_h = 100.0 * 365.25 * 24.0;
// Dates an edge may send: up to the end of year 9999 (a larger number is not a date; ignored).
constexpr double k_max_date_ms = 253'402'300'799'999.0;

std::optional<Reading> number(const std::vector<store::MetricValue>& values, std::string_view name) {
  for (const auto& v : values) {
    if (v.metric == name) return Reading{v.ts_ms, v.value};
  }
  return std::nullopt;
}

std::optional<Text> text(const std::vector<store::TextValue>& values, std::string_view name) {
  for (const auto& v : values) {
    if (v.metric == name) return Text{v.ts_ms, v.value};
  }
  return std::nullopt;
}

std::string first_set(const std::string& registry, const std::optional<Text>& edge) {
  return !registry.empty() ? registry : edge ? edge->value : std::string();
}

std::string letters_and_digits(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// The metric over [now - window, now) (from 0 at the earliest) as hourly bucket means, fitted by least
// squares against the bucket centres in hours relative to now; nullopt below k_min_trend_points buckets.
Result<std::optional<LinearFit>> fit_trend(store::Store& store, std::int64_t asset_id, std::string_view name,
                                           std::int64_t now_ms) {
  const std::int64_t from_ms = std::max<std::int64_t>(0, now_ms - k_trend_window_ms);
  if (now_ms <= from_ms) return std::nullopt;
  auto buckets = store.series().query(asset_id, name, from_ms, now_ms, k_trend_buckets);
  if (!buckets) return std::unexpected(buckets.error());
  if (static_cast<std::int64_t>(buckets->size()) < k_min_trend_points) return std::nullopt;
  // Series::query's bucket width.
  const std::int64_t width_ms = (now_ms - from_ms + k_trend_buckets - 1) / k_trend_buckets;
  const auto hours_from_now = [&](const store::Bucket& b) {
    return (static_cast<double>(b.start_ms - now_ms) + 0.5 * static_cast<double>(width_ms)) / k_ms_per_h;
  };
  double mean_x = 0, mean_y = 0;
  for (const auto& b : *buckets) {
    mean_x += hours_from_now(b);
    mean_y += b.mean;
  }
  const auto n = static_cast<double>(buckets->size());
  mean_x /= n;
  mean_y /= n;
  double sxx = 0, sxy = 0;
  for (const auto& b : *buckets) {
    const double dx = hours_from_now(b) - mean_x;
    sxx += dx * dx;
    sxy += dx * (b.mean - mean_y);
  }
  const double slope = sxy / sxx;  // distinct buckets: sxx > 0
  return LinearFit{static_cast<std::int64_t>(buckets->size()), slope, mean_y - slope * mean_x};
}

Result<std::vector<SpectrumEvidence>> newest_evidence(store::Store& store, std::int64_t asset_id) {
  std::vector<SpectrumEvidence> out;
  for (std::string_view name : {metric::spectrum, metric::envelope_spectrum}) {
    auto items = store.state().evidence(asset_id, name, std::numeric_limits<std::int64_t>::max(), 1);
    if (!items) return std::unexpected(items.error());
    if (items->empty()) continue;
    const auto& item = items->front();
    SpectrumEvidence e{std::string(name), item.ts_ms, std::nullopt, {}};
    auto decoded = proto::sparkplug::decode_spectrum(item.data);
    if (decoded) {
      e.spectrum = std::move(*decoded);
    } else {
      e.error = decoded.error().message;
    }
    out.push_back(std::move(e));
  }
  return out;
}

IsoSeverity grade(const std::string& machine_class, const std::optional<Reading>& velocity,
                  std::optional<Text> edge_zone) {
  IsoSeverity iso;
  iso.machine_class = machine_class;
  iso.recognised = recognise_machine_class(machine_class);
  iso.velocity_rms_mm_s = velocity;
  iso.edge_zone = std::move(edge_zone);
  if (iso.recognised) {
    iso.limits = diag::iso_thresholds(*iso.recognised);
    if (velocity) iso.zone = diag::iso_zone(velocity->value, *iso.limits);
  }
  return iso;
}

Prescriptive prescribe(const Twin& twin, const std::vector<store::MetricValue>& numbers,
                       const std::vector<store::TextValue>& texts) {
  Prescriptive p;
  p.action = text(texts, metric::decision_action);
  p.reason = text(texts, metric::decision_reason);
  const auto deadline = number(numbers, metric::decision_deadline);
  if (deadline && p.action && p.action->value != "none" && deadline->ts_ms >= p.action->ts_ms &&
      deadline->value >= 0 && deadline->value <= k_max_date_ms) {
    p.candidates.push_back({SafeDateSource::edge_deadline, std::llround(deadline->value)});
  }
  // A negative RUL is an edge saying "now"; one beyond the projection horizon gives no date.
  if (const auto& low = twin.predictive.rul_low_h; low && low->value < k_max_projection_h) {
    p.candidates.push_back(
        {SafeDateSource::rul_low_bound, low->ts_ms + std::llround(std::max(low->value, 0.0) * k_ms_per_h)});
  }
  if (twin.predictive.health_zero_ms) {
    p.candidates.push_back({SafeDateSource::health_trend, *twin.predictive.health_zero_ms});
  }
  for (const SafeDate& c : p.candidates) {
    if (!p.latest_safe_date || c.ts_ms < p.latest_safe_date->ts_ms) p.latest_safe_date = c;
  }
  if (!twin.asset.metadata.spare_part.empty()) {
    p.spare_part = twin.asset.metadata.spare_part;
    p.spare_part_source = SparePartSource::registry;
  } else if (!twin.bearing.empty()) {
    p.spare_part = twin.bearing;
    p.spare_part_source = SparePartSource::bearing;
  }
  return p;
}

}  // namespace

std::string_view to_string(SafeDateSource source) {
  switch (source) {
    case SafeDateSource::edge_deadline:
      return "edge_deadline";
    case SafeDateSource::rul_low_bound:
      return "rul_low_bound";
    case SafeDateSource::health_trend:
      return "health_trend";
  }
  return "?";
}

std::string_view to_string(SparePartSource source) {
  switch (source) {
    case SparePartSource::none:
      return "none";
    case SparePartSource::registry:
      return "registry";
    case SparePartSource::bearing:
      return "bearing";
  }
  return "?";
}

std::optional<diag::MachineClass> recognise_machine_class(std::string_view text) {
  const std::string key = letters_and_digits(text);
  if (key.empty()) return std::nullopt;
  for (diag::MachineClass c : diag::all_machine_classes()) {
    if (letters_and_digits(diag::to_string(c)) == key) return c;
  }
  return std::nullopt;
}

Result<Twin> build_twin(store::Store& store, std::int64_t asset_id, std::int64_t now_ms) {
  auto asset = store.registry().asset(asset_id);
  if (!asset) return std::unexpected(asset.error());
  auto numbers = store.series().latest_values(asset_id);
  if (!numbers) return std::unexpected(numbers.error());
  auto texts = store.state().texts(asset_id);
  if (!texts) return std::unexpected(texts.error());
  auto evidence = newest_evidence(store, asset_id);
  if (!evidence) return std::unexpected(evidence.error());

  Twin t;
  t.asset = std::move(*asset);
  t.now_ms = now_ms;
  t.has_data = !numbers->empty() || !texts->empty() || !evidence->empty();
  t.bearing = first_set(t.asset.metadata.bearing, text(*texts, metric::bearing));
  t.location = first_set(t.asset.metadata.location, text(*texts, metric::location));

  Descriptive& d = t.descriptive;
  d.iso = grade(first_set(t.asset.metadata.machine_class, text(*texts, metric::machine_class)),
                number(*numbers, metric::velocity_rms_mm_s), text(*texts, metric::iso_zone));
  d.ne107 = text(*texts, metric::ne107);
  d.online = t.asset.online;
  d.stale_since_ms = t.asset.stale_since_ms;
  d.evidence = std::move(*evidence);

  Predictive& p = t.predictive;
  p.health_index = number(*numbers, metric::health_index);
  p.fault_class = text(*texts, metric::fault_class);
  p.fault_confidence = number(*numbers, metric::fault_confidence);
  p.rul_median_h = number(*numbers, metric::rul_median_h);
  p.rul_low_h = number(*numbers, metric::rul_low_h);
  p.rul_high_h = number(*numbers, metric::rul_high_h);
  if (p.health_index) {
    auto fit = fit_trend(store, asset_id, metric::health_index, now_ms);
    if (!fit) return std::unexpected(fit.error());
    p.health_trend = *fit;
    // y(x) = value_at_now + slope x reaches 0 at x = -value_at_now / slope hours from now.
    if (p.health_trend && p.health_trend->slope_per_h < 0) {
      const double hours = -p.health_trend->value_at_now / p.health_trend->slope_per_h;
      if (std::abs(hours) < k_max_projection_h) p.health_zero_ms = now_ms + std::llround(hours * k_ms_per_h);
    }
  }
  if (p.rul_median_h) {
    auto fit = fit_trend(store, asset_id, metric::rul_median_h, now_ms);
    if (!fit) return std::unexpected(fit.error());
    p.rul_trend = *fit;
    p.rul_accelerating = p.rul_trend && p.rul_trend->slope_per_h < -k_accelerating_h_per_h;
  }

  t.load_rating = [&]() -> std::optional<LoadRating> {
    auto r = find_load_rating(t.bearing);
    return r ? std::optional(*r) : std::nullopt;
  }();
  t.speed_rpm = number(*numbers, metric::speed_rpm);
  t.prescriptive = prescribe(t, *numbers, *texts);
  d.features = std::move(*numbers);
  d.texts = std::move(*texts);
  return t;
}

}  // namespace vigil::hub::twin
