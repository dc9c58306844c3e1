#include "hub/store/edge_records.hpp"

#include "hub/store/validate.hpp"

namespace vigil::hub::store {
namespace {

Status check_key(const RecordKey& key) {
  if (auto ok = check_id("group id", key.group_id); !ok) return ok;
  if (auto ok = check_id("edge node id", key.node_id); !ok) return ok;
  return check_row_id("record id", key.record_id);
}

}  // namespace

Result<bool> EdgeRecords::note(const RecordKey& key, std::int64_t received_ms) {
  if (auto ok = check_key(key); !ok) return std::unexpected(ok.error());
  auto rows = c_->query(
      "INSERT INTO edge_records (group_id, node_id, record_id, received_ms) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (group_id, node_id, record_id) DO NOTHING RETURNING record_id",
      {key.group_id, key.node_id, key.record_id, received_ms});
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

Result<bool> EdgeRecords::accept(const RecordKey& key, std::span<const Sample> samples,
                                 std::int64_t received_ms) {
  auto tx = Transaction::begin(*c_);
  if (!tx) return std::unexpected(tx.error());
  auto is_new = note(key, received_ms);
  if (!is_new) return std::unexpected(is_new.error());
  if (!*is_new) {  // seen before: nothing was written
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return false;
  }
  if (auto ok = insert_samples(*c_, policy_, samples, false); !ok) return std::unexpected(ok.error());
  if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
  return true;
}

Result<bool> EdgeRecords::contains(const RecordKey& key) {
  if (auto ok = check_key(key); !ok) return std::unexpected(ok.error());
  auto rows = c_->query("SELECT 1 FROM edge_records WHERE group_id = ?1 AND node_id = ?2 AND record_id = ?3",
                        {key.group_id, key.node_id, key.record_id});
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

}  // namespace vigil::hub::store
