// The append-only audit log: who did what to what, and when, for every human and device action the hub
// takes. The store offers no way to change or remove an entry, and the schema refuses UPDATE and DELETE on
// the table (triggers), so a bug elsewhere in the hub cannot rewrite history either.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hub/store/connection.hpp"

namespace vigil::hub::store {

struct AuditEntry {
  std::int64_t id = 0;     // assigned by append(), increasing
  std::int64_t ts_ms = 0;  // when, Unix ms UTC
  std::string actor;       // who: a user name or "edge:<group>/<node>", 1..256 bytes
  std::string action;      // what, e.g. "alarm.acknowledge", 1..256 bytes
  std::string target;      // on what, e.g. "asset/12" (may be empty), up to 256 bytes
  std::string detail;      // free text or JSON, up to 64 KiB, stored verbatim

  bool operator==(const AuditEntry&) const = default;
};

class AuditLog {
 public:
  explicit AuditLog(Connection& connection) : c_(&connection) {}

  // The new entry's id (entry.id is ignored).
  Result<std::int64_t> append(const AuditEntry& entry);
  // At most `limit` (1..1000) entries with id > after_id, oldest first: a page.
  Result<std::vector<AuditEntry>> list(std::int64_t after_id, std::int64_t limit);

 private:
  Connection* c_;
};

}  // namespace vigil::hub::store
