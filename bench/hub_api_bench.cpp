// The hub API under load (docs/benchmarks.md, "Hub API"). Two runs:
//   live     --connections Server-Sent Events connections on loopback to an in-process server (2 I/O
//            threads), held for --live_s seconds while the hub publishes one event per second, which every
//            connection receives: the server process's CPU (getrusage; the clients run in a child process
//            forked before any thread exists, so their CPU is not counted), the events delivered of those
//            due, and the publish-to-client latency (CLOCK_MONOTONIC is shared by both processes).
//            live_connections_held = connections that received every event while the server stayed under
//            one core.
//   query    one asset's --fill_days of 1 s samples (SQLite), written through Series::write_live in batches
//   of
//            a day, then GET .../series/health?from=<start>&to=<end>&points=2000 through the API and a real
//            HTTP client, --queries times: query_p99_ms.
// Writes --out (JSON).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hub/api/auth.hpp"
#include "hub/api/event_bus.hpp"
#include "hub/api/http_server.hpp"
#include "hub/api/metrics.hpp"
#include "hub/api/routes.hpp"
#include "hub/api/shared_store.hpp"
#include "hub_api/http_client.hpp"

namespace {

using namespace vigil;
using namespace vigil::hub;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

struct Options {
  std::size_t connections = 5000;
  double live_s = 20;
  double fill_days = 365;
  int queries = 200;
  std::string out = "hub.json";
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "vigil-hub-api-bench";
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::int64_t monotonic_us() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return std::int64_t(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

// The whole API over one store, as vigil-hub wires it.
struct Api {
  explicit Api(const Options& o) {
    std::filesystem::remove_all(o.dir);
    std::filesystem::create_directories(o.dir);
    store::StoreOptions so;
    so.sqlite_path = o.dir / "hub.db";
    store = std::make_unique<store::Store>(store::Store::open(so).value());
    shared = std::make_unique<api::SharedStore>(*store);
    api::ApiConfig config;
    config.port = 0;
    config.live_queue_events = 16;
    auth = api::Auth::create(*shared, config.auth).value();
    router = std::make_unique<api::Router>([this](std::string_view t) { return auth->authenticate(t); });
    api::add_auth_routes(*router, *auth);
    api::add_store_routes(*router, *shared, events);
    api::add_system_routes(*router, metrics, events, config.live_queue_events);
    server = api::HttpServer::create(config, *router, metrics).value();
    const auto password = auth->bootstrap_admin("bench").value().value();
    api::test::HttpCall login;
    login.method = "POST";
    login.target = "/api/v1/login";
    login.body = nlohmann::json{{"user", "bench"}, {"password", password}}.dump();
    const auto reply = api::test::http_call(server->port(), login);
    token = nlohmann::json::parse(reply.body).at("token").get<std::string>();
  }
  ~Api() { server.reset(); }

  std::unique_ptr<store::Store> store;
  std::unique_ptr<api::SharedStore> shared;
  std::unique_ptr<api::Auth> auth;
  api::MetricsRegistry metrics;
  api::EventBus events;
  std::unique_ptr<api::Router> router;
  std::unique_ptr<api::HttpServer> server;
  std::string token;
};

// The child: N SSE clients; reads the port and token from `in`, writes "connected\n" when all have their
// headers, and at the end (EOF on `in`) the events received and their latencies to `out` as JSON.
[[noreturn]] void run_clients(int in, int out, std::size_t n) {
  FILE* from = fdopen(in, "r");
  char line[256] = {};
  if (!fgets(line, sizeof line, from)) _exit(1);
  unsigned port = 0;
  char token[129] = {};
  if (sscanf(line, "%u %128s", &port, token) != 2) _exit(1);
  asio::io_context ioc;
  struct Client {
    explicit Client(asio::io_context& c) : socket(c) {}
    asio::ip::tcp::socket socket;
    std::string text;
    char chunk[2048];
    bool headers = false;
    std::size_t events = 0;
  };
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<double> latency_ms;
  std::size_t connected = 0, failed = 0;
  const std::string request = fmt::format(
      "GET /api/v1/events?token={} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n", token);
  const asio::ip::tcp::endpoint server(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port));
  std::function<void(Client&)> read = [&](Client& c) {
    c.socket.async_read_some(
        asio::buffer(c.chunk), [&](const boost::system::error_code& ec, std::size_t got) {
          if (ec) return ++failed, void();
          c.text.append(c.chunk, got);
          if (!c.headers && c.text.find("\r\n\r\n") != std::string::npos) {
            c.headers = true;
            if (++connected == n) (void)!write(out, "connected\n", 10);
            c.text.erase(0, c.text.find("\r\n\r\n") + 4);
          }
          // Each event's data carries the publisher's monotonic clock: {"data":{"t_us":...}}.
          for (std::size_t at; (at = c.text.find("\n\n")) != std::string::npos; c.text.erase(0, at + 2)) {
            const auto t = c.text.find("\"t_us\":");
            if (t == std::string::npos || t > at) continue;
            ++c.events;
            latency_ms.push_back(double(monotonic_us() - std::stoll(c.text.substr(t + 7))) / 1000.0);
          }
          read(c);
        });
  };
  for (std::size_t i = 0; i < n; ++i) {
    auto& c = *clients.emplace_back(std::make_unique<Client>(ioc));
    c.socket.async_connect(server, [&](const boost::system::error_code& ec) {
      if (ec) return ++failed, void();
      asio::async_write(c.socket, asio::buffer(request),
                        [&](const boost::system::error_code& e, std::size_t) {
                          if (e) return ++failed, void();
                          read(c);
                        });
    });
  }
  std::thread io([&] { ioc.run(); });
  while (fgets(line, sizeof line, from)) {
  }
  ioc.stop();
  io.join();
  std::size_t all_events = 0, complete = 0;
  std::vector<std::size_t> per;
  for (const auto& c : clients) per.push_back(c->events);
  const std::size_t most = per.empty() ? 0 : *std::max_element(per.begin(), per.end());
  for (const auto e : per) {
    all_events += e;
    complete += e == most ? 1 : 0;
  }
  const auto result = nlohmann::json{{"connected", connected},
                                     {"failed", failed},
                                     {"events", all_events},
                                     {"most_per_connection", most},
                                     {"connections_with_most", complete},
                                     {"latency_p50_ms", percentile(latency_ms, 0.5)},
                                     {"latency_p99_ms", percentile(latency_ms, 0.99)}}
                          .dump() +
                      "\n";
  (void)!write(out, result.data(), result.size());
  _exit(0);
}

nlohmann::json live(const Options& o) {
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return {{"error", "pipe"}};
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  const pid_t child = fork();  // before any thread exists in this process
  if (child == 0) {
    close(to_child[1]);
    close(from_child[0]);
    run_clients(to_child[0], from_child[1], o.connections);
  }
  close(to_child[0]);
  close(from_child[1]);
  Api api(o);
  const auto hello = fmt::format("{} {}\n", api.server->port(), api.token);
  (void)!write(to_child[1], hello.data(), hello.size());
  FILE* from = fdopen(from_child[0], "r");
  char line[4096] = {};
  const auto connect_start = Clock::now();
  if (!fgets(line, sizeof line, from)) return {{"error", "the clients did not all connect"}};
  const double connect_s = std::chrono::duration<double>(Clock::now() - connect_start).count();

  // One event per second to every connection, for live_s seconds; the server's CPU over that time.
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  int published = 0;
  while (std::chrono::duration<double>(Clock::now() - t0).count() < o.live_s) {
    api.events.publish("health.updated", {{"asset", 1}, {"health_index", 0.93}, {"t_us", monotonic_us()}});
    ++published;
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(1000 * published));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last event's delivery
  const double cpu = cpu_seconds() - cpu0;
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto metrics = api.metrics.render();
  close(to_child[1]);
  if (!fgets(line, sizeof line, from)) return {{"error", "no result from the clients"}};
  int status = 0;
  waitpid(child, &status, 0);
  auto clients = nlohmann::json::parse(line);
  const double cores = cpu / wall;
  const std::size_t held =
      clients["most_per_connection"] == published ? clients["connections_with_most"].get<std::size_t>() : 0;
  return {{"connections", o.connections},
          {"connect_s", connect_s},
          {"events_published", published},
          {"server_cpu_cores", cores},
          {"server_rss_mb",
           [] {
             std::ifstream in("/proc/self/status");
             std::string l;
             while (std::getline(in, l))
               if (l.rfind("VmRSS:", 0) == 0) return std::stod(l.substr(6)) / 1024.0;
             return 0.0;
           }()},
          {"clients", clients},
          {"live_connections_held", cores < 1.0 ? held : 0},
          {"dropped", api.events.dropped()},
          {"open_connections_metric",
           metrics.find(fmt::format("vigil_api_live_connections {}", o.connections)) != std::string::npos}};
}

nlohmann::json query(const Options& o) {
  Api api(o);
  const std::int64_t start_ms = 1'735'689'600'000;  // 2025-01-01T00:00Z
  const std::int64_t day_ms = 86'400'000;
  const auto days = static_cast<std::int64_t>(o.fill_days);
  const auto asset =
      api.shared
          ->with([](store::Store& s) { return s.registry().register_asset("plant", "edge", "pump", 0); })
          .value();
  const auto fill0 = Clock::now();
  std::vector<store::Sample> batch;
  for (std::int64_t d = 0; d < days; ++d) {
    batch.clear();
    for (std::int64_t s = 0; s < 86'400; ++s) {
      const std::int64_t t = start_ms + d * day_ms + s * 1000;
      batch.push_back({asset, "health", t, 1.0 - 0.5 * double(d) / 365.0 + 0.01 * double(s % 60) / 60.0});
    }
    if (auto ok = api.shared->with([&](store::Store& st) { return st.series().write_live(batch); }); !ok)
      return {{"error", ok.error().message}};
  }
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill0).count();
  const auto target = fmt::format("/api/v1/assets/{}/series/health?from={}&to={}&points=2000", asset,
                                  start_ms, start_ms + days * day_ms);
  std::vector<double> ms;
  std::size_t buckets = 0;
  for (int i = 0; i < o.queries; ++i) {
    const auto q0 = Clock::now();
    api::test::HttpCall call;
    call.target = target;
    call.token = api.token;
    const auto reply = api::test::http_call(api.server->port(), call);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - q0).count());
    if (reply.status != 200) return {{"error", reply.body}};
    buckets = nlohmann::json::parse(reply.body)["items"].size();
  }
  // The store's share: the same query straight on Series, no HTTP and no JSON.
  std::vector<double> store_ms;
  for (int i = 0; i < o.queries; ++i) {
    const auto q0 = Clock::now();
    auto b = api.shared->with([&](store::Store& s) {
      return s.series().query(asset, "health", start_ms, start_ms + days * day_ms, 2000);
    });
    store_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - q0).count());
    if (!b) return {{"error", b.error().message}};
  }
  return {{"fill_days", o.fill_days},
          {"store_query_p50_ms", percentile(store_ms, 0.5)},
          {"store_query_p99_ms", percentile(store_ms, 0.99)},
          {"rows", days * 86'400},
          {"fill_s", fill_s},
          {"fill_rows_per_s", double(days * 86'400) / fill_s},
          {"db_mb", double(std::filesystem::file_size(o.dir / "hub.db")) / 1e6},
          {"points", 2000},
          {"buckets_returned", buckets},
          {"queries", o.queries},
          {"query_p50_ms", percentile(ms, 0.5)},
          {"query_p99_ms", percentile(ms, 0.99)}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> runs = {"live", "query"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&](std::string_view name) { return a.substr(name.size() + 3); };
    if (a.starts_with("--connections="))
      o.connections = std::stoul(value("connections"));
    else if (a.starts_with("--live_s="))
      o.live_s = std::stod(value("live_s"));
    else if (a.starts_with("--fill_days="))
      o.fill_days = std::stod(value("fill_days"));
    else if (a.starts_with("--queries="))
      o.queries = std::stoi(value("queries"));
    else if (a.starts_with("--out="))
      o.out = value("out");
    else if (a.starts_with("--run="))
      runs = {value("run")};
    else {
      fmt::print(stderr, "hub_api_bench: unknown option {}\n", a);
      return 2;
    }
  }
  nlohmann::json result = {{"command", fmt::format("hub_api_bench{}",
                                                   [&] {
                                                     std::string s;
                                                     for (int i = 1; i < argc; ++i)
                                                       s += std::string(" ") + argv[i];
                                                     return s;
                                                   }())},
                           {"cpus", std::thread::hardware_concurrency()}};
  for (const auto& run : runs) {
    fmt::print(stderr, "hub_api_bench: {}\n", run);
    result[run] = run == "live" ? live(o) : query(o);
    fmt::print(stderr, "{}\n", result[run].dump(2));
  }
  std::ofstream(o.out) << result.dump(2) << "\n";
  std::filesystem::remove_all(o.dir);
  return 0;
}
