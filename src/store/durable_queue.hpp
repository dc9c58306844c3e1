// The edge outbox: every outbound record is appended here durably before it is sent, and leaves only when
// the hub acknowledges that it stored it. Sits between the decision/telemetry producers and the uplink;
// docs/edge-storage.md has the order, the acknowledgement and the disk budget policy.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vigil::store {

// What a record is. The values are the send priority (alarms first) and are stored in the queue file.
// Alarms and decisions are never evicted; telemetry, then evidence, may be under the disk budget.
enum class RecordClass : std::uint8_t { alarm = 0, decision = 1, evidence = 2, telemetry = 3 };
inline constexpr std::size_t k_record_classes = 4;
std::string_view to_string(RecordClass c);
Result<RecordClass> parse_record_class(std::string_view name);

struct OutboundRecord {
  RecordClass record_class = RecordClass::telemetry;
  std::string asset;                // asset id, 1..256 bytes
  std::int64_t source_time_ms = 0;  // when the data was measured, Unix ms UTC (travels as is_historical)
  std::vector<std::uint8_t> payload;
};

struct QueuedRecord {
  std::int64_t id = 0;  // strictly increasing, never reused: the hub de-duplicates on (node, id)
  OutboundRecord record;
  std::int64_t appended_ms = 0;
};

// Why a record left the queue without an acknowledgement.
enum class EvictionReason : std::uint8_t { downsampled = 0, dropped = 1 };
inline constexpr std::size_t k_eviction_reasons = 2;
std::string_view to_string(EvictionReason r);

struct QueueOptions {
  // Disk budget on the accounted bytes of the stored records (payload + asset + k_record_overhead_bytes
  // each); the default is Greengrass stream manager's default per stream. Minimum 64 KiB.
  std::int64_t budget_bytes = 256ll << 20;
  // Largest payload accepted; a bigger one is refused (invalid_argument), never truncated.
  std::int64_t max_payload_bytes = 1 << 20;
  // Downsampling keeps one of every `downsample_keep_one_of` records per asset among the oldest
  // `downsample_chunk` not-yet-downsampled records of a class (2..1000 and 1..100000).
  int downsample_keep_one_of = 4;
  int downsample_chunk = 256;
  // Unix time in ms, for appended_ms and ages; tests pass a fake clock.
  std::function<std::int64_t()> now_ms;
  // A registered sqlite3_vfs name (tests inject faults); empty: the default VFS.
  std::string vfs;
};

// Accounting cost of one record beyond its payload and asset id: an estimate of its row header, id, times
// and two index entries. A constant keeps the budget hand-computable; the files are larger (page slack, the
// WAL), by how much is in docs/edge-storage.md.
inline constexpr std::int64_t k_record_overhead_bytes = 64;

struct ClassStats {
  std::int64_t depth = 0;                                  // records waiting
  std::int64_t bytes = 0;                                  // accounted bytes of those records
  std::int64_t oldest_appended_ms = 0;                     // 0 when empty
  std::int64_t oldest_age_ms = 0;                          // now - oldest_appended_ms, 0 when empty
  std::array<std::int64_t, k_eviction_reasons> evicted{};  // since the queue file was created, by reason
};

struct QueueStats {
  std::array<ClassStats, k_record_classes> by_class{};  // indexed by RecordClass
  std::int64_t bytes = 0;                               // sum over classes
  std::int64_t budget_bytes = 0;
  std::int64_t last_id = 0;  // highest id ever given (0: none yet)
  const ClassStats& of(RecordClass c) const { return by_class[static_cast<std::size_t>(c)]; }
};

// One DurableQueue per file; it may be used from several threads (calls are serialised inside).
class DurableQueue {
 public:
  // Opens or creates the queue at `path` (SQLite, WAL, synchronous=FULL).
  static Result<DurableQueue> open(const std::filesystem::path& path, QueueOptions options = {});
  DurableQueue(DurableQueue&&) noexcept;
  DurableQueue& operator=(DurableQueue&&) noexcept;
  ~DurableQueue();

  // Stores the record durably (committed and synced when this returns) and returns its id. When the
  // budget is exceeded, evicts per the policy (telemetry downsampled then dropped oldest first, then
  // evidence likewise) in the same transaction. Fails with out_of_range, storing nothing and evicting
  // nothing, when the record cannot fit even after every evictable record is gone; with io when the disk
  // refuses (full, I/O error), leaving what was stored intact. Costs one fsync.
  Result<std::int64_t> append(const OutboundRecord& record);
  // The same for several records in one transaction and one fsync: all are stored or none; ids in the
  // order given. For a pipeline tick's records together.
  Result<std::vector<std::int64_t>> append(std::span<const OutboundRecord> records);

  // What to send next, in send order: alarms, then decisions, then evidence, then telemetry; by id
  // (append order) within each class. At most max_records records and max_payload_bytes of payload, except
  // that the first record is always returned (an oversized one must not stall the queue). Does not
  // remove anything: a record not acknowledged is returned again by the next call.
  Result<std::vector<QueuedRecord>> next_batch(std::size_t max_records, std::int64_t max_payload_bytes) const;

  // Removes the records the hub confirmed it stored. Unknown or repeated ids are ignored. Returns how many
  // records were removed.
  Result<std::int64_t> acknowledge(std::span<const std::int64_t> ids);

  // Depth, bytes and oldest age per class, evictions per class and reason, the budget and the last id.
  Result<QueueStats> stats() const;

 private:
  struct Impl;
  explicit DurableQueue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::store
