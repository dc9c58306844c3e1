// vigil-hub: the plant's Sparkplug host, store and API.
//   vigil-hub --config hub.toml                 run until SIGTERM/SIGINT (drains what was received)
//   vigil-hub --config hub.toml --check-config  list every problem of the file, exit 2 if any
// Exit status: 0 success, 2 bad configuration or options, 3 the store or the operating system refused.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "core/logfmt.hpp"
#include "hub/config.hpp"
#include "hub/hub.hpp"

namespace {

constexpr int k_exit_ok = 0;
constexpr int k_exit_input = 2;
constexpr int k_exit_io = 3;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vigil-hub: the plant's hub. A Sparkplug B 3.0 host application that receives what the edge agents "
      "decide, stores it (SQLite, or PostgreSQL for a larger plant), acknowledges stored records to the "
      "edges, "
      "and serves the fleet, twins, alarms and work list over an authenticated API.\n"
      "Signals: SIGTERM/SIGINT store and acknowledge what was received, publish the host's death STATE and "
      "exit.\n"
      "Configuration: docs/hub-config.md; example: deploy/hub.toml."};
  std::filesystem::path config_path;
  bool check_only = false;
  double duration_s = 0;
  app.add_option("--config", config_path, "hub.toml")->required();
  app.add_flag("--check-config", check_only, "List every problem of the configuration and exit (2 if any)");
  app.add_option("--duration", duration_s, "Stop after this many seconds (0 = until a signal)")
      ->check(CLI::NonNegativeNumber);
  app.set_version_flag("--version", "vigil-hub 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : k_exit_input;
  }

  const vigil::hub::HubConfigCheck check = vigil::hub::check_hub_config_file(config_path);
  if (!check.config) {
    fmt::print(stderr, "{}\n", vigil::config::format_problems(config_path, check.problems));
    fmt::print(stderr, "vigil-hub: {} problem(s) in {}\n", check.problems.size(), config_path.string());
    return k_exit_input;
  }
  const vigil::hub::HubConfig& config = *check.config;
  if (check_only) {
    fmt::print("{}: ok (host {}, broker {}:{}, store {})\n", config_path.string(), config.host.id,
               config.broker.host, config.broker.port, vigil::hub::store::to_string(config.store.engine));
    return k_exit_ok;
  }

  // Signals are taken synchronously by this thread; every thread the hub starts inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::mutex log_mutex;
  auto log = [&log_mutex](std::string_view level, std::string_view event, std::string_view detail) {
    vigil::LogEvent e{std::string(level), std::string(event), {}};
    if (!detail.empty()) e.fields.emplace_back("detail", std::string(detail));
    std::lock_guard lock(log_mutex);
    fmt::print(stderr, "{}\n", vigil::to_logfmt(e, std::chrono::system_clock::now()));
    std::fflush(stderr);
  };

  auto hub = vigil::hub::Hub::create(config, log);
  if (!hub) {
    fmt::print(stderr, "vigil-hub: {}\n", hub.error().message);
    return hub.error().code == vigil::ErrorCode::invalid_argument ? k_exit_input : k_exit_io;
  }
  if (const auto& password = (*hub)->first_admin_password()) {
    // Printed once, on the console of whoever started the hub on an empty store; never logged or stored.
    fmt::print(
        "vigil-hub: first start: user admin, one-time password {} (change it: PATCH /api/v1/users/1)\n",
        *password);
    std::fflush(stdout);
  }
  if (auto ok = (*hub)->start(); !ok) {
    fmt::print(stderr, "vigil-hub: {}\n", ok.error().message);
    return k_exit_io;
  }
  log("info", "started",
      fmt::format("host {} store {}", config.host.id, vigil::hub::store::to_string(config.store.engine)));

  const auto started = std::chrono::steady_clock::now();
  for (;;) {
    const timespec tick{.tv_sec = 1, .tv_nsec = 0};
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      log("info", "stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    (*hub)->tick(static_cast<std::int64_t>(vigil::hub::wall_clock_ms()));
    if (duration_s > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= duration_s)
      break;
  }
  (*hub)->stop();
  const auto& s = (*hub)->stats();
  log("info", "stopped",
      fmt::format("{} messages, {} values stored, {} records acknowledged", s.messages_received.load(),
                  s.values_stored.load(), s.records_acknowledged.load()));
  return k_exit_ok;
}
