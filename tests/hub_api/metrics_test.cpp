// The metrics registry renders the Prometheus text exposition format 0.0.4, checked against text written
// by hand from the format's description (cumulative buckets, _sum and _count, escaping, +Inf).
#include "hub/api/metrics.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace vigil::hub::api {
namespace VIGIL_TEST_FILE {

TEST(Metrics, RenderTheTextFormat) {
  MetricsRegistry registry;
  registry.counter("vigil_ingest_metrics_total", "Metrics stored.").add(3);
  registry.gauge("vigil_alarms", "Alarms by state.", {{"state", "active_unacked"}}).set(2);
  registry.gauge("vigil_alarms", "Alarms by state.", {{"state", "shelved"}}).set(0.5);
  auto& h = registry.histogram("vigil_store_write_seconds", "Store write time.\nIn seconds \\ per batch.",
                               {0.01, 0.1});
  for (double v : {0.005, 0.01, 0.05, 2.0}) h.observe(v);
  registry.gauge_callback("vigil_backlog", "Queued messages.", {{"queue", "a\"b\\c\nd"}}, [] { return 7.0; });
  EXPECT_EQ(registry.render(),
            "# HELP vigil_alarms Alarms by state.\n"
            "# TYPE vigil_alarms gauge\n"
            "vigil_alarms{state=\"active_unacked\"} 2\n"
            "vigil_alarms{state=\"shelved\"} 0.5\n"
            "# HELP vigil_backlog Queued messages.\n"
            "# TYPE vigil_backlog gauge\n"
            "vigil_backlog{queue=\"a\\\"b\\\\c\\nd\"} 7\n"
            "# HELP vigil_ingest_metrics_total Metrics stored.\n"
            "# TYPE vigil_ingest_metrics_total counter\n"
            "vigil_ingest_metrics_total 3\n"
            "# HELP vigil_store_write_seconds Store write time.\\nIn seconds \\\\ per batch.\n"
            "# TYPE vigil_store_write_seconds histogram\n"
            "vigil_store_write_seconds_bucket{le=\"0.01\"} 2\n"
            "vigil_store_write_seconds_bucket{le=\"0.1\"} 3\n"
            "vigil_store_write_seconds_bucket{le=\"+Inf\"} 4\n"
            "vigil_store_write_seconds_sum 2.065\n"
            "vigil_store_write_seconds_count 4\n");
}

TEST(Metrics, TheSameSeriesIsReturnedAgainAndCountsFromManyThreads) {
  MetricsRegistry registry;
  auto& a = registry.counter("hits_total", "Hits.", {{"code", "2xx"}});
  EXPECT_EQ(&a, &registry.counter("hits_total", "Hits.", {{"code", "2xx"}}));
  EXPECT_NE(&a, &registry.counter("hits_total", "Hits.", {{"code", "4xx"}}));
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 10000; ++i) a.add();
      });
  }
  EXPECT_EQ(a.value(), 40000);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api
