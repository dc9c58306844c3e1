// vigil log verify / vigil log show: check a decision log's hash chain and checkpoints, and read decisions
// back by asset and time (store/decision_log.hpp; the format is docs/formats/decision-log.md).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "store/decision_log.hpp"

namespace vigil::cli {
namespace {

std::string iso_utc(std::int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ((ms % 1000) + 1000) % 1000);
}

// --since: ISO 8601 UTC ("2026-12-03", "2026-12-03T07:30:00Z", with optional .fff) or a duration back from
// now ("90s", "30m", "24h", "7d"). Returns Unix ms.
Result<std::int64_t> parse_since(const std::string& text, std::int64_t now_ms) {
  const auto bad = [&] {
    return fail(
        ErrorCode::invalid_argument,
        "--since {}: expected ISO 8601 UTC (2026-12-03 or 2026-12-03T07:30:00Z) or a duration like 90s, 30m, "
        "24h, 7d",
        text);
  };
  if (text.size() >= 2 && text.find_first_not_of("0123456789") == text.size() - 1) {
    std::int64_t unit_ms = 0;
    switch (text.back()) {
      case 's':
        unit_ms = 1000;
        break;
      case 'm':
        unit_ms = 60'000;
        break;
      case 'h':
        unit_ms = 3'600'000;
        break;
      case 'd':
        unit_ms = 86'400'000;
        break;
      default:
        return bad();
    }
    if (text.size() > 7) return bad();  // at most 999999 units: beyond any log's age
    return now_ms - std::stoll(text.substr(0, text.size() - 1)) * unit_ms;
  }
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, ms = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3 || used != 10) return bad();
  std::string_view rest = std::string_view(text).substr(10);
  if (!rest.empty()) {
    if (std::sscanf(text.c_str() + 10, "T%2d:%2d:%2d%n", &hour, &minute, &second, &used) != 3 || used != 9)
      return bad();
    rest.remove_prefix(9);
    if (rest.size() == 5 && rest[0] == '.') {
      if (std::sscanf(rest.data() + 1, "%3d", &ms) != 1 ||
          rest.substr(1, 3).find_first_not_of("0123456789") != std::string_view::npos)
        return bad();
      rest.remove_prefix(4);
    }
    if (rest != "Z") return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return bad();
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = timegm(&tm);
  if (tm.tm_mday != day) return bad();  // 2026-02-30 normalised into March
  return static_cast<std::int64_t>(t) * 1000 + ms;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int run_verify(const std::string& path) {
  auto log = store::DecisionLog::open(path, store::OpenOptions::reading());
  if (!log) return report_error("log verify", log.error());
  auto report = log->verify();
  if (!report) return report_error("log verify", report.error());
  if (!report->intact()) {
    for (const auto& p : report->problems) fmt::print("{}: {}\n", path, store::to_string(p));
    const auto more = report->problems.size() - 1;
    return report_error(
        "log verify",
        Error{ErrorCode::parse,
              fmt::format(
                  "{}: chain broken: {}{}", path, store::to_string(report->problems.front()),
                  more == 0 ? std::string() : fmt::format(" (and {} more problems, listed above)", more))});
  }
  const auto& c = report->checkpoint;
  fmt::print("{}: {} rows verified, chain intact since {}\n", path, report->rows_verified,
             c ? fmt::format("checkpoint {} (rows up to {} pruned, signed {}, node key {})", c->id,
                             c->last_row_id, iso_utc(c->created_ms), report->key_fingerprint)
               : std::string("the first row"));
  return k_exit_ok;
}

struct ShowOptions {
  std::string path;
  std::string asset;
  std::string since;
  std::size_t limit = 100;
  bool json = false;
};

int run_show(const ShowOptions& o) {
  std::int64_t since_ms = INT64_MIN;
  if (!o.since.empty()) {
    auto since = parse_since(o.since, now_ms());
    if (!since) return report_error("log show", since.error());
    since_ms = *since;
  }
  auto log = store::DecisionLog::open(o.path, store::OpenOptions::reading());
  if (!log) return report_error("log show", log.error());
  auto rows = log->query(o.asset, since_ms, o.limit);
  if (!rows) return report_error("log show", rows.error());
  if (o.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& r : *rows) {
      const store::Decision& d = r.decision;
      std::string hash;
      for (auto b : r.hash) hash += fmt::format("{:02x}", b);
      all.push_back({{"row_id", r.row_id},
                     {"time", iso_utc(d.timestamp_ms)},
                     {"timestamp_ms", d.timestamp_ms},
                     {"window_id", d.window_id},
                     {"asset", d.asset},
                     {"model_versions", d.model_versions},
                     {"inputs", d.inputs},
                     {"output", d.output},
                     {"action", d.action},
                     {"details", nlohmann::json::parse(d.details_json, nullptr, false)},
                     {"hash", hash}});
    }
    std::cout << all.dump(2) << "\n";
    return k_exit_ok;
  }
  for (const auto& r : *rows) {
    const store::Decision& d = r.decision;
    fmt::print("{}  {}  window {}  {}  action: {}  [{}]\n", iso_utc(d.timestamp_ms), d.asset, d.window_id,
               d.output, d.action, d.inputs);
  }
  return k_exit_ok;
}

}  // namespace

void add_log(CLI::App& app) {
  CLI::App* log = app.add_subcommand("log", "Check and read a decision log (hash-chained SQLite)");
  log->require_subcommand(1);

  auto path = std::make_shared<std::string>();
  CLI::App* verify = log->add_subcommand(
      "verify",
      "Check every row's hash chain and every checkpoint signature; exit 2 naming the first bad row");
  verify->add_option("db", *path, "Decision log file")->required();
  verify->callback([path] {
    const int rc = run_verify(*path);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto o = std::make_shared<ShowOptions>();
  CLI::App* show = log->add_subcommand("show", "Print decisions, oldest first");
  show->add_option("db", o->path, "Decision log file")->required();
  show->add_option("--asset", o->asset, "Only this asset");
  show->add_option(
      "--since", o->since,
      "From this time on: ISO 8601 UTC (2026-12-03T07:30:00Z) or a duration back from now (24h, 7d)");
  show->add_option("--limit", o->limit, "At most this many decisions")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  show->add_flag("--json", o->json, "Print a JSON array");
  show->callback([o] {
    const int rc = run_show(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
