#include "hub/store/audit_log.hpp"

#include "hub/store/validate.hpp"

namespace vigil::hub::store {

Result<std::int64_t> AuditLog::append(const AuditEntry& e) {
  for (auto status : {check_id("audit actor", e.actor), check_id("audit action", e.action),
                      check_text("audit target", e.target, k_max_id_bytes),
                      check_text("audit detail", e.detail, k_max_detail_bytes)})
    if (!status) return std::unexpected(status.error());
  auto rows = c_->query(
      "INSERT INTO audit (ts_ms, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
      {e.ts_ms, e.actor, e.action, e.target, e.detail});
  if (!rows) return std::unexpected(rows.error());
  return rows->front().int64(0);
}

Result<std::vector<AuditEntry>> AuditLog::list(std::int64_t after_id, std::int64_t limit) {
  if (limit < 1 || limit > 1000)
    return fail(ErrorCode::invalid_argument, "page size: {} is outside 1..1000", limit);
  auto rows = c_->query(
      "SELECT id, ts_ms, actor, action, target, detail FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
      {after_id, limit});
  if (!rows) return std::unexpected(rows.error());
  std::vector<AuditEntry> out;
  for (const Row& r : *rows)
    out.push_back({r.int64(0), r.int64(1), r.text(2), r.text(3), r.text(4), r.text(5)});
  return out;
}

}  // namespace vigil::hub::store
