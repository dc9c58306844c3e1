// One error boundary for every `vigil` command: how an Error becomes a message on stderr and an exit status.
//   0  success
//   2  the input is wrong: a bad option or value, a file or bundle that is missing, malformed, of another
//      kind, or not usable (ErrorCode invalid_argument, parse, not_found, unsupported, out_of_range; and
//      every command-line usage error)
//   3  the operating system refused a read or write (ErrorCode io)
//   4  a library failed unexpectedly (ErrorCode internal)
#pragma once

#include <string_view>

#include "core/error.hpp"

namespace vigil::cli {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_input = 2;
inline constexpr int k_exit_io = 3;
inline constexpr int k_exit_internal = 4;

int exit_code(ErrorCode code);

// Prints "vigil <command>: <message>" to stderr and returns exit_code(error.code).
int report_error(std::string_view command, const Error& error);

}  // namespace vigil::cli
