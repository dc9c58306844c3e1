// Alarm management after ISA-18.2 / IEC 62682: evaluates the conditions the hub's ingest forwards, keeps one
// alarm instance per point while it is not back to normal, and records every transition, human action
// (audit log), shelve and webhook notification in the hub's store, so a restart loses nothing. Time is
// always passed in (now_ms). States, transitions and the webhook payload: docs/hub-alarms.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hub/alarms/definitions.hpp"
#include "hub/alarms/http_post.hpp"
#include "hub/alarms/kpis.hpp"
#include "hub/store/store.hpp"

namespace vigil::hub::alarms {

// The ISA-18.2 states. Latched: a latching alarm whose condition cleared, in alarm until acknowledged and
// reset.
enum class AlarmState { normal, unack_active, ack_active, unack_rtn, latched_unack, latched_ack };
std::string_view to_string(AlarmState state);

// Who works on the cause, apart from the alarm's state.
enum class WorkState { unassigned, assigned, resolved };
std::string_view to_string(WorkState state);

struct Alarm {
  std::int64_t id = 0;
  AlarmPoint point;
  Priority priority = Priority::medium;
  AlarmState state = AlarmState::normal;
  bool condition = false;  // the process condition is active
  // Hidden from the active list (and not notified), still evaluated and recorded:
  bool shelved = false;
  std::int64_t shelved_until_ms = 0;  // 0 with shelved: one-shot (until the condition clears)
  bool out_of_service = false;
  bool suppressed_by_design = false;
  WorkState work = WorkState::unassigned;
  std::string assignee;
  std::string found_fault;
  std::int64_t opened_ms = 0;     // first activation of this instance
  std::int64_t activated_ms = 0;  // latest activation
  std::int64_t changed_ms = 0;    // latest state change
  std::int64_t condition_ms = 0;  // the latest condition's time (older ones are ignored)
  std::int64_t activations = 0;   // of this instance (a return to an unacknowledged RTN alarm counts)
  std::string detail;             // the latest condition's

  bool visible() const { return !shelved && !out_of_service && !suppressed_by_design; }
};

// One state change, for live clients. `what`: activated, cleared, acknowledged, reset, shelved, unshelved,
// out_of_service, in_service, assigned, resolved, commented.
struct AlarmEvent {
  std::int64_t alarm_id = 0;
  AlarmPoint point;
  Priority priority = Priority::medium;
  AlarmState state = AlarmState::normal;
  std::string what;
  bool visible = true;
  std::int64_t ts_ms = 0;
  std::string actor;
};

struct HistoryEntry {
  std::int64_t id = 0;
  std::int64_t alarm_id = 0;
  std::int64_t ts_ms = 0;
  std::string what;  // as AlarmEvent::what
  AlarmState state = AlarmState::normal;
  std::string actor;
  std::string detail;  // the comment, reason, assignee or found fault
};

struct WebhookPolicy {
  std::vector<std::string> urls;             // http://host[:port]/path
  std::int64_t max_attempts = 8;             // then the notification goes to the dead letters
  std::int64_t first_backoff_ms = 1'000;     // doubled after every failure ...
  std::int64_t max_backoff_ms = 600'000;     // ... up to this
  std::chrono::milliseconds timeout{5'000};  // one POST, connect to answer
  std::int64_t per_tick = 100;               // at most this many attempts per tick()
};

struct AlarmConfig {
  std::vector<AlarmDefinition> definitions = default_definitions();
  std::int64_t max_shelve_ms = 8 * 3'600'000;  // for definitions without a limit of their own
  WebhookPolicy webhooks;
};

struct DeadLetter {
  std::int64_t id = 0;
  std::string url;
  std::string body;
  std::int64_t created_ms = 0;
  std::int64_t attempts = 0;
  std::int64_t failed_ms = 0;
  std::string last_error;
};

struct AlarmFilter {
  std::optional<std::int64_t> asset_id;
  bool include_hidden = false;  // shelved, out of service, suppressed by design
  bool include_normal = false;  // instances already back to normal (the history)
};

struct AlarmPage {
  std::vector<Alarm> alarms;       // by id
  std::int64_t next_after_id = 0;  // 0: no more
};

struct AssetAlarms {
  std::int64_t asset_id = 0;  // 0: a node's alarms
  std::string node;
  std::vector<Alarm> alarms;  // by id
};

// An area for the KPIs: the whole plant, a site or a line (the registry's places).
struct Area {
  enum class Kind { plant, site, line } kind = Kind::plant;
  std::int64_t id = 0;
};

inline constexpr std::size_t k_max_comment_bytes = 4096;
inline constexpr std::size_t k_max_pending_events = 10'000;

class AlarmManager {
 public:
  // Checks the config (definitions, webhook URLs) and migrates the alarm tables.
  static Result<AlarmManager> open(store::Store& store, AlarmConfig config);

  // The process condition of a point changed (or was reported again: then nothing happens). Unknown
  // definition: not_found. A condition older than the open instance's latest change is ignored. Every call
  // here and below runs its own transaction: call it outside a transaction of the caller (transactions do
  // not nest).
  Status on_condition(const Condition& condition);

  // Human actions: `user` is the audit log's actor. Unknown id: not_found. An action the state does not
  // allow (acknowledging an acknowledged alarm, resetting an unlatched one, ...): invalid_argument, and
  // nothing is stored.
  Status acknowledge(std::int64_t id, std::string_view user, std::string_view comment, std::int64_t now_ms);
  Status reset(std::int64_t id, std::string_view user, std::int64_t now_ms);  // a latched, acknowledged alarm
  // duration_ms: a timed shelve (1 ms .. the definition's maximum, out_of_range beyond); nullopt: one-shot,
  // until the condition clears. The alarm must be in alarm; `reason` is required.
  Status shelve(std::int64_t id, std::string_view user, std::optional<std::int64_t> duration_ms,
                std::string_view reason, std::int64_t now_ms);
  Status unshelve(std::int64_t id, std::string_view user, std::int64_t now_ms);
  // Out of service applies to the point: it stays on for later instances until taken off.
  Status set_out_of_service(std::int64_t id, std::string_view user, bool out_of_service,
                            std::string_view reason, std::int64_t now_ms);
  Status assign(std::int64_t id, std::string_view user, std::string_view assignee, std::int64_t now_ms);
  Status resolve(std::int64_t id, std::string_view user, std::string_view found_fault, std::int64_t now_ms);
  Status comment(std::int64_t id, std::string_view user, std::string_view text, std::int64_t now_ms);

  // Ends timed shelves due at now_ms, then tries the webhook notifications that are due.
  Status tick(std::int64_t now_ms);

  Result<Alarm> alarm(std::int64_t id);
  // At most `limit` (1..1000) alarms with id > after_id that pass the filter: a page.
  Result<AlarmPage> list(const AlarmFilter& filter, std::int64_t after_id, std::int64_t limit);
  // The alarms that pass the filter (instances not back to normal), grouped by asset (by asset id, then
  // node).
  Result<std::vector<AssetAlarms>> list_by_asset(const AlarmFilter& filter);
  // Oldest first, at most `limit` (1..1000) entries with id > after_id.
  Result<std::vector<HistoryEntry>> history(std::int64_t id, std::int64_t after_id, std::int64_t limit);

  Result<Kpis> kpis(const Area& area, std::int64_t from_ms, std::int64_t to_ms);

  Result<std::vector<DeadLetter>> dead_letters(std::int64_t after_id, std::int64_t limit);
  // Puts a dead letter back in the outbox, due at now_ms with its attempts reset; audited.
  Status retry_dead_letter(std::int64_t id, std::string_view user, std::int64_t now_ms);
  // Notifications waiting in the outbox.
  Result<std::int64_t> pending_notifications();

  // The events since the last call, oldest first. At most k_max_pending_events are kept (the oldest go;
  // dropped_events() counts them).
  std::vector<AlarmEvent> take_events();
  std::int64_t dropped_events() const { return dropped_events_; }

  const std::vector<AlarmDefinition>& definitions() const { return config_.definitions; }

 private:
  struct Change;
  AlarmManager(store::Store& store, AlarmConfig config, std::vector<HttpUrl> urls)
      : store_(&store), config_(std::move(config)), urls_(std::move(urls)) {}

  const AlarmDefinition* definition(std::string_view key) const;
  Result<Alarm> load(std::int64_t id);
  Result<std::optional<Alarm>> load_open(const AlarmPoint& point);
  Alarm from_row(const store::Row& row) const;
  // Writes the instance's new state, its history entry, the audit entry and the webhook notifications
  // inside the caller's transaction; the event is queued after commit.
  Status record(const Alarm& after, const Change& change);
  // Checks the user, loads the alarm, lets `apply` change it (or refuse) and records it, in one transaction.
  Status human_action(std::int64_t id, std::string_view user, std::string_view what, std::string_view detail,
                      std::int64_t now_ms, const std::function<Status(Alarm&, Change&)>& apply);
  template <typename F>
  Status transact(F&& body);
  void push(AlarmEvent event);
  Status deliver(std::int64_t now_ms);

  store::Store* store_;
  AlarmConfig config_;
  std::vector<HttpUrl> urls_;
  std::deque<AlarmEvent> events_;
  std::vector<AlarmEvent> staged_;  // of the open transaction
  std::int64_t dropped_events_ = 0;
};

}  // namespace vigil::hub::alarms
