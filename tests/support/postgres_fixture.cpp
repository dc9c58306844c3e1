// One throw-away PostgreSQL server for all the test processes of one ctest run (CTest fixture `postgres`),
// instead of an initdb and a server per test process:
//   postgres_fixture start DIR   starts a keeper in the background that runs the server in DIR and stops it
//                                when `stop` asks or when the ctest process that ran `start` is gone; returns
//                                once the server accepts connections (DIR/ready exists)
//   postgres_fixture stop DIR    asks the keeper to stop the server, waits, removes DIR
// Without PostgreSQL's binaries `start` succeeds without a server: the tests then skip, saying why.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/postgres_server.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int keep(const fs::path& dir, pid_t ctest) {
  auto server = vigil::test::PostgresServer::start_in(dir / "server");
  if (!server) {
    std::ofstream(dir / "failed") << server.error().message << '\n';
    return server.error().code == vigil::ErrorCode::not_found ? 0 : 1;
  }
  std::ofstream(dir / "ready") << (*server)->conninfo() << '\n';
  std::error_code ec;
  while (!fs::exists(dir / "stop", ec) && ::kill(ctest, 0) == 0) std::this_thread::sleep_for(200ms);
  fs::remove(dir / "ready", ec);
  server->reset();  // fast shutdown, the data folder removed
  std::ofstream(dir / "stopped") << "stopped\n";
  return 0;
}

int start(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "postgres_fixture: %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  const pid_t ctest = ::getppid();
  const pid_t keeper = ::fork();
  if (keeper < 0) return 1;
  if (keeper == 0) {
    ::setsid();  // not in ctest's process group: the fixture test's end does not end the server
    std::freopen("/dev/null", "r", stdin);
    std::freopen((dir / "keeper.log").c_str(), "w", stdout);
    std::freopen((dir / "keeper.log").c_str(), "a", stderr);
    std::_Exit(keep(dir, ctest));
  }
  for (auto until = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < until;) {
    if (fs::exists(dir / "ready", ec)) {
      std::printf("postgres_fixture: server ready in %s\n", (dir / "server").c_str());
      return 0;
    }
    int status = 0;
    if (::waitpid(keeper, &status, WNOHANG) == keeper) {
      std::ifstream why(dir / "failed");
      std::string line;
      std::getline(why, line);
      std::printf("postgres_fixture: no server (%s)\n", line.c_str());
      return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::fprintf(stderr, "postgres_fixture: the server was not ready within 60 s\n");
  ::kill(keeper, SIGKILL);
  return 1;
}

int stop(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "ready", ec)) {
    std::ofstream(dir / "stop") << "stop\n";
    for (auto until = std::chrono::steady_clock::now() + 30s;
         std::chrono::steady_clock::now() < until && !fs::exists(dir / "stopped", ec);)
      std::this_thread::sleep_for(50ms);
  }
  fs::remove_all(dir, ec);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::fprintf(stderr, "usage: postgres_fixture start|stop DIR\n");
    return 2;
  }
  return std::string(argv[1]) == "start" ? start(argv[2]) : stop(argv[2]);
}
