// Checks of the values the hub hands to its store, before any SQL runs: ids and texts are valid UTF-8
// without NUL bytes and within a size limit, numbers are finite. Errors name the field and what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"

namespace vigil::hub::store {

inline constexpr std::size_t k_max_id_bytes = 256;        // Sparkplug ids, metric and place names, actors
inline constexpr std::size_t k_max_text_bytes = 1024;     // asset metadata fields
inline constexpr std::size_t k_max_detail_bytes = 65536;  // an audit entry's detail

// A name that identifies something: 1..k_max_id_bytes bytes.
Status check_id(std::string_view field, std::string_view value);
// Free text: 0..max_bytes bytes.
Status check_text(std::string_view field, std::string_view value, std::size_t max_bytes);
Status check_finite(std::string_view field, double value);
// A row id handed back by the store: > 0.
Status check_row_id(std::string_view field, std::int64_t id);

}  // namespace vigil::hub::store
