// An asset's text state and evidence on both engines: the newest text wins whatever the arrival order,
// evidence comes back byte for byte newest first, and a component's own schema steps migrate apart from
// the hub's.
#include "hub/store/asset_state.hpp"

#include <array>

#include <gtest/gtest.h>

#include "hub/store/schema.hpp"
#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

using AssetStateTest = EngineTest;

TEST_P(AssetStateTest, TheNewestTextWinsWhateverTheArrivalOrder) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  ASSERT_TRUE(store->state().write_texts(std::vector<TextValue>{{asset, "Alert/Level", 5000, "warning"},
                                                                {asset, "Fault/Class", 5000, "outer_race"}}));
  // A late (store-and-forward) value and an equal-time one do not replace the newer one.
  ASSERT_TRUE(store->state().write_texts(
      std::vector<TextValue>{{asset, "Alert/Level", 4000, "normal"}, {asset, "Fault/Class", 5000, "ball"}}));
  auto texts = store->state().texts(asset).value();
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0], (TextValue{asset, "Alert/Level", 5000, "warning"}));
  EXPECT_EQ(texts[1], (TextValue{asset, "Fault/Class", 5000, "outer_race"}));
  ASSERT_TRUE(store->state().write_texts(std::vector<TextValue>{{asset, "Alert/Level", 6000, "alarm"}}));
  EXPECT_EQ(store->state().texts(asset).value()[0].value, "alarm");
}

TEST_P(AssetStateTest, ABadValueWritesNothingAndNamesTheField) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  const auto bad = store->state().write_texts(
      std::vector<TextValue>{{asset, "Alert/Level", 5000, "warning"}, {asset, "", 5000, "x"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("text value 1: metric"), std::string::npos) << bad.error().message;
  EXPECT_TRUE(store->state().texts(asset).value().empty());
  EXPECT_FALSE(store->state().write_texts(std::vector<TextValue>{{asset, "Fault/Class", 1, "\xff"}}));
  EXPECT_FALSE(store->state().write_texts(std::vector<TextValue>{{asset + 100, "Fault/Class", 1, "ball"}}));
}

TEST_P(AssetStateTest, EvidenceComesBackByteForByteNewestFirst) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  std::vector<std::uint8_t> bytes(300);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7);
  for (std::int64_t t : {1000, 3000, 2000}) {
    bytes[0] = static_cast<std::uint8_t>(t / 1000);
    ASSERT_TRUE(store->state().add_evidence({asset, "Evidence/Spectrum", t, bytes}));
  }
  ASSERT_TRUE(store->state().add_evidence({asset, "Evidence/Envelope spectrum", 2500, bytes}));
  // The same (asset, metric, time) again is kept as first stored.
  bytes[0] = 99;
  ASSERT_TRUE(store->state().add_evidence({asset, "Evidence/Spectrum", 3000, bytes}));
  const auto got = store->state().evidence(asset, "Evidence/Spectrum", 3000, 10).value();
  ASSERT_EQ(got.size(), 2u);  // before 3000 ms
  EXPECT_EQ(got[0].ts_ms, 2000);
  EXPECT_EQ(got[0].data[0], 2);
  EXPECT_EQ(got[0].data[299], static_cast<std::uint8_t>(299 * 7));
  EXPECT_EQ(got[1].ts_ms, 1000);
  const auto newest = store->state().evidence(asset, "Evidence/Spectrum", 1'000'000, 1).value();
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].data[0], 3);
  EXPECT_FALSE(store->state().add_evidence({asset, "Evidence/Spectrum", 4000, {}}));
  EXPECT_EQ(store->state().delete_evidence_before(2600).value(), 3);
  EXPECT_EQ(raw_count("evidence"), 1);
}

constexpr std::array<std::string_view, 2> k_steps = {
    "CREATE TABLE widgets (id BIGINT PRIMARY KEY)",
    "ALTER TABLE widgets ADD COLUMN name TEXT NOT NULL DEFAULT ''",
};

TEST_P(AssetStateTest, AComponentsStepsMigrateUnderItsOwnName) {
  auto store = open();
  ASSERT_TRUE(store);
  const Migrations first{"widgets", std::span(k_steps).first(1), std::span(k_steps).first(1)};
  ASSERT_TRUE(migrate(store->connection(), first));
  EXPECT_EQ(schema_version(store->connection(), "widgets").value(), 1);
  EXPECT_EQ(schema_version(store->connection()).value(), k_schema_version);
  const Migrations both{"widgets", k_steps, k_steps};
  ASSERT_TRUE(migrate(store->connection(), both));
  ASSERT_TRUE(migrate(store->connection(), both));  // nothing left to do
  EXPECT_EQ(raw_text("SELECT version FROM schema_version WHERE name = 'widgets'"), "2");
  EXPECT_EQ(raw_exec("INSERT INTO widgets (id, name) VALUES (1, 'a')"), "");
  // The older build refuses the newer database.
  const auto refused = migrate(store->connection(), first);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("widgets schema version 2 is newer"), std::string::npos);
}

VIGIL_FOR_EACH_ENGINE(AssetStateTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
