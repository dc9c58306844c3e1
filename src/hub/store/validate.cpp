#include "hub/store/validate.hpp"

#include <cmath>

#include "core/utf8.hpp"

namespace vigil::hub::store {

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
