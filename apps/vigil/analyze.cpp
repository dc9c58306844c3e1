// vigil analyze FILE...: the physics diagnosis of each recording (ISO severity, envelope evidence, verdict)
// and, with --models / --anomaly / --classifier, the learned models' assessment beside it
// (model::assess_recording), as a table or JSON.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "diag/diagnosis.hpp"
#include "exit_codes.hpp"
#include "model/assessment.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/verdict.hpp"
#include "recording_input.hpp"
#include "report.hpp"

namespace vigil::cli {
namespace {

struct AnalyzeOptions {
  std::vector<std::string> paths;
  InputOptions input;
  std::string machine_class = "class_I";
  double window_s = 1.0;
  bool json = false;
  std::string models_dir;    // anomaly.vigil / classifier.vigil looked for here
  std::string anomaly_path;  // explicit bundles (override models_dir)
  std::string classifier_path;
};

// The bundles given on the command line, read and checked once for all files.
struct LearnedModels {
  std::optional<model::Bundle> anomaly;
  std::optional<model::Bundle> classifier;
  model::WindowSetup setup;
  std::vector<std::string> names;  // file names, for the report
};

// nullopt when no model option is given.
Result<std::optional<LearnedModels>> load_models(const AnalyzeOptions& o) {
  namespace fs = std::filesystem;
  std::string anomaly_path = o.anomaly_path;
  std::string classifier_path = o.classifier_path;
  if (!o.models_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(o.models_dir, ec)) {
      return fail(ErrorCode::not_found, "--models {}: not a folder", o.models_dir);
    }
    const fs::path a = fs::path(o.models_dir) / "anomaly.vigil";
    const fs::path c = fs::path(o.models_dir) / "classifier.vigil";
    if (anomaly_path.empty() && fs::exists(a, ec)) anomaly_path = a.string();
    if (classifier_path.empty() && fs::exists(c, ec)) classifier_path = c.string();
    if (anomaly_path.empty() && classifier_path.empty()) {
      return fail(ErrorCode::not_found,
                  "--models {}: holds neither anomaly.vigil nor classifier.vigil (make models "
                  "writes them to build/models)",
                  o.models_dir);
    }
  }
  if (anomaly_path.empty() && classifier_path.empty()) return std::optional<LearnedModels>{};
  LearnedModels m;
  std::optional<model::WindowSetup> setup;
  auto load = [&](const std::string& path, model::ModelKind kind) -> Result<model::Bundle> {
    auto bundle = model::read_bundle(path, kind, model::k_feature_schema_version,
                                     model::k_oldest_feature_schema_version);
    if (!bundle) return std::unexpected(bundle.error());
    auto s = model::window_setup_of(*bundle);
    if (!s) return std::unexpected(s.error().with_context(path));
    if (setup && (setup->sample_rate_hz != s->sample_rate_hz || setup->window_len != s->window_len)) {
      return fail(
          ErrorCode::invalid_argument,
          "{}: trained on {}-sample windows at {} Hz, the other bundle on {}-sample windows at {} Hz; "
          "the models must see the same windows",
          path, s->window_len, s->sample_rate_hz, setup->window_len, setup->sample_rate_hz);
    }
    setup = *s;
    m.names.push_back(std::filesystem::path(path).filename().string());
    return bundle;
  };
  if (!anomaly_path.empty()) {
    auto b = load(anomaly_path, model::ModelKind::anomaly);
    if (!b) return std::unexpected(b.error());
    m.anomaly = std::move(*b);
  }
  if (!classifier_path.empty()) {
    auto b = load(classifier_path, model::ModelKind::classifier);
    if (!b) return std::unexpected(b.error());
    m.classifier = std::move(*b);
  }
  m.setup = *setup;
  return std::optional<LearnedModels>{std::move(m)};
}

// The learned assessment of one signal: the models instantiated for its bearing and speed.
Result<model::RecordingAssessment> assess(const Signal& signal, const LearnedModels& m) {
  std::optional<model::AnomalyModel> anomaly;
  std::optional<model::ClassifierModel> classifier;
  if (m.anomaly) {
    auto a = model::AnomalyModel::from_bundle(*m.anomaly);
    if (!a) return std::unexpected(a.error());
    anomaly = std::move(*a);
  }
  if (m.classifier) {
    auto c = model::ClassifierModel::from_bundle(*m.classifier);
    if (!c) return std::unexpected(c.error());
    classifier = std::move(*c);
  }
  auto assessor = model::WindowAssessor::create({.sample_rate_hz = m.setup.sample_rate_hz,
                                                 .window_len = m.setup.window_len,
                                                 .bearing = signal.bearing,
                                                 .max_speed_rpm = std::max(3600.0, signal.speed_rpm),
                                                 .unit = dsp::AccelerationUnit::g,
                                                 .speed_tolerance = 0.02,
                                                 .effort = dsp::PlanEffort::estimate},
                                                std::move(anomaly), std::move(classifier));
  if (!assessor) return std::unexpected(assessor.error());
  return model::assess_recording(*assessor, signal.samples, signal.sample_rate_hz, signal.speed_rpm,
                                 signal.source);
}

// The one verdict of a recording (model/verdict.hpp, the edge's rule and thresholds): the physics diagnosis
// and the learned assessment's fault. When neither names a fault: "unknown" if the anomaly model found the
// recording abnormal, else the physics verdict (normal or unknown).
struct RecordingVerdict {
  std::string fault;
  double confidence = 0;
  std::string source;  // "physics" or "learned"
};
RecordingVerdict one_verdict_of(const diag::Diagnosis& d, const model::RecordingAssessment& learned) {
  const auto fault = domain::parse_fault_type(learned.fault);
  const bool learned_names = learned.verdict == learned.fault && fault.has_value();
  const auto named = model::one_verdict(
      d.verdict, d.confidence, learned_names ? std::optional(diag::verdict_for(*fault)) : std::nullopt,
      learned.fault_probability);
  if (named) {
    return {std::string(diag::to_string(named->fault)), named->confidence,
            std::string(model::to_string(named->source))};
  }
  if (learned.abnormal) return {"unknown", learned.median_confidence, "learned"};
  return {std::string(diag::to_string(d.verdict)), d.confidence, "physics"};
}

Result<std::pair<Signal, diag::Diagnosis>> analyze_one(const std::string& path, const AnalyzeOptions& o,
                                                       diag::MachineClass machine_class) {
  auto signal = load_signal(path, o.input);
  if (!signal) return std::unexpected(signal.error());
  diag::DiagnosisConfig config{.sample_rate_hz = signal->sample_rate_hz,
                               .speed_rpm = signal->speed_rpm,
                               .bearing = signal->bearing,
                               .window_s = o.window_s,
                               .machine_class = machine_class,
                               .evidence = {},
                               .impulsive_kurtosis = 4.0};
  auto d = diag::diagnose(signal->samples, config);
  if (!d) return std::unexpected(d.error().with_context(signal->source));
  return std::pair{std::move(*signal), std::move(*d)};
}

// One file: the full report. Several: one line per file (or a JSON array).
int run_analyze(const AnalyzeOptions& o) {
  auto machine_class = diag::parse_machine_class(o.machine_class);
  if (!machine_class) {
    fmt::print(stderr, "vigil analyze: --machine-class: {}\n", machine_class.error().message);
    return 2;
  }
  auto models = load_models(o);
  if (!models) return report_error("analyze", models.error());
  const bool many = o.paths.size() > 1;
  nlohmann::json all = nlohmann::json::array();
  if (many && !o.json) {
    fmt::print("{:<16} {:<11} {:>5} {:>9} {:>4}  {}{}\n", "file", "physics", "conf", "mm/s", "ISO",
               *models ? fmt::format("{:<17} {:<20} ", "learned", "one verdict") : "", "evidence");
  }
  int rc = 0;
  for (const auto& path : o.paths) {
    auto result = analyze_one(path, o, *machine_class);
    if (!result) {
      fmt::print(stderr, "vigil analyze: {}\n", result.error().message);
      rc = 2;
      continue;
    }
    const auto& [signal, d] = *result;
    std::optional<model::RecordingAssessment> learned;
    if (*models) {
      // The physics report stands on its own: a recording the models cannot take (e.g. a rate that is not
      // a multiple of theirs) still gets it, and the reason goes to stderr with a failing exit status.
      auto a = assess(signal, **models);
      if (a) {
        learned = std::move(*a);
      } else {
        fmt::print(stderr, "vigil analyze: learned models: {}\n", a.error().message);
        rc = 2;
      }
    }
    const std::optional<RecordingVerdict> verdict =
        learned ? std::optional(one_verdict_of(d, *learned)) : std::nullopt;
    if (o.json) {
      all.push_back(diagnosis_json(signal, d));
      if (learned) {
        all.back()["learned"] = assessment_json(*learned, (*models)->setup, (*models)->names);
        all.back()["one_verdict"] = {
            {"fault", verdict->fault}, {"confidence", verdict->confidence}, {"source", verdict->source}};
      }
    } else if (many) {
      const std::string learned_column =
          learned ? fmt::format("{:<12} {:>3.0f}% {:<20} ", learned->verdict, 100 * learned->confidence,
                                fmt::format("{} ({})", verdict->fault, verdict->source))
                  : "";
      fmt::print("{:<16} {:<11} {:>4.0f}% {:>9.2f} {:>4}  {}{}\n", signal.source, diag::to_string(d.verdict),
                 100.0 * d.confidence, d.velocity_rms_mm_s, diag::to_string(d.iso_zone), learned_column,
                 d.explanation);
    } else {
      print_diagnosis(signal, d);
      if (learned) {
        print_assessment(*learned, (*models)->setup, (*models)->names);
        fmt::print("one verdict: {} ({:.0f} %, from {})\n", verdict->fault, 100 * verdict->confidence,
                   verdict->source);
      }
    }
  }
  if (o.json)
    std::cout << (many ? all : (all.empty() ? nlohmann::json::object() : all.front())).dump(2) << "\n";
  return rc;
}

}  // namespace

void add_analyze(CLI::App& app) {
  auto o = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand("analyze",
                                     "Diagnose one recording from the physics: ISO severity, envelope "
                                     "spectrum, defect-frequency evidence and a verdict");
  cmd->add_option(
         "files", o->paths,
         "Recording(s): CWRU .mat, FEMTO acc_*.csv, IMS snapshot, or one-column .csv; several files give "
         "one line each")
      ->required();
  cmd->add_option("--channel", o->input.channel,
                  "Channel to analyse (DE, FE, BA; horizontal, vertical; b1..b4)");
  cmd->add_option("--bearing", o->input.bearing,
                  "Bearing: 6205-2RS, 6203-2RS or pronostia (see `vigil bearings`)");
  cmd->add_option("--rpm", o->input.speed_rpm,
                  "Shaft speed in rpm (default: stored in the file or its catalog)");
  cmd->add_option("--fs", o->input.sample_rate_hz,
                  "Sample rate in Hz (default: from the file or its catalog)");
  cmd->add_option("--machine-class", o->machine_class,
                  "ISO 10816 machine class or group (see docs/iso-severity.md)")
      ->capture_default_str();
  cmd->add_option("--window", o->window_s, "Analysis window in seconds (envelope resolution 1/window Hz)")
      ->capture_default_str();
  cmd->add_option(
      "--models", o->models_dir,
      "Also assess with the learned models in this folder (anomaly.vigil, classifier.vigil; `make "
      "models` writes them to build/models)");
  cmd->add_option("--anomaly", o->anomaly_path,
                  "Anomaly model bundle (vigil train anomaly); overrides --models");
  cmd->add_option("--classifier", o->classifier_path,
                  "Fault classifier bundle (vigil train classifier); overrides --models");
  cmd->add_flag("--json", o->json, "Print one JSON object instead of the table");
  cmd->callback([o] {
    const int rc = run_analyze(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

void add_bearings(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("bearings", "List the built-in bearings and their defect frequencies");
  cmd->callback([] {
    fmt::print("{:<11} {:>5} {:>9} {:>9} {:>7} {:>8} {:>8} {:>8} {:>8}\n", "bearing", "balls", "Bd_mm",
               "Pd_mm", "angle", "BPFO", "BPFI", "BSF", "FTF");
    for (const auto& b : dsp::bearing_catalogue()) {
      const auto o = dsp::defect_orders(b);
      fmt::print("{:<11} {:>5} {:>9.3f} {:>9.3f} {:>7.1f} {:>8.4f} {:>8.4f} {:>8.4f} {:>8.4f}\n", b.name,
                 b.ball_count, b.ball_diameter_mm, b.pitch_diameter_mm, b.contact_angle_deg, o.bpfo, o.bpfi,
                 o.bsf, o.ftf);
    }
    fmt::print("(defect frequencies as multiples of shaft speed)\n");
  });
}

}  // namespace vigil::cli
