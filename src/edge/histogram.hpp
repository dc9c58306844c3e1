// A latency histogram that many threads can feed without locks or allocation: fixed bucket bounds in
// microseconds, relaxed atomic counters. Read as Prometheus cumulative buckets (metrics_server.hpp) and by
// the benchmarks for percentiles.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace vigil::edge {

class LatencyHistogram {
 public:
  // Upper bounds (µs, inclusive) of the buckets; one more bucket holds everything above the last.
  static constexpr std::array<double, 12> k_bounds_us{50,   100,   200,   500,   1000,   2000,
                                                      5000, 10000, 20000, 50000, 100000, 1000000};

  void observe(double us) {
    std::size_t b = 0;
    while (b < k_bounds_us.size() && us > k_bounds_us[b]) ++b;
    counts_[b].fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(us, std::memory_order_relaxed);
  }

  struct Snapshot {
    std::array<std::uint64_t, k_bounds_us.size() + 1> counts{};  // per bucket, not cumulative
    std::uint64_t total = 0;
    double sum_us = 0;
    // The bucket bound below which at least q of the observations lie (the last bound for the overflow
    // bucket): an upper estimate of the q-quantile, as coarse as the buckets.
    double quantile_bound_us(double q) const;
  };
  Snapshot snapshot() const {
    Snapshot s;
    for (std::size_t b = 0; b < counts_.size(); ++b) {
      s.counts[b] = counts_[b].load(std::memory_order_relaxed);
      s.total += s.counts[b];
    }
    s.sum_us = sum_us_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::array<std::atomic<std::uint64_t>, k_bounds_us.size() + 1> counts_{};
  std::atomic<double> sum_us_{0};
};

inline double LatencyHistogram::Snapshot::quantile_bound_us(double q) const {
  if (total == 0) return 0;
  const double needed = q * double(total);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < counts.size(); ++b) {
    seen += counts[b];
    if (double(seen) >= needed) return b < k_bounds_us.size() ? k_bounds_us[b] : k_bounds_us.back();
  }
  return k_bounds_us.back();
}

}  // namespace vigil::edge
