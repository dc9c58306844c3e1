// libFuzzer target: IMS text snapshot parser and the file-name time parser on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "io/ims.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto snap = vigil::io::parse_ims_snapshot(text, "2004.02.12.10.32.39")) {
    vigil::io::fuzz::check_recording(snap->recording);
    const std::size_t n = snap->recording.channels.size();
    if (n != 4 && n != 8) __builtin_trap();
  }
  (void)vigil::io::parse_ims_time(text.substr(0, 64));
  return 0;
}
