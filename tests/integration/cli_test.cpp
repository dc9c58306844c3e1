// The vigil command line run as a real process: outputs a user relies on, and clear errors for bad input.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "integration/cli_support.hpp"
#include "support/test_data.hpp"

namespace VIGIL_TEST_FILE {

using vigil::test::Cli;
using vigil::test::CliRun;
using vigil::test::run;

TEST_F(Cli, HelpNamesEveryCommand) {
  const CliRun r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* command : {"analyze", "eval", "simulate", "bearings"})
    EXPECT_NE(r.out.find(command), std::string::npos) << command;
}

TEST_F(Cli, BearingsListsTheCatalogueWithPublishedOrders) {
  const CliRun r = run("bearings");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("6205-2RS"), std::string::npos);
  EXPECT_NE(r.out.find("3.5848"), std::string::npos);  // CWRU's published BPFO order for the 6205-2RS
  EXPECT_NE(r.out.find("pronostia"), std::string::npos);
}

// Simulated outer-race fault at 1797 rpm: BPFO = 3.5848 x 29.95 Hz = 107.36 Hz (published order).
TEST_F(Cli, SimulatedOuterRaceIsDiagnosedInJson) {
  ASSERT_EQ(run("simulate " + path("or.mat") + " --fault outer_race --seed 3").exit_code, 0);
  const CliRun r = run("analyze " + path("or.mat") + " --fs 12000 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("verdict"), "outer_race");
  EXPECT_GT(j.at("confidence").get<double>(), 0.5);
  EXPECT_EQ(j.at("iso_zone"), "A");
  EXPECT_TRUE(j.at("velocity_rms_mm_s").is_number());
  const auto& top = j.at("defects").at(0);
  EXPECT_EQ(top.at("name"), "outer_race");
  EXPECT_NEAR(top.at("frequency_hz").get<double>(), 107.36, 0.05);
  EXPECT_NEAR(top.at("found_hz").get<double>(), 107.36, 2.2);
  EXPECT_GT(top.at("snr_db").get<double>(), 6.0);
  EXPECT_TRUE(top.contains("amplitude"));
}

TEST_F(Cli, SeveralFilesGiveOneLineEach) {
  ASSERT_EQ(run("simulate " + path("a.mat") + " --fault none --seed 1").exit_code, 0);
  ASSERT_EQ(run("simulate " + path("b.mat") + " --fault inner_race --seed 2").exit_code, 0);
  const CliRun r = run("analyze --fs 12000 " + path("a.mat") + " " + path("b.mat"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("a.mat            normal"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b.mat            inner_race"), std::string::npos) << r.out;
}

TEST_F(Cli, MissingFileIsAClearError) {
  const CliRun r = run("analyze " + path("nope.mat"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("nope.mat: no such file"), std::string::npos) << r.out;
}

TEST_F(Cli, SampleRateIsAskedForWhenNothingStatesIt) {
  ASSERT_EQ(run("simulate " + path("x.mat") + " --duration 2").exit_code, 0);
  const CliRun r = run("analyze " + path("x.mat"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--fs"), std::string::npos) << r.out;
}

TEST_F(Cli, GarbageAndTruncatedFilesAreRefusedByName) {
  {
    std::ofstream f(path("junk.mat"), std::ios::binary);
    f << std::string(300, 'x');
  }
  CliRun r = run("analyze " + path("junk.mat") + " --fs 12000");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("junk.mat"), std::string::npos) << r.out;

  ASSERT_EQ(run("simulate " + path("full.mat") + " --duration 2").exit_code, 0);
  const auto size = std::filesystem::file_size(path("full.mat"));
  std::filesystem::copy_file(path("full.mat"), path("cut.mat"));
  std::filesystem::resize_file(path("cut.mat"), size / 2);
  r = run("analyze " + path("cut.mat") + " --fs 12000");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("cut.mat"), std::string::npos) << r.out;
}

TEST_F(Cli, UnknownBearingAndMachineClassAreRefused) {
  ASSERT_EQ(run("simulate " + path("x.mat") + " --duration 2").exit_code, 0);
  CliRun r = run("analyze " + path("x.mat") + " --fs 12000 --bearing 6309");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown bearing '6309'"), std::string::npos) << r.out;
  r = run("analyze " + path("x.mat") + " --fs 12000 --machine-class group9");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("group9"), std::string::npos) << r.out;
}

TEST_F(Cli, EvalCwruReportsMetricsOnRealData) {
  VIGIL_REQUIRE_DATA("cwru/catalog.csv");
  const CliRun r =
      run("eval cwru " + (vigil::test::data_dir() / "cwru" / "catalog.csv").string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"accuracy", "macro_f1", "confusion", "files"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j.at("files").size(), 37u);
  // Every inner-race record is diagnosed (the target; truth from the catalog's labels).
  int inner = 0, inner_correct = 0;
  for (const auto& f : j.at("files")) {
    if (f.at("truth") != "inner_race") continue;
    ++inner;
    inner_correct += f.at("verdict") == "inner_race" ? 1 : 0;
  }
  EXPECT_EQ(inner, 12);
  EXPECT_EQ(inner_correct, 12);
  // Identification (docs/diagnosis.md, section 4): every race and ball record is graded, every inner-race
  // record clearly, and the healthy record shows no defect family.
  const auto& id = j.at("identification");
  EXPECT_EQ(id.at("races").at("records"), 24);
  EXPECT_EQ(id.at("balls").at("records"), 12);
  EXPECT_GE(id.at("races").at("clear").get<int>(), inner_correct);
  for (const auto& f : j.at("files")) {
    if (f.at("truth") != "normal") continue;
    EXPECT_FALSE(f.contains("families_found")) << f.at("families_found").dump();
    EXPECT_EQ(f.at("identification"), "clear");
  }
}

// FEMTO learning set: the summary has every bearing, its life from the snapshot index ((n-1) x 10 s, data
// README), a CSV per bearing, and an RMS onset before the end of every life.
TEST_F(Cli, EvalFemtoSummarisesEveryBearing) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  const CliRun r = run("eval femto " + (vigil::test::data_dir() / "femto" / "Learning_set").string() +
                           " --json --out " + path("out"),
                       /*stdout_only=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
  const auto j = nlohmann::json::parse(r.out);
  const std::map<std::string, double> life_s{{"Bearing1_1", 28020}, {"Bearing1_2", 8700},
                                             {"Bearing2_1", 9100},  {"Bearing2_2", 7960},
                                             {"Bearing3_1", 5140},  {"Bearing3_2", 16360}};
  ASSERT_EQ(j.at("bearings").size(), life_s.size());
  for (const auto& b : j.at("bearings")) {
    const std::string name = b.at("name");
    EXPECT_DOUBLE_EQ(b.at("life_s").get<double>(), life_s.at(name)) << name;
    EXPECT_TRUE(std::filesystem::exists(b.at("csv").get<std::string>())) << name;
    bool rms_onset = false;
    for (const auto& i : b.at("indicators")) {
      if (i.at("name") == "rms_g" && i.at("channel") == "horizontal" && i.at("onset_s").is_number()) {
        rms_onset = i.at("onset_s").get<double>() < life_s.at(name);
      }
    }
    EXPECT_TRUE(rms_onset) << name;
  }
}

TEST_F(Cli, EvalFemtoRefusesAFolderWithoutSnapshots) {
  std::filesystem::create_directories(path("empty/Bearing9_9"));
  const CliRun r = run("eval femto " + path("empty"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("empty"), std::string::npos) << r.out;
}

}  // namespace VIGIL_TEST_FILE
