// The time series on both engines: buckets, means and extremes worked out by hand in the comments, the
// latest live value, first-write-wins on a repeated time, all-or-nothing batches, and maintenance that folds
// old raw values into per-interval aggregates (hand-computed) and drops aggregates past their retention.
#include "hub/store/series.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace {

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
}

TEST_P(SeriesTest, MaintenanceFoldsOldRawValuesIntoHandComputedAggregates) {
  // Raw kept 10 s, then one aggregate per 4 s.
  auto store = open({.raw_ms = 10'000, .interval_ms = 4'000, .aggregate_ms = 0});
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  std::vector<Sample> batch;
  for (std::int64_t i = 0; i < 20; ++i) batch.push_back({asset, std::string(k_metric), i * 1000, double(i)});
  ASSERT_TRUE(store->series().write_live(batch));

  // At 20 s the raw cut-off is 20 - 10 = 10 s, rounded down to whole intervals: 8 s. Values 0..7 become
  // [0, 4 s): min 0, max 3, sum 6, count 4 and [4 s, 8 s): min 4, max 7, sum 22, count 4.
  auto report = store->series().maintain(20'000).value();
  EXPECT_EQ(report.raw_aggregated, 8);
  EXPECT_EQ(report.aggregates_deleted, 0);
  EXPECT_EQ(raw_count("samples"), 12);
  EXPECT_EQ(raw_count("rollups"), 2);
  auto b = store->series().query(asset, k_metric, 0, 20'000, 5).value();
  ASSERT_EQ(b.size(), 5u);
  expect_bucket(b[0], 0, 0, 3, 1.5, 4);
  expect_bucket(b[1], 4000, 4, 7, 5.5, 4);
  expect_bucket(b[2], 8000, 8, 11, 9.5, 4);  // raw from here on
  expect_bucket(b[4], 16000, 16, 19, 17.5, 4);
  EXPECT_EQ(store->series().latest(asset, k_metric).value()->value, 19.0);

  // Again at the same time: nothing left to fold.
  EXPECT_EQ(store->series().maintain(20'000).value().raw_aggregated, 0);

  // A value that arrives late, inside an interval already folded, is merged into it: count 5, min 0,
  // max 100, sum 6 + 100 = 106, mean 21.2.
  ASSERT_TRUE(store->series().write_history(samples(asset, {{2500, 100.0}})));
  EXPECT_EQ(store->series().maintain(20'000).value().raw_aggregated, 1);
  b = store->series().query(asset, k_metric, 0, 4000, 1).value();
  ASSERT_EQ(b.size(), 1u);
  expect_bucket(b[0], 0, 0, 100, 21.2, 5);
  EXPECT_EQ(raw_count("rollups"), 2);
}

TEST_P(SeriesTest, AggregatesPastTheirRetentionAreDeleted) {
  auto store = open({.raw_ms = 10'000, .interval_ms = 4'000, .aggregate_ms = 15'000});
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  std::vector<Sample> batch;
  for (std::int64_t i = 0; i < 20; ++i) batch.push_back({asset, std::string(k_metric), i * 1000, double(i)});
  ASSERT_TRUE(store->series().write_live(batch));
  // At 20 s: aggregates at 0 and 4 s are written, and both start before 20 - 15 = 5 s: deleted.
  auto report = store->series().maintain(20'000).value();
  EXPECT_EQ(report.raw_aggregated, 8);
  EXPECT_EQ(report.aggregates_deleted, 2);
  auto b = store->series().query(asset, k_metric, 0, 20'000, 20).value();
  ASSERT_EQ(b.size(), 12u);
  EXPECT_EQ(b.front().start_ms, 8000);
}

TEST_P(SeriesTest, ARetentionPolicyThatCannotWorkIsRefused) {
  for (RetentionPolicy p :
       {RetentionPolicy{.raw_ms = 0}, RetentionPolicy{.raw_ms = 1000, .interval_ms = 2000},
        RetentionPolicy{.raw_ms = 1000, .interval_ms = 0},
        RetentionPolicy{.raw_ms = 10'000, .interval_ms = 1000, .aggregate_ms = 5000}}) {
    auto store = Store::open(options(p));
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::invalid_argument) << store.error().message;
  }
}

VIGIL_FOR_EACH_ENGINE(SeriesTest);

}  // namespace
}  // namespace vigil::hub::store::test
