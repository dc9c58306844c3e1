// The hub's store: one database, either engine, opened and migrated to the current schema, with the
// registry, the time series, the edge records and the audit log over it. `[store]` in hub.toml chooses
// the engine (docs/hub-store.md). One Store is used by one thread at a time; a hub that writes from several
// threads opens one Store per thread (SQLite: WAL lets them share the file).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "hub/store/asset_state.hpp"
#include "hub/store/audit_log.hpp"
#include "hub/store/connection.hpp"
#include "hub/store/edge_records.hpp"
#include "hub/store/registry.hpp"
#include "hub/store/series.hpp"

namespace vigil::hub::store {

struct StoreOptions {
  Engine engine = Engine::sqlite;
  std::filesystem::path sqlite_path;  // Engine::sqlite: the database file (created when absent)
  std::string postgres_conninfo;      // Engine::postgres: a libpq connection string or URI
  RetentionPolicy retention;
};

class Store {
 public:
  // Opens (creating an SQLite file when absent) and migrates. Fails on a database of a newer schema.
  static Result<Store> open(const StoreOptions& options);

  Registry& registry() { return registry_; }
  Series& series() { return series_; }
  EdgeRecords& records() { return records_; }
  AuditLog& audit() { return audit_; }
  AssetState& state() { return state_; }
  const RetentionPolicy& retention() const { return retention_; }
  // The SQL seam itself, for the hub's other tables (alarms, users), which join the schema as further
  // migration steps in schema.cpp.
  Connection& connection() { return *connection_; }

 private:
  Store(std::unique_ptr<Connection> connection, const RetentionPolicy& retention)
      : connection_(std::move(connection)),
        retention_(retention),
        registry_(*connection_),
        series_(*connection_, retention),
        records_(*connection_, retention),
        audit_(*connection_),
        state_(*connection_) {}

  std::unique_ptr<Connection> connection_;
  RetentionPolicy retention_;
  Registry registry_;
  Series series_;
  EdgeRecords records_;
  AuditLog audit_;
  AssetState state_;
};

}  // namespace vigil::hub::store
