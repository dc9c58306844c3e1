#include "store/durable_queue.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "store/sqlite.hpp"

namespace vigil::store {
namespace {

constexpr std::int64_t k_max_asset_bytes = 256;
constexpr std::int64_t k_min_budget_bytes = 64 << 10;

// Version 1. AUTOINCREMENT makes SQLite keep the highest id ever used (sqlite_sequence), so an id is never
// given twice, even after the newest records are acknowledged and deleted (https://sqlite.org/autoinc.html).
// `class` holds RecordClass, whose values are the send priority, so (class, id) is the send order.
// `cost` is the record's accounted bytes; `downsampled` marks a record kept by a downsampling pass (it is
// never downsampled again, only dropped).
constexpr std::string_view k_schema_v1 = R"sql(
CREATE TABLE records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  class INTEGER NOT NULL CHECK (class BETWEEN 0 AND 3),
  asset TEXT NOT NULL,
  source_ms INTEGER NOT NULL,
  appended_ms INTEGER NOT NULL,
  payload BLOB NOT NULL,
  cost INTEGER NOT NULL,
  downsampled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_send_order ON records (class, id);
CREATE INDEX records_not_downsampled ON records (class, id) WHERE downsampled = 0;
CREATE TABLE evictions (
  class INTEGER NOT NULL,
  reason INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (class, reason)
);
)sql";
constexpr std::array<std::string_view, 1> k_migrations{k_schema_v1};

constexpr std::array<std::string_view, k_record_classes> k_class_names{"alarm", "decision", "evidence",
                                                                       "telemetry"};
// Eviction order: routine telemetry goes first, evidence snapshots after.
constexpr std::array<RecordClass, 2> k_evictable{RecordClass::telemetry, RecordClass::evidence};

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t cost_of(const OutboundRecord& r) {
  return static_cast<std::int64_t>(r.payload.size() + r.asset.size()) + k_record_overhead_bytes;
}

struct Totals {
  std::array<std::int64_t, k_record_classes> count{};
  std::array<std::int64_t, k_record_classes> bytes{};
  std::array<std::array<std::int64_t, k_eviction_reasons>, k_record_classes> evicted{};
  std::int64_t used() const {
    std::int64_t sum = 0;
    for (auto b : bytes) sum += b;
    return sum;
  }
};

std::size_t index(RecordClass c) { return static_cast<std::size_t>(c); }

}  // namespace

std::string_view to_string(RecordClass c) { return k_class_names.at(index(c)); }

Result<RecordClass> parse_record_class(std::string_view name) {
  for (std::size_t i = 0; i < k_class_names.size(); ++i)
    if (k_class_names[i] == name) return static_cast<RecordClass>(i);
  return fail(ErrorCode::invalid_argument,
              "record class \"{}\": expected alarm, decision, evidence or telemetry", name);
}

std::string_view to_string(EvictionReason r) {
  return r == EvictionReason::downsampled ? "downsampled" : "dropped";
}

struct DurableQueue::Impl {
  Database db;
  QueueOptions options;
  Totals totals;  // mirrors the committed file; replaced only after a commit succeeded
  mutable std::mutex mutex;

  Impl(Database d, QueueOptions o) : db(std::move(d)), options(std::move(o)) {}

  Status load_totals() {
    auto q = db.prepare("SELECT class, count(*), sum(cost) FROM records GROUP BY class");
    if (!q) return std::unexpected(q.error());
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      const auto c = static_cast<std::size_t>(q->column_int64(0));
      totals.count.at(c) = q->column_int64(1);
      totals.bytes.at(c) = q->column_int64(2);
    }
    auto e = db.prepare("SELECT class, reason, count FROM evictions");
    if (!e) return std::unexpected(e.error());
    for (;;) {
      auto row = e->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      totals.evicted.at(static_cast<std::size_t>(e->column_int64(0)))
          .at(static_cast<std::size_t>(e->column_int64(1))) = e->column_int64(2);
    }
    return {};
  }

  Status count_evictions(RecordClass c, EvictionReason r, std::int64_t n, Totals& t) {
    if (n == 0) return {};
    auto q = db.prepare(
        "INSERT INTO evictions (class, reason, count) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (class, reason) DO UPDATE SET count = count + excluded.count");
    if (!q) return std::unexpected(q.error());
    q->bind(1, static_cast<std::int64_t>(c)).bind(2, static_cast<std::int64_t>(r)).bind(3, n);
    if (auto ok = q->run(); !ok) return ok;
    t.evicted[index(c)][static_cast<std::size_t>(r)] += n;
    return {};
  }

  // One downsampling pass over the oldest not-yet-downsampled records of class c: per asset, in id order,
  // the 1st, (k+1)th, (2k+1)th ... are kept (and marked) and the others deleted. Returns false when there
  // was nothing left to downsample.
  Result<bool> downsample_pass(RecordClass c, Totals& t) {
    auto q = db.prepare(
        "SELECT id, asset, cost FROM records WHERE class = ?1 AND downsampled = 0 ORDER BY id LIMIT ?2");
    if (!q) return std::unexpected(q.error());
    q->bind(1, static_cast<std::int64_t>(c)).bind(2, std::int64_t{options.downsample_chunk});
    std::map<std::string, std::int64_t> seen_per_asset;
    std::vector<std::int64_t> keep;
    std::vector<std::pair<std::int64_t, std::int64_t>> drop;  // id, cost
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      const std::int64_t seen = seen_per_asset[q->column_text(1)]++;
      if (seen % options.downsample_keep_one_of == 0)
        keep.push_back(q->column_int64(0));
      else
        drop.emplace_back(q->column_int64(0), q->column_int64(2));
    }
    if (keep.empty()) return false;
    auto mark = db.prepare("UPDATE records SET downsampled = 1 WHERE id = ?1");
    auto del = db.prepare("DELETE FROM records WHERE id = ?1");
    if (!mark) return std::unexpected(mark.error());
    if (!del) return std::unexpected(del.error());
    for (auto id : keep) {
      mark->bind(1, id);
      if (auto ok = mark->run(); !ok) return std::unexpected(ok.error());
    }
    for (auto [id, cost] : drop) {
      del->bind(1, id);
      if (auto ok = del->run(); !ok) return std::unexpected(ok.error());
      t.count[index(c)] -= 1;
      t.bytes[index(c)] -= cost;
    }
    if (auto ok = count_evictions(c, EvictionReason::downsampled, static_cast<std::int64_t>(drop.size()), t);
        !ok)
      return std::unexpected(ok.error());
    return true;
  }

  // Deletes the oldest records of class c until `need` bytes fit or the class is empty.
  Status drop_oldest(RecordClass c, std::int64_t need, Totals& t) {
    auto q = db.prepare("SELECT id, cost FROM records WHERE class = ?1 ORDER BY id LIMIT 64");
    auto del = db.prepare("DELETE FROM records WHERE id = ?1");
    if (!q) return std::unexpected(q.error());
    if (!del) return std::unexpected(del.error());
    std::int64_t dropped = 0;
    while (t.used() + need > options.budget_bytes && t.count[index(c)] > 0) {
      std::vector<std::pair<std::int64_t, std::int64_t>> oldest;
      q->bind(1, static_cast<std::int64_t>(c));
      for (;;) {
        auto row = q->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        oldest.emplace_back(q->column_int64(0), q->column_int64(1));
      }
      q->reset();
      if (oldest.empty()) break;
      for (auto [id, cost] : oldest) {
        if (t.used() + need <= options.budget_bytes) break;
        del->bind(1, id);
        if (auto ok = del->run(); !ok) return ok;
        t.count[index(c)] -= 1;
        t.bytes[index(c)] -= cost;
        ++dropped;
      }
    }
    return count_evictions(c, EvictionReason::dropped, dropped, t);
  }

  // Makes room for `need` bytes per the policy, in the caller's transaction.
  Status make_room(std::int64_t need, Totals& t) {
    for (RecordClass c : k_evictable) {
      while (t.used() + need > options.budget_bytes) {
        auto more = downsample_pass(c, t);
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
      }
      if (auto ok = drop_oldest(c, need, t); !ok) return ok;
    }
    return {};
  }
};

DurableQueue::DurableQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DurableQueue::DurableQueue(DurableQueue&&) noexcept = default;
DurableQueue& DurableQueue::operator=(DurableQueue&&) noexcept = default;
DurableQueue::~DurableQueue() = default;

Result<DurableQueue> DurableQueue::open(const std::filesystem::path& path, QueueOptions options) {
  if (options.budget_bytes < k_min_budget_bytes)
    return fail(ErrorCode::invalid_argument, "{}: queue budget {} bytes is below the minimum {}",
                path.string(), options.budget_bytes, k_min_budget_bytes);
  if (options.max_payload_bytes < 1 ||
      options.max_payload_bytes + k_max_asset_bytes + k_record_overhead_bytes > options.budget_bytes)
    return fail(ErrorCode::invalid_argument,
                "{}: largest payload {} bytes must be positive and fit in the budget of {} bytes",
                path.string(), options.max_payload_bytes, options.budget_bytes);
  if (options.downsample_keep_one_of < 2 || options.downsample_keep_one_of > 1000)
    return fail(ErrorCode::invalid_argument, "{}: downsample keep-one-of {} outside [2, 1000]", path.string(),
                options.downsample_keep_one_of);
  if (options.downsample_chunk < 1 || options.downsample_chunk > 100000)
    return fail(ErrorCode::invalid_argument, "{}: downsample chunk {} outside [1, 100000]", path.string(),
                options.downsample_chunk);
  if (!options.now_ms) options.now_ms = system_now_ms;
  OpenOptions open_options;
  open_options.vfs = options.vfs;
  auto db = Database::open(path, open_options);
  if (!db) return std::unexpected(db.error());
  if (auto ok = migrate(*db, "queue", k_migrations); !ok) return std::unexpected(ok.error());
  auto impl = std::make_unique<Impl>(std::move(*db), std::move(options));
  if (auto ok = impl->load_totals(); !ok) return std::unexpected(ok.error());
  return DurableQueue(std::move(impl));
}

Result<std::int64_t> DurableQueue::append(const OutboundRecord& record) {
  auto ids = append(std::span(&record, 1));
  if (!ids) return std::unexpected(ids.error());
  return ids->front();
}

Result<std::vector<std::int64_t>> DurableQueue::append(std::span<const OutboundRecord> records) {
  Impl& q = *impl_;
  const std::string& file = q.db.path();
  std::int64_t need = 0;
  for (const OutboundRecord& record : records) {
    if (index(record.record_class) >= k_record_classes)
      return fail(ErrorCode::invalid_argument, "{}: record class {} unknown", file,
                  static_cast<int>(record.record_class));
    if (record.asset.empty() || static_cast<std::int64_t>(record.asset.size()) > k_max_asset_bytes)
      return fail(ErrorCode::invalid_argument, "{}: asset id of {} bytes, expected 1..{}", file,
                  record.asset.size(), k_max_asset_bytes);
    if (static_cast<std::int64_t>(record.payload.size()) > q.options.max_payload_bytes)
      return fail(ErrorCode::invalid_argument, "{}: {} payload of {} bytes exceeds the limit of {}", file,
                  to_string(record.record_class), record.payload.size(), q.options.max_payload_bytes);
    need += cost_of(record);
  }
  std::vector<std::int64_t> ids;
  if (records.empty()) return ids;

  std::lock_guard lock(q.mutex);
  Totals t = q.totals;
  auto tx = Transaction::begin(q.db);
  if (!tx) return std::unexpected(tx.error());
  if (t.used() + need > q.options.budget_bytes) {
    if (auto ok = q.make_room(need, t); !ok) return std::unexpected(ok.error());
    if (t.used() + need > q.options.budget_bytes)
      return fail(ErrorCode::out_of_range,
                  "{}: queue full: {} record(s) of {} bytes do not fit; {} of the {} byte budget is held by "
                  "alarms and decisions, which are never evicted, waiting for the hub's acknowledgement",
                  file, records.size(), need,
                  t.bytes[index(RecordClass::alarm)] + t.bytes[index(RecordClass::decision)],
                  q.options.budget_bytes);
  }
  auto insert = q.db.prepare(
      "INSERT INTO records (class, asset, source_ms, appended_ms, payload, cost) VALUES (?1, ?2, ?3, ?4, ?5, "
      "?6)");
  if (!insert) return std::unexpected(insert.error());
  const std::int64_t now = q.options.now_ms();
  for (const OutboundRecord& record : records) {
    insert->bind(1, static_cast<std::int64_t>(record.record_class))
        .bind(2, record.asset)
        .bind(3, record.source_time_ms)
        .bind(4, now)
        .bind_blob(5, record.payload)
        .bind(6, cost_of(record));
    if (auto ok = insert->run(); !ok) return std::unexpected(ok.error());
    ids.push_back(q.db.last_insert_rowid());
    t.count[index(record.record_class)] += 1;
    t.bytes[index(record.record_class)] += cost_of(record);
  }
  if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
  q.totals = t;
  return ids;
}

Result<std::vector<QueuedRecord>> DurableQueue::next_batch(std::size_t max_records,
                                                           std::int64_t max_payload_bytes) const {
  Impl& q = *impl_;
  std::lock_guard lock(q.mutex);
  std::vector<QueuedRecord> batch;
  if (max_records == 0) return batch;
  auto s = q.db.prepare(
      "SELECT id, class, asset, source_ms, appended_ms, payload FROM records ORDER BY class, id LIMIT ?1");
  if (!s) return std::unexpected(s.error());
  s->bind(1, static_cast<std::int64_t>(std::min<std::size_t>(max_records, INT64_MAX)));
  std::int64_t bytes = 0;
  for (;;) {
    auto row = s->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    const auto payload = s->column_blob(5);
    bytes += static_cast<std::int64_t>(payload.size());
    if (!batch.empty() && bytes > max_payload_bytes) break;
    QueuedRecord r;
    r.id = s->column_int64(0);
    r.record.record_class = static_cast<RecordClass>(s->column_int64(1));
    r.record.asset = s->column_text(2);
    r.record.source_time_ms = s->column_int64(3);
    r.appended_ms = s->column_int64(4);
    r.record.payload.assign(payload.begin(), payload.end());
    batch.push_back(std::move(r));
  }
  return batch;
}

Result<std::int64_t> DurableQueue::acknowledge(std::span<const std::int64_t> ids) {
  Impl& q = *impl_;
  std::lock_guard lock(q.mutex);
  Totals t = q.totals;
  auto tx = Transaction::begin(q.db);
  if (!tx) return std::unexpected(tx.error());
  auto del = q.db.prepare("DELETE FROM records WHERE id = ?1 RETURNING class, cost");
  if (!del) return std::unexpected(del.error());
  std::int64_t removed = 0;
  for (auto id : ids) {
    del->bind(1, id);
    auto row = del->step();
    if (!row) return std::unexpected(row.error());
    if (*row) {
      const auto c = static_cast<std::size_t>(del->column_int64(0));
      t.count.at(c) -= 1;
      t.bytes.at(c) -= del->column_int64(1);
      ++removed;
      if (auto done = del->step(); !done) return std::unexpected(done.error());
    }
    del->reset();
  }
  if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
  q.totals = t;
  return removed;
}

Result<QueueStats> DurableQueue::stats() const {
  Impl& q = *impl_;
  std::lock_guard lock(q.mutex);
  QueueStats s;
  s.budget_bytes = q.options.budget_bytes;
  const std::int64_t now = q.options.now_ms();
  auto oldest = q.db.prepare("SELECT appended_ms FROM records WHERE class = ?1 ORDER BY id LIMIT 1");
  if (!oldest) return std::unexpected(oldest.error());
  for (std::size_t c = 0; c < k_record_classes; ++c) {
    ClassStats& cs = s.by_class[c];
    cs.depth = q.totals.count[c];
    cs.bytes = q.totals.bytes[c];
    cs.evicted = q.totals.evicted[c];
    s.bytes += cs.bytes;
    oldest->bind(1, static_cast<std::int64_t>(c));
    auto row = oldest->step();
    if (!row) return std::unexpected(row.error());
    if (*row) {
      cs.oldest_appended_ms = oldest->column_int64(0);
      cs.oldest_age_ms = std::max<std::int64_t>(0, now - cs.oldest_appended_ms);
    }
    oldest->reset();
  }
  auto seq = q.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'records'");
  if (!seq) return std::unexpected(seq.error());
  auto row = seq->step();
  if (!row) return std::unexpected(row.error());
  if (*row) s.last_id = seq->column_int64(0);
  return s;
}

}  // namespace vigil::store
