// The registry (sites, lines, assets, edge nodes), an asset's series, state and evidence, and the audit log.
#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>

#include "core/base64.hpp"
#include "hub/api/request_parsing.hpp"
#include "hub/api/routes.hpp"
#include "hub/store/validate.hpp"

namespace vigil::hub::api {
namespace {

using store::Store;

constexpr std::int64_t k_max_series_points = 10'000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json asset_json(const store::Asset& a) {
  return {{"id", a.id},
          {"group_id", a.group_id},
          {"node_id", a.node_id},
          {"device_id", a.device_id},
          {"line_id", a.line_id ? nlohmann::json(*a.line_id) : nlohmann::json()},
          {"bearing", a.metadata.bearing},
          {"machine_class", a.metadata.machine_class},
          {"criticality", a.metadata.criticality},
          {"location", a.metadata.location},
          {"spare_part", a.metadata.spare_part},
          {"first_seen_ms", a.first_seen_ms},
          {"online", a.online},
          {"stale_since_ms", a.stale_since_ms}};
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A page of `items` (already in cursor order) from a list read whole: those with cursor > after.
template <typename T, typename Cursor, typename ToJson>
Response page_of(const std::vector<T>& all, const Page& page, Cursor cursor, ToJson to_json) {
  nlohmann::json items = nlohmann::json::array();
  std::int64_t last = 0;
  bool more = false;
  for (const T& item : all) {
    if (cursor(item) <= page.after) continue;
    if (static_cast<std::int64_t>(items.size()) == page.limit) {
      more = true;
      break;
    }
    items.push_back(to_json(item));
    last = cursor(item);
  }
  return page_response(std::move(items), more ? nlohmann::json(last) : nlohmann::json());
}

Response patch_asset(SharedStore& shared, EventBus& events, Request& request) {
  auto id = path_id(request, "id");
  if (!id) return error_response(id.error());
  auto body = json_body(request);
  if (!body) return error_response(body.error());
  if (auto ok = only_fields(*body,
                            {"bearing", "machine_class", "criticality", "location", "spare_part", "line_id"});
      !ok)
    return error_response(ok.error());
  // Every field is checked before anything is read or written.
  std::vector<std::pair<std::string_view, std::optional<std::string>>> texts;
  for (const auto name : {"bearing", "machine_class", "location", "spare_part"}) {
    auto text = string_field(*body, name, store::k_max_text_bytes);
    if (!text) return error_response(text.error());
    texts.emplace_back(name, std::move(*text));
  }
  auto criticality = int_field(*body, "criticality", 0, store::k_max_criticality);
  if (!criticality) return error_response(criticality.error());
  std::optional<std::optional<std::int64_t>> line;  // outer: given; inner: null takes the asset off its line
  if (body->contains("line_id")) {
    if ((*body)["line_id"].is_null()) {
      line.emplace(std::nullopt);
    } else {
      auto line_id = int_field(*body, "line_id", 1, std::numeric_limits<std::int64_t>::max());
      if (!line_id) return error_response(line_id.error());
      line.emplace(*line_id);
    }
  }
  auto updated = shared.with([&](Store& s) -> Result<store::Asset> {
    auto tx = store::Transaction::begin(s.connection());
    if (!tx) return std::unexpected(tx.error());
    auto asset = s.registry().asset(*id);
    if (!asset) return std::unexpected(asset.error());
    store::AssetMetadata m = asset->metadata;
    for (const auto& [name, value] : texts) {
      if (!value) continue;
      if (name == "bearing") m.bearing = *value;
      if (name == "machine_class") m.machine_class = *value;
      if (name == "location") m.location = *value;
      if (name == "spare_part") m.spare_part = *value;
    }
    if (*criticality) m.criticality = static_cast<int>(**criticality);
    if (auto ok = s.registry().set_metadata(*id, m); !ok) return std::unexpected(ok.error());
    if (line)
      if (auto ok = s.registry().place_asset(*id, *line); !ok) return std::unexpected(ok.error());
    auto entry = s.audit().append(
        {0, now_ms(), request.user->name, "asset.update", fmt::format("asset/{}", *id), dump(*body)});
    if (!entry) return std::unexpected(entry.error());
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return s.registry().asset(*id);
  });
  if (!updated) return error_response(updated.error());
  auto json = asset_json(*updated);
  events.publish("asset.updated", json);
  return json_response(200, dump(json));
}

Response series(SharedStore& shared, Request& request) {
  auto id = path_id(request, "id");
  if (!id) return error_response(id.error());
  const std::string& metric = request.path_params.at("metric");
  if (auto ok = store::check_id("path parameter metric", metric); !ok) return error_response(ok.error());
  constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
  auto from = query_int(request.query, "from", -1, 0, k_max - 1);
  auto to = query_int(request.query, "to", -1, 1, k_max);
  auto points = query_int(request.query, "points", 1000, 1, k_max_series_points);
  for (const auto* r : {&from, &to, &points})
    if (!*r) return error_response(r->error());
  if (*from < 0 || *to < 0)
    return error_response(400, "invalid_request", "query parameters from and to are required (Unix ms)");
  if (*to <= *from) return error_response(400, "invalid_request", "query parameter to: must be after from");
  auto buckets = shared.with([&](Store& s) -> Result<std::vector<store::Bucket>> {
    if (auto asset = s.registry().asset(*id); !asset) return std::unexpected(asset.error());
    return s.series().query(*id, metric, *from, *to, *points);
  });
  if (!buckets) return error_response(buckets.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& b : *buckets)
    items.push_back(
        {{"start_ms", b.start_ms}, {"min", b.min}, {"max", b.max}, {"mean", b.mean}, {"count", b.count}});
  const std::int64_t width = (*to - *from + *points - 1) / *points;
  return json_response(200, dump({{"asset_id", *id},
                                  {"metric", metric},
                                  {"from_ms", *from},
                                  {"to_ms", *to},
                                  {"bucket_ms", width},
                                  {"items", std::move(items)}}));
}

Response state(SharedStore& shared, Request& request) {
  auto id = path_id(request, "id");
  if (!id) return error_response(id.error());
  nlohmann::json numbers = nlohmann::json::array(), texts = nlohmann::json::array();
  auto ok = shared.with([&](Store& s) -> Status {
    if (auto asset = s.registry().asset(*id); !asset) return std::unexpected(asset.error());
    auto values = s.series().latest_values(*id);
    if (!values) return std::unexpected(values.error());
    for (const auto& v : *values)
      numbers.push_back({{"metric", v.metric}, {"ts_ms", v.ts_ms}, {"value", v.value}});
    auto strings = s.state().texts(*id);
    if (!strings) return std::unexpected(strings.error());
    for (const auto& t : *strings)
      texts.push_back({{"metric", t.metric}, {"ts_ms", t.ts_ms}, {"value", t.value}});
    return {};
  });
  if (!ok) return error_response(ok.error());
  return json_response(
      200, dump({{"asset_id", *id}, {"numbers", std::move(numbers)}, {"texts", std::move(texts)}}));
}

Response evidence(SharedStore& shared, Request& request) {
  auto id = path_id(request, "id");
  if (!id) return error_response(id.error());
  const std::string& metric = request.path_params.at("metric");
  if (auto ok = store::check_id("path parameter metric", metric); !ok) return error_response(ok.error());
  constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
  auto before = query_int(request.query, "before", k_max, 1, k_max);
  if (!before) return error_response(before.error());
  auto limit = query_int(request.query, "limit", 10, 1, 100);
  if (!limit) return error_response(limit.error());
  auto items = shared.with([&](Store& s) -> Result<std::vector<store::EvidenceItem>> {
    if (auto asset = s.registry().asset(*id); !asset) return std::unexpected(asset.error());
    return s.state().evidence(*id, metric, *before, *limit);
  });
  if (!items) return error_response(items.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : *items)
    out.push_back({{"metric", e.metric}, {"ts_ms", e.ts_ms}, {"data_base64", base64_encode(e.data)}});
  const bool more = static_cast<std::int64_t>(items->size()) == *limit;
  return page_response(std::move(out), more ? nlohmann::json(items->back().ts_ms) : nlohmann::json());
}

}  // namespace

namespace {

// POST of a named place (site, line, measurement point): get-or-create by name, audited, 201 with the place.
Response create_place(SharedStore& shared, Request& r, std::string_view action,
                      const std::function<Result<nlohmann::json>(Store&, const std::string& name)>& create) {
  auto body = json_body(r);
  if (!body) return error_response(body.error());
  if (auto ok = only_fields(*body, {"name"}); !ok) return error_response(ok.error());
  auto name = required_string(*body, "name", store::k_max_id_bytes);
  if (!name) return error_response(name.error());
  if (name->empty()) return error_response(400, "invalid_request", "field name: empty");
  auto place = shared.with([&](Store& s) -> Result<nlohmann::json> {
    auto tx = store::Transaction::begin(s.connection());
    if (!tx) return std::unexpected(tx.error());
    auto created = create(s, *name);
    if (!created) return created;
    auto entry = s.audit().append(
        {0, now_ms(), r.user->name, std::string(action),
         fmt::format("{}/{}", action.substr(0, action.find('.')), (*created)["id"].get<std::int64_t>()),
         dump(*body)});
    if (!entry) return std::unexpected(entry.error());
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return created;
  });
  if (!place) return error_response(place.error());
  return json_response(201, dump(*place));
}

}  // namespace

void add_store_routes(Router& router, SharedStore& shared, EventBus& events, NodeValues node_values) {
  router.add(Method::get, "/api/v1/sites", Role::viewer, [&shared](Request& r) {
    auto page = page_params(r);
    if (!page) return error_response(page.error());
    auto sites = shared.with([](Store& s) { return s.registry().sites(); });
    if (!sites) return error_response(sites.error());
    return page_of(
        *sites, *page, [](const store::Site& s) { return s.id; },
        [](const store::Site& s) {
          return nlohmann::json{{"id", s.id}, {"name", s.name}};
        });
  });
  router.add(Method::get, "/api/v1/sites/{id}/lines", Role::viewer, [&shared](Request& r) {
    auto id = path_id(r, "id");
    if (!id) return error_response(id.error());
    auto page = page_params(r);
    if (!page) return error_response(page.error());
    auto lines = shared.with([&](Store& s) -> Result<std::vector<store::Line>> {
      auto sites = s.registry().sites();
      if (!sites) return std::unexpected(sites.error());
      if (std::none_of(sites->begin(), sites->end(), [&](const store::Site& site) { return site.id == *id; }))
        return fail(ErrorCode::not_found, "site {}: no such site", *id);
      return s.registry().lines(*id);
    });
    if (!lines) return error_response(lines.error());
    return page_of(
        *lines, *page, [](const store::Line& l) { return l.id; },
        [](const store::Line& l) {
          return nlohmann::json{{"id", l.id}, {"site_id", l.site_id}, {"name", l.name}};
        });
  });
  router.add(Method::post, "/api/v1/sites", Role::admin, [&shared](Request& r) {
    return create_place(shared, r, "site.create",
                        [](Store& s, const std::string& name) -> Result<nlohmann::json> {
                          auto id = s.registry().add_site(name);
                          if (!id) return std::unexpected(id.error());
                          return nlohmann::json{{"id", *id}, {"name", name}};
                        });
  });
  router.add(Method::post, "/api/v1/sites/{id}/lines", Role::admin, [&shared](Request& r) {
    auto site = path_id(r, "id");
    if (!site) return error_response(site.error());
    return create_place(shared, r, "line.create",
                        [&](Store& s, const std::string& name) -> Result<nlohmann::json> {
                          auto id = s.registry().add_line(*site, name);
                          if (!id) return std::unexpected(id.error());
                          return nlohmann::json{{"id", *id}, {"site_id", *site}, {"name", name}};
                        });
  });
  router.add(Method::get, "/api/v1/assets/{id}/points", Role::viewer, [&shared](Request& r) {
    auto id = path_id(r, "id");
    if (!id) return error_response(id.error());
    auto page = page_params(r);
    if (!page) return error_response(page.error());
    auto points = shared.with([&](Store& s) -> Result<std::vector<store::MeasurementPoint>> {
      if (auto a = s.registry().asset(*id); !a) return std::unexpected(a.error());
      return s.registry().points(*id);
    });
    if (!points) return error_response(points.error());
    return page_of(
        *points, *page, [](const store::MeasurementPoint& p) { return p.id; },
        [](const store::MeasurementPoint& p) {
          return nlohmann::json{{"id", p.id}, {"asset_id", p.asset_id}, {"name", p.name}};
        });
  });
  router.add(Method::post, "/api/v1/assets/{id}/points", Role::operator_, [&shared](Request& r) {
    auto asset = path_id(r, "id");
    if (!asset) return error_response(asset.error());
    return create_place(shared, r, "point.create",
                        [&](Store& s, const std::string& name) -> Result<nlohmann::json> {
                          auto id = s.registry().add_point(*asset, name);
                          if (!id) return std::unexpected(id.error());
                          return nlohmann::json{{"id", *id}, {"asset_id", *asset}, {"name", name}};
                        });
  });
  router.add(Method::get, "/api/v1/assets", Role::viewer, [&shared](Request& r) {
    auto page = page_params(r);
    if (!page) return error_response(page.error());
    auto assets = shared.with([&](Store& s) { return s.registry().assets(page->after, page->limit); });
    if (!assets) return error_response(assets.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& a : *assets) items.push_back(asset_json(a));
    const bool more = static_cast<std::int64_t>(assets->size()) == page->limit;
    return page_response(std::move(items), more ? nlohmann::json(assets->back().id) : nlohmann::json());
  });
  router.add(Method::get, "/api/v1/assets/{id}", Role::viewer, [&shared](Request& r) {
    auto id = path_id(r, "id");
    if (!id) return error_response(id.error());
    auto asset = shared.with([&](Store& s) { return s.registry().asset(*id); });
    if (!asset) return error_response(asset.error());
    return json_response(200, dump(asset_json(*asset)));
  });
  router.add(Method::patch, "/api/v1/assets/{id}", Role::operator_,
             [&shared, &events](Request& r) { return patch_asset(shared, events, r); });
  router.add(Method::get, "/api/v1/assets/{id}/series/{metric}", Role::viewer,
             [&shared](Request& r) { return series(shared, r); });
  router.add(Method::get, "/api/v1/assets/{id}/state", Role::viewer,
             [&shared](Request& r) { return state(shared, r); });
  router.add(Method::get, "/api/v1/assets/{id}/evidence/{metric}", Role::viewer,
             [&shared](Request& r) { return evidence(shared, r); });
  router.add(Method::get, "/api/v1/edge-nodes", Role::viewer, [&shared, node_values](Request& r) {
    auto page = page_params(r);
    if (!page) return error_response(page.error());
    auto nodes = shared.with([](Store& s) { return s.registry().edge_nodes(); });
    if (!nodes) return error_response(nodes.error());
    // Edge nodes have no id: the cursor is the position in the list (ordered by group and node).
    std::vector<std::pair<std::int64_t, store::EdgeNode>> numbered;
    for (std::size_t i = 0; i < nodes->size(); ++i)
      numbered.emplace_back(static_cast<std::int64_t>(i + 1), (*nodes)[i]);
    return page_of(
        numbered, *page, [](const auto& n) { return n.first; },
        [&node_values](const auto& n) {
          const store::EdgeNode& e = n.second;
          nlohmann::json item{{"group_id", e.group_id},
                              {"node_id", e.node_id},
                              {"bd_seq", e.bd_seq},
                              {"online", e.online},
                              {"last_seen_ms", e.last_seen_ms}};
          if (node_values) item["metrics"] = node_values(e.group_id, e.node_id);
          return item;
        });
  });
  router.add(Method::get, "/api/v1/audit", Role::admin, [&shared](Request& r) {
    auto page = page_params(r);
    if (!page) return error_response(page.error());
    auto entries = shared.with([&](Store& s) { return s.audit().list(page->after, page->limit); });
    if (!entries) return error_response(entries.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& e : *entries)
      items.push_back({{"id", e.id},
                       {"ts_ms", e.ts_ms},
                       {"actor", e.actor},
                       {"action", e.action},
                       {"target", e.target},
                       {"detail", e.detail}});
    const bool more = static_cast<std::int64_t>(entries->size()) == page->limit;
    return page_response(std::move(items), more ? nlohmann::json(entries->back().id) : nlohmann::json());
  });
}

}  // namespace vigil::hub::api
