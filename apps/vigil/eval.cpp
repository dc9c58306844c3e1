// vigil eval cwru|femto: the diagnosis run over labelled data, with quality figures.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "diag/diagnosis.hpp"
#include "diag/metrics.hpp"
#include "diag/multi_method.hpp"
#include "eval_femto.hpp"
#include "io/catalog.hpp"
#include "learned_eval.hpp"
#include "recording_input.hpp"
#include "report.hpp"

namespace vigil::cli {
namespace {

struct EvalCwruOptions {
  std::string catalog;
  double target_rate_hz = 12000;
  std::string machine_class = "class_I";
  bool json = false;
  std::string reference;  // CSV "file,grade,..." of published grades printed beside each verdict
};

// Published per-record grades (e.g. docs/cwru-smith-randall-grades.csv): first column the file name,
// second the grade; '#' lines and the header are skipped.
std::map<std::string, std::string> read_reference(const std::string& path) {
  std::map<std::string, std::string> grades;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto a = line.find(',');
    if (a == std::string::npos) continue;
    const auto b = line.find(',', a + 1);
    grades[line.substr(0, a)] = line.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  }
  return grades;
}

std::string_view verdict_code(diag::Verdict v) {
  switch (v) {
    case diag::Verdict::normal:
      return "-";
    case diag::Verdict::inner_race:
      return "IR";
    case diag::Verdict::outer_race:
      return "OR";
    case diag::Verdict::ball:
      return "B";
    case diag::Verdict::cage:
      return "C";
    case diag::Verdict::unknown:
      return "?";
  }
  return "?";
}

int run_eval_cwru(const EvalCwruOptions& o) {
  auto catalog = io::read_catalog(o.catalog);
  if (!catalog) {
    fmt::print(stderr, "vigil eval cwru: {}\n", catalog.error().message);
    return 2;
  }
  auto machine_class = diag::parse_machine_class(o.machine_class);
  if (!machine_class) {
    fmt::print(stderr, "vigil eval cwru: --machine-class: {}\n", machine_class.error().message);
    return 2;
  }
  std::map<std::string, std::string> reference;
  if (!o.reference.empty()) {
    if (!std::ifstream(o.reference)) {
      fmt::print(stderr, "vigil eval cwru: --reference: cannot read {}\n", o.reference);
      return 2;
    }
    reference = read_reference(o.reference);
  }
  diag::ConfusionMatrix confusion;
  nlohmann::json files = nlohmann::json::array();
  if (!o.json) {
    fmt::print("{:<10} {:<11} {:>5} {:>6} {:<11} {:>5}  {:<19} {:<5} {}\n", "file", "truth", "size", "load",
               "verdict", "conf", "SK CPW RAW DRS", "ref", "evidence");
  }
  std::size_t failures = 0;
  for (const auto& entry : catalog->entries) {
    InputOptions input{.channel = entry.channel,
                       .sample_rate_hz = entry.sample_rate_hz,
                       .speed_rpm = entry.speed_rpm,
                       .bearing = entry.bearing};
    auto signal = load_signal(entry.path, input);
    if (signal) {
      if (auto ok = decimate_to(*signal, o.target_rate_hz); !ok) signal = std::unexpected(ok.error());
    }
    Result<diag::Diagnosis> d =
        signal ? diag::diagnose(signal->samples, {.sample_rate_hz = signal->sample_rate_hz,
                                                  .speed_rpm = signal->speed_rpm,
                                                  .bearing = signal->bearing,
                                                  .machine_class = *machine_class,
                                                  .evidence = {},
                                                  .impulsive_kurtosis = 4.0,
                                                  .all_methods = true})
               : Result<diag::Diagnosis>(std::unexpected(signal.error()));
    const diag::Verdict truth = diag::verdict_for(entry.fault);
    const std::string size = std::string(entry.extra("fault_diameter_in").value_or(""));
    const std::string load = std::string(entry.extra("load_hp").value_or(""));
    if (!d) {
      ++failures;
      fmt::print(stderr, "vigil eval cwru: {}: {}\n", entry.path.filename().string(), d.error().message);
      confusion.add(truth, diag::Verdict::unknown);
      files.push_back({{"file", entry.path.filename().string()},
                       {"truth", diag::to_string(truth)},
                       {"error", d.error().message}});
      continue;
    }
    confusion.add(truth, d->verdict);
    nlohmann::json j = diagnosis_json(*signal, *d);
    j["truth"] = diag::to_string(truth);
    j["fault_diameter_in"] = size;
    j["load_hp"] = load;
    j["correct"] = truth == d->verdict;
    std::string per_method;
    for (const auto& m : d->methods) {
      j["method_verdicts"][std::string(diag::to_string(m.method))] = diag::to_string(m.verdict);
      per_method += fmt::format("{:<4}", verdict_code(m.verdict));
    }
    const auto grade = reference.find(entry.path.filename().string());
    const std::string ref = grade == reference.end() ? "" : grade->second;
    if (!ref.empty()) j["reference_grade"] = ref;
    files.push_back(j);
    if (!o.json) {
      fmt::print("{:<10} {:<11} {:>5} {:>6} {:<11} {:>4.0f}%  {:<19} {:<5} {}{}\n",
                 entry.path.filename().string(), diag::to_string(truth), size, load,
                 diag::to_string(d->verdict), 100 * d->confidence, per_method, ref.empty() ? "." : ref,
                 truth == d->verdict ? "" : "MISS: ", d->explanation);
    }
  }

  constexpr std::array<diag::Verdict, diag::k_verdict_count> k_all{
      diag::Verdict::normal, diag::Verdict::inner_race, diag::Verdict::outer_race,
      diag::Verdict::ball,   diag::Verdict::cage,       diag::Verdict::unknown};
  nlohmann::json matrix = nlohmann::json::object();
  for (auto t : k_all) {
    if (confusion.truth_total(t) == 0) continue;
    nlohmann::json row = nlohmann::json::object();
    for (auto p : k_all) row[std::string(diag::to_string(p))] = confusion.count(t, p);
    matrix[std::string(diag::to_string(t))] = row;
  }
  if (o.json) {
    std::cout << nlohmann::json{{"catalog", o.catalog},
                                {"accuracy", confusion.accuracy()},
                                {"macro_f1", confusion.macro_f1()},
                                {"confusion", matrix},
                                {"files", files}}
                     .dump(2)
              << "\n";
  } else {
    fmt::print("\nconfusion (rows: truth, columns: verdict)\n{:<11}", "");
    for (auto p : k_all) fmt::print(" {:>10}", diag::to_string(p));
    fmt::print("\n");
    for (auto t : k_all) {
      if (confusion.truth_total(t) == 0) continue;
      fmt::print("{:<11}", diag::to_string(t));
      for (auto p : k_all) fmt::print(" {:>10}", confusion.count(t, p));
      fmt::print("\n");
    }
    fmt::print("\nfiles {}  accuracy {:.3f}  macro-F1 {:.3f}\n", confusion.total(), confusion.accuracy(),
               confusion.macro_f1());
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

void add_eval(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("eval", "Evaluate the diagnosis on labelled data (cwru CATALOG, femto DIR)");
  cmd->require_subcommand(1);

  auto o = std::make_shared<EvalCwruOptions>();
  CLI::App* cwru = cmd->add_subcommand("cwru",
                                       "Diagnose every recording of a catalog CSV and score the verdicts "
                                       "(per-file table, confusion matrix, accuracy, macro-F1)");
  cwru->add_option("catalog", o->catalog, "Catalog CSV (path,sample_rate_hz,channel,bearing,fault,rpm,...)")
      ->required();
  cwru->add_option(
          "--resample", o->target_rate_hz,
          "Decimate recordings sampled at an integer multiple of this rate (Hz) to it; 0 keeps every rate")
      ->capture_default_str();
  cwru->add_option("--machine-class", o->machine_class, "ISO 10816 machine class or group")
      ->capture_default_str();
  cwru->add_flag("--json", o->json, "Print one JSON object (accuracy, macro_f1, confusion, files)");
  cwru->add_option("--reference", o->reference,
                   "CSV of published per-file grades (file,grade,...) to print beside each verdict, e.g. "
                   "docs/cwru-smith-randall-grades.csv");
  cwru->callback([o] {
    const int rc = run_eval_cwru(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
  add_eval_cwru_learned(*cwru);  // --model: learned evaluation (learned_eval.hpp) instead of the physics one

  add_eval_femto(*cmd);
}

}  // namespace vigil::cli
