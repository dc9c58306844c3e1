// vigil analyze FILE: physics-only diagnosis of one recording, as a table or JSON.
#include <cmath>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "diag/diagnosis.hpp"
#include "report.hpp"
#include "recording_input.hpp"

namespace vigil::cli {
namespace {

struct AnalyzeOptions {
  std::string path;
  InputOptions input;
  std::string machine_class = "class_I";
  double window_s = 1.0;
  bool json = false;
};

int run_analyze(const AnalyzeOptions& o) {
  auto signal = load_signal(o.path, o.input);
  if (!signal) {
    fmt::print(stderr, "vigil analyze: {}\n", signal.error().message);
    return 2;
  }
  auto machine_class = diag::parse_machine_class(o.machine_class);
  if (!machine_class) {
    fmt::print(stderr, "vigil analyze: --machine-class: {}\n", machine_class.error().message);
    return 2;
  }
  diag::DiagnosisConfig config{.sample_rate_hz = signal->sample_rate_hz,
                               .speed_rpm = signal->speed_rpm,
                               .bearing = signal->bearing,
                               .window_s = o.window_s,
                               .machine_class = *machine_class,
                               .evidence = {},
                               .impulsive_kurtosis = 4.0};
  auto d = diag::diagnose(signal->samples, config);
  if (!d) {
    fmt::print(stderr, "vigil analyze: {}: {}\n", signal->source, d.error().message);
    return 2;
  }
  if (o.json) {
    std::cout << diagnosis_json(*signal, *d).dump(2) << "\n";
  } else {
    print_diagnosis(*signal, *d);
  }
  return 0;
}

}  // namespace

void add_analyze(CLI::App& app) {
  auto o = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand("analyze", "Diagnose one recording from the physics: ISO severity, envelope "
                                                "spectrum, defect-frequency evidence and a verdict");
  cmd->add_option("file", o->path, "Recording: CWRU .mat, FEMTO acc_*.csv, IMS snapshot, or one-column .csv")
      ->required();
  cmd->add_option("--channel", o->input.channel, "Channel to analyse (DE, FE, BA; horizontal, vertical; b1..b4)");
  cmd->add_option("--bearing", o->input.bearing, "Bearing: 6205-2RS, 6203-2RS or pronostia (see `vigil bearings`)");
  cmd->add_option("--rpm", o->input.speed_rpm, "Shaft speed in rpm (default: stored in the file or its catalog)");
  cmd->add_option("--fs", o->input.sample_rate_hz, "Sample rate in Hz (default: from the file or its catalog)");
  cmd->add_option("--machine-class", o->machine_class, "ISO 10816 machine class or group (see docs/iso-severity.md)")
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
    fmt::print("{:<11} {:>5} {:>9} {:>9} {:>7} {:>8} {:>8} {:>8} {:>8}\n", "bearing", "balls", "Bd_mm", "Pd_mm",
               "angle", "BPFO", "BPFI", "BSF", "FTF");
    for (const auto& b : dsp::bearing_catalogue()) {
      const auto o = dsp::defect_orders(b);
      fmt::print("{:<11} {:>5} {:>9.3f} {:>9.3f} {:>7.1f} {:>8.4f} {:>8.4f} {:>8.4f} {:>8.4f}\n", b.name, b.ball_count,
                 b.ball_diameter_mm, b.pitch_diameter_mm, b.contact_angle_deg, o.bpfo, o.bpfi, o.bsf, o.ftf);
    }
    fmt::print("(defect frequencies as multiples of shaft speed)\n");
  });
}

}  // namespace vigil::cli
