// Malformed input on both engines: empty ids, non-finite values, bad UTF-8, NUL bytes, oversized texts and
// impossible ranges are refused with an error naming the field, and nothing is stored; SQL in text fields
// is stored verbatim and never executed (every value is a bound parameter).
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

using MalformedInputTest = EngineTest;

void expect_refused(const Status& s, std::string_view field) {
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::invalid_argument) << s.error().message;
  EXPECT_NE(s.error().message.find(field), std::string::npos) << s.error().message;
}
template <typename T>
void expect_refused(const Result<T>& r, std::string_view field) {
  expect_refused(r ? Status{} : Status{std::unexpected(r.error())}, field);
}

const std::vector<std::string> k_injections = {
    "pump'); DROP TABLE assets; --", "Robert'); DROP TABLE audit;--", "x' OR '1'='1",
    "\"; DELETE FROM samples; --",   "?1 $1 :name @p %s {}",          "1; SELECT pg_sleep(10)",
};

TEST_P(MalformedInputTest, EmptyIdsAreRefusedNamingTheField) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  expect_refused(r.node_birth("", "edge-1", 0, 0), "group id: empty");
  expect_refused(r.node_birth("plant", "", 0, 0), "edge node id: empty");
  expect_refused(r.register_asset("plant", "edge-1", "", 0), "device id: empty");
  expect_refused(r.add_site(""), "site name: empty");
  const auto asset = r.register_asset("plant", "edge-1", "pump-1", 0).value();
  expect_refused(r.add_point(asset, ""), "measurement point name: empty");
  expect_refused(store->series().write_live(std::vector<Sample>{{asset, "", 0, 1.0}}),
                 "sample 0: metric: empty");
  expect_refused(store->series().write_live(std::vector<Sample>{{0, "x", 0, 1.0}}), "sample 0: asset id");
  expect_refused(store->records().accept({"", "edge-1", 1}, {}, 0), "group id: empty");
  expect_refused(store->audit().append({0, 0, "", "login", "", ""}), "audit actor: empty");
  expect_refused(store->audit().append({0, 0, "ana", "", "", ""}), "audit action: empty");
  EXPECT_EQ(raw_count("edge_nodes"), 0);
  EXPECT_EQ(raw_count("assets"), 1);
  EXPECT_EQ(raw_count("sites"), 0);
  EXPECT_EQ(raw_count("edge_records"), 0);
  EXPECT_EQ(raw_count("audit"), 0);
}

TEST_P(MalformedInputTest, NonFiniteValuesAndTimesBefore1970AreRefused) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()})
    expect_refused(
        store->series().write_live(std::vector<Sample>{{asset, "x", 0, 1.0}, {asset, "x", 1, bad}}),
        "sample 1: value");
  expect_refused(store->series().write_history(std::vector<Sample>{{asset, "x", -1, 1.0}}),
                 "sample 0: timestamp ms: -1 is before 1970");
  EXPECT_EQ(raw_count("samples"), 0);
}

TEST_P(MalformedInputTest, BadTextIsRefusedNamingTheField) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  expect_refused(r.add_site("caf\xc3"), "site name: not UTF-8 at byte offset 3");       // truncated sequence
  expect_refused(r.add_site("\xc0\xaf"), "site name: not UTF-8 at byte offset 0");      // overlong '/'
  expect_refused(r.add_site("\xed\xa0\x80"), "site name: not UTF-8 at byte offset 0");  // a surrogate
  expect_refused(r.add_site("ok\xff"), "site name: not UTF-8 at byte offset 2");
  expect_refused(r.add_site(std::string("a\0b", 3)), "site name: NUL byte at offset 1");
  expect_refused(r.add_site(std::string(257, 'a')), "site name: 257 bytes, at most 256 allowed");
  const auto asset = r.register_asset("plant", "edge-1", "pump-1", 0).value();
  AssetMetadata m;
  m.location = std::string(1025, 'x');
  expect_refused(r.set_metadata(asset, m), "location: 1025 bytes, at most 1024 allowed");
  expect_refused(store->audit().append({0, 0, "ana", "note", "", std::string(65537, 'x')}),
                 "audit detail: 65537 bytes");
  EXPECT_EQ(raw_count("sites"), 0);
  EXPECT_EQ(raw_count("audit"), 0);
  EXPECT_EQ(r.asset(asset).value().metadata, AssetMetadata{});
  // At the limits: accepted. Four-byte UTF-8 is fine.
  EXPECT_TRUE(r.add_site(std::string(256, 'a')));
  EXPECT_TRUE(r.add_site("Werk Ω \xf0\x9f\x8f\xad"));
}

TEST_P(MalformedInputTest, SqlInTextFieldsIsStoredVerbatimAndNeverRun) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& r = store->registry();
  for (const auto& text : k_injections) {
    const auto site = r.add_site(text).value();
    const auto line = r.add_line(site, text).value();
    ASSERT_TRUE(r.node_birth(text, text, 1, 0));
    const auto asset = r.register_asset(text, text, text, 0).value();
    ASSERT_TRUE(r.place_asset(asset, line));
    AssetMetadata m{
        .bearing = text, .machine_class = text, .criticality = 1, .location = text, .spare_part = text};
    ASSERT_TRUE(r.set_metadata(asset, m));
    EXPECT_EQ(r.asset(asset).value().metadata, m);
    EXPECT_EQ(r.asset(asset).value().device_id, text);
    EXPECT_EQ(r.edge_node(text, text).value()->node_id, text);
    EXPECT_EQ(r.points(asset).value().size(), 0u);
    ASSERT_TRUE(r.add_point(asset, text));
    EXPECT_EQ(r.points(asset).value().at(0).name, text);
    ASSERT_TRUE(store->series().write_live(std::vector<Sample>{{asset, text, 1000, 2.5}}));
    EXPECT_EQ(store->series().latest(asset, text).value()->value, 2.5);
    EXPECT_EQ(store->series().query(asset, text, 0, 2000, 10).value().size(), 1u);
    ASSERT_TRUE(store->records().accept({text, text, 1}, {}, 0).value());
    EXPECT_FALSE(store->records().accept({text, text, 1}, {}, 0).value());
    ASSERT_TRUE(store->audit().append({0, 0, text, text, text, text}));
  }
  const auto n = static_cast<std::int64_t>(k_injections.size());
  // Every table is still there with exactly the rows written.
  EXPECT_EQ(raw_count("sites"), n);
  EXPECT_EQ(raw_count("lines"), n);
  EXPECT_EQ(raw_count("edge_nodes"), n);
  EXPECT_EQ(raw_count("assets"), n);
  EXPECT_EQ(raw_count("points"), n);
  EXPECT_EQ(raw_count("metrics"), n);
  EXPECT_EQ(raw_count("samples"), n);
  EXPECT_EQ(raw_count("edge_records"), n);
  EXPECT_EQ(raw_count("audit"), n);
  const auto audit = store->audit().list(0, 100).value();
  ASSERT_EQ(audit.size(), k_injections.size());
  for (std::size_t i = 0; i < audit.size(); ++i) EXPECT_EQ(audit[i].detail, k_injections[i]);
}

TEST_P(MalformedInputTest, ImpossibleQueriesAreRefused) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  auto& s = store->series();
  expect_refused(s.query(asset, "x", 1000, 1000, 10), "time range");
  expect_refused(s.query(asset, "x", 2000, 1000, 10), "time range");
  expect_refused(s.query(asset, "x", -5, 1000, 10), "time range");
  expect_refused(s.query(asset, "x", 0, 1000, 0), "max points: 0 is outside 1..100000");
  expect_refused(s.query(asset, "x", 0, 1000, 100'001), "max points");
  expect_refused(s.query(0, "x", 0, 1000, 10), "asset id: 0 is not a valid id");
  expect_refused(s.query(asset, "", 0, 1000, 10), "metric: empty");
  // The widest range there is: no overflow in the bucket width.
  ASSERT_TRUE(
      s.write_live(std::vector<Sample>{{asset, "x", std::numeric_limits<std::int64_t>::max() - 1, 1.0}}));
  const auto b = s.query(asset, "x", 0, std::numeric_limits<std::int64_t>::max(), 100'000).value();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].count, 1);
  // Width ceil((2^63 - 1) / 100000) = 92,233,720,368,548 ms; the value is in the last bucket, 99,999.
  EXPECT_EQ(b[0].start_ms, 99'999 * 92'233'720'368'548);
  expect_refused(store->audit().list(0, 0), "page size");
}

VIGIL_FOR_EACH_ENGINE(MalformedInputTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
