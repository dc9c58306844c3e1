// The hub's ingest on both engines, fed the updates the host session hands over: births register assets with
// their properties, live values become the latest and historical ones never do, a record seen before is
// stored once and acknowledged again, and a batch is stored whole or not at all.
#include "hub/ingest.hpp"

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::test {
namespace VIGIL_TEST_FILE {

namespace sp = proto::sparkplug;
using store::test::EngineTest;

const NodeKey k_node{"plant1", "line3"};

sp::Metric metric(std::string name, sp::MetricValue value, std::optional<std::uint64_t> ts_ms = {},
                  bool historical = false) {
  sp::Metric m;
  m.name = std::move(name);
  m.value = std::move(value);
  m.timestamp_ms = ts_ms;
  m.is_historical = historical;
  return m;
}

BirthUpdate device_birth(std::string device, std::int64_t criticality = 4) {
  return BirthUpdate{k_node,
                     std::move(device),
                     3,
                     1000,
                     {metric("Properties/Bearing", std::string("6205-2RS")),
                      metric("Properties/Location", std::string("pump 7 drive end")),
                      metric("Properties/Criticality", criticality),
                      metric("Device Control/Rebaseline", false), metric("Health/Index", sp::MetricValue{})}};
}

DataUpdate data(std::string device, std::vector<sp::Metric> live, std::vector<sp::Metric> historical = {},
                std::vector<std::uint64_t> records = {}) {
  return DataUpdate{
      k_node, std::move(device), 1, 2000, std::move(live), std::move(historical), std::move(records)};
}

using IngestTest = EngineTest;

TEST_P(IngestTest, ABirthRegistersTheAssetWithItsPropertiesAndLeavesPeoplesEditsAlone) {
  auto s = open();
  ASSERT_TRUE(s);
  Ingest ingest(*s);
  const std::vector<Update> births = {BirthUpdate{k_node, "", 3, 900, {metric("bdSeq", std::int64_t{3})}},
                                      device_birth("pump7")};
  auto batch = ingest.apply(births, 1000);
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->events.size(), 2u);
  EXPECT_EQ(batch->events[0].kind, IngestEvent::Kind::node_birth);
  EXPECT_EQ(batch->events[1].kind, IngestEvent::Kind::asset_birth);
  const auto assets = s->registry().assets(0, 10).value();
  ASSERT_EQ(assets.size(), 1u);
  EXPECT_EQ(assets[0].device_id, "pump7");
  EXPECT_EQ(assets[0].metadata.bearing, "6205-2RS");
  EXPECT_EQ(assets[0].metadata.location, "pump 7 drive end");
  EXPECT_EQ(assets[0].metadata.criticality, 4);
  EXPECT_TRUE(assets[0].online);
  // A person edits the metadata; the next birth (a reconnect, a new process) keeps the edit.
  store::AssetMetadata edited = assets[0].metadata;
  edited.criticality = 5;
  ASSERT_TRUE(s->registry().set_metadata(assets[0].id, edited));
  Ingest after_restart(*s);
  const std::vector<Update> again = {device_birth("pump7", 1)};
  ASSERT_TRUE(after_restart.apply(again, 5000));
  EXPECT_EQ(s->registry().asset(assets[0].id)->metadata.criticality, 5);
  // Control metrics and null values are not state.
  EXPECT_EQ(raw_count("metrics"), 0);
}

TEST_P(IngestTest, LiveValuesBecomeTheLatestAndHistoricalOnesNever) {
  auto s = open();
  ASSERT_TRUE(s);
  Ingest ingest(*s);
  const std::vector<Update> updates = {
      device_birth("pump7"),
      data("pump7",
           {metric("Health/Index", 0.8, 10'000), metric("Alert/Level", std::string("watch"), 10'000)}),
      // The backlog of an outage, sent late: older values, marked historical.
      data("pump7", {},
           {metric("Health/Index", 0.9, 5'000, true),
            metric("Alert/Level", std::string("normal"), 5'000, true)},
           {7})};
  auto batch = ingest.apply(updates, 20'000);
  ASSERT_TRUE(batch) << batch.error().message;
  const auto asset = s->registry().assets(0, 1).value().at(0).id;
  EXPECT_EQ(s->series().latest(asset, "Health/Index").value()->value, 0.8);
  EXPECT_EQ(s->state().texts(asset).value().front().value, "watch");
  // Both values are in the series, in time order.
  const auto buckets = s->series().query(asset, "Health/Index", 0, 20'000, 20'000).value();
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].start_ms, 5'000);
  EXPECT_EQ(buckets[0].mean, 0.9);
  ASSERT_EQ(batch->acknowledge.size(), 1u);
  EXPECT_EQ(batch->acknowledge[0].second, std::vector<std::uint64_t>{7});
}

TEST_P(IngestTest, ARecordSeenBeforeIsStoredOnceAndAcknowledgedAgain) {
  auto s = open();
  ASSERT_TRUE(s);
  Ingest ingest(*s);
  const std::vector<Update> first = {device_birth("pump7"),
                                     data("pump7", {metric("Health/Index", 0.7, 10'000)}, {}, {41})};
  ASSERT_TRUE(ingest.apply(first, 20'000));
  // The acknowledgement was lost: the edge sends record 41 again, as historical.
  const std::vector<Update> resent = {data("pump7", {}, {metric("Health/Index", 0.7, 10'000, true)}, {41})};
  auto batch = ingest.apply(resent, 30'000);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->duplicate_records, 1u);
  EXPECT_EQ(batch->values_stored, 0u);
  ASSERT_EQ(batch->acknowledge.size(), 1u);
  EXPECT_EQ(batch->acknowledge[0].second, std::vector<std::uint64_t>{41});
  EXPECT_EQ(raw_count("samples"), 1);
  EXPECT_EQ(raw_count("edge_records"), 1);
}

TEST_P(IngestTest, ABatchWithABadValueStoresNothing) {
  auto s = open();
  ASSERT_TRUE(s);
  Ingest ingest(*s);
  const std::vector<Update> updates = {
      device_birth("pump7"), data("pump7", {metric("Health/Index", 0.7, 10'000)}, {}, {1}),
      data("pump7", {metric("Decision/Reason", std::string(70'000, 'x'), 10'000)}, {}, {2})};
  auto batch = ingest.apply(updates, 20'000);
  ASSERT_FALSE(batch);
  EXPECT_NE(batch.error().message.find("value"), std::string::npos) << batch.error().message;
  EXPECT_EQ(raw_count("assets"), 0);
  EXPECT_EQ(raw_count("samples"), 0);
  EXPECT_EQ(raw_count("edge_records"), 0);
  // The same updates without the bad one go in.
  const std::vector<Update> good(updates.begin(), updates.begin() + 2);
  ASSERT_TRUE(ingest.apply(good, 20'000));
  EXPECT_EQ(raw_count("edge_records"), 1);
}

TEST_P(IngestTest, ANodeDeathMarksItsAssetsStaleAtTheHubsClock) {
  auto s = open();
  ASSERT_TRUE(s);
  Ingest ingest(*s);
  const std::vector<Update> births = {BirthUpdate{k_node, "", 3, 900, {metric("bdSeq", std::int64_t{3})}},
                                      device_birth("pump7")};
  ASSERT_TRUE(ingest.apply(births, 1000));
  const std::vector<Update> death = {DeathUpdate{k_node, "", {"pump7"}, 7000}};
  auto batch = ingest.apply(death, 7000);
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->events.size(), 2u);
  EXPECT_EQ(batch->events[1].kind, IngestEvent::Kind::asset_death);
  const auto asset = s->registry().assets(0, 1).value().at(0);
  EXPECT_FALSE(asset.online);
  EXPECT_EQ(asset.stale_since_ms, 7000);
  EXPECT_FALSE(ingest.nodes().at(k_node).online);
}

VIGIL_FOR_EACH_ENGINE(IngestTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::test
