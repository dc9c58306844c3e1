// Records an edge re-sends from its store-and-forward queue, de-duplicated by (group, edge node, record id):
// the hub acknowledges a record only after accept() returned, so a record it acknowledged is durable, and a
// record the edge sends again (the acknowledgement was lost) is recognised and not stored twice.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hub/store/connection.hpp"
#include "hub/store/series.hpp"

namespace vigil::hub::store {

struct RecordKey {
  std::string group_id;
  std::string node_id;
  std::int64_t record_id = 0;  // the edge queue's id, >= 1, never reused by that node
};

class EdgeRecords {
 public:
  EdgeRecords(Connection& connection, const RetentionPolicy& policy) : c_(&connection), policy_(policy) {}

  // In one transaction: notes the key and appends the record's historical samples to the series (in time
  // order by the series' key; the latest live values are not touched). True when the record was new;
  // false when it was stored before (nothing is written then). Either way it is durable on success.
  Result<bool> accept(const RecordKey& key, std::span<const Sample> samples, std::int64_t received_ms);
  // Notes the key alone (the caller stores the record's values in the same transaction): true when new.
  Result<bool> note(const RecordKey& key, std::int64_t received_ms);
  // Whether the key was accepted before.
  Result<bool> contains(const RecordKey& key);

 private:
  Connection* c_;
  RetentionPolicy policy_;
};

}  // namespace vigil::hub::store
