// JSON of the twin, the work list and the what-if (shapes in docs/formats/hub-twin.md and
// docs/hub-what-if.md), and one function per API route, so a route handler only maps errors to statuses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/twin/twin.hpp"
#include "hub/twin/what_if.hpp"
#include "hub/twin/work_list.hpp"

namespace vigil::hub::twin {

nlohmann::json to_json(const Twin& twin);
nlohmann::json to_json(const std::vector<WorkItem>& items, std::int64_t now_ms);
nlohmann::json to_json(const WhatIf& what_if);

// GET /api/v1/assets/{id}/twin
Result<std::string> twin_json(store::Store& store, std::int64_t asset_id, std::int64_t now_ms);
// GET /api/v1/work-list?limit=&offset=
Result<std::string> work_list_json(store::Store& store, std::int64_t now_ms, std::int64_t limit,
                                   std::int64_t offset);
// POST /api/v1/assets/{id}/what-if with the request body
Result<std::string> what_if_json(store::Store& store, std::int64_t asset_id, std::string_view body);

}  // namespace vigil::hub::twin
