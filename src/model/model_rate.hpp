// The samples a model sees: a recording (or a live channel) brought to the rate a model was trained at.
// Training (eval::build_labelled_windows) and inference (model::assess_recording, the edge's windows) call
// this one function, so both see the same samples.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vigil::model {

// Samples dropped at the start of a decimated recording the anti-alias filter
// (dsp::Decimator) starts from rest and rings on the DC offset for a few hundred output samples.
inline constexpr std::size_t k_default_settle_samples = 1024;

// The samples a model sees from a recording at rate_hz: brought to model_rate_hz by integer-factor
// decimation (dsp::decimate, anti-aliased) with the first settle_samples of the decimated series dropped,
// or copied unchanged when the rates agree. unsupported (naming `name`) when rate_hz is not an integer
// multiple of model_rate_hz.
Result<std::vector<float>> at_model_rate(std::span<const float> x, double rate_hz, double model_rate_hz,
                                         std::size_t settle_samples, std::string_view name);

}  // namespace vigil::model
