#include "hub/store/validate.hpp"

#include <cmath>

namespace vigil::hub::store {
namespace {

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or npos.
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

}  // namespace

Status check_text(std::string_view field, std::string_view value, std::size_t max_bytes) {
  if (value.size() > max_bytes)
    return fail(ErrorCode::invalid_argument, "{}: {} bytes, at most {} allowed", field, value.size(),
                max_bytes);
  if (const auto nul = value.find('\0'); nul != std::string_view::npos)
    return fail(ErrorCode::invalid_argument, "{}: NUL byte at offset {}", field, nul);
  if (const auto bad = invalid_utf8_at(value); bad != std::string_view::npos)
    return fail(ErrorCode::invalid_argument, "{}: not UTF-8 at byte offset {}", field, bad);
  return {};
}

Status check_id(std::string_view field, std::string_view value) {
  if (value.empty()) return fail(ErrorCode::invalid_argument, "{}: empty", field);
  return check_text(field, value, k_max_id_bytes);
}

Status check_finite(std::string_view field, double value) {
  if (!std::isfinite(value))
    return fail(ErrorCode::invalid_argument, "{}: {} is not a finite number", field, value);
  return {};
}

Status check_row_id(std::string_view field, std::int64_t id) {
  if (id <= 0) return fail(ErrorCode::invalid_argument, "{}: {} is not a valid id (ids are > 0)", field, id);
  return {};
}

}  // namespace vigil::hub::store
