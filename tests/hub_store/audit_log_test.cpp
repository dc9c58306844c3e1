// The audit log on both engines: entries come back exactly as appended, in order, a page at a time, and
// the database itself refuses to change or remove one.
#include "hub/store/audit_log.hpp"

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

using AuditLogTest = EngineTest;

TEST_P(AuditLogTest, EntriesComeBackAsAppendedAPageAtATime) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<AuditEntry> entries = {
      {0, 1000, "ana", "alarm.acknowledge", "alarm/3", "{\"comment\":\"checked on site\"}"},
      {0, 2000, "edge:plant/edge-1", "decision", "asset/7", "warning outer_race 0.73"},
      {0, 3000, "admin", "user.create", "user/ben", ""},
  };
  for (auto& e : entries) e.id = store->audit().append(e).value();
  EXPECT_LT(entries[0].id, entries[1].id);
  EXPECT_LT(entries[1].id, entries[2].id);
  const auto first = store->audit().list(0, 2).value();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0], entries[0]);
  EXPECT_EQ(first[1], entries[1]);
  const auto rest = store->audit().list(first.back().id, 2).value();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0], entries[2]);
  EXPECT_TRUE(store->audit().list(rest.back().id, 2).value().empty());
}

TEST_P(AuditLogTest, TheDatabaseRefusesToChangeOrRemoveAnEntry) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->audit().append({0, 1000, "ana", "alarm.shelve", "alarm/3", "8 h"}));
  EXPECT_NE(raw_exec("UPDATE audit SET actor = 'mallory'").find("append-only"), std::string::npos);
  EXPECT_NE(raw_exec("DELETE FROM audit").find("append-only"), std::string::npos);
  const auto entries = store->audit().list(0, 10).value();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "ana");
}

VIGIL_FOR_EACH_ENGINE(AuditLogTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
