// The one seam between the hub's store and its two SQL engines: a connection that runs SQL with bound
// parameters and hands back typed rows. The store's code is written once against this; SQLite (the embedded
// default) and PostgreSQL (libpq) implement it. SQL uses SQLite's `?N` placeholders; the PostgreSQL engine
// rewrites them to `$N`. Every value reaches the server as a bound parameter, never as SQL text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace vigil::hub::store {

enum class Engine { sqlite, postgres };
std::string_view to_string(Engine engine);

// A bound parameter or a column value: NULL, a 64-bit integer, a double or UTF-8 text.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

// One result row. Accessors assert the column's type (the store's own SQL decides the types).
struct Row {
  std::vector<Value> values;

  bool is_null(std::size_t column) const { return std::holds_alternative<std::monostate>(values.at(column)); }
  std::int64_t int64(std::size_t column) const;  // NULL reads as 0
  double real(std::size_t column) const;         // an integer column is converted; NULL reads as 0
  const std::string& text(std::size_t column) const;
};
using Rows = std::vector<Row>;

// An open connection. One thread at a time. Transactions are taken through Transaction, which nests: an
// inner one joins the outer one (its commit is the outer's to make; its rollback fails the outer).
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Engine engine() const = 0;
  // Runs statements without parameters or results (schema migrations); may hold several statements.
  virtual Status exec(std::string_view sql) = 0;
  // Runs one statement with `params` bound to ?1, ?2, ... and returns every row it produced.
  virtual Result<Rows> query(std::string_view sql, std::span<const Value> params) = 0;
  virtual Result<bool> has_table(std::string_view name) = 0;
  // BEGIN (SQLite: IMMEDIATE, so a busy database fails here rather than halfway through), COMMIT, ROLLBACK.
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
  // Serialises schema migrations between processes inside the current transaction (PostgreSQL: an advisory
  // lock; SQLite: the IMMEDIATE write lock already does).
  virtual Status lock_for_migration() = 0;
  // What an error message names: the database file or "postgres <database>".
  virtual const std::string& name() const = 0;

  Result<Rows> query(std::string_view sql, std::initializer_list<Value> params) {
    return query(sql, std::span<const Value>(params.begin(), params.size()));
  }

 private:
  friend class Transaction;
  int transaction_depth_ = 0;       // Transactions open on this connection
  bool inner_rolled_back_ = false;  // an inner Transaction ended without commit: the outer cannot commit
};

// The SQLite engine: WAL, synchronous=FULL, foreign keys on (vigil::store::Database).
Result<std::unique_ptr<Connection>> open_sqlite(const std::filesystem::path& path);
// The PostgreSQL engine over libpq; `conninfo` is a libpq connection string ("host=/run/postgresql
// dbname=vigil") or URI. A connection found broken before a statement outside a transaction is reset once.
Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo);

// Rolls back on destruction unless commit() succeeded. Begun inside another Transaction on the same
// connection, it joins that one: commit() then only ends it, and ending it without commit() makes the
// outer one's commit() fail (and roll back), so a batch of steps is stored whole or not at all.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& connection);
  Status commit();
  ~Transaction();
  Transaction(Transaction&& other) noexcept : connection_(std::exchange(other.connection_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  Connection* connection_;
};

}  // namespace vigil::hub::store
