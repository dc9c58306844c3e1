// The hub's ingest, measured against the broker alone (docs/benchmarks.md, "Hub"). Simulated edge nodes
// publish the same Sparkplug stream (NBIRTH, DBIRTHs, then DDATA of 10 Double metrics each, in seq order)
// through a real Mosquitto on loopback, three times: to a plain subscriber that only counts (the broker's
// delivery rate, the ceiling), to vigil-hub's service on SQLite, and on a throw-away PostgreSQL. Each
// figure is metrics per second from the first publish until the last metric was received or stored. With
// --rate 0 (the default) every node publishes as fast as it can: the capacity of each; with --rate R each
// node publishes R DDATA per second: whether the hub keeps up with that load as the broker does.
//   hub_bench [--nodes N] [--devices D] [--messages M] [--rate R] [--out FILE] [--postgres 0|1]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "hub/service.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  Workload w;
  std::filesystem::path out = "hub.json";
  bool postgres = true;
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
  utsname u{};
  uname(&u);
  result["machine"] = {{"nodename", u.nodename}, {"cores", std::thread::hardware_concurrency()}};
  std::ofstream(out) << result.dump(2) << '\n';
  std::printf("%s\n", result.dump(2).c_str());
  return 0;
}
