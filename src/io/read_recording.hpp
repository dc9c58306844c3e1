// Reads any supported recording by its file name: .mat (CWRU layout), acc_*.csv (FEMTO snapshot), other
// .csv (one signal column, optionally time,value), IMS snapshot (YYYY.MM.DD.hh.mm.ss). The entry point
// for tools given a path by a user.
#pragma once

#include <filesystem>

#include "core/error.hpp"
#include "io/recording.hpp"

namespace vigil::io {

// sample_rate_hz: the rate when the format does not state one (MAT; CSV without a time column); 0 = not
// known, in which case a MAT recording comes back with sample_rate_hz 0 for the caller to resolve. Formats
// that state their rate (FEMTO 25.6 kHz, IMS 20 kHz) keep it. MAT files return every channel with a
// _DE_time, _FE_time or _BA_time suffix.
Result<Recording> read_recording(const std::filesystem::path& path, double sample_rate_hz = 0.0);

}  // namespace vigil::io
