// The per-window feature pipeline: one window of acceleration in, every physically grounded feature
// out (time statistics, ISO velocity severity, the most impulsive band, the squared-envelope spectrum and
// the evidence for each bearing defect). The edge runs it on every window; recordings are diagnosed by
// averaging its envelope spectra (diagnosis.hpp). One real FFT per window is shared by all spectral steps.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "diag/iso_severity.hpp"
#include "dsp/bearing.hpp"
#include "dsp/defect_evidence.hpp"
#include "dsp/envelope.hpp"
#include "dsp/fft.hpp"
#include "dsp/kurtogram.hpp"
#include "dsp/stats.hpp"
#include "dsp/velocity.hpp"

namespace vigil::diag {

// How the demodulation band of the envelope is chosen.
enum class Demodulation {
  // Band of highest spectral kurtosis (fast kurtogram) of the raw window: where impacts excite a
  // resonance (Antoni & Randall 2006).
  kurtogram,
  // Cepstral pre-whitening: every spectral line is set to unit magnitude before demodulating a broad band,
  // which removes discrete components (shaft harmonics, gear mesh) and flattens resonances, so impacts
  // dominate wherever they are (Sawalhi & Randall 2011; Smith & Randall 2015 found it among the most
  // effective ways to diagnose the CWRU records).
  prewhitened,
  // The whole band of the raw window (Smith & Randall's method 1: envelope analysis of the raw signal).
  // Cheapest, and sufficient whenever nothing masks the impacts.
  full_band,
  // Discrete/random separation, then the kurtogram's band of the random part (Smith & Randall's method
  // 3). Recording-level: the separation filter is estimated over the whole recording, so it is run by
  // diag::DrsKurtogram (multi_method.hpp), not by WindowAnalyzer (create() refuses it).
  drs_kurtogram,
};

struct WindowAnalyzerConfig {
  double sample_rate_hz = 0;
  std::size_t window_len = 0;
  dsp::BearingGeometry bearing;
  // Highest shaft speed the analyzer will see; sets how far the envelope spectrum reaches (three
  // harmonics of BPFI plus a shaft-rate sideband, at the highest speed).
  double max_speed_rpm = 3600;
  dsp::AccelerationUnit unit = dsp::AccelerationUnit::g;
  MachineClass machine_class = MachineClass::class_I;
  Demodulation demodulation = Demodulation::kurtogram;
  int kurtogram_levels = 5;
  // Content below this is left out of band selection (shaft harmonics and their sidebands live there).
  double min_band_low_hz = 0;  // 0 = automatic: 4 x BPFI at max speed
  dsp::EvidenceConfig evidence;
  dsp::PlanEffort effort = dsp::PlanEffort::measure;
};

// What create() derives from a configuration, exposed so that benchmarks time exactly the stages the
// pipeline runs:
//  - the highest envelope frequency needed: three harmonics of the fastest defect frequency plus a shaft-rate
//    sideband, with the evidence search tolerance on top, + 10 Hz, at max_speed_rpm;
//  - the lowest frequency band selection looks at: min_band_low_hz, or 4 x BPFI at max_speed_rpm (shaft
//    harmonics live below), at most fs/4;
//  - the kurtogram considers only bands at least twice the envelope reach wide (a narrower band could not
//    carry the harmonics and sidebands; the envelope would widen it anyway).
double envelope_reach_hz(const WindowAnalyzerConfig& config);
double band_low_hz(const WindowAnalyzerConfig& config);
dsp::Kurtogram::Config kurtogram_config(const WindowAnalyzerConfig& config);
dsp::EnvelopeAnalyzer::Config envelope_config(const WindowAnalyzerConfig& config);

struct WindowFeatures {
  dsp::TimeStats time;
  double velocity_rms_mm_s = 0;
  IsoZone iso_zone = IsoZone::A;
  dsp::FrequencyBand band;         // demodulated band
  double band_kurtosis = 0;        // spectral kurtosis of the band (kurtogram mode; NaN otherwise)
  dsp::EnvelopeSpectrum envelope;  // views the analyzer's buffers until the next analyze()
  // The window's raw (untapered, unscaled) spectrum, bins 0..N/2, for callers that need more than the
  // features above (e.g. band power fractions); views the analyzer's FFT buffer until the next analyze().
  std::span<const std::complex<float>> spectrum;
  dsp::DefectFrequencies frequencies;
  std::array<dsp::DefectEvidence, dsp::k_defect_count> evidence{};
};

class WindowAnalyzer {
 public:
  static Result<WindowAnalyzer> create(const WindowAnalyzerConfig& config);

  // Features of one window (window_len samples of acceleration in config.unit) at shaft speed
  // speed_rpm. The result views this analyzer's buffers and is valid until the next call. Allocates
  // nothing.
  const WindowFeatures& analyze(std::span<const float> window, double speed_rpm);

  // The last analyzed window's power spectrum with a periodic Hann taper, |X_w[k]|^2 for bins 0..N/2, from
  // its spectrum by the three-term convolution X_w[k] = X[k]/2 - (X[k-1] + X[k+1])/4 (the periodic Hann
  // window's DFT has taps -1/4, 1/2, -1/4), unscaled; bins 0 and N/2, which lack a neighbour, read 0. The
  // taper keeps the leakage of strong lines out of weak bands (rectangular sidelobes fall as 1/f, Hann's as
  // 1/f^3). Computed on the first call after each analyze() (the physics pipeline itself needs only the
  // velocity band of it), into this analyzer's buffer; valid until the next analyze(). Allocates nothing.
  std::span<const float> hann_power();

  const WindowAnalyzerConfig& config() const { return config_; }
  // What the last analyze() returned (valid until the next call; default values before the first).
  const WindowFeatures& last() const { return features_; }
  std::size_t envelope_bins() const { return envelope_->envelope_bins(); }
  double envelope_bin_hz() const { return envelope_->bin_hz(); }
  // Evidence for an envelope spectrum computed elsewhere (e.g. an average over windows).
  std::array<dsp::DefectEvidence, dsp::k_defect_count> evidence(const dsp::EnvelopeSpectrum& spectrum,
                                                                const dsp::DefectFrequencies& frequencies) {
    return finder_->find(spectrum, frequencies);
  }

 private:
  WindowAnalyzer() = default;

  WindowAnalyzerConfig config_;
  std::optional<dsp::RealFft> fft_;
  std::optional<dsp::Kurtogram> kurtogram_;
  std::optional<dsp::EnvelopeAnalyzer> envelope_;
  std::optional<dsp::DefectEvidenceFinder> finder_;
  std::vector<std::complex<float>> work_spectrum_;  // Hann-tapered for velocity, or pre-whitened
  dsp::FrequencyBand broad_band_;                   // the band demodulated after pre-whitening
  std::vector<float> hann_power_;                   // hann_power(), bins 0..N/2
  bool hann_power_ready_ = false;                   // hann_power_ is of the last analyzed window
  WindowFeatures features_;
};

}  // namespace vigil::diag
