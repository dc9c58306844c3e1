#include "hub/api/request_parsing.hpp"

#include <charconv>

#include "core/utf8.hpp"

namespace vigil::hub::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The deepest nesting of arrays and objects in `text`, outside strings (a cheap scan, so a body of a
// million '[' is refused before the parser recurses into it).
int json_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return fail(ErrorCode::parse, "{}: bad percent-escape at byte {}", what, i);
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (out.find('\0') != std::string::npos) return fail(ErrorCode::parse, "{}: contains a NUL byte", what);
  return out;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), "query parameter name");
    if (!name) return std::unexpected(name.error());
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1),
                                fmt::format("query parameter {}", *name));
    if (!value) return std::unexpected(value.error());
    if (!out.emplace(*name, std::move(*value)).second)
      return fail(ErrorCode::parse, "query parameter {}: given twice", *name);
  }
  return out;
}

Result<std::vector<std::string>> split_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return fail(ErrorCode::parse, "path: does not start with '/'");
  std::vector<std::string> out;
  path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    auto segment = percent_decode(path.substr(0, slash), "path");
    if (!segment) return std::unexpected(segment.error());
    if (segment->empty()) return fail(ErrorCode::parse, "path: empty segment");
    out.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

Result<std::int64_t> query_int(const std::map<std::string, std::string>& query, std::string_view name,
                               std::int64_t fallback, std::int64_t min, std::int64_t max) {
  const auto it = query.find(std::string(name));
  if (it == query.end()) return fallback;
  const std::string& text = it->second;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return fail(ErrorCode::invalid_argument, "query parameter {}: '{}' is not an integer", name,
                is_utf8(text) && text.size() <= 32 ? text : std::string("(unprintable)"));
  if (value < min || value > max)
    return fail(ErrorCode::invalid_argument, "query parameter {}: {} is outside {}..{}", name, value, min,
                max);
  return value;
}

Result<nlohmann::json> parse_json_object(std::string_view body) {
  if (json_depth(body) > k_max_json_depth)
    return fail(ErrorCode::parse, "body: JSON nested deeper than {} levels", k_max_json_depth);
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) {
    // Parse again with exceptions for the position of the error (only on this error path).
    try {
      [[maybe_unused]] const auto unused = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
      return fail(ErrorCode::parse, "body: not valid JSON (at byte {})", e.byte);
    }
    return fail(ErrorCode::parse, "body: not valid JSON");
  }
  if (!json.is_object()) return fail(ErrorCode::parse, "body: expected a JSON object");
  return json;
}

Status only_fields(const nlohmann::json& object, std::span<const std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const auto name : allowed) known = known || key == name;
    if (!known)
      return fail(ErrorCode::invalid_argument, "field {}: unknown",
                  key.size() <= 64 ? nlohmann::json(key).dump() : std::string("(a long name)"));
  }
  return {};
}

Result<std::optional<std::string>> string_field(const nlohmann::json& object, std::string_view name,
                                                std::size_t max_bytes) {
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (!it->is_string()) return fail(ErrorCode::invalid_argument, "field {}: expected a string", name);
  const auto& text = it->get_ref<const std::string&>();
  if (text.size() > max_bytes)
    return fail(ErrorCode::invalid_argument, "field {}: {} bytes, at most {}", name, text.size(), max_bytes);
  if (text.find('\0') != std::string::npos)
    return fail(ErrorCode::invalid_argument, "field {}: contains a NUL character", name);
  if (!is_utf8(text)) return fail(ErrorCode::invalid_argument, "field {}: not valid UTF-8", name);
  return text;
}

Result<std::optional<std::int64_t>> int_field(const nlohmann::json& object, std::string_view name,
                                              std::int64_t min, std::int64_t max) {
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (!it->is_number_integer())
    return fail(ErrorCode::invalid_argument, "field {}: expected an integer", name);
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    return fail(ErrorCode::invalid_argument, "field {}: {} is outside {}..{}", name, it->get<std::uint64_t>(),
                min, max);
  const auto value = it->get<std::int64_t>();
  if (value < min || value > max)
    return fail(ErrorCode::invalid_argument, "field {}: {} is outside {}..{}", name, value, min, max);
  return value;
}

Result<std::optional<bool>> bool_field(const nlohmann::json& object, std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (!it->is_boolean()) return fail(ErrorCode::invalid_argument, "field {}: expected true or false", name);
  return it->get<bool>();
}

Result<std::string> required_string(const nlohmann::json& object, std::string_view name,
                                    std::size_t max_bytes) {
  auto text = string_field(object, name, max_bytes);
  if (!text) return std::unexpected(text.error());
  if (!*text) return fail(ErrorCode::invalid_argument, "field {}: missing", name);
  return std::move(**text);
}

}  // namespace vigil::hub::api
