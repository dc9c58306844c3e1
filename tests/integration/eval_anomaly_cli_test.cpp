// `vigil eval anomaly femto|ims` as a real process: on a simulated FEMTO-layout run to failure (no data
// needed) the JSON report holds every detector, the defect (from half of life) is alarmed after its onset and
// no alarm is raised before it; bad input (a missing folder, a baseline too sparse, a bad option, a snapshot
// of another layout) exits 2 naming what is wrong. On the real IMS snapshots (data; skips without them) the
// per-channel verdicts of the README's truth.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli_support.hpp"
#include "sim/simulator.hpp"
#include "support/test_data.hpp"

namespace VIGIL_TEST_FILE {

using vigil::test::Cli;
using vigil::test::CliRun;
using vigil::test::run;
namespace fs = std::filesystem;

// A 2800 s PRONOSTIA-like life in FEMTO layout (acc_NNNNN.csv every 10 s, 2560 samples at 25.6 kHz), healthy
// until 1400 s, then an outer-race defect growing to 20 g; every `every`-th snapshot written.
void write_life(const fs::path& dir, std::size_t every = 1) {
  fs::create_directories(dir);
  constexpr double life_s = 2800;
  const auto scenario = vigil::sim::Scenario::degradation(vigil::sim::FaultKind::outer_race, life_s, 0.5);
  std::vector<float> x(2560);
  for (std::size_t j = 0; double(j) * 10 <= life_s; j += every) {
    const double t = double(j) * 10;
    auto s = scenario;
    s.fault.severity = {.growth = vigil::sim::SeverityGrowth::constant,
                        .initial = scenario.fault.severity.at(t),
                        .max_severity = 1000};
    if (t < 1400) s.fault.kind = vigil::sim::FaultKind::none;
    auto simulator = vigil::sim::Simulator::create(s, 500 + j);
    ASSERT_TRUE(simulator.has_value()) << simulator.error().message;
    simulator->generate(x);
    std::string text;
    for (std::size_t i = 0; i < x.size(); ++i) {
      text += fmt::format("9,{},{},{},{:.4f},{:.4f}\n", j % 60, i / 256, (i % 256) * 39, x[i], x[i]);
    }
    std::ofstream(dir / fmt::format("acc_{:05}.csv", j + 1)) << text;
  }
}

TEST_F(Cli, EvalAnomalyFemtoAlarmsASimulatedDefectAfterItsOnsetOnly) {
  write_life(dir_ / "life" / "Bearing1_1");
  const CliRun r = run("eval anomaly femto " + path("life") + " --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["config"]["baseline_s"], 1200.0);
  ASSERT_EQ(j["lives"].size(), 1u);
  const auto& life = j["lives"][0];
  EXPECT_EQ(life["life"], "Bearing1_1");
  EXPECT_EQ(life["life_s"], 2800.0);
  EXPECT_EQ(life["baseline_snapshots"], 121);
  EXPECT_EQ(life["healthy_end_s"], 1400.0);  // half of life: the simulated onset
  ASSERT_EQ(life["detectors"].size(), 3u);
  EXPECT_EQ(life["detectors"][1]["detector"], "rms");
  EXPECT_EQ(life["detectors"][2]["detector"], "kurtosis");
  const auto& t2 = life["detectors"][0];
  EXPECT_EQ(t2["detector"], "schema_t2");
  EXPECT_EQ(t2["healthy_snapshots"], 20);  // 1210..1400 s
  EXPECT_EQ(t2["healthy_raises"], 0);
  ASSERT_TRUE(t2["held_from_s"].is_number()) << r.out;
  EXPECT_GT(t2["held_from_s"].get<double>(), 1400);
  EXPECT_GT(t2["first_alarm_s"].get<double>(), 1400);

  const CliRun text = run("eval anomaly femto " + path("life"));
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find("Bearing1_1"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("schema_t2"), std::string::npos) << text.out;
}

TEST_F(Cli, EvalAnomalyFemtoNamesWhatIsWrong) {
  const CliRun missing = run("eval anomaly femto " + path("nowhere"));
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_NE(missing.out.find(path("nowhere")), std::string::npos) << missing.out;
  // Every 15th snapshot (150 s apart): 9 in the first 1200 s, the fit needs 40.
  write_life(dir_ / "thin" / "Bearing1_1", 15);
  const CliRun thin = run("eval anomaly femto " + path("thin"));
  EXPECT_EQ(thin.exit_code, 2) << thin.out;
  EXPECT_NE(thin.out.find("Bearing1_1: 9 snapshots in the first 1200 s"), std::string::npos) << thin.out;
  const CliRun fraction = run("eval anomaly femto " + path("thin") + " --healthy-fraction 1.5");
  EXPECT_EQ(fraction.exit_code, 2) << fraction.out;
  EXPECT_NE(fraction.out.find("healthy_fraction = 1.5"), std::string::npos) << fraction.out;
}

TEST_F(Cli, EvalAnomalyImsFlagsTheSilentEndNotTheSecondHealthySnapshot) {
  VIGIL_REQUIRE_DATA("ims/2004.02.19.06.22.39");
  const fs::path ims = vigil::test::data_dir() / "ims";
  const std::string files = (ims / "2004.02.12.10.32.39").string() + " " +
                            (ims / "2004.02.12.10.42.39").string() + " " +
                            (ims / "2004.02.19.06.22.39").string();
  const CliRun r = run("eval anomaly ims " + files + " --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["report"]["sample_rate_hz"], 20000.0);
  ASSERT_EQ(j["report"]["channels"].size(), 4u);
  for (const auto& c : j["report"]["channels"]) {
    EXPECT_EQ(c["snapshots"][0]["flagged"], false) << c["channel"];
    EXPECT_EQ(c["snapshots"][1]["flagged"], true) << c["channel"];
  }
  const CliRun other = run("eval anomaly ims " + (ims / "2004.02.12.10.32.39").string() + " " +
                           (ims / "2003.10.22.12.06.24").string());
  EXPECT_EQ(other.exit_code, 2) << other.out;
  EXPECT_NE(other.out.find("2003.10.22.12.06.24: no channel b1"), std::string::npos) << other.out;
  const CliRun missing =
      run("eval anomaly ims " + (ims / "2004.02.12.10.32.39").string() + " " + path("none"));
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_NE(missing.out.find(path("none")), std::string::npos) << missing.out;
}

}  // namespace VIGIL_TEST_FILE
