// Errors and results shared by every component: a failure is a value (code + a message that
// tells the user what to fix), never an exception crossing a component boundary.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/core.h>

namespace vigil {

enum class ErrorCode {
  invalid_argument,  // a caller passed a value outside the documented domain
  io,                // the operating system refused (open, read, write)
  parse,             // outside bytes are malformed
  not_found,         // a named thing (file, variable, channel, bearing) does not exist
  unsupported,       // well-formed, but a variant we do not handle
  out_of_range,      // a value is outside a physical or configured limit
  internal,          // a library we wrap failed unexpectedly
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;  // complete sentence fragment with context: "105.mat: variable ... "

  // The message prefixed with `context` ("file.csv: line 3: ...").
  Error with_context(std::string_view context) const {
    return Error{code, fmt::format("{}: {}", context, message)};
  }
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

// Builds an unexpected Error from a format string: `return fail(ErrorCode::parse, "line {}: ...", n);`
template <typename... Args>
std::unexpected<Error> fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected(Error{code, fmt::format(format, std::forward<Args>(args)...)});
}

}  // namespace vigil
