// A frequency band [low_hz, high_hz]: the pass band of a filter, a demodulation band, a velocity band.
#pragma once

namespace vigil::dsp {

struct FrequencyBand {
  double low_hz = 0;
  double high_hz = 0;
};

// The broadband 10-1000 Hz over which ISO 10816 / ISO 20816 define velocity severity (machines
// running above 600 rpm).
inline constexpr FrequencyBand k_iso_velocity_band{10.0, 1000.0};

}  // namespace vigil::dsp
