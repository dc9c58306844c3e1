// The API's HTTP(S) server on Boost.Beast: one io_context shared by a fixed number of threads, every
// connection a coroutine (no thread per connection, so thousands of open live connections cost only their
// sockets and buffers); the handlers, which block on the store, run on a few worker threads. Reads one
// request at a time under the configured size and time limits, hands it to the Router, and writes the
// response; a response with a stream becomes a Server-Sent Events connection fed from its EventSubscription,
// with heartbeats. Registers the HTTP metrics (requests, latency, connections).
#pragma once

#include <cstdint>
#include <memory>

#include "core/error.hpp"
#include "hub/api/api_config.hpp"
#include "hub/api/metrics.hpp"
#include "hub/api/router.hpp"

namespace vigil::hub::api {

class HttpServer {
 public:
  // Loads the TLS certificate (when configured), binds, listens and starts the threads. `router` and
  // `metrics` must outlive the server.
  static Result<std::unique_ptr<HttpServer>> create(const ApiConfig& config, const Router& router,
                                                    MetricsRegistry& metrics);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;  // the bound port
  // Stops accepting, closes every connection (live ones included) and joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::hub::api
