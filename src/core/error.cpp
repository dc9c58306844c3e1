#include "core/error.hpp"

namespace vigil {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
      return "invalid argument";
    case ErrorCode::io:
      return "i/o error";
    case ErrorCode::parse:
      return "parse error";
    case ErrorCode::not_found:
      return "not found";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::out_of_range:
      return "out of range";
    case ErrorCode::internal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace vigil
