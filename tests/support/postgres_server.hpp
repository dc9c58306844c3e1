// A throw-away PostgreSQL server for tests: initdb into a temporary folder, the server started from Debian's
// postgresql binaries listening only on a Unix socket in that folder (no TCP), trust authentication for
// the user `vigil`; stopped, reaped and the folder removed on every path (destructor; and it dies with the
// test process, through PR_SET_PDEATHSIG). PostgreSQL refuses to run as root, so when the tests run as
// root the folder is handed to the unprivileged user `nobody` and initdb and the server run as that user.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "core/error.hpp"

namespace vigil::test {

class PostgresServer {
 public:
  // The folder holding initdb and postgres: the newest /usr/lib/postgresql/<version>/bin, else the PATH.
  // not_found when absent (tests skip then).
  static Result<std::filesystem::path> find_binaries();

  // initdb (about 1 s) and start; waits until the server accepts connections (at most 30 s). In a new
  // temporary folder, or in `dir` (created; emptied first).
  static Result<std::unique_ptr<PostgresServer>> start();
  static Result<std::unique_ptr<PostgresServer>> start_in(const std::filesystem::path& dir);
  // A server another process runs in `dir` (tests/support/postgres_fixture.cpp, shared by the test processes
  // ctest starts): used, never stopped or restarted by this object.
  static std::unique_ptr<PostgresServer> attach(const std::filesystem::path& dir);
  // The folder of the server that VIGIL_TEST_POSTGRES names, when one is running there.
  static std::optional<std::filesystem::path> shared_dir();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Fast shutdown (SIGINT), SIGKILL after 10 s; reaps the process. Idempotent.
  void stop();
  // Starts it again on the same data folder (after stop()).
  Status restart();

  // A libpq connection string for `database` on this server.
  std::string conninfo(std::string_view database = "postgres") const;
  // Creates an empty database (name: letters, digits, underscores) and returns its connection string.
  Result<std::string> create_database(std::string_view name);
  std::string log() const;  // everything initdb and the server printed

 private:
  PostgresServer() = default;
  Status launch();

  std::filesystem::path bin_, dir_;
  pid_t pid_ = -1;
  bool owned_ = true;  // false: attached to another process's server
};

}  // namespace vigil::test
