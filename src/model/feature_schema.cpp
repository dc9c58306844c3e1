#include "model/feature_schema.hpp"

namespace vigil::model {
namespace {

constexpr std::array<FeatureInfo, k_classifier_feature_count> k_schema{{
    {"rms_db", "dB re 1 g", "20 log10 of the window's RMS acceleration"},
    {"peak_db", "dB re 1 g", "20 log10 of the window's largest absolute acceleration"},
    {"crest_factor", "1", "peak / RMS"},
    {"log_kurtosis", "1", "natural log of the (non-excess) kurtosis m4 / m2^2; ln 3 for Gaussian noise"},
    {"skewness", "1", "m3 / m2^(3/2)"},
    {"shape_factor", "1", "RMS / mean |x|"},
    {"impulse_factor", "1", "peak / mean |x|"},
    {"clearance_factor", "1", "peak / (mean sqrt|x|)^2"},
    {"velocity_rms_db", "dB re 1 mm/s",
     "20 log10 of the velocity RMS over 10-1000 Hz (ISO 10816/20816 band)"},
    {"power_1x_db", "dB re total", "10 log10 of the fraction of AC power in [0.5, 1.5) x shaft rate"},
    {"power_2x_db", "dB re total", "10 log10 of the fraction of AC power in [1.5, 2.5) x shaft rate"},
    {"power_3x_10x_db", "dB re total", "10 log10 of the fraction of AC power in [2.5, 10.5) x shaft rate"},
    {"power_resonance_db", "dB re total", "10 log10 of the fraction of AC power in the kurtogram's band"},
    {"resonance_log_sk", "1", "ln(2 + K), K the spectral kurtosis of the kurtogram's band (0 for noise)"},
    {"bpfo_h1_snr_db", "dB", "envelope line at 1 x BPFO over its local background"},
    {"bpfo_h2_snr_db", "dB", "envelope line at 2 x BPFO over its local background"},
    {"bpfo_h3_snr_db", "dB", "envelope line at 3 x BPFO over its local background"},
    {"bpfi_h1_snr_db", "dB", "envelope line at 1 x BPFI over its local background"},
    {"bpfi_h2_snr_db", "dB", "envelope line at 2 x BPFI over its local background"},
    {"bpfi_h3_snr_db", "dB", "envelope line at 3 x BPFI over its local background"},
    {"bpfi_sideband_snr_db", "dB", "best shaft-rate sideband of the BPFI harmonics found"},
    {"bsf_h1_snr_db", "dB", "envelope line at 1 x BSF over its local background"},
    {"bsf_h2_snr_db", "dB", "envelope line at 2 x BSF over its local background"},
    {"bsf_h3_snr_db", "dB", "envelope line at 3 x BSF over its local background"},
    {"bsf_sideband_snr_db", "dB", "best FTF sideband of the BSF harmonics found"},
    {"ftf_h1_snr_db", "dB", "envelope line at 1 x FTF over its local background"},
    {"ftf_h2_snr_db", "dB", "envelope line at 2 x FTF over its local background"},
    {"ftf_h3_snr_db", "dB", "envelope line at 3 x FTF over its local background"},
    {"sk_bpfo_snr_share", "1", "kurtogram band: BPFO's share of the four families' mean harmonic SNR"},
    {"sk_bpfi_snr_share", "1", "kurtogram band: BPFI's share of the four families' mean harmonic SNR"},
    {"sk_bsf_snr_share", "1", "kurtogram band: BSF's share of the four families' mean harmonic SNR"},
    {"sk_ftf_snr_share", "1", "kurtogram band: FTF's share of the four families' mean harmonic SNR"},
    {"sk_bpfo_line_share", "1",
     "kurtogram band: BPFO's share of the race and ball lines' power above background"},
    {"sk_bpfi_line_share", "1",
     "kurtogram band: BPFI's share of the race and ball lines' power above background"},
    {"sk_bsf_line_share", "1",
     "kurtogram band: BSF's share of the race and ball lines' power above background"},
    {"sk_modulation_share", "1", "kurtogram band: sideband share of the stronger of BPFI and BSF"},
    {"cpw_bpfo_snr_share", "1", "pre-whitened band: BPFO's share of the four families' mean harmonic SNR"},
    {"cpw_bpfi_snr_share", "1", "pre-whitened band: BPFI's share of the four families' mean harmonic SNR"},
    {"cpw_bsf_snr_share", "1", "pre-whitened band: BSF's share of the four families' mean harmonic SNR"},
    {"cpw_ftf_snr_share", "1", "pre-whitened band: FTF's share of the four families' mean harmonic SNR"},
    {"cpw_bpfo_line_share", "1",
     "pre-whitened band: BPFO's share of the race and ball lines' power above background"},
    {"cpw_bpfi_line_share", "1",
     "pre-whitened band: BPFI's share of the race and ball lines' power above background"},
    {"cpw_bsf_line_share", "1",
     "pre-whitened band: BSF's share of the race and ball lines' power above background"},
    {"cpw_modulation_share", "1", "pre-whitened band: sideband share of the stronger of BPFI and BSF"},
}};

static_assert(index(Feature::ftf_h3_snr_db) + 1 == k_feature_count, "Feature enum and count disagree");
static_assert(index(FamilyFeature::cpw_modulation_share) + 1 == k_classifier_feature_count,
              "FamilyFeature enum and count disagree");
static_assert(2 * k_family_features_per_method == k_family_feature_count);

}  // namespace

std::span<const FeatureInfo> feature_schema() { return std::span(k_schema).first(k_feature_count); }

std::span<const FeatureInfo> classifier_feature_schema() { return k_schema; }

std::optional<std::size_t> classifier_feature_count(std::uint32_t version) {
  if (version == 1) return k_feature_count;
  if (version == 2) return k_classifier_feature_count;
  return std::nullopt;
}

std::optional<std::size_t> feature_index(std::string_view name) {
  for (std::size_t i = 0; i < k_schema.size(); ++i) {
    if (k_schema[i].name == name) return i;
  }
  return std::nullopt;
}

}  // namespace vigil::model
