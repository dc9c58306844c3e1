#include "core/utf8.hpp"

#include <cstdint>

namespace vigil {

std::size_t invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1, cp = b & 0x1fu;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2, cp = b & 0x0fu;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3, cp = b & 0x07u;
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3fu);
    }
    static constexpr std::uint32_t k_min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < k_min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

}  // namespace vigil
