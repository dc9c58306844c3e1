#include "io/text_input.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <system_error>

#include "io/recording.hpp"

namespace vigil::io::detail {

Result<std::string> read_input_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return fail(ErrorCode::not_found, "{}: no such file", path.string());
  }
  if (!std::filesystem::is_regular_file(status)) {
    return fail(ErrorCode::io, "{}: not a regular file", path.string());
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return fail(ErrorCode::io, "{}: cannot get size: {}", path.string(), ec.message());
  if (size > k_max_input_bytes) {
    return fail(ErrorCode::out_of_range, "{}: {} bytes, more than the {} byte input limit", path.string(),
                size, k_max_input_bytes);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io, "{}: cannot open for reading", path.string());
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    return fail(ErrorCode::io, "{}: read {} of {} bytes", path.string(), in.gcount(), size);
  }
  return bytes;
}

Status check_input_size(std::size_t bytes, std::string_view name) {
  if (bytes > k_max_input_bytes) {
    return fail(ErrorCode::out_of_range, "{}: {} bytes, more than the {} byte input limit", name, bytes,
                k_max_input_bytes);
  }
  return {};
}

bool LineReader::next(std::string_view& line) {
  if (done_ || rest_.empty()) {
    done_ = true;
    return false;
  }
  const std::size_t nl = rest_.find('\n');
  if (nl == std::string_view::npos) {
    line = rest_;
    rest_ = {};
    done_ = true;
  } else {
    line = rest_.substr(0, nl);
    rest_.remove_prefix(nl + 1);
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++line_number_;
  return true;
}

std::string_view trim(std::string_view s) {
  const auto is_blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::expected<double, std::string_view> parse_number(std::string_view field) {
  field = trim(field);
  if (field.empty()) return std::unexpected(std::string_view("empty field"));
  // std::from_chars takes '-' but not '+'; a '+' must be followed by a digit or '.'.
  if (field.front() == '+') {
    field.remove_prefix(1);
    if (field.empty() || field.front() == '-' || field.front() == '+') {
      return std::unexpected(std::string_view("not a number"));
    }
  }
  // Refuse "inf", "nan" and hex forms up front: from_chars would accept the first two.
  const char first = field.front() == '-' && field.size() > 1 ? field[1] : field.front();
  if (!((first >= '0' && first <= '9') || first == '.')) {
    return std::unexpected(std::string_view("not a number"));
  }
  double value = 0.0;
  const auto [end, ec] =
      std::from_chars(field.data(), field.data() + field.size(), value, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return std::unexpected(std::string_view("out of range"));
  if (ec != std::errc() || end != field.data() + field.size()) {
    return std::unexpected(std::string_view("not a number"));
  }
  if (!std::isfinite(value)) return std::unexpected(std::string_view("not finite"));
  return value;
}

std::expected<float, std::string_view> parse_sample(std::string_view field) {
  const auto value = parse_number(field);
  if (!value) return std::unexpected(value.error());
  if (std::fabs(*value) > static_cast<double>(std::numeric_limits<float>::max())) {
    return std::unexpected(std::string_view("outside the float range"));
  }
  return static_cast<float>(*value);
}

std::string quote_field(std::string_view s, std::size_t max_chars) {
  std::string out;
  out.reserve(std::min(s.size(), max_chars) + 5);
  out.push_back('\'');
  for (std::size_t i = 0; i < s.size() && i < max_chars; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (s.size() > max_chars) out += "...";
  out.push_back('\'');
  return out;
}

}  // namespace vigil::io::detail
