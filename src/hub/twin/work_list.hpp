// The plant's work list: every asset whose edge recommends an action other than "none", most urgent first,
// with the latest safe date, the action, why, the spare part and where the asset is. Urgency weighs the
// time left by the asset's criticality (docs/formats/hub-twin.md, "Work list").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/store/store.hpp"
#include "hub/twin/twin.hpp"

namespace vigil::hub::twin {

// An unset criticality (0) weighs as the middle of 1..5, so an asset nobody rated neither hides nor jumps
// the queue.
inline constexpr int k_unset_criticality_weight = 3;
inline constexpr std::int64_t k_max_work_list_limit = 1000;

struct WorkItem {
  std::int64_t rank = 0;  // 1-based position in the whole list
  std::int64_t asset_id = 0;
  std::string device_id;
  int criticality = 0;  // as in the registry (0: unset)
  // criticality weight / max(hours to the latest safe date, 1); 0 without a safe date.
  double urgency = 0;
  std::optional<SafeDate> latest_safe_date;
  std::string action, reason;
  std::string spare_part;
  SparePartSource spare_part_source = SparePartSource::none;
  std::string location;
};

// The items ranked offset+1 .. offset+limit (limit 1..k_max_work_list_limit, offset >= 0) of the whole list,
// ordered by urgency (highest first); ties by the earlier safe date, then the higher criticality weight,
// then the lower asset id, so pages are stable while the data is. Items without a safe date come last,
// by criticality weight and asset id.
Result<std::vector<WorkItem>> work_list(store::Store& store, std::int64_t now_ms, std::int64_t limit,
                                        std::int64_t offset = 0);

}  // namespace vigil::hub::twin
