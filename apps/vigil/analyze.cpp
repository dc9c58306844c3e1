// vigil analyze FILE: physics-only diagnosis of one recording, as a table or JSON.
#include <cmath>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "diag/diagnosis.hpp"
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
};

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
  const bool many = o.paths.size() > 1;
  nlohmann::json all = nlohmann::json::array();
  if (many && !o.json) {
    fmt::print("{:<16} {:<11} {:>5} {:>9} {:>4}  {}\n", "file", "verdict", "conf", "mm/s", "ISO", "evidence");
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
    if (o.json) {
      all.push_back(diagnosis_json(signal, d));
    } else if (many) {
      fmt::print("{:<16} {:<11} {:>4.0f}% {:>9.2f} {:>4}  {}\n", signal.source, diag::to_string(d.verdict),
                 100.0 * d.confidence, d.velocity_rms_mm_s, diag::to_string(d.iso_zone), d.explanation);
    } else {
      print_diagnosis(signal, d);
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
