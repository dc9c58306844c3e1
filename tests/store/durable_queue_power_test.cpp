// Power loss and a full disk under the outbox, through a file layer that loses unsynced writes
// (fault_vfs.hpp): every append that returned success is there after the cut, no record is partial, the
// database passes SQLite's own integrity check, and the queue keeps working.
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "io/temp_dir.hpp"
#include "store/durable_queue.hpp"
#include "store/fault_vfs.hpp"
#include "store/test_db.hpp"
#include "store/test_records.hpp"

namespace vigil::store {
namespace VIGIL_TEST_FILE {

using io::test::TempDir;
using test::class_of;
using test::index_of;
using test::raw_exec;
using test::raw_text;
using test::record;
using vigil::test::FaultVfs;

QueueOptions fault_options(const std::string& vfs) {
  QueueOptions o;
  o.budget_bytes = 256 << 10;  // small: evictions happen during the run
  o.max_payload_bytes = 4096;
  o.vfs = vfs;
  return o;
}

struct RunLog {
  std::map<std::int64_t, int> appended;  // id -> i, for every append that returned success
  std::set<std::int64_t> acknowledged;   // ids whose acknowledge() returned success
  int failed_index = 0;                  // the append that was under way when the power failed
};

constexpr int k_appends = 400;  // ~5 pages a commit: the WAL passes 1000 pages and checkpoints mid-run

// Appends records 1..k_appends, acknowledging the two at the head of the send order after every 7th, until
// an operation fails (the power cut).
RunLog run(DurableQueue& q) {
  RunLog log;
  for (int i = 1; i <= k_appends; ++i) {
    auto id = q.append(record(i));
    if (!id) {
      log.failed_index = i;
      break;
    }
    log.appended[*id] = i;
    if (i % 7 == 0) {
      auto head = q.next_batch(2, INT64_MAX);
      if (!head) break;
      std::vector<std::int64_t> ids;
      for (const auto& r : *head) ids.push_back(r.id);
      if (!q.acknowledge(ids)) break;
      log.acknowledged.insert(ids.begin(), ids.end());
    }
  }
  return log;
}

// What the reopened file must show, checked with the default VFS.
void check_after_cut(const std::filesystem::path& path, const RunLog& log) {
  EXPECT_EQ(raw_text(path, "PRAGMA integrity_check"), "ok");
  auto q = DurableQueue::open(path);
  ASSERT_TRUE(q) << q.error().message;
  const auto rows = q->next_batch(100000, INT64_MAX).value();
  std::set<std::int64_t> present;
  std::int64_t bytes = 0;
  const std::int64_t last_ok = log.appended.empty() ? 0 : log.appended.rbegin()->first;
  for (const auto& r : rows) {
    present.insert(r.id);
    const int i = index_of(r);
    const OutboundRecord truth = record(i);
    EXPECT_EQ(r.record.payload, truth.payload) << "id " << r.id << " is not whole";
    EXPECT_EQ(r.record.record_class, truth.record_class);
    EXPECT_EQ(r.record.asset, truth.asset);
    EXPECT_EQ(r.record.source_time_ms, truth.source_time_ms);
    bytes += static_cast<std::int64_t>(truth.payload.size() + truth.asset.size()) + k_record_overhead_bytes;
    if (auto it = log.appended.find(r.id); it != log.appended.end())
      EXPECT_EQ(it->second, i) << "id " << r.id;
    else  // only the append the cut interrupted may or may not have landed
      EXPECT_TRUE(r.id > last_ok && i == log.failed_index)
          << "id " << r.id << " (record " << i << ") was never appended";
    EXPECT_FALSE(log.acknowledged.contains(r.id)) << "acknowledged id " << r.id << " came back";
  }
  for (auto [id, i] : log.appended) {
    if (log.acknowledged.contains(id)) continue;
    if (class_of(i) == RecordClass::alarm || class_of(i) == RecordClass::decision) {
      EXPECT_TRUE(present.contains(id)) << "appended " << to_string(class_of(i)) << " id " << id << " lost";
    }
  }
  const QueueStats s = q->stats().value();
  EXPECT_EQ(s.bytes, bytes);
  EXPECT_LE(s.bytes, s.budget_bytes);
  // Ids stay unique after the cut.
  const std::int64_t highest = present.empty() ? last_ok : std::max(last_ok, *present.rbegin());
  EXPECT_GT(q->append(record(k_appends + 1)).value(), highest);
}

// The layer itself has teeth: with synchronous=OFF committed rows are lost at the cut; with FULL (what
// Database::open sets) they are not.
TEST(FaultVfs, DropsWhatWasNotSynced) {
  for (const char* sync : {"OFF", "FULL"}) {
    TempDir dir;
    FaultVfs vfs("teeth");
    const auto path = dir / "t.db";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "teeth"),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, (std::string("PRAGMA synchronous=") + sync).c_str(), nullptr, nullptr, nullptr),
        SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "CREATE TABLE a (x); INSERT INTO a VALUES (1), (2), (3)", nullptr, nullptr, nullptr),
        SQLITE_OK);
    vfs.power_cut_after(0);
    sqlite3_close_v2(db);
    vfs.power_on();
    const std::string rows = raw_text(path, "SELECT count(*) FROM a");
    if (std::string(sync) == "OFF")
      EXPECT_NE(rows, "3") << "unsynced commits survived: the layer does not simulate a power cut";
    else
      EXPECT_EQ(rows, "3");
  }
}

TEST(DurableQueuePower, EverySuccessfulAppendSurvivesACutAtAnyPoint) {
  TempDir dir;
  // A dry run counts the file operations of the whole run; the cuts then land uniformly over them.
  std::int64_t total_ops = 0;
  {
    FaultVfs vfs("dry-run");
    auto q = DurableQueue::open(dir / "dry.db", fault_options(vfs.name()));
    ASSERT_TRUE(q) << q.error().message;
    const std::int64_t before = vfs.ops();
    const RunLog log = run(*q);
    ASSERT_EQ(log.failed_index, 0);
    total_ops = vfs.ops() - before;
    ASSERT_GT(vfs.syncs(), k_appends);
  }
  std::mt19937_64 rng(20261203);
  constexpr int k_trials = 40;
  for (int trial = 0; trial < k_trials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const auto path = dir / ("cut" + std::to_string(trial) + ".db");
    const std::int64_t cut = std::uniform_int_distribution<std::int64_t>(1, total_ops)(rng);
    // Half the cuts also tear the unsynced writes: a random half of the dirty 512-byte blocks land.
    const std::optional<std::uint64_t> torn = trial % 2 == 1 ? std::optional(rng()) : std::nullopt;
    RunLog log;
    {
      FaultVfs vfs("cut" + std::to_string(trial));
      auto q = DurableQueue::open(path, fault_options(vfs.name()));
      ASSERT_TRUE(q) << q.error().message;
      vfs.power_cut_after(cut, torn);
      log = run(*q);
      EXPECT_TRUE(vfs.powered_off()) << "cut at op " << cut << " of " << total_ops;
    }  // the queue is closed with the power off: nothing more reaches the file
    check_after_cut(path, log);
  }
}

TEST(DurableQueuePower, FullDiskFailsTheAppendCleanlyAndTheQueueWorksOnceSpaceIsBack) {
  TempDir dir;
  const auto path = dir / "full.db";
  std::vector<std::int64_t> ids;
  {
    FaultVfs vfs("full");
    auto q = DurableQueue::open(path, fault_options(vfs.name()));
    ASSERT_TRUE(q) << q.error().message;
    for (int i = 1; i <= 20; ++i) ids.push_back(q->append(record(i)).value());
    vfs.set_disk_limit(vfs.open_bytes() + 16 * 1024);
    int i = 21;
    Result<std::int64_t> r;
    for (; i < 200; ++i) {
      r = q->append(record(i));
      if (!r) break;
      ids.push_back(*r);
    }
    ASSERT_FALSE(r) << "the disk never filled";
    EXPECT_EQ(r.error().code, ErrorCode::io);
    EXPECT_NE(r.error().message.find("full"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("full.db"), std::string::npos) << r.error().message;
    // Still full: still refused, still nothing lost.
    EXPECT_FALSE(q->append(record(i)));
    vfs.set_disk_limit(std::nullopt);
    ids.push_back(q->append(record(i)).value());
    EXPECT_EQ(q->stats().value().of(RecordClass::alarm).depth +
                  q->stats().value().of(RecordClass::decision).depth +
                  q->stats().value().of(RecordClass::telemetry).depth,
              static_cast<std::int64_t>(ids.size()));
  }
  EXPECT_EQ(raw_text(path, "PRAGMA integrity_check"), "ok");
  auto q = DurableQueue::open(path);
  ASSERT_TRUE(q);
  const auto rows = q->next_batch(1000, INT64_MAX).value();
  ASSERT_EQ(rows.size(), ids.size());
  for (const auto& row : rows) EXPECT_EQ(row.record.payload, record(index_of(row)).payload);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::store
