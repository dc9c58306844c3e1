// The API routes of the hub's own parts, beside the API library's (docs/openapi.yaml has them all): the
// digital twins, the work list and the what-if; the alarms; the dashboard's files.
#pragma once

#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "hub/alarms/alarm_manager.hpp"
#include "hub/api/router.hpp"
#include "hub/api/shared_store.hpp"

namespace vigil::hub {

using Clock = std::function<std::int64_t()>;  // Unix ms

// GET /api/v1/assets/{id}/twin, GET /api/v1/work-list, POST /api/v1/assets/{id}/what-if.
void add_twin_routes(api::Router& router, api::SharedStore& store, Clock now_ms);
// The alarms, their human actions (operator), KPIs, definitions and dead letters (admin). The manager works
// on `store`'s connection, so it is used under the same lock. `changed` is called (outside the lock) after
// each human action that succeeded, so its events go to the live clients at once.
void add_alarm_routes(api::Router& router, api::SharedStore& store, alarms::AlarmManager& manager,
                      Clock now_ms, std::function<void()> changed);
// The built dashboard in `web_dir` for every GET outside /api/ (index.html for "/").
void serve_web(api::Router& router, std::filesystem::path web_dir);

nlohmann::json to_json(const alarms::Alarm& alarm, const alarms::AlarmManager& manager);
nlohmann::json to_json(const alarms::AlarmEvent& event);

}  // namespace vigil::hub
