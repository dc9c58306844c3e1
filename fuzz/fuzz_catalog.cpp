// libFuzzer target: dataset catalog CSV parser (entries are parsed, never opened).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto cat = vigil::io::parse_catalog(text, "catalog.csv", "/nonexistent")) {
    for (const auto& e : cat->entries) {
      if (!(e.sample_rate_hz > 0.0) || e.channel.empty() || e.bearing.empty()) __builtin_trap();
      if (e.speed_rpm && !(*e.speed_rpm > 0.0)) __builtin_trap();
    }
  }
  return 0;
}
