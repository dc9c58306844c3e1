// The registry on both engines: edge node sessions (a death counts only for the current bdSeq), assets
// registered once from births, the metadata people edit, the site → line → asset → point tree and paging.
#include "hub/store/registry.hpp"

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

using RegistryTest = EngineTest;

TEST_P(RegistryTest, ANodeDeathCountsOnlyForTheCurrentSession) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  ASSERT_TRUE(r.node_birth("plant", "edge-1", 3, 100));
  auto node = r.edge_node("plant", "edge-1").value();
  ASSERT_TRUE(node);
  EXPECT_EQ(node->bd_seq, 3);
  EXPECT_TRUE(node->online);
  EXPECT_EQ(node->last_seen_ms, 100);

  EXPECT_FALSE(r.node_death("plant", "edge-1", 2, 200).value());  // an older session's will
  EXPECT_TRUE(r.edge_node("plant", "edge-1").value()->online);
  EXPECT_EQ(r.edge_node("plant", "edge-1").value()->last_seen_ms, 100);
  EXPECT_TRUE(r.node_death("plant", "edge-1", 3, 300).value());
  node = r.edge_node("plant", "edge-1").value();
  EXPECT_FALSE(node->online);
  EXPECT_EQ(node->last_seen_ms, 300);
  EXPECT_FALSE(r.node_death("plant", "edge-9", 3, 300).value());  // unknown node
  EXPECT_FALSE(r.edge_node("plant", "edge-9").value());

  ASSERT_TRUE(r.node_birth("plant", "edge-1", 4, 400));
  EXPECT_TRUE(r.edge_node("plant", "edge-1").value()->online);
  ASSERT_TRUE(r.node_seen("plant", "edge-1", 350));  // late: last seen does not move back
  EXPECT_EQ(r.edge_node("plant", "edge-1").value()->last_seen_ms, 400);
  ASSERT_TRUE(r.node_seen("plant", "edge-1", 500));
  EXPECT_EQ(r.edge_node("plant", "edge-1").value()->last_seen_ms, 500);

  ASSERT_TRUE(r.node_birth("plant", "edge-0", 0, 600));
  const auto nodes = r.edge_nodes().value();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].node_id, "edge-0");
  EXPECT_EQ(nodes[1].node_id, "edge-1");
  EXPECT_EQ(nodes[1].bd_seq, 4);
}

TEST_P(RegistryTest, AnAssetGoesStaleOnItsDeathOrItsNodes) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  ASSERT_TRUE(r.node_birth("plant", "edge-1", 1, 100));
  const auto pump = r.register_asset("plant", "edge-1", "pump", 100).value();
  const auto fan = r.register_asset("plant", "edge-1", "fan", 100).value();
  const auto motor = r.register_asset("plant", "edge-2", "motor", 100).value();
  for (auto id : {pump, fan, motor}) EXPECT_TRUE(r.asset(id).value().online);

  EXPECT_TRUE(r.device_death("plant", "edge-1", "pump", 150).value());  // DDEATH: its own timestamp
  EXPECT_FALSE(r.asset(pump).value().online);
  EXPECT_EQ(r.asset(pump).value().stale_since_ms, 150);
  EXPECT_TRUE(r.asset(fan).value().online);
  EXPECT_FALSE(r.device_death("plant", "edge-1", "drill", 150).value());

  EXPECT_FALSE(r.node_death("plant", "edge-1", 0, 200).value());  // another session's: nothing changes
  EXPECT_TRUE(r.asset(fan).value().online);
  EXPECT_TRUE(r.node_death("plant", "edge-1", 1, 300).value());  // NDEATH: the hub's clock, every device
  EXPECT_FALSE(r.asset(fan).value().online);
  EXPECT_EQ(r.asset(fan).value().stale_since_ms, 300);
  EXPECT_EQ(r.asset(pump).value().stale_since_ms, 150);  // already stale: keeps when it went
  EXPECT_TRUE(r.asset(motor).value().online);            // another node's

  EXPECT_EQ(r.register_asset("plant", "edge-1", "pump", 400).value(), pump);  // rebirth
  EXPECT_TRUE(r.asset(pump).value().online);
}

TEST_P(RegistryTest, AnAssetIsRegisteredOnceFromItsBirths) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  const auto pump = r.register_asset("plant", "edge-1", "pump-1", 100).value();
  EXPECT_EQ(r.register_asset("plant", "edge-1", "pump-1", 200).value(), pump);    // a rebirth
  const auto other = r.register_asset("plant", "edge-2", "pump-1", 300).value();  // same name, other node
  EXPECT_NE(other, pump);
  EXPECT_EQ(raw_count("assets"), 2);
  const auto a = r.asset(pump).value();
  EXPECT_EQ(a.group_id, "plant");
  EXPECT_EQ(a.node_id, "edge-1");
  EXPECT_EQ(a.device_id, "pump-1");
  EXPECT_EQ(a.first_seen_ms, 100);  // from the first birth
  EXPECT_FALSE(a.line_id);
  EXPECT_EQ(a.metadata, AssetMetadata{});

  auto missing = r.asset(other + 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_P(RegistryTest, MetadataIsStoredAsEdited) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  const auto id = r.register_asset("plant", "edge-1", "pump-1", 100).value();
  const AssetMetadata m{.bearing = "SKF 6205-2RS",
                        .machine_class = "ISO 10816-3 group 2, rigid",
                        .criticality = 5,
                        .location = "Halle 3 — Pumpenraum Süd",
                        .spare_part = "6205-2RSH/C3 (Lager 4711)"};
  ASSERT_TRUE(r.set_metadata(id, m));
  EXPECT_EQ(r.asset(id).value().metadata, m);
  // A rebirth does not undo an edit.
  ASSERT_TRUE(r.register_asset("plant", "edge-1", "pump-1", 900));
  EXPECT_EQ(r.asset(id).value().metadata, m);

  AssetMetadata too_critical;
  too_critical.criticality = 6;
  auto bad = r.set_metadata(id, too_critical);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("criticality: 6 is outside 0..5"), std::string::npos)
      << bad.error().message;
  EXPECT_EQ(r.asset(id).value().metadata, m);
  auto unknown = r.set_metadata(id + 1, m);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST_P(RegistryTest, SitesLinesAssetsAndPointsFormATree) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  const auto site = r.add_site("Plant A").value();
  EXPECT_EQ(r.add_site("Plant A").value(), site);  // get-or-create
  const auto other_site = r.add_site("Plant B").value();
  const auto line = r.add_line(site, "Line 1").value();
  const auto line_2 = r.add_line(site, "Line 2").value();
  EXPECT_EQ(r.add_line(site, "Line 1").value(), line);
  EXPECT_NE(r.add_line(other_site, "Line 1").value(), line);  // names are per site
  const auto asset = r.register_asset("plant", "edge-1", "pump-1", 100).value();
  ASSERT_TRUE(r.place_asset(asset, line));
  EXPECT_EQ(r.asset(asset).value().line_id, line);
  const auto de = r.add_point(asset, "drive end, horizontal").value();
  const auto nde = r.add_point(asset, "non-drive end, axial").value();
  EXPECT_EQ(r.add_point(asset, "drive end, horizontal").value(), de);

  const auto sites = r.sites().value();
  ASSERT_EQ(sites.size(), 2u);
  EXPECT_EQ(sites[0].name, "Plant A");
  const auto lines = r.lines(site).value();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].id, line);
  EXPECT_EQ(lines[1].id, line_2);
  const auto points = r.points(asset).value();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].id, de);
  EXPECT_EQ(points[1].id, nde);
  EXPECT_EQ(points[1].name, "non-drive end, axial");

  auto nowhere = r.place_asset(asset, line_2 + 100);
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().code, ErrorCode::not_found);
  EXPECT_EQ(r.asset(asset).value().line_id, line);
  ASSERT_TRUE(r.place_asset(asset, std::nullopt));
  EXPECT_FALSE(r.asset(asset).value().line_id);
  EXPECT_EQ(r.add_line(other_site + 100, "Line 1").error().code, ErrorCode::not_found);
  EXPECT_EQ(r.add_point(asset + 100, "x").error().code, ErrorCode::not_found);
}

TEST_P(RegistryTest, AssetsArePagedById) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(r.register_asset("plant", "edge-1", fmt::format("pump-{}", i), i).value());
  std::vector<std::int64_t> seen;
  std::int64_t after = 0;
  for (int page = 0; page < 10; ++page) {
    const auto assets = r.assets(after, 2).value();
    if (assets.empty()) break;
    EXPECT_LE(assets.size(), 2u);
    for (const auto& a : assets) seen.push_back(a.id);
    after = assets.back().id;
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(r.assets(0, 0).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(r.assets(0, 1001).error().code, ErrorCode::invalid_argument);
}

VIGIL_FOR_EACH_ENGINE(RegistryTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
