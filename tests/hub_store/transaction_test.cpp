// Transactions nest on both engines: an inner one joins the outer one, so a batch of steps (the hub's
// ingest of many messages) is stored whole or not at all.
#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

using TransactionTest = EngineTest;

TEST_P(TransactionTest, InnerStepsCommitWithTheOuterTransaction) {
  auto store = open();
  ASSERT_TRUE(store);
  auto outer = Transaction::begin(store->connection());
  ASSERT_TRUE(outer);
  ASSERT_TRUE(store->audit().append({0, 1, "ana", "a", "", ""}));
  // Series::write_live takes a Transaction of its own: it joins the outer one.
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  ASSERT_TRUE(store->series().write_live(std::vector<Sample>{{asset, "Health/Index", 1000, 0.9}}));
  // Nothing is visible to another connection before the outer commit.
  EXPECT_EQ(raw_count("audit"), 0);
  ASSERT_TRUE(outer->commit());
  EXPECT_EQ(raw_count("audit"), 1);
  EXPECT_EQ(raw_count("samples"), 1);
}

TEST_P(TransactionTest, AFailedInnerStepRollsTheWholeBatchBack) {
  auto store = open();
  ASSERT_TRUE(store);
  {
    auto outer = Transaction::begin(store->connection());
    ASSERT_TRUE(outer);
    ASSERT_TRUE(store->audit().append({0, 1, "ana", "a", "", ""}));
    const auto asset = store->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
    // A bad sample fails after the inner transaction began: it ends without commit.
    EXPECT_FALSE(store->series().write_live(std::vector<Sample>{{asset, "", 1000, 0.9}}));
    const auto committed = outer->commit();
    ASSERT_FALSE(committed);
    EXPECT_NE(committed.error().message.find("nothing of it is stored"), std::string::npos);
  }
  EXPECT_EQ(raw_count("audit"), 0);
  EXPECT_EQ(raw_count("assets"), 0);
  // The connection is usable afterwards.
  ASSERT_TRUE(store->audit().append({0, 2, "ben", "b", "", ""}));
  EXPECT_EQ(raw_count("audit"), 1);
}

TEST_P(TransactionTest, ARecordSeenBeforeDoesNotFailTheBatch) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  ASSERT_TRUE(store->records().accept({"plant", "edge-1", 7}, std::vector<Sample>{{asset, "x", 1, 1.0}}, 1));
  auto outer = Transaction::begin(store->connection());
  ASSERT_TRUE(outer);
  EXPECT_EQ(store->records().accept({"plant", "edge-1", 7}, std::vector<Sample>{{asset, "x", 2, 1.0}}, 2),
            false);
  EXPECT_EQ(store->records().accept({"plant", "edge-1", 8}, std::vector<Sample>{{asset, "x", 3, 1.0}}, 3),
            true);
  ASSERT_TRUE(outer->commit());
  EXPECT_EQ(raw_count("samples"), 2);
}

VIGIL_FOR_EACH_ENGINE(TransactionTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
