// vigil analyze with learned models, as a user runs it: simulated recordings (ground truth: the simulator's
// fault) -> vigil train anomaly / classifier -> vigil analyze --models on recordings the models never saw.
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli_support.hpp"

namespace VIGIL_TEST_FILE {

using vigil::test::Cli;
using vigil::test::CliRun;
using vigil::test::run;

class AnalyzeWithModels : public Cli {
 protected:
  // Once per test program (ctest runs each test in its own process, so once per test there): two recordings
  // per fault type plus 30 s of healthy running, the catalog, and the two bundles in models_/models (removed
  // after the suite).
  static void SetUpTestSuite() {
    models_ = std::filesystem::temp_directory_path() / ("vigil_models_" + std::to_string(::getpid()));
    std::filesystem::create_directories(models_ / "models");
    const auto at = [](const std::string& name) { return (models_ / name).string(); };
    std::string catalog = "path,sample_rate_hz,channel,bearing,fault,rpm\n";
    auto simulate = [&](const std::string& name, const std::string& fault, double seconds, int seed) {
      const CliRun r =
          run(fmt::format("simulate {} --fault {} --duration {} --seed {}", at(name), fault, seconds, seed));
      ASSERT_EQ(r.exit_code, 0) << r.out;
      catalog += fmt::format("{},12000,DE,6205-2RS,{},1797\n", name, fault == "none" ? "normal" : fault);
    };
    simulate("healthy.mat", "none", 30, 1);
    int seed = 10;
    for (const char* fault : {"inner_race", "outer_race", "ball"}) {
      for (int k = 0; k < 2; ++k) simulate(fmt::format("{}_{}.mat", fault, k), fault, 4, seed++);
    }
    std::ofstream(at("catalog.csv")) << catalog;
    CliRun a = run(fmt::format("train anomaly {} --out {}", at("catalog.csv"), at("models/anomaly.vigil")));
    ASSERT_EQ(a.exit_code, 0) << a.out;
    // Simulated recordings already: no simulated faults on top (--synthetic-faults 0) keeps the test quick.
    CliRun c = run(fmt::format("train classifier {} --out {} --epochs 60 --synthetic-faults 0",
                               at("catalog.csv"), at("models/classifier.vigil")));
    ASSERT_EQ(c.exit_code, 0) << c.out;
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(models_); }
  static std::string models() { return (models_ / "models").string(); }
  static std::string model_file(const std::string& name) { return (models_ / "models" / name).string(); }

  static std::filesystem::path models_;
};
std::filesystem::path AnalyzeWithModels::models_;

TEST_F(AnalyzeWithModels, UnseenHealthyRunningIsNormalAndAnUnseenOuterRaceFaultIsNamed) {
  ASSERT_EQ(run("simulate " + path("new_healthy.mat") + " --fault none --duration 3 --seed 50").exit_code, 0);
  ASSERT_EQ(run("simulate " + path("new_or.mat") + " --fault outer_race --duration 3 --seed 51").exit_code,
            0);

  CliRun h =
      run(fmt::format("analyze {} --fs 12000 --models {} --json", path("new_healthy.mat"), models()), true);
  ASSERT_EQ(h.exit_code, 0) << h.out;
  const auto hj = nlohmann::json::parse(h.out).at("learned");
  EXPECT_EQ(hj.at("verdict"), "normal");
  EXPECT_EQ(hj.at("windows"), 8);  // 36000 samples / 4096
  EXPECT_FALSE(hj.at("anomaly").at("abnormal").get<bool>());

  CliRun f = run(fmt::format("analyze {} --fs 12000 --models {} --json", path("new_or.mat"), models()), true);
  ASSERT_EQ(f.exit_code, 0) << f.out;
  const auto fj = nlohmann::json::parse(f.out).at("learned");
  EXPECT_TRUE(fj.at("anomaly").at("abnormal").get<bool>());
  EXPECT_EQ(fj.at("verdict"), "outer_race");
  EXPECT_EQ(fj.at("classifier").at("fault"), "outer_race");
  EXPECT_GT(fj.at("confidence").get<double>(), 0.6);

  // The table form names both the physics verdict and the learned one.
  CliRun t = run(fmt::format("analyze {} {} --fs 12000 --models {}", path("new_healthy.mat"),
                             path("new_or.mat"), models()));
  ASSERT_EQ(t.exit_code, 0) << t.out;
  EXPECT_NE(t.out.find("learned"), std::string::npos);
  EXPECT_NE(t.out.find("outer_race"), std::string::npos);

  // A bundle of the wrong kind, or a folder without bundles, is refused naming what is wrong.
  CliRun wrong = run(
      fmt::format("analyze {} --fs 12000 --anomaly {}", path("new_or.mat"), model_file("classifier.vigil")));
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.out.find("classifier.vigil"), std::string::npos) << wrong.out;
  EXPECT_NE(wrong.out.find("anomaly"), std::string::npos) << wrong.out;
}

TEST_F(AnalyzeWithModels, ARecordingTheModelsCannotTakeStillGetsItsPhysicsReport) {
  // 10 kHz is not an integer multiple of the models' 12 kHz.
  ASSERT_EQ(run("simulate " + path("odd.mat") + " --fault outer_race --duration 2 --seed 5").exit_code, 0);
  CliRun r = run(fmt::format("analyze {} --fs 10000 --models {}", path("odd.mat"), models()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("verdict"), std::string::npos) << r.out;  // the physics report
  EXPECT_NE(r.out.find("learned models"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not an integer multiple of 12000 Hz"), std::string::npos) << r.out;
}

TEST_F(Cli, AnalyzeRefusesAModelsFolderThatIsMissingOrEmpty) {  // needs no trained model
  ASSERT_EQ(run("simulate " + path("x.mat") + " --duration 1").exit_code, 0);
  CliRun missing = run(fmt::format("analyze {} --fs 12000 --models {}", path("x.mat"), path("nowhere")));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("not a folder"), std::string::npos) << missing.out;
  std::filesystem::create_directories(path("empty"));
  CliRun empty = run(fmt::format("analyze {} --fs 12000 --models {}", path("x.mat"), path("empty")));
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.out.find("neither anomaly.vigil nor classifier.vigil"), std::string::npos) << empty.out;
}

}  // namespace VIGIL_TEST_FILE
