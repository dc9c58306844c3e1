// Internal to vigil_io: bounded file loading, line splitting (LF or CRLF) and strict number parsing
// shared by the text readers (FEMTO, IMS, CSV signal, catalog). Not part of the public interface.
#pragma once

#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vigil::io::detail {

// The whole file as bytes; refuses files above k_max_input_bytes before reading them.
Result<std::string> read_input_file(const std::filesystem::path& path);

// Refuses in-memory input above k_max_input_bytes (message names `name`).
Status check_input_size(std::size_t bytes, std::string_view name);

// Splits text into lines at '\n'; a '\r' before it (CRLF) is dropped. Line numbers start at 1.
// A final line without '\n' is returned; an empty tail after the last '\n' is not.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}
  bool next(std::string_view& line);
  std::size_t line_number() const { return line_number_; }

 private:
  std::string_view rest_;
  std::size_t line_number_ = 0;
  bool done_ = false;
};

// Without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);

// A decimal number, whole field (after trim): optional sign ('+' accepted), digits, optional
// fraction and exponent of any width ("1.6562e+005"). The error is a short reason for messages.
std::expected<double, std::string_view> parse_number(std::string_view field);

// parse_number, then checked to fit a float sample (|x| <= FLT_MAX).
std::expected<float, std::string_view> parse_sample(std::string_view field);

// At most `max_chars` of `s`, with "..." when cut, for quoting outside bytes in messages.
std::string quote_field(std::string_view s, std::size_t max_chars = 40);

}  // namespace vigil::io::detail
