#include "hub/hub_routes.hpp"

#include <fstream>
#include <sstream>

#include "hub/api/request_parsing.hpp"
#include "hub/api/routes.hpp"
#include "hub/twin/twin_json.hpp"

namespace vigil::hub {
namespace {

using api::Method;
using api::Request;
using api::Response;
using api::Role;

nlohmann::json point_json(const alarms::AlarmPoint& p) {
  return {{"definition", p.definition}, {"asset_id", p.asset_id}, {"node", p.node}};
}

Response text_or_error(const Result<std::string>& body) {
  return body ? api::json_response(200, *body) : api::error_response(body.error());
}

Response ok_or_error(const Status& status) {
  return status ? api::json_response(200, R"({"ok":true})") : api::error_response(status.error());
}

Result<alarms::Area> area_of(const Request& r) {
  const auto it = r.query.find("area");
  if (it == r.query.end() || it->second == "plant") return alarms::Area{};
  const std::string& a = it->second;
  const auto colon = a.find(':');
  const std::string kind = a.substr(0, colon);
  if (colon == std::string::npos || (kind != "site" && kind != "line"))
    return fail(ErrorCode::invalid_argument, "area: '{}' is not plant, site:<id> or line:<id>", a);
  std::map<std::string, std::string> id{{"id", a.substr(colon + 1)}};
  auto n = api::query_int(id, "id", 0, 1, std::numeric_limits<std::int64_t>::max());
  if (!n) return std::unexpected(n.error().with_context("area"));
  return alarms::Area{kind == "site" ? alarms::Area::Kind::site : alarms::Area::Kind::line, *n};
}

std::string content_type(const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".json") return "application/json";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

}  // namespace

nlohmann::json to_json(const alarms::Alarm& a, const alarms::AlarmManager& manager) {
  nlohmann::json j{{"id", a.id},
                   {"point", point_json(a.point)},
                   {"priority", alarms::to_string(a.priority)},
                   {"state", alarms::to_string(a.state)},
                   {"condition", a.condition},
                   {"shelved", a.shelved},
                   {"shelved_until_ms", a.shelved_until_ms},
                   {"out_of_service", a.out_of_service},
                   {"suppressed_by_design", a.suppressed_by_design},
                   {"work", alarms::to_string(a.work)},
                   {"assignee", a.assignee},
                   {"found_fault", a.found_fault},
                   {"opened_ms", a.opened_ms},
                   {"activated_ms", a.activated_ms},
                   {"changed_ms", a.changed_ms},
                   {"activations", a.activations},
                   {"detail", a.detail}};
  for (const auto& d : manager.definitions()) {
    if (d.key != a.point.definition) continue;
    j["rationalisation"] = {{"cause", d.cause},
                            {"consequence", d.consequence},
                            {"corrective_action", d.corrective_action},
                            {"time_to_respond_ms", d.time_to_respond_ms},
                            {"latching", d.latching}};
  }
  return j;
}

nlohmann::json to_json(const alarms::AlarmEvent& e) {
  return {{"alarm_id", e.alarm_id},
          {"point", point_json(e.point)},
          {"priority", alarms::to_string(e.priority)},
          {"state", alarms::to_string(e.state)},
          {"what", e.what},
          {"visible", e.visible},
          {"ts_ms", e.ts_ms},
          {"actor", e.actor}};
}

void add_twin_routes(api::Router& router, api::SharedStore& shared, Clock now_ms) {
  router.add(Method::get, "/api/v1/assets/{id}/twin", Role::viewer, [&shared, now_ms](Request& r) {
    auto id = api::path_id(r, "id");
    if (!id) return api::error_response(id.error());
    return text_or_error(shared.with([&](store::Store& s) { return twin::twin_json(s, *id, now_ms()); }));
  });
  router.add(Method::get, "/api/v1/work-list", Role::viewer, [&shared, now_ms](Request& r) {
    auto limit = api::query_int(r.query, "limit", 50, 1, 1000);
    if (!limit) return api::error_response(limit.error());
    auto offset = api::query_int(r.query, "offset", 0, 0, 1'000'000);
    if (!offset) return api::error_response(offset.error());
    return text_or_error(
        shared.with([&](store::Store& s) { return twin::work_list_json(s, now_ms(), *limit, *offset); }));
  });
  // A calculation, not a change: a viewer may ask.
  router.add(Method::post, "/api/v1/assets/{id}/what-if", Role::viewer, [&shared](Request& r) {
    auto id = api::path_id(r, "id");
    if (!id) return api::error_response(id.error());
    if (auto body = api::json_body(r); !body) return api::error_response(body.error());
    return text_or_error(shared.with([&](store::Store& s) { return twin::what_if_json(s, *id, r.body); }));
  });
}

void add_alarm_routes(api::Router& router, api::SharedStore& shared, alarms::AlarmManager& m, Clock now_ms,
                      std::function<void()> changed) {
  // Literal paths before /api/v1/alarms/{id}: the router takes the first route that matches.
  router.add(Method::get, "/api/v1/alarms/kpis", Role::viewer, [&shared, &m, now_ms](Request& r) {
    auto area = area_of(r);
    if (!area) return api::error_response(area.error());
    const std::int64_t now = now_ms();
    auto to = api::query_int(r.query, "to", now, 1, std::numeric_limits<std::int64_t>::max());
    if (!to) return api::error_response(to.error());
    auto from = api::query_int(r.query, "from", *to - 86'400'000, 0, *to - 1);
    if (!from) return api::error_response(from.error());
    auto k = shared.with([&](store::Store&) { return m.kpis(*area, *from, *to); });
    if (!k) return api::error_response(k.error());
    const auto counts = [](const std::vector<alarms::PointCount>& v) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& c : v) out.push_back({{"point", point_json(c.point)}, {"count", c.count}});
      return out;
    };
    nlohmann::json floods = nlohmann::json::array(), standing = nlohmann::json::array();
    for (const auto& f : k->floods)
      floods.push_back({{"start_ms", f.start_ms},
                        {"end_ms", f.end_ms},
                        {"ongoing", f.ongoing},
                        {"annunciations", f.annunciations}});
    for (const auto& p : k->standing)
      standing.push_back({{"alarm_id", p.alarm_id},
                          {"point", point_json(p.point)},
                          {"start_ms", p.start_ms},
                          {"end_ms", p.end_ms}});
    const nlohmann::json j{{"from_ms", k->from_ms},
                           {"to_ms", k->to_ms},
                           {"annunciations", k->annunciations},
                           {"average_per_10_min", k->average_per_10_min},
                           {"peak_per_10_min", k->peak_per_10_min},
                           {"floods", floods},
                           {"flood_time_ms", k->flood_time_ms},
                           {"chattering", counts(k->chattering)},
                           {"standing", standing},
                           {"top10", counts(k->top10)},
                           {"top10_share", k->top10_share}};
    return api::json_response(200, j.dump());
  });
  router.add(Method::get, "/api/v1/alarms/definitions", Role::viewer, [&m](Request&) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : m.definitions())
      items.push_back({{"key", d.key},
                       {"cause", d.cause},
                       {"consequence", d.consequence},
                       {"corrective_action", d.corrective_action},
                       {"time_to_respond_ms", d.time_to_respond_ms},
                       {"priority", alarms::to_string(d.priority)},
                       {"latching", d.latching},
                       {"suppressed_by_design", d.suppressed_by_design},
                       {"max_shelve_ms", d.max_shelve_ms}});
    return api::page_response(std::move(items), nullptr);
  });
  router.add(Method::get, "/api/v1/alarms/dead-letters", Role::admin, [&shared, &m](Request& r) {
    auto page = api::page_params(r);
    if (!page) return api::error_response(page.error());
    auto letters = shared.with([&](store::Store&) { return m.dead_letters(page->after, page->limit); });
    if (!letters) return api::error_response(letters.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : *letters)
      items.push_back({{"id", d.id},
                       {"url", d.url},
                       {"body", d.body},
                       {"created_ms", d.created_ms},
                       {"attempts", d.attempts},
                       {"failed_ms", d.failed_ms},
                       {"last_error", d.last_error}});
    const bool more = static_cast<std::int64_t>(letters->size()) == page->limit;
    return api::page_response(std::move(items), more ? nlohmann::json(letters->back().id) : nlohmann::json());
  });
  router.add(
      Method::post, "/api/v1/alarms/dead-letters/{id}/retry", Role::admin, [&shared, &m, now_ms](Request& r) {
        auto id = api::path_id(r, "id");
        if (!id) return api::error_response(id.error());
        return ok_or_error(
            shared.with([&](store::Store&) { return m.retry_dead_letter(*id, r.user->name, now_ms()); }));
      });
  router.add(Method::get, "/api/v1/alarms", Role::viewer, [&shared, &m](Request& r) {
    auto page = api::page_params(r);
    if (!page) return api::error_response(page.error());
    alarms::AlarmFilter filter;
    auto asset = api::query_int(r.query, "asset", 0, 0, std::numeric_limits<std::int64_t>::max());
    if (!asset) return api::error_response(asset.error());
    if (*asset > 0) filter.asset_id = *asset;
    filter.include_hidden = r.query.contains("hidden") && r.query.at("hidden") == "true";
    filter.include_normal = r.query.contains("normal") && r.query.at("normal") == "true";
    auto list = shared.with([&](store::Store&) { return m.list(filter, page->after, page->limit); });
    if (!list) return api::error_response(list.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& a : list->alarms) items.push_back(to_json(a, m));
    return api::page_response(
        std::move(items), list->next_after_id > 0 ? nlohmann::json(list->next_after_id) : nlohmann::json());
  });
  router.add(Method::get, "/api/v1/alarms/{id}", Role::viewer, [&shared, &m](Request& r) {
    auto id = api::path_id(r, "id");
    if (!id) return api::error_response(id.error());
    return shared.with([&](store::Store&) {
      auto alarm = m.alarm(*id);
      if (!alarm) return api::error_response(alarm.error());
      auto history = m.history(*id, 0, 1000);
      if (!history) return api::error_response(history.error());
      nlohmann::json j = to_json(*alarm, m);
      j["history"] = nlohmann::json::array();
      for (const auto& h : *history)
        j["history"].push_back({{"ts_ms", h.ts_ms},
                                {"what", h.what},
                                {"state", alarms::to_string(h.state)},
                                {"actor", h.actor},
                                {"detail", h.detail}});
      return api::json_response(200, j.dump());
    });
  });
  // The human actions: each takes the user from the token; the audit log records it.
  using Action = std::function<Status(std::int64_t id, const std::string& user, const nlohmann::json& body)>;
  const auto action = [&](std::string verb, std::initializer_list<std::string_view> fields, Action act) {
    router.add(
        Method::post, "/api/v1/alarms/{id}/" + verb, Role::operator_,
        [&shared, fields = std::vector<std::string_view>(fields), act, changed](Request& r) {
          auto id = api::path_id(r, "id");
          if (!id) return api::error_response(id.error());
          auto body = r.body.empty() ? Result<nlohmann::json>(nlohmann::json::object()) : api::json_body(r);
          if (!body) return api::error_response(body.error());
          if (auto ok = api::only_fields(*body, fields); !ok) return api::error_response(ok.error());
          const Status done = shared.with([&](store::Store&) { return act(*id, r.user->name, *body); });
          if (done && changed) changed();
          return ok_or_error(done);
        });
  };
  const auto text = [](const nlohmann::json& body, std::string_view field) -> Result<std::string> {
    auto v = api::string_field(body, field, alarms::k_max_comment_bytes);
    if (!v) return std::unexpected(v.error());
    return v->value_or("");
  };
  action("acknowledge", {"comment"},
         [&m, now_ms, text](std::int64_t id, const std::string& user, const nlohmann::json& b) {
           auto comment = text(b, "comment");
           if (!comment) return Status(std::unexpected(comment.error()));
           return m.acknowledge(id, user, *comment, now_ms());
         });
  action("reset", {}, [&m, now_ms](std::int64_t id, const std::string& user, const nlohmann::json&) {
    return m.reset(id, user, now_ms());
  });
  action("shelve", {"duration_s", "one_shot", "reason"},
         [&m, now_ms, text](std::int64_t id, const std::string& user, const nlohmann::json& b) -> Status {
           auto reason = text(b, "reason");
           if (!reason) return std::unexpected(reason.error());
           auto duration = api::int_field(b, "duration_s", 1, 366LL * 86400);
           if (!duration) return std::unexpected(duration.error());
           auto one_shot = api::bool_field(b, "one_shot");
           if (!one_shot) return std::unexpected(one_shot.error());
           if (duration->has_value() == one_shot->value_or(false))
             return fail(ErrorCode::invalid_argument, "shelve: give either duration_s or \"one_shot\": true");
           std::optional<std::int64_t> ms;
           if (*duration) ms = **duration * 1000;
           return m.shelve(id, user, ms, *reason, now_ms());
         });
  action("unshelve", {}, [&m, now_ms](std::int64_t id, const std::string& user, const nlohmann::json&) {
    return m.unshelve(id, user, now_ms());
  });
  action("out-of-service", {"enabled", "reason"},
         [&m, now_ms, text](std::int64_t id, const std::string& user, const nlohmann::json& b) -> Status {
           auto enabled = api::bool_field(b, "enabled");
           if (!enabled) return std::unexpected(enabled.error());
           if (!*enabled) return fail(ErrorCode::invalid_argument, "enabled: required (true or false)");
           auto reason = text(b, "reason");
           if (!reason) return std::unexpected(reason.error());
           return m.set_out_of_service(id, user, **enabled, *reason, now_ms());
         });
  action("assign", {"assignee"},
         [&m, now_ms, text](std::int64_t id, const std::string& user, const nlohmann::json& b) {
           auto assignee = text(b, "assignee");
           if (!assignee) return Status(std::unexpected(assignee.error()));
           return m.assign(id, user, *assignee, now_ms());
         });
  action("resolve", {"found_fault"},
         [&m, now_ms, text](std::int64_t id, const std::string& user, const nlohmann::json& b) {
           auto fault = text(b, "found_fault");
           if (!fault) return Status(std::unexpected(fault.error()));
           return m.resolve(id, user, *fault, now_ms());
         });
  action("comment", {"text"},
         [&m, now_ms, text](std::int64_t id, const std::string& user, const nlohmann::json& b) {
           auto t = text(b, "text");
           if (!t) return Status(std::unexpected(t.error()));
           return m.comment(id, user, *t, now_ms());
         });
}

void serve_web(api::Router& router, std::filesystem::path web_dir) {
  router.set_fallback([dir = std::move(web_dir)](Request& r) {
    auto segments = api::split_path(r.path);
    if (!segments) return api::error_response(404, "not_found", "no such file");
    std::filesystem::path file = dir;
    for (const std::string& s : *segments) {
      // Only plain names (segments come percent-decoded: "..%2F" is "../"): no way out of the folder, no
      // hidden files.
      if (s.empty() || s.front() == '.' || s.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos)
        return api::error_response(404, "not_found", "no such file");
      file /= s;
    }
    std::error_code ec;
    if (segments->empty() || std::filesystem::is_directory(file, ec)) file /= "index.html";
    const auto root = std::filesystem::weakly_canonical(dir, ec);
    const auto real = std::filesystem::weakly_canonical(file, ec);
    if (ec || real.string().rfind(root.string() + "/", 0) != 0)
      return api::error_response(404, "not_found", "no such file");
    std::ifstream in(file, std::ios::binary);
    if (!in) return api::error_response(404, "not_found", "no such file");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    Response response;
    response.content_type = content_type(file);
    response.body = std::move(bytes).str();
    return response;
  });
}

}  // namespace vigil::hub
