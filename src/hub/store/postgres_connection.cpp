// The PostgreSQL engine of the hub's store over libpq. Statements are prepared once per connection (named
// s1, s2, ...) and run with text-format parameters of explicit types (int8, float8, text), so a value is
// never part of the SQL text. A connection that broke (server restart) is reset once before a statement
// that does not run inside a transaction; inside one, the error goes to the caller, who retries the whole
// transaction.
#include <cstdlib>
#include <map>

#include <libpq-fe.h>

#include "hub/store/connection.hpp"

namespace vigil::hub::store {
namespace {

// Type OIDs from PostgreSQL's catalog (src/include/catalog/pg_type.dat).
constexpr Oid k_bool = 16, k_int8 = 20, k_int2 = 21, k_int4 = 23, k_text = 25, k_float4 = 700, k_float8 = 701,
              k_numeric = 1700;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// SQLSTATE classes (PostgreSQL manual, appendix A): connection trouble, resources and shutdown are the
// operating environment (io); data and integrity violations are the caller's values.
ErrorCode code_of(const char* sqlstate) {
  if (sqlstate == nullptr) return ErrorCode::io;  // no server answer: the connection is gone
  const std::string_view s(sqlstate);
  if (s.starts_with("08") || s.starts_with("53") || s.starts_with("57") || s.starts_with("58"))
    return ErrorCode::io;
  if (s.starts_with("22") || s.starts_with("23")) return ErrorCode::invalid_argument;
  return ErrorCode::internal;
}

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// `?N` → `$N`. The store's SQL has no `?` inside literals.
std::string to_postgres(std::string_view sql) {
  std::string out(sql);
  for (std::size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == '?' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '$';
  return out;
}

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(ConnPtr conn, std::string name) : conn_(std::move(conn)), name_(std::move(name)) {}

  using Connection::query;
  Engine engine() const override { return Engine::postgres; }
  const std::string& name() const override { return name_; }

  Status exec(std::string_view sql) override {
    ResultPtr r(PQexec(conn_.get(), std::string(sql).c_str()));
    return check(r.get(), sql);
  }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto rows = run(sql, params);
    if (!rows && !in_transaction_ && PQstatus(conn_.get()) == CONNECTION_BAD && reset())
      return run(sql, params);
    return rows;
  }

  Result<bool> has_table(std::string_view table) override {
    auto rows = query(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?1",
        {std::string(table)});
    if (!rows) return std::unexpected(rows.error());
    return !rows->empty();
  }

  Status begin() override {
    if (PQstatus(conn_.get()) == CONNECTION_BAD) reset();
    auto ok = exec("BEGIN");
    if (!ok && PQstatus(conn_.get()) == CONNECTION_BAD && reset()) ok = exec("BEGIN");
    if (ok) in_transaction_ = true;
    return ok;
  }

  Status commit() override {
    ResultPtr r(PQexec(conn_.get(), "COMMIT"));
    in_transaction_ = false;
    if (auto ok = check(r.get(), "COMMIT"); !ok) return ok;
    // COMMIT of a transaction in which a statement failed rolls back and reports success as "ROLLBACK".
    if (std::string_view(PQcmdStatus(r.get())) == "ROLLBACK")
      return fail(ErrorCode::internal, "{}: COMMIT: the transaction was rolled back by the server", name_);
    return {};
  }

  void rollback() override {
    in_transaction_ = false;
    ResultPtr r(PQexec(conn_.get(), "ROLLBACK"));
  }

  Status lock_for_migration() override {
    // One key for the hub's schema ("VIGL" as a number): concurrent hubs migrate one after the other.
    auto rows = query("SELECT pg_advisory_xact_lock(?1)", {std::int64_t{0x5649474c}});
    if (!rows) return std::unexpected(rows.error());
    return {};
  }

 private:
  Status check(const PGresult* r, std::string_view what) const {
    const auto status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
    const char* sqlstate = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string message = trimmed(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get()));
    return std::unexpected(Error{
        code_of(sqlstate), fmt::format("{}: \"{}\": {}", name_, what,
                                       message.empty() ? trimmed(PQerrorMessage(conn_.get())) : message)});
  }

  bool reset() {
    PQreset(conn_.get());
    prepared_.clear();
    return PQstatus(conn_.get()) == CONNECTION_OK;
  }

  Result<Rows> run(std::string_view sql, std::span<const Value> params) {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<Oid> types(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        texts[i] = fmt::format("{}", *n);
        types[i] = k_int8;
      } else if (const auto* d = std::get_if<double>(&v)) {
        texts[i] = fmt::format("{}", *d);  // shortest text that reads back as the same double
        types[i] = k_float8;
      } else if (const auto* t = std::get_if<std::string>(&v)) {
        // libpq passes text parameters as C strings: a NUL would silently cut the value short.
        if (t->find('\0') != std::string::npos)
          return fail(ErrorCode::invalid_argument, "{}: parameter {} contains a NUL byte", name_, i + 1);
        texts[i] = *t;
        types[i] = k_text;
      } else {
        continue;  // NULL
      }
      values[i] = texts[i].c_str();
    }
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string statement_name = fmt::format("s{}", prepared_.size() + 1);
      ResultPtr r(PQprepare(conn_.get(), statement_name.c_str(), to_postgres(sql).c_str(),
                            static_cast<int>(params.size()), types.data()));
      if (auto ok = check(r.get(), sql); !ok) return std::unexpected(ok.error());
      it = prepared_.emplace(std::string(sql), std::move(statement_name)).first;
    }
    ResultPtr r(PQexecPrepared(conn_.get(), it->second.c_str(), static_cast<int>(params.size()),
                               values.data(), nullptr, nullptr, 0));
    if (auto ok = check(r.get(), sql); !ok) return std::unexpected(ok.error());
    const int n_rows = PQntuples(r.get());
    const int n_cols = PQnfields(r.get());
    Rows rows(static_cast<std::size_t>(n_rows));
    for (int i = 0; i < n_rows; ++i) {
      auto& out = rows[static_cast<std::size_t>(i)].values;
      out.reserve(static_cast<std::size_t>(n_cols));
      for (int c = 0; c < n_cols; ++c) {
        if (PQgetisnull(r.get(), i, c)) {
          out.emplace_back(std::monostate{});
          continue;
        }
        const char* text = PQgetvalue(r.get(), i, c);
        switch (PQftype(r.get(), c)) {
          case k_int2:
          case k_int4:
          case k_int8:
            out.emplace_back(static_cast<std::int64_t>(std::strtoll(text, nullptr, 10)));
            break;
          case k_bool:
            out.emplace_back(std::int64_t{text[0] == 't' ? 1 : 0});
            break;
          case k_float4:
          case k_float8:
          case k_numeric:
            out.emplace_back(std::strtod(text, nullptr));
            break;
          default:
            out.emplace_back(std::string(text, static_cast<std::size_t>(PQgetlength(r.get(), i, c))));
        }
      }
    }
    return rows;
  }

  ConnPtr conn_;
  std::string name_;
  bool in_transaction_ = false;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text → prepared statement name
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo) {
  ConnPtr conn(PQconnectdb(conninfo.c_str()));
  if (conn == nullptr) return fail(ErrorCode::internal, "postgres: cannot connect: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return fail(ErrorCode::io, "postgres: cannot connect: {}", trimmed(PQerrorMessage(conn.get())));
  // The server's notices ("relation ... already exists, skipping") are not errors and not for stderr.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  if (PQsetClientEncoding(conn.get(), "UTF8") != 0)
    return fail(ErrorCode::io, "postgres: cannot set client encoding UTF8: {}",
                trimmed(PQerrorMessage(conn.get())));
  std::string name = fmt::format("postgres {}", PQdb(conn.get()));
  return std::make_unique<PostgresConnection>(std::move(conn), std::move(name));
}

}  // namespace vigil::hub::store
