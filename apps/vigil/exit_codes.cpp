#include "exit_codes.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace vigil::cli {

int exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::parse:
    case ErrorCode::not_found:
    case ErrorCode::unsupported:
    case ErrorCode::out_of_range:
      return k_exit_input;
    case ErrorCode::io:
      return k_exit_io;
    case ErrorCode::internal:
      return k_exit_internal;
  }
  return k_exit_internal;
}

int report_error(std::string_view command, const Error& error) {
  fmt::print(stderr, "vigil {}: {}\n", command, error.message);
  return exit_code(error.code);
}

}  // namespace vigil::cli
