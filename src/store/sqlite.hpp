// The one RAII wrapper of sqlite3 that the stores use: a database (WAL, busy timeout, durable commits), a
// prepared statement, a transaction, and versioned schema migrations. Errors name the file and carry
// SQLite's own message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace vigil::store {

struct OpenOptions {
  bool read_only = false;      // no writes, no migrations (verifiers, `vigil log show`)
  int busy_timeout_ms = 5000;  // how long a statement waits for another connection's lock
  // Name of a registered sqlite3_vfs to open the file through (tests inject faults this way); empty: the
  // default VFS.
  std::string vfs;

  static OpenOptions reading() {
    OpenOptions o;
    o.read_only = true;
    return o;
  }
};

class Statement;

// An open SQLite database. Opening a writable database sets journal_mode=WAL and synchronous=FULL (see
// sqlite.cpp for why FULL). One Database is used by one thread at a time.
class Database {
 public:
  static Result<Database> open(const std::filesystem::path& path, const OpenOptions& options = {});

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }

  // An Error for the last failure on this connection: "<file>: <what>: <SQLite's message>", with an
  // ErrorCode from SQLite's result code (full disk, I/O, can't open → io; not a database, corrupt → parse).
  Error error(std::string_view what) const;
  Error error(std::string_view what, int sqlite_code) const;

  sqlite3* handle() const { return db_.get(); }

 private:
  struct Close {
    void operator()(sqlite3* db) const;
  };
  Database(std::unique_ptr<sqlite3, Close> db, std::string path, bool read_only)
      : db_(std::move(db)), path_(std::move(path)), read_only_(read_only) {}

  std::unique_ptr<sqlite3, Close> db_;
  std::string path_;
  bool read_only_ = false;
};

// A prepared statement. Parameters are 1-based like SQLite's; columns 0-based. Text and blob parameters
// are copied by SQLite (SQLITE_TRANSIENT), so the caller's buffers need not outlive the call.
class Statement {
 public:
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int index);

  // Advances: true when a row is available, false when done, an Error on failure.
  Result<bool> step();
  // Steps to completion, for statements that return no rows.
  Status run();
  // Ready for new bindings and a new step.
  void reset();

  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  std::span<const std::uint8_t> column_blob(int column) const;  // valid until the next step or reset
  bool column_is_null(int column) const;
  double column_double(int column) const;
  int column_count() const;
  enum class Type { integer, real, text, blob, null };
  Type column_type(int column) const;

 private:
  friend class Database;
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const;
  };
  Statement(const Database* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}

  const Database* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> statement_;
};

// BEGIN IMMEDIATE on construction (the write lock is taken up front, so a busy database fails at begin
// rather than halfway through); ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Status commit();
  ~Transaction();
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

// Brings the schema named `schema` (one row of the schema_version table) to version migrations.size():
// migrations[i] takes it from version i to i + 1; each runs in its own transaction with its version bump.
// A database at a newer version than this build knows is refused with an error naming both versions; a
// read-only database is only checked (it must be at exactly the current version).
Status migrate(Database& db, std::string_view schema, std::span<const std::string_view> migrations);

}  // namespace vigil::store
