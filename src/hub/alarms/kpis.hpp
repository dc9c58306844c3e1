// Alarm-system performance figures after ISA-18.2 / IEC 62682 and EEMUA 191, computed from the recorded
// history of one area over a time range: annunciations per 10 minutes, flood periods, chattering, standing
// alarms and the share of the ten most frequent alarms (definitions in docs/hub-alarms.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vigil::hub::alarms {

// One alarm point: a definition on one asset, or on one edge node (asset_id 0).
struct AlarmPoint {
  std::string definition;
  std::int64_t asset_id = 0;
  std::string node;

  auto operator<=>(const AlarmPoint&) const = default;
};

// An activation shown to the operators (not while shelved, suppressed by design or out of service).
struct Annunciation {
  std::int64_t ts_ms = 0;
  AlarmPoint point;
};

// One alarm instance in alarm from an annunciated activation until it returned to normal (end_ms 0: still).
struct ActivePeriod {
  std::int64_t alarm_id = 0;
  AlarmPoint point;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};

inline constexpr std::int64_t k_kpi_window_ms = 10 * 60'000;  // the rate's window: 10 minutes
inline constexpr int k_flood_start_count = 10;                // a flood starts above 10 per window
inline constexpr int k_flood_end_count = 5;                   // and ends below 5 per window
inline constexpr std::int64_t k_chatter_window_ms = 60'000;   // chattering: 3 activations in 1 minute
inline constexpr int k_chatter_count = 3;
inline constexpr std::int64_t k_standing_ms = 24 * 3'600'000;  // standing: in alarm longer than 24 h

struct Flood {
  std::int64_t start_ms = 0;  // the annunciation that made it more than 10 in the last 10 minutes
  std::int64_t end_ms = 0;    // when fewer than 5 were left in the last 10 minutes; `to` when ongoing
  bool ongoing = false;
  std::int64_t annunciations = 0;  // from start_ms until end_ms
};

struct PointCount {
  AlarmPoint point;
  std::int64_t count = 0;

  bool operator==(const PointCount&) const = default;
};

struct Kpis {
  std::int64_t from_ms = 0, to_ms = 0;
  std::int64_t annunciations = 0;
  // Over consecutive 10-minute buckets from from_ms (the last one may be shorter).
  double average_per_10_min = 0.0;
  std::int64_t peak_per_10_min = 0;
  std::vector<Flood> floods;
  std::int64_t flood_time_ms = 0;
  // Points with >= 3 annunciations within some 1-minute window; count = their annunciations in the range.
  std::vector<PointCount> chattering;
  // Periods in alarm longer than 24 h within the range (an ongoing one measured up to `to`).
  std::vector<ActivePeriod> standing;
  // The ten most frequent points (count descending, then point) and their share of all annunciations (0..1).
  std::vector<PointCount> top10;
  double top10_share = 0.0;
};

// The figures over [from_ms, to_ms) (from_ms < to_ms). Annunciations outside the range are ignored; periods
// count when they overlap it. Inputs in any order.
Kpis compute_kpis(std::span<const Annunciation> annunciations, std::span<const ActivePeriod> periods,
                  std::int64_t from_ms, std::int64_t to_ms);

}  // namespace vigil::hub::alarms
