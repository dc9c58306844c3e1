// The asset most edge tests decide on: a CWRU-like pump (6205-2RS at 1797 rpm) measured at 12 kHz in the
// 4096-sample windows the simulator's cwru_like scenario is described in.
#pragma once

#include "dsp/bearing.hpp"
#include "edge/config.hpp"

namespace vigil::edge::fixtures {

inline constexpr double k_pump_rpm = 1797;

inline AssetConfig pump() {
  AssetConfig a;
  a.id = "pump7";
  a.location = "pump 7 drive-end bearing";
  a.bearing = *dsp::find_bearing("6205-2RS");
  a.speed_rpm = k_pump_rpm;
  a.max_speed_rpm = 1.2 * k_pump_rpm;
  return a;
}

inline ChannelConfig pump_channel() {
  ChannelConfig c;
  c.asset = "pump7";
  c.sample_rate_hz = 12000;
  c.window_s = 4096.0 / 12000.0;
  return c;
}

}  // namespace vigil::edge::fixtures
