// The API's configuration, `[api]` in hub.toml (docs/hub-api.md lists the keys): where it listens, on how
// many threads, with which certificate, and the limits that keep one client from taking the hub's memory or
// connections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "hub/api/auth.hpp"

namespace vigil::hub::api {

struct ApiConfig {
  std::string address = "127.0.0.1";        // an IPv4 or IPv6 address; "0.0.0.0" for every interface
  std::uint16_t port = 8080;                // 0: the system chooses (HttpServer::port() tells which)
  int threads = 2;                          // the I/O threads every connection shares
  int worker_threads = 2;                   // the threads that run handlers (store queries, password hashing)
  std::filesystem::path tls_cert;           // PEM certificate chain; with tls_key, the API speaks only HTTPS
  std::filesystem::path tls_key;            // PEM private key
  std::size_t max_body_bytes = 1 << 20;     // a larger request body: 413
  std::size_t max_header_bytes = 16 << 10;  // larger request headers: 431
  std::int64_t read_timeout_ms = 30'000;    // to read one request (and to write one response)
  std::size_t max_connections = 20'000;     // further connections are closed on accept
  std::size_t live_queue_events = 256;      // events queued per live connection before it is dropped
  std::int64_t heartbeat_ms = 15'000;       // a comment line on idle live connections
  AuthOptions auth;                         // token lifetime, password hashing cost, login limits
};

// Checks ranges and that tls_cert and tls_key come together; errors name the key as in hub.toml.
Status check(const ApiConfig& config);

}  // namespace vigil::hub::api
