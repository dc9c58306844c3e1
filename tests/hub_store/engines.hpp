// The hub store's tests run once per engine: a fresh SQLite file in a temporary folder, or a fresh database
// on a throw-away PostgreSQL server (one per test process, started on first use). Raw SQL helpers reach the
// database through sqlite3 and libpq directly, outside the code under test.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include "hub/store/store.hpp"
#include "io/temp_dir.hpp"
#include "support/postgres_server.hpp"

namespace vigil::hub::store::test {

// The PostgreSQL server: the one ctest's fixture runs for every test process (VIGIL_TEST_POSTGRES), else one
// of this process's own; or why there is none.
inline Result<vigil::test::PostgresServer*> shared_postgres() {
  static Result<std::unique_ptr<vigil::test::PostgresServer>> server =
      vigil::test::PostgresServer::shared_dir()
          ? Result<std::unique_ptr<vigil::test::PostgresServer>>(
                vigil::test::PostgresServer::attach(*vigil::test::PostgresServer::shared_dir()))
          : vigil::test::PostgresServer::start();
  if (!server) return std::unexpected(server.error());
  return server->get();
}

class EngineTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::sqlite) return;
    auto server = shared_postgres();
    if (!server && server.error().code == ErrorCode::not_found) GTEST_SKIP() << server.error().message;
    ASSERT_TRUE(server) << server.error().message;
    static int databases = 0;
    database_ = fmt::format("hub_test_{}_{}", ::getpid(), ++databases);
    auto info = (*server)->create_database(database_);
    ASSERT_TRUE(info) << info.error().message;
    conninfo_ = *info;
    admin_conninfo_ = (*server)->conninfo();
  }

  // The test's database goes (the server is shared by the whole run); open connections are ended.
  void TearDown() override {
    if (database_.empty()) return;
    PGconn* conn = PQconnectdb(admin_conninfo_.c_str());
    PQclear(PQexec(conn, fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", database_).c_str()));
    PQfinish(conn);
  }

  StoreOptions options(const RetentionPolicy& retention = {}) const {
    StoreOptions o;
    o.engine = GetParam();
    o.sqlite_path = dir_ / "hub.db";
    o.postgres_conninfo = conninfo_;
    o.retention = retention;
    return o;
  }

  // Opens the store under test; fails the test (and returns nullptr) on an error.
  std::unique_ptr<Store> open(const RetentionPolicy& retention = {}) {
    auto store = Store::open(options(retention));
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::make_unique<Store>(std::move(*store)) : nullptr;
  }

  // Runs `sql` on a connection of its own; an empty string on success, else the engine's message.
  std::string raw_exec(const std::string& sql) const {
    std::string message;
    if (GetParam() == Engine::sqlite) {
      sqlite3* db = nullptr;
      sqlite3_open((dir_ / "hub.db").c_str(), &db);
      char* error = nullptr;
      if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK)
        message = error ? error : "error";
      sqlite3_free(error);
      sqlite3_close(db);
      return message;
    }
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) message = PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
    return message;
  }

  // The first column of the first row of `sql` as text ("" when no row or NULL).
  std::string raw_text(const std::string& sql) const {
    std::string out;
    if (GetParam() == Engine::sqlite) {
      sqlite3* db = nullptr;
      sqlite3_open((dir_ / "hub.db").c_str(), &db);
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
          sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
        out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      sqlite3_finalize(s);
      sqlite3_close(db);
      return out;
    }
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    PQclear(r);
    PQfinish(conn);
    return out;
  }

  std::int64_t raw_count(const std::string& table) const {
    return std::stoll(raw_text("SELECT count(*) FROM " + table));
  }

  io::test::TempDir dir_;
  std::string conninfo_;
  std::string database_, admin_conninfo_;
};

inline std::string engine_name(const ::testing::TestParamInfo<Engine>& info) {
  return std::string(to_string(info.param));
}

}  // namespace vigil::hub::store::test

// Instantiates the TEST_Ps of `fixture` (an alias of EngineTest) for both engines.
#define VIGIL_FOR_EACH_ENGINE(fixture)                                                               \
  INSTANTIATE_TEST_SUITE_P(                                                                          \
      Engines, fixture,                                                                              \
      ::testing::Values(::vigil::hub::store::Engine::sqlite, ::vigil::hub::store::Engine::postgres), \
      ::vigil::hub::store::test::engine_name)
