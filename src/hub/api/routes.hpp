// The API's routes, added to a Router by the part of the hub that owns them (docs/openapi.yaml describes
// every one). Alarms and twins add theirs from their own files the same way.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/api/auth.hpp"
#include "hub/api/event_bus.hpp"
#include "hub/api/metrics.hpp"
#include "hub/api/router.hpp"
#include "hub/api/shared_store.hpp"

namespace vigil::hub::api {

// POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me; the users (admin).
void add_auth_routes(Router& router, Auth& auth);
// An edge node's latest node-level values (backlog, evictions, model versions), by Sparkplug metric name.
using NodeValues = std::function<nlohmann::json(const std::string& group_id, const std::string& node_id)>;
// The registry, series, state and evidence, edge nodes (with `node_values`' "metrics" when given), the audit
// log. A PATCH of an asset publishes "asset.updated" on `events`.
void add_store_routes(Router& router, SharedStore& store, EventBus& events, NodeValues node_values = {});
// GET /healthz (anyone), GET /metrics (viewer), GET /api/v1/events (viewer; the live stream, each
// connection with a queue of `live_queue_events`).
void add_system_routes(Router& router, MetricsRegistry& metrics, EventBus& events,
                       std::size_t live_queue_events);

// Helpers for route handlers.
// {"items": items, "next": next} — next is null on the last page.
Response page_response(nlohmann::json items, nlohmann::json next);
// The body as a JSON object; a content type other than application/json is an `unsupported` error (415).
Result<nlohmann::json> json_body(const Request& request);
// The path parameter `name` as a row id (1..2^63-1).
Result<std::int64_t> path_id(const Request& request, std::string_view name);
// The page parameters ?after= (default 0) and ?limit= (default 100, 1..1000).
struct Page {
  std::int64_t after = 0;
  std::int64_t limit = 100;
};
Result<Page> page_params(const Request& request);

}  // namespace vigil::hub::api
