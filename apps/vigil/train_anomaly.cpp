// vigil train anomaly (see train_models.hpp).
//
// The healthy recordings of the catalog are cut into 4096-sample windows at 12 kHz
// (eval::build_labelled_windows) and split per recording by time: the last 25 % calibrates, the rest fits
// the robust Scaler and the detector: --detector gaussian (Ledoit-Wolf Gaussian T^2,
// eval::train_anomaly_model) or --detector autoencoder (libtorch autoencoder, whose last 20 % of the fit
// segment chooses the stopping epoch; eval::train_autoencoder_anomaly). A calibration needs at least
// 20 held-back scores, and CWRU's only healthy recording (97.mat, 5 s) gives 14 disjoint windows in all; so
// windows overlap: --overlap N starts N windows per window length (hop window_len / N). Overlapping
// calibration windows are correlated: the manifest states how many disjoint window lengths the calibration
// segment spans. With --evaluate-faults, the catalog's other recordings (disjoint windows) are scored too and
// the ROC AUC of calibration-segment windows against them goes to the manifest's metrics.
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

#include "diag/metrics.hpp"
#include "eval/anomaly_training.hpp"
#include "eval/autoencoder_anomaly.hpp"
#include "eval/labelled_windows.hpp"
#include "exit_codes.hpp"
#include "io/catalog.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"
#include "train_models.hpp"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;

struct TrainAnomalyOptions {
  std::string catalog;
  std::string out = "anomaly.vigil";
  std::string fault = "normal";
  std::string detector = "gaussian";
  double false_alarm_rate = 1e-3;
  std::size_t overlap = 16;
  std::size_t epochs = 400;
  std::uint64_t seed = 1;
  bool evaluate_faults = false;
  WindowFlags window;
  bool autoencoder_options_given = false;  // --epochs or --seed on the command line
};

// Scores of the calibration segment (held back from fitting) against the catalog's other recordings.
Result<nlohmann::json> evaluate_faults(model::AnomalyModel& m, const io::Catalog& catalog,
                                       const eval::LabelledWindows& healthy_windows,
                                       const eval::AnomalyTrainingConfig& config) {
  io::Catalog faults{catalog.source, {}};
  for (const auto& e : catalog.entries) {
    if (e.fault != config.healthy) faults.entries.push_back(e);
  }
  if (faults.entries.empty()) return fail(ErrorCode::invalid_argument, "no fault recording to evaluate on");
  eval::LabelledWindowsConfig disjoint;
  disjoint.sample_rate_hz = healthy_windows.sample_rate_hz;
  disjoint.window_len = healthy_windows.window_len;
  auto fault_windows = eval::build_labelled_windows(faults, disjoint);
  if (!fault_windows) return std::unexpected(fault_windows.error());
  auto split = eval::split_healthy_windows(healthy_windows, config);
  if (!split) return std::unexpected(split.error());
  std::vector<double> healthy, fault;
  for (auto i : split->windows.late) {
    auto s = m.score(eval::window_features(healthy_windows.rows[i]));
    if (!s) return std::unexpected(s.error());
    healthy.push_back(s->score);
  }
  std::size_t alarms = 0;
  for (const auto& r : fault_windows->rows) {
    auto s = m.score(eval::window_features(r));
    if (!s) return std::unexpected(s.error().with_context(r.recording));
    fault.push_back(s->score);
    alarms += s->alarm ? 1 : 0;
  }
  if (fault.empty()) return fail(ErrorCode::invalid_argument, "the fault recordings gave no window");
  return nlohmann::json{
      {"fault_auc", diag::roc_auc(healthy, fault)},
      {"fault_auc_healthy_side", "calibration segment (overlapping windows, held back from fitting)"},
      {"fault_recordings", faults.entries.size()},
      {"fault_windows", fault.size()},
      {"fault_alarm_rate", double(alarms) / double(fault.size())}};
}

int run_train_anomaly(const TrainAnomalyOptions& o) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil train anomaly: {}\n", message);
    return 2;
  };
  const auto started = Clock::now();
  const auto detector = model::parse_anomaly_detector_kind(o.detector);
  if (!detector) return error(fmt::format("--detector: {}", detector.error().message));
  if (*detector == model::AnomalyDetectorKind::gaussian && o.autoencoder_options_given) {
    return error("--epochs and --seed apply to --detector autoencoder only");
  }
  const auto healthy = domain::parse_fault_type(o.fault);
  if (!healthy)
    return error(
        fmt::format("--fault {}: unknown fault type (normal, inner_race, outer_race, ball, cage)", o.fault));
  auto catalog = io::read_catalog(o.catalog);
  if (!catalog) return report_error("train anomaly", catalog.error());
  io::Catalog selected{catalog->source, {}};
  for (const auto& e : catalog->entries) {
    if (e.fault == *healthy) selected.entries.push_back(e);
  }
  if (selected.entries.empty()) {
    return error(
        fmt::format("{}: no recording of fault '{}' to learn the healthy state from", o.catalog, o.fault));
  }
  eval::LabelledWindowsConfig wc;
  wc.sample_rate_hz = o.window.sample_rate_hz;
  wc.window_len = o.window.window_len;
  wc.hop = std::max<std::size_t>(1, wc.window_len / o.overlap);
  auto windows = eval::build_labelled_windows(selected, wc);
  if (!windows) return report_error("train anomaly", windows.error());
  eval::AnomalyTrainingConfig config;
  config.healthy = *healthy;
  config.false_alarm_rate = o.false_alarm_rate;
  nlohmann::json detector_summary;
  Result<eval::TrainedAnomaly> trained = [&]() -> Result<eval::TrainedAnomaly> {
    if (*detector == model::AnomalyDetectorKind::gaussian) {
      auto g = eval::train_anomaly_model(*windows, config);
      if (g) detector_summary = {{"shrinkage", g->model.gaussian()->shrinkage()}};
      return g;
    }
    eval::AutoencoderAnomalyConfig ac;
    ac.anomaly = config;
    ac.autoencoder.optimizer.max_epochs = o.epochs;
    ac.autoencoder.optimizer.seed = o.seed;
    auto a = eval::train_autoencoder_anomaly(*windows, ac);
    if (!a) return std::unexpected(a.error());
    std::vector<std::size_t> widths{a->network.input_size()};
    for (const auto& l : a->network.layers) widths.push_back(l.outputs);
    detector_summary = {{"network", widths},
                        {"hidden_activation", model::to_string(ac.autoencoder.hidden_activation)},
                        {"parameters", a->network.parameter_count()},
                        {"training_windows", a->training_windows},
                        {"early_stopping_windows", a->early_stopping_windows},
                        {"early_stopping", fmt::format("last {:.0f} % of each fit segment by time",
                                                       100 * ac.early_stopping_fraction)},
                        {"epochs", a->epochs},
                        {"best_epoch", a->best_epoch},
                        {"early_stopping_error", a->early_stopping_error},
                        {"seed", o.seed},
                        {"training_s", a->training_s}};
    return std::move(a->anomaly);
  }();
  if (!trained) return report_error("train anomaly", trained.error());

  // Span of the calibration segments in disjoint window lengths (the independent evidence behind the
  // calibration; overlapping windows add resolution, not independence).
  std::map<std::string, std::pair<std::size_t, std::size_t>> span;  // recording -> (first, last start)
  for (const auto& r : windows->rows) {
    auto [it, inserted] = span.try_emplace(r.recording, r.start_sample, r.start_sample);
    it->second.first = std::min(it->second.first, r.start_sample);
    it->second.second = std::max(it->second.second, r.start_sample);
  }
  double calibration_lengths = 0;
  for (const auto& [name, s] : span) {
    calibration_lengths += config.calibration_fraction * double(s.second - s.first + windows->window_len) /
                           double(windows->window_len);
  }
  const std::size_t hop = windows->hop;
  nlohmann::json training = {
      {"source", absolute_name(o.catalog)},
      {"healthy_fault", o.fault},
      {"recordings", trained->recordings},
      {"sample_rate_hz", windows->sample_rate_hz},
      {"window_len", windows->window_len},
      {"speed_rpm_min", eval::speed_range(*windows).first},
      {"speed_rpm_max", eval::speed_range(*windows).second},
      {"hop_samples", hop},
      {"split",
       fmt::format("per recording by time: last {:.0f} % of the window starts calibrate, windows ending "
                   "before that fit; overlapping windows across the cut are dropped",
                   100 * config.calibration_fraction)},
      {"fit_windows", trained->fit_windows},
      {"calibration_windows", trained->calibration_windows},
      {"calibration_disjoint_window_lengths", calibration_lengths},
      {"dropped_windows", trained->straddling_windows},
      {"scaler", model::to_string(config.scaler)},
      {"detector", o.detector},
      {o.detector, std::move(detector_summary)}};
  nlohmann::json metrics = {{"calibration_alarm_rate", trained->calibration_alarm_rate}};
  if (o.evaluate_faults) {
    auto evaluation = evaluate_faults(trained->model, *catalog, *windows, config);
    if (!evaluation) return report_error("train anomaly", evaluation.error());
    metrics.update(*evaluation);
    fmt::print(
        "fault AUC {:.4f} ({} calibration windows against {} fault windows of {} recordings), fault alarm "
        "rate {:.4f}\n",
        metrics["fault_auc"].get<double>(), trained->calibration_windows,
        metrics["fault_windows"].get<std::size_t>(), metrics["fault_recordings"].get<std::size_t>(),
        metrics["fault_alarm_rate"].get<double>());
  }
  auto bundle = model::make_anomaly_bundle(trained->model, std::move(training));
  if (!bundle) return report_error("train anomaly", bundle.error());
  bundle->metrics = std::move(metrics);
  if (auto ok = model::write_bundle(o.out, *bundle); !ok) return report_error("train anomaly", ok.error());
  fmt::print(
      "wrote {} ({} bytes): {} anomaly detector from {} healthy recording(s), {} fit + {} calibration "
      "windows (hop {} samples); {} threshold {:.4g} at a false-alarm budget of {:g} ({:.1f} s)\n",
      o.out, file_size_or_zero(o.out), o.detector, trained->recordings.size(), trained->fit_windows,
      trained->calibration_windows, hop,
      *detector == model::AnomalyDetectorKind::gaussian ? "T^2" : "reconstruction-error",
      trained->model.threshold(), o.false_alarm_rate, seconds_since(started));
  return 0;
}

}  // namespace

void add_train_anomaly(CLI::App& train) {
  auto a = std::make_shared<TrainAnomalyOptions>();
  CLI::App* anomaly = train.add_subcommand("anomaly",
                                           "Learn the per-asset anomaly detector (scaler + Gaussian T^2 or "
                                           "autoencoder + calibration) from healthy "
                                           "recordings");
  anomaly->add_option("catalog", a->catalog, "Catalog CSV of recordings (io::read_catalog)")->required();
  anomaly->add_option("--out", a->out, "Bundle to write")->capture_default_str();
  anomaly->add_option("--fault", a->fault, "Catalog fault value of the healthy recordings")
      ->capture_default_str();
  anomaly
      ->add_option("--detector", a->detector,
                   "gaussian (T^2, mergeable statistics) or autoencoder (libtorch, served as ONNX)")
      ->check(CLI::IsMember({"gaussian", "autoencoder"}))
      ->capture_default_str();
  anomaly
      ->add_option("--epochs", a->epochs, "Autoencoder: most training epochs (early stopping may end sooner)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
      ->capture_default_str();
  anomaly->add_option("--seed", a->seed, "Autoencoder: initial weights and mini-batch order")
      ->capture_default_str();
  anomaly->add_flag(
      "--evaluate-faults", a->evaluate_faults,
      "Also score the catalog's fault recordings (disjoint windows): ROC AUC of the calibration "
      "windows against them into the manifest's metrics");
  anomaly->add_option("--false-alarm-rate", a->false_alarm_rate, "Alarm budget on healthy windows")
      ->check(CLI::Range(1e-6, 0.5))
      ->capture_default_str();
  anomaly->add_option("--overlap", a->overlap, "Window starts per window length (1: disjoint windows)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}))
      ->capture_default_str();
  add_window_options(*anomaly, a->window);
  anomaly->callback([a, anomaly] {
    a->autoencoder_options_given =
        anomaly->get_option("--epochs")->count() > 0 || anomaly->get_option("--seed")->count() > 0;
    const int rc = run_train_anomaly(*a);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
