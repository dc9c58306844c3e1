// The agent's Prometheus endpoint: GET /metrics on a local port answers the text exposition format
// (version 0.0.4) that `render` builds at each scrape. Asynchronous (Boost.Beast over Asio) on one thread
// the server owns: an open scrape connection costs no thread; requests are limited in size and time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace vigil::edge {

class MetricsServer {
 public:
  // Listens on bind:port (port 0: any free port, see port()). invalid_argument for a bad address, io when
  // the port cannot be bound.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& bind, int port,
                                                      std::function<std::string()> render);
  ~MetricsServer();  // stops and joins
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::edge
