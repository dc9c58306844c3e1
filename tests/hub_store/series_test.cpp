// The time series on both engines: buckets, means and extremes worked out by hand in the comments, the
// latest live value, first-write-wins on a repeated time, all-or-nothing batches, aggregates at two levels
// (hand-computed) read where they fit, and retention that deletes raw values, then fine aggregates.
#include "hub/store/series.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

using SeriesTest = EngineTest;

constexpr std::string_view k_metric = "velocity_rms_mm_s";

std::vector<Sample> samples(std::int64_t asset,
                            std::initializer_list<std::pair<std::int64_t, double>> values) {
  std::vector<Sample> out;
  for (auto [ts, v] : values) out.push_back({asset, std::string(k_metric), ts, v});
  return out;
}

void expect_bucket(const Bucket& b, std::int64_t start_ms, double min, double max, double mean,
                   std::int64_t count) {
  EXPECT_EQ(b.start_ms, start_ms);
  EXPECT_EQ(b.min, min) << "bucket at " << start_ms;
  EXPECT_EQ(b.max, max) << "bucket at " << start_ms;
  EXPECT_DOUBLE_EQ(b.mean, mean) << "bucket at " << start_ms;
  EXPECT_EQ(b.count, count) << "bucket at " << start_ms;
}

TEST_P(SeriesTest, QueriesReturnHandComputedBuckets) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  // Values i^2 at i s, i = 0..9.
  std::vector<Sample> batch;
  for (std::int64_t i = 0; i < 10; ++i)
    batch.push_back({asset, std::string(k_metric), i * 1000, double(i * i)});
  ASSERT_TRUE(store->series().write_live(batch));

  // [0, 10 s) in 5 buckets of 2 s: {0,1} {4,9} {16,25} {36,49} {64,81}.
  auto b = store->series().query(asset, k_metric, 0, 10'000, 5).value();
  ASSERT_EQ(b.size(), 5u);
  expect_bucket(b[0], 0, 0, 1, 0.5, 2);
  expect_bucket(b[1], 2000, 4, 9, 6.5, 2);
  expect_bucket(b[2], 4000, 16, 25, 20.5, 2);
  expect_bucket(b[3], 6000, 36, 49, 42.5, 2);
  expect_bucket(b[4], 8000, 64, 81, 72.5, 2);

  // [1 s, 7 s) in at most 4 buckets: width ceil(6000 / 4) = 1500 ms, starting at 1000, 2500, 4000, 5500:
  // {1 s, 2 s} → {1, 4}; {3 s} → {9}; {4 s, 5 s} → {16, 25}; {6 s} → {36}. 7 s is outside (half-open).
  b = store->series().query(asset, k_metric, 1000, 7000, 4).value();
  ASSERT_EQ(b.size(), 4u);
  expect_bucket(b[0], 1000, 1, 4, 2.5, 2);
  expect_bucket(b[1], 2500, 9, 9, 9, 1);
  expect_bucket(b[2], 4000, 16, 25, 20.5, 2);
  expect_bucket(b[3], 5500, 36, 36, 36, 1);

  // Empty buckets are left out: [0, 100 s) in 10 buckets of 10 s holds everything in the first.
  b = store->series().query(asset, k_metric, 0, 100'000, 10).value();
  ASSERT_EQ(b.size(), 1u);
  expect_bucket(b[0], 0, 0, 81, 28.5, 10);  // (0+1+4+...+81) / 10 = 285 / 10

  // Unknown series: nothing, not an error.
  EXPECT_TRUE(store->series().query(asset, "temperature_c", 0, 10'000, 5).value().empty());
}

TEST_P(SeriesTest, ADayOfOneSecondValuesComesBackAsAtMost2000Buckets) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  constexpr std::int64_t n = 86'400;
  std::vector<Sample> batch;
  for (std::int64_t i = 0; i < n; ++i)
    batch.push_back({asset, std::string(k_metric), i * 1000, double((i * 7919) % 1000) / 8.0});
  ASSERT_TRUE(store->series().write_history(batch));

  const auto b = store->series().query(asset, k_metric, 0, n * 1000, 2000).value();
  // Width 86,400,000 / 2000 = 43,200 ms: bucket k holds the seconds i with k * 43.2 <= i < (k + 1) * 43.2.
  ASSERT_EQ(b.size(), 2000u);
  struct Expected {
    double lo = 1e9, hi = -1e9, sum = 0;
    std::int64_t count = 0;
  };
  std::vector<Expected> expected(2000);
  for (std::int64_t i = 0; i < n; ++i) {
    auto& e = expected[static_cast<std::size_t>(i * 1000 / 43'200)];
    const double v = double((i * 7919) % 1000) / 8.0;
    e.lo = std::min(e.lo, v), e.hi = std::max(e.hi, v), e.sum += v, ++e.count;
  }
  std::int64_t total = 0;
  for (std::size_t k = 0; k < b.size(); ++k) {
    ASSERT_EQ(b[k].start_ms, std::int64_t(k) * 43'200);
    ASSERT_EQ(b[k].count, expected[k].count) << k;  // 43 or 44
    ASSERT_EQ(b[k].min, expected[k].lo) << k;
    ASSERT_EQ(b[k].max, expected[k].hi) << k;
    ASSERT_NEAR(b[k].mean, expected[k].sum / double(expected[k].count), 1e-9) << k;
    total += b[k].count;
  }
  EXPECT_EQ(total, n);
}

TEST_P(SeriesTest, TheLatestValueIsTheNewestLiveOne) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  auto& series = store->series();
  EXPECT_FALSE(series.latest(asset, k_metric).value());

  ASSERT_TRUE(series.write_live(samples(asset, {{5000, 1.0}, {4000, 9.0}})));  // newest of the batch: 5 s
  EXPECT_EQ(series.latest(asset, k_metric).value()->value, 1.0);
  ASSERT_TRUE(series.write_live(samples(asset, {{3000, 2.0}})));  // older than what is stored: not latest
  EXPECT_EQ(series.latest(asset, k_metric).value()->ts_ms, 5000);
  EXPECT_EQ(series.latest(asset, k_metric).value()->value, 1.0);
  ASSERT_TRUE(series.write_live(samples(asset, {{6000, 3.0}})));
  ASSERT_TRUE(series.write_live(samples(asset, {{6000, 4.0}})));  // same time again: the first one stays
  EXPECT_EQ(series.latest(asset, k_metric).value()->ts_ms, 6000);
  EXPECT_EQ(series.latest(asset, k_metric).value()->value, 3.0);
  auto b = series.query(asset, k_metric, 6000, 6001, 1).value();
  ASSERT_EQ(b.size(), 1u);
  expect_bucket(b[0], 6000, 3.0, 3.0, 3.0, 1);
  // Back-filled history newer than the live value leaves the live value alone.
  ASSERT_TRUE(series.write_history(samples(asset, {{9000, 7.0}})));
  EXPECT_EQ(series.latest(asset, k_metric).value()->value, 3.0);
  EXPECT_EQ(raw_count("samples"), 5);  // 5 s, 4 s, 3 s, 6 s, 9 s
  // The value written twice at 6 s counts once in the aggregates too (all in the first minute and hour).
  EXPECT_EQ(raw_text("SELECT value_count FROM rollups WHERE interval_ms = 60000"), "5");
  EXPECT_EQ(raw_text("SELECT value_count FROM rollups WHERE interval_ms = 3600000"), "5");
  ASSERT_TRUE(series.write_live(std::vector<Sample>{{asset, "temperature_c", 7000, 41.5}}));
  EXPECT_EQ(series.latest_values(asset).value(),
            (std::vector<MetricValue>{{"temperature_c", 7000, 41.5}, {std::string(k_metric), 6000, 3.0}}));
}

TEST_P(SeriesTest, ABatchIsWrittenWholeOrNotAtAll) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  auto batch = samples(asset, {{1000, 1.0}, {2000, 2.0}, {3000, std::numeric_limits<double>::quiet_NaN()}});
  auto ok = store->series().write_live(batch);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(ok.error().message.find("sample 2: value"), std::string::npos) << ok.error().message;
  // An unknown asset, found after the first samples resolved their series: rolled back too.
  batch = samples(asset, {{1000, 1.0}});
  batch.push_back({asset + 100, "x", 1000, 1.0});
  ok = store->series().write_live(batch);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, ErrorCode::not_found);
  EXPECT_NE(ok.error().message.find(fmt::format("asset {} does not exist", asset + 100)), std::string::npos);
  EXPECT_EQ(raw_count("samples"), 0);
  EXPECT_EQ(raw_count("metrics"), 0);
  EXPECT_EQ(raw_count("latest"), 0);
  EXPECT_EQ(raw_count("rollups"), 0);
}

TEST_P(SeriesTest, TwoWritersAtOnceLoseNothing) {
  auto first = open();
  ASSERT_TRUE(first);
  const auto asset = first->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  auto second = open();
  ASSERT_TRUE(second);
  // Each writer: 40 batches of 10 values to each of two metrics, the two in opposite orders; writer w at
  // seconds [400 w, 400 w + 400), value = the second.
  const auto write = [&](Store& store, int w) {
    for (int batch = 0; batch < 40; ++batch) {
      std::vector<Sample> samples;
      for (const char* metric : w == 0 ? std::array{"a", "b"} : std::array{"b", "a"})
        for (int k = 0; k < 10; ++k) {
          const std::int64_t second_of_run = 400 * w + 10 * batch + k;
          samples.push_back({asset, metric, second_of_run * 1000, double(second_of_run)});
        }
      auto ok = store.series().write_live(samples);
      EXPECT_TRUE(ok) << ok.error().message;
    }
  };
  {
    std::jthread a([&] { write(*first, 0); });
    std::jthread b([&] { write(*second, 1); });
  }
  EXPECT_EQ(raw_count("samples"), 1600);
  for (const char* metric : {"a", "b"}) {
    const auto b = first->series().query(asset, metric, 0, 800'000, 1).value();
    ASSERT_EQ(b.size(), 1u);
    expect_bucket(b[0], 0, 0, 799, 399.5, 800);  // 0..799 s, mean (0 + 799) / 2
    // The hourly aggregate counts every value once.
    EXPECT_EQ(raw_text(fmt::format("SELECT value_count FROM rollups r JOIN metrics m ON m.id = r.metric_id "
                                   "WHERE m.name = '{}' AND r.interval_ms = 3600000",
                                   metric)),
              "800");
    EXPECT_EQ(first->series().latest(asset, metric).value()->value, 799.0);
  }
}

// Raw kept 10 s, fine aggregates per 4 s kept 20 s, coarse aggregates per 8 s; values i at i s, i = 0..39.
constexpr RetentionPolicy k_small{
    .raw_ms = 10'000, .interval_ms = 4'000, .aggregate_ms = 20'000, .coarse_interval_ms = 8'000};

std::int64_t write_forty_seconds(Store& store) {
  const auto asset = store.registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  std::vector<Sample> batch;
  for (std::int64_t i = 0; i < 40; ++i) batch.push_back({asset, std::string(k_metric), i * 1000, double(i)});
  EXPECT_TRUE(store.series().write_live(batch));
  return asset;
}

TEST_P(SeriesTest, AggregatesAreKeptAtEveryWriteAndReadAtTheLevelThatFits) {
  auto store = open(k_small);
  ASSERT_TRUE(store);
  const auto asset = write_forty_seconds(*store);
  EXPECT_EQ(raw_text("SELECT count(*) FROM rollups WHERE interval_ms = 4000"), "10");
  EXPECT_EQ(raw_text("SELECT count(*) FROM rollups WHERE interval_ms = 8000"), "5");
  // Take the raw values away behind the store's back: buckets of 4 s and more still come from aggregates.
  ASSERT_EQ(raw_exec("DELETE FROM samples"), "");
  auto b = store->series().query(asset, k_metric, 0, 40'000, 10).value();  // 4 s: the fine level
  ASSERT_EQ(b.size(), 10u);
  expect_bucket(b[0], 0, 0, 3, 1.5, 4);
  expect_bucket(b[9], 36'000, 36, 39, 37.5, 4);
  b = store->series().query(asset, k_metric, 0, 40'000, 5).value();  // 8 s: the coarse level
  ASSERT_EQ(b.size(), 5u);
  expect_bucket(b[0], 0, 0, 7, 3.5, 8);
  expect_bucket(b[4], 32'000, 32, 39, 35.5, 8);
  // 1 s buckets read raw values: none left.
  EXPECT_TRUE(store->series().query(asset, k_metric, 0, 40'000, 40).value().empty());
}

TEST_P(SeriesTest, MaintenanceDeletesRawValuesThenFineAggregatesPastTheirRetention) {
  auto store = open(k_small);
  ASSERT_TRUE(store);
  const auto asset = write_forty_seconds(*store);
  // At 40 s: raw cut-off 40 - 10 = 30 s, down to whole 4 s intervals: 28 s (values 0..27 go); fine cut-off
  // 40 - 20 = 20 s, down to whole 8 s intervals: 16 s (the fine aggregates at 0, 4, 8 and 12 s go).
  auto report = store->series().maintain(40'000).value();
  EXPECT_EQ(report.raw_deleted, 28);
  EXPECT_EQ(report.aggregates_deleted, 4);
  EXPECT_EQ(raw_count("samples"), 12);
  EXPECT_EQ(raw_text("SELECT count(*) FROM rollups WHERE interval_ms = 4000"), "6");
  EXPECT_EQ(raw_text("SELECT count(*) FROM rollups WHERE interval_ms = 8000"), "5");

  // 1 s buckets over everything: raw values from 28 s, fine aggregates for [16 s, 28 s), coarse ones before.
  auto b = store->series().query(asset, k_metric, 0, 40'000, 40).value();
  ASSERT_EQ(b.size(), 2u + 3u + 12u);
  expect_bucket(b[0], 0, 0, 7, 3.5, 8);
  expect_bucket(b[1], 8000, 8, 15, 11.5, 8);
  expect_bucket(b[2], 16'000, 16, 19, 17.5, 4);
  expect_bucket(b[4], 24'000, 24, 27, 25.5, 4);
  expect_bucket(b[5], 28'000, 28, 28, 28, 1);
  expect_bucket(b[16], 39'000, 39, 39, 39, 1);
  std::int64_t total = 0;
  for (const auto& bucket : b) total += bucket.count;
  EXPECT_EQ(total, 40);
  EXPECT_EQ(store->series().latest(asset, k_metric).value()->value, 39.0);

  // Again, or earlier: nothing more to delete; the cut-offs do not move back.
  report = store->series().maintain(40'000).value();
  EXPECT_EQ(report.raw_deleted + report.aggregates_deleted, 0);
  report = store->series().maintain(30'000).value();
  EXPECT_EQ(report.raw_deleted + report.aggregates_deleted, 0);
  EXPECT_EQ(store->series().query(asset, k_metric, 0, 40'000, 40).value().size(), 17u);

  // A value that arrives late, long past the raw retention, still counts in its aggregates: the coarse one
  // at 0 s becomes count 9, min 0, max 100, sum 28 + 100 = 128, mean 128 / 9.
  ASSERT_TRUE(store->series().write_history(samples(asset, {{2500, 100.0}})));
  b = store->series().query(asset, k_metric, 0, 8000, 1).value();
  ASSERT_EQ(b.size(), 1u);
  expect_bucket(b[0], 0, 0, 100, 128.0 / 9.0, 9);
  EXPECT_EQ(store->series().maintain(40'000).value().raw_deleted, 1);
}

TEST_P(SeriesTest, ARetentionPolicyThatCannotWorkIsRefused) {
  for (RetentionPolicy p :
       {RetentionPolicy{.raw_ms = 0}, RetentionPolicy{.raw_ms = 1000, .interval_ms = 2000},
        RetentionPolicy{.raw_ms = 1000, .interval_ms = 0},
        RetentionPolicy{.raw_ms = 10'000, .interval_ms = 1000, .aggregate_ms = 5000},
        RetentionPolicy{.interval_ms = 4000, .coarse_interval_ms = 6000},
        RetentionPolicy{.interval_ms = 4000, .coarse_interval_ms = 4000}}) {
    auto store = Store::open(options(p));
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::invalid_argument) << store.error().message;
  }
  EXPECT_TRUE(Store::open(options(k_small)));
}

VIGIL_FOR_EACH_ENGINE(SeriesTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
