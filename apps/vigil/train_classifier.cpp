// vigil train classifier (see train_models.hpp).
//
// Every fault window of the catalog, classes = the fault types present; within each class the
// recordings sorted by name, every 4th (from the first) is held out for early stopping, as `vigil eval cwru
// --model classifier` does; then the model is refitted on all recordings for the epoch count early stopping
// chose, and exported.
#include "train_models.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/catalog.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/bundle.hpp"
#include "model/classifier_bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/labelled_windows.hpp"
#include "model/train/classifier.hpp"
#include "model/train/metrics.hpp"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;


struct TrainClassifierOptions {
  std::string catalog;
  std::string out = "classifier.vigil";
  std::size_t epochs = 300;
  std::uint64_t seed = 1;
  double abstain = 0.6;
};

model::train::Dataset dataset_of(const model::LabelledWindows& windows, const std::vector<std::size_t>& rows,
                                 const std::vector<io::FaultType>& classes) {
  model::train::Dataset d;
  d.rows = rows.size();
  d.features = model::k_feature_count;
  d.x.reserve(d.rows * d.features);
  for (auto i : rows) {
    const auto& r = windows.rows[i];
    d.x.insert(d.x.end(), r.features.begin(), r.features.end());
    d.labels.push_back(int(std::find(classes.begin(), classes.end(), r.fault) - classes.begin()));
  }
  return d;
}

int run_train_classifier(const TrainClassifierOptions& o) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil train classifier: {}\n", message);
    return 2;
  };
  const auto started = Clock::now();
  auto catalog = io::read_catalog(o.catalog);
  if (!catalog) return error(catalog.error().message);
  io::Catalog faults{catalog->source, {}};
  for (const auto& e : catalog->entries) {
    if (e.fault != io::FaultType::normal) faults.entries.push_back(e);
  }
  auto windows = model::build_labelled_windows(faults, {});
  if (!windows) return error(windows.error().message);

  // Classes: the fault types present, in enum order.
  std::vector<io::FaultType> classes;
  for (auto f : {io::FaultType::inner_race, io::FaultType::outer_race, io::FaultType::ball, io::FaultType::cage}) {
    if (std::any_of(windows->rows.begin(), windows->rows.end(), [&](const auto& r) { return r.fault == f; })) {
      classes.push_back(f);
    }
  }
  if (classes.size() < 2) return error(fmt::format("{}: fewer than 2 fault types to tell apart", o.catalog));

  // Validation recordings: per class, names sorted, every 4th from the first.
  std::set<std::string> validation_recordings;
  for (auto f : classes) {
    std::set<std::string> names;
    for (const auto& r : windows->rows) {
      if (r.fault == f) names.insert(r.recording);
    }
    std::size_t k = 0;
    for (const auto& n : names) {
      if (names.size() > 1 && k++ % 4 == 0) validation_recordings.insert(n);
    }
  }
  std::vector<std::size_t> train_rows, validation_rows, all_rows;
  for (std::size_t i = 0; i < windows->rows.size(); ++i) {
    all_rows.push_back(i);
    (validation_recordings.count(windows->rows[i].recording) ? validation_rows : train_rows).push_back(i);
  }
  const auto train = dataset_of(*windows, train_rows, classes);
  const auto validation = dataset_of(*windows, validation_rows, classes);
  model::train::ClassifierConfig config;
  config.classes = classes.size();
  config.optimizer.max_epochs = o.epochs;
  config.optimizer.seed = o.seed;
  auto early = model::train::train_classifier(train, validation, config);
  if (!early) return error(early.error().message);
  // Abstentions and accuracy of the early-stopped model on the held-out recordings.
  std::size_t abstained = 0, correct_kept = 0;
  for (std::size_t r = 0; r < validation.rows; ++r) {
    const auto p = model::reference_forward(early->spec, validation.row(r));
    const auto top = std::size_t(std::max_element(p.begin(), p.end()) - p.begin());
    if (double(p[top]) < o.abstain) ++abstained;
    else if (int(top) == validation.labels[r]) ++correct_kept;
  }
  const std::size_t kept = validation.rows - abstained;
  // Refit on every recording for the epoch count early stopping chose.
  model::train::ClassifierConfig refit_config = config;
  refit_config.optimizer.max_epochs = std::max<std::size_t>(1, early->best_epoch);
  const auto all = dataset_of(*windows, all_rows, classes);
  auto refit = model::train::train_classifier(all, model::train::Dataset{}, refit_config);
  if (!refit) return error(fmt::format("refit: {}", refit.error().message));

  std::vector<std::string> labels;
  nlohmann::json per_class = nlohmann::json::object();
  for (std::size_t c = 0; c < classes.size(); ++c) {
    labels.emplace_back(io::to_string(classes[c]));
    std::size_t n = 0;
    for (auto label : all.labels) n += label == int(c) ? 1 : 0;
    per_class[labels.back()] = n;
  }
  nlohmann::json training = {
      {"source", absolute_name(o.catalog)},
      {"sample_rate_hz", windows->sample_rate_hz},
      {"window_len", windows->window_len},
      {"windows", all.rows},
      {"windows_per_class", per_class},
      {"validation_recordings", std::vector<std::string>(validation_recordings.begin(), validation_recordings.end())},
      {"validation_windows", validation.rows},
      {"hidden", config.hidden},
      {"seed", o.seed},
      {"max_epochs", o.epochs},
      {"best_epoch", early->best_epoch},
      {"refit", "all recordings, best_epoch epochs"}};
  nlohmann::json metrics = {
      {"note", "early-stopped model (before the refit) on the held-out validation recordings"},
      {"validation_accuracy", early->validation.accuracy},
      {"validation_macro_f1", early->validation.macro_f1},
      {"validation_abstained_fraction", validation.rows ? double(abstained) / double(validation.rows) : 0.0},
      {"validation_accuracy_when_not_abstaining", kept ? double(correct_kept) / double(kept) : 0.0}};
  auto bundle = model::make_classifier_bundle(refit->spec, labels, o.abstain, std::move(training), std::move(metrics));
  if (!bundle) return error(bundle.error().message);
  if (auto ok = model::write_bundle(o.out, *bundle); !ok) return error(ok.error().message);
  fmt::print("wrote {} ({} bytes): {}-class fault-type MLP from {} windows; validation accuracy {:.4f}, macro-F1 "
             "{:.4f} (early stop at epoch {}); abstains below {:.2f} ({:.1f} s)\n",
             o.out, file_size_or_zero(o.out), classes.size(), all.rows, early->validation.accuracy,
             early->validation.macro_f1, early->best_epoch, o.abstain, seconds_since(started));
  return 0;
}

}  // namespace

void add_train_classifier(CLI::App& train) {
  auto c = std::make_shared<TrainClassifierOptions>();
  CLI::App* classifier = train.add_subcommand(
      "classifier", "Learn the fault-type classifier (MLP, exported to ONNX) from a catalog's fault recordings");
  classifier->add_option("catalog", c->catalog, "Catalog CSV of recordings (io::read_catalog)")->required();
  classifier->add_option("--out", c->out, "Bundle to write")->capture_default_str();
  classifier->add_option("--epochs", c->epochs, "Most training epochs (early stopping on held-out recordings)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
      ->capture_default_str();
  classifier->add_option("--seed", c->seed, "Seed of the weight initialisation and batch order")->capture_default_str();
  classifier->add_option("--abstain", c->abstain, "Answer 'unknown' when the top class probability is below this")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  classifier->callback([c] {
    const int rc = run_train_classifier(*c);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
