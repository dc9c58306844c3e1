// An asset's alert level, from the raw level of each window to the level the edge reports: N-of-M
// debouncing to raise, a run of quieter windows to clear (hysteresis), and the NAMUR NE 107 status that
// names the level on the wire. The raw level of a window comes from the rule layer (rules.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "diag/diagnosis.hpp"

namespace vigil::edge {

// Ordered: a higher level is more urgent.
//   normal   nothing to do;
//   watch    an early sign (anomaly, a weak defect pattern): trend it, no work order yet;
//   warning  a named defect or ISO zone C: inspect within the policy's deadline;
//   alarm    ISO zone D or little remaining life: act now (plan a stop, replace).
enum class AlertLevel : std::uint8_t { normal = 0, watch = 1, warning = 2, alarm = 3 };
inline constexpr std::size_t k_alert_level_count = 4;
std::string_view to_string(AlertLevel level);  // "normal", "watch", "warning", "alarm"
Result<AlertLevel> parse_alert_level(std::string_view name);

// NAMUR NE 107 (2017) status signals, as OPC UA Part 110 names them. Vigil maps its levels onto them so a
// DCS or asset-management system reads the machine's condition in the vocabulary it already uses:
//   normal  -> Normal                  (the machine is in its normal condition)
//   watch   -> Maintenance required    (still in specification, wear is starting: plan)
//   warning -> Out of specification    (running outside its specified condition: inspect)
//   alarm   -> Failure                 (damage likely: act)
// and Check function while the asset's measurement is not valid: no data, a sensor fault, or while the
// edge is still commissioning the asset and has no judgement of its own beyond the ISO and physics rules
// (the caller decides when; see ne107_status()).
enum class Ne107Status : std::uint8_t {
  normal,
  maintenance_required,
  out_of_specification,
  check_function,
  failure,
};
std::string_view to_string(Ne107Status status);  // "Normal", "Maintenance required", ...
Ne107Status ne107_status(AlertLevel level, bool check_function);

// Debouncing of a stream of raw window levels (one asset):
//  - raise: the level rises to L when at least raise_n of the last raise_m raw levels are L or higher (the
//    highest such L). One noisy window does not raise a warning; a persistent pattern does within raise_m
//    windows.
//  - clear: the level falls only after clear_windows consecutive windows whose N-of-M level is below the
//    current one, and then to the highest N-of-M level seen during that run (not straight to normal).
// Defaults: 3 of 5 to raise, 10 windows to clear; at 1 s windows with 50 % overlap that is 1.5 s and 5 s.
struct DebounceConfig {
  std::size_t raise_n = 3;
  std::size_t raise_m = 5;
  std::size_t clear_windows = 10;
};
inline constexpr std::size_t k_max_debounce_windows = 64;
// invalid_argument naming the field: raise_n in 1..raise_m, raise_m in 1..64, clear_windows >= 1.
Status validate(const DebounceConfig& config);

class AlertDebouncer {
 public:
  static Result<AlertDebouncer> create(const DebounceConfig& config);

  // Feeds one window's raw level; returns the debounced level. Allocates nothing.
  AlertLevel update(AlertLevel raw);
  AlertLevel level() const { return level_; }
  // Forgets the history (after a repair or re-baselining): the level is normal again.
  void reset();

 private:
  explicit AlertDebouncer(const DebounceConfig& config) : config_(config) {}
  AlertLevel n_of_m() const;

  DebounceConfig config_;
  std::array<AlertLevel, k_max_debounce_windows> recent_{};  // ring of the last raise_m raw levels
  std::size_t seen_ = 0;                                     // raw levels fed since reset (saturates)
  std::size_t next_ = 0;                                     // ring position of the next raw level
  AlertLevel level_ = AlertLevel::normal;
  std::size_t quiet_run_ = 0;                   // consecutive windows below level_
  AlertLevel quiet_peak_ = AlertLevel::normal;  // highest N-of-M level during that run
};

// The fault a decision names, held across windows while the asset is not normal: a window that names
// another fault with less confidence than the held one does not replace it (one window's weak pattern
// must not turn a clear inner-race defect into an outer-race one and back); a fault named with at least the
// held confidence does, and so does any named fault once the held one has gone unnamed for `clear_windows`
// windows in a row. While the level is normal nothing is named.
class FaultHolder {
 public:
  explicit FaultHolder(std::size_t clear_windows) : clear_windows_(clear_windows) {}

  struct Named {
    diag::Verdict fault = diag::Verdict::normal;
    double confidence = 0;
  };
  // Feeds one window's debounced level and its raw naming (normal or unknown: nothing named); returns what
  // the decision names: the held fault, `unknown` at a level above normal before any fault was named.
  Named update(AlertLevel level, diag::Verdict raw_fault, double raw_confidence);
  void reset() { *this = FaultHolder(clear_windows_); }

 private:
  std::size_t clear_windows_;
  Named held_;
  std::size_t unnamed_run_ = 0;  // consecutive windows that did not name the held fault
};

}  // namespace vigil::edge
