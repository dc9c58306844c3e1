// libFuzzer target: FEMTO/PRONOSTIA snapshot and temperature CSV parsers on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "io/femto.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto rec = vigil::io::parse_femto_snapshot(text, "acc_00001.csv")) {
    vigil::io::fuzz::check_recording(*rec);
    if (rec->channels.size() != 2) __builtin_trap();
  }
  if (auto rec = vigil::io::parse_femto_temperature(text, "temp_00001.csv")) {
    vigil::io::fuzz::check_recording(*rec);
  }
  return 0;
}
