// The decision log: rows hash-chained per docs/formats/decision-log.md (recomputed here from the document,
// not from the code), every kind of tampering done with raw SQL and found and named by verify(), and
// retention behind signed checkpoints that keeps the chain verifiable.
#include "store/decision_log.hpp"

#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include "io/temp_dir.hpp"
#include "store/fault_vfs.hpp"
#include "store/test_db.hpp"

namespace vigil::store {
namespace VIGIL_TEST_FILE {

using io::test::TempDir;
using test::raw_exec;
using test::raw_text;

Decision decision(int i, std::string asset = "pump-1") {
  Decision d;
  d.timestamp_ms = 1'764'748'800'000 + i * 1000;
  d.window_id = i;
  d.asset = std::move(asset);
  d.model_versions = "anomaly=pump-1@3 classifier=cwru@2";
  d.inputs = "velocity_rms_mm_s=" + std::to_string(i);
  d.output = i % 4 == 0 ? "warning outer_race 0.73" : "normal";
  d.action = i % 4 == 0 ? "inspect within 72 h" : "none";
  d.details_json = R"({"iso_zone":"B","bpfo_snr_db":)" + std::to_string(i) + "}";
  return d;
}

// The row hash exactly as docs/formats/decision-log.md defines it.
Sha256 documented_hash(const Sha256& prev, std::int64_t id, const Decision& d) {
  std::vector<std::uint8_t> m(prev.begin(), prev.end());
  m.push_back(1);
  for (std::int64_t v : {id, d.timestamp_ms, d.window_id})
    for (int b = 7; b >= 0; --b)
      m.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * b)));
  for (const std::string* s :
       {&d.asset, &d.model_versions, &d.inputs, &d.output, &d.action, &d.details_json}) {
    for (int b = 3; b >= 0; --b) m.push_back(static_cast<std::uint8_t>(s->size() >> (8 * b)));
    m.insert(m.end(), s->begin(), s->end());
  }
  Sha256 out{};
  unsigned int n = 0;
  EVP_Digest(m.data(), m.size(), out.data(), &n, EVP_sha256(), nullptr);
  return out;
}

std::string hex(const Sha256& h) {
  std::string s;
  for (auto b : h) s += fmt::format("{:02x}", b);
  return s;
}

struct DecisionLogTest : ::testing::Test {
  TempDir dir;
  std::filesystem::path path = dir / "decisions.db";
  std::filesystem::path key = dir / "node.key";

  DecisionLog open() {
    auto log = DecisionLog::open(path);
    EXPECT_TRUE(log) << log.error().message;
    return std::move(*log);
  }
  void append(int first, int last) {
    DecisionLog log = open();
    for (int i = first; i <= last; ++i) ASSERT_TRUE(log.append(decision(i))) << i;
  }
  VerifyReport verify() {
    auto report = DecisionLog::open(path, OpenOptions::reading()).value().verify();
    EXPECT_TRUE(report) << report.error().message;
    return *report;
  }
  std::vector<std::string> problems() {
    std::vector<std::string> out;
    for (const auto& p : verify().problems) out.push_back(to_string(p));
    return out;
  }
};

TEST_F(DecisionLogTest, RowsAreChainedExactlyAsDocumented) {
  append(1, 3);
  Sha256 prev{};  // the first row follows 32 zero bytes
  for (int i = 1; i <= 3; ++i) {
    const Sha256 h = documented_hash(prev, i, decision(i));
    EXPECT_EQ(raw_text(path, fmt::format("SELECT hex(hash) FROM decisions WHERE id = {}", i)),
              [&] {
                std::string upper = hex(h);
                for (auto& c : upper) c = static_cast<char>(std::toupper(c));
                return upper;
              }())
        << "row " << i;
    prev = h;
  }
  // The worked example of the format document, hashed by Python's hashlib.
  EXPECT_EQ(raw_text(path, "SELECT lower(hex(hash)) FROM decisions WHERE id = 1"),
            "3d8ceccf075c8d7a729cbc5dce42d309d85f025b05f38529a953f403836724a7");
  const VerifyReport r = verify();
  EXPECT_TRUE(r.intact());
  EXPECT_EQ(r.rows_verified, 3);
  EXPECT_FALSE(r.checkpoint);
}

TEST_F(DecisionLogTest, ABatchIsChainedInOrderAndStoredWholeOrNotAtAll) {
  DecisionLog log = open();
  const std::vector<Decision> batch{decision(1), decision(2), decision(3)};
  const auto rows = log.append(batch).value();
  ASSERT_EQ(rows.size(), 3u);
  Sha256 prev{};
  for (int i = 1; i <= 3; ++i) {
    prev = documented_hash(prev, i, decision(i));
    EXPECT_EQ(rows[static_cast<std::size_t>(i - 1)].row_id, i);
    EXPECT_EQ(rows[static_cast<std::size_t>(i - 1)].hash, prev);
  }
  std::vector<Decision> bad{decision(4), decision(5)};
  bad[1].details_json = "[";
  EXPECT_FALSE(log.append(bad));
  EXPECT_EQ(log.append(decision(4)).value().hash, documented_hash(prev, 4, decision(4)));
  EXPECT_TRUE(verify().intact());
  EXPECT_EQ(verify().rows_verified, 4);
}

TEST_F(DecisionLogTest, QueryFiltersByAssetAndTimeOldestFirst) {
  DecisionLog log = open();
  for (int i = 1; i <= 6; ++i) ASSERT_TRUE(log.append(decision(i, i % 2 == 0 ? "fan-2" : "pump-1")));
  auto fan = log.query("fan-2", decision(3).timestamp_ms, 10).value();
  ASSERT_EQ(fan.size(), 2u);  // 4 and 6 (2 is before `since`)
  EXPECT_EQ(fan[0].row_id, 4);
  EXPECT_EQ(fan[1].row_id, 6);
  EXPECT_EQ(fan[0].decision.output, "warning outer_race 0.73");
  EXPECT_EQ(fan[0].decision.details_json, decision(4).details_json);
  EXPECT_EQ(log.query("", 0, 100).value().size(), 6u);
  EXPECT_EQ(log.query("", 0, 2).value().back().row_id, 2);
  EXPECT_TRUE(log.query("absent", 0, 10).value().empty());
}

TEST_F(DecisionLogTest, RefusesBadDecisions) {
  DecisionLog log = open();
  Decision d = decision(1);
  d.details_json = "{not json";
  auto r = log.append(d);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("details are not a JSON text"), std::string::npos);
  EXPECT_NE(r.error().message.find("decisions.db"), std::string::npos);
  d = decision(1);
  d.asset.clear();
  EXPECT_EQ(log.append(d).error().code, ErrorCode::invalid_argument);
  d = decision(1);
  d.window_id = -1;
  EXPECT_EQ(log.append(d).error().code, ErrorCode::invalid_argument);
  EXPECT_TRUE(log.query("", 0, 10).value().empty());
}

TEST_F(DecisionLogTest, FindsAnEditedRow) {
  append(1, 8);
  raw_exec(path, "UPDATE decisions SET output = 'normal' WHERE id = 4");
  EXPECT_EQ(problems(), (std::vector<std::string>{"row 4: content does not match its hash (edited)"}));
}

TEST_F(DecisionLogTest, FindsAnEditWhoseHashWasRecomputed) {
  append(1, 8);
  // The attacker knows the format: edits row 4 and gives it a correct hash for its new content.
  Decision forged = decision(4);
  forged.output = "normal";
  const Sha256 prev = documented_hash(
      documented_hash(documented_hash(Sha256{}, 1, decision(1)), 2, decision(2)), 3, decision(3));
  raw_exec(path, fmt::format("UPDATE decisions SET output = 'normal', hash = X'{}' WHERE id = 4",
                             hex(documented_hash(prev, 4, forged))));
  EXPECT_EQ(problems(), (std::vector<std::string>{
                            "row 5: does not follow row 4: its prev_hash is not that row's hash (a row was "
                            "inserted, deleted or reordered)"}));
}

TEST_F(DecisionLogTest, FindsDeletedRows) {
  append(1, 8);
  raw_exec(path, "DELETE FROM decisions WHERE id = 3");
  EXPECT_EQ(problems(), (std::vector<std::string>{"row 4: row 3 is missing before this row (deleted)"}));
  raw_exec(path, "DELETE FROM decisions WHERE id IN (5, 6)");
  EXPECT_EQ(problems(), (std::vector<std::string>{"row 4: row 3 is missing before this row (deleted)",
                                                  "row 7: rows 5..6 are missing before this row (deleted)"}));
  raw_exec(path, "DELETE FROM decisions WHERE id = 1");
  EXPECT_EQ(problems().front(), "row 2: row 1 is missing before this row (deleted)");
}

TEST_F(DecisionLogTest, FindsAnInsertedRow) {
  append(1, 6);
  // Make room after row 3 and insert a well-formed row with a correct hash chained to row 3.
  raw_exec(path,
           "UPDATE decisions SET id = -id WHERE id >= 4; UPDATE decisions SET id = 1 - id WHERE id < 0;");
  Decision fake = decision(99);
  Sha256 prev{};
  for (int i = 1; i <= 3; ++i) prev = documented_hash(prev, i, decision(i));
  raw_exec(path,
           fmt::format(
               "INSERT INTO decisions VALUES (4, {}, {}, '{}', '{}', '{}', '{}', '{}', '{}', X'{}', X'{}')",
               fake.timestamp_ms, fake.window_id, fake.asset, fake.model_versions, fake.inputs, fake.output,
               fake.action, fake.details_json, hex(prev), hex(documented_hash(prev, 4, fake))));
  const auto p = problems();
  ASSERT_FALSE(p.empty());
  // Row 4 is the forgery and chains correctly; the old row 4, now 5, no longer follows it.
  EXPECT_EQ(
      p.front(),
      "row 5: does not follow row 4: its prev_hash is not that row's hash (a row was inserted, deleted or "
      "reordered); content does not match its hash (edited)");
}

TEST_F(DecisionLogTest, FindsARowInsertedBeforeTheStart) {
  append(1, 3);
  raw_exec(path,
           "INSERT INTO decisions SELECT 0, timestamp_ms, window_id, asset, model_versions, inputs, output, "
           "action, details, prev_hash, hash FROM decisions WHERE id = 1");
  EXPECT_EQ(problems(), (std::vector<std::string>{"row 0: inserted: row ids start at 1"}));
}

TEST_F(DecisionLogTest, FindsReorderedRows) {
  append(1, 6);
  raw_exec(path,
           "UPDATE decisions SET id = 100 WHERE id = 3; UPDATE decisions SET id = 3 WHERE id = 4; "
           "UPDATE decisions SET id = 4 WHERE id = 100");
  const auto p = problems();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(
      p[0],
      "row 3: does not follow row 2: its prev_hash is not that row's hash (a row was inserted, deleted or "
      "reordered); content does not match its hash (edited)");
  EXPECT_EQ(p[1].substr(0, 7), "row 4: ");
  EXPECT_EQ(p[2].substr(0, 7), "row 5: ");
}

TEST_F(DecisionLogTest, MalformedValuesAreNamedProblemsNotCrashes) {
  append(1, 6);
  raw_exec(path,
           "UPDATE decisions SET hash = X'0102' WHERE id = 2; "
           "UPDATE decisions SET timestamp_ms = 'yesterday' WHERE id = 4; "
           "UPDATE decisions SET prev_hash = X'' WHERE id = 6");
  EXPECT_EQ(problems(), (std::vector<std::string>{"row 2: content does not match its hash (edited)",
                                                  "row 3: does not follow row 2: its prev_hash is not that "
                                                  "row's hash (a row was inserted, deleted or "
                                                  "reordered)",
                                                  "row 4: content does not match its hash (edited)",
                                                  "row 6: does not follow row 5: its prev_hash is not that "
                                                  "row's hash (a row was inserted, deleted or "
                                                  "reordered); content does not match its hash (edited)"}));
}

TEST_F(DecisionLogTest, ATruncatedCheckpointIsNamed) {
  append(1, 4);
  ASSERT_TRUE(open().prune({.max_age_ms = std::nullopt, .max_rows = 2}, key, 0));
  raw_exec(path,
           "UPDATE node_key SET public_key = X'01'; "
           "UPDATE checkpoints SET public_key = X'01', signature = X'02', last_hash = X'03'");
  EXPECT_EQ(problems().front(),
            "checkpoint 1: signature over row 2's hash does not verify (checkpoint or signature altered)");
}

TEST_F(DecisionLogTest, PruningKeepsTheChainVerifiable) {
  append(1, 20);
  {
    DecisionLog log = open();
    auto pruned = log.prune({.max_age_ms = std::nullopt, .max_rows = 5}, key, 0);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(pruned->rows_pruned, 15);
    ASSERT_TRUE(pruned->checkpoint);
    EXPECT_EQ(pruned->checkpoint->last_row_id, 15);
    Sha256 h{};
    for (int i = 1; i <= 15; ++i) h = documented_hash(h, i, decision(i));
    EXPECT_EQ(pruned->checkpoint->last_hash, h);
  }
  struct stat st {};
  ASSERT_EQ(stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  VerifyReport r = verify();
  EXPECT_TRUE(r.intact()) << to_string(r.problems.front());
  EXPECT_EQ(r.rows_verified, 5);
  ASSERT_TRUE(r.checkpoint);
  EXPECT_EQ(r.checkpoint->last_row_id, 15);
  EXPECT_EQ(r.key_fingerprint.size(), 16u);
  EXPECT_EQ(raw_text(path, "SELECT min(id) FROM decisions"), "16");

  // More rows, then pruning by age with the same key: rows 21..30 are at ..821000..830000 ms; a cutoff of
  // 1'764'748'825'500 removes 16..25.
  append(21, 30);
  {
    DecisionLog log = open();
    auto pruned = log.prune({.max_age_ms = 4'500, .max_rows = std::nullopt}, key, 1'764'748'830'000);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(pruned->rows_pruned, 10);
    EXPECT_EQ(pruned->checkpoint->last_row_id, 25);
    EXPECT_EQ(pruned->checkpoint->id, 2);
    // Nothing more to prune: no new checkpoint.
    auto again = log.prune({.max_age_ms = 4'500, .max_rows = std::nullopt}, key, 1'764'748'830'000);
    EXPECT_EQ(again.value().rows_pruned, 0);
    EXPECT_FALSE(again->checkpoint);
  }
  r = verify();
  EXPECT_TRUE(r.intact());
  EXPECT_EQ(r.rows_verified, 5);
  EXPECT_EQ(r.checkpoint->id, 2);
  // An edit and a deletion after pruning are still found.
  raw_exec(path, "UPDATE decisions SET action = 'none' WHERE id = 28; DELETE FROM decisions WHERE id = 26");
  EXPECT_EQ(problems(), (std::vector<std::string>{"row 27: row 26 is missing before this row (deleted)",
                                                  "row 28: content does not match its hash (edited)"}));
}

TEST_F(DecisionLogTest, FindsATamperedCheckpoint) {
  append(1, 10);
  ASSERT_TRUE(open().prune({.max_age_ms = std::nullopt, .max_rows = 4}, key, 0));
  // The first byte of the signature changed.
  std::string signature = raw_text(path, "SELECT hex(signature) FROM checkpoints WHERE id = 1");
  ASSERT_EQ(signature.size(), 128u);
  signature[0] = signature[0] == '0' ? '1' : '0';
  raw_exec(path, fmt::format("UPDATE checkpoints SET signature = X'{}' WHERE id = 1", signature));
  const auto p = problems();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0],
            "checkpoint 1: signature over row 6's hash does not verify (checkpoint or signature altered)");
  EXPECT_EQ(p[1], "row 7: rows 1..6 are missing before this row (deleted)");
}

TEST_F(DecisionLogTest, FindsACheckpointMovedToHideDeletedRows) {
  append(1, 10);
  ASSERT_TRUE(open().prune({.max_age_ms = std::nullopt, .max_rows = 6}, key, 0));
  // Delete two more rows and move the checkpoint past them: the signature no longer covers it.
  raw_exec(
      path,
      "DELETE FROM decisions WHERE id IN (5, 6); "
      "UPDATE checkpoints SET last_row_id = 6, last_hash = (SELECT prev_hash FROM decisions WHERE id = 7)");
  EXPECT_EQ(problems().front(),
            "checkpoint 1: signature over row 6's hash does not verify (checkpoint or signature altered)");
}

TEST_F(DecisionLogTest, FindsACheckpointSignedWithAnotherKey) {
  append(1, 10);
  ASSERT_TRUE(open().prune({.max_age_ms = std::nullopt, .max_rows = 6}, key, 0));
  // A second log signed with another node's key lends its checkpoint.
  const auto other = dir / "other.db";
  {
    auto log = DecisionLog::open(other).value();
    for (int i = 1; i <= 10; ++i) ASSERT_TRUE(log.append(decision(i)));
    ASSERT_TRUE(log.prune({.max_age_ms = std::nullopt, .max_rows = 6}, dir / "other.key", 0));
  }
  raw_exec(path, fmt::format("ATTACH '{}' AS o; UPDATE checkpoints SET public_key = (SELECT public_key FROM "
                             "o.checkpoints), signature = (SELECT signature FROM o.checkpoints)",
                             other.string()));
  EXPECT_EQ(problems().front(), "checkpoint 1: signed with a key that is not the node key stored in the log");
}

TEST_F(DecisionLogTest, PruneRefusesABrokenChainAndAForeignOrExposedKey) {
  append(1, 10);
  raw_exec(path, "UPDATE decisions SET inputs = '' WHERE id = 2");
  auto broken = open().prune({.max_age_ms = std::nullopt, .max_rows = 3}, key, 0);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("refusing to prune"), std::string::npos);
  EXPECT_NE(broken.error().message.find("row 2: content does not match"), std::string::npos);
  EXPECT_EQ(raw_text(path, "SELECT count(*) FROM decisions"), "10");
  EXPECT_FALSE(std::filesystem::exists(key));  // nothing was signed
  raw_exec(path, "UPDATE decisions SET inputs = 'velocity_rms_mm_s=2' WHERE id = 2");

  ASSERT_TRUE(open().prune({.max_age_ms = std::nullopt, .max_rows = 8}, key, 0));
  // The node's key changed (another file): refused, the chain is left alone.
  auto foreign = open().prune({.max_age_ms = std::nullopt, .max_rows = 6}, dir / "new.key", 0);
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("is not the key this log's checkpoints are signed with"),
            std::string::npos);
  EXPECT_EQ(raw_text(path, "SELECT count(*) FROM decisions"), "8");
  // A key others can read is refused.
  ASSERT_EQ(chmod(key.c_str(), 0644), 0);
  auto exposed = open().prune({.max_age_ms = std::nullopt, .max_rows = 6}, key, 0);
  ASSERT_FALSE(exposed);
  EXPECT_NE(exposed.error().message.find("mode 0644"), std::string::npos) << exposed.error().message;
  // A key file that is not a key.
  std::ofstream(dir / "junk.key") << "not a key";
  ASSERT_EQ(chmod((dir / "junk.key").c_str(), 0600), 0);
  auto junk = open().prune({.max_age_ms = std::nullopt, .max_rows = 6}, dir / "junk.key", 0);
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().code, ErrorCode::parse);
}

TEST_F(DecisionLogTest, AppendsAfterPruningEverythingChainToTheCheckpoint) {
  append(1, 4);
  ASSERT_EQ(open().prune({.max_age_ms = std::nullopt, .max_rows = 0}, key, 0).value().rows_pruned, 4);
  EXPECT_TRUE(verify().intact());
  append(5, 6);
  EXPECT_EQ(raw_text(path, "SELECT min(id) FROM decisions"), "5");
  const VerifyReport r = verify();
  EXPECT_TRUE(r.intact());
  EXPECT_EQ(r.rows_verified, 2);
}

TEST_F(DecisionLogTest, RefusesALogFromANewerVersionAndAQueueFile) {
  append(1, 1);
  raw_exec(path, "UPDATE schema_version SET version = 3 WHERE name = 'decision_log'");
  auto newer = DecisionLog::open(path);
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("decision_log schema version 3 is newer"), std::string::npos);
  raw_exec(dir / "empty.db", "CREATE TABLE x (y)");
  auto other = DecisionLog::open(dir / "empty.db", OpenOptions::reading());
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("not a decision_log database"), std::string::npos)
      << other.error().message;
}

// Power cuts at random points of a run of appends (single and batched) with one pruning in the middle,
// through the file layer that loses unsynced writes: every decision whose append returned is there, the
// chain verifies, and SQLite's integrity check passes.
TEST(DecisionLogPower, EveryLoggedDecisionSurvivesACutAndTheChainStillVerifies) {
  TempDir dir;
  constexpr int k_decisions = 240;
  struct RunLog {
    std::map<std::int64_t, int> appended;  // row id -> i
    std::int64_t pruned_through = 0;       // last_row_id of a checkpoint that prune() returned
  };
  const auto run = [&](DecisionLog& log, const std::filesystem::path& key) {
    RunLog r;
    for (int i = 1; i <= k_decisions; ++i) {
      if (i % 10 == 0) {  // a batch of three: i, i+1, i+2
        const std::vector<Decision> batch{decision(i), decision(i + 1), decision(i + 2)};
        auto rows = log.append(batch);
        if (!rows) break;
        for (int k = 0; k < 3; ++k) r.appended[(*rows)[static_cast<std::size_t>(k)].row_id] = i + k;
        i += 2;
        continue;
      }
      auto row = log.append(decision(i));
      if (!row) break;
      r.appended[row->row_id] = i;
      if (i == 125) {  // halfway, on a single append
        auto pruned = log.prune({.max_age_ms = std::nullopt, .max_rows = 30}, key, 0);
        if (!pruned) break;
        r.pruned_through = pruned->checkpoint->last_row_id;
      }
    }
    return r;
  };

  std::int64_t total_ops = 0;
  {
    vigil::test::FaultVfs vfs("log-dry-run");
    OpenOptions o;
    o.vfs = vfs.name();
    auto log = DecisionLog::open(dir / "dry.db", o).value();
    const std::int64_t before = vfs.ops();
    const RunLog r = run(log, dir / "dry.key");
    ASSERT_GE(r.appended.size(), static_cast<std::size_t>(k_decisions));
    ASSERT_GT(r.pruned_through, 0);
    total_ops = vfs.ops() - before;
  }
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 30; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const auto path = dir / ("cut" + std::to_string(trial) + ".db");
    RunLog r;
    {
      vigil::test::FaultVfs vfs("log-cut" + std::to_string(trial));
      OpenOptions o;
      o.vfs = vfs.name();
      auto log = DecisionLog::open(path, o).value();
      vfs.power_cut_after(std::uniform_int_distribution<std::int64_t>(1, total_ops)(rng),
                          trial % 2 == 1 ? std::optional(rng()) : std::nullopt);
      r = run(log, dir / ("cut" + std::to_string(trial) + ".key"));
      EXPECT_TRUE(vfs.powered_off());
    }
    EXPECT_EQ(raw_text(path, "PRAGMA integrity_check"), "ok");
    auto log = DecisionLog::open(path).value();
    const VerifyReport report = log.verify().value();
    EXPECT_TRUE(report.intact()) << to_string(report.problems.front());
    if (r.pruned_through > 0) {
      ASSERT_TRUE(report.checkpoint);
      EXPECT_EQ(report.checkpoint->last_row_id, r.pruned_through);
    }
    const std::int64_t start = report.checkpoint ? report.checkpoint->last_row_id : 0;
    std::map<std::int64_t, LoggedDecision> present;
    auto rows = log.query("", INT64_MIN, 100000);
    ASSERT_TRUE(rows) << rows.error().message;
    for (auto& row : *rows) present[row.row_id] = std::move(row);
    const std::int64_t last_ok = r.appended.empty() ? 0 : r.appended.rbegin()->first;
    for (const auto& [id, row] : present) {
      if (!r.appended.contains(id)) {
        EXPECT_GT(id, last_ok) << "row " << id << " was never appended";
      }
    }
    for (const auto& [id, i] : r.appended) {
      if (id <= start) continue;
      ASSERT_TRUE(present.contains(id)) << "decision row " << id << " lost";
      EXPECT_EQ(present[id].decision.inputs, decision(i).inputs);
      EXPECT_EQ(present[id].decision.details_json, decision(i).details_json);
    }
  }
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::store
