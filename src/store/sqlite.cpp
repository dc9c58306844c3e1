#include "store/sqlite.hpp"

#include <sqlite3.h>

namespace vigil::store {
namespace {

ErrorCode code_of(int sqlite_code) {
  switch (sqlite_code & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::io;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return ErrorCode::parse;
    default:
      return ErrorCode::internal;
  }
}

}  // namespace

void Database::Close::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Result<Database> Database::open(const std::filesystem::path& path, const OpenOptions& options) {
  const std::string name = path.string();
  sqlite3* raw = nullptr;
  const int flags = (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc =
      sqlite3_open_v2(name.c_str(), &raw, flags, options.vfs.empty() ? nullptr : options.vfs.c_str());
  Database db(std::unique_ptr<sqlite3, Close>(raw), name, options.read_only);
  if (rc != SQLITE_OK) {
    if (raw == nullptr) return fail(ErrorCode::internal, "{}: cannot open: out of memory", name);
    return std::unexpected(db.error("cannot open", rc));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  // Reading the schema is the first access to the file: a file that is not a database fails here.
  if (auto ok = db.exec("SELECT count(*) FROM sqlite_schema"); !ok) return std::unexpected(ok.error());
  if (options.read_only) return db;
  // WAL: a commit appends to the -wal file (one sync) instead of rewriting pages twice, and readers (the
  // uplink, `vigil log show`) do not block the writer.
  // synchronous=FULL: in WAL mode every commit syncs the WAL before it returns, so an append that returned
  // success survives a power cut. NORMAL syncs only at checkpoints and can lose the last commits on power
  // loss (https://sqlite.org/pragma.html#pragma_synchronous), which would break "nothing acknowledged is
  // lost": the caller may already have told the hub, the PLC or a person about that record. The cost is one
  // fsync per transaction, so callers batch where they can.
  if (auto ok = db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"); !ok)
    return std::unexpected(ok.error());
  return db;
}

Status Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) return std::unexpected(error(text, rc));
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(error(fmt::format("preparing \"{}\"", sql), rc));
  return Statement(this, raw);
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

Error Database::error(std::string_view what) const {
  return error(what, sqlite3_extended_errcode(db_.get()));
}

Error Database::error(std::string_view what, int sqlite_code) const {
  // The connection's message belongs to its last failure; a code passed in without a failure on the
  // connection (a failed open with no handle) falls back to SQLite's text for the code.
  const char* message = db_ != nullptr && sqlite3_errcode(db_.get()) != SQLITE_OK
                            ? sqlite3_errmsg(db_.get())
                            : sqlite3_errstr(sqlite_code);
  return Error{code_of(sqlite_code), fmt::format("{}: {}: {}", path_, what, message)};
}

void Statement::Finalize::operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(statement_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(statement_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  // A zero-length blob still binds as a blob, not NULL (a non-null pointer).
  static constexpr std::uint8_t k_empty = 0;
  sqlite3_bind_blob64(statement_.get(), index, bytes.empty() ? &k_empty : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(statement_.get(), index);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(db_->error(fmt::format("\"{}\"", sqlite3_sql(statement_.get())), rc));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
  }
  reset();
  return {};
}

void Statement::reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(statement_.get(), column);
}

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.get(), column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::span<const std::uint8_t> Statement::column_blob(int column) const {
  const void* blob = sqlite3_column_blob(statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.get(), column);
  if (blob == nullptr) return {};
  return {static_cast<const std::uint8_t*>(blob), static_cast<std::size_t>(size)};
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
}

double Statement::column_double(int column) const { return sqlite3_column_double(statement_.get(), column); }

int Statement::column_count() const { return sqlite3_column_count(statement_.get()); }

Statement::Type Statement::column_type(int column) const {
  switch (sqlite3_column_type(statement_.get(), column)) {
    case SQLITE_INTEGER:
      return Type::integer;
    case SQLITE_FLOAT:
      return Type::real;
    case SQLITE_TEXT:
      return Type::text;
    case SQLITE_BLOB:
      return Type::blob;
    default:
      return Type::null;
  }
}

Result<Transaction> Transaction::begin(Database& db) {
  if (auto ok = db.exec("BEGIN IMMEDIATE"); !ok) return std::unexpected(ok.error());
  return Transaction(&db);
}

Status Transaction::commit() {
  if (auto ok = db_->exec("COMMIT"); !ok) return ok;
  db_ = nullptr;
  return {};
}

Transaction::~Transaction() {
  // After a failed COMMIT or an I/O error SQLite may already have rolled back; ROLLBACK then fails
  // harmlessly ("no transaction is active").
  if (db_ != nullptr && sqlite3_get_autocommit(db_->handle()) == 0) (void)db_->exec("ROLLBACK");
}

Status migrate(Database& db, std::string_view schema, std::span<const std::string_view> migrations) {
  const auto known = static_cast<std::int64_t>(migrations.size());
  auto current_version = [&]() -> Result<std::int64_t> {
    auto table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
    if (!table) return std::unexpected(table.error());
    auto has = table->step();
    if (!has) return std::unexpected(has.error());
    if (!*has) return 0;
    auto q = db.prepare("SELECT version FROM schema_version WHERE name = ?1");
    if (!q) return std::unexpected(q.error());
    q->bind(1, schema);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    return *row ? q->column_int64(0) : 0;
  };
  auto version = current_version();
  if (!version) return std::unexpected(version.error());
  if (*version > known)
    return fail(ErrorCode::unsupported,
                "{}: {} schema version {} is newer than this build of vigil understands (up to {}); "
                "use a newer vigil",
                db.path(), schema, *version, known);
  if (db.read_only()) {
    if (*version == 0)
      return fail(ErrorCode::parse, "{}: not a {} database (no {} schema)", db.path(), schema, schema);
    if (*version < known)
      return fail(
          ErrorCode::unsupported,
          "{}: {} schema version {} is older than this build's {}; open it once for writing to upgrade",
          db.path(), schema, *version, known);
    return {};
  }
  for (std::int64_t v = *version; v < known; ++v) {
    auto tx = Transaction::begin(db);
    if (!tx) return std::unexpected(tx.error());
    if (auto ok = db.exec(
            "CREATE TABLE IF NOT EXISTS schema_version (name TEXT PRIMARY KEY, version INTEGER NOT NULL)");
        !ok)
      return ok;
    if (auto ok = db.exec(migrations[static_cast<std::size_t>(v)]); !ok)
      return std::unexpected(
          ok.error().with_context(fmt::format("{} migration to version {}", schema, v + 1)));
    auto set = db.prepare(
        "INSERT INTO schema_version (name, version) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET version = excluded.version");
    if (!set) return std::unexpected(set.error());
    set->bind(1, schema).bind(2, v + 1);
    if (auto ok = set->run(); !ok) return ok;
    if (auto ok = tx->commit(); !ok) return ok;
  }
  return {};
}

}  // namespace vigil::store
