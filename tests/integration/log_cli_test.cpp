// `vigil log verify` and `vigil log show` as real processes, on decision logs written by the library and
// tampered with through the sqlite3 API.
#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli_support.hpp"
#include "store/decision_log.hpp"
#include "store/test_db.hpp"

namespace VIGIL_TEST_FILE {

using vigil::test::Cli;
using vigil::test::CliRun;
using vigil::test::run;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

vigil::store::Decision decision(int i, std::int64_t timestamp_ms) {
  vigil::store::Decision d;
  d.timestamp_ms = timestamp_ms;
  d.window_id = i;
  d.asset = i % 2 == 0 ? "fan-2" : "pump-1";
  d.model_versions = "anomaly=pump-1@3";
  d.inputs = "velocity_rms_mm_s=4.1";
  d.output = "warning outer_race 0.73";
  d.action = "inspect within 72 h";
  d.details_json = R"({"iso_zone":"B","window":)" + std::to_string(i) + "}";
  return d;
}

class LogCli : public Cli {
 protected:
  // Ten decisions, rows 1..10: 1..5 two days old (one minute apart), 6..10 in the last hour.
  void write_log() {
    auto log = vigil::store::DecisionLog::open(path("decisions.db")).value();
    const std::int64_t now = now_ms();
    for (int i = 1; i <= 10; ++i) {
      const std::int64_t t = i <= 5 ? now - 2 * 86'400'000 + i * 60'000 : now - 3'600'000 + i * 60'000;
      ASSERT_TRUE(log.append(decision(i, t)));
    }
  }
  std::string db() const { return path("decisions.db"); }
};

TEST_F(LogCli, VerifySaysHowManyRowsAndFromWhere) {
  write_log();
  CliRun r = run("log verify " + db());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("10 rows verified, chain intact since the first row"), std::string::npos) << r.out;

  auto log = vigil::store::DecisionLog::open(db()).value();
  ASSERT_TRUE(log.prune({.max_age_ms = 86'400'000, .max_rows = std::nullopt}, path("node.key"), now_ms()));
  r = run("log verify " + db());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("5 rows verified, chain intact since checkpoint 1 (rows up to 5 pruned"),
            std::string::npos)
      << r.out;
}

TEST_F(LogCli, VerifyNamesTheFirstBadRowAndFails) {
  write_log();
  vigil::store::test::raw_exec(db(),
                               "UPDATE decisions SET action = 'none' WHERE id = 7; "
                               "DELETE FROM decisions WHERE id = 9");
  const CliRun r = run("log verify " + db());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(
      r.out.find("vigil log verify: " + db() +
                 ": chain broken: row 7: content does not match its hash (edited) (and 1 more problems"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("row 10: row 9 is missing before this row (deleted)"), std::string::npos) << r.out;
}

TEST_F(LogCli, VerifyRefusesWhatIsNotALog) {
  CliRun r = run("log verify " + path("absent.db"));
  EXPECT_EQ(r.exit_code, 3) << r.out;  // the operating system refused: exit_codes.hpp
  EXPECT_NE(r.out.find("absent.db"), std::string::npos) << r.out;
  vigil::store::test::raw_exec(path("other.db"), "CREATE TABLE t (x)");
  r = run("log verify " + path("other.db"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("not a decision_log database"), std::string::npos) << r.out;
}

TEST_F(LogCli, ShowFiltersByAssetAndRelativeTimeAsJson) {
  write_log();
  const CliRun r = run("log show " + db() + " --asset fan-2 --since 24h --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 3u);  // rows 6, 8 and 10: fan-2 (even rows) within the last day (rows 6..10)
  EXPECT_EQ(j[0].at("row_id"), 6);
  EXPECT_EQ(j[1].at("row_id"), 8);
  EXPECT_EQ(j[2].at("row_id"), 10);
  EXPECT_EQ(j[0].at("asset"), "fan-2");
  EXPECT_EQ(j[0].at("window_id"), 6);
  EXPECT_EQ(j[0].at("action"), "inspect within 72 h");
  EXPECT_EQ(j[0].at("details").at("iso_zone"), "B");  // parsed, not a string
  EXPECT_EQ(j[0].at("hash").get<std::string>().size(), 64u);
  const std::string time = j[0].at("time");
  EXPECT_EQ(time.size(), 24u);
  EXPECT_EQ(time.back(), 'Z');
}

TEST_F(LogCli, ShowTakesIsoTimesAndALimit) {
  write_log();
  CliRun r = run("log show " + db() + " --since 2000-01-01T00:00:00Z --limit 3", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;
  EXPECT_NE(r.out.find("pump-1  window 1  warning outer_race 0.73  action: inspect within 72 h"),
            std::string::npos)
      << r.out;
  r = run("log show " + db() + " --since 2999-01-01", true);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(LogCli, ShowRefusesABadSince) {
  write_log();
  for (const char* since : {"yesterday", "24x", "2026-13-01", "2026-02-30", "2026-12-03T07:30:00", "h"}) {
    const CliRun r = run("log show " + db() + " --since " + since);
    EXPECT_EQ(r.exit_code, 2) << since;
    EXPECT_NE(r.out.find(std::string("vigil log show: --since ") + since + ": expected ISO 8601 UTC"),
              std::string::npos)
        << r.out;
  }
}

}  // namespace VIGIL_TEST_FILE
