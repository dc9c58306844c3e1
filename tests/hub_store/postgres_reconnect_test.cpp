// PostgreSQL only: a server restart under an open store. The statement that meets the dead connection
// fails with an io error (the hub retries it), and the next one reconnects; nothing committed is lost.
#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::store::test {
namespace VIGIL_TEST_FILE {

// A server of its own: the one the other tests share is never restarted.
TEST(PostgresReconnectTest, TheStoreReconnectsAfterAServerRestart) {
  auto started = vigil::test::PostgresServer::start();
  if (!started && started.error().code == ErrorCode::not_found) GTEST_SKIP() << started.error().message;
  ASSERT_TRUE(started) << started.error().message;
  auto& server = *started;
  auto conninfo = server->create_database("reconnect");
  ASSERT_TRUE(conninfo) << conninfo.error().message;
  StoreOptions options;
  options.engine = Engine::postgres;
  options.postgres_conninfo = *conninfo;
  auto store = Store::open(options);
  ASSERT_TRUE(store) << store.error().message;
  const auto asset = store->registry().register_asset("plant", "edge-1", "pump-1", 0).value();
  ASSERT_TRUE(store->series().write_live(std::vector<Sample>{{asset, "x", 1000, 1.0}}));

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

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::store::test
