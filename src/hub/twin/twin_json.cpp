#include "hub/twin/twin_json.hpp"

namespace vigil::hub::twin {
namespace {

using nlohmann::json;

std::string_view to_string(proto::sparkplug::SpectrumKind kind) {
  return kind == proto::sparkplug::SpectrumKind::velocity_mm_s ? "velocity_mm_s" : "envelope_g2";
}

std::string_view to_string(proto::sparkplug::DefectLine line) {
  switch (line) {
    case proto::sparkplug::DefectLine::shaft:
      return "shaft";
    case proto::sparkplug::DefectLine::bpfo:
      return "bpfo";
    case proto::sparkplug::DefectLine::bpfi:
      return "bpfi";
    case proto::sparkplug::DefectLine::bsf:
      return "bsf";
    case proto::sparkplug::DefectLine::ftf:
      return "ftf";
  }
  return "?";
}

json reading(const std::optional<Reading>& r) {
  return r ? json{{"value", r->value}, {"ts_ms", r->ts_ms}} : json(nullptr);
}
json text(const std::optional<Text>& t) {
  return t ? json{{"value", t->value}, {"ts_ms", t->ts_ms}} : json(nullptr);
}
json safe_date(const std::optional<SafeDate>& d) {
  return d ? json{{"ts_ms", d->ts_ms}, {"source", to_string(d->source)}} : json(nullptr);
}
json spare_part(const std::string& value, SparePartSource source) {
  return source == SparePartSource::none ? json(nullptr)
                                         : json{{"value", value}, {"source", to_string(source)}};
}

json load_rating(const LoadRating& r) {
  return {{"designation", r.designation},
          {"element", to_string(r.element)},
          {"exponent", life_exponent(r.element)},
          {"dynamic_kn", r.dynamic_kn},
          {"static_kn", r.static_kn},
          {"fatigue_limit_kn", r.fatigue_limit_kn > 0 ? json(r.fatigue_limit_kn) : json(nullptr)},
          {"source", r.source}};
}

json evidence(const SpectrumEvidence& e) {
  json out{{"metric", e.metric}, {"ts_ms", e.ts_ms}, {"readable", e.spectrum.has_value()}};
  if (!e.spectrum) {
    out["error"] = e.error;
    return out;
  }
  const auto& s = *e.spectrum;
  json frequencies = json::array(), lines = json::array();
  for (std::size_t k = 0; k < s.amplitude.size(); ++k) {
    frequencies.push_back(static_cast<double>(s.first_bin_hz) + static_cast<double>(k) * s.bin_hz);
  }
  for (const auto& l : s.lines) {
    lines.push_back({{"kind", to_string(l.kind)},
                     {"harmonic", l.harmonic},
                     {"detected", l.detected},
                     {"frequency_hz", l.frequency_hz},
                     {"amplitude", l.amplitude},
                     {"snr_db", l.snr_db}});
  }
  out.update({{"kind", to_string(s.kind)},
              {"bin_hz", s.bin_hz},
              {"first_bin_hz", s.first_bin_hz},
              {"window_end_ms", s.window_end_ms},
              {"frequency_hz", std::move(frequencies)},
              {"amplitude", s.amplitude},
              {"lines", std::move(lines)}});
  return out;
}

json descriptive(const Descriptive& d) {
  json features = json::array(), texts = json::array(), spectra = json::array();
  for (const auto& f : d.features)
    features.push_back({{"metric", f.metric}, {"value", f.value}, {"ts_ms", f.ts_ms}});
  for (const auto& t : d.texts)
    texts.push_back({{"metric", t.metric}, {"value", t.value}, {"ts_ms", t.ts_ms}});
  for (const auto& e : d.evidence) spectra.push_back(evidence(e));
  const IsoSeverity& iso = d.iso;
  return {{"online", d.online},
          {"stale_since_ms", d.stale_since_ms != 0 ? json(d.stale_since_ms) : json(nullptr)},
          {"features", std::move(features)},
          {"texts", std::move(texts)},
          {"ne107", text(d.ne107)},
          {"iso",
           {{"machine_class", iso.machine_class},
            {"recognised", iso.recognised ? json(diag::to_string(*iso.recognised)) : json(nullptr)},
            {"limits_mm_s",
             iso.limits
                 ? json{{"ab", iso.limits->ab_mm_s}, {"bc", iso.limits->bc_mm_s}, {"cd", iso.limits->cd_mm_s}}
                 : json(nullptr)},
            {"velocity_rms_mm_s", reading(iso.velocity_rms_mm_s)},
            {"zone", iso.zone ? json(diag::to_string(*iso.zone)) : json(nullptr)},
            {"edge_zone", text(iso.edge_zone)}}},
          {"evidence", std::move(spectra)}};
}

json predictive(const Predictive& p) {
  json health_trend = nullptr, rul_trend = nullptr;
  if (p.health_trend) {
    health_trend = {{"points", p.health_trend->points},
                    {"slope_per_day", p.health_trend->slope_per_h * 24.0},
                    {"value_at_now", p.health_trend->value_at_now},
                    {"zero_at_ms", p.health_zero_ms ? json(*p.health_zero_ms) : json(nullptr)}};
  }
  if (p.rul_trend) {
    rul_trend = {{"points", p.rul_trend->points},
                 {"slope_h_per_h", p.rul_trend->slope_per_h},
                 {"value_at_now_h", p.rul_trend->value_at_now},
                 {"accelerating", p.rul_accelerating}};
  }
  return {
      {"health_index", reading(p.health_index)},
      {"health_trend", std::move(health_trend)},
      {"fault", {{"class", text(p.fault_class)}, {"confidence", reading(p.fault_confidence)}}},
      {"rul_h",
       {{"median", reading(p.rul_median_h)}, {"low", reading(p.rul_low_h)}, {"high", reading(p.rul_high_h)}}},
      {"rul_trend", std::move(rul_trend)}};
}

json prescriptive(const Prescriptive& p) {
  json candidates = json::array();
  for (const auto& c : p.candidates) candidates.push_back(safe_date(c));
  return {{"action", text(p.action)},
          {"reason", text(p.reason)},
          {"latest_safe_date", safe_date(p.latest_safe_date)},
          {"candidates", std::move(candidates)},
          {"spare_part", spare_part(p.spare_part, p.spare_part_source)}};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

json to_json(const Twin& t) {
  const store::AssetMetadata& m = t.asset.metadata;
  return {{"asset",
           {{"id", t.asset.id},
            {"group_id", t.asset.group_id},
            {"node_id", t.asset.node_id},
            {"device_id", t.asset.device_id},
            {"line_id", t.asset.line_id ? json(*t.asset.line_id) : json(nullptr)},
            {"first_seen_ms", t.asset.first_seen_ms},
            {"criticality", m.criticality},
            {"bearing", t.bearing},
            {"machine_class", t.descriptive.iso.machine_class},
            {"location", t.location}}},
          {"now_ms", t.now_ms},
          {"has_data", t.has_data},
          {"descriptive", descriptive(t.descriptive)},
          {"predictive", predictive(t.predictive)},
          {"prescriptive", prescriptive(t.prescriptive)},
          {"what_if",
           {{"bearing", t.bearing},
            {"load_rating", t.load_rating ? load_rating(*t.load_rating) : json(nullptr)},
            {"speed_rpm", reading(t.speed_rpm)}}}};
}

json to_json(const std::vector<WorkItem>& items, std::int64_t now_ms) {
  json out = json::array();
  for (const WorkItem& i : items) {
    out.push_back({{"rank", i.rank},
                   {"asset_id", i.asset_id},
                   {"device_id", i.device_id},
                   {"criticality", i.criticality},
                   {"urgency", i.urgency},
                   {"latest_safe_date", safe_date(i.latest_safe_date)},
                   {"hours_left", i.latest_safe_date
                                      ? json(static_cast<double>(i.latest_safe_date->ts_ms - now_ms) / 3.6e6)
                                      : json(nullptr)},
                   {"action", i.action},
                   {"reason", i.reason},
                   {"spare_part", spare_part(i.spare_part, i.spare_part_source)},
                   {"location", i.location}});
  }
  return {{"now_ms", now_ms}, {"items", std::move(out)}};
}

json to_json(const WhatIf& w) {
  json rul = nullptr;
  if (w.rul_median_h || w.rul_low_h || w.rul_high_h) {
    const auto pair = [](const std::optional<Reading>& measured, const std::optional<double>& revised) {
      return measured ? json{{"measured", measured->value}, {"revised", *revised}, {"ts_ms", measured->ts_ms}}
                      : json(nullptr);
    };
    rul = {{"median", pair(w.rul_median_h, w.revised_rul_median_h)},
           {"low", pair(w.rul_low_h, w.revised_rul_low_h)},
           {"high", pair(w.rul_high_h, w.revised_rul_high_h)}};
  }
  return {{"bearing", w.bearing},
          {"load_rating", load_rating(w.rating)},
          {"load_kn", w.load_kn},
          {"new_load_kn", w.new_load_kn},
          {"speed_rpm", w.speed_rpm},
          {"speed_from_asset", w.speed_from_asset},
          {"new_speed_rpm", w.new_speed_rpm},
          {"l10_h", w.l10_h},
          {"new_l10_h", w.new_l10_h},
          {"life_ratio", w.life_ratio},
          {"basis", rul.is_null() ? "rating_life_only" : "measured_rul"},
          {"rul_h", std::move(rul)}};
}

Result<std::string> twin_json(store::Store& store, std::int64_t asset_id, std::int64_t now_ms) {
  auto t = build_twin(store, asset_id, now_ms);
  if (!t) return std::unexpected(t.error());
  return dump(to_json(*t));
}

Result<std::string> work_list_json(store::Store& store, std::int64_t now_ms, std::int64_t limit,
                                   std::int64_t offset) {
  auto items = work_list(store, now_ms, limit, offset);
  if (!items) return std::unexpected(items.error());
  return dump(to_json(*items, now_ms));
}

Result<std::string> what_if_json(store::Store& store, std::int64_t asset_id, std::string_view body) {
  auto request = parse_what_if_request(body);
  if (!request) return std::unexpected(request.error());
  auto w = what_if(store, asset_id, *request);
  if (!w) return std::unexpected(w.error());
  return dump(to_json(*w));
}

}  // namespace vigil::hub::twin
