// Feature extraction for the learned models: one window of acceleration and the shaft speed in, the
// schema's feature vector (feature_schema.hpp, version k_feature_schema_version) out. Built on
// diag::WindowAnalyzer: one analysis per window (its statistics, spectrum, Hann-tapered power, band, envelope
// evidence) is read here, no transform or statistic is computed twice, so the models see the same physics the
// diagnosis reads.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "diag/window_analyzer.hpp"
#include "dsp/bearing.hpp"
#include "dsp/defect_evidence.hpp"
#include "dsp/envelope.hpp"
#include "dsp/fft.hpp"
#include "dsp/velocity.hpp"
#include "model/feature_schema.hpp"

namespace vigil::model {

struct FeatureExtractorConfig {
  double sample_rate_hz = 0;
  std::size_t window_len = 0;    // samples per window (>= 256); the envelope resolution is fs / window_len
  dsp::BearingGeometry bearing;  // the monitored bearing (defect orders)
  double max_speed_rpm = 3600;   // highest speed extract() accepts; sets the envelope's reach
  dsp::AccelerationUnit unit = dsp::AccelerationUnit::g;
  double speed_tolerance = 0.02;  // relative search half-width of the envelope lines (slip, speed error)
  dsp::PlanEffort effort = dsp::PlanEffort::measure;
};

// Why these features transfer (the full table is in docs/formats/features.md):
// - Shape statistics (crest, kurtosis, ...) are dimensionless; levels are in dB so that a per-asset
//   Scaler turns a gain change into an offset.
// - Power is reported as fractions of the window's AC power in bands defined in shaft orders (1x, 2x,
//   3-10x: unbalance, misalignment, looseness) and in the resonance band the kurtogram picks in each
//   window, never in absolute Hz: an absolute band means different physics at 12 kHz and 25.6 kHz and on a
//   bearing whose housing rings elsewhere.
// - Envelope evidence is looked for at multiples of the defect orders x the shaft speed of the window, so
//   it is order-normalised: an outer-race line is bpfo_h1_snr_db whatever the speed.
// Every value is finite for a finite window: logarithms are floored (levels at -200 dB, power fractions
// at -120 dB) and a harmonic that cannot be checked (outside the envelope spectrum, or a defect frequency
// below 4 envelope bins, e.g. FTF in short windows) reads 0 dB, i.e. "no line above the background".
// The k_family_features_per_method defect-family features of one demodulation's evidence (Defect order:
// outer race, inner race, ball, cage), in the order of one FamilyFeature block (snr shares of BPFO, BPFI,
// BSF, FTF; line shares of BPFO, BPFI, BSF; modulation share). Formulas in feature_schema.hpp. Harmonics
// that were not checked count as 0 dB / no line. Always finite.
void family_features(const std::array<dsp::DefectEvidence, dsp::k_defect_count>& evidence,
                     std::span<float, k_family_features_per_method> out);

class FeatureExtractor {
 public:
  // Level floors (see above).
  static constexpr double k_level_floor_db = -200.0;
  static constexpr double k_power_floor_db = -120.0;

  static Result<FeatureExtractor> create(const FeatureExtractorConfig& config);

  // Features of one window (window_len samples in config.unit) at shaft speed speed_rpm (> 0 and
  // <= max_speed_rpm), in schema order, k_feature_count values. The span views this extractor's buffer
  // and is valid until the next call. Allocates nothing on success. Errors: wrong window length, speed
  // out of range, non-finite samples.
  Result<std::span<const float>> extract(std::span<const float> window, double speed_rpm);

  // The classifier vector of the window extract() last read (k_classifier_feature_count values): the
  // window features, then the defect-family features (feature_schema.hpp). The family features of the
  // pre-whitened band need one more demodulation of the window's spectrum, done here on the first call after
  // each extract(), so that models reading the window features alone pay nothing for them. A classifier of
  // schema version 1 reads the first k_feature_count values. Views this extractor's buffer; valid until the
  // next extract(); unspecified before the first. Allocates nothing.
  std::span<const float> classifier_features();

  const FeatureExtractorConfig& config() const { return config_; }
  // The physics analysis of the last window extract() read (ISO velocity, band, envelope spectrum, defect
  // evidence): the edge's rule layer reads it, so one FFT per window feeds both the physics and the learned
  // features. Views the analyzer's buffers; valid until the next extract(); unspecified before the first.
  const diag::WindowFeatures& analysis() const { return analyzer_->last(); }

 private:
  FeatureExtractor() = default;

  FeatureExtractorConfig config_;
  std::optional<diag::WindowAnalyzer> analyzer_;
  // The pre-whitened demodulation of the family features (same envelope reach as the analyzer's).
  std::optional<dsp::EnvelopeAnalyzer> whitened_envelope_;
  std::optional<dsp::DefectEvidenceFinder> whitened_finder_;
  std::vector<std::complex<float>> whitened_spectrum_;
  dsp::FrequencyBand broad_band_;
  std::array<float, k_classifier_feature_count> features_{};
  bool family_ready_ = false;  // the family features are of the last extract()
};

}  // namespace vigil::model
