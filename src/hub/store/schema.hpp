// The hub's schema, versioned: one list of migrations per engine (docs/hub-store.md shows the tables).
// migrate() brings a database forward to k_schema_version, one transaction per step, and refuses a
// database written by a newer build. A component with tables of its own (alarms, users) keeps its own list
// of steps under its own name (Migrations) and migrates it when it opens, after the store's.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "hub/store/connection.hpp"

namespace vigil::hub::store {

inline constexpr std::int64_t k_schema_version = 3;

// A named list of schema steps, one per version, the same versions for both engines. A step, once
// released, is never edited: a change is a new step.
struct Migrations {
  std::string_view name;  // the row in schema_version, e.g. "alarms"
  std::span<const std::string_view> sqlite;
  std::span<const std::string_view> postgres;
};

// Creates or upgrades the hub's own schema; the version lives in schema_version (name 'hub'). Concurrent
// callers (two hubs on one PostgreSQL) migrate one after the other. A newer database fails with
// `unsupported`, naming both versions; nothing is changed then.
Status migrate(Connection& connection);
// The same for a component's steps (sqlite and postgres of equal length).
Status migrate(Connection& connection, const Migrations& migrations);

// The version the database is at for `name` (0: empty).
Result<std::int64_t> schema_version(Connection& connection, std::string_view name = "hub");

}  // namespace vigil::hub::store
