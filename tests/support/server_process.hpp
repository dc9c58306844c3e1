// A server program run by a test (Mosquitto, PostgreSQL): started with its output appended to a log file,
// killed by the kernel if the test process dies (PR_SET_PDEATHSIG), stopped and reaped on request.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "core/error.hpp"

namespace vigil::test {

// A user to run the server as (PostgreSQL refuses to run as root).
struct Identity {
  uid_t uid;
  gid_t gid;
};

// fork + exec of args (args[0] looked up on PATH when it has no '/'), stdout and stderr appended to
// log_path, as `as` when given. Only async-signal-safe calls in the child.
Result<pid_t> spawn_server(const std::vector<std::string>& args, const std::filesystem::path& log_path,
                           std::optional<Identity> as = std::nullopt);

// Sends `signal`, waits up to `grace` for the process to exit, then SIGKILL; reaps it and sets pid to -1.
// Nothing when pid <= 0.
void stop_server(pid_t& pid, int signal, std::chrono::milliseconds grace);

// The whole file, empty when it cannot be read (a server's log).
std::string read_file(const std::filesystem::path& path);

}  // namespace vigil::test
