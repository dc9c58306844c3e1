#include "model/features.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "dsp/cepstrum_prewhitening.hpp"

namespace vigil::model {
namespace {

double level_db(double value, double reference) {
  const double ratio = value / reference;
  return ratio > 0 && std::isfinite(ratio)
             ? std::max(20.0 * std::log10(ratio), FeatureExtractor::k_level_floor_db)
             : FeatureExtractor::k_level_floor_db;
}

double power_fraction_db(double part, double total) {
  const double fraction = total > 0 ? part / total : 0.0;
  return fraction > 0 ? std::max(10.0 * std::log10(fraction), FeatureExtractor::k_power_floor_db)
                      : FeatureExtractor::k_power_floor_db;
}

// SNR of harmonic h of one defect; 0 dB when it was not checked. DefectEvidence lists only the checked
// harmonics, in order, each with its own number.
double harmonic_snr_db(const dsp::DefectEvidence& evidence, int h) {
  for (int i = 0; i < evidence.harmonics_checked; ++i) {
    const auto& match = evidence.harmonics[static_cast<std::size_t>(i)];
    if (match.harmonic == h) return match.snr_db;
  }
  return 0.0;
}

// Sum in double with four independent accumulators: a single running sum is a chain of dependent adds (one
// per ~4 cycles); the lanes differ from it only in rounding order (~1e-16 relative).
double sum(std::span<const float> values) {
  double lane[4] = {};
  std::size_t i = 0;
  for (; i + 4 <= values.size(); i += 4)
    for (std::size_t k = 0; k < 4; ++k) lane[k] += values[i + k];
  for (; i < values.size(); ++i) lane[0] += values[i];
  return (lane[0] + lane[1]) + (lane[2] + lane[3]);
}

// Lowest bin of the power spectrum used: the DC bin and bin 1 (where the Hann taper spreads a DC
// offset) are left out of every band and of the total.
constexpr std::size_t k_first_power_bin = 2;

// E_F: mean over the harmonics asked for of max(0, SNR) in dB (unchecked harmonics count 0).
double mean_positive_snr_db(const dsp::DefectEvidence& evidence, int harmonics) {
  double sum = 0;
  for (int i = 0; i < evidence.harmonics_checked; ++i) {
    sum += std::max(0.0, evidence.harmonics[static_cast<std::size_t>(i)].snr_db);
  }
  return sum / double(harmonics);
}

// L_F: sum over the checked harmonics of max(0, line - background)^2.
double line_power_above_background(const dsp::DefectEvidence& evidence) {
  double sum = 0;
  for (int i = 0; i < evidence.harmonics_checked; ++i) {
    const auto& m = evidence.harmonics[static_cast<std::size_t>(i)];
    const double excess = std::max(0.0, m.amplitude - m.background);
    if (std::isfinite(excess)) sum += excess * excess;
  }
  return sum;
}

// The family features use the first three harmonics, whatever the finder was asked for.
constexpr int k_family_harmonics = 3;

}  // namespace

void family_features(const std::array<dsp::DefectEvidence, dsp::k_defect_count>& evidence,
                     std::span<float, k_family_features_per_method> out) {
  using dsp::Defect;
  constexpr std::array<Defect, 4> families{Defect::outer_race, Defect::inner_race, Defect::ball,
                                           Defect::cage};
  auto of = [&](Defect d) -> const dsp::DefectEvidence& { return evidence[static_cast<std::size_t>(d)]; };
  auto first_three = [](dsp::DefectEvidence e) {
    e.harmonics_checked = std::min(e.harmonics_checked, k_family_harmonics);
    return e;
  };
  std::array<double, 4> e{};
  double e_sum = 0;
  for (std::size_t k = 0; k < families.size(); ++k) {
    e[k] = mean_positive_snr_db(first_three(of(families[k])), k_family_harmonics);
    e_sum += e[k] + 1.0;
  }
  for (std::size_t k = 0; k < families.size(); ++k) out[k] = static_cast<float>((e[k] + 1.0) / e_sum);

  std::array<double, 3> l{};
  double l_sum = 0;
  for (std::size_t k = 0; k < l.size(); ++k) {
    l[k] = line_power_above_background(first_three(of(families[k])));
    l_sum += l[k];
  }
  for (std::size_t k = 0; k < l.size(); ++k) {
    out[4 + k] = static_cast<float>(l_sum > 0 && std::isfinite(l_sum) ? l[k] / l_sum : 1.0 / 3.0);
  }

  // The stronger of the two modulated families (inner race first on ties).
  const bool ball = e[2] > e[1];
  const dsp::DefectEvidence& modulated = of(ball ? Defect::ball : Defect::inner_race);
  const double carrier = ball ? e[2] : e[1];
  const double sideband = modulated.sidebands_checked > 0 ? std::max(0.0, modulated.sideband_snr_db) : 0.0;
  out[7] = static_cast<float>((sideband + 1.0) / (sideband + carrier + 2.0));
}

Result<FeatureExtractor> FeatureExtractor::create(const FeatureExtractorConfig& config) {
  if (!(config.speed_tolerance >= 0 && config.speed_tolerance <= 0.1)) {
    return fail(ErrorCode::invalid_argument, "features: speed tolerance {} outside [0, 0.1]",
                config.speed_tolerance);
  }
  diag::WindowAnalyzerConfig wc{.sample_rate_hz = config.sample_rate_hz,
                                .window_len = config.window_len,
                                .bearing = config.bearing,
                                .max_speed_rpm = config.max_speed_rpm,
                                .unit = config.unit,
                                .machine_class = diag::MachineClass::class_I,
                                .demodulation = diag::Demodulation::kurtogram,
                                .kurtogram_levels = 5,
                                .min_band_low_hz = 0,
                                .evidence = {.harmonics = 3,
                                             .speed_tolerance = config.speed_tolerance,
                                             .min_snr_db = 6,
                                             .background_hz = 50},
                                .effort = config.effort};
  auto analyzer = diag::WindowAnalyzer::create(wc);
  if (!analyzer) return std::unexpected(analyzer.error().with_context("features"));

  // The pre-whitened demodulation: the band above the shaft harmonics up to 0.9 x Nyquist, as the
  // recording-level diagnosis demodulates it (diag::Demodulation::prewhitened).
  auto envelope = dsp::EnvelopeAnalyzer::create(diag::envelope_config(wc));
  if (!envelope) return std::unexpected(envelope.error().with_context("features"));
  auto finder = dsp::DefectEvidenceFinder::create(envelope->envelope_bins(), wc.evidence);
  if (!finder) return std::unexpected(finder.error().with_context("features"));

  FeatureExtractor e;
  e.config_ = config;
  e.analyzer_.emplace(std::move(*analyzer));
  e.whitened_envelope_.emplace(std::move(*envelope));
  e.whitened_finder_.emplace(std::move(*finder));
  e.whitened_spectrum_.assign(config.window_len / 2 + 1, {});
  e.broad_band_ = {diag::band_low_hz(wc), 0.45 * config.sample_rate_hz};
  return e;
}

Result<std::span<const float>> FeatureExtractor::extract(std::span<const float> window, double speed_rpm) {
  if (window.size() != config_.window_len) {
    return fail(ErrorCode::invalid_argument, "features: window of {} samples, expected {}", window.size(),
                config_.window_len);
  }
  if (!(speed_rpm > 0) || !(speed_rpm <= config_.max_speed_rpm)) {
    return fail(ErrorCode::out_of_range, "features: shaft speed {} rpm outside (0, {}] rpm", speed_rpm,
                config_.max_speed_rpm);
  }
  family_ready_ = false;
  const diag::WindowFeatures& w = analyzer_->analyze(window, speed_rpm);
  if (!std::isfinite(w.time.rms) || !std::isfinite(w.time.peak)) {
    return fail(ErrorCode::invalid_argument, "features: window contains non-finite samples");
  }

  // Power fractions from the analyzer's Hann-tapered power spectrum of this window (WindowAnalyzer::
  // hann_power: the taper keeps the leakage of the strong resonance region out of the weak shaft-order
  // bands). Scale is irrelevant: only ratios are reported.
  const auto power = analyzer_->hann_power();
  const std::size_t bins = power.size();
  const double total = sum(power.subspan(k_first_power_bin, bins - 1 - k_first_power_bin));
  const double bin_hz = config_.sample_rate_hz / double(config_.window_len);
  // Power in [low_hz, high_hz): bins whose centre frequency lies in the interval, so adjacent bands
  // partition the spectrum.
  auto band_power = [&](double low_hz, double high_hz) {
    const auto first = std::max(k_first_power_bin, static_cast<std::size_t>(std::ceil(low_hz / bin_hz)));
    const auto end = std::min(bins - 1, static_cast<std::size_t>(std::ceil(high_hz / bin_hz)));
    return first < end ? sum(power.subspan(first, end - first)) : 0.0;
  };
  const double shaft_hz = speed_rpm / 60.0;

  const double g_per_unit = dsp::m_per_s2_per_unit(config_.unit) / dsp::k_standard_gravity_m_s2;
  auto set = [this](Feature f, double v) { features_[index(f)] = static_cast<float>(v); };
  set(Feature::rms_db, level_db(w.time.rms * g_per_unit, 1.0));
  set(Feature::peak_db, level_db(w.time.peak * g_per_unit, 1.0));
  set(Feature::crest_factor, w.time.crest_factor);
  set(Feature::log_kurtosis, std::log(std::max(w.time.kurtosis, 1e-6)));
  set(Feature::skewness, w.time.skewness);
  set(Feature::shape_factor, w.time.shape_factor);
  set(Feature::impulse_factor, w.time.impulse_factor);
  set(Feature::clearance_factor, w.time.clearance_factor);
  set(Feature::velocity_rms_db, level_db(w.velocity_rms_mm_s, 1.0));
  set(Feature::power_1x_db, power_fraction_db(band_power(0.5 * shaft_hz, 1.5 * shaft_hz), total));
  set(Feature::power_2x_db, power_fraction_db(band_power(1.5 * shaft_hz, 2.5 * shaft_hz), total));
  set(Feature::power_3x_10x_db, power_fraction_db(band_power(2.5 * shaft_hz, 10.5 * shaft_hz), total));
  // The demodulated band is closed, [low, high]: take everything up to the bin just above high.
  set(Feature::power_resonance_db,
      power_fraction_db(band_power(w.band.low_hz, w.band.high_hz + bin_hz), total));
  const double sk = std::isfinite(w.band_kurtosis) ? std::max(w.band_kurtosis, -1.0) : 0.0;
  set(Feature::resonance_log_sk, std::log(2.0 + sk));

  using dsp::Defect;
  const auto& ev = w.evidence;  // in Defect order: outer race, inner race, ball, cage
  const auto& bpfo = ev[static_cast<std::size_t>(Defect::outer_race)];
  const auto& bpfi = ev[static_cast<std::size_t>(Defect::inner_race)];
  const auto& bsf = ev[static_cast<std::size_t>(Defect::ball)];
  const auto& ftf = ev[static_cast<std::size_t>(Defect::cage)];
  set(Feature::bpfo_h1_snr_db, harmonic_snr_db(bpfo, 1));
  set(Feature::bpfo_h2_snr_db, harmonic_snr_db(bpfo, 2));
  set(Feature::bpfo_h3_snr_db, harmonic_snr_db(bpfo, 3));
  set(Feature::bpfi_h1_snr_db, harmonic_snr_db(bpfi, 1));
  set(Feature::bpfi_h2_snr_db, harmonic_snr_db(bpfi, 2));
  set(Feature::bpfi_h3_snr_db, harmonic_snr_db(bpfi, 3));
  set(Feature::bpfi_sideband_snr_db, bpfi.sidebands_checked > 0 ? bpfi.sideband_snr_db : 0.0);
  set(Feature::bsf_h1_snr_db, harmonic_snr_db(bsf, 1));
  set(Feature::bsf_h2_snr_db, harmonic_snr_db(bsf, 2));
  set(Feature::bsf_h3_snr_db, harmonic_snr_db(bsf, 3));
  set(Feature::bsf_sideband_snr_db, bsf.sidebands_checked > 0 ? bsf.sideband_snr_db : 0.0);
  set(Feature::ftf_h1_snr_db, harmonic_snr_db(ftf, 1));
  set(Feature::ftf_h2_snr_db, harmonic_snr_db(ftf, 2));
  set(Feature::ftf_h3_snr_db, harmonic_snr_db(ftf, 3));
  return std::span<const float>(features_).first(k_feature_count);
}

std::span<const float> FeatureExtractor::classifier_features() {
  if (family_ready_) return features_;
  const diag::WindowFeatures& w = analyzer_->last();
  family_features(
      w.evidence,
      std::span(features_).subspan<index(FamilyFeature::sk_bpfo_snr_share), k_family_features_per_method>());
  dsp::cepstrum_prewhiten(w.spectrum, whitened_spectrum_);
  const auto envelope =
      whitened_envelope_->analyze(std::span<const std::complex<float>>(whitened_spectrum_), broad_band_);
  family_features(
      whitened_finder_->find(envelope, w.frequencies),
      std::span(features_).subspan<index(FamilyFeature::cpw_bpfo_snr_share), k_family_features_per_method>());
  family_ready_ = true;
  return features_;
}

}  // namespace vigil::model
