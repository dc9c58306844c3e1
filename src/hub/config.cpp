#include "hub/config.hpp"

#include <algorithm>

#include "config/toml_config.hpp"

namespace vigil::hub {
namespace {

using config::is_topic_id;
using config::resolve;
using config::Section;

void read_host(Section s, HostConfig& h) {
  s.text("id", h.id);
  if (!is_topic_id(h.id)) s.problem("id", fmt::format("'{}' is not a valid Sparkplug host id", h.id));
  s.refuse_unknown({"id"});
}

void read_broker(Section s, const std::filesystem::path& base, BrokerConfig& b) {
  s.text("host", b.host);
  s.integer("port", b.port, 1, 65535);
  s.text("client_id", b.client_id);
  s.integer("keepalive_s", b.keepalive_s, 5, 65535);
  s.file("ca_file", base, b.ca_file);
  s.file("cert_file", base, b.cert_file);
  s.file("key_file", base, b.key_file);
  if (b.cert_file.empty() != b.key_file.empty())
    s.problem(b.cert_file.empty() ? "cert_file" : "key_file", "cert_file and key_file go together");
  if (!b.cert_file.empty() && b.ca_file.empty())
    s.problem("ca_file", "missing: a client certificate needs the CA that signed the broker's");
  s.refuse_unknown({"host", "port", "client_id", "keepalive_s", "ca_file", "cert_file", "key_file"});
}

void read_sparkplug(Section s, SparkplugConfig& sp) {
  s.number("reorder_timeout_s", sp.reorder_timeout_s, 0.01, 3600);
  s.number("rebirth_interval_s", sp.rebirth_interval_s, 0.1, 86400);
  s.refuse_unknown({"reorder_timeout_s", "rebirth_interval_s"});
}

void read_store(Section s, const std::filesystem::path& base, store::StoreOptions& st) {
  std::string engine = "sqlite";
  s.text("engine", engine);
  if (engine == "sqlite") {
    st.engine = store::Engine::sqlite;
  } else if (engine == "postgres") {
    st.engine = store::Engine::postgres;
  } else {
    s.problem("engine", fmt::format("'{}' is not an engine: sqlite or postgres", engine));
  }
  std::string path = "hub.db";
  s.text("path", path);
  st.sqlite_path = resolve(base, path);
  s.text("postgres", st.postgres_conninfo);
  if (st.engine == store::Engine::postgres && st.postgres_conninfo.empty())
    s.problem("postgres", "missing: engine is postgres; give a libpq connection string");
  double raw_days = 7, aggregate_interval_s = 60, aggregate_days = 90, coarse_interval_s = 3600;
  s.number("raw_days", raw_days, 0.001, 36500);
  s.number("aggregate_interval_s", aggregate_interval_s, 1, 86400);
  s.number("aggregate_days", aggregate_days, 0, 36500);
  s.number("coarse_interval_s", coarse_interval_s, 1, 30 * 86400.0);
  constexpr double k_day_ms = 86'400'000;
  st.retention = {static_cast<std::int64_t>(raw_days * k_day_ms),
                  static_cast<std::int64_t>(aggregate_interval_s * 1000),
                  static_cast<std::int64_t>(aggregate_days * k_day_ms),
                  static_cast<std::int64_t>(coarse_interval_s * 1000)};
  if (auto ok = store::check(st.retention); !ok) s.problem("raw_days", ok.error().message);
  s.refuse_unknown({"engine", "path", "postgres", "raw_days", "aggregate_interval_s", "aggregate_days",
                    "coarse_interval_s"});
}

void read_ingest(Section s, IngestConfig& in) {
  s.integer("batch_messages", in.batch_messages, 1, 100000);
  s.integer("queue_messages", in.queue_messages, 100, 10'000'000);
  s.refuse_unknown({"batch_messages", "queue_messages"});
}

void read_api(Section s, const std::filesystem::path& base, ApiSettings& a) {
  api::ApiConfig& c = a.server;
  s.flag("enabled", a.enabled);
  s.text("address", c.address);
  s.integer("port", c.port, 0, 65535);
  s.integer("threads", c.threads, 1, 64);
  s.integer("worker_threads", c.worker_threads, 1, 64);
  s.file("tls_cert", base, c.tls_cert);
  s.file("tls_key", base, c.tls_key);
  std::string web;
  s.text("web_dir", web);
  a.web_dir = resolve(base, web);
  {
    std::error_code ec;
    if (!a.web_dir.empty() && !std::filesystem::is_regular_file(a.web_dir / "index.html", ec))
      s.problem("web_dir",
                fmt::format("{} has no index.html (build the dashboard: make web)", a.web_dir.string()));
  }
  s.integer("token_lifetime_s", c.auth.token_lifetime_s, 60, 366LL * 86400);
  s.integer("max_body_bytes", c.max_body_bytes, 1024, 64LL << 20);
  s.integer("max_header_bytes", c.max_header_bytes, 1024, 1LL << 20);
  s.integer("read_timeout_ms", c.read_timeout_ms, 100, 3'600'000);
  s.integer("max_connections", c.max_connections, 1, 1'000'000);
  s.integer("live_queue_events", c.live_queue_events, 1, 100'000);
  s.integer("heartbeat_ms", c.heartbeat_ms, 100, 3'600'000);
  if (c.tls_cert.empty() != c.tls_key.empty())
    s.problem(c.tls_cert.empty() ? "tls_cert" : "tls_key", "tls_cert and tls_key go together");
  if (a.enabled && c.tls_cert.empty() && c.address != "127.0.0.1" && c.address != "::1")
    s.problem("address",
              fmt::format("{} is not a loopback address: serving the API to a network needs tls_cert "
                          "and tls_key",
                          c.address));
  s.refuse_unknown({"enabled", "address", "port", "threads", "worker_threads", "tls_cert", "tls_key",
                    "web_dir", "token_lifetime_s", "max_body_bytes", "max_header_bytes", "read_timeout_ms",
                    "max_connections", "live_queue_events", "heartbeat_ms"});
}

void read_alarms(Section s, AlarmSettings& a) {
  if (const toml::table* t = s.table(); t != nullptr) {
    if (const toml::node* n = t->get("webhooks")) {
      const toml::array* urls = n->as_array();
      if (urls == nullptr) {
        s.problem("webhooks", "expected an array of URLs");
      } else {
        for (const toml::node& u : *urls) {
          if (auto text = u.value<std::string>()) {
            if (!text->starts_with("http://"))
              s.problem("webhooks", fmt::format("'{}' is not an http:// URL", *text));
            a.webhooks.push_back(*text);
          } else {
            s.problem("webhooks", "expected an array of URLs (strings)");
          }
        }
      }
    }
  }
  s.number("max_shelve_h", a.max_shelve_h, 0.01, 24 * 30);
  s.integer("webhook_max_attempts", a.webhook_max_attempts, 1, 1000);
  s.refuse_unknown({"webhooks", "max_shelve_h", "webhook_max_attempts"});
}

}  // namespace

HubConfigCheck check_hub_config_text(std::string_view toml_text, const std::filesystem::path& file) {
  HubConfigCheck out;
  auto root = config::parse_text(toml_text, file, out.problems);
  if (!root) return out;
  HubConfig c;
  c.file = file;
  const std::filesystem::path base = file.parent_path();
  auto& problems = out.problems;
  read_host(config::section(problems, *root, "host"), c.host);
  read_broker(config::section(problems, *root, "broker"), base, c.broker);
  if (c.broker.client_id.empty()) c.broker.client_id = c.host.id;
  read_sparkplug(config::section(problems, *root, "sparkplug"), c.sparkplug);
  read_store(config::section(problems, *root, "store"), base, c.store);
  read_ingest(config::section(problems, *root, "ingest"), c.ingest);
  read_api(config::section(problems, *root, "api"), base, c.api);
  read_alarms(config::section(problems, *root, "alarms"), c.alarms);
  Section(problems, &*root, "")
      .refuse_unknown({"host", "broker", "sparkplug", "store", "ingest", "api", "alarms"});
  config::sort_by_line(problems);
  if (problems.empty()) out.config = std::move(c);
  return out;
}

HubConfigCheck check_hub_config_file(const std::filesystem::path& file) {
  HubConfigCheck out;
  std::string text;
  if (!config::read_file(file, text, out.problems)) return out;
  return check_hub_config_text(text, file);
}

}  // namespace vigil::hub
