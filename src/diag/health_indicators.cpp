#include "diag/health_indicators.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vigil::diag {

std::string_view to_string(Indicator indicator) {
  switch (indicator) {
    case Indicator::rms_g:
      return "rms_g";
    case Indicator::peak_g:
      return "peak_g";
    case Indicator::crest_factor:
      return "crest_factor";
    case Indicator::kurtosis:
      return "kurtosis";
    case Indicator::velocity_rms_mm_s:
      return "velocity_rms_mm_s";
    case Indicator::band_kurtosis:
      return "band_kurtosis";
    case Indicator::high_band_rms_g:
      return "high_band_rms_g";
    case Indicator::bpfo_score_db:
      return "bpfo_score_db";
    case Indicator::bpfi_score_db:
      return "bpfi_score_db";
    case Indicator::bsf_score_db:
      return "bsf_score_db";
  }
  return "unknown";
}

Result<HealthIndicatorExtractor> HealthIndicatorExtractor::create(const HealthIndicatorConfig& config) {
  if (!(config.sample_rate_hz > 0) || !std::isfinite(config.sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "sample rate {} Hz must be positive", config.sample_rate_hz);
  }
  const double nyquist_hz = config.sample_rate_hz / 2.0;
  if (!(config.high_band_low_hz > 0) || !(config.high_band_low_hz < nyquist_hz)) {
    return fail(ErrorCode::invalid_argument,
                "high band from {} Hz must start above 0 and below Nyquist ({} Hz)", config.high_band_low_hz,
                nyquist_hz);
  }
  auto analyzer = WindowAnalyzer::create({.sample_rate_hz = config.sample_rate_hz,
                                          .window_len = config.window_len,
                                          .bearing = config.bearing,
                                          .max_speed_rpm = config.max_speed_rpm,
                                          .unit = dsp::AccelerationUnit::g,
                                          .machine_class = MachineClass::class_I,
                                          .demodulation = Demodulation::kurtogram,
                                          .kurtogram_levels = 5,
                                          .min_band_low_hz = 0,
                                          .evidence = {},
                                          .effort = config.effort});
  if (!analyzer) return std::unexpected(analyzer.error());
  auto fft = dsp::RealFft::create(config.window_len, config.effort);
  if (!fft) return std::unexpected(fft.error());

  HealthIndicatorExtractor e;
  e.config_ = config;
  e.analyzer_.emplace(std::move(*analyzer));
  e.fft_.emplace(std::move(*fft));
  e.high_band_first_bin_ = static_cast<std::size_t>(
      std::ceil(config.high_band_low_hz * static_cast<double>(config.window_len) / config.sample_rate_hz));
  return e;
}

Result<IndicatorValues> HealthIndicatorExtractor::compute(std::span<const float> window_g, double speed_rpm) {
  if (window_g.size() != config_.window_len) {
    return fail(ErrorCode::invalid_argument, "snapshot of {} samples, expected {}", window_g.size(),
                config_.window_len);
  }
  if (!(speed_rpm > 0) || !(speed_rpm <= config_.max_speed_rpm)) {
    return fail(ErrorCode::invalid_argument, "speed {} rpm must be positive and at most {} rpm", speed_rpm,
                config_.max_speed_rpm);
  }
  const WindowFeatures& f = analyzer_->analyze(window_g, speed_rpm);
  IndicatorValues v{};
  auto set = [&v](Indicator i, double x) { v[static_cast<std::size_t>(i)] = x; };
  set(Indicator::rms_g, f.time.rms);
  set(Indicator::peak_g, f.time.peak);
  set(Indicator::crest_factor, f.time.crest_factor);
  set(Indicator::kurtosis, f.time.kurtosis);
  set(Indicator::velocity_rms_mm_s, f.velocity_rms_mm_s);
  set(Indicator::band_kurtosis, f.band_kurtosis);
  set(Indicator::bpfo_score_db, f.evidence[static_cast<std::size_t>(dsp::Defect::outer_race)].score);
  set(Indicator::bpfi_score_db, f.evidence[static_cast<std::size_t>(dsp::Defect::inner_race)].score);
  set(Indicator::bsf_score_db, f.evidence[static_cast<std::size_t>(dsp::Defect::ball)].score);

  // Parseval over the high band (see the header): one-sided bins count twice, except DC and Nyquist.
  const auto spectrum = fft_->forward(window_g);
  const std::size_t n = config_.window_len;
  const std::size_t nyquist_bin = (n % 2 == 0) ? n / 2 : spectrum.size();  // odd n: no Nyquist bin
  double sum = 0;
  for (std::size_t k = high_band_first_bin_; k < spectrum.size(); ++k) {
    const double power = std::norm(std::complex<double>(spectrum[k]));
    sum += (k == 0 || k == nyquist_bin) ? power : 2.0 * power;
  }
  set(Indicator::high_band_rms_g, std::sqrt(sum) / static_cast<double>(n));
  return v;
}

namespace {

Status validate(const OnsetRule& rule) {
  if (rule.baseline_min_snapshots < 2) {
    return fail(ErrorCode::invalid_argument, "baseline of {} snapshots: need at least 2",
                rule.baseline_min_snapshots);
  }
  if (!(rule.baseline_life_fraction >= 0) || !(rule.baseline_life_fraction < 1)) {
    return fail(ErrorCode::invalid_argument, "baseline life fraction {} must be in [0, 1)",
                rule.baseline_life_fraction);
  }
  if (rule.persistence < 1)
    return fail(ErrorCode::invalid_argument, "persistence must be at least 1 snapshot");
  if (!(rule.false_alarm_probability > 0) || !(rule.false_alarm_probability < 1)) {
    return fail(ErrorCode::invalid_argument, "false-alarm probability {} must be in (0, 1)",
                rule.false_alarm_probability);
  }
  if (rule.design_length < 1)
    return fail(ErrorCode::invalid_argument, "design length must be at least 1 snapshot");
  return {};
}

// Median of a non-empty vector (reorders it): the mean of the two middle values for an even count.
double median_of(std::vector<double>& x) {
  const std::size_t mid = x.size() / 2;
  std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(mid), x.end());
  const double upper = x[mid];
  if (x.size() % 2 == 1) return upper;
  const double lower = *std::max_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

}  // namespace

Result<double> band_multiplier(const OnsetRule& rule, std::size_t baseline_count) {
  if (auto ok = validate(rule); !ok) return std::unexpected(ok.error());
  if (baseline_count < 2) {
    return fail(ErrorCode::invalid_argument, "baseline of {} finite values: need at least 2", baseline_count);
  }
  // k = (nu / m) ((q^m n / alpha)^{1/nu} - 1), written with logs and expm1 for accuracy at large nu.
  const double nu = static_cast<double>(baseline_count - 1);
  const double m = static_cast<double>(rule.persistence);
  const double q = rule.exceedance == Exceedance::above ? 0.5 : 1.0;
  const double log_ratio = m * std::log(q) + std::log(static_cast<double>(rule.design_length)) -
                           std::log(rule.false_alarm_probability);
  if (log_ratio <= 0) return 0.0;  // the budget allows a false onset anyway: the band is the centre itself
  return (nu / m) * std::expm1(log_ratio / nu);
}

std::size_t count_baseline_snapshots(std::span<const double> time_s, const OnsetRule& rule) {
  if (time_s.empty()) return 0;
  const double limit_s = time_s.front() + rule.baseline_life_fraction * (time_s.back() - time_s.front());
  const auto within =
      static_cast<std::size_t>(std::upper_bound(time_s.begin(), time_s.end(), limit_s) - time_s.begin());
  return std::min(time_s.size(), std::max(within, rule.baseline_min_snapshots));
}

Result<IndicatorOnset> find_onset(std::span<const double> time_s, std::span<const double> values,
                                  const OnsetRule& rule) {
  if (auto ok = validate(rule); !ok) return std::unexpected(ok.error());
  if (values.size() != time_s.size()) {
    return fail(ErrorCode::invalid_argument, "{} values for {} times", values.size(), time_s.size());
  }
  for (std::size_t i = 0; i < time_s.size(); ++i) {
    if (!std::isfinite(time_s[i])) return fail(ErrorCode::invalid_argument, "time {} is not finite", i);
    if (i > 0 && !(time_s[i] > time_s[i - 1])) {
      return fail(ErrorCode::invalid_argument, "times not increasing at {}: {} s after {} s", i, time_s[i],
                  time_s[i - 1]);
    }
  }
  const std::size_t n_baseline = count_baseline_snapshots(time_s, rule);
  if (time_s.size() < n_baseline + rule.persistence || time_s.size() < rule.baseline_min_snapshots) {
    return fail(ErrorCode::invalid_argument,
                "series of {} snapshots is too short: the baseline takes {} and an onset needs {} more",
                time_s.size(), std::max(n_baseline, rule.baseline_min_snapshots), rule.persistence);
  }

  std::vector<double> baseline;
  baseline.reserve(n_baseline);
  for (std::size_t i = 0; i < n_baseline; ++i) {
    if (std::isfinite(values[i])) baseline.push_back(values[i]);
  }
  auto k = band_multiplier(rule, baseline.size());
  if (!k) return std::unexpected(k.error().with_context(fmt::format("baseline of {} snapshots", n_baseline)));

  IndicatorOnset r;
  IndicatorBand& band = r.band;
  band.baseline_count = baseline.size();
  band.baseline_snapshots = n_baseline;
  band.centre = median_of(baseline);
  double sum_abs = 0;
  for (double x : baseline) sum_abs += std::abs(x - band.centre);
  band.scale = sum_abs / static_cast<double>(baseline.size());
  band.multiplier = *k;
  band.low = band.centre - band.multiplier * band.scale;
  band.high = band.centre + band.multiplier * band.scale;

  std::size_t run = 0;
  for (std::size_t i = n_baseline; i < values.size(); ++i) {
    const double x = values[i];
    const bool outside =
        std::isfinite(x) && (x > band.high || (rule.exceedance == Exceedance::either && x < band.low));
    run = outside ? run + 1 : 0;
    if (run == rule.persistence) {
      r.found = true;
      r.onset_index = i + 1 - rule.persistence;
      r.onset_s = time_s[r.onset_index];
      r.detected_s = time_s[i];
      r.lead_time_s = time_s.back() - r.detected_s;
      const double life_s = time_s.back() - time_s.front();
      r.lead_fraction = life_s > 0 ? r.lead_time_s / life_s : 0.0;
      break;
    }
  }
  return r;
}

}  // namespace vigil::diag
