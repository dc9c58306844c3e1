// Health indicators over the life of a FEMTO/PRONOSTIA run-to-failure bearing (`vigil eval femto`): every
// snapshot's indicators (diag::HealthIndicatorExtractor), written as one CSV per bearing, and per channel and
// indicator the early-life band, the onset of degradation and the lead time it gives (diag::find_onset).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "diag/health_indicators.hpp"

namespace vigil::eval {

// Indicator series of one bearing: values[channel][snapshot], channels in the order asked for.
struct IndicatorSeries {
  std::vector<double> time_s;
  std::vector<int> index;  // the snapshot's file index (acc_NNNNN.csv)
  std::vector<std::vector<diag::IndicatorValues>> values;
};

// Every snapshot of the bearing folder `dir` (0.1 s at 25.6 kHz each) on `channels` ("horizontal",
// "vertical") at speed_rpm. Errors name the snapshot file (unreadable, wrong length, channel missing).
Result<IndicatorSeries> femto_indicator_series(const std::filesystem::path& dir, double speed_rpm,
                                               const std::vector<std::string>& channels);

// CSV: time_s, index, then <channel>_<indicator> for every channel and indicator. io error when it cannot be
// written.
Status write_indicator_csv(const std::filesystem::path& path, const IndicatorSeries& series,
                           const std::vector<std::string>& channels);

// The onset of every (channel, indicator) of a series under `rule`, channels outer, indicators in
// diag::k_all_indicators order.
struct ChannelOnset {
  std::string channel;
  diag::Indicator indicator{};
  diag::IndicatorOnset onset;
};
Result<std::vector<ChannelOnset>> indicator_onsets(const IndicatorSeries& series,
                                                   const std::vector<std::string>& channels,
                                                   const diag::OnsetRule& rule);

}  // namespace vigil::eval
