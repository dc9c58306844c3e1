// vigil train anomaly (see train_models.hpp).
//
// The healthy recordings of the catalog are cut into 4096-sample windows at 12 kHz
// (model::build_labelled_windows) and split per recording by time: the last 25 % calibrates, the rest fits
// the robust Scaler and the Ledoit-Wolf Gaussian T^2 detector (model::train_anomaly_model). A calibration
// needs at least 20 held-back scores, and CWRU's only healthy recording (97.mat, 5 s) gives 14 disjoint
// windows in all; so windows overlap: --overlap N starts N windows per window length (hop window_len / N).
// Overlapping calibration windows are correlated: the manifest states how many disjoint window lengths the
// calibration segment spans.
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


struct TrainAnomalyOptions {
  std::string catalog;
  std::string out = "anomaly.vigil";
  std::string fault = "normal";
  double false_alarm_rate = 1e-3;
  std::size_t overlap = 16;
};

int run_train_anomaly(const TrainAnomalyOptions& o) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil train anomaly: {}\n", message);
    return 2;
  };
  const auto started = Clock::now();
  const auto healthy = io::parse_fault_type(o.fault);
  if (!healthy) return error(fmt::format("--fault {}: unknown fault type (normal, inner_race, outer_race, ball, cage)", o.fault));
  auto catalog = io::read_catalog(o.catalog);
  if (!catalog) return error(catalog.error().message);
  io::Catalog selected{catalog->source, {}};
  for (const auto& e : catalog->entries) {
    if (e.fault == *healthy) selected.entries.push_back(e);
  }
  if (selected.entries.empty()) {
    return error(fmt::format("{}: no recording of fault '{}' to learn the healthy state from", o.catalog, o.fault));
  }
  model::LabelledWindowsConfig wc;
  wc.hop = std::max<std::size_t>(1, wc.window_len / o.overlap);
  auto windows = model::build_labelled_windows(selected, wc);
  if (!windows) return error(windows.error().message);
  model::AnomalyTrainingConfig config;
  config.healthy = *healthy;
  config.false_alarm_rate = o.false_alarm_rate;
  auto trained = model::train_anomaly_model(*windows, config);
  if (!trained) return error(trained.error().message);

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
      {"hop_samples", hop},
      {"split", fmt::format("per recording by time: last {:.0f} % of the window starts calibrate, windows ending "
                            "before that fit; overlapping windows across the cut are dropped",
                            100 * config.calibration_fraction)},
      {"fit_windows", trained->fit_windows},
      {"calibration_windows", trained->calibration_windows},
      {"calibration_disjoint_window_lengths", calibration_lengths},
      {"dropped_windows", trained->straddling_windows},
      {"scaler", model::to_string(config.scaler)},
      {"shrinkage", trained->model.detector().shrinkage()}};
  nlohmann::json metrics = {{"calibration_alarm_rate", trained->calibration_alarm_rate}};
  auto bundle = model::make_anomaly_bundle(trained->model, std::move(training));
  if (!bundle) return error(bundle.error().message);
  bundle->metrics = std::move(metrics);
  if (auto ok = model::write_bundle(o.out, *bundle); !ok) return error(ok.error().message);
  fmt::print("wrote {} ({} bytes): anomaly detector from {} healthy recording(s), {} fit + {} calibration windows "
             "(hop {} samples); T^2 threshold {:.4g} at a false-alarm budget of {:g} ({:.1f} s)\n",
             o.out, file_size_or_zero(o.out), trained->recordings.size(), trained->fit_windows,
             trained->calibration_windows, hop, trained->model.threshold(), o.false_alarm_rate, seconds_since(started));
  return 0;
}

}  // namespace

void add_train_anomaly(CLI::App& train) {
  auto a = std::make_shared<TrainAnomalyOptions>();
  CLI::App* anomaly = train.add_subcommand(
      "anomaly", "Learn the per-asset anomaly detector (scaler + Gaussian T^2 + calibration) from healthy recordings");
  anomaly->add_option("catalog", a->catalog, "Catalog CSV of recordings (io::read_catalog)")->required();
  anomaly->add_option("--out", a->out, "Bundle to write")->capture_default_str();
  anomaly->add_option("--fault", a->fault, "Catalog fault value of the healthy recordings")->capture_default_str();
  anomaly->add_option("--false-alarm-rate", a->false_alarm_rate, "Alarm budget on healthy windows")
      ->check(CLI::Range(1e-6, 0.5))
      ->capture_default_str();
  anomaly->add_option("--overlap", a->overlap, "Window starts per window length (1: disjoint windows)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}))
      ->capture_default_str();
  anomaly->callback([a] {
    const int rc = run_train_anomaly(*a);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
