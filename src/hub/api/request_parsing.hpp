// Parsing of what a client sends the API: the request target (percent-decoding, the query string), query
// parameters as bounded integers, and JSON bodies as objects with only known fields of the right types.
// Every error names the parameter or field and what is wrong; nothing here trusts its input.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace vigil::hub::api {

inline constexpr int k_max_json_depth = 32;

// RFC 3986 percent-decoding ('+' is kept as is); a bad escape or a NUL byte fails, naming `what`.
Result<std::string> percent_decode(std::string_view text, std::string_view what);
// "a=1&b=x%20y" → {a: "1", b: "x y"}; a repeated name fails.
Result<std::map<std::string, std::string>> parse_query(std::string_view query);
// The path split at '/' into decoded segments ("/a/b%2Fc" → {"a", "b/c"}); an empty segment fails.
Result<std::vector<std::string>> split_path(std::string_view path);

// The query parameter `name` as an integer in [min, max]; `fallback` when absent.
Result<std::int64_t> query_int(const std::map<std::string, std::string>& query, std::string_view name,
                               std::int64_t fallback, std::int64_t min, std::int64_t max);

// The body as a JSON object: valid JSON (UTF-8 strings), nested at most k_max_json_depth deep.
Result<nlohmann::json> parse_json_object(std::string_view body);
// Fails naming the first field of `object` that is not in `allowed`.
Status only_fields(const nlohmann::json& object, std::span<const std::string_view> allowed);
inline Status only_fields(const nlohmann::json& object, std::initializer_list<std::string_view> allowed) {
  return only_fields(object, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}
// Field readers: nullopt when the field is absent; a wrong type, a string that is not valid text (NUL,
// longer than max_bytes) or an integer outside [min, max] fails naming the field.
Result<std::optional<std::string>> string_field(const nlohmann::json& object, std::string_view name,
                                                std::size_t max_bytes);
Result<std::optional<std::int64_t>> int_field(const nlohmann::json& object, std::string_view name,
                                              std::int64_t min, std::int64_t max);
Result<std::optional<bool>> bool_field(const nlohmann::json& object, std::string_view name);
// The same, for a field that must be present.
Result<std::string> required_string(const nlohmann::json& object, std::string_view name,
                                    std::size_t max_bytes);

}  // namespace vigil::hub::api
