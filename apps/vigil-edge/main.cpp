// vigil-edge: watches machines live, decides alone on every window, reports what it decided.
//   vigil-edge --config edge.toml                 run until SIGTERM/SIGINT (drains), SIGHUP reloads
//   vigil-edge --config edge.toml --check-config  list every problem of the file, exit 2 if any
//   vigil-edge --config edge.toml --status        the running agent's state, for a person at a console
// Exit status: 0 success, 2 bad configuration or options, 3 the operating system refused (storage).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "edge/agent.hpp"
#include "edge/config.hpp"

namespace {

constexpr int k_exit_ok = 0;
constexpr int k_exit_input = 2;
constexpr int k_exit_io = 3;

const char* k_status_file = "status.json";

int exit_code(vigil::ErrorCode code) {
  return code == vigil::ErrorCode::io ? k_exit_io : code == vigil::ErrorCode::internal ? 4 : k_exit_input;
}

int report(const vigil::Error& e) {
  fmt::print(stderr, "vigil-edge: {}\n", e.message);
  return exit_code(e.code);
}

// Writes the status atomically (a reader never sees half a file).
bool write_status(const std::filesystem::path& dir, const nlohmann::json& status) {
  const auto tmp = dir / "status.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << status.dump(2) << '\n';
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dir / k_status_file, ec);
  return !ec;
}

int print_status(const vigil::edge::EdgeConfig& config) {
  const auto path = config.storage.dir / k_status_file;
  std::ifstream in(path);
  if (!in) {
    fmt::print(stderr, "vigil-edge: {}: no status; is the agent running with this configuration?\n",
               path.string());
    return k_exit_io;
  }
  nlohmann::json s = nlohmann::json::parse(in, nullptr, false);
  if (s.is_discarded() || !s.contains("assets")) {
    fmt::print(stderr, "vigil-edge: {}: not a status file\n", path.string());
    return k_exit_input;
  }
  std::error_code ec;
  const auto age = std::filesystem::file_time_type::clock::now() - std::filesystem::last_write_time(path, ec);
  const double age_s = std::chrono::duration<double>(age).count();
  fmt::print("node {}/{}  up {:.0f} s{}\n", s["node"].value("group", ""), s["node"].value("id", ""),
             s.value("uptime_s", 0.0),
             age_s > 5 ? fmt::format("  (status is {:.0f} s old: agent stopped?)", age_s) : "");
  fmt::print("{:<12} {:<8} {:<22} {:>8} {:>4} {:>9}  {}\n", "asset", "level", "NE 107", "mm/s", "ISO",
             "windows", "decision");
  for (const auto& a : s["assets"]) {
    fmt::print("{:<12} {:<8} {:<22} {:>8.2f} {:>4} {:>9}  {}\n", a.value("id", ""), a.value("level", ""),
               a.value("ne107", ""), a.value("velocity_rms_mm_s", 0.0), a.value("iso_zone", ""),
               a.value("windows", 0), a.value("decision", ""));
  }
  for (const auto& c : s["channels"]) {
    if (c.value("blocks_dropped", 0) > 0 || c.value("window_errors", 0) > 0) {
      fmt::print("channel of {}: {} blocks dropped, {} windows failed\n", c.value("asset", ""),
                 c.value("blocks_dropped", 0), c.value("window_errors", 0));
    }
  }
  return k_exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vigil-edge: the edge agent. Reads vibration from sensor nodes (or simulates a channel), decides on "
      "every window with physics, ISO severity and the asset's models, and reports what it decided.\n"
      "Signals: SIGTERM/SIGINT stop after deciding every sample received; SIGHUP checks the configuration "
      "and "
      "reloads the model bundles (a bad file or bundle is refused and the running one kept; other changes "
      "take effect at the next start).\n"
      "Configuration: docs/edge-config.md; example: deploy/edge.toml."};
  std::filesystem::path config_path;
  bool check_only = false;
  bool status_only = false;
  double time_scale = 1;
  double duration_s = 0;
  app.add_option("--config", config_path, "edge.toml")->required();
  app.add_flag("--check-config", check_only, "List every problem of the configuration and exit (2 if any)");
  app.add_flag("--status", status_only, "Print the running agent's state and exit");
  std::string rebaseline_asset;
  app.add_option(
      "--rebaseline", rebaseline_asset,
      "Ask the running agent to forget ASSET's commissioned model and learn its normal again (after a "
      "repair)");
  app.add_option("--time-scale", time_scale, "Simulated channels run this many times faster than real time")
      ->check(CLI::PositiveNumber);
  app.add_option("--duration", duration_s, "Stop after this many seconds (0 = until a signal)")
      ->check(CLI::NonNegativeNumber);
  app.set_version_flag("--version", "vigil-edge 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : k_exit_input;
  }
  if (int(check_only) + int(status_only) + int(!rebaseline_asset.empty()) > 1) {
    fmt::print(stderr,
               "vigil-edge: --check-config, --status and --rebaseline are separate modes; give one\n");
    return k_exit_input;
  }

  const vigil::edge::ConfigCheck check = vigil::edge::check_config_file(config_path);
  if (!check.config) {
    fmt::print(stderr, "{}\n", vigil::edge::format_problems(config_path, check.problems));
    fmt::print(stderr, "vigil-edge: {} problem(s) in {}\n", check.problems.size(), config_path.string());
    return k_exit_input;
  }
  if (check_only) {
    fmt::print("{}: ok ({} assets, {} channels)\n", config_path.string(), check.config->assets.size(),
               check.config->channels.size());
    return k_exit_ok;
  }
  if (status_only) return print_status(*check.config);
  if (!rebaseline_asset.empty()) {
    if (!check.config->find_asset(rebaseline_asset)) {
      fmt::print(stderr, "vigil-edge: --rebaseline: no asset '{}' in {}\n", rebaseline_asset,
                 config_path.string());
      return k_exit_input;
    }
    // The running agent picks the request up within a second (Agent::tick).
    const auto request = check.config->storage.dir / fmt::format("rebaseline-{}.request", rebaseline_asset);
    if (!std::ofstream(request)) {
      fmt::print(stderr, "vigil-edge: cannot write {}\n", request.string());
      return k_exit_io;
    }
    fmt::print("asked the agent to re-baseline {} ({})\n", rebaseline_asset, request.string());
    return k_exit_ok;
  }

  std::error_code ec;
  std::filesystem::create_directories(check.config->storage.dir, ec);
  if (ec) {
    fmt::print(stderr, "vigil-edge: storage dir {}: {}\n", check.config->storage.dir.string(), ec.message());
    return k_exit_io;
  }

  // Signals are taken synchronously by this thread; every thread the agent starts inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::mutex log_mutex;
  auto log = [&log_mutex](const vigil::edge::LogEvent& e) {
    std::lock_guard lock(log_mutex);
    fmt::print(stderr, "{}\n", vigil::edge::to_logfmt(e, std::chrono::system_clock::now()));
    std::fflush(stderr);
  };
  auto agent = vigil::edge::Agent::create(*check.config, {.time_scale = time_scale}, log);
  if (!agent) return report(agent.error());
  (*agent)->start();

  const auto started = std::chrono::steady_clock::now();
  for (;;) {
    if (!write_status(check.config->storage.dir, (*agent)->status())) {
      log({"error", "status_write_failed", {{"dir", check.config->storage.dir.string()}}});
    }
    (*agent)->tick();
    const timespec tick{.tv_sec = 1, .tv_nsec = 0};
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      log({"info", "stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}}});
      break;
    }
    if (sig == SIGHUP) {
      const vigil::edge::ConfigCheck next = vigil::edge::check_config_file(config_path);
      if (!next.config) {
        log({"error",
             "reload_refused",
             {{"problems", vigil::edge::format_problems(config_path, next.problems)}}});
      } else if (auto ok = (*agent)->reload(*next.config); !ok) {
        log({"error", "reload_refused", {{"why", ok.error().message}}});
      }
    }
    if (duration_s > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= duration_s) {
      break;
    }
  }
  (*agent)->stop();
  write_status(check.config->storage.dir, (*agent)->status());
  log({"info", "stopped", {}});
  return k_exit_ok;
}
