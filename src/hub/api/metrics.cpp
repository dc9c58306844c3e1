#include "hub/api/metrics.hpp"

#include <cassert>
#include <cmath>

#include <fmt/core.h>

namespace vigil::hub::api {
namespace {

[[maybe_unused]] bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Label values and help text escape backslash and newline; label values also the double quote.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  for (const char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string render_labels(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    assert(valid_name(name));
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", name, escape(value, true));
  }
  return out;
}

// A sample value: integers without a fraction, +Inf/-Inf/NaN as Prometheus spells them.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string sample(const std::string& name, const std::string& labels, double value) {
  return fmt::format("{}{}{}{} {}\n", name, labels.empty() ? "" : "{", labels, labels.empty() ? "" : "}",
                     number(value));
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  for (std::size_t i = 1; i < bounds_.size(); ++i) assert(bounds_[i - 1] < bounds_[i]);
}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

MetricsRegistry::Series& MetricsRegistry::series(const std::string& name, const std::string& help, Type type,
                                                 const Labels& labels) {
  assert(valid_name(name));
  auto [family, created] = families_.try_emplace(name, Family{type, help, {}});
  assert(family->second.type == type && family->second.help == help);
  (void)created;
  return family->second.series[render_labels(labels)];
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& s = series(name, help, Type::counter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& s = series(name, help, Type::gauge, labels);
  assert(!s.read);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<double> upper_bounds, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& s = series(name, help, Type::histogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(upper_bounds));
  return *s.histogram;
}

void MetricsRegistry::gauge_callback(const std::string& name, const std::string& help, const Labels& labels,
                                     std::function<double()> read) {
  std::lock_guard lock(mutex_);
  auto& s = series(name, help, Type::gauge, labels);
  assert(!s.gauge);
  s.read = std::move(read);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    constexpr std::string_view k_types[] = {"counter", "gauge", "histogram"};
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape(family.help, false), name,
                       k_types[static_cast<int>(family.type)]);
    for (const auto& [labels, s] : family.series) {
      if (s.counter) out += sample(name, labels, s.counter->value());
      if (s.gauge) out += sample(name, labels, s.gauge->value());
      if (s.read) out += sample(name, labels, s.read());
      if (s.histogram) {
        const Histogram& h = *s.histogram;
        const std::string sep = labels.empty() ? "" : ",";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= h.bounds_.size(); ++i) {
          cumulative += h.counts_[i].load(std::memory_order_relaxed);
          const std::string le = i < h.bounds_.size() ? number(h.bounds_[i]) : "+Inf";
          out += sample(name + "_bucket", fmt::format("{}{}le=\"{}\"", labels, sep, le),
                        static_cast<double>(cumulative));
        }
        out += sample(name + "_sum", labels, h.sum_.load(std::memory_order_relaxed));
        out += sample(name + "_count", labels, static_cast<double>(cumulative));
      }
    }
  }
  return out;
}

std::vector<double> latency_buckets_s() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace vigil::hub::api
