// The hub's schema, versioned: one list of migrations per engine (docs/hub-store.md shows the tables).
// migrate() brings a database forward to k_schema_version, one transaction per step, and refuses a
// database written by a newer build.
#pragma once

#include <cstdint>

#include "hub/store/connection.hpp"

namespace vigil::hub::store {

inline constexpr std::int64_t k_schema_version = 2;

// Creates or upgrades the schema; the version lives in schema_version (name 'hub'). Concurrent callers
// (two hubs on one PostgreSQL) migrate one after the other. A newer database fails with `unsupported`,
// naming both versions; nothing is changed then.
Status migrate(Connection& connection);

// The version the database is at (0: empty).
Result<std::int64_t> schema_version(Connection& connection);

}  // namespace vigil::hub::store
