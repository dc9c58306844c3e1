#include "support/postgres_server.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/server_process.hpp"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Who initdb and the server run as: ourselves, or `nobody` when we are root.
Result<std::optional<Identity>> server_identity() {
  if (::geteuid() != 0) return std::nullopt;
  const passwd* pw = ::getpwnam("nobody");
  if (pw == nullptr)
    return fail(ErrorCode::not_found, "running as root and there is no user `nobody` to run PostgreSQL as");
  return Identity{pw->pw_uid, pw->pw_gid};
}

}  // namespace

Result<fs::path> PostgresServer::find_binaries() {
  const auto usable = [](const fs::path& dir) {
    return ::access((dir / "initdb").c_str(), X_OK) == 0 && ::access((dir / "postgres").c_str(), X_OK) == 0;
  };
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (usable(entry.path() / "bin")) candidates.push_back(entry.path() / "bin");
  // Newest major version first ("15" > "9.6" numerically).
  std::ranges::sort(candidates, [](const fs::path& a, const fs::path& b) {
    return std::atof(a.parent_path().filename().c_str()) > std::atof(b.parent_path().filename().c_str());
  });
  if (!candidates.empty()) return candidates.front();
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');)
      if (!dir.empty() && usable(dir)) return fs::path(dir);
  }
  return fail(
      ErrorCode::not_found,
      "PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or the PATH; "
      "install Debian's postgresql package");
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start() {
  std::string pattern = (fs::temp_directory_path() / "vigil-postgres-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return fail(ErrorCode::io, "mkdtemp {}: {}", pattern, std::strerror(errno));
  return start_in(pattern);
}

std::unique_ptr<PostgresServer> PostgresServer::attach(const fs::path& dir) {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->dir_ = dir;
  server->owned_ = false;
  return server;
}

std::optional<fs::path> PostgresServer::shared_dir() {
  const char* dir = std::getenv("VIGIL_TEST_POSTGRES");
  if (dir == nullptr || *dir == 0) return std::nullopt;
  std::error_code ec;
  if (!fs::exists(fs::path(dir) / "ready", ec)) return std::nullopt;
  return fs::path(dir) / "server";  // where postgres_fixture runs it
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start_in(const fs::path& dir) {
  auto bin = find_binaries();
  if (!bin) return std::unexpected(bin.error());
  auto as = server_identity();
  if (!as) return std::unexpected(as.error());
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_ = *bin;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::io, "{}: {}", dir.string(), ec.message());
  const std::string pattern = dir.string();
  server->dir_ = dir;
  if (*as && ::chown(pattern.c_str(), (*as)->uid, (*as)->gid) != 0)
    return fail(ErrorCode::io, "chown {} to nobody: {}", pattern, std::strerror(errno));
  // -N: no fsync of the new cluster (a throw-away one); trust: the socket is in a private folder.
  auto initdb = spawn_server({(server->bin_ / "initdb").string(), "-D", (server->dir_ / "data").string(),
                              "-U", "vigil", "--auth=trust", "-E", "UTF8", "--locale=C", "-N"},
                             server->dir_ / "server.log", *as);
  if (!initdb) return std::unexpected(initdb.error());
  int status = 0;
  ::waitpid(*initdb, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail(ErrorCode::internal, "initdb failed (status {}): {}", status, server->log());
  if (auto ok = server->launch(); !ok) return std::unexpected(ok.error());
  return server;
}

PostgresServer::~PostgresServer() {
  if (!owned_) return;
  stop();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PostgresServer::conninfo(std::string_view database) const {
  return fmt::format("host={} user=vigil dbname={} connect_timeout=10", dir_.string(), database);
}

Status PostgresServer::launch() {
  auto as = server_identity();
  if (!as) return std::unexpected(as.error());
  // Only the Unix socket in our folder (listen_addresses empty: no TCP). fsync off: the tests need no
  // durability across a power cut, and a commit still reaches the kernel before it returns, so a killed
  // server loses nothing committed.
  auto pid = spawn_server({(bin_ / "postgres").string(), "-D", (dir_ / "data").string(), "-k", dir_.string(),
                           "-c", "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off"},
                          dir_ / "server.log", *as);
  if (!pid) return std::unexpected(pid.error());
  pid_ = *pid;
  const std::string info = conninfo();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return fail(ErrorCode::internal, "postgres exited at start (status {}): {}", status, log());
    }
    if (PQping(info.c_str()) == PQPING_OK) return {};
    std::this_thread::sleep_for(20ms);
  }
  stop();
  return fail(ErrorCode::internal, "postgres did not accept connections on {} within 30 s: {}", dir_.string(),
              log());
}

void PostgresServer::stop() {
  stop_server(pid_, SIGINT, 10s);  // fast shutdown: disconnects clients, rolls back, checkpoints
}

Status PostgresServer::restart() {
  if (!owned_)
    return fail(ErrorCode::unsupported, "a shared server ({}) is not restarted by a test", dir_.string());
  stop();
  return launch();
}

Result<std::string> PostgresServer::create_database(std::string_view name) {
  if (name.empty() || !std::ranges::all_of(name, [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
      }))
    return fail(ErrorCode::invalid_argument, "database name \"{}\": letters, digits and underscores only",
                name);
  PGconn* raw = PQconnectdb(conninfo().c_str());
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(raw, &PQfinish);
  if (PQstatus(raw) != CONNECTION_OK) return fail(ErrorCode::io, "postgres: {}", PQerrorMessage(raw));
  std::unique_ptr<PGresult, decltype(&PQclear)> r(
      PQexec(raw, fmt::format("CREATE DATABASE {}", name).c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    return fail(ErrorCode::internal, "CREATE DATABASE {}: {}", name, PQresultErrorMessage(r.get()));
  return conninfo(name);
}

std::string PostgresServer::log() const { return read_file(dir_ / "server.log"); }

}  // namespace vigil::test
