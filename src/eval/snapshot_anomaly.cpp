#include "eval/snapshot_anomaly.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "model/anomaly_fit.hpp"
#include "model/feature_schema.hpp"
#include "model/features.hpp"

namespace vigil::eval {

Status validate(const SnapshotAnomalyConfig& c) {
  if (c.window_len < 256) {
    return fail(ErrorCode::invalid_argument, "window_len = {}: expected >= 256", c.window_len);
  }
  if (c.fit_hop < 1 || c.fit_hop > c.window_len) {
    return fail(ErrorCode::invalid_argument, "fit_hop = {}: expected 1..window_len ({})", c.fit_hop,
                c.window_len);
  }
  if (!(c.false_alarm_rate > 0 && c.false_alarm_rate < 0.5)) {
    return fail(ErrorCode::invalid_argument, "false_alarm_rate = {}: expected in (0, 0.5)",
                c.false_alarm_rate);
  }
  return validate(c.persistence);
}

namespace {

double rms_of(std::span<const float> x) {
  double sum = 0;
  for (float v : x) sum += double(v) * double(v);
  return x.empty() ? 0 : std::sqrt(sum / double(x.size()));
}

// Features of the windows of `x` starting every `hop` samples, row-major.
Result<std::vector<float>> window_rows(model::FeatureExtractor& extractor, std::span<const float> x,
                                       std::size_t window_len, std::size_t hop, double speed_rpm) {
  std::vector<float> rows;
  for (std::size_t start = 0; start + window_len <= x.size(); start += hop) {
    auto f = extractor.extract(x.subspan(start, window_len), speed_rpm);
    if (!f) return std::unexpected(f.error().with_context(fmt::format("window at sample {}", start)));
    rows.insert(rows.end(), f->begin(), f->end());
  }
  return rows;
}

}  // namespace

Result<SnapshotAnomalyReport> evaluate_snapshot_anomaly(const io::Recording& reference,
                                                        std::span<const io::Recording> others,
                                                        const dsp::BearingGeometry& bearing, double speed_rpm,
                                                        const SnapshotAnomalyConfig& config) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  const double fs = reference.sample_rate_hz;
  if (!(fs > 0)) return fail(ErrorCode::invalid_argument, "{}: sample rate unknown", reference.source);
  if (reference.channels.empty())
    return fail(ErrorCode::invalid_argument, "{}: no channel", reference.source);
  for (const io::Recording& o : others) {
    if (o.sample_rate_hz != fs) {
      return fail(ErrorCode::invalid_argument, "{}: sample rate {} Hz, the reference {} has {} Hz", o.source,
                  o.sample_rate_hz, reference.source, fs);
    }
    for (const auto& c : reference.channels) {
      if (o.find_channel(c.name) == nullptr) {
        return fail(ErrorCode::invalid_argument, "{}: no channel {} (the reference {} has it)", o.source,
                    c.name, reference.source);
      }
    }
    if (o.sample_count() < config.window_len) {
      return fail(ErrorCode::invalid_argument, "{}: {} samples, shorter than one window ({})", o.source,
                  o.sample_count(), config.window_len);
    }
  }
  model::FeatureExtractorConfig fc;
  fc.sample_rate_hz = fs;
  fc.window_len = config.window_len;
  fc.bearing = bearing;
  fc.max_speed_rpm = speed_rpm;
  fc.effort = dsp::PlanEffort::estimate;
  auto extractor = model::FeatureExtractor::create(fc);
  if (!extractor) return std::unexpected(extractor.error());
  constexpr std::size_t d = model::k_feature_count;

  SnapshotAnomalyReport report;
  report.reference = reference.source;
  report.sample_rate_hz = fs;
  for (const auto& channel : reference.channels) {
    const auto context = fmt::format("{} channel {}", reference.source, channel.name);
    auto rows = window_rows(*extractor, channel.samples, config.window_len, config.fit_hop, speed_rpm);
    if (!rows) return std::unexpected(rows.error().with_context(context));
    model::AnomalyFitConfig fit;
    fit.false_alarm_rate = config.false_alarm_rate;
    auto fitted = model::fit_gaussian_anomaly_baseline(*rows, d, fit);
    if (!fitted) return std::unexpected(fitted.error().with_context(context));
    ChannelAnomaly c;
    c.channel = channel.name;
    c.reference_rms_g = rms_of(channel.samples);
    c.calibration_windows = fitted->calibration_windows;
    c.fit_windows = rows->size() / d - c.calibration_windows;
    c.threshold = fitted->model.threshold();
    for (const io::Recording& o : others) {
      const auto& x = o.find_channel(channel.name)->samples;
      auto scored = window_rows(*extractor, x, config.window_len, config.window_len, speed_rpm);
      if (!scored)
        return std::unexpected(
            scored.error().with_context(fmt::format("{} channel {}", o.source, c.channel)));
      SnapshotScore s;
      s.snapshot = o.source;
      s.rms_g = rms_of(x);
      s.windows = scored->size() / d;
      std::vector<double> scores;
      std::vector<bool> exceeds;
      for (std::size_t w = 0; w < s.windows; ++w) {
        auto a = fitted->model.score(std::span<const float>(*scored).subspan(w * d, d));
        if (!a) return std::unexpected(a.error().with_context(o.source));
        scores.push_back(a->score);
        exceeds.push_back(a->alarm);
        s.exceedances += a->alarm ? 1 : 0;
      }
      const auto alarm = debounced_alarms(exceeds, config.persistence);
      s.flagged = std::find(alarm.begin(), alarm.end(), true) != alarm.end();
      std::nth_element(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(scores.size() / 2),
                       scores.end());
      s.median_score = scores[scores.size() / 2];
      c.snapshots.push_back(std::move(s));
    }
    report.channels.push_back(std::move(c));
  }
  return report;
}

nlohmann::json to_json(const SnapshotAnomalyConfig& c) {
  return {{"window_len", c.window_len},
          {"fit_hop", c.fit_hop},
          {"false_alarm_rate", c.false_alarm_rate},
          {"persistence", to_json(c.persistence)}};
}

nlohmann::json to_json(const SnapshotAnomalyReport& r) {
  nlohmann::json channels = nlohmann::json::array();
  for (const auto& c : r.channels) {
    nlohmann::json snapshots = nlohmann::json::array();
    for (const auto& s : c.snapshots) {
      snapshots.push_back({{"snapshot", s.snapshot},
                           {"rms_g", s.rms_g},
                           {"windows", s.windows},
                           {"exceedances", s.exceedances},
                           {"median_score", s.median_score},
                           {"flagged", s.flagged}});
    }
    channels.push_back({{"channel", c.channel},
                        {"reference_rms_g", c.reference_rms_g},
                        {"fit_windows", c.fit_windows},
                        {"calibration_windows", c.calibration_windows},
                        {"threshold", c.threshold},
                        {"snapshots", snapshots}});
  }
  return {{"reference", r.reference}, {"sample_rate_hz", r.sample_rate_hz}, {"channels", channels}};
}

}  // namespace vigil::eval
