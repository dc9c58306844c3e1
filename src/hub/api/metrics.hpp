// The hub's Prometheus metrics: a small registry of counters, gauges and histograms that any part of the
// hub registers into (ingest rate, store latency, backlog, connections, alarms by state) and that GET
// /metrics renders in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Updates are lock-free atomics, safe from
// any thread; registration takes a lock and hands back a reference that stays valid for the registry's life.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace vigil::hub::api {

// Label names and values of one series, e.g. {{"state", "active_unacked"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Counts of observations at or below each upper bound (cumulative when rendered), their sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);

 private:
  friend class MetricsRegistry;
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, then +Inf
  std::atomic<double> sum_{0.0};
};

class MetricsRegistry {
 public:
  // Get-or-create the series `name` with `labels`. Names follow Prometheus' rules ([a-zA-Z_:][a-zA-Z0-9_:]*);
  // one name has one type and one help text (programmer errors otherwise, asserted).
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> upper_bounds,
                       const Labels& labels = {});
  // A gauge read when rendered (a queue's length, open connections); `read` runs on the scraping thread.
  void gauge_callback(const std::string& name, const std::string& help, const Labels& labels,
                      std::function<double()> read);

  // Every series, families sorted by name, in the text format.
  std::string render() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Series {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;
  };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, Series> series;  // by rendered label set
  };
  Series& series(const std::string& name, const std::string& help, Type type, const Labels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// Default buckets for latencies in seconds: 0.5 ms .. 10 s.
std::vector<double> latency_buckets_s();

}  // namespace vigil::hub::api
