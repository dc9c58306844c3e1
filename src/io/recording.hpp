// A recording read from any supported source (MATLAB v5, FEMTO CSV, IMS text, plain CSV): named
// channels of equal length sampled at one rate, plus the shaft speed when the source states it.
// Every reader in vigil::io returns this; downstream code (windows, features) never sees formats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::io {

// Largest input any reader accepts (file or in-memory text). CWRU files are ~3 MiB, a FEMTO
// snapshot ~60 KiB, an IMS snapshot ~0.6 MiB: 512 MiB is far above real data and far below
// what would exhaust an edge node, so a bigger input is refused before anything is allocated.
inline constexpr std::uint64_t k_max_input_bytes = 512ull * 1024 * 1024;

struct Channel {
  std::string name;            // "DE", "FE", "BA", "horizontal", "b1", ...
  std::vector<float> samples;  // in the unit of the source (g for every supported dataset)
};

struct Recording {
  std::string source;               // file name or caller-given name, for messages
  double sample_rate_hz = 0.0;      // 0 = unknown (MAT files do not store it)
  std::optional<double> speed_rpm;  // only when the source itself states it
  std::vector<Channel> channels;    // all the same length

  // The channel called `name` (exact, case-sensitive), or nullptr.
  const Channel* find_channel(std::string_view name) const;
  // Samples per channel (0 when there are no channels).
  std::size_t sample_count() const { return channels.empty() ? 0 : channels.front().samples.size(); }
};

}  // namespace vigil::io
