// The SQLite engine of the hub's store, on the project's one sqlite3 wrapper (store/sqlite.hpp). Prepared
// statements are cached by their text: the store's SQL is a fixed set, and batched writes vary only in the
// number of rows per statement (bounded by the batch size).
#include <map>

#include "hub/store/connection.hpp"
#include "store/sqlite.hpp"

namespace vigil::hub::store {
namespace {

namespace sq = vigil::store;

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sq::Database db) : db_(std::move(db)) {}

  using Connection::query;
  Engine engine() const override { return Engine::sqlite; }
  const std::string& name() const override { return db_.path(); }

  Status exec(std::string_view sql) override { return db_.exec(sql); }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      auto prepared = db_.prepare(sql);
      if (!prepared) return std::unexpected(prepared.error());
      it = statements_.emplace(std::string(sql), std::move(*prepared)).first;
    }
    sq::Statement& s = it->second;
    s.reset();
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
              s.bind_null(index);
            else
              s.bind(index, v);
          },
          params[i]);
    }
    Rows rows;
    for (;;) {
      auto more = s.step();
      if (!more) {
        s.reset();
        return std::unexpected(more.error());
      }
      if (!*more) break;
      Row& row = rows.emplace_back();
      const int columns = s.column_count();
      for (int c = 0; c < columns; ++c) {
        switch (s.column_type(c)) {
          case sq::Statement::Type::integer:
            row.values.emplace_back(s.column_int64(c));
            break;
          case sq::Statement::Type::real:
            row.values.emplace_back(s.column_double(c));
            break;
          case sq::Statement::Type::null:
            row.values.emplace_back(std::monostate{});
            break;
          default:
            row.values.emplace_back(s.column_text(c));
        }
      }
    }
    s.reset();
    return rows;
  }

  Result<bool> has_table(std::string_view table) override {
    auto rows = query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", {std::string(table)});
    if (!rows) return std::unexpected(rows.error());
    return !rows->empty();
  }

  Status begin() override { return db_.exec("BEGIN IMMEDIATE"); }
  Status commit() override { return db_.exec("COMMIT"); }
  void rollback() override {
    // After a failed COMMIT or an I/O error SQLite may already have rolled back; ROLLBACK then fails
    // harmlessly ("no transaction is active").
    (void)db_.exec("ROLLBACK");
  }
  Status lock_for_migration() override { return {}; }

 private:
  sq::Database db_;
  std::map<std::string, sq::Statement, std::less<>> statements_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::filesystem::path& path) {
  auto db = sq::Database::open(path);
  if (!db) return std::unexpected(db.error());
  // Statement journals (a multi-row upsert inside a transaction may have to undo itself) and sorts stay in
  // memory: in a temporary file each batch created and deleted files, most of the ingest's time. 64 MiB of
  // page cache keeps a batch's index pages in memory.
  if (auto ok = db->exec("PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536"); !ok)
    return std::unexpected(ok.error());
  return std::make_unique<SqliteConnection>(std::move(*db));
}

}  // namespace vigil::hub::store
