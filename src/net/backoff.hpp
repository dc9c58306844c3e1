// Reconnect delays: exponential growth up to a bound, with random jitter so that a fleet of nodes that lost
// the same broker does not hammer it in lock step when it comes back. Used by net::MqttClient.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "core/error.hpp"

namespace vigil::net {

// Attempt n (0 after a success) waits a delay drawn uniformly from [c_n / 2, c_n], where
// c_n = min(max, initial * 2^n): "equal jitter" (AWS Architecture Blog, "Exponential Backoff and Jitter",
// 2015). Half of each ceiling is kept so a node never retries in a tight loop, the other half spreads the
// fleet; the ceiling stops growing at `max`, so a node notices a returning broker within `max`.
class Backoff {
 public:
  struct Config {
    std::chrono::milliseconds initial{250};  // > 0
    std::chrono::milliseconds max{30'000};   // >= initial, <= 1 h
  };

  static Result<Backoff> create(const Config& config, std::uint64_t seed);

  std::chrono::milliseconds next();  // the delay before the next attempt; advances n
  void reset() { attempt_ = 0; }     // after a successful connection

  // The ceiling c_n of the current attempt.
  std::chrono::milliseconds ceiling() const;

 private:
  Backoff(const Config& config, std::uint64_t seed) : config_(config), rng_(seed) {}
  Config config_;
  std::mt19937_64 rng_;
  unsigned attempt_ = 0;
};

}  // namespace vigil::net
