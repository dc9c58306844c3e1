// The digital twin of one asset, read from the hub's store: what the asset is doing (descriptive), where it
// is heading (predictive), what to do and by when (prescriptive), and what the what-if starts from. Built on
// request from the latest values, the series and the evidence the edge sent; shape and rules in
// docs/formats/hub-twin.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diag/iso_severity.hpp"
#include "hub/store/store.hpp"
#include "hub/twin/rating_life.hpp"
#include "proto/sparkplug_spectrum.hpp"

namespace vigil::hub::twin {

// The Sparkplug metric names the twin reads (docs/formats/sparkplug.md, "Asset metrics").
inline constexpr double k_ms_per_h = 3'600'000.0;

namespace metric {
inline constexpr std::string_view health_index = "Health/Index";
inline constexpr std::string_view fault_confidence = "Fault/Confidence";
inline constexpr std::string_view rul_median_h = "RUL/Median h";
inline constexpr std::string_view rul_low_h = "RUL/Low h";
inline constexpr std::string_view rul_high_h = "RUL/High h";
inline constexpr std::string_view velocity_rms_mm_s = "Vibration/Velocity RMS mm/s";
inline constexpr std::string_view speed_rpm = "Process/Speed rpm";
inline constexpr std::string_view decision_deadline = "Decision/Deadline";
inline constexpr std::string_view ne107 = "Health/NE107";
inline constexpr std::string_view alert_level = "Alert/Level";
inline constexpr std::string_view fault_class = "Fault/Class";
inline constexpr std::string_view iso_zone = "Vibration/ISO zone";
inline constexpr std::string_view decision_reason = "Decision/Reason";
inline constexpr std::string_view decision_action = "Decision/Action";
inline constexpr std::string_view bearing = "Properties/Bearing";
inline constexpr std::string_view machine_class = "Properties/Machine class";
inline constexpr std::string_view location = "Properties/Location";
inline constexpr std::string_view spectrum = "Evidence/Spectrum";
inline constexpr std::string_view envelope_spectrum = "Evidence/Envelope spectrum";
}  // namespace metric

// Trends are fitted over this window before now, on the series downsampled to hourly bucket means.
inline constexpr std::int64_t k_trend_window_ms = 7LL * 24 * 3600 * 1000;
inline constexpr std::int64_t k_trend_buckets = 7 * 24;
inline constexpr std::int64_t k_min_trend_points = 3;
// The RUL falls faster than the clock ("accelerating") when it loses more than this many hours per hour.
inline constexpr double k_accelerating_h_per_h = 1.1;

struct Reading {
  std::int64_t ts_ms = 0;
  double value = 0;
};
struct Text {
  std::int64_t ts_ms = 0;
  std::string value;
};

struct IsoSeverity {
  std::string machine_class;                     // as configured; "" when unknown
  std::optional<diag::MachineClass> recognised;  // nullopt: not one of ISO 10816 / 20816's classes
  std::optional<diag::IsoThresholds> limits;     // of the recognised class
  std::optional<Reading> velocity_rms_mm_s;
  std::optional<diag::IsoZone> zone;  // the latest velocity RMS graded with the limits
  std::optional<Text> edge_zone;      // Vibration/ISO zone as the edge reported it
};

struct SpectrumEvidence {
  std::string metric;  // metric::spectrum or metric::envelope_spectrum
  std::int64_t ts_ms = 0;
  std::optional<proto::sparkplug::CompactSpectrum> spectrum;  // nullopt: the stored bytes do not decode
  std::string error;                                          // why not, when unreadable
};

struct Descriptive {
  std::vector<store::MetricValue> features;  // every latest number, by metric name
  std::vector<store::TextValue> texts;       // every latest text, by metric name
  IsoSeverity iso;
  std::optional<Text> ne107;
  bool online = false;
  std::int64_t stale_since_ms = 0;         // 0: never went stale
  std::vector<SpectrumEvidence> evidence;  // the newest spectrum of each kind the edge sent
};

// Least-squares line through the bucket means (x = bucket centre), evaluated at now.
struct LinearFit {
  std::int64_t points = 0;
  double slope_per_h = 0;  // the metric's unit per hour
  double value_at_now = 0;
};

struct Predictive {
  std::optional<Reading> health_index;
  std::optional<LinearFit> health_trend;
  // When the fitted health index reaches 0 (a falling trend, within 100 years; may lie in the past).
  std::optional<std::int64_t> health_zero_ms;
  std::optional<Text> fault_class;
  std::optional<Reading> fault_confidence;  // calibrated probability of fault_class
  std::optional<Reading> rul_median_h, rul_low_h, rul_high_h;
  std::optional<LinearFit> rul_trend;  // of RUL/Median h: slope in hours per hour, -1 for steady wear
  bool rul_accelerating = false;       // slope < -k_accelerating_h_per_h
};

enum class SafeDateSource { edge_deadline, rul_low_bound, health_trend };
std::string_view to_string(SafeDateSource source);

struct SafeDate {
  SafeDateSource source = SafeDateSource::edge_deadline;
  std::int64_t ts_ms = 0;
};

enum class SparePartSource { none, registry, bearing };
std::string_view to_string(SparePartSource source);

struct Prescriptive {
  std::optional<Text> action;  // Decision/Action
  std::optional<Text> reason;  // Decision/Reason
  // Every date the data supports, in SafeDateSource order:
  //  edge_deadline  Decision/Deadline, while the action is not "none" and is not newer than the deadline
  //                 (and the value is a date: 0 .. year 9999);
  //  rul_low_bound  the RUL estimate's time + RUL/Low h (below 0 counts as 0; beyond 100 years: none);
  //  health_trend   health_zero_ms.
  std::vector<SafeDate> candidates;
  std::optional<SafeDate> latest_safe_date;  // the earliest candidate (the first listed on a tie)
  std::string spare_part;                    // the registry's spare part, else the bearing designation
  SparePartSource spare_part_source = SparePartSource::none;
};

struct Twin {
  store::Asset asset;  // the registry's row, metadata included
  std::int64_t now_ms = 0;
  bool has_data = false;  // false: nothing but the registration has arrived
  // Registry metadata where set, else the edge's Properties/... texts.
  std::string bearing, location;
  Descriptive descriptive;
  Predictive predictive;
  Prescriptive prescriptive;
  // What a what-if starts from: the bearing's load rating when the table knows it, the latest speed.
  std::optional<LoadRating> load_rating;
  std::optional<Reading> speed_rpm;
};

// not_found for an unknown asset. Evidence that does not decode is reported per spectrum, not as an error.
// Reads the latest values and texts, two 7-day series queries and the newest spectrum of each kind.
Result<Twin> build_twin(store::Store& store, std::int64_t asset_id, std::int64_t now_ms);

// The machine class as people write it ("group 2, rigid", "Group2-Rigid", "class I"): ISO's class whose
// name is the same letters and digits, ignoring case; nullopt for anything else.
std::optional<diag::MachineClass> recognise_machine_class(std::string_view text);

}  // namespace vigil::hub::twin
