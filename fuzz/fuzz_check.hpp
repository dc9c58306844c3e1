// Shared by the fuzz targets: invariants every successful parse must hold, checked so a silent
// logic error becomes a crash the fuzzer reports.
#pragma once

#include <cmath>
#include <cstdlib>

#include "io/recording.hpp"

namespace vigil::io::fuzz {

inline void check_recording(const Recording& rec) {
  if (rec.channels.empty()) std::abort();
  for (const Channel& c : rec.channels) {
    if (c.samples.size() != rec.sample_count() || c.samples.empty()) std::abort();
    for (const float x : c.samples) {
      if (!std::isfinite(x)) std::abort();
    }
  }
  if (!(rec.sample_rate_hz >= 0.0) || !std::isfinite(rec.sample_rate_hz)) std::abort();
}

}  // namespace vigil::io::fuzz
