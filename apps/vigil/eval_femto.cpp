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
#include "dsp/bearing.hpp"
#include "io/femto.hpp"
#include "model/rul_pipeline.hpp"
#include "rul.hpp"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;

// A snapshot is 0.1 s at 25.6 kHz (challenge PDF; README of the data).
constexpr std::size_t k_snapshot_len = 2560;

struct EvalFemtoOptions {
  std::string dir;
  std::string out_dir = "femto_indicators";
  std::optional<double> speed_rpm;
  std::string channel = "both";
  bool json = false;
  bool rul = false;
  std::string score;  // --score: RUL score kind (with --rul)
};

struct BearingFolder {
  std::string name;
  fs::path dir;
  double speed_rpm = 0;
  int condition = 0;  // 1, 2, 3; 0 when the speed was given with --rpm and the name tells nothing
};

// Operating condition from the name "BearingC_N" (C = 1, 2, 3 -> 1800, 1650, 1500 rpm; challenge PDF).
std::optional<int> condition_of(std::string_view name) {
  constexpr std::string_view prefix = "Bearing";
  if (name.size() < prefix.size() + 3 || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  const char c = name[prefix.size()];
  if (c < '1' || c > '3' || name[prefix.size() + 1] != '_') return std::nullopt;
  return c - '0';
}

Result<BearingFolder> bearing_folder(const fs::path& dir, std::optional<double> speed_rpm) {
  BearingFolder b;
  b.dir = dir;
  std::error_code ec;
  const fs::path full =
      fs::absolute(dir, ec).lexically_normal();  // "Bearing1_1/", ".", "../x" name a folder too
  b.name = full.filename().string();
  if (b.name.empty()) b.name = full.parent_path().filename().string();
  if (b.name.empty()) b.name = "bearing";
  const auto condition = condition_of(b.name);
  b.condition = condition.value_or(0);
  if (speed_rpm) {
    b.speed_rpm = *speed_rpm;
  } else if (condition) {
    constexpr double k_speed_rpm[] = {0, 1800, 1650, 1500};
    b.speed_rpm = k_speed_rpm[*condition];
  } else {
    return fail(
        ErrorCode::invalid_argument,
        "{}: cannot tell the operating condition from the name (expected BearingC_N with C = 1, 2 or 3); "
        "give the speed with --rpm",
        dir.string());
  }
  return b;
}

bool holds_snapshots(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string f = it->path().filename().string();
    if (f.starts_with("acc_") && f.ends_with(".csv")) return true;
  }
  return false;
}

// DIR is one bearing folder (it holds acc_*.csv) or a Learning_set-like folder of Bearing* folders.
Result<std::vector<BearingFolder>> find_bearings(const fs::path& dir, std::optional<double> speed_rpm) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fail(ErrorCode::not_found, "{}: no such folder", dir.string());
  std::vector<BearingFolder> bearings;
  if (holds_snapshots(dir)) {
    auto b = bearing_folder(dir, speed_rpm);
    if (!b) return std::unexpected(b.error());
    bearings.push_back(std::move(*b));
    return bearings;
  }
  std::vector<fs::path> subdirs;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code dir_ec;
    if (it->is_directory(dir_ec) && it->path().filename().string().starts_with("Bearing")) {
      subdirs.push_back(it->path());
    }
  }
  if (ec) return fail(ErrorCode::io, "{}: cannot list: {}", dir.string(), ec.message());
  if (subdirs.empty()) {
    return fail(ErrorCode::not_found, "{}: no acc_NNNNN.csv snapshots and no Bearing* folders", dir.string());
  }
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& d : subdirs) {
    auto b = bearing_folder(d, speed_rpm);
    if (!b) return std::unexpected(b.error());
    bearings.push_back(std::move(*b));
  }
  return bearings;
}

// Indicator series of one bearing: values[channel][snapshot].
struct BearingSeries {
  std::vector<double> time_s;
  std::vector<int> index;
  std::vector<std::vector<diag::IndicatorValues>> values;
};

Result<BearingSeries> compute_series(const BearingFolder& b, const std::vector<std::string>& channels) {
  auto files = io::list_femto_snapshots(b.dir);
  if (!files) return std::unexpected(files.error());
  auto extractor = diag::HealthIndicatorExtractor::create({.sample_rate_hz = io::k_femto_sample_rate_hz,
                                                           .window_len = k_snapshot_len,
                                                           .bearing = *dsp::find_bearing("pronostia"),
                                                           .max_speed_rpm = b.speed_rpm,
                                                           .high_band_low_hz = 5000,
                                                           // ~600 snapshots per run: FFTW_MEASURE planning
                                                           // (seconds) would cost more than it saves.
                                                           .effort = dsp::PlanEffort::estimate});
  if (!extractor) return std::unexpected(extractor.error());
  BearingSeries s;
  s.values.resize(channels.size());
  for (const auto& file : *files) {
    auto rec = io::read_femto_snapshot(file.path);
    if (!rec) return std::unexpected(rec.error());
    if (rec->sample_count() != k_snapshot_len) {
      return fail(ErrorCode::parse, "{}: {} samples, expected {} (0.1 s at 25.6 kHz)", file.path.string(),
                  rec->sample_count(), k_snapshot_len);
    }
    for (std::size_t c = 0; c < channels.size(); ++c) {
      const io::Channel* ch = rec->find_channel(channels[c]);
      if (ch == nullptr)
        return fail(ErrorCode::not_found, "{}: no channel '{}'", file.path.string(), channels[c]);
      auto v = extractor->compute(ch->samples, b.speed_rpm);
      if (!v) return std::unexpected(v.error().with_context(file.path.string()));
      s.values[c].push_back(*v);
    }
    s.time_s.push_back(file.time_s);
    s.index.push_back(file.index);
  }
  return s;
}

Status write_csv(const fs::path& path, const BearingSeries& s, const std::vector<std::string>& channels) {
  std::ofstream out(path);
  if (!out) return fail(ErrorCode::io, "{}: cannot write", path.string());
  out << "time_s,index";
  for (const auto& c : channels) {
    for (auto i : diag::k_all_indicators) out << ',' << c << '_' << diag::to_string(i);
  }
  out << '\n';
  for (std::size_t k = 0; k < s.time_s.size(); ++k) {
    out << fmt::format("{:.0f},{}", s.time_s[k], s.index[k]);
    for (std::size_t c = 0; c < channels.size(); ++c) {
      for (double v : s.values[c][k]) out << fmt::format(",{:.6g}", v);
    }
    out << '\n';
  }
  out.close();
  if (!out) return fail(ErrorCode::io, "{}: write failed", path.string());
  return {};
}

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
    return 2;
  };
  if (o.speed_rpm && (!(*o.speed_rpm > 0) || !std::isfinite(*o.speed_rpm))) {
    return error(fmt::format("--rpm {}: must be a positive speed", *o.speed_rpm));
  }
  if (o.rul) return run_eval_femto_rul(o.dir, o.speed_rpm, o.json, o.score);
  if (!o.score.empty()) return error("--score applies to --rul only");
  auto bearings = find_bearings(o.dir, o.speed_rpm);
  if (!bearings) return error(bearings.error().message);
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
    const BearingFolder& b = (*bearings)[n];
    const auto started = std::chrono::steady_clock::now();
    auto series = compute_series(b, channels);
    if (!series) return error(series.error().message);
    const fs::path csv = out_dir / (b.name + ".csv");
    if (auto ok = write_csv(csv, *series, channels); !ok) return error(ok.error().message);
    const double life_s = series->time_s.back();
    const std::size_t snapshots = series->time_s.size();
    const double elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print(stderr, "[{}/{}] {}: {} snapshots, life {:.0f} s, {:.1f} s\n", n + 1, bearings->size(), b.name,
               snapshots, life_s, elapsed_s);

    nlohmann::json indicators = nlohmann::json::array();
    std::string table;
    std::size_t baseline_snapshots = diag::count_baseline_snapshots(series->time_s, rule);
    for (std::size_t c = 0; c < channels.size(); ++c) {
      for (auto ind : diag::k_all_indicators) {
        std::vector<double> values(snapshots);
        for (std::size_t k = 0; k < snapshots; ++k) values[k] = diag::value_of(series->values[c][k], ind);
        auto r = diag::find_onset(series->time_s, values, rule);
        if (!r)
          return error(
              fmt::format("{}: {} {}: {}", b.name, channels[c], diag::to_string(ind), r.error().message));
        auto or_null = [&](double v) { return r->found ? nlohmann::json(v) : nlohmann::json(nullptr); };
        indicators.push_back({{"name", diag::to_string(ind)},
                              {"channel", channels[c]},
                              {"band_low", r->band.low},
                              {"band_high", r->band.high},
                              {"baseline_count", r->band.baseline_count},
                              {"onset_s", or_null(r->onset_s)},
                              {"detected_s", or_null(r->detected_s)},
                              {"lead_time_s", or_null(r->lead_time_s)},
                              {"lead_fraction", or_null(r->lead_fraction)}});
        table += fmt::format(
            "{:<11} {:<18} [{:>9.4g}, {:>9.4g}] {:>8} {:>10} {:>8} {:>6}\n", channels[c],
            diag::to_string(ind), r->band.low, r->band.high, or_dash(r->found, r->onset_s, "{:.0f}"),
            or_dash(r->found, r->detected_s, "{:.0f}"), or_dash(r->found, r->lead_time_s, "{:.0f}"),
            or_dash(r->found, 100 * r->lead_fraction, "{:.1f}"));
      }
    }
    bearings_json.push_back({{"name", b.name},
                             {"speed_rpm", b.speed_rpm},
                             {"life_s", life_s},
                             {"snapshots", snapshots},
                             {"baseline_snapshots", baseline_snapshots},
                             {"indicators", indicators},
                             {"csv", csv.string()}});
    if (!o.json) {
      fmt::print(
          "\n{}  {:.0f} rpm  {} snapshots  life {:.0f} s ({})  baseline: first {} snapshots (to {:.0f} s)\n",
          b.name, b.speed_rpm, snapshots, life_s, hms(life_s), baseline_snapshots,
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
  cmd->add_flag("--rul", o->rul,
                "Instead: leave-one-bearing-out RUL evaluation (alarm, lead time, PHM 2012 score)");
  cmd->add_option("--score", o->score,
                  fmt::format("With --rul: the per-snapshot anomaly score, log_rms_kurtosis or schema_t2 "
                              "(default: {}; docs/rul.md)",
                              model::to_string(model::RulScoreConfig{}.kind)))
      ->check(CLI::IsMember({"log_rms_kurtosis", "schema_t2"}));
  cmd->callback([o] {
    const int rc = run_eval_femto(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
