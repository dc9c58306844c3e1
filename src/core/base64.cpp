#include "core/base64.hpp"

#include <array>

namespace vigil {
namespace {

constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> k_values = [] {
  std::array<std::int8_t, 256> v{};
  v.fill(-1);
  for (std::size_t i = 0; i < k_alphabet.size(); ++i)
    v[static_cast<unsigned char>(k_alphabet[i])] = std::int8_t(i);
  return v;
}();

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = std::uint32_t(bytes[i]) << 16 | std::uint32_t(bytes[i + 1]) << 8 | bytes[i + 2];
    for (int shift : {18, 12, 6, 0}) out += k_alphabet[(n >> shift) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = std::uint32_t(bytes[i]) << 16;
    if (rest == 2) n |= std::uint32_t(bytes[i + 1]) << 8;
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += rest == 2 ? k_alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return fail(ErrorCode::parse, "base64: length {} is not a multiple of 4", text.size());
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t data_chars = last ? 4 - padding : 4;
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      int value = 0;
      if (k < data_chars) {
        value = k_values[static_cast<unsigned char>(c)];
        if (value < 0) return fail(ErrorCode::parse, "base64: character {} is not in the alphabet", i + k);
      } else if (c != '=') {
        return fail(ErrorCode::parse, "base64: character {} should be padding", i + k);
      }
      n = n << 6 | std::uint32_t(value);
    }
    out.push_back(std::uint8_t(n >> 16));
    if (data_chars >= 3) out.push_back(std::uint8_t(n >> 8));
    if (data_chars == 4) out.push_back(std::uint8_t(n));
    const std::uint32_t unused = data_chars == 2 ? (n & 0xFFFF) : data_chars == 3 ? (n & 0xFF) : 0;
    if (unused != 0) return fail(ErrorCode::parse, "base64: padding bits at {} are not zero", i);
  }
  return out;
}

}  // namespace vigil
