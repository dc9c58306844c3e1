// `vigil train classifier` and `vigil eval cwru --model classifier|BUNDLE` run as real processes: the bundle
// carries its recipe and the evaluation retrains that recipe per fold (JSON keys a user relies on), and bad
// input (a missing bundle, a bundle of another kind, recipe options that contradict a bundle, an unknown
// feature) gets a clear error naming what is wrong.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli_support.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"
#include "support/test_data.hpp"

namespace VIGIL_TEST_FILE {

using vigil::test::Cli;
using vigil::test::CliRun;
using vigil::test::run;

// A catalog of one simulated healthy recording (20 s, sim cwru_like at 1797 rpm) for an anomaly bundle.
std::string simulated_healthy_catalog(const std::filesystem::path& dir) {
  EXPECT_EQ(
      run("simulate " + (dir / "healthy.mat").string() + " --fault none --duration 20 --seed 4").exit_code,
      0);
  std::ofstream(dir / "healthy.csv") << "path,sample_rate_hz,channel,bearing,fault,rpm\n"
                                     << "healthy.mat,12000,DE,6205-2RS,normal,1797\n";
  return (dir / "healthy.csv").string();
}

TEST_F(Cli, EvalWithAMissingBundleNamesTheFile) {
  const CliRun r =
      run("eval cwru " + path("any.csv") + " --model " + path("nope.vigil") + " --split by-load");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("nope.vigil"), std::string::npos) << r.out;
}

TEST_F(Cli, EvalWithABundleOfAnotherKindNamesTheFileAndTheKind) {
  const std::string catalog = simulated_healthy_catalog(dir_);
  const CliRun trained = run("train anomaly " + catalog + " --overlap 8 --out " + path("anomaly.vigil"));
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  const CliRun r = run("eval cwru " + catalog + " --model " + path("anomaly.vigil") + " --split by-load");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("anomaly.vigil"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("classifier"), std::string::npos) << r.out;  // what was expected
}

TEST_F(Cli, EvalWithAFileThatIsNoBundleNamesIt) {
  std::ofstream(path("junk.vigil")) << std::string(2000, 'j');
  const CliRun r =
      run("eval cwru " + path("any.csv") + " --model " + path("junk.vigil") + " --split by-size");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("junk.vigil"), std::string::npos) << r.out;
}

TEST_F(Cli, EvalRefusesAnUnknownFeatureByName) {
  const CliRun r =
      run("eval cwru " + path("any.csv") + " --model classifier --features crest_factor,bogus_db");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("bogus_db"), std::string::npos) << r.out;
}

// A model learns at the rate and window it is told: 2048-sample windows of a 12 kHz recording, which the
// manifest records and analyze --models then uses (the count of windows it reports follows from the
// recording's length, computed here independently). Too low a rate for the bearing's defect frequencies is
// refused with the reason.
TEST_F(Cli, TrainAnomalyTakesTheRateAndWindowOfTheData) {
  ASSERT_EQ(run("simulate " + path("fast.mat") + " --fault none --duration 20 --seed 9").exit_code, 0);
  std::ofstream(path("fast.csv")) << "path,sample_rate_hz,channel,bearing,fault,rpm\n"
                                  << "fast.mat,12000,DE,6205-2RS,normal,1797\n";
  std::filesystem::create_directories(path("models"));
  const CliRun trained = run("train anomaly " + path("fast.csv") + " --fs 12000 --window 2048 --out " +
                             path("models/anomaly.vigil"));
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  const CliRun a =
      run("analyze " + path("fast.mat") + " --fs 12000 --rpm 1797 --models " + path("models") + " --json");
  ASSERT_EQ(a.exit_code, 0) << a.out;
  const auto j = nlohmann::json::parse(a.out.substr(a.out.find('{')));
  // 20 s at 12 kHz -> 240000 samples -> 117 disjoint windows of 2048.
  EXPECT_EQ(j["learned"]["windows"], 240000 / 2048) << a.out;
  EXPECT_EQ(j["learned"]["sample_rate_hz"], 12000.0) << a.out;
  const CliRun low = run("train anomaly " + path("fast.csv") + " --fs 6000 --out " + path("low.vigil"));
  EXPECT_EQ(low.exit_code, 2) << low.out;
  EXPECT_NE(low.out.find("no band could qualify"), std::string::npos) << low.out;
  EXPECT_EQ(j["learned"]["window_len"], 2048) << a.out;
}

// libtorch is a plugin loaded only by a command that trains: when it is missing, the autoencoder's training
// stops with an error that names the file and where it was looked for; the plugin the build puts beside the
// program is found without any setting and trains.
TEST_F(Cli, TrainingNamesAMissingLibtorchPluginAndFindsTheOneBesideTheProgram) {
  const std::string catalog = simulated_healthy_catalog(dir_);
  const std::string train = "train anomaly " + catalog + " --detector autoencoder --epochs 2 --out ";
  const std::string missing = path("no-such-dir/libvigil_torch.so");
  ASSERT_EQ(setenv("VIGIL_TORCH_PLUGIN", missing.c_str(), 1), 0);
  const CliRun refused = run(train + path("a.vigil"));
  unsetenv("VIGIL_TORCH_PLUGIN");
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE(refused.out.find("libvigil_torch.so (libtorch)"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find(missing), std::string::npos) << refused.out;
  EXPECT_FALSE(std::filesystem::exists(path("a.vigil")));

  const CliRun trained = run(train + path("b.vigil"));
  EXPECT_EQ(trained.exit_code, 0) << trained.out;
  EXPECT_TRUE(std::filesystem::exists(path("b.vigil")));
}

TEST_F(Cli, TrainAnomalyRefusesAutoencoderOptionsForTheGaussianDetector) {
  const CliRun r = run("train anomaly " + path("any.csv") + " --epochs 5");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--epochs"), std::string::npos) << r.out;
}

// CWRU subset: loads 0 and 1 of every fault type and size (18 recordings) plus 97.mat, so by-size has 3 folds
// whose training side holds 4 recordings per class (1 held back for early stopping). Few epochs: this checks
// the plumbing, not accuracy.
std::string cwru_subset(const std::string& out) {
  const std::filesystem::path dir = vigil::test::data_dir() / "cwru";
  std::ifstream in(dir / "catalog.csv");
  std::ofstream subset(out);
  std::string line;
  std::getline(in, line);
  subset << line << "\n";
  while (std::getline(in, line)) {
    // path,sample_rate_hz,channel,bearing,fault,rpm,load_hp,...: keep loads 0 and 1.
    std::size_t comma = 0;
    for (int k = 0; k < 6; ++k) comma = line.find(',', comma) + 1;
    const char load = line[comma];
    if (load == '0' || load == '1') {
      subset << (dir / line.substr(0, line.find(','))).string() << line.substr(line.find(',')) << "\n";
    }
  }
  return out;
}

TEST_F(Cli, EvalRetrainsTheBundlesRecipePerFoldAndReportsTheIssuesKeys) {
  VIGIL_REQUIRE_DATA("cwru/catalog.csv");
  const std::string catalog = cwru_subset(path("subset.csv"));
  const CliRun trained = run("train classifier " + catalog + " --out " + path("c.vigil") +
                             " --hidden 8 --epochs 4 --features envelope --seed 3");
  ASSERT_EQ(trained.exit_code, 0) << trained.out;

  // Recipe options contradict a bundle's recipe.
  const CliRun both = run("eval cwru " + catalog + " --model " + path("c.vigil") + " --hidden 4");
  EXPECT_EQ(both.exit_code, 2) << both.out;
  EXPECT_NE(both.out.find("recipe comes from the bundle"), std::string::npos) << both.out;

  const CliRun r =
      run("eval cwru " + catalog + " --model " + path("c.vigil") + " --split by-size --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"accuracy", "macro_f1", "anomaly_auc", "confusion", "folds", "fault_type",
                          "physics", "verdict", "recipe", "anomaly", "bundle", "task"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  // The recipe that ran is the bundle's.
  EXPECT_EQ(j.at("recipe").at("hidden"), nlohmann::json::array({8}));
  EXPECT_EQ(j.at("recipe").at("max_epochs"), 4);
  EXPECT_EQ(j.at("recipe").at("seed"), 3);
  EXPECT_EQ(j.at("recipe").at("features").size(), 14u);
  EXPECT_EQ(j.at("folds").size(), 3u);  // sizes 0.007, 0.014, 0.021 in
  // Top level: the 4-class product decision (normal, three faults; unknown as a prediction column).
  const auto& confusion = j.at("confusion");
  EXPECT_EQ(confusion.size(), 4u);
  EXPECT_TRUE(confusion.at("normal").contains("unknown"));
  std::size_t normal_rows = 0;
  for (const auto& [column, n] : confusion.at("normal").items()) normal_rows += n.get<std::size_t>();
  EXPECT_EQ(normal_rows, 3 * j.at("anomaly").at("healthy_test_windows").get<std::size_t>());  // once per fold
  EXPECT_EQ(j.at("fault_type").at("confusion").size(), 3u);
  // Physics alone and the one verdict name a fault (or none: the unknown column) in every fault test window.
  for (const char* task : {"physics", "verdict"}) {
    std::size_t named = 0;
    for (const auto& [truth, row] : j.at(task).at("confusion").items()) {
      for (const auto& [column, n] : row.items()) named += n.get<std::size_t>();
    }
    EXPECT_EQ(named, j.at("anomaly").at("fault_windows").get<std::size_t>()) << task;
  }
  for (const char* key : {"accuracy", "macro_f1"}) {
    const double v = j.at(key).get<double>();
    EXPECT_TRUE(v >= 0 && v <= 1) << key << " " << v;
    EXPECT_TRUE(j.at("fault_type").at(key).is_number()) << key;
  }
  // Every fold tests whole recordings the training never saw: 12 fault recordings over 3 folds, 6 each.
  for (const auto& f : j.at("folds")) {
    EXPECT_EQ(f.at("test_recordings"), 6) << f.dump();
    EXPECT_EQ(f.at("train_recordings").get<int>() + f.at("validation_recordings").get<int>(), 12) << f.dump();
  }
}

// --features select: the inputs are chosen among the three candidates on inner folds (by size and by load)
// of the training data; the bundle records the choice with every candidate's scores, the recipe reads the
// chosen set, and the evaluation records each fold's own choice.
TEST_F(Cli, SelectChoosesTheInputsOnInnerFoldsAndRecordsTheChoice) {
  VIGIL_REQUIRE_DATA("cwru/catalog.csv");
  const std::string catalog = cwru_subset(path("subset.csv"));
  const std::string recipe = " --hidden 8 --epochs 4 --synthetic-faults 0 --features select";
  const CliRun trained = run("train classifier " + catalog + " --out " + path("s.vigil") + recipe);
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  auto bundle = vigil::model::read_bundle(path("s.vigil"), vigil::model::ModelKind::classifier,
                                          vigil::model::k_feature_schema_version);
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  const auto& selection = bundle->training.at("input_selection");
  const std::map<std::string, std::size_t> inputs{
      {"family", 16}, {"no-levels", 25}, {"no-levels+family", 41}};
  ASSERT_EQ(selection.at("candidates").size(), inputs.size());
  double best = -1;
  std::string best_inputs;
  for (const auto& c : selection.at("candidates")) {
    EXPECT_TRUE(inputs.contains(c.at("inputs").get<std::string>()));
    const double mean =
        0.5 * (c.at("inner_by_size_accuracy").get<double>() + c.at("inner_by_load_accuracy").get<double>());
    EXPECT_NEAR(c.at("score").get<double>(), mean, 1e-12);
    if (mean > best) {
      best = mean;
      best_inputs = c.at("inputs").get<std::string>();
    }
  }
  EXPECT_EQ(selection.at("chosen"), best_inputs);
  EXPECT_EQ(bundle->training.at("recipe").at("features").size(), inputs.at(best_inputs));

  const CliRun r = run("eval cwru " + catalog + " --model classifier --split by-size --json" + recipe, true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("folds").size(), 3u);
  for (const auto& fold : j.at("folds")) {
    EXPECT_TRUE(inputs.contains(fold.at("inputs").at("chosen").get<std::string>())) << fold.at("name");
    EXPECT_EQ(fold.at("inputs").at("candidates").size(), inputs.size());
  }
}

// --synthetic-variation select: cwru-rig or varied simulated faults, chosen on inner folds the same way; the
// bundle records the choice and its recipe runs it, the evaluation records each fold's own choice. An
// unknown variation is refused by name.
TEST_F(Cli, SyntheticVariationSelectChoosesOnInnerFoldsAndRecordsTheChoice) {
  VIGIL_REQUIRE_DATA("cwru/catalog.csv");
  const std::string catalog = cwru_subset(path("subset.csv"));
  const std::string recipe = " --hidden 8 --epochs 4 --synthetic-faults 3 --synthetic-variation select";
  const CliRun trained = run("train classifier " + catalog + " --out " + path("v.vigil") + recipe);
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  auto bundle = vigil::model::read_bundle(path("v.vigil"), vigil::model::ModelKind::classifier,
                                          vigil::model::k_feature_schema_version);
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  const auto& selection = bundle->training.at("synthetic_variation_selection");
  ASSERT_EQ(selection.at("candidates").size(), 2u);
  EXPECT_EQ(selection.at("candidates")[0].at("inputs"), "cwru-rig");
  EXPECT_EQ(selection.at("candidates")[1].at("inputs"), "varied");
  const double cwru = selection.at("candidates")[0].at("score").get<double>();
  const double varied = selection.at("candidates")[1].at("score").get<double>();
  EXPECT_EQ(selection.at("chosen"), varied > cwru ? "varied" : "cwru-rig");
  EXPECT_EQ(bundle->training.at("recipe").at("synthetic_variation"), selection.at("chosen"));

  const CliRun r = run("eval cwru " + catalog + " --model classifier --split by-size --json" + recipe, true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("folds").size(), 3u);
  for (const auto& fold : j.at("folds")) {
    const auto chosen = fold.at("synthetic_variation").at("chosen").get<std::string>();
    EXPECT_TRUE(chosen == "cwru-rig" || chosen == "varied") << fold.at("name");
    EXPECT_GT(fold.at("synthetic_windows").get<int>(), 0) << fold.at("name");
  }

  const CliRun bad = run("eval cwru " + catalog + " --model classifier --synthetic-variation sometimes");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("--synthetic-variation"), std::string::npos) << bad.out;
}

}  // namespace VIGIL_TEST_FILE
