// The hub's ingest, measured against the broker alone (docs/benchmarks.md, "Hub"). Simulated edge nodes
// publish the same Sparkplug stream (NBIRTH, DBIRTHs, then DDATA of 10 Double metrics each, in seq order)
// through a real Mosquitto on loopback, three times: to a plain subscriber that only counts (the broker's
// delivery rate, the ceiling), to vigil-hub's service on SQLite, and on a throw-away PostgreSQL. Each
// figure is metrics per second from the first publish until the last metric was received or stored. With
// --rate 0 (the default) every node publishes as fast as it can: the capacity of each; with --rate R each
// node publishes R DDATA per second: whether the hub keeps up with that load as the broker does.
//   hub_bench [--nodes N] [--devices D] [--messages M] [--rate R] [--out FILE] [--postgres 0|1] [--peer
//   hub_peer.py]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hub/hub.hpp"
#include "hub_api/http_client.hpp"
#include "io/temp_dir.hpp"
#include "net/mqtt_client.hpp"
#include "proto/sparkplug.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/postgres_server.hpp"

namespace {

namespace sp = vigil::proto::sparkplug;
using Clock = std::chrono::steady_clock;

constexpr int k_metrics_per_message = 10;

// CPU seconds this process used so far (every thread: the hub's and the simulated edges').
double cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct Workload {
  int nodes = 10;
  int devices = 5;      // per node
  int messages = 2000;  // DDATA per node
  double rate = 0;      // DDATA per second per node; 0: as fast as the client can publish
};

struct Message {
  std::string topic;
  sp::Bytes payload;
};

// One node's stream for session `bdseq`: NBIRTH, a DBIRTH per device, then DDATA round-robin over devices.
std::vector<Message> node_stream(const Workload& w, int node, std::uint8_t bdseq) {
  std::vector<Message> out;
  const std::string group = "bench", id = fmt::format("edge-{}", node);
  std::uint8_t seq = 0;
  const auto ts = [] {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  };
  const auto add = [&](sp::MessageType type, const std::string& device, std::vector<sp::Metric> metrics) {
    sp::Payload p;
    p.timestamp_ms = ts();
    p.seq = seq++;
    p.metrics = std::move(metrics);
    auto topic = sp::format_topic({type, group, id, device, {}});
    auto bytes = sp::encode(p, type);
    if (!topic || !bytes) std::abort();
    out.push_back({*topic, std::move(*bytes)});
  };
  sp::Metric bd;
  bd.name = "bdSeq";
  bd.datatype = sp::DataType::int64;
  bd.value = std::int64_t{bdseq};
  add(sp::MessageType::nbirth, "", {bd});
  for (int d = 0; d < w.devices; ++d) {
    std::vector<sp::Metric> metrics;
    for (int k = 0; k < k_metrics_per_message; ++k) {
      sp::Metric m;
      m.name = fmt::format("Metric {}", k);
      m.alias = static_cast<std::uint64_t>(d * k_metrics_per_message + k + 10);
      m.datatype = sp::DataType::float64;
      m.value = 0.0;
      metrics.push_back(m);
    }
    add(sp::MessageType::dbirth, fmt::format("asset-{}", d), metrics);
  }
  const std::uint64_t t0 = ts() - static_cast<std::uint64_t>(w.messages) * 1000;
  for (int i = 0; i < w.messages; ++i) {
    const int d = i % w.devices;
    std::vector<sp::Metric> metrics;
    for (int k = 0; k < k_metrics_per_message; ++k) {
      sp::Metric m;
      m.alias = static_cast<std::uint64_t>(d * k_metrics_per_message + k + 10);
      m.datatype = sp::DataType::float64;
      m.timestamp_ms = t0 + static_cast<std::uint64_t>(i) * 1000;  // distinct times: every value is stored
      m.value = 0.001 * i + k;
      metrics.push_back(m);
    }
    add(sp::MessageType::ddata, fmt::format("asset-{}", d), metrics);
  }
  return out;
}

// Publishes every node's stream from its own client (QoS 0, as Sparkplug DATA); returns when all went out.
void publish_all(int port, const std::vector<std::vector<Message>>& streams, double rate) {
  std::vector<std::thread> threads;
  for (std::size_t n = 0; n < streams.size(); ++n) {
    threads.emplace_back([&, n] {
      vigil::net::MqttOptions o;
      o.port = port;
      o.client_id = fmt::format("bench-edge-{}", n);
      auto c = vigil::net::MqttClient::create(o);
      if (!c || !(*c)->connect()) std::abort();
      const auto start = Clock::now();
      std::size_t sent = 0;
      for (const Message& m : streams[n]) {
        if (rate > 0)
          std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                    std::chrono::duration<double>(double(sent++) / rate)));
        const auto* b = reinterpret_cast<const std::byte*>(m.payload.data());
        while (!(*c)->publish(m.topic, std::span(b, m.payload.size())))
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the network thread flush
    });
  }
  for (auto& t : threads) t.join();
}

std::uint64_t data_metrics(const Workload& w) {
  return static_cast<std::uint64_t>(w.nodes) * static_cast<std::uint64_t>(w.messages) * k_metrics_per_message;
}

// The broker alone: a subscriber that counts DDATA metrics (it knows each message carries ten).
double broker_rate(const Workload& w, int port) {
  std::atomic<std::uint64_t> metrics{0};
  vigil::net::MqttOptions o;
  o.port = port;
  o.client_id = "bench-counter";
  auto c = vigil::net::MqttClient::create(o);
  if (!c) std::abort();
  (*c)->on_message([&](std::string_view topic, std::span<const std::byte>) {
    if (topic.find("/DDATA/") != std::string_view::npos) metrics += k_metrics_per_message;
  });
  if (!(*c)->connect() || !(*c)->subscribe("spBv1.0/#", 1)) std::abort();
  std::vector<std::vector<Message>> streams;
  for (int n = 0; n < w.nodes; ++n) streams.push_back(node_stream(w, n, 0));
  const auto start = Clock::now();
  std::thread pub([&] { publish_all(port, streams, w.rate); });
  const auto limit = start + std::chrono::seconds(120);
  auto last = start;
  std::uint64_t seen = 0;
  while (Clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const std::uint64_t now_seen = metrics.load();
    if (now_seen != seen) {
      seen = now_seen;
      last = Clock::now();
    }
    if (seen >= data_metrics(w)) break;
    if (seen > 0 && Clock::now() - last > std::chrono::seconds(3)) break;  // the broker dropped some
  }
  pub.join();
  const double s = std::chrono::duration<double>(last - start).count();
  std::printf("broker alone: %llu of %llu metrics delivered in %.2f s\n",
              static_cast<unsigned long long>(seen), static_cast<unsigned long long>(data_metrics(w)), s);
  return static_cast<double>(seen) / s;
}

// The Python host (bench/peer/hub_peer.py: paho-mqtt, protobuf, sqlite3) on the same stream.
std::optional<double> peer_rate(const Workload& w, int port, const std::string& peer,
                                const std::filesystem::path& dir) {
  const std::string command = fmt::format("/usr/bin/python3 {} --port {} --db {} --expected {}", peer, port,
                                          (dir / "peer.db").string(), data_metrics(w));
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  char line[4096];
  if (std::fgets(line, sizeof line, pipe) == nullptr || std::string_view(line).substr(0, 5) != "ready") {
    pclose(pipe);
    return std::nullopt;
  }
  std::vector<std::vector<Message>> streams;
  for (int n = 0; n < w.nodes; ++n) streams.push_back(node_stream(w, n, 3));
  publish_all(port, streams, w.rate);
  std::string out;
  while (std::fgets(line, sizeof line, pipe) != nullptr) out += line;
  if (pclose(pipe) != 0) return std::nullopt;
  const auto result = nlohmann::json::parse(out, nullptr, false);
  if (result.is_discarded()) return std::nullopt;
  std::printf("Python host: %llu of %llu values stored in %.2f s, %.2f CPU s\n",
              static_cast<unsigned long long>(result["values"].get<std::uint64_t>()),
              static_cast<unsigned long long>(data_metrics(w)), result["seconds"].get<double>(),
              result["cpu_s"].get<double>());
  return result["metrics_per_s"].get<double>();
}

// The hub's service: from the first publish until every DDATA value (and the births') is durable.
double hub_rate(const Workload& w, int port, vigil::hub::store::StoreOptions store, std::uint8_t bdseq,
                const char* what) {
  vigil::hub::HubConfig config;
  config.host.id = "bench-hub";
  config.broker.port = port;
  config.broker.client_id = fmt::format("bench-hub-{}", what);
  config.store = std::move(store);
  config.api.enabled = false;
  auto service = vigil::hub::HubService::create(config, [](auto level, auto event, auto detail) {
    if (level != "info")
      std::fprintf(stderr, "hub: %.*s %.*s %.*s\n", int(event.size()), event.data(), int(level.size()),
                   level.data(), int(detail.size()), detail.data());
  });
  if (!service) {
    std::fprintf(stderr, "hub_bench: %s\n", service.error().message.c_str());
    std::exit(1);
  }
  (*service)->start();
  while (!(*service)->stats().connected) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<std::vector<Message>> streams;
  for (int n = 0; n < w.nodes; ++n) streams.push_back(node_stream(w, n, bdseq));
  const std::uint64_t births = static_cast<std::uint64_t>(w.nodes * w.devices * k_metrics_per_message);
  const std::uint64_t expected = data_metrics(w) + births;
  const auto& stats = (*service)->stats();
  const std::uint64_t before = stats.values_stored;
  const double cpu_before = cpu_s();
  const auto start = Clock::now();
  std::thread pub([&] { publish_all(port, streams, w.rate); });
  const auto limit = start + std::chrono::seconds(300);
  auto last = start;
  std::uint64_t seen = 0;
  while (Clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const std::uint64_t now_seen = stats.values_stored - before;
    if (now_seen != seen) {
      seen = now_seen;
      last = Clock::now();
    }
    if (seen >= expected) break;
    if (seen > 0 && Clock::now() - last > std::chrono::seconds(5)) break;
  }
  pub.join();
  const double s = std::chrono::duration<double>(last - start).count();
  std::printf(
      "hub on %s: %llu of %llu values stored in %.2f s, %.2f CPU s in the process (%llu messages dropped, "
      "%llu refused, batch max %.1f ms)\n",
      what, static_cast<unsigned long long>(seen), static_cast<unsigned long long>(expected), s,
      cpu_s() - cpu_before, static_cast<unsigned long long>(stats.messages_dropped.load()),
      static_cast<unsigned long long>(stats.messages_refused.load()),
      static_cast<double>(stats.store_latency_us_max.load()) / 1000.0);
  (*service)->stop();
  return static_cast<double>(seen > births ? seen - births : 0) / s;
}

// From an edge's decision to the event on a live API connection: the whole hub in this process (ingest,
// alarms, API), a live client on /api/v1/events over a plain socket, and an edge node whose asset's
// Alert/Level flips between warning and normal; each flip is an alarm transition the client must see.
// Returns the latencies in ms, publish → the event's bytes read by the client.
std::vector<double> alert_to_client(int broker_port, const std::filesystem::path& dir, int flips) {
  vigil::hub::HubConfig config;
  config.host.id = "bench-alert-hub";
  config.broker.port = broker_port;
  config.broker.client_id = "bench-alert-hub";
  config.store.sqlite_path = dir / "alert.db";
  config.api.server.port = 0;
  auto hub = vigil::hub::Hub::create(config, [](auto, auto, auto) {});
  if (!hub || !(*hub)->start()) std::abort();
  while (!(*hub)->stats().connected) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::uint16_t api_port = (*hub)->api_port();
  vigil::hub::api::test::HttpCall login;
  login.method = "POST";
  login.target = "/api/v1/login";
  login.body = nlohmann::json{{"user", "admin"}, {"password", *(*hub)->first_admin_password()}}.dump();
  const auto reply = vigil::hub::api::test::http_call(api_port, login);
  const std::string token = nlohmann::json::parse(reply.body)["token"];

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(api_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  const std::string request =
      fmt::format("GET /api/v1/events?token={} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", token);
  if (::send(fd, request.data(), request.size(), 0) < 0) std::abort();
  std::atomic<int> alarm_events{0};
  std::vector<Clock::time_point> seen(static_cast<std::size_t>(flips) + 64);
  std::thread reader([&] {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      const auto now = Clock::now();
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (std::size_t at; (at = buffer.find("event: alarm\n")) != std::string::npos;) {
        const int k = alarm_events++;
        if (static_cast<std::size_t>(k) < seen.size()) seen[static_cast<std::size_t>(k)] = now;
        buffer.erase(0, at + 13);
      }
      if (buffer.size() > 13) buffer.erase(0, buffer.size() - 13);
    }
  });

  vigil::net::MqttOptions o;
  o.port = broker_port;
  o.client_id = "bench-alert-edge";
  auto edge = vigil::net::MqttClient::create(o);
  if (!edge || !(*edge)->connect()) std::abort();
  std::uint8_t seq = 0;
  const auto publish = [&](sp::MessageType type, const std::string& device, std::vector<sp::Metric> metrics) {
    sp::Payload p;
    p.timestamp_ms = vigil::hub::wall_clock_ms();
    p.seq = seq++;
    p.metrics = std::move(metrics);
    auto topic = sp::format_topic({type, "bench", "alert-edge", device, {}});
    auto bytes = sp::encode(p, type);
    if (!topic || !bytes) std::abort();
    const auto* b = reinterpret_cast<const std::byte*>(bytes->data());
    if (!(*edge)->publish(*topic, std::span(b, bytes->size()))) std::abort();
  };
  sp::Metric bd;
  bd.name = "bdSeq";
  bd.datatype = sp::DataType::int64;
  bd.value = std::int64_t{0};
  publish(sp::MessageType::nbirth, "", {bd});
  sp::Metric level;
  level.name = "Alert/Level";
  level.alias = 1;
  level.datatype = sp::DataType::string;
  level.value = std::string("normal");
  publish(sp::MessageType::dbirth, "pump", {level});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the birth's own alarm events
  const int before = alarm_events.load();
  std::vector<double> latencies;
  for (int i = 0; i < flips; ++i) {
    sp::Metric m;
    m.alias = 1;
    m.datatype = sp::DataType::string;
    m.value = std::string(i % 2 == 0 ? "warning" : "normal");
    const auto sent = Clock::now();
    publish(sp::MessageType::ddata, "pump", {m});
    const auto deadline = sent + std::chrono::seconds(2);
    while (alarm_events.load() < before + i + 1 && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (alarm_events.load() < before + i + 1) break;  // lost: counted as missing below
    latencies.push_back(
        std::chrono::duration<double, std::milli>(seen[static_cast<std::size_t>(before + i)] - sent).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::shutdown(fd, SHUT_RDWR);
  reader.join();
  ::close(fd);
  (*hub)->stop();
  return latencies;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  Workload w;
  std::filesystem::path out = "hub.json";
  bool postgres = true;
  std::string peer;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--nodes")
      w.nodes = std::stoi(argv[i + 1]);
    else if (a == "--devices")
      w.devices = std::stoi(argv[i + 1]);
    else if (a == "--messages")
      w.messages = std::stoi(argv[i + 1]);
    else if (a == "--out")
      out = argv[i + 1];
    else if (a == "--rate")
      w.rate = std::stod(argv[i + 1]);
    else if (a == "--peer")
      peer = argv[i + 1];
    else if (a == "--postgres")
      postgres = std::string(argv[i + 1]) != "0";
    else {
      std::fprintf(stderr,
                   "usage: hub_bench [--nodes N] [--devices D] [--messages M] [--rate R] [--out FILE] "
                   "[--postgres 0|1]\n");
      return 2;
    }
  }
  auto broker = vigil::test::MosquittoBroker::start();
  if (!broker) {
    std::fprintf(stderr, "hub_bench: %s\n", broker.error().message.c_str());
    return 1;
  }
  const int port = (*broker)->port();
  const double raw = broker_rate(w, port);
  vigil::io::test::TempDir dir;
  vigil::hub::store::StoreOptions sqlite;
  sqlite.sqlite_path = dir.path() / "hub.db";
  const double hub_sqlite = hub_rate(w, port, sqlite, 1, "sqlite");
  nlohmann::json result = {
      {"workload",
       {{"nodes", w.nodes},
        {"devices_per_node", w.devices},
        {"ddata_per_node", w.messages},
        {"ddata_per_s_per_node", w.rate},
        {"metrics_per_ddata", k_metrics_per_message}}},
      {"broker_delivery_metrics_per_s", raw},
      {"ingest_metrics_per_s", hub_sqlite},
      {"ingest_ratio", hub_sqlite / raw},
  };
  auto pg = postgres ? vigil::test::PostgresServer::start()
                     : vigil::Result<std::unique_ptr<vigil::test::PostgresServer>>(
                           vigil::fail(vigil::ErrorCode::not_found, "not asked for (--postgres 0)"));
  if (pg) {
    auto conninfo = (*pg)->create_database("hub_bench");
    if (conninfo) {
      vigil::hub::store::StoreOptions pg_store;
      pg_store.engine = vigil::hub::store::Engine::postgres;
      pg_store.postgres_conninfo = *conninfo;
      const double hub_pg = hub_rate(w, port, pg_store, 2, "postgres");
      result["ingest_metrics_per_s_postgres"] = hub_pg;
      result["ingest_ratio_postgres"] = hub_pg / raw;
    }
  } else {
    std::printf("postgres: %s\n", pg.error().message.c_str());
  }
  if (!peer.empty()) {
    if (auto rate = peer_rate(w, port, peer, dir.path())) {
      result["peer_python_metrics_per_s"] = *rate;
      result["peer_python_ratio"] = *rate / raw;
      result["hub_over_peer"] = hub_sqlite / *rate;
    } else {
      std::printf("Python host: failed (%s)\n", peer.c_str());
    }
  }
  const int flips = 200;
  const auto latencies = alert_to_client(port, dir.path(), flips);
  std::printf("alert to client: %zu of %d alarm transitions seen, p50 %.2f ms, p99 %.2f ms\n",
              latencies.size(), flips, percentile(latencies, 0.5), percentile(latencies, 0.99));
  result["alert_to_client_transitions"] = flips;
  result["alert_to_client_seen"] = latencies.size();
  result["alert_to_client_p50_ms"] = percentile(latencies, 0.5);
  result["alert_to_client_p99_ms"] = percentile(latencies, 0.99);
  utsname u{};
  uname(&u);
  result["machine"] = {{"nodename", u.nodename}, {"cores", std::thread::hardware_concurrency()}};
  std::ofstream(out) << result.dump(2) << '\n';
  std::printf("%s\n", result.dump(2).c_str());
  return 0;
}
