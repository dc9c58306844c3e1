// vigil eval cwru|femto: the diagnosis run over labelled data, with quality figures.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "diag/diagnosis.hpp"
#include "diag/metrics.hpp"
#include "diag/multi_method.hpp"
#include "eval_anomaly.hpp"
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
    fmt::print("{:<10} {:<11} {:>5} {:>6} {:<11} {:>5}  {:<16} {:<11} {:<7} {:<5} {}\n", "file", "truth",
               "size", "load", "verdict", "conf", "SK CPW RAW DRS", "found", "ours", "ref", "evidence");
  }
  // Identification per fault class (clear, partial) and families found beside the labelled one.
  std::map<diag::Verdict, std::array<std::size_t, 3>> identified;
  std::size_t other_families = 0;
  std::vector<std::string> against_reference;
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
    const double min_snr_db = dsp::EvidenceConfig{}.min_snr_db;
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
    // Families found by any of the methods tried, at thresholds corrected for their number.
    const diag::Significance base{min_snr_db, min_snr_db + 6.0};
    const auto families = diag::find_families(d->methods, d->frequencies,
                                              diag::corrected(base, double(d->methods.size()) / 2.0));
    const diag::Identification id = diag::identify(truth, d->verdict, families);
    std::string found;
    for (std::size_t i = 0; i < families.size(); ++i) {
      if (!families[i].found) continue;
      const diag::Verdict family = diag::verdict_for(static_cast<dsp::Defect>(i));
      found += fmt::format("{}{}", found.empty() ? "" : "+", verdict_code(family));
      j["families_found"][std::string(diag::to_string(family))] = diag::to_string(families[i].method);
      const bool labelled =
          family == truth || (truth == diag::Verdict::ball && family == diag::Verdict::cage);
      if (!labelled) ++other_families;
    }
    ++identified[truth][static_cast<std::size_t>(id)];
    j["identification"] = diag::to_string(id);
    const auto grade = reference.find(entry.path.filename().string());
    const std::string ref = grade == reference.end() ? "" : grade->second;
    if (!ref.empty()) {
      j["reference_grade"] = ref;
      const bool theirs = ref[0] == 'Y' || ref[0] == 'P';
      const bool ours = id != diag::Identification::missed;
      if (theirs != ours) {
        against_reference.push_back(fmt::format("{} ({}): ours {}, Smith & Randall {}",
                                                entry.path.filename().string(), diag::to_string(truth),
                                                diag::to_string(id), ref));
      }
    }
    files.push_back(j);
    if (!o.json) {
      fmt::print("{:<10} {:<11} {:>5} {:>6} {:<11} {:>4.0f}%  {:<16} {:<11} {:<7} {:<5} {}\n",
                 entry.path.filename().string(), diag::to_string(truth), size, load,
                 diag::to_string(d->verdict), 100 * d->confidence, per_method, found.empty() ? "-" : found,
                 diag::to_string(id), ref.empty() ? "." : ref, d->explanation);
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
  auto count = [&](std::initializer_list<diag::Verdict> classes, diag::Identification id) {
    std::size_t n = 0;
    for (auto c : classes) n += identified[c][static_cast<std::size_t>(id)];
    return n;
  };
  auto total = [&](std::initializer_list<diag::Verdict> classes) {
    std::size_t n = 0;
    for (auto c : classes) n += confusion.truth_total(c);
    return n;
  };
  const auto races = {diag::Verdict::inner_race, diag::Verdict::outer_race};
  const auto balls = {diag::Verdict::ball};
  nlohmann::json identification = {{"races",
                                    {{"clear", count(races, diag::Identification::clear)},
                                     {"partial", count(races, diag::Identification::partial)},
                                     {"records", total(races)}}},
                                   {"balls",
                                    {{"clear", count(balls, diag::Identification::clear)},
                                     {"partial", count(balls, diag::Identification::partial)},
                                     {"records", total(balls)}}},
                                   {"other_families_found", other_families},
                                   {"against_reference", against_reference}};
  if (o.json) {
    std::cout << nlohmann::json{{"catalog", o.catalog},
                                {"accuracy", confusion.accuracy()},
                                {"macro_f1", confusion.macro_f1()},
                                {"confusion", matrix},
                                {"identification", identification},
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
    auto line = [&](std::string_view what, std::initializer_list<diag::Verdict> classes) {
      const std::size_t clear = count(classes, diag::Identification::clear);
      const std::size_t partial = count(classes, diag::Identification::partial);
      fmt::print("{} identified {} of {} ({} clearly + {} partially)\n", what, clear + partial,
                 total(classes), clear, partial);
    };
    line("races", races);
    line("balls", balls);
    fmt::print("families found beside the labelled one: {}\n", other_families);
    if (!against_reference.empty()) fmt::print("where ours and the reference differ:\n");
    for (const auto& r : against_reference) fmt::print("  {}\n", r);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

void add_eval(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("eval", "Evaluate on labelled data (cwru CATALOG, femto DIR, anomaly femto|ims)");
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
  add_eval_anomaly(*cmd);
}

}  // namespace vigil::cli
