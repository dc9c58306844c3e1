// The outbox: send order, acknowledgement, ids that are never reused, the disk budget policy and the
// stats, each against expectations worked out by hand in the comments.
#include "store/durable_queue.hpp"

#include <gtest/gtest.h>

#include "io/temp_dir.hpp"
#include "store/test_db.hpp"

namespace vigil::store {
namespace VIGIL_TEST_FILE {

using io::test::TempDir;

OutboundRecord rec(RecordClass c, std::string asset, std::size_t payload_bytes, std::int64_t source_ms = 0) {
  return {c, std::move(asset), source_ms, std::vector<std::uint8_t>(payload_bytes, 0xab)};
}

// A record whose accounted cost is exactly `cost` bytes: payload + asset (2 bytes) + 64.
OutboundRecord costing(RecordClass c, std::int64_t cost, std::string asset = "p1") {
  return rec(c, std::move(asset), static_cast<std::size_t>(cost - 2 - k_record_overhead_bytes));
}

std::vector<std::int64_t> ids_of(const std::vector<QueuedRecord>& batch) {
  std::vector<std::int64_t> ids;
  for (const auto& r : batch) ids.push_back(r.id);
  return ids;
}

// Every record id in the queue, in send order.
std::vector<std::int64_t> all_ids(const DurableQueue& q) {
  return ids_of(q.next_batch(100000, INT64_MAX).value());
}

struct DurableQueueTest : ::testing::Test {
  TempDir dir;
  std::int64_t now_ms = 1'000'000;
  QueueOptions options() {
    QueueOptions o;
    o.now_ms = [this] { return now_ms; };
    return o;
  }
  // Budget 64 KiB = 65536 bytes; records of cost 1000; keep one of 2; chunks of 8.
  QueueOptions small() {
    QueueOptions o = options();
    o.budget_bytes = 65536;
    o.max_payload_bytes = 60000;
    o.downsample_keep_one_of = 2;
    o.downsample_chunk = 8;
    return o;
  }
  DurableQueue open(QueueOptions o) {
    auto q = DurableQueue::open(dir / "queue.db", std::move(o));
    EXPECT_TRUE(q) << q.error().message;
    return std::move(*q);
  }
};

TEST_F(DurableQueueTest, SendsAlarmsThenDecisionsThenEvidenceThenTelemetryOldestFirst) {
  DurableQueue q = open(options());
  // ids 1..7 in append order.
  for (RecordClass c :
       {RecordClass::telemetry, RecordClass::evidence, RecordClass::decision, RecordClass::alarm,
        RecordClass::telemetry, RecordClass::alarm, RecordClass::decision})
    ASSERT_TRUE(q.append(rec(c, "pump-1", 10)));
  EXPECT_EQ(all_ids(q), (std::vector<std::int64_t>{4, 6, 3, 7, 2, 1, 5}));
  EXPECT_EQ(ids_of(q.next_batch(3, INT64_MAX).value()), (std::vector<std::int64_t>{4, 6, 3}));
  // Peeking does not consume.
  EXPECT_EQ(ids_of(q.next_batch(1, INT64_MAX).value()), (std::vector<std::int64_t>{4}));
}

TEST_F(DurableQueueTest, BatchStopsAtTheByteLimitButAlwaysCarriesOneRecord) {
  DurableQueue q = open(options());
  ASSERT_TRUE(q.append(rec(RecordClass::telemetry, "a", 400)));                         // 1
  ASSERT_TRUE(q.append(rec(RecordClass::telemetry, "a", 300)));                         // 2
  ASSERT_TRUE(q.append(rec(RecordClass::telemetry, "a", 500)));                         // 3
  EXPECT_EQ(ids_of(q.next_batch(10, 700).value()), (std::vector<std::int64_t>{1, 2}));  // 400 + 300 = 700
  EXPECT_EQ(ids_of(q.next_batch(10, 699).value()), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(ids_of(q.next_batch(10, 10).value()), (std::vector<std::int64_t>{1}));  // oversized: still sent
  EXPECT_TRUE(q.next_batch(0, 1000).value().empty());
}

TEST_F(DurableQueueTest, RecordsComeBackExactlyAsAppended) {
  DurableQueue q = open(options());
  OutboundRecord r{RecordClass::evidence, "fan-3", 1764748800123, {0, 1, 2, 255, 0}};
  now_ms = 42;
  ASSERT_EQ(q.append(r).value(), 1);
  const auto batch = q.next_batch(1, INT64_MAX).value();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].record.record_class, RecordClass::evidence);
  EXPECT_EQ(batch[0].record.asset, "fan-3");
  EXPECT_EQ(batch[0].record.source_time_ms, 1764748800123);
  EXPECT_EQ(batch[0].record.payload, r.payload);
  EXPECT_EQ(batch[0].appended_ms, 42);
}

TEST_F(DurableQueueTest, AcknowledgeRemovesOnlyKnownIdsAndRepeatsAreHarmless) {
  DurableQueue q = open(options());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.append(rec(RecordClass::decision, "a", 10)));
  const std::int64_t first[] = {2, 4, 99, -1, 2};
  EXPECT_EQ(q.acknowledge(first).value(), 2);
  EXPECT_EQ(all_ids(q), (std::vector<std::int64_t>{1, 3, 5}));
  const std::int64_t again[] = {2, 4};
  EXPECT_EQ(q.acknowledge(again).value(), 0);
  EXPECT_EQ(q.acknowledge({}).value(), 0);
  EXPECT_EQ(q.stats().value().of(RecordClass::decision).depth, 3);
}

TEST_F(DurableQueueTest, IdsAreNeverReusedAcrossReopenEvenAfterTheNewestIsAcknowledged) {
  {
    DurableQueue q = open(options());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.append(rec(RecordClass::telemetry, "a", 10)));
    const std::int64_t all[] = {1, 2, 3};
    ASSERT_EQ(q.acknowledge(all).value(), 3);
  }
  DurableQueue q = open(options());
  EXPECT_EQ(q.stats().value().last_id, 3);
  EXPECT_EQ(q.append(rec(RecordClass::telemetry, "a", 10)).value(), 4);
  const std::int64_t four[] = {4};
  ASSERT_EQ(q.acknowledge(four).value(), 1);
  EXPECT_EQ(q.append(rec(RecordClass::alarm, "a", 10)).value(), 5);
}

TEST_F(DurableQueueTest, UnacknowledgedRecordsSurviveReopen) {
  {
    DurableQueue q = open(options());
    ASSERT_TRUE(q.append(rec(RecordClass::alarm, "a", 10)));
    ASSERT_TRUE(q.append(rec(RecordClass::telemetry, "b", 20)));
  }
  DurableQueue q = open(options());
  EXPECT_EQ(all_ids(q), (std::vector<std::int64_t>{1, 2}));
  const QueueStats s = q.stats().value();
  EXPECT_EQ(s.of(RecordClass::alarm).bytes, 10 + 1 + 64);
  EXPECT_EQ(s.of(RecordClass::telemetry).bytes, 20 + 1 + 64);
  EXPECT_EQ(s.bytes, 75 + 85);
}

TEST_F(DurableQueueTest, StatsReportDepthBytesAndOldestAgePerClass) {
  DurableQueue q = open(options());
  now_ms = 10'000;
  ASSERT_TRUE(q.append(rec(RecordClass::telemetry, "a", 100)));  // cost 100 + 1 + 64 = 165
  now_ms = 12'000;
  ASSERT_TRUE(q.append(rec(RecordClass::telemetry, "bb", 50)));  // 50 + 2 + 64 = 116
  ASSERT_TRUE(q.append(rec(RecordClass::alarm, "a", 0)));        // 0 + 1 + 64 = 65
  now_ms = 15'500;
  const QueueStats s = q.stats().value();
  EXPECT_EQ(s.of(RecordClass::telemetry).depth, 2);
  EXPECT_EQ(s.of(RecordClass::telemetry).bytes, 281);
  EXPECT_EQ(s.of(RecordClass::telemetry).oldest_appended_ms, 10'000);
  EXPECT_EQ(s.of(RecordClass::telemetry).oldest_age_ms, 5'500);
  EXPECT_EQ(s.of(RecordClass::alarm).depth, 1);
  EXPECT_EQ(s.of(RecordClass::alarm).oldest_age_ms, 3'500);
  EXPECT_EQ(s.of(RecordClass::decision).depth, 0);
  EXPECT_EQ(s.of(RecordClass::decision).oldest_age_ms, 0);
  EXPECT_EQ(s.bytes, 346);
  EXPECT_EQ(s.budget_bytes, 256 << 20);  // the documented default
  EXPECT_EQ(s.last_id, 3);
}

// 65 telemetry records of 1000 bytes = 65000 <= 65536. The 66th needs 66000: one downsampling pass over
// the oldest chunk of 8 (ids 1..8; assets alternate A, B) keeps every 2nd per asset: A 1,3,5,7 -> keeps 1
// and 5; B 2,4,6,8 -> keeps 2 and 6. Four records go (59000 + 1000 fits), counted as downsampled.
TEST_F(DurableQueueTest, OverBudgetTelemetryIsDownsampledPerAssetOldestFirst) {
  DurableQueue q = open(small());
  for (int i = 1; i <= 65; ++i)
    ASSERT_TRUE(q.append(costing(RecordClass::telemetry, 1000, i % 2 == 1 ? "pA" : "pB")));
  EXPECT_EQ(q.stats().value().bytes, 65000);
  EXPECT_EQ(q.append(costing(RecordClass::telemetry, 1000, "pA")).value(), 66);
  auto ids = all_ids(q);
  ASSERT_EQ(ids.size(), 62u);
  EXPECT_EQ(std::vector<std::int64_t>(ids.begin(), ids.begin() + 5),
            (std::vector<std::int64_t>{1, 2, 5, 6, 9}));
  const QueueStats s = q.stats().value();
  EXPECT_EQ(s.bytes, 62000);
  EXPECT_EQ(s.of(RecordClass::telemetry).evicted[static_cast<int>(EvictionReason::downsampled)], 4);
  EXPECT_EQ(s.of(RecordClass::telemetry).evicted[static_cast<int>(EvictionReason::dropped)], 0);
}

// 65 telemetry records (one asset, 65000 bytes), then an alarm of 60000 needs the telemetry down to
// 5536 bytes. Downsampling every chunk of 8 keeps ids 8c+1, +3, +5, +7, and id 65 alone in its chunk: the
// odd ids 1..65 (33 records, 32 downsampled away, 33000 bytes). Then the oldest go until 5000 bytes are
// left: 28 dropped, leaving 57, 59, 61, 63, 65. Alarms are never touched.
TEST_F(DurableQueueTest, AnAlarmEvictsTelemetryDownsampledThenOldestFirst) {
  {
    DurableQueue q = open(small());
    for (int i = 1; i <= 65; ++i) ASSERT_TRUE(q.append(costing(RecordClass::telemetry, 1000)));
    ASSERT_EQ(q.append(costing(RecordClass::alarm, 60000)).value(), 66);
    EXPECT_EQ(all_ids(q), (std::vector<std::int64_t>{66, 57, 59, 61, 63, 65}));
  }
  DurableQueue q = open(small());  // the counters are persisted
  const QueueStats s = q.stats().value();
  EXPECT_EQ(s.of(RecordClass::telemetry).evicted[static_cast<int>(EvictionReason::downsampled)], 32);
  EXPECT_EQ(s.of(RecordClass::telemetry).evicted[static_cast<int>(EvictionReason::dropped)], 28);
  EXPECT_EQ(s.of(RecordClass::telemetry).depth, 5);
  EXPECT_EQ(s.of(RecordClass::alarm).depth, 1);
  EXPECT_EQ(s.bytes, 65000);
}

// Evidence 1..20 and telemetry 21..30 (1000 bytes each, 30000), then an alarm of 50000 needs the rest down
// to 15536. Telemetry first: pass over 21..28 drops 22, 24, 26, 28; pass over 29, 30 drops 30 (5
// downsampled, 25000 left); then the five kept telemetry records are dropped (20000). Then evidence: the
// pass over 1..8 drops 2, 4, 6, 8 (16000), the pass over 9..16 drops 10, 12, 14, 16 (12000): it fits.
TEST_F(DurableQueueTest, EvidenceIsEvictedOnlyAfterAllTelemetry) {
  DurableQueue q = open(small());
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(q.append(costing(RecordClass::evidence, 1000)));
  for (int i = 21; i <= 30; ++i) ASSERT_TRUE(q.append(costing(RecordClass::telemetry, 1000)));
  ASSERT_EQ(q.append(costing(RecordClass::alarm, 50000)).value(), 31);
  EXPECT_EQ(all_ids(q), (std::vector<std::int64_t>{31, 1, 3, 5, 7, 9, 11, 13, 15, 17, 18, 19, 20}));
  const QueueStats s = q.stats().value();
  EXPECT_EQ(s.of(RecordClass::telemetry).evicted, (std::array<std::int64_t, 2>{5, 5}));
  EXPECT_EQ(s.of(RecordClass::evidence).evicted, (std::array<std::int64_t, 2>{8, 0}));
  EXPECT_EQ(s.bytes, 62000);
}

// Alarm 60000 + telemetry 5000 (as above); a decision of 6000 cannot fit even with all telemetry gone
// (60000 + 6000 > 65536): refused, and nothing is evicted for it.
TEST_F(DurableQueueTest, WhenNeverEvictedRecordsCannotFitAppendFailsAndLosesNothing) {
  DurableQueue q = open(small());
  ASSERT_TRUE(q.append(costing(RecordClass::alarm, 60000)));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.append(costing(RecordClass::telemetry, 1000)));
  auto r = q.append(costing(RecordClass::decision, 6000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::out_of_range);
  EXPECT_NE(r.error().message.find("queue full"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("never evicted"), std::string::npos) << r.error().message;
  EXPECT_EQ(all_ids(q), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  const QueueStats s = q.stats().value();
  EXPECT_EQ(s.of(RecordClass::telemetry).evicted, (std::array<std::int64_t, 2>{0, 0}));
  EXPECT_EQ(s.bytes, 65000);
  // Acknowledged alarms make room again.
  const std::int64_t alarm[] = {1};
  ASSERT_EQ(q.acknowledge(alarm).value(), 1);
  EXPECT_EQ(q.append(costing(RecordClass::decision, 6000)).value(), 7);
}

TEST_F(DurableQueueTest, ABatchIsStoredWholeInOneTransactionOrNotAtAll) {
  DurableQueue q = open(small());
  const std::vector<OutboundRecord> three{rec(RecordClass::telemetry, "a", 5),
                                          rec(RecordClass::alarm, "a", 5),
                                          rec(RecordClass::decision, "b", 5)};
  EXPECT_EQ(q.append(three).value(), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(q.append(std::span<const OutboundRecord>()).value().empty());
  // One bad record refuses the whole batch.
  const std::vector<OutboundRecord> bad{rec(RecordClass::alarm, "a", 5), rec(RecordClass::alarm, "", 5)};
  EXPECT_EQ(q.append(bad).error().code, ErrorCode::invalid_argument);
  // Alarms of 60000 + 6000 bytes cannot fit together in 65536: neither is stored.
  const std::vector<OutboundRecord> too_big{costing(RecordClass::alarm, 60000),
                                            costing(RecordClass::alarm, 6000)};
  EXPECT_EQ(q.append(too_big).error().code, ErrorCode::out_of_range);
  EXPECT_EQ(all_ids(q), (std::vector<std::int64_t>{2, 3, 1}));
  EXPECT_EQ(q.stats().value().last_id, 3);
}

// 65 telemetry records (65000 bytes), then a batch of two 1000-byte alarms needs 67000: one pass over ids
// 1..8 (one asset, keep one of 2) removes 2, 4, 6, 8, and 61000 + 2000 fits.
TEST_F(DurableQueueTest, ABatchMakesRoomForAllItsRecords) {
  DurableQueue q = open(small());
  for (int i = 1; i <= 65; ++i) ASSERT_TRUE(q.append(costing(RecordClass::telemetry, 1000)));
  const std::vector<OutboundRecord> alarms{costing(RecordClass::alarm, 1000),
                                           costing(RecordClass::alarm, 1000)};
  EXPECT_EQ(q.append(alarms).value(), (std::vector<std::int64_t>{66, 67}));
  const QueueStats s = q.stats().value();
  EXPECT_EQ(s.of(RecordClass::telemetry).evicted, (std::array<std::int64_t, 2>{4, 0}));
  EXPECT_EQ(s.bytes, 63000);
  const auto head = q.next_batch(5, INT64_MAX).value();
  EXPECT_EQ(ids_of(head), (std::vector<std::int64_t>{66, 67, 1, 3, 5}));
}

TEST_F(DurableQueueTest, RefusesBadRecordsAndOptions) {
  DurableQueue q = open(small());
  EXPECT_EQ(q.append(rec(RecordClass::alarm, "", 1)).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(q.append(rec(RecordClass::alarm, std::string(257, 'a'), 1)).error().code,
            ErrorCode::invalid_argument);
  auto big = q.append(rec(RecordClass::evidence, "a", 60001));
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("evidence payload of 60001 bytes exceeds the limit of 60000"),
            std::string::npos)
      << big.error().message;
  EXPECT_EQ(q.append(rec(static_cast<RecordClass>(9), "a", 1)).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(q.stats().value().last_id, 0);

  QueueOptions tiny = small();
  tiny.budget_bytes = 1000;
  EXPECT_FALSE(DurableQueue::open(dir / "other.db", tiny));
  QueueOptions k = small();
  k.downsample_keep_one_of = 1;
  EXPECT_FALSE(DurableQueue::open(dir / "other.db", k));
  QueueOptions payload = small();
  payload.max_payload_bytes = 65536;
  EXPECT_FALSE(DurableQueue::open(dir / "other.db", payload));
}

TEST_F(DurableQueueTest, RecordClassNamesRoundTrip) {
  for (RecordClass c :
       {RecordClass::alarm, RecordClass::decision, RecordClass::evidence, RecordClass::telemetry})
    EXPECT_EQ(parse_record_class(to_string(c)).value(), c);
  EXPECT_FALSE(parse_record_class("Alarm"));
}

TEST_F(DurableQueueTest, RefusesAQueueFromANewerVersion) {
  { DurableQueue q = open(options()); }
  test::raw_exec(dir / "queue.db", "UPDATE schema_version SET version = 2 WHERE name = 'queue'");
  auto q = DurableQueue::open(dir / "queue.db", options());
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, ErrorCode::unsupported);
  EXPECT_NE(q.error().message.find("queue schema version 2 is newer"), std::string::npos)
      << q.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::store
