// The SQLite wrapper: durable settings, errors that name the file, migrations and their refusals.
#include "store/sqlite.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "io/temp_dir.hpp"
#include "store/test_db.hpp"

namespace vigil::store {
namespace VIGIL_TEST_FILE {

using io::test::TempDir;
using test::raw_exec;
using test::raw_text;

constexpr std::string_view k_v1 = "CREATE TABLE a (x INTEGER)";
constexpr std::string_view k_v2 = "ALTER TABLE a ADD COLUMN y TEXT";
constexpr std::string_view k_to_v1[] = {k_v1};
constexpr std::string_view k_to_v2[] = {k_v1, k_v2};

// A database at version 1 of schema "thing".
void make_v1(const std::filesystem::path& path) {
  auto db = Database::open(path);
  ASSERT_TRUE(db) << db.error().message;
  ASSERT_TRUE(migrate(*db, "thing", k_to_v1));
}

TEST(Sqlite, OpensInWalWithFullSync) {
  TempDir dir;
  auto db = Database::open(dir / "a.db");
  ASSERT_TRUE(db) << db.error().message;
  auto q = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(q);
  ASSERT_TRUE(q->step().value());
  EXPECT_EQ(q->column_text(0), "wal");
  auto s = db->prepare("PRAGMA synchronous");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->step().value());
  EXPECT_EQ(s->column_int64(0), 2);  // FULL (sqlite.org/pragma.html#pragma_synchronous)
}

TEST(Sqlite, ErrorsNameTheFileAndCarrySqlitesMessage) {
  TempDir dir;
  auto db = Database::open(dir / "a.db");
  ASSERT_TRUE(db);
  auto bad = db->exec("SELECT * FROM missing_table");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find((dir / "a.db").string()), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("no such table: missing_table"), std::string::npos)
      << bad.error().message;
}

TEST(Sqlite, NotADatabaseIsAParseErrorNamingTheFile) {
  TempDir dir;
  const auto path = dir.write("junk.db", std::string(4096, 'x'));
  auto db = Database::open(path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::parse);
  EXPECT_NE(db.error().message.find("junk.db"), std::string::npos) << db.error().message;
  EXPECT_NE(db.error().message.find("not a database"), std::string::npos) << db.error().message;
}

TEST(Sqlite, MissingFileReadOnlyIsAnIoError) {
  TempDir dir;
  auto db = Database::open(dir / "absent.db", OpenOptions::reading());
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::io);
  EXPECT_NE(db.error().message.find("absent.db"), std::string::npos);
}

TEST(Sqlite, MigratesStepByStepAndRecordsTheVersion) {
  TempDir dir;
  const auto path = dir / "m.db";
  make_v1(path);
  EXPECT_EQ(raw_text(path, "SELECT version FROM schema_version WHERE name = 'thing'"), "1");
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(migrate(*db, "thing", k_to_v2));
    ASSERT_TRUE(migrate(*db, "thing", k_to_v2));  // already there: nothing to do
  }
  EXPECT_EQ(raw_text(path, "SELECT version FROM schema_version WHERE name = 'thing'"), "2");
  EXPECT_EQ(raw_text(path, "SELECT count(*) FROM pragma_table_info('a') WHERE name = 'y'"), "1");
}

TEST(Sqlite, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  const auto path = dir / "m.db";
  make_v1(path);
  raw_exec(path, "UPDATE schema_version SET version = 7 WHERE name = 'thing'");
  auto db = Database::open(path);
  ASSERT_TRUE(db);
  auto r = migrate(*db, "thing", k_to_v1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::unsupported);
  EXPECT_NE(r.error().message.find("version 7 is newer"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("up to 1"), std::string::npos) << r.error().message;
  EXPECT_EQ(raw_text(path, "SELECT version FROM schema_version WHERE name = 'thing'"), "7");  // untouched
}

TEST(Sqlite, AFailedMigrationLeavesTheOldVersion) {
  TempDir dir;
  const auto path = dir / "m.db";
  auto db = Database::open(path);
  const std::string_view bad[] = {k_v1, "CREATE TABLE b (x); THIS IS NOT SQL"};
  auto r = migrate(*db, "thing", bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("migration to version 2"), std::string::npos) << r.error().message;
  EXPECT_EQ(raw_text(path, "SELECT version FROM schema_version WHERE name = 'thing'"), "1");
  EXPECT_EQ(raw_text(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), "0");
}

TEST(Sqlite, ReadOnlyRefusesAnOlderOrMissingSchema) {
  TempDir dir;
  const auto path = dir / "m.db";
  make_v1(path);
  auto db = Database::open(path, OpenOptions::reading());
  ASSERT_TRUE(db);
  auto older = migrate(*db, "thing", k_to_v2);
  ASSERT_FALSE(older);
  EXPECT_NE(older.error().message.find("older"), std::string::npos);
  auto other = migrate(*db, "other", k_to_v2);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::parse);
  EXPECT_NE(other.error().message.find("not a other database"), std::string::npos) << other.error().message;
}

TEST(Sqlite, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  auto db = Database::open(dir / "t.db");
  ASSERT_TRUE(db->exec("CREATE TABLE a (x INTEGER)"));
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO a VALUES (1)"));
  }
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(db->exec("INSERT INTO a VALUES (2)"));
    ASSERT_TRUE(tx->commit());
  }
  EXPECT_EQ(raw_text(dir / "t.db", "SELECT group_concat(x) FROM a"), "2");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::store
