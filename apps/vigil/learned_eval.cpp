// vigil eval cwru CATALOG --model classifier --split by-load|by-size: learned fault-type classification with
// folds split by recording metadata, plus the anomaly detector's healthy-vs-fault ROC AUC.
//
// What runs (docs/learned-evaluation.md has the reasoning and the figures):
// 1. Every recording is brought to 12 kHz, cut into disjoint 4096-sample windows and turned into the schema's
//    28 features (model::build_labelled_windows); --features-csv writes that table for the scikit-learn peer.
// 2. Fault type (inner race / outer race / ball), 3 classes: for each fold of the split (model::make_folds:
//    whole recordings, never one recording on both sides), an MLP is trained (model::train::train_classifier)
//    on the training recordings, early-stopped on validation recordings drawn from the training side only,
//    then refitted on all training-side recordings for the epoch count early stopping chose, and predicts
//    every window of the held-out recordings. Confusion, accuracy and macro-F1 are pooled over
//    the folds' test windows.
// 3. Healthy vs fault: CWRU's only healthy recording here is 97.mat (0 hp), so "normal" cannot be trained
//    and tested in a fold without splitting that recording. It is split by time instead: the first half of
//    its windows fits the per-asset Scaler (robust) and the Gaussian T^2 detector (Ledoit-Wolf), the second
//    half is the healthy side of the ROC; every fault window is on the other side (per fold: that fold's
//    test windows). This number is stated as a time split of one recording, not a split by recording.
// 4. Optional (--synthetic-normal N): a 4-class MLP whose normal class is N simulated healthy windows per
// load,
//    tested on the fold's fault windows and on every real healthy window (never trained on): does synthetic
//    healthy data stand in for the missing real recordings?
#include "learned_eval.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/catalog.hpp"
#include "model/feature_schema.hpp"
#include "model/features.hpp"
#include "model/gaussian_anomaly.hpp"
#include "model/labelled_windows.hpp"
#include "model/scaler.hpp"
#include "model/train/classifier.hpp"
#include "model/train/metrics.hpp"
#include "sim/simulator.hpp"

namespace vigil::cli {
namespace {

struct LearnedOptions {
  std::string model;  // "classifier"; empty: the physics evaluation runs instead
  std::string split = "by-size";
  std::string features_csv;
  std::size_t epochs = 300;
  std::uint64_t seed = 1;
  std::size_t synthetic_normal = 0;  // simulated healthy windows per load for the 4-class experiment; 0: off
};

// The classifier's classes: fault types only (see the header comment for the healthy class).
constexpr std::array<io::FaultType, 3> k_classes{io::FaultType::inner_race, io::FaultType::outer_race,
                                                 io::FaultType::ball};

int class_of(io::FaultType fault) {
  for (std::size_t c = 0; c < k_classes.size(); ++c) {
    if (k_classes[c] == fault) return static_cast<int>(c);
  }
  return -1;
}

model::train::Dataset dataset_of(const model::LabelledWindows& windows,
                                 const std::vector<std::size_t>& rows) {
  model::train::Dataset d;
  d.rows = rows.size();
  d.features = model::k_feature_count;
  d.x.reserve(d.rows * d.features);
  d.labels.reserve(d.rows);
  for (auto i : rows) {
    const auto& r = windows.rows[i];
    d.x.insert(d.x.end(), r.features.begin(), r.features.end());
    d.labels.push_back(class_of(r.fault));
  }
  return d;
}

std::size_t recording_count(const model::LabelledWindows& windows, const std::vector<std::size_t>& rows) {
  std::set<std::string> names;
  for (auto i : rows) names.insert(windows.rows[i].recording);
  return names.size();
}

// Mann-Whitney estimate of the ROC AUC: P(fault score > healthy score), ties counting one half.
double roc_auc(std::vector<double> healthy, const std::vector<double>& fault) {
  if (healthy.empty() || fault.empty()) return 0;
  std::sort(healthy.begin(), healthy.end());
  double wins = 0;
  for (double f : fault) {
    const auto below = std::lower_bound(healthy.begin(), healthy.end(), f) - healthy.begin();
    const auto not_above = std::upper_bound(healthy.begin(), healthy.end(), f) - healthy.begin();
    wins += double(below) + 0.5 * double(not_above - below);
  }
  return wins / (double(healthy.size()) * double(fault.size()));
}

// The anomaly detector fitted on the first half (in time) of the healthy windows; scores of every row.
struct AnomalyResult {
  std::size_t fit_windows = 0;
  std::vector<double> healthy_test_scores;
  std::vector<double> scores;  // per row of the table (healthy fit rows included, unused)
};

Result<AnomalyResult> anomaly_scores(const model::LabelledWindows& windows) {
  std::vector<std::size_t> healthy;
  for (std::size_t i = 0; i < windows.rows.size(); ++i) {
    if (windows.rows[i].fault == io::FaultType::normal) healthy.push_back(i);
  }
  if (healthy.size() < 8) {
    return fail(ErrorCode::invalid_argument,
                "anomaly detector: {} healthy windows in the catalog, need at least 8", healthy.size());
  }
  // Time order within the healthy recording(s): by recording, then start sample; the first half fits.
  std::stable_sort(healthy.begin(), healthy.end(), [&](std::size_t a, std::size_t b) {
    const auto& ra = windows.rows[a];
    const auto& rb = windows.rows[b];
    return ra.start_sample < rb.start_sample;
  });
  const std::size_t d = model::k_feature_count;
  const std::size_t n_fit = healthy.size() / 2;
  std::vector<float> fit_rows;
  for (std::size_t k = 0; k < n_fit; ++k) {
    const auto& f = windows.rows[healthy[k]].features;
    fit_rows.insert(fit_rows.end(), f.begin(), f.end());
  }
  auto scaler = model::Scaler::fit(fit_rows, d, model::ScalerMethod::robust);
  if (!scaler) return std::unexpected(scaler.error());
  auto stats = model::GaussianStats::create(d);
  if (!stats) return std::unexpected(stats.error());
  std::vector<float> z(d);
  for (std::size_t k = 0; k < n_fit; ++k) {
    if (auto ok = scaler->transform(std::span<const float>(fit_rows).subspan(k * d, d), z); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = stats->add(z); !ok) return std::unexpected(ok.error());
  }
  auto detector = model::GaussianAnomaly::fit(*stats);
  if (!detector) return std::unexpected(detector.error());
  AnomalyResult out;
  out.fit_windows = n_fit;
  out.scores.resize(windows.rows.size());
  for (std::size_t i = 0; i < windows.rows.size(); ++i) {
    if (auto ok = scaler->transform(windows.rows[i].features, z); !ok) return std::unexpected(ok.error());
    auto s = detector->score(z);
    if (!s) return std::unexpected(s.error());
    out.scores[i] = *s;
  }
  for (std::size_t k = n_fit; k < healthy.size(); ++k)
    out.healthy_test_scores.push_back(out.scores[healthy[k]]);
  return out;
}

// Simulated healthy windows (sim::Scenario::cwru_like(none) at each load's mean shaft speed, `per_load`
// disjoint windows each), features as for the real windows. Rows of d features, row-major.
Result<std::vector<float>> synthetic_normal_rows(const model::LabelledWindows& windows, std::size_t per_load,
                                                 std::uint64_t seed) {
  std::map<double, std::pair<double, std::size_t>> speeds;  // load -> (sum rpm, count)
  for (const auto& r : windows.rows) {
    if (r.fault == io::FaultType::normal) continue;
    auto& s = speeds[r.load_hp];
    s.first += r.speed_rpm;
    ++s.second;
  }
  auto extractor = model::FeatureExtractor::create({.sample_rate_hz = windows.sample_rate_hz,
                                                    .window_len = windows.window_len,
                                                    .bearing = *dsp::find_bearing("6205-2RS"),
                                                    .max_speed_rpm = 3600,
                                                    .unit = dsp::AccelerationUnit::g,
                                                    .speed_tolerance = 0.02,
                                                    .effort = dsp::PlanEffort::estimate});
  if (!extractor) return std::unexpected(extractor.error());
  std::vector<float> rows;
  std::vector<float> x(windows.window_len);
  std::uint64_t stream = 0;
  for (const auto& [load, sum] : speeds) {
    const double rpm = sum.first / double(sum.second);
    auto scenario = sim::Scenario::cwru_like(sim::FaultKind::none, rpm);
    scenario.machine.sample_rate_hz = windows.sample_rate_hz;
    auto simulator = sim::Simulator::create(scenario, seed + 1000 + stream++);
    if (!simulator) return std::unexpected(simulator.error());
    for (std::size_t k = 0; k < per_load; ++k) {
      simulator->generate(x);
      auto f = extractor->extract(x, rpm);
      if (!f) return std::unexpected(f.error());
      rows.insert(rows.end(), f->begin(), f->end());
    }
  }
  return rows;
}

// 4-class experiment of one fold: the normal class is trained on simulated windows only (every 4th held back
// for early stopping) and tested on every real healthy window (97.mat, never trained on) plus the fold's test
// fault windows. Returns the report on those test windows (class 3 = normal).
Result<model::train::ClassificationReport> synthetic_fold(const model::LabelledWindows& windows,
                                                          const model::Fold& fold,
                                                          const std::vector<float>& synthetic,
                                                          model::train::ClassifierConfig config) {
  const std::size_t d = model::k_feature_count;
  auto train = dataset_of(windows, fold.train);
  auto validation = dataset_of(windows, fold.validation);
  for (std::size_t k = 0; k < synthetic.size() / d; ++k) {
    auto& target = k % 4 == 0 ? validation : train;
    target.x.insert(target.x.end(), synthetic.begin() + std::ptrdiff_t(k * d),
                    synthetic.begin() + std::ptrdiff_t(k * d + d));
    target.labels.push_back(3);
    ++target.rows;
  }
  auto test = dataset_of(windows, fold.test);
  for (const auto& r : windows.rows) {
    if (r.fault != io::FaultType::normal) continue;
    test.x.insert(test.x.end(), r.features.begin(), r.features.end());
    test.labels.push_back(3);
    ++test.rows;
  }
  config.classes = 4;
  auto trained = model::train::train_classifier(train, validation, config);
  if (!trained) return std::unexpected(trained.error());
  auto predicted = model::train::predict_classes(trained->spec, test);
  if (!predicted) return std::unexpected(predicted.error());
  return model::train::classification_report(test.labels, *predicted, 4);
}

nlohmann::json confusion_json(const model::train::ClassificationReport& report) {
  nlohmann::json m = nlohmann::json::object();
  for (std::size_t t = 0; t < report.classes; ++t) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t p = 0; p < report.classes; ++p)
      row[std::string(io::to_string(k_classes[p]))] = report.count(t, p);
    m[std::string(io::to_string(k_classes[t]))] = row;
  }
  return m;
}

int run_learned(const LearnedOptions& o, const std::string& catalog_path, double rate_hz, bool json) {
  const auto started = std::chrono::steady_clock::now();
  if (o.model != "classifier") {
    fmt::print(stderr, "vigil eval cwru: --model: unknown model '{}' (classifier)\n", o.model);
    return 2;
  }
  auto split = model::parse_split_kind(o.split);
  if (!split) {
    fmt::print(stderr, "vigil eval cwru: --split: {}\n", split.error().message);
    return 2;
  }
  auto catalog = io::read_catalog(catalog_path);
  if (!catalog) {
    fmt::print(stderr, "vigil eval cwru: {}\n", catalog.error().message);
    return 2;
  }
  model::LabelledWindowsConfig wc;
  wc.sample_rate_hz = rate_hz > 0 ? rate_hz : 12000;
  auto windows = model::build_labelled_windows(*catalog, wc);
  if (!windows) {
    fmt::print(stderr, "vigil eval cwru: {}\n", windows.error().message);
    return 1;
  }
  if (!o.features_csv.empty()) {
    if (auto ok = model::write_windows_csv(*windows, o.features_csv); !ok) {
      fmt::print(stderr, "vigil eval cwru: --features-csv: {}\n", ok.error().message);
      return 1;
    }
  }
  auto folds = model::make_folds(*windows, *split);
  if (!folds) {
    fmt::print(stderr, "vigil eval cwru: {}\n", folds.error().message);
    return 2;
  }
  auto anomaly = anomaly_scores(*windows);
  if (!anomaly) {
    fmt::print(stderr, "vigil eval cwru: {}\n", anomaly.error().message);
    return 1;
  }

  model::train::ClassifierConfig config;
  config.classes = k_classes.size();
  config.optimizer.max_epochs = o.epochs;
  config.optimizer.seed = o.seed;

  std::vector<float> synthetic;
  if (o.synthetic_normal > 0) {
    auto rows = synthetic_normal_rows(*windows, o.synthetic_normal, o.seed);
    if (!rows) {
      fmt::print(stderr, "vigil eval cwru: --synthetic-normal: {}\n", rows.error().message);
      return 1;
    }
    synthetic = std::move(*rows);
  }

  std::vector<int> all_truth, all_predicted;
  std::vector<double> all_fault_scores;
  nlohmann::json folds_json = nlohmann::json::array();
  if (!json) {
    fmt::print(
        "learned evaluation, split {}: fault type (inner_race, outer_race, ball), {} windows of {} samples "
        "at {} Hz\n\n",
        o.split, windows->rows.size(), windows->window_len, windows->sample_rate_hz);
    fmt::print("{:<15} {:>10} {:>9} {:>10} {:>7} {:>9} {:>8} {:>11}\n", "fold (test)", "train rec", "val rec",
               "test rec", "epochs", "accuracy", "macro-F1", "anomaly AUC");
  }
  for (const auto& fold : *folds) {
    const auto train = dataset_of(*windows, fold.train);
    const auto validation = dataset_of(*windows, fold.validation);
    const auto test = dataset_of(*windows, fold.test);
    auto trained = model::train::train_classifier(train, validation, config);
    if (!trained) {
      fmt::print(stderr, "vigil eval cwru: fold {}: {}\n", fold.name, trained.error().message);
      return 1;
    }
    // Refit: the epoch count early stopping chose, now on every training-side recording (train +
    // validation), so the held-back recordings are not lost to the model. No test window is involved.
    std::vector<std::size_t> all_train = fold.train;
    all_train.insert(all_train.end(), fold.validation.begin(), fold.validation.end());
    const auto full = dataset_of(*windows, all_train);
    model::train::ClassifierConfig refit_config = config;
    refit_config.optimizer.max_epochs = std::max<std::size_t>(1, trained->best_epoch);
    auto refit = model::train::train_classifier(full, model::train::Dataset{}, refit_config);
    if (!refit) {
      fmt::print(stderr, "vigil eval cwru: fold {}: refit: {}\n", fold.name, refit.error().message);
      return 1;
    }
    auto predicted = model::train::predict_classes(refit->spec, test);
    if (!predicted) {
      fmt::print(stderr, "vigil eval cwru: fold {}: {}\n", fold.name, predicted.error().message);
      return 1;
    }
    auto report = model::train::classification_report(test.labels, *predicted, k_classes.size());
    if (!report) {
      fmt::print(stderr, "vigil eval cwru: fold {}: {}\n", fold.name, report.error().message);
      return 1;
    }
    nlohmann::json synthetic_json;
    std::string synthetic_line;
    if (!synthetic.empty()) {
      auto four = synthetic_fold(*windows, fold, synthetic, config);
      if (!four) {
        fmt::print(stderr, "vigil eval cwru: fold {}: synthetic normal: {}\n", fold.name,
                   four.error().message);
        return 1;
      }
      const std::size_t healthy_total = four->per_class[3].support;
      const double normal_recall = four->per_class[3].recall;
      std::size_t faults_called_normal = 0;
      for (std::size_t t = 0; t < 3; ++t) faults_called_normal += four->count(t, 3);
      synthetic_json = {{"accuracy", four->accuracy},
                        {"macro_f1", four->macro_f1},
                        {"real_healthy_windows", healthy_total},
                        {"real_healthy_recall", normal_recall},
                        {"fault_windows_called_normal", faults_called_normal}};
      synthetic_line = fmt::format(
          "  4-class, normal class simulated: accuracy {:.4f} macro-F1 {:.4f}; real healthy "
          "windows called normal {:.4f} of {}; fault windows called normal {}\n",
          four->accuracy, four->macro_f1, normal_recall, healthy_total, faults_called_normal);
    }
    std::vector<double> fault_scores;
    for (auto i : fold.test) fault_scores.push_back(anomaly->scores[i]);
    const double auc = roc_auc(anomaly->healthy_test_scores, fault_scores);
    all_truth.insert(all_truth.end(), test.labels.begin(), test.labels.end());
    all_predicted.insert(all_predicted.end(), predicted->begin(), predicted->end());
    all_fault_scores.insert(all_fault_scores.end(), fault_scores.begin(), fault_scores.end());
    const std::size_t train_rec = recording_count(*windows, fold.train);
    const std::size_t val_rec = recording_count(*windows, fold.validation);
    const std::size_t test_rec = recording_count(*windows, fold.test);
    folds_json.push_back({{"name", fold.name},
                          {"held_out", fold.held_out_value},
                          {"train_recordings", train_rec},
                          {"validation_recordings", val_rec},
                          {"test_recordings", test_rec},
                          {"train_windows", train.rows},
                          {"validation_windows", validation.rows},
                          {"test_windows", test.rows},
                          {"best_epoch", trained->best_epoch},
                          {"epochs_run", trained->curve.size()},
                          {"accuracy", report->accuracy},
                          {"macro_f1", report->macro_f1},
                          {"anomaly_auc", auc},
                          {"confusion", confusion_json(*report)}});
    if (!synthetic_json.is_null()) folds_json.back()["synthetic_normal_4class"] = synthetic_json;
    if (!json) {
      fmt::print("{:<15} {:>10} {:>9} {:>10} {:>7} {:>9.4f} {:>8.4f} {:>11.4f}\n", fold.name, train_rec,
                 val_rec, test_rec, trained->curve.size(), report->accuracy, report->macro_f1, auc);
      fmt::print("{}", synthetic_line);
    }
  }
  auto pooled = model::train::classification_report(all_truth, all_predicted, k_classes.size());
  if (!pooled) {
    fmt::print(stderr, "vigil eval cwru: {}\n", pooled.error().message);
    return 1;
  }
  const double anomaly_auc = roc_auc(anomaly->healthy_test_scores, all_fault_scores);
  const double runtime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string healthy_note = fmt::format(
      "healthy windows ({} fit, {} test) come from one recording split by time (first half fits the robust "
      "scaler and the Ledoit-Wolf Gaussian T^2 detector, second half tests); the classifier learns fault "
      "type "
      "only, because the single healthy recording cannot sit on both sides of a split by recording",
      anomaly->fit_windows, anomaly->healthy_test_scores.size());
  if (json) {
    std::cout << nlohmann::json{{"catalog", catalog_path},
                                {"model", o.model},
                                {"split", o.split},
                                {"task", "fault type: inner_race, outer_race, ball"},
                                {"window_len", windows->window_len},
                                {"sample_rate_hz", windows->sample_rate_hz},
                                {"windows", windows->rows.size()},
                                {"accuracy", pooled->accuracy},
                                {"macro_f1", pooled->macro_f1},
                                {"anomaly_auc", anomaly_auc},
                                {"anomaly",
                                 {{"healthy_fit_windows", anomaly->fit_windows},
                                  {"healthy_test_windows", anomaly->healthy_test_scores.size()},
                                  {"fault_windows", all_fault_scores.size()}}},
                                {"confusion", confusion_json(*pooled)},
                                {"folds", folds_json},
                                {"notes", nlohmann::json::array({healthy_note})},
                                {"runtime_s", runtime_s}}
                     .dump(2)
              << "\n";
    return 0;
  }
  fmt::print("\nconfusion over all folds' test windows (rows: truth, columns: predicted)\n{:<11}", "");
  for (auto c : k_classes) fmt::print(" {:>10}", io::to_string(c));
  fmt::print("\n");
  for (std::size_t t = 0; t < k_classes.size(); ++t) {
    fmt::print("{:<11}", io::to_string(k_classes[t]));
    for (std::size_t p = 0; p < k_classes.size(); ++p) fmt::print(" {:>10}", pooled->count(t, p));
    fmt::print("\n");
  }
  fmt::print(
      "\n{} split: accuracy {:.4f}  macro-F1 {:.4f}  anomaly AUC (healthy vs fault) {:.4f}  ({:.1f} s)\n",
      o.split, pooled->accuracy, pooled->macro_f1, anomaly_auc, runtime_s);
  fmt::print("note: {}\n", healthy_note);
  return 0;
}

}  // namespace

void add_eval_cwru_learned(CLI::App& cwru) {
  auto o = std::make_shared<LearnedOptions>();
  cwru.add_option(
      "--model", o->model,
      "Evaluate a learned model instead of the physics diagnosis: classifier (fault type, MLP) plus "
      "the healthy-data anomaly detector");
  cwru.add_option("--split", o->split,
                  "Folds by recording metadata: by-load (leave one load out) or by-size (leave one defect "
                  "diameter out)")
      ->check(CLI::IsMember({"by-load", "by-size"}))
      ->capture_default_str();
  cwru.add_option("--features-csv", o->features_csv,
                  "Write the labelled feature windows (metadata + schema features) to this CSV");
  cwru.add_option("--epochs", o->epochs,
                  "Most training epochs per fold (early stopping on validation recordings)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
      ->capture_default_str();
  cwru.add_option(
          "--synthetic-normal", o->synthetic_normal,
          "Also train a 4-class model whose normal class is this many simulated healthy windows per load "
          "(sim cwru_like), tested on the real healthy recording (never trained on)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10000}));
  cwru.add_option("--seed", o->seed, "Seed of the weight initialisation and batch order")
      ->capture_default_str();
  // Runs as soon as `eval cwru` is parsed, before its own (physics) callback; finishing by exception stops
  // the command there, so the physics path only runs when --model is absent.
  cwru.parse_complete_callback([o, &cwru] {
    if (o->model.empty()) return;
    const std::string catalog = cwru.get_option("catalog")->as<std::string>();
    CLI::Option* resample = cwru.get_option("--resample");
    const double rate_hz = resample->count() > 0 ? resample->as<double>() : 12000.0;
    const bool json = cwru.get_option("--json")->count() > 0;
    const int rc = run_learned(*o, catalog, rate_hz, json);
    if (rc != 0) throw CLI::RuntimeError(rc);
    throw CLI::Success();
  });
}

}  // namespace vigil::cli
