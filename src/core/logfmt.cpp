#include "core/logfmt.hpp"

#include <ctime>

#include <fmt/core.h>

namespace vigil {
namespace {

std::string quoted_if_needed(const std::string& v) {
  if (!v.empty() && v.find_first_of(" \"=\t\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

std::string utc_iso(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

}  // namespace

std::string to_logfmt(const LogEvent& event, std::chrono::system_clock::time_point at) {
  std::string line =
      fmt::format("ts={} level={} event={}", utc_iso(at), event.level, quoted_if_needed(event.event));
  for (const auto& [k, v] : event.fields) line += fmt::format(" {}={}", k, quoted_if_needed(v));
  return line;
}

}  // namespace vigil
