// The classifier recipe shared by `vigil train classifier` and `vigil eval cwru --model`: named feature sets
// against the schema, the JSON form a bundle's manifest carries (round trip and refusals), the hold-out of
// validation recordings, feature selection as zero weights in the exported first layer (so the ONNX graph
// stays a plain dense net), the refit's epoch count, and a simulator-truth test: inner race, outer race and
// ball defects told apart from the envelope features alone on simulated windows of unseen seeds.
#include "model/train/classifier_recipe.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "dsp/bearing.hpp"
#include "eval/anomaly_training.hpp"
#include "eval/windows_dataset.hpp"
#include "model/classifier_bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/features.hpp"
#include "model/train/model_export.hpp"
#include "sim/random.hpp"
#include "sim/simulator.hpp"

namespace vigil::model::train {
namespace VIGIL_TEST_FILE {

using namespace vigil::eval;

TEST(ClassifierRecipe, NamedFeatureSetsFollowTheSchema) {
  const auto all = parse_feature_set("all");
  ASSERT_TRUE(all.has_value());
  EXPECT_TRUE(all->empty());  // empty = every schema feature

  const auto no_levels = parse_feature_set("no-levels");
  ASSERT_TRUE(no_levels.has_value());
  EXPECT_EQ(no_levels->size(), k_feature_count - 3);
  for (const char* level : {"rms_db", "peak_db", "velocity_rms_db"}) {
    EXPECT_EQ(std::count(no_levels->begin(), no_levels->end(), level), 0) << level;
  }
  EXPECT_EQ(std::count(no_levels->begin(), no_levels->end(), "log_kurtosis"), 1);

  // Envelope evidence in schema v1: 3 harmonics of BPFO, BPFI, BSF, FTF plus the BPFI and BSF sidebands.
  const auto envelope = parse_feature_set("envelope");
  ASSERT_TRUE(envelope.has_value());
  EXPECT_EQ(envelope->size(), 14u);
  for (const auto& n : *envelope) EXPECT_TRUE(n.ends_with("_snr_db")) << n;

  const auto list = parse_feature_set("bpfo_h1_snr_db,crest_factor");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(*list, (std::vector<std::string>{"bpfo_h1_snr_db", "crest_factor"}));

  const auto unknown = parse_feature_set("bpfo_h1_snr_db,bogus");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_NE(unknown.error().message.find("'bogus'"), std::string::npos) << unknown.error().message;
  EXPECT_FALSE(parse_feature_set("crest_factor,,skewness").has_value());
  EXPECT_FALSE(parse_feature_set("").has_value());
}

TEST(ClassifierRecipe, DefaultReadsTheDefectFamilyShares) {
  const ClassifierRecipe r = default_classifier_recipe();
  EXPECT_EQ(r.features, *parse_feature_set("family"));
  ASSERT_EQ(r.features.size(), k_family_feature_count);
  EXPECT_EQ(r.features.front(), "sk_bpfo_snr_share");
  EXPECT_TRUE(check_recipe(r).has_value());
  // The sets: the window features, and both kinds without the levels.
  EXPECT_EQ(parse_feature_set("window")->size(), k_feature_count);
  const auto both = parse_feature_set("no-levels+family");
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->size(), k_classifier_feature_count - 3);
  EXPECT_EQ(std::count(both->begin(), both->end(), "rms_db"), 0);
  EXPECT_EQ(parse_feature_set("all")->size(), 0u);  // empty: every input
}

ClassifierRecipe unusual_recipe() {
  ClassifierRecipe r;
  r.features = {"bsf_h1_snr_db", "bpfo_h2_snr_db"};
  r.hidden = {7, 5};
  r.hidden_activation = Activation::tanh;
  r.weighting = ClassWeighting::none;
  r.optimizer.max_epochs = 17;
  r.optimizer.patience_epochs = 3;
  r.optimizer.min_improvement = 0.25;
  r.optimizer.batch_size = 9;
  r.optimizer.learning_rate = 0.0125;
  r.optimizer.weight_decay = 0.5;
  r.optimizer.dropout = 0.125;
  r.optimizer.input_noise_sd = 0.375;
  r.optimizer.seed = 12345678901234ull;
  r.validation_every = 3;
  r.abstain_threshold = 0.875;
  r.synthetic_faults = 7;
  r.synthetic_variation = SyntheticVariation::varied;
  return r;
}

TEST(ClassifierRecipe, JsonRoundTripKeepsEverySetting) {
  const ClassifierRecipe r = unusual_recipe();
  const nlohmann::json j = recipe_to_json(r);
  EXPECT_EQ(j.at("type"), "classifier_recipe");
  EXPECT_EQ(j.at("version"), k_classifier_recipe_version);
  // Through text, as a manifest carries it.
  const auto back = recipe_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->features, r.features);
  EXPECT_EQ(back->hidden, r.hidden);
  EXPECT_EQ(back->hidden_activation, r.hidden_activation);
  EXPECT_EQ(back->weighting, r.weighting);
  EXPECT_EQ(back->optimizer.max_epochs, r.optimizer.max_epochs);
  EXPECT_EQ(back->optimizer.patience_epochs, r.optimizer.patience_epochs);
  EXPECT_EQ(back->optimizer.min_improvement, r.optimizer.min_improvement);
  EXPECT_EQ(back->optimizer.batch_size, r.optimizer.batch_size);
  EXPECT_EQ(back->optimizer.learning_rate, r.optimizer.learning_rate);
  EXPECT_EQ(back->optimizer.weight_decay, r.optimizer.weight_decay);
  EXPECT_EQ(back->optimizer.dropout, r.optimizer.dropout);
  EXPECT_EQ(back->optimizer.input_noise_sd, r.optimizer.input_noise_sd);
  EXPECT_EQ(back->optimizer.seed, r.optimizer.seed);
  EXPECT_EQ(back->validation_every, r.validation_every);
  EXPECT_EQ(back->abstain_threshold, r.abstain_threshold);
  EXPECT_EQ(back->synthetic_faults, r.synthetic_faults);
  EXPECT_EQ(back->synthetic_variation, r.synthetic_variation);
  EXPECT_EQ(j.at("synthetic_variation"), "varied");
}

// The recipe as a version-2 bundle manifest holds it (written by the build before synthetic_variation
// existed): still read, and its simulated faults are the CWRU rig's, as they were then.
TEST(ClassifierRecipe, ReadsVersionTwoRecipesAsCwruRigSimulation) {
  const auto j = nlohmann::json::parse(R"({"type": "classifier_recipe", "version": 2,
      "features": ["bpfo_h1_snr_db"], "hidden": [64, 32], "hidden_activation": "relu",
      "weighting": "balanced", "max_epochs": 300, "patience_epochs": 20, "min_improvement": 0.0,
      "batch_size": 64, "learning_rate": 0.001, "weight_decay": 0.0001, "dropout": 0.0,
      "input_noise_sd": 0.0, "seed": 1, "validation_every": 4, "abstain_threshold": 0.6,
      "synthetic_faults": 60, "refit": "train + validation, best_epoch epochs"})");
  const auto r = recipe_from_json(j);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->synthetic_faults, 60u);
  EXPECT_EQ(r->synthetic_variation, SyntheticVariation::cwru_rig);
  EXPECT_EQ(r->features, std::vector<std::string>{"bpfo_h1_snr_db"});
  // Version 3 must say what it simulates.
  auto v3 = j;
  v3["version"] = 3;
  const auto missing = recipe_from_json(v3);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("'synthetic_variation'"), std::string::npos)
      << missing.error().message;
  v3["synthetic_variation"] = "random";
  const auto unknown = recipe_from_json(v3);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("'random'"), std::string::npos) << unknown.error().message;
  v3["synthetic_variation"] = "cwru-rig";
  EXPECT_TRUE(recipe_from_json(v3).has_value());
}

TEST(ClassifierRecipe, JsonRefusesMissingWrongAndOutOfRangeValuesByKey) {
  const nlohmann::json good = recipe_to_json(unusual_recipe());
  auto refused = [](const nlohmann::json& j, const std::string& needle) {
    const auto r = recipe_from_json(j);
    ASSERT_FALSE(r.has_value()) << "accepted: " << j.dump();
    EXPECT_EQ(r.error().code, ErrorCode::parse);
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  {
    auto j = good;
    j.erase("weight_decay");
    refused(j, "'weight_decay'");
  }
  {
    auto j = good;
    j["hidden"] = {8, -1};  // a negative width must not wrap to 2^64 - 1
    refused(j, "'hidden'");
  }
  {
    auto j = good;
    j["max_epochs"] = 2.5;
    refused(j, "'max_epochs'");
  }
  {
    auto j = good;
    j["seed"] = "1";
    refused(j, "'seed'");
  }
  {
    auto j = good;
    j["version"] = 99;
    refused(j, "version 99");
  }
  {
    auto j = good;
    j["type"] = "anomaly";
    refused(j, "'anomaly'");
  }
  {
    auto j = good;
    j["hidden_activation"] = "softmax";
    refused(j, "hidden activation");
  }
  {
    auto j = good;
    j["dropout"] = 0.95;
    refused(j, "dropout");
  }
  {
    auto j = good;
    j["features"] = {"bsf_h1_snr_db", "nope_db"};
    refused(j, "'nope_db'");
  }
  {
    auto j = good;
    j["abstain_threshold"] = 1.5;
    refused(j, "abstain_threshold");
  }
  refused(nlohmann::json::array(), "JSON object");
}

// A table of windows: `per_class` recordings per fault type, `windows` rows each, named "<fault>_<k>.mat".
LabelledWindows table(std::size_t per_class, std::size_t windows) {
  LabelledWindows t;
  t.sample_rate_hz = 12000;
  t.window_len = 4096;
  t.hop = 4096;
  for (auto f : {domain::FaultType::inner_race, domain::FaultType::outer_race}) {
    for (std::size_t k = 0; k < per_class; ++k) {
      for (std::size_t w = 0; w < windows; ++w) {
        WindowRow r;
        r.recording = fmt::format("{}_{}.mat", domain::to_string(f), k);
        r.fault = f;
        r.start_sample = w * 4096;
        r.features.assign(k_classifier_feature_count, float(k));
        t.rows.push_back(std::move(r));
      }
    }
  }
  return t;
}

TEST(ClassifierRecipe, HoldsOutEveryNthRecordingPerClassNeverSplittingOne) {
  const LabelledWindows t = table(8, 3);
  std::vector<std::size_t> rows(t.rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  const RowSplit s = hold_out_validation(t, rows, 4);
  std::set<std::string> held, kept;
  for (auto i : s.validation) held.insert(t.rows[i].recording);
  for (auto i : s.train) kept.insert(t.rows[i].recording);
  // Names sorted per class: k = 0 and 4 are the 1st and 5th.
  EXPECT_EQ(held, (std::set<std::string>{"inner_race_0.mat", "inner_race_4.mat", "outer_race_0.mat",
                                         "outer_race_4.mat"}));
  for (const auto& n : held) EXPECT_EQ(kept.count(n), 0u) << n;
  EXPECT_EQ(s.train.size() + s.validation.size(), rows.size());

  // A class with one recording keeps it for training.
  const LabelledWindows lone = table(1, 3);
  std::vector<std::size_t> lone_rows(lone.rows.size());
  for (std::size_t i = 0; i < lone_rows.size(); ++i) lone_rows[i] = i;
  EXPECT_TRUE(hold_out_validation(lone, lone_rows, 4).validation.empty());
}

TEST(ClassifierRecipe, DatasetLabelsAreClassPositionsAndForeignFaultsAreRefused) {
  const LabelledWindows t = table(2, 2);
  const std::vector<std::size_t> rows{0, 5};
  const std::array<domain::FaultType, 2> classes{domain::FaultType::outer_race,
                                                 domain::FaultType::inner_race};
  const auto d = windows_dataset(t, rows, classes);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->labels, (std::vector<int>{1, 0}));  // row 0 inner race, row 5 outer race
  EXPECT_EQ(d->features, k_classifier_feature_count);
  const std::array<domain::FaultType, 1> only_inner{domain::FaultType::inner_race};
  const auto bad = windows_dataset(t, rows, only_inner);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("outer_race_0.mat"), std::string::npos) << bad.error().message;
}

// Two Gaussian classes separated only along the schema columns `informative` (means +-2 there, unit
// variance everywhere): the Bayes accuracy on those columns is Phi(2 sqrt(k)) (k informative columns),
// above 0.99 for k = 2. The other columns are noise with the same spread.
Dataset two_classes(std::size_t rows_per_class, const std::vector<std::size_t>& informative,
                    std::uint64_t seed) {
  sim::NormalSource normal(seed);
  Dataset d;
  d.features = k_classifier_feature_count;
  for (int c = 0; c < 2; ++c) {
    for (std::size_t r = 0; r < rows_per_class; ++r) {
      for (std::size_t i = 0; i < k_classifier_feature_count; ++i) {
        const bool info = std::find(informative.begin(), informative.end(), i) != informative.end();
        d.x.push_back(static_cast<float>(normal.next() + (info ? (c == 0 ? -2.0 : 2.0) : 0.0)));
      }
      d.labels.push_back(c);
      ++d.rows;
    }
  }
  return d;
}

TEST(ClassifierRecipe, SelectedFeaturesAreTheOnlyNonZeroInputWeightsAndTheRefitRunsTheChosenEpochs) {
  ClassifierRecipe r;
  r.features = {"bpfo_h1_snr_db", "bpfi_h1_snr_db"};
  r.hidden = {8};
  r.optimizer.max_epochs = 40;
  r.optimizer.patience_epochs = 5;
  const std::vector<std::size_t> info{index(Feature::bpfo_h1_snr_db), index(Feature::bpfi_h1_snr_db)};
  const Dataset train = two_classes(150, info, 1);
  const Dataset validation = two_classes(50, info, 2);
  const Dataset test = two_classes(500, info, 3);
  const auto result = train_recipe(train, validation, r, 2);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->feature_columns, info);
  for (const MlpSpec* spec : {&result->early.spec, &result->model.spec}) {
    ASSERT_EQ(spec->input_size(), k_classifier_feature_count);
    const DenseLayer& first = spec->layers.front();
    for (std::size_t o = 0; o < first.outputs; ++o) {
      for (std::size_t i = 0; i < k_classifier_feature_count; ++i) {
        const float w = first.weight[o * k_classifier_feature_count + i];
        if (std::find(info.begin(), info.end(), i) == info.end()) {
          EXPECT_EQ(w, 0.0f) << "unit " << o << ", feature " << i;
        }
      }
    }
  }
  // The refit runs exactly the epochs early stopping chose, on train + validation, without validation.
  EXPECT_EQ(result->model.curve.size(), std::max<std::size_t>(1, result->early.best_epoch));
  EXPECT_EQ(result->model.validation.rows, 0u);
  // Held-out accuracy near the Bayes rate Phi(2 sqrt 2) = 0.9977 (1000 rows: s.d. ~0.0015, margin for the
  // fit).
  const auto predicted = predict_classes(result->model.spec, test);
  ASSERT_TRUE(predicted.has_value());
  std::size_t correct = 0;
  for (std::size_t i = 0; i < test.rows; ++i) correct += (*predicted)[i] == test.labels[i] ? 1 : 0;
  EXPECT_GT(double(correct) / double(test.rows), 0.98);

  // A bundle of the selected-feature network loads through ONNX / OpenCV and gives the reference
  // probabilities (float32 inference against double: 1e-5).
  auto bundle =
      train::make_classifier_bundle(result->model.spec, {"a", "b"}, 0.6, {{"recipe", recipe_to_json(r)}});
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  auto served = ClassifierModel::from_bundle(*bundle);
  ASSERT_TRUE(served.has_value()) << served.error().message;
  for (std::size_t row = 0; row < 20; ++row) {
    const auto ref = reference_forward(result->model.spec, test.row(row));
    auto c = served->classify(test.row(row));
    ASSERT_TRUE(c.has_value());
    for (std::size_t k = 0; k < 2; ++k) EXPECT_NEAR(c->probabilities[k], ref[k], 1e-5);
  }
}

TEST(ClassifierRecipe, DropoutAndInputNoiseTrainReproduciblyAndExportAPlainNet) {
  ClassifierRecipe r;
  r.hidden = {8};
  r.optimizer.max_epochs = 8;
  r.optimizer.dropout = 0.3;
  r.optimizer.input_noise_sd = 0.5;
  const std::vector<std::size_t> info{0, 1};
  const Dataset train = two_classes(60, info, 4);
  const Dataset validation = two_classes(20, info, 5);
  const auto a = train_recipe(train, validation, r, 2);
  const auto b = train_recipe(train, validation, r, 2);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->model.spec.layers[0].weight, b->model.spec.layers[0].weight);  // bit-for-bit with one seed
  EXPECT_EQ(a->model.spec.layers.size(), 2u);
  EXPECT_TRUE(validate(a->model.spec).has_value());
  r.optimizer.seed = 2;
  const auto c = train_recipe(train, validation, r, 2);
  ASSERT_TRUE(c.has_value());
  EXPECT_NE(a->model.spec.layers[0].weight, c->model.spec.layers[0].weight);
}

TEST(ClassifierRecipe, RefusesBadSettingsAndAMissingValidationSet) {
  const std::vector<std::size_t> info{0};
  const Dataset train = two_classes(10, info, 6);
  const Dataset validation = two_classes(5, info, 7);
  ClassifierRecipe r;
  r.optimizer.max_epochs = 2;
  EXPECT_FALSE(train_recipe(train, Dataset{}, r, 2).has_value());
  ClassifierRecipe bad = r;
  bad.optimizer.dropout = 0.95;
  EXPECT_FALSE(train_recipe(train, validation, bad, 2).has_value());
  bad = r;
  bad.optimizer.input_noise_sd = -1;
  EXPECT_FALSE(train_recipe(train, validation, bad, 2).has_value());
  bad = r;
  bad.validation_every = 1;
  EXPECT_FALSE(check_recipe(bad).has_value());
  bad = r;
  bad.features = {"crest_factor", "crest_factor"};
  EXPECT_FALSE(check_recipe(bad).has_value());
  Dataset narrow = train;  // the recipe takes full schema vectors
  narrow.features = 4;
  narrow.x.resize(narrow.rows * 4);
  EXPECT_FALSE(train_recipe(narrow, validation, r, 2).has_value());
}

TEST(ClassifierRecipe, ConcatStacksRowsLabelsAndWeights) {
  const std::vector<std::size_t> info{0};
  Dataset a = two_classes(2, info, 8);
  const Dataset b = two_classes(3, info, 9);
  a.weights.assign(a.rows, 2.0f);
  const auto c = concat(a, b);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->rows, 10u);
  EXPECT_EQ(c->x.size(), 10 * k_classifier_feature_count);
  EXPECT_EQ(c->labels.size(), 10u);
  EXPECT_EQ(c->weights, (std::vector<float>{2, 2, 2, 2, 1, 1, 1, 1, 1, 1}));
  Dataset narrow = b;
  narrow.features = 4;
  EXPECT_FALSE(concat(a, narrow).has_value());
}

// Simulator truth: windows of an inner-race, an outer-race and a ball defect (sim cwru_like, 1797 rpm, impact
// strengths 0.5-2 g), features extracted as for the real data. The kind of defect is what the impact rate is
// (BPFI, BPFO or BSF), so the envelope evidence alone must tell them apart on windows of unseen seeds.
TEST(ClassifierRecipe, EnvelopeFeaturesTellSimulatedDefectTypesApart) {
  auto extractor = FeatureExtractor::create({.sample_rate_hz = 12000,
                                             .window_len = 4096,
                                             .bearing = *dsp::find_bearing("6205-2RS"),
                                             .effort = dsp::PlanEffort::estimate});
  ASSERT_TRUE(extractor.has_value()) << extractor.error().message;
  const std::array<sim::FaultKind, 3> kinds{sim::FaultKind::inner_race, sim::FaultKind::outer_race,
                                            sim::FaultKind::ball};
  auto make = [&](std::size_t per_class, std::uint64_t seed0) {
    Dataset d;
    d.features = k_classifier_feature_count;
    std::vector<float> x(4096 + 1024);
    for (std::size_t c = 0; c < kinds.size(); ++c) {
      for (std::size_t k = 0; k < per_class; ++k) {
        auto s = sim::Scenario::cwru_like(kinds[c], 1797);
        s.fault.impact_g = 0.5 * std::pow(4.0, double(k) / double(per_class));
        auto simulator = sim::Simulator::create(s, seed0 + 100 * c + k);
        EXPECT_TRUE(simulator.has_value());
        simulator->generate(x);
        auto f = extractor->extract(std::span<const float>(x).subspan(1024), 1797);
        EXPECT_TRUE(f.has_value());
        const auto v = extractor->classifier_features();
        d.x.insert(d.x.end(), v.begin(), v.end());
        d.labels.push_back(int(c));
        ++d.rows;
      }
    }
    return d;
  };
  const Dataset train = make(24, 1000), validation = make(8, 2000), test = make(20, 3000);
  // The envelope SNRs, and the defect-family shares made of the same evidence.
  for (const char* inputs : {"envelope", "family"}) {
    ClassifierRecipe r;
    r.features = *parse_feature_set(inputs);
    r.hidden = {16};
    r.optimizer.max_epochs = 150;
    const auto result = train_recipe(train, validation, r, 3);
    ASSERT_TRUE(result.has_value()) << result.error().message;
    const auto predicted = predict_classes(result->model.spec, test);
    ASSERT_TRUE(predicted.has_value());
    std::size_t correct = 0;
    for (std::size_t i = 0; i < test.rows; ++i) correct += (*predicted)[i] == test.labels[i] ? 1 : 0;
    const double acc = double(correct) / double(test.rows);
    fmt::print("simulated defect types from {} features: held-out accuracy {:.3f} on {} windows\n", inputs,
               acc, test.rows);
    // Chance is 1/3; the physics diagnosis reads these simulated defects reliably, so a learned reader of
    // the same evidence should too. 0.9 leaves room for the ball defect, whose BSF lines are the weakest.
    EXPECT_GE(acc, 0.9) << inputs;
  }
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model::train
