// PostgreSQL only: a server restart under an open store. The statement that meets the dead connection
// fails with an io error (the hub retries it), and the next one reconnects; nothing committed is lost.
#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

class PostgresReconnectTest : public EngineTest {};

TEST_P(PostgresReconnectTest, TheStoreReconnectsAfterAServerRestart) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  ASSERT_TRUE(store->series().write_live(std::vector<Sample>{{asset, "x", 1000, 1.0}}));

  auto server = shared_postgres().value();
  server->stop();
  auto down = store->series().write_live(std::vector<Sample>{{asset, "x", 2000, 2.0}});
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::io) << down.error().message;
  ASSERT_TRUE(server->restart()) << server->log();

  auto again = store->series().write_live(std::vector<Sample>{{asset, "x", 2000, 2.0}});
  ASSERT_TRUE(again) << again.error().message;
  const auto b = store->series().query(asset, "x", 0, 3000, 3).value();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].min, 1.0);
  EXPECT_EQ(b[1].min, 2.0);
  EXPECT_EQ(store->series().latest(asset, "x").value()->value, 2.0);
}

INSTANTIATE_TEST_SUITE_P(Engines, PostgresReconnectTest, ::testing::Values(Engine::postgres), engine_name);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
