// The structured log of the daemons (vigil-edge, vigil-hub): one logfmt line per event,
// "ts=2026-12-03T10:00:00.000Z level=info event=connected key=value ...", values quoted when they hold
// spaces, quotes or '='.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace vigil {

struct LogEvent {
  std::string level;  // "info", "warn", "error"
  std::string event;  // "level_change", "connected", "reload", ...
  std::vector<std::pair<std::string, std::string>> fields;
};

// The event as a logfmt line, without newline.
std::string to_logfmt(const LogEvent& event, std::chrono::system_clock::time_point at);

}  // namespace vigil
