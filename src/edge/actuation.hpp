// The gate in front of every write to the PLC: a decision's level and confidence, the PLC's interlock and
// the actuation policy ([policy.actuation]) decide whether an actuation is written or withheld, and why.
// Pure logic: the caller reads the interlock, asks the gate, writes what it says and logs the record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "edge/alerting.hpp"
#include "edge/config.hpp"

namespace vigil::edge {

// The PLC's permission to actuate, as read just before asking the gate. Only `closed` (the interlock
// register reads 1) permits a write; an interlock that is not wired never does (fail safe).
enum class Interlock : std::uint8_t { closed, open, unreadable, not_wired };
std::string_view to_string(Interlock interlock);  // "closed", "open", "unreadable", "not wired"

// What the level asks of the machine: a warning slows it down (reduce_speed_register = 1), an alarm stops
// it (stop_register = 1); normal and watch ask for nothing.
enum class ActuationCommand : std::uint8_t { none, reduce_speed, stop };
std::string_view to_string(ActuationCommand command);  // "none", "reduce speed", "stop"

// Why an actuation was not written, in the order the gates are checked (the first that fails is named).
enum class Withheld : std::uint8_t {
  no,                // written
  no_command,        // the level asks for no actuation (normal, watch)
  below_level,       // the level is below the policy's min_level
  below_confidence,  // the decision's confidence is below min_confidence
  no_register,       // the command's register is not wired ([plc] ... = -1)
  interlock_open,    // the interlock register does not read 1
  interlock_unreadable,
  interlock_not_wired,
  rate_limit,  // max_per_hour reached for the asset
  dry_run,     // every gate passed; the policy writes nothing
};
std::string_view to_string(Withheld reason);  // "written", "no command", "below level", ...

struct ActuationRequest {
  std::size_t asset = 0;      // index of the asset (as given to create)
  std::string_view asset_id;  // for the record's line
  AlertLevel level = AlertLevel::normal;
  double confidence = 0;   // of the decision's named fault, [0, 1]
  std::int64_t at_ns = 0;  // when (any clock, the same for every call); the rate window is measured on it
  Interlock interlock = Interlock::not_wired;
};

// The record the agent logs for every request.
struct ActuationRecord {
  ActuationCommand command = ActuationCommand::none;
  Withheld withheld = Withheld::no;
  int register_address = -1;  // holding register to write (when the command has one wired), else -1
  std::uint16_t value = 0;    // the value to write there (1)
  // One line: "pump-7: stop withheld: interlock open (register 12 does not read 1)".
  std::string line;

  bool write() const { return withheld == Withheld::no; }
};

// Gates actuations for a node's assets. Not thread-safe: one owner (the thread that talks to the PLC).
//
// Rate limit: at most N = max(1, floor(max_per_hour)) actuations per asset in any sliding window of
// N / max_per_hour hours (1 per hour at the default; 0.5 per hour is 1 in 2 h; 0 is never). An actuation
// that passed every other gate counts, written or withheld by the dry run, so a dry run logs what the live
// policy would do. Ask the gate when an asset's reported level rises, not on every window.
class ActuationGate {
 public:
  // invalid_argument for a policy outside its domain (min_confidence in [0, 1], max_per_hour in
  // [0, 3600]). `plc` gives the registers; a disabled [plc] withholds every command with no_register.
  static Result<ActuationGate> create(const ActuationPolicy& policy, const PlcConfig& plc,
                                      std::size_t asset_count);

  // Decides one request. Allocates only the record's line. An asset index out of range is a programmer
  // error (assert).
  ActuationRecord decide(const ActuationRequest& request);

 private:
  ActuationGate(const ActuationPolicy& policy, const PlcConfig& plc, std::size_t capacity,
                std::int64_t window_ns, std::size_t asset_count);
  bool rate_allows(std::size_t asset, std::int64_t at_ns) const;
  void count(std::size_t asset, std::int64_t at_ns);

  ActuationPolicy policy_;
  PlcConfig plc_;
  std::size_t capacity_;    // N
  std::int64_t window_ns_;  // N / max_per_hour hours
  // Per asset, the times of its last N counted actuations (ring, oldest at next_[asset] once full).
  std::vector<std::int64_t> times_ns_;
  std::vector<std::size_t> counted_;
  std::vector<std::size_t> next_;
};

}  // namespace vigil::edge
