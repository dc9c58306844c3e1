// vigil eval femto DIR: health indicators over the life of each FEMTO/PRONOSTIA run-to-failure bearing,
// one CSV per bearing plus, per indicator, the early-life band, the onset of degradation and the lead
// time it gives before the end of life (rule: diag/health_indicators.hpp).
#include "eval_femto.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "diag/health_indicators.hpp"
#include "eval/femto_indicators.hpp"
#include "exit_codes.hpp"
#include "io/femto.hpp"
#include "model/rul_pipeline.hpp"
#include "rul.hpp"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;

struct EvalFemtoOptions {
  std::string dir;
  std::string out_dir = "femto_indicators";
  std::optional<double> speed_rpm;
  std::string channel = "both";
  bool json = false;
  bool rul = false;
  bool out_given = false;      // --out was on the command line
  bool channel_given = false;  // --channel was on the command line
  std::string cache;           // --cache: feature cache folder (with --rul)
};

std::string hms(double seconds) {
  const auto s = static_cast<long>(std::lround(seconds));
  return fmt::format("{}h{:02}m{:02}s", s / 3600, (s / 60) % 60, s % 60);
}

std::string or_dash(bool found, double value, std::string_view spec) {
  return found ? fmt::format(fmt::runtime(spec), value) : std::string("-");
}

int run_eval_femto(const EvalFemtoOptions& o) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil eval femto: {}\n", message);
    return k_exit_input;
  };
  auto failed = [](const Error& e) { return report_error("eval femto", e); };
  if (o.speed_rpm && (!(*o.speed_rpm > 0) || !std::isfinite(*o.speed_rpm))) {
    return error(fmt::format("--rpm {}: must be a positive speed", *o.speed_rpm));
  }
  if (o.rul) {
    if (o.out_given || o.channel_given) {
      return error("--out and --channel apply to the health-indicator evaluation, not to --rul");
    }
    return run_eval_femto_rul(o.dir, o.speed_rpm, o.json, o.cache);
  }
  if (!o.cache.empty()) return error("--cache applies to --rul only");
  auto bearings = io::find_femto_bearings(o.dir);
  if (!bearings) return failed(bearings.error());
  const std::vector<std::string> channels = o.channel == "both"
                                                ? std::vector<std::string>{"horizontal", "vertical"}
                                                : std::vector<std::string>{o.channel};

  const fs::path out_dir = o.out_dir;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir))
    return error(fmt::format("{}: cannot create folder", out_dir.string()));

  const diag::OnsetRule rule;
  nlohmann::json bearings_json = nlohmann::json::array();
  for (std::size_t n = 0; n < bearings->size(); ++n) {
    const io::FemtoBearing& b = (*bearings)[n];
    auto speed_rpm = io::femto_speed_rpm(b, o.speed_rpm);
    if (!speed_rpm) return failed(speed_rpm.error());
    const auto started = std::chrono::steady_clock::now();
    auto series = eval::femto_indicator_series(b.dir, *speed_rpm, channels);
    if (!series) return failed(series.error());
    const fs::path csv = out_dir / (b.name + ".csv");
    if (auto ok = eval::write_indicator_csv(csv, *series, channels); !ok) return failed(ok.error());
    const double life_s = series->time_s.back();
    const std::size_t snapshots = series->time_s.size();
    const double elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print(stderr, "[{}/{}] {}: {} snapshots, life {:.0f} s, {:.1f} s\n", n + 1, bearings->size(), b.name,
               snapshots, life_s, elapsed_s);

    nlohmann::json indicators = nlohmann::json::array();
    std::string table;
    std::size_t baseline_snapshots = diag::count_baseline_snapshots(series->time_s, rule);
    auto onsets = eval::indicator_onsets(*series, channels, rule);
    if (!onsets) return failed(onsets.error().with_context(b.name));
    for (const auto& [channel, ind, r] : *onsets) {
      auto or_null = [&](double v) { return r.found ? nlohmann::json(v) : nlohmann::json(nullptr); };
      indicators.push_back({{"name", diag::to_string(ind)},
                            {"channel", channel},
                            {"band_low", r.band.low},
                            {"band_high", r.band.high},
                            {"baseline_count", r.band.baseline_count},
                            {"onset_s", or_null(r.onset_s)},
                            {"detected_s", or_null(r.detected_s)},
                            {"lead_time_s", or_null(r.lead_time_s)},
                            {"lead_fraction", or_null(r.lead_fraction)}});
      table +=
          fmt::format("{:<11} {:<18} [{:>9.4g}, {:>9.4g}] {:>8} {:>10} {:>8} {:>6}\n", channel,
                      diag::to_string(ind), r.band.low, r.band.high, or_dash(r.found, r.onset_s, "{:.0f}"),
                      or_dash(r.found, r.detected_s, "{:.0f}"), or_dash(r.found, r.lead_time_s, "{:.0f}"),
                      or_dash(r.found, 100 * r.lead_fraction, "{:.1f}"));
    }
    bearings_json.push_back({{"name", b.name},
                             {"speed_rpm", *speed_rpm},
                             {"life_s", life_s},
                             {"snapshots", snapshots},
                             {"baseline_snapshots", baseline_snapshots},
                             {"indicators", indicators},
                             {"csv", csv.string()}});
    if (!o.json) {
      fmt::print(
          "\n{}  {:.0f} rpm  {} snapshots  life {:.0f} s ({})  baseline: first {} snapshots (to {:.0f} s)\n",
          b.name, *speed_rpm, snapshots, life_s, hms(life_s), baseline_snapshots,
          series->time_s[baseline_snapshots - 1]);
      fmt::print("{:<11} {:<18} {:<22} {:>8} {:>10} {:>8} {:>6}\n", "channel", "indicator", "early-life band",
                 "onset_s", "detected_s", "lead_s", "lead_%");
      fmt::print("{}", table);
      std::fflush(stdout);  // keep the tables in step with the progress lines on stderr
    }
  }
  const std::string where = fs::absolute(out_dir).lexically_normal().string();
  if (o.json) {
    std::cout << nlohmann::json{{"bearings", bearings_json},
                                {"out_dir", where},
                                {"rule",
                                 {{"baseline_min_snapshots", rule.baseline_min_snapshots},
                                  {"baseline_life_fraction", rule.baseline_life_fraction},
                                  {"persistence", rule.persistence},
                                  {"false_alarm_probability", rule.false_alarm_probability},
                                  {"design_length", rule.design_length}}}}
                     .dump(2)
              << "\n";
    fmt::print(stderr, "vigil eval femto: CSV files in {}\n", where);
  } else {
    fmt::print(
        "\nBand: median +- k * mean|x - median| of the baseline (Laplace model); onset: {} consecutive "
        "available "
        "snapshots above it;\nk set for a {:.0f} % false-onset chance over {} snapshots. Lead time: from "
        "detection (the "
        "last snapshot of that run) to the end of life.\nCSV files in {}\n",
        rule.persistence, 100 * rule.false_alarm_probability, rule.design_length, where);
  }
  return 0;
}

}  // namespace

void add_eval_femto(CLI::App& eval) {
  auto o = std::make_shared<EvalFemtoOptions>();
  CLI::App* cmd = eval.add_subcommand(
      "femto",
      "Health indicators over each run-to-failure bearing's life (FEMTO/PRONOSTIA): one CSV per bearing, "
      "and per indicator the early-life band, the onset of degradation and the lead time before failure");
  cmd->add_option("dir", o->dir, "A Learning_set-like folder of Bearing*_* folders, or one bearing folder")
      ->required();
  cmd->add_option("--out", o->out_dir, "Folder for the per-bearing CSV files (created if missing)")
      ->capture_default_str();
  cmd->add_option(
      "--rpm", o->speed_rpm,
      "Shaft speed in rpm for every bearing (default: from the name, Bearing1_* 1800, 2_* 1650, 3_* 1500)");
  cmd->add_option("--channel", o->channel, "Channel(s) to evaluate")
      ->check(CLI::IsMember({"horizontal", "vertical", "both"}))
      ->capture_default_str();
  cmd->add_flag("--json", o->json,
                "Print one JSON object (bearings with their indicators) instead of the tables");
  cmd->add_flag(
      "--rul", o->rul,
      "Instead: nested leave-one-bearing-out RUL evaluation, each bearing truncated at 18 points and "
      "scored with the PHM 2012 function (docs/rul.md)");
  cmd->add_option(
      "--cache", o->cache,
      "With --rul: folder for per-bearing feature caches (read when they match, written otherwise)");
  cmd->callback([o, cmd] {
    o->out_given = cmd->get_option("--out")->count() > 0;
    o->channel_given = cmd->get_option("--channel")->count() > 0;
    const int rc = run_eval_femto(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
