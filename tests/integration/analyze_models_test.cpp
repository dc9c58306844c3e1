// vigil analyze with learned models, as a user runs it: simulated recordings (ground truth: the simulator's
// fault) -> vigil train anomaly / classifier -> vigil analyze --models on recordings the models never saw.
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli_support.hpp"

namespace {

using vigil::test::Cli;
using vigil::test::CliRun;
using vigil::test::run;

class AnalyzeWithModels : public Cli {
 protected:
  // Two recordings per fault type plus 30 s of healthy running, the catalog, and the two bundles.
  void train_models() {
    std::string catalog = "path,sample_rate_hz,channel,bearing,fault,rpm\n";
    auto simulate = [&](const std::string& name, const std::string& fault, double seconds, int seed) {
      const CliRun r = run(fmt::format("simulate {} --fault {} --duration {} --seed {}", path(name), fault, seconds,
                                       seed));
      ASSERT_EQ(r.exit_code, 0) << r.out;
      catalog += fmt::format("{},12000,DE,6205-2RS,{},1797\n", name, fault == "none" ? "normal" : fault);
    };
    simulate("healthy.mat", "none", 30, 1);
    int seed = 10;
    for (const char* fault : {"inner_race", "outer_race", "ball"}) {
      for (int k = 0; k < 2; ++k) simulate(fmt::format("{}_{}.mat", fault, k), fault, 4, seed++);
    }
    std::ofstream(path("catalog.csv")) << catalog;
    std::filesystem::create_directories(path("models"));
    CliRun a = run(fmt::format("train anomaly {} --out {}", path("catalog.csv"), path("models/anomaly.vigil")));
    ASSERT_EQ(a.exit_code, 0) << a.out;
    CliRun c = run(fmt::format("train classifier {} --out {} --epochs 60", path("catalog.csv"),
                               path("models/classifier.vigil")));
    ASSERT_EQ(c.exit_code, 0) << c.out;
  }
};

TEST_F(AnalyzeWithModels, UnseenHealthyRunningIsNormalAndAnUnseenOuterRaceFaultIsNamed) {
  train_models();
  if (HasFatalFailure()) return;
  ASSERT_EQ(run("simulate " + path("new_healthy.mat") + " --fault none --duration 3 --seed 50").exit_code, 0);
  ASSERT_EQ(run("simulate " + path("new_or.mat") + " --fault outer_race --duration 3 --seed 51").exit_code, 0);

  CliRun h = run(fmt::format("analyze {} --fs 12000 --models {} --json", path("new_healthy.mat"), path("models")),
                 true);
  ASSERT_EQ(h.exit_code, 0) << h.out;
  const auto hj = nlohmann::json::parse(h.out).at("learned");
  EXPECT_EQ(hj.at("verdict"), "normal");
  EXPECT_EQ(hj.at("windows"), 8);  // 36000 samples / 4096
  EXPECT_FALSE(hj.at("anomaly").at("abnormal").get<bool>());

  CliRun f = run(fmt::format("analyze {} --fs 12000 --models {} --json", path("new_or.mat"), path("models")), true);
  ASSERT_EQ(f.exit_code, 0) << f.out;
  const auto fj = nlohmann::json::parse(f.out).at("learned");
  EXPECT_TRUE(fj.at("anomaly").at("abnormal").get<bool>());
  EXPECT_EQ(fj.at("verdict"), "outer_race");
  EXPECT_EQ(fj.at("classifier").at("fault"), "outer_race");
  EXPECT_GT(fj.at("confidence").get<double>(), 0.6);

  // The table form names both the physics verdict and the learned one.
  CliRun t = run(fmt::format("analyze {} {} --fs 12000 --models {}", path("new_healthy.mat"), path("new_or.mat"),
                             path("models")));
  ASSERT_EQ(t.exit_code, 0) << t.out;
  EXPECT_NE(t.out.find("learned"), std::string::npos);
  EXPECT_NE(t.out.find("outer_race"), std::string::npos);

  // A bundle of the wrong kind, or a folder without bundles, is refused naming what is wrong.
  CliRun wrong = run(fmt::format("analyze {} --fs 12000 --anomaly {}", path("new_or.mat"),
                                 path("models/classifier.vigil")));
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.out.find("classifier.vigil"), std::string::npos) << wrong.out;
  EXPECT_NE(wrong.out.find("anomaly"), std::string::npos) << wrong.out;
}

TEST_F(AnalyzeWithModels, RefusesAModelsFolderThatIsMissingOrEmpty) {
  ASSERT_EQ(run("simulate " + path("x.mat") + " --duration 1").exit_code, 0);
  CliRun missing = run(fmt::format("analyze {} --fs 12000 --models {}", path("x.mat"), path("nowhere")));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("not a folder"), std::string::npos) << missing.out;
  std::filesystem::create_directories(path("empty"));
  CliRun empty = run(fmt::format("analyze {} --fs 12000 --models {}", path("x.mat"), path("empty")));
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.out.find("neither anomaly.vigil nor classifier.vigil"), std::string::npos) << empty.out;
}

}  // namespace
