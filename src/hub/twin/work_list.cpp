#include "hub/twin/work_list.hpp"

#include <algorithm>

namespace vigil::hub::twin {
namespace {

constexpr std::int64_t k_page = 1000;

int weight(int criticality) { return criticality > 0 ? criticality : k_unset_criticality_weight; }

// Strict weak order of the list: urgency, earlier date, weight, id (items without a date have urgency 0 and
// compare by weight and id).
bool before(const WorkItem& a, const WorkItem& b) {
  if (a.urgency != b.urgency) return a.urgency > b.urgency;
  if (a.latest_safe_date.has_value() != b.latest_safe_date.has_value()) return a.latest_safe_date.has_value();
  if (a.latest_safe_date && a.latest_safe_date->ts_ms != b.latest_safe_date->ts_ms) {
    return a.latest_safe_date->ts_ms < b.latest_safe_date->ts_ms;
  }
  if (weight(a.criticality) != weight(b.criticality)) return weight(a.criticality) > weight(b.criticality);
  return a.asset_id < b.asset_id;
}

}  // namespace

Result<std::vector<WorkItem>> work_list(store::Store& store, std::int64_t now_ms, std::int64_t limit,
                                        std::int64_t offset) {
  if (limit < 1 || limit > k_max_work_list_limit) {
    return fail(ErrorCode::invalid_argument, "limit: {} outside 1..{}", limit, k_max_work_list_limit);
  }
  if (offset < 0) return fail(ErrorCode::invalid_argument, "offset: {} < 0", offset);
  std::vector<WorkItem> items;
  for (std::int64_t after = 0;;) {
    auto page = store.registry().assets(after, k_page);
    if (!page) return std::unexpected(page.error());
    for (const store::Asset& asset : *page) {
      // The action alone decides whether the asset is on the list; only those get a whole twin.
      auto texts = store.state().texts(asset.id);
      if (!texts) return std::unexpected(texts.error());
      const auto action = std::find_if(texts->begin(), texts->end(),
                                       [](const auto& t) { return t.metric == metric::decision_action; });
      if (action == texts->end() || action->value == "none") continue;
      auto twin = build_twin(store, asset.id, now_ms);
      if (!twin) return std::unexpected(twin.error());
      const Prescriptive& p = twin->prescriptive;
      WorkItem item;
      item.asset_id = asset.id;
      item.device_id = asset.device_id;
      item.criticality = asset.metadata.criticality;
      item.latest_safe_date = p.latest_safe_date;
      if (p.latest_safe_date) {
        const double hours = static_cast<double>(p.latest_safe_date->ts_ms - now_ms) / k_ms_per_h;
        item.urgency = weight(item.criticality) / std::max(hours, 1.0);
      }
      item.action = p.action ? p.action->value : std::string();
      item.reason = p.reason ? p.reason->value : std::string();
      item.spare_part = p.spare_part;
      item.spare_part_source = p.spare_part_source;
      item.location = twin->location;
      items.push_back(std::move(item));
    }
    if (static_cast<std::int64_t>(page->size()) < k_page) break;
    after = page->back().id;
  }
  std::sort(items.begin(), items.end(), before);
  for (std::size_t i = 0; i < items.size(); ++i) items[i].rank = static_cast<std::int64_t>(i) + 1;
  if (offset >= static_cast<std::int64_t>(items.size())) return std::vector<WorkItem>{};
  const auto first = items.begin() + offset;
  const auto last = items.size() - static_cast<std::size_t>(offset) > static_cast<std::size_t>(limit)
                        ? first + limit
                        : items.end();
  return std::vector<WorkItem>(std::make_move_iterator(first), std::make_move_iterator(last));
}

}  // namespace vigil::hub::twin
