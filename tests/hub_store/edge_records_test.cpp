// Store-and-forward records on both engines: each (group, edge node, record id) is stored once however
// often it is sent, a record is all-or-nothing, and history lands in time order without touching the live
// state.
#include "hub/store/edge_records.hpp"

#include <limits>

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

using EdgeRecordsTest = EngineTest;

std::vector<Sample> two_samples(std::int64_t asset, std::int64_t record_id) {
  return {{asset, "velocity_rms_mm_s", record_id * 1000, double(record_id)},
          {asset, "temperature_c", record_id * 1000, 40.0 + double(record_id)}};
}

TEST_P(EdgeRecordsTest, EachRecordIsStoredOnceHoweverOftenItIsSent) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  auto& records = store->records();
  // Records 1..10, then 6..15 (the acknowledgement of 6..10 was lost): 10 + 5 new, 5 duplicates.
  int fresh = 0, duplicate = 0;
  for (std::int64_t id = 1; id <= 10; ++id)
    (records.accept({"plant", "edge-1", id}, two_samples(asset, id), 100).value() ? fresh : duplicate)++;
  for (std::int64_t id = 6; id <= 15; ++id)
    (records.accept({"plant", "edge-1", id}, two_samples(asset, id), 200).value() ? fresh : duplicate)++;
  EXPECT_EQ(fresh, 15);
  EXPECT_EQ(duplicate, 5);
  EXPECT_EQ(raw_count("edge_records"), 15);
  EXPECT_EQ(raw_count("samples"), 30);
  EXPECT_EQ(raw_text("SELECT sum(value_count) FROM rollups WHERE interval_ms = 3600000"), "30");
  // The same record id from another node or another group is another record.
  EXPECT_TRUE(records.accept({"plant", "edge-2", 1}, {}, 300).value());
  EXPECT_TRUE(records.accept({"other", "edge-1", 1}, {}, 300).value());
  EXPECT_TRUE(records.contains({"plant", "edge-1", 15}).value());
  EXPECT_FALSE(records.contains({"plant", "edge-1", 16}).value());
  EXPECT_EQ(
      raw_text("SELECT received_ms FROM edge_records WHERE node_id = 'edge-1' AND group_id = 'plant' AND "
               "record_id = 8"),
      "100");  // the first arrival's time
}

TEST_P(EdgeRecordsTest, HistoryIsStoredInTimeOrderWithoutTouchingTheLiveValue) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  ASSERT_TRUE(store->series().write_live(std::vector<Sample>{{asset, "velocity_rms_mm_s", 10'000, 7.0}}));
  // Records arrive newest first and out of order; one is newer than the live value.
  for (std::int64_t id : {4, 2, 9, 1, 3})
    ASSERT_TRUE(store->records()
                    .accept({"plant", "edge-1", id},
                            std::vector<Sample>{{asset, "velocity_rms_mm_s", id * 2500, double(id)}}, 0)
                    .value());
  const auto latest = store->series().latest(asset, "velocity_rms_mm_s").value();
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->ts_ms, 10'000);
  EXPECT_EQ(latest->value, 7.0);
  // One bucket per ms over [0, 30 s): the values come back by time: 2.5 s → 1, 5 s → 2, 7.5 s → 3,
  // 10 s → 7 (live; record 4 at the same time came later and was not kept), 22.5 s → 9.
  const auto b = store->series().query(asset, "velocity_rms_mm_s", 0, 30'000, 30'000).value();
  std::vector<std::pair<std::int64_t, double>> got;
  for (const auto& bucket : b) got.emplace_back(bucket.start_ms, bucket.min);
  EXPECT_EQ(got, (std::vector<std::pair<std::int64_t, double>>{
                     {2500, 1.0}, {5000, 2.0}, {7500, 3.0}, {10'000, 7.0}, {22'500, 9.0}}));
}

TEST_P(EdgeRecordsTest, ARecordWithABadSampleIsNotNoted) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  auto samples = two_samples(asset, 1);
  samples[1].value = std::numeric_limits<double>::infinity();
  auto bad = store->records().accept({"plant", "edge-1", 1}, samples, 0);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("sample 1: value"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(store->records().contains({"plant", "edge-1", 1}).value());
  EXPECT_EQ(raw_count("samples"), 0);
  // Sent again, corrected: new.
  EXPECT_TRUE(store->records().accept({"plant", "edge-1", 1}, two_samples(asset, 1), 0).value());
  EXPECT_EQ(raw_count("samples"), 2);
  // Record ids start at 1.
  EXPECT_EQ(store->records().accept({"plant", "edge-1", 0}, {}, 0).error().code, ErrorCode::invalid_argument);
}

VIGIL_FOR_EACH_ENGINE(EdgeRecordsTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
