// The versioned feature vectors Vigil's learned models consume: fixed, ordered lists of named features with
// units, chosen to transfer across shaft speeds, sample rates and bearings. A model bundle records the
// schema version it was trained on. Each feature's formula is in docs/formats/features.md; features.hpp
// computes them.
//
// Version 2 added the defect-family features (FamilyFeature) and left the 28 window features of version 1
// unchanged:
//   - anomaly and remaining-life models read the window features (k_feature_count) in either version;
//   - a fault classifier reads its schema's classifier vector: version 1, the 28 window features; version 2,
//     the window features followed by the family features (k_classifier_feature_count). Version 1 is a
//     prefix of version 2, so one extraction serves classifiers of both.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigil::model {

// Bump whenever a feature is added, removed, reordered or its formula changes.
inline constexpr std::uint32_t k_feature_schema_version = 2;
// The oldest version this build still reads (bundles of versions in between load; others are refused).
inline constexpr std::uint32_t k_oldest_feature_schema_version = 1;
// The last version that changed the window features: models that read only them (anomaly, remaining life)
// and stored window features (feature caches) stay valid from this version on.
inline constexpr std::uint32_t k_window_features_version = 1;

// Position of each feature in the vector (schema version 1). Groups:
//   time statistics of the raw window, ISO velocity, power distribution (shaft orders and the resonance
//   band found by the kurtogram), and order-normalised envelope evidence for each bearing defect.
enum class Feature : std::size_t {
  rms_db,              // 20 log10(rms / 1 g)
  peak_db,             // 20 log10(max|x| / 1 g)
  crest_factor,        // peak / rms
  log_kurtosis,        // ln(m4 / m2^2)
  skewness,            // m3 / m2^(3/2)
  shape_factor,        // rms / mean|x|
  impulse_factor,      // peak / mean|x|
  clearance_factor,    // peak / (mean sqrt|x|)^2
  velocity_rms_db,     // 20 log10(v_rms / 1 mm/s), ISO 10-1000 Hz band
  power_1x_db,         // 10 log10(P[0.5, 1.5) fr / P_total)
  power_2x_db,         // 10 log10(P[1.5, 2.5) fr / P_total)
  power_3x_10x_db,     // 10 log10(P[2.5, 10.5) fr / P_total)
  power_resonance_db,  // 10 log10(P[kurtogram band] / P_total)
  resonance_log_sk,    // ln(2 + K), K = spectral kurtosis of the kurtogram band
  bpfo_h1_snr_db,
  bpfo_h2_snr_db,
  bpfo_h3_snr_db,
  bpfi_h1_snr_db,
  bpfi_h2_snr_db,
  bpfi_h3_snr_db,
  bpfi_sideband_snr_db,  // best of BPFI harmonic +- shaft rate
  bsf_h1_snr_db,
  bsf_h2_snr_db,
  bsf_h3_snr_db,
  bsf_sideband_snr_db,  // best of BSF harmonic +- FTF
  ftf_h1_snr_db,
  ftf_h2_snr_db,
  ftf_h3_snr_db,
};

inline constexpr std::size_t k_feature_count = 28;

constexpr std::size_t index(Feature feature) { return static_cast<std::size_t>(feature); }

// Defect-family features (version 2): which defect family the envelope spectrum's lines belong to, as
// shares between the families, from two demodulations of the same window: the kurtogram's band (sk_) and
// the cepstrum-pre-whitened broad band (cpw_). Shares are ratios of quantities measured against the same
// spectrum, so they do not depend on sensor gain, and they sum to 1 within a group, so they do not grow with
// defect size or load the way levels and line SNRs do. Per demodulation m:
//   m_{bpfo,bpfi,bsf,ftf}_snr_share    (E_F + 1) / sum_G (E_G + 1) over the four families, E_F = mean over
//                                      h = 1..3 of max(0, SNR of harmonic h of family F) in dB;
//   m_{bpfo,bpfi,bsf}_line_share       L_F / (L_BPFO + L_BPFI + L_BSF), L_F = sum over h = 1..3 of
//                                      max(0, line - background)^2 (envelope amplitude), 1/3 each when all 0;
//   m_modulation_share                 (S + 1) / (S + E + 2) for the family F with the largest E_F among
//                                      BPFI and BSF, S = max(0, its best sideband SNR): how much of that
//                                      family's evidence is modulation (inner race at shaft rate, ball at
//                                      cage rate).
enum class FamilyFeature : std::size_t {
  sk_bpfo_snr_share,
  sk_bpfi_snr_share,
  sk_bsf_snr_share,
  sk_ftf_snr_share,
  sk_bpfo_line_share,
  sk_bpfi_line_share,
  sk_bsf_line_share,
  sk_modulation_share,
  cpw_bpfo_snr_share,
  cpw_bpfi_snr_share,
  cpw_bsf_snr_share,
  cpw_ftf_snr_share,
  cpw_bpfo_line_share,
  cpw_bpfi_line_share,
  cpw_bsf_line_share,
  cpw_modulation_share,
};
inline constexpr std::size_t k_family_feature_count = 16;
// Per demodulation: the snr shares, the line shares and the modulation share.
inline constexpr std::size_t k_family_features_per_method = 8;

// The classifier vector of this version: the window features, then the family features.
inline constexpr std::size_t k_classifier_feature_count = k_feature_count + k_family_feature_count;
constexpr std::size_t index(FamilyFeature feature) {
  return k_feature_count + static_cast<std::size_t>(feature);
}

// Inputs of a classifier built for schema `version`: 28 for version 1, k_classifier_feature_count for
// version 2; nullopt for versions this build does not read.
std::optional<std::size_t> classifier_feature_count(std::uint32_t version);

// One entry of the schema: what the value is called, its unit, and a one-line definition.
struct FeatureInfo {
  std::string_view name;         // snake_case, unique, ends with the unit where there is one
  std::string_view unit;         // "dB re 1 g", "dB re total", "1" (dimensionless), ...
  std::string_view description;  // formula in words; docs/formats/features.md has the detail
};

// The window features in vector order (size k_feature_count).
std::span<const FeatureInfo> feature_schema();
// The classifier vector in order (size k_classifier_feature_count): feature_schema(), then the family
// features.
std::span<const FeatureInfo> classifier_feature_schema();

// Position of the feature called `name` in the classifier vector (window features first, so a window
// feature's position is the same in both vectors), or nullopt.
std::optional<std::size_t> feature_index(std::string_view name);

}  // namespace vigil::model
