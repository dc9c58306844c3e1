#include "eval/femto_indicators.hpp"

#include <fstream>

#include <fmt/format.h>

#include "dsp/bearing.hpp"
#include "io/femto.hpp"

namespace vigil::eval {
namespace {

// A snapshot is 0.1 s at 25.6 kHz (challenge PDF; README of the data).
constexpr std::size_t k_snapshot_len = 2560;

}  // namespace

Result<IndicatorSeries> femto_indicator_series(const std::filesystem::path& dir, double speed_rpm,
                                               const std::vector<std::string>& channels) {
  auto files = io::list_femto_snapshots(dir);
  if (!files) return std::unexpected(files.error());
  auto extractor = diag::HealthIndicatorExtractor::create({.sample_rate_hz = io::k_femto_sample_rate_hz,
                                                           .window_len = k_snapshot_len,
                                                           .bearing = *dsp::find_bearing("pronostia"),
                                                           .max_speed_rpm = speed_rpm,
                                                           .high_band_low_hz = 5000,
                                                           // ~600 snapshots per run: FFTW_MEASURE planning
                                                           // (seconds) would cost more than it saves.
                                                           .effort = dsp::PlanEffort::estimate});
  if (!extractor) return std::unexpected(extractor.error());
  IndicatorSeries s;
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
      auto v = extractor->compute(ch->samples, speed_rpm);
      if (!v) return std::unexpected(v.error().with_context(file.path.string()));
      s.values[c].push_back(*v);
    }
    s.time_s.push_back(file.time_s);
    s.index.push_back(file.index);
  }
  return s;
}

Status write_indicator_csv(const std::filesystem::path& path, const IndicatorSeries& s,
                           const std::vector<std::string>& channels) {
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

Result<std::vector<ChannelOnset>> indicator_onsets(const IndicatorSeries& series,
                                                   const std::vector<std::string>& channels,
                                                   const diag::OnsetRule& rule) {
  std::vector<ChannelOnset> out;
  const std::size_t snapshots = series.time_s.size();
  for (std::size_t c = 0; c < channels.size() && c < series.values.size(); ++c) {
    for (auto ind : diag::k_all_indicators) {
      std::vector<double> values(snapshots);
      for (std::size_t k = 0; k < snapshots; ++k) values[k] = diag::value_of(series.values[c][k], ind);
      auto r = diag::find_onset(series.time_s, values, rule);
      if (!r)
        return std::unexpected(
            r.error().with_context(fmt::format("{} {}", channels[c], diag::to_string(ind))));
      out.push_back({channels[c], ind, *r});
    }
  }
  return out;
}

}  // namespace vigil::eval
