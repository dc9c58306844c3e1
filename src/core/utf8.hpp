// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), for text that
// comes from outside: Sparkplug names and strings, the hub's stored text.
#pragma once

#include <cstddef>
#include <string_view>

namespace vigil {

// Offset of the first byte that does not start a well-formed sequence (a truncated one included), or
// std::string_view::npos when all of `s` is well-formed.
std::size_t invalid_utf8_at(std::string_view s);

inline bool is_utf8(std::string_view s) { return invalid_utf8_at(s) == std::string_view::npos; }

}  // namespace vigil
