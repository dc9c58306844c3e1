#include "hub/alarms/alarm_manager.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "hub/alarms/schema.hpp"
#include "hub/store/validate.hpp"

namespace vigil::hub::alarms {

using store::Row;
using store::Transaction;
using store::Value;

struct AlarmManager::Change {
  std::string what;
  std::int64_t ts_ms = 0;
  std::string actor;
  std::string detail;
  bool annunciated = false;  // an activation shown to the operators
  bool notify = false;       // goes to the webhooks (when the alarm is visible)
};

namespace {

constexpr std::array<std::pair<AlarmState, std::string_view>, 6> k_states = {{
    {AlarmState::normal, "normal"},
    {AlarmState::unack_active, "unack_active"},
    {AlarmState::ack_active, "ack_active"},
    {AlarmState::unack_rtn, "unack_rtn"},
    {AlarmState::latched_unack, "latched_unack"},
    {AlarmState::latched_ack, "latched_ack"},
}};
constexpr std::array<std::pair<WorkState, std::string_view>, 3> k_work_states = {{
    {WorkState::unassigned, "unassigned"},
    {WorkState::assigned, "assigned"},
    {WorkState::resolved, "resolved"},
}};

template <typename E, std::size_t N>
E from_text(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text) {
  for (const auto& [value, name] : table)
    if (name == text) return value;
  return table[0].first;
}

// In alarm: annunciated and not yet back to normal or returned-to-normal.
bool in_alarm(AlarmState s) {
  return s == AlarmState::unack_active || s == AlarmState::ack_active || s == AlarmState::latched_unack ||
         s == AlarmState::latched_ack;
}

constexpr std::string_view k_columns =
    "i.id, i.definition, i.asset_id, i.node, i.state, i.cond_active, i.opened_ms, i.activated_ms, "
    "i.changed_ms, "
    "i.condition_ms, i.activations, i.work_state, i.assignee, i.found_fault, i.detail, s.id, s.until_ms, "
    "o.since_ms FROM alarm_instances i "
    "LEFT JOIN alarm_shelves s ON s.definition = i.definition AND s.asset_id = i.asset_id AND s.node = "
    "i.node "
    "AND s.ended_ms IS NULL "
    "LEFT JOIN alarm_out_of_service o ON o.definition = i.definition AND o.asset_id = i.asset_id "
    "AND o.node = i.node";

Status status_of(const Result<store::Rows>& rows) {
  if (!rows) return std::unexpected(rows.error());
  return {};
}

Status check_user(std::string_view user) { return store::check_id("user", user); }

Status check_required_text(std::string_view field, std::string_view text) {
  if (text.empty()) return fail(ErrorCode::invalid_argument, "{}: empty", field);
  return store::check_text(field, text, k_max_comment_bytes);
}

std::string target_of(std::int64_t id) { return fmt::format("alarm/{}", id); }

}  // namespace

std::string_view to_string(AlarmState state) {
  for (const auto& [value, name] : k_states)
    if (value == state) return name;
  return "?";
}

std::string_view to_string(WorkState state) {
  for (const auto& [value, name] : k_work_states)
    if (value == state) return name;
  return "?";
}

Result<AlarmManager> AlarmManager::open(store::Store& store, AlarmConfig config) {
  std::set<std::string_view> keys;
  for (const AlarmDefinition& d : config.definitions) {
    if (auto ok = check_definition(d); !ok) return std::unexpected(ok.error());
    if (!keys.insert(d.key).second)
      return fail(ErrorCode::invalid_argument, "alarm definition {}: defined twice", d.key);
  }
  if (config.max_shelve_ms <= 0)
    return fail(ErrorCode::invalid_argument, "alarms: max shelve: {} ms, must be > 0", config.max_shelve_ms);
  const WebhookPolicy& w = config.webhooks;
  if (w.max_attempts < 1 || w.first_backoff_ms < 1 || w.max_backoff_ms < w.first_backoff_ms ||
      w.timeout.count() < 1 || w.per_tick < 1)
    return fail(ErrorCode::invalid_argument,
                "alarm webhooks: max attempts, first backoff, timeout and per tick must be >= 1 and the max "
                "backoff >= the first");
  std::vector<HttpUrl> urls;
  for (const std::string& u : w.urls) {
    auto url = parse_http_url(u);
    if (!url) return std::unexpected(url.error());
    urls.push_back(std::move(*url));
  }
  if (auto ok = store::migrate(store.connection(), alarm_migrations()); !ok)
    return std::unexpected(ok.error());
  return AlarmManager(store, std::move(config), std::move(urls));
}

const AlarmDefinition* AlarmManager::definition(std::string_view key) const {
  auto it = std::ranges::find(config_.definitions, key, &AlarmDefinition::key);
  return it == config_.definitions.end() ? nullptr : &*it;
}

Alarm AlarmManager::from_row(const Row& r) const {
  Alarm a;
  a.id = r.int64(0);
  a.point = {r.text(1), r.int64(2), r.text(3)};
  a.state = from_text(k_states, r.text(4));
  a.condition = r.int64(5) != 0;
  a.opened_ms = r.int64(6);
  a.activated_ms = r.int64(7);
  a.changed_ms = r.int64(8);
  a.condition_ms = r.int64(9);
  a.activations = r.int64(10);
  a.work = from_text(k_work_states, r.text(11));
  a.assignee = r.text(12);
  a.found_fault = r.text(13);
  a.detail = r.text(14);
  a.shelved = !r.is_null(15);
  a.shelved_until_ms = r.int64(16);
  a.out_of_service = !r.is_null(17);
  // A definition no longer configured keeps its instances, shown at medium priority.
  if (const AlarmDefinition* d = definition(a.point.definition)) {
    a.priority = d->priority;
    a.suppressed_by_design = d->suppressed_by_design;
  }
  return a;
}

Result<Alarm> AlarmManager::load(std::int64_t id) {
  if (auto ok = store::check_row_id("alarm id", id); !ok) return std::unexpected(ok.error());
  auto rows = store_->connection().query(fmt::format("SELECT {} WHERE i.id = ?1", k_columns), {id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::not_found, "alarm {}: no such alarm", id);
  return from_row(rows->front());
}

Result<std::optional<Alarm>> AlarmManager::load_open(const AlarmPoint& p) {
  auto rows = store_->connection().query(
      fmt::format("SELECT {} WHERE i.definition = ?1 AND i.asset_id = ?2 AND i.node = ?3 AND i.closed = 0",
                  k_columns),
      {p.definition, p.asset_id, p.node});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<Alarm>();
  return std::optional<Alarm>(from_row(rows->front()));
}

Status AlarmManager::record(const Alarm& a, const Change& ch) {
  store::Connection& c = store_->connection();
  if (auto ok = status_of(
          c.query("UPDATE alarm_instances SET state = ?2, cond_active = ?3, closed = ?4, activated_ms = ?5, "
                  "changed_ms = ?6, condition_ms = ?7, activations = ?8, work_state = ?9, assignee = ?10, "
                  "found_fault = ?11, detail = ?12 WHERE id = ?1",
                  {a.id, std::string(to_string(a.state)), std::int64_t{a.condition},
                   std::int64_t{a.state == AlarmState::normal}, a.activated_ms, a.changed_ms, a.condition_ms,
                   a.activations, std::string(to_string(a.work)), a.assignee, a.found_fault, a.detail}));
      !ok)
    return ok;
  auto event_id = c.query(
      "INSERT INTO alarm_history (alarm_id, ts_ms, what, state, annunciated, actor, detail) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
      {a.id, ch.ts_ms, ch.what, std::string(to_string(a.state)), std::int64_t{ch.annunciated}, ch.actor,
       ch.detail});
  if (!event_id) return std::unexpected(event_id.error());
  auto audited = store_->audit().append(
      {0, ch.ts_ms, ch.actor, fmt::format("alarm.{}", ch.what), target_of(a.id), ch.detail});
  if (!audited) return std::unexpected(audited.error());
  if (ch.notify && a.visible()) {
    const AlarmDefinition* d = definition(a.point.definition);
    const nlohmann::json body = {
        {"event_id", event_id->front().int64(0)},
        {"event", ch.what},
        {"alarm_id", a.id},
        {"definition", a.point.definition},
        {"priority", to_string(a.priority)},
        {"asset_id", a.point.asset_id},
        {"node", a.point.node},
        {"state", to_string(a.state)},
        {"ts_ms", ch.ts_ms},
        {"actor", ch.actor},
        {"detail", ch.detail},
        {"corrective_action", d != nullptr ? d->corrective_action : ""},
    };
    const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (const std::string& url : config_.webhooks.urls)
      if (auto ok = status_of(c.query(
              "INSERT INTO alarm_outbox (url, body, created_ms, attempts, next_attempt_ms, last_error) "
              "VALUES (?1, ?2, ?3, 0, ?3, '')",
              {url, text, ch.ts_ms}));
          !ok)
        return ok;
  }
  staged_.push_back({a.id, a.point, a.priority, a.state, ch.what, a.visible(), ch.ts_ms, ch.actor});
  return {};
}

void AlarmManager::push(AlarmEvent event) {
  if (events_.size() == k_max_pending_events) {
    events_.pop_front();
    ++dropped_events_;
  }
  events_.push_back(std::move(event));
}

std::vector<AlarmEvent> AlarmManager::take_events() {
  std::vector<AlarmEvent> out(std::make_move_iterator(events_.begin()),
                              std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

// Runs `body` in one transaction; the events it staged are queued only when the transaction commits.
template <typename F>
Status AlarmManager::transact(F&& body) {
  staged_.clear();
  auto tx = Transaction::begin(store_->connection());
  if (!tx) return std::unexpected(tx.error());
  if (auto ok = body(); !ok) {
    staged_.clear();
    return ok;
  }
  if (auto ok = tx->commit(); !ok) {
    staged_.clear();
    return ok;
  }
  for (AlarmEvent& e : staged_) push(std::move(e));
  staged_.clear();
  return {};
}

Status AlarmManager::on_condition(const Condition& cond) {
  if (auto ok = store::check_id("condition: definition", cond.definition); !ok) return ok;
  if (auto ok = store::check_id("condition: actor", cond.actor); !ok) return ok;
  if (auto ok = store::check_text("condition: detail", cond.detail, k_max_comment_bytes); !ok) return ok;
  if (cond.asset_id < 0 || (cond.asset_id == 0) == cond.node.empty())
    return fail(ErrorCode::invalid_argument,
                "condition: either an asset id (> 0) or, for a node alarm, a node \"<group>/<node>\"");
  if (auto ok = store::check_text("condition: node", cond.node, store::k_max_id_bytes); !ok) return ok;
  const AlarmDefinition* def = definition(cond.definition);
  if (def == nullptr) return fail(ErrorCode::not_found, "condition: no alarm definition {}", cond.definition);
  const AlarmPoint point{cond.definition, cond.asset_id, cond.node};

  return transact([&]() -> Status {
    auto open = load_open(point);
    if (!open) return std::unexpected(open.error());
    Change ch{"", cond.ts_ms, cond.actor, cond.detail, false, true};
    Alarm a;
    if (cond.active) {
      if (*open && ((*open)->condition || cond.ts_ms < (*open)->condition_ms)) return {};
      if (!*open) {
        auto id = store_->connection().query(
            "INSERT INTO alarm_instances (definition, asset_id, node, state, cond_active, closed, opened_ms, "
            "activated_ms, changed_ms, condition_ms, activations, work_state, assignee, found_fault, detail) "
            "VALUES (?1, ?2, ?3, 'unack_active', 1, 0, ?4, ?4, ?4, ?4, 0, 'unassigned', '', '', '') "
            "RETURNING id",
            {point.definition, point.asset_id, point.node, cond.ts_ms});
        if (!id) return std::unexpected(id.error());
        auto loaded = load(id->front().int64(0));
        if (!loaded) return std::unexpected(loaded.error());
        a = std::move(*loaded);
      } else {
        a = std::move(**open);
      }
      a.state = AlarmState::unack_active;
      a.condition = true;
      a.activated_ms = a.changed_ms = a.condition_ms = cond.ts_ms;
      ++a.activations;
      a.detail = cond.detail;
      ch.what = "activated";
      ch.annunciated = a.visible();
      return record(a, ch);
    }
    if (!*open || !(*open)->condition || cond.ts_ms < (*open)->condition_ms) return {};
    a = std::move(**open);
    const bool acked = a.state == AlarmState::ack_active;
    if (def->latching)
      a.state = acked ? AlarmState::latched_ack : AlarmState::latched_unack;
    else
      a.state = acked ? AlarmState::normal : AlarmState::unack_rtn;
    a.condition = false;
    a.changed_ms = a.condition_ms = cond.ts_ms;
    a.detail = cond.detail;
    ch.what = "cleared";
    if (auto ok = record(a, ch); !ok) return ok;
    if (!a.shelved || a.shelved_until_ms != 0) return {};
    // A one-shot shelve ends when the condition clears.
    if (auto ok = status_of(store_->connection().query(
            "UPDATE alarm_shelves SET ended_ms = ?4, end_reason = 'cleared' WHERE definition = ?1 "
            "AND asset_id = ?2 AND node = ?3 AND ended_ms IS NULL",
            {point.definition, point.asset_id, point.node, cond.ts_ms}));
        !ok)
      return ok;
    a.shelved = false;
    return record(a, {"unshelved", cond.ts_ms, cond.actor, "one-shot shelve ended: the condition cleared"});
  });
}

Status AlarmManager::human_action(std::int64_t id, std::string_view user, std::string_view what,
                                  std::string_view detail, std::int64_t now_ms,
                                  const std::function<Status(Alarm&, Change&)>& apply) {
  if (auto ok = check_user(user); !ok) return ok;
  if (auto ok = store::check_text("detail", detail, k_max_comment_bytes); !ok) return ok;
  return transact([&]() -> Status {
    auto a = load(id);
    if (!a) return std::unexpected(a.error());
    Change ch{std::string(what), now_ms, std::string(user), std::string(detail), false, false};
    if (auto ok = apply(*a, ch); !ok) return ok;
    return record(*a, ch);
  });
}

Status AlarmManager::acknowledge(std::int64_t id, std::string_view user, std::string_view comment,
                                 std::int64_t now_ms) {
  return human_action(id, user, "acknowledged", comment, now_ms, [&](Alarm& a, Change& ch) -> Status {
    switch (a.state) {
      case AlarmState::unack_active:
        a.state = AlarmState::ack_active;
        break;
      case AlarmState::unack_rtn:
        a.state = AlarmState::normal;
        break;
      case AlarmState::latched_unack:
        a.state = AlarmState::latched_ack;
        break;
      default:
        return fail(ErrorCode::invalid_argument,
                    "alarm {}: cannot acknowledge, it is {} (already acknowledged)", a.id,
                    to_string(a.state));
    }
    a.changed_ms = now_ms;
    ch.notify = true;
    return {};
  });
}

Status AlarmManager::reset(std::int64_t id, std::string_view user, std::int64_t now_ms) {
  return human_action(id, user, "reset", "", now_ms, [&](Alarm& a, Change& ch) -> Status {
    if (a.state == AlarmState::latched_unack)
      return fail(ErrorCode::invalid_argument, "alarm {}: acknowledge it before resetting it", a.id);
    if (a.state != AlarmState::latched_ack)
      return fail(ErrorCode::invalid_argument,
                  "alarm {}: cannot reset, it is {} (only a latched alarm whose "
                  "condition cleared is reset)",
                  a.id, to_string(a.state));
    a.state = AlarmState::normal;
    a.changed_ms = now_ms;
    ch.notify = true;
    return {};
  });
}

Status AlarmManager::shelve(std::int64_t id, std::string_view user, std::optional<std::int64_t> duration_ms,
                            std::string_view reason, std::int64_t now_ms) {
  if (auto ok = check_required_text("shelve reason", reason); !ok) return ok;
  return human_action(id, user, "shelved", reason, now_ms, [&](Alarm& a, Change& ch) -> Status {
    if (!in_alarm(a.state) && a.state != AlarmState::unack_rtn)
      return fail(ErrorCode::invalid_argument, "alarm {}: cannot shelve, it is {}", a.id, to_string(a.state));
    if (a.shelved) return fail(ErrorCode::invalid_argument, "alarm {}: already shelved", a.id);
    std::int64_t until_ms = 0;
    if (duration_ms) {
      const AlarmDefinition* d = definition(a.point.definition);
      const std::int64_t max_ms =
          d != nullptr && d->max_shelve_ms > 0 ? d->max_shelve_ms : config_.max_shelve_ms;
      if (*duration_ms < 1 || *duration_ms > max_ms)
        return fail(ErrorCode::out_of_range, "alarm {}: shelve duration {} ms is outside 1..{} ms ({})", a.id,
                    *duration_ms, max_ms, a.point.definition);
      until_ms = now_ms + *duration_ms;
      ch.detail = fmt::format("until {} ms: {}", until_ms, reason);
    } else if (!a.condition) {
      return fail(ErrorCode::invalid_argument,
                  "alarm {}: a one-shot shelve ends when the condition clears, and it is clear already",
                  a.id);
    } else {
      ch.detail = fmt::format("one-shot: {}", reason);
    }
    a.shelved = true;
    a.shelved_until_ms = until_ms;
    return status_of(store_->connection().query(
        "INSERT INTO alarm_shelves (definition, asset_id, node, actor, reason, from_ms, until_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        {a.point.definition, a.point.asset_id, a.point.node, std::string(user), std::string(reason), now_ms,
         until_ms}));
  });
}

Status AlarmManager::unshelve(std::int64_t id, std::string_view user, std::int64_t now_ms) {
  return human_action(id, user, "unshelved", "", now_ms, [&](Alarm& a, Change&) -> Status {
    if (!a.shelved) return fail(ErrorCode::invalid_argument, "alarm {}: not shelved", a.id);
    a.shelved = false;
    return status_of(store_->connection().query(
        "UPDATE alarm_shelves SET ended_ms = ?4, end_reason = 'unshelved' WHERE definition = ?1 "
        "AND asset_id = ?2 AND node = ?3 AND ended_ms IS NULL",
        {a.point.definition, a.point.asset_id, a.point.node, now_ms}));
  });
}

Status AlarmManager::set_out_of_service(std::int64_t id, std::string_view user, bool out_of_service,
                                        std::string_view reason, std::int64_t now_ms) {
  if (auto ok = check_required_text("out-of-service reason", reason); !ok) return ok;
  return human_action(
      id, user, out_of_service ? "out_of_service" : "in_service", reason, now_ms,
      [&](Alarm& a, Change&) -> Status {
        if (a.out_of_service == out_of_service)
          return fail(ErrorCode::invalid_argument, "alarm {}: already {}", a.id,
                      out_of_service ? "out of service" : "in service");
        a.out_of_service = out_of_service;
        const std::vector<Value> key = {a.point.definition, a.point.asset_id, a.point.node};
        if (!out_of_service)
          return status_of(store_->connection().query(
              "DELETE FROM alarm_out_of_service WHERE definition = ?1 AND asset_id = ?2 AND node = ?3", key));
        return status_of(store_->connection().query(
            "INSERT INTO alarm_out_of_service (definition, asset_id, node, since_ms, actor, reason) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            {a.point.definition, a.point.asset_id, a.point.node, now_ms, std::string(user),
             std::string(reason)}));
      });
}

Status AlarmManager::assign(std::int64_t id, std::string_view user, std::string_view assignee,
                            std::int64_t now_ms) {
  if (auto ok = store::check_id("assignee", assignee); !ok) return ok;
  return human_action(id, user, "assigned", assignee, now_ms, [&](Alarm& a, Change&) -> Status {
    a.work = WorkState::assigned;
    a.assignee = std::string(assignee);
    return {};
  });
}

Status AlarmManager::resolve(std::int64_t id, std::string_view user, std::string_view found_fault,
                             std::int64_t now_ms) {
  if (auto ok = check_required_text("found fault", found_fault); !ok) return ok;
  return human_action(id, user, "resolved", found_fault, now_ms, [&](Alarm& a, Change&) -> Status {
    if (a.work == WorkState::resolved)
      return fail(ErrorCode::invalid_argument, "alarm {}: already resolved", a.id);
    a.work = WorkState::resolved;
    a.found_fault = std::string(found_fault);
    return {};
  });
}

Status AlarmManager::comment(std::int64_t id, std::string_view user, std::string_view text,
                             std::int64_t now_ms) {
  if (auto ok = check_required_text("comment", text); !ok) return ok;
  return human_action(id, user, "commented", text, now_ms, [](Alarm&, Change&) -> Status { return {}; });
}

Status AlarmManager::tick(std::int64_t now_ms) {
  auto due = store_->connection().query(
      "SELECT id, definition, asset_id, node FROM alarm_shelves WHERE ended_ms IS NULL AND until_ms > 0 "
      "AND until_ms <= ?1 ORDER BY id",
      {now_ms});
  if (!due) return std::unexpected(due.error());
  for (const Row& r : *due) {
    const AlarmPoint point{r.text(1), r.int64(2), r.text(3)};
    auto ok = transact([&]() -> Status {
      if (auto ended = status_of(store_->connection().query(
              "UPDATE alarm_shelves SET ended_ms = ?2, end_reason = 'expired' WHERE id = ?1",
              {r.int64(0), now_ms}));
          !ended)
        return ended;
      auto open = load_open(point);
      if (!open) return std::unexpected(open.error());
      if (!*open) return {};
      return record(**open, {"unshelved", now_ms, "hub", "timed shelve expired"});
    });
    if (!ok) return ok;
  }
  return deliver(now_ms);
}

Status AlarmManager::deliver(std::int64_t now_ms) {
  store::Connection& c = store_->connection();
  const WebhookPolicy& w = config_.webhooks;
  auto due = c.query(
      "SELECT id, url, body, attempts, created_ms FROM alarm_outbox WHERE next_attempt_ms <= ?1 "
      "ORDER BY id LIMIT ?2",
      {now_ms, w.per_tick});
  if (!due) return std::unexpected(due.error());
  for (const Row& r : *due) {
    const std::int64_t id = r.int64(0);
    auto url = parse_http_url(r.text(1));
    Status sent = url ? http_post(*url, r.text(2), w.timeout) : Status(std::unexpected(url.error()));
    if (sent) {
      if (auto ok = status_of(c.query("DELETE FROM alarm_outbox WHERE id = ?1", {id})); !ok) return ok;
      continue;
    }
    const std::int64_t attempts = r.int64(3) + 1;
    const std::string error = sent.error().message.substr(0, store::k_max_text_bytes);
    if (attempts < w.max_attempts) {
      std::int64_t backoff = w.first_backoff_ms;
      for (std::int64_t i = 1; i < attempts && backoff < w.max_backoff_ms; ++i) backoff *= 2;
      backoff = std::min(backoff, w.max_backoff_ms);
      if (auto ok = status_of(c.query(
              "UPDATE alarm_outbox SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4 WHERE id = ?1",
              {id, attempts, now_ms + backoff, error}));
          !ok)
        return ok;
      continue;
    }
    auto tx = Transaction::begin(c);
    if (!tx) return std::unexpected(tx.error());
    if (auto ok = status_of(
            c.query("INSERT INTO alarm_dead_letters (url, body, created_ms, attempts, failed_ms, last_error) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    {r.text(1), r.text(2), r.int64(4), attempts, now_ms, error}));
        !ok)
      return ok;
    if (auto ok = status_of(c.query("DELETE FROM alarm_outbox WHERE id = ?1", {id})); !ok) return ok;
    if (auto ok = tx->commit(); !ok) return ok;
  }
  return {};
}

Result<std::vector<DeadLetter>> AlarmManager::dead_letters(std::int64_t after_id, std::int64_t limit) {
  if (limit < 1 || limit > 1000)
    return fail(ErrorCode::invalid_argument, "page size: {} is outside 1..1000", limit);
  auto rows = store_->connection().query(
      "SELECT id, url, body, created_ms, attempts, failed_ms, last_error FROM alarm_dead_letters WHERE id > "
      "?1 "
      "ORDER BY id LIMIT ?2",
      {after_id, limit});
  if (!rows) return std::unexpected(rows.error());
  std::vector<DeadLetter> out;
  for (const Row& r : *rows)
    out.push_back({r.int64(0), r.text(1), r.text(2), r.int64(3), r.int64(4), r.int64(5), r.text(6)});
  return out;
}

Status AlarmManager::retry_dead_letter(std::int64_t id, std::string_view user, std::int64_t now_ms) {
  if (auto ok = check_user(user); !ok) return ok;
  if (auto ok = store::check_row_id("dead letter id", id); !ok) return ok;
  store::Connection& c = store_->connection();
  auto tx = Transaction::begin(c);
  if (!tx) return std::unexpected(tx.error());
  auto moved = c.query(
      "INSERT INTO alarm_outbox (url, body, created_ms, attempts, next_attempt_ms, last_error) "
      "SELECT url, body, created_ms, 0, ?2, '' FROM alarm_dead_letters WHERE id = ?1 RETURNING id",
      {id, now_ms});
  if (!moved) return std::unexpected(moved.error());
  if (moved->empty()) return fail(ErrorCode::not_found, "dead letter {}: no such notification", id);
  if (auto ok = status_of(c.query("DELETE FROM alarm_dead_letters WHERE id = ?1", {id})); !ok) return ok;
  auto audited = store_->audit().append(
      {0, now_ms, std::string(user), "alarm.webhook_retry", fmt::format("dead_letter/{}", id), ""});
  if (!audited) return std::unexpected(audited.error());
  return tx->commit();
}

Result<std::int64_t> AlarmManager::pending_notifications() {
  auto rows = store_->connection().query("SELECT count(*) FROM alarm_outbox", {});
  if (!rows) return std::unexpected(rows.error());
  return rows->front().int64(0);
}

Result<Alarm> AlarmManager::alarm(std::int64_t id) { return load(id); }

Result<AlarmPage> AlarmManager::list(const AlarmFilter& filter, std::int64_t after_id, std::int64_t limit) {
  if (limit < 1 || limit > 1000)
    return fail(ErrorCode::invalid_argument, "page size: {} is outside 1..1000", limit);
  const std::string sql = fmt::format(
      "SELECT {} WHERE i.id > ?1 AND (?2 < 0 OR i.asset_id = ?2) AND (?3 = 1 OR i.closed = 0) "
      "ORDER BY i.id LIMIT ?4",
      k_columns);
  AlarmPage page;
  // Hidden alarms are filtered here (suppression by design is configuration, not a column): read on until
  // the page is full or the table ends.
  for (std::int64_t cursor = after_id;;) {
    auto rows = store_->connection().query(
        sql, {cursor, filter.asset_id.value_or(-1), std::int64_t{filter.include_normal}, limit + 1});
    if (!rows) return std::unexpected(rows.error());
    for (const Row& r : *rows) {
      Alarm a = from_row(r);
      cursor = a.id;
      if (!filter.include_hidden && !a.visible()) continue;
      if (static_cast<std::int64_t>(page.alarms.size()) == limit) {
        page.next_after_id = page.alarms.back().id;
        return page;
      }
      page.alarms.push_back(std::move(a));
    }
    if (static_cast<std::int64_t>(rows->size()) <= limit) return page;
  }
}

Result<std::vector<AssetAlarms>> AlarmManager::list_by_asset(const AlarmFilter& filter) {
  AlarmFilter open = filter;
  open.include_normal = false;
  std::map<std::pair<std::int64_t, std::string>, std::vector<Alarm>> groups;
  for (std::int64_t after = 0;;) {
    auto page = list(open, after, 1000);
    if (!page) return std::unexpected(page.error());
    for (Alarm& a : page->alarms) groups[{a.point.asset_id, a.point.node}].push_back(std::move(a));
    if (page->next_after_id == 0) break;
    after = page->next_after_id;
  }
  std::vector<AssetAlarms> out;
  for (auto& [key, alarms] : groups) out.push_back({key.first, key.second, std::move(alarms)});
  return out;
}

Result<std::vector<HistoryEntry>> AlarmManager::history(std::int64_t id, std::int64_t after_id,
                                                        std::int64_t limit) {
  if (limit < 1 || limit > 1000)
    return fail(ErrorCode::invalid_argument, "page size: {} is outside 1..1000", limit);
  if (auto a = load(id); !a) return std::unexpected(a.error());
  auto rows = store_->connection().query(
      "SELECT id, ts_ms, what, state, actor, detail FROM alarm_history WHERE alarm_id = ?1 AND id > ?2 "
      "ORDER BY id LIMIT ?3",
      {id, after_id, limit});
  if (!rows) return std::unexpected(rows.error());
  std::vector<HistoryEntry> out;
  for (const Row& r : *rows)
    out.push_back(
        {r.int64(0), id, r.int64(1), r.text(2), from_text(k_states, r.text(3)), r.text(4), r.text(5)});
  return out;
}

Result<Kpis> AlarmManager::kpis(const Area& area, std::int64_t from_ms, std::int64_t to_ms) {
  if (from_ms >= to_ms)
    return fail(ErrorCode::invalid_argument, "KPI range: from {} ms is not before to {} ms", from_ms, to_ms);
  // The assets of the area, from the registry's places (node alarms belong to the plant only).
  std::set<std::int64_t> lines;
  if (area.kind == Area::Kind::line) lines.insert(area.id);
  if (area.kind == Area::Kind::site) {
    auto sites = store_->registry().sites();
    if (!sites) return std::unexpected(sites.error());
    if (std::ranges::find(*sites, area.id, &store::Site::id) == sites->end())
      return fail(ErrorCode::not_found, "KPI area: no site {}", area.id);
    auto site_lines = store_->registry().lines(area.id);
    if (!site_lines) return std::unexpected(site_lines.error());
    for (const store::Line& l : *site_lines) lines.insert(l.id);
  }
  std::set<std::int64_t> assets;
  if (area.kind != Area::Kind::plant)
    for (std::int64_t after = 0;;) {
      auto page = store_->registry().assets(after, 1000);
      if (!page) return std::unexpected(page.error());
      for (const store::Asset& a : *page)
        if (a.line_id && lines.contains(*a.line_id)) assets.insert(a.id);
      if (page->size() < 1000) break;
      after = page->back().id;
    }
  const auto in_area = [&](std::int64_t asset_id) {
    return area.kind == Area::Kind::plant || assets.contains(asset_id);
  };

  // Every transition of the instances that can overlap the range (closed ones only when they closed
  // inside it), in order per instance.
  auto rows = store_->connection().query(
      "SELECT h.alarm_id, h.ts_ms, h.state, h.annunciated, i.definition, i.asset_id, i.node "
      "FROM alarm_history h JOIN alarm_instances i ON i.id = h.alarm_id "
      "WHERE h.ts_ms < ?2 AND (i.closed = 0 OR i.changed_ms >= ?1) ORDER BY h.alarm_id, h.id",
      {from_ms, to_ms});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Annunciation> annunciations;
  std::vector<ActivePeriod> periods;
  std::optional<ActivePeriod> open;
  const auto close_open = [&](std::int64_t end_ms) {
    if (!open) return;
    open->end_ms = end_ms;
    periods.push_back(*open);
    open.reset();
  };
  std::int64_t current = 0;
  for (const Row& r : *rows) {
    const AlarmPoint point{r.text(4), r.int64(5), r.text(6)};
    if (!in_area(point.asset_id)) continue;
    const std::int64_t alarm_id = r.int64(0), ts = r.int64(1);
    if (alarm_id != current) {
      if (open) periods.push_back(*open);  // still in alarm at `to`
      open.reset();
      current = alarm_id;
    }
    if (r.int64(3) != 0) {
      annunciations.push_back({ts, point});
      if (!open) open = ActivePeriod{alarm_id, point, ts, 0};
    }
    if (!in_alarm(from_text(k_states, r.text(2)))) close_open(ts);
  }
  if (open) periods.push_back(*open);
  return compute_kpis(annunciations, periods, from_ms, to_ms);
}

}  // namespace vigil::hub::alarms
