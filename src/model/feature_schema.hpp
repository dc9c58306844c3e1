// The versioned feature vector every learned model of Vigil consumes: a fixed, ordered list of named
// features with units, chosen to transfer across shaft speeds, sample rates and bearings. A model bundle
// records the schema version it was trained on; a different version is a different model input.
// Each feature's formula is in docs/formats/features.md; features.hpp computes them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigil::model {

// Bump whenever a feature is added, removed, reordered or its formula changes.
inline constexpr std::uint32_t k_feature_schema_version = 1;

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

// One entry of the schema: what the value is called, its unit, and a one-line definition.
struct FeatureInfo {
  std::string_view name;         // snake_case, unique, ends with the unit where there is one
  std::string_view unit;         // "dB re 1 g", "dB re total", "1" (dimensionless), ...
  std::string_view description;  // formula in words; docs/formats/features.md has the detail
};

// All features in vector order (size k_feature_count).
std::span<const FeatureInfo> feature_schema();

// Position of the feature called `name`, or nullopt.
std::optional<std::size_t> feature_index(std::string_view name);

}  // namespace vigil::model
