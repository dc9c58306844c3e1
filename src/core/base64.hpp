// Base64 (RFC 4648 section 4: the standard alphabet, with '=' padding), for binary values carried in JSON
// text: the evidence spectra inside uplink records (docs/formats/uplink-records.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vigil {

std::string base64_encode(std::span<const std::uint8_t> bytes);

// Strict: the length is a multiple of 4, only the alphabet, padding only at the end (at most two), and the
// bits that padding leaves unused are zero (so every byte string has exactly one encoding). Errors (parse)
// name the offset of the first bad character.
Result<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace vigil
