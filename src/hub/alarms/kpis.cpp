#include "hub/alarms/kpis.hpp"

#include <algorithm>
#include <map>

namespace vigil::hub::alarms {
namespace {

// Flood periods by a sweep over the moments the count of annunciations in the window (t - 10 min, t]
// changes: an annunciation enters at its time and leaves 10 minutes later. All changes at one instant are
// applied before the count is compared.
void find_floods(std::span<const std::int64_t> times, std::int64_t to_ms, Kpis& k) {
  std::vector<std::pair<std::int64_t, int>> changes;  // (time, +1 enter / -1 leave)
  for (std::int64_t t : times) {
    changes.emplace_back(t, +1);
    changes.emplace_back(t + k_kpi_window_ms, -1);
  }
  std::ranges::sort(changes);
  int in_window = 0;
  Flood* open = nullptr;
  for (std::size_t i = 0; i < changes.size();) {
    const std::int64_t t = changes[i].first;
    if (t >= to_ms) break;
    int entered = 0;
    for (; i < changes.size() && changes[i].first == t; ++i) {
      in_window += changes[i].second;
      entered += changes[i].second > 0 ? 1 : 0;
    }
    if (open != nullptr) {
      open->annunciations += entered;
      if (in_window < k_flood_end_count) {
        open->end_ms = t;
        open = nullptr;
      }
    } else if (in_window > k_flood_start_count) {
      open = &k.floods.emplace_back(Flood{t, 0, false, entered});
    }
  }
  if (open != nullptr) {
    open->end_ms = to_ms;
    open->ongoing = true;
  }
  for (const Flood& f : k.floods) k.flood_time_ms += f.end_ms - f.start_ms;
}

}  // namespace

Kpis compute_kpis(std::span<const Annunciation> annunciations, std::span<const ActivePeriod> periods,
                  std::int64_t from_ms, std::int64_t to_ms) {
  Kpis k;
  k.from_ms = from_ms;
  k.to_ms = to_ms;
  if (to_ms <= from_ms) return k;

  std::vector<std::int64_t> times;
  std::map<AlarmPoint, std::vector<std::int64_t>> by_point;
  for (const Annunciation& a : annunciations) {
    if (a.ts_ms < from_ms || a.ts_ms >= to_ms) continue;
    times.push_back(a.ts_ms);
    by_point[a.point].push_back(a.ts_ms);
  }
  std::ranges::sort(times);
  k.annunciations = static_cast<std::int64_t>(times.size());

  const std::int64_t buckets = (to_ms - from_ms + k_kpi_window_ms - 1) / k_kpi_window_ms;
  std::vector<std::int64_t> per_bucket(static_cast<std::size_t>(buckets));
  for (std::int64_t t : times) ++per_bucket[static_cast<std::size_t>((t - from_ms) / k_kpi_window_ms)];
  k.average_per_10_min = static_cast<double>(k.annunciations) / static_cast<double>(buckets);
  k.peak_per_10_min = std::ranges::max(per_bucket);

  find_floods(times, to_ms, k);

  std::vector<PointCount> counts;
  for (auto& [point, ts] : by_point) {
    std::ranges::sort(ts);
    const auto n = static_cast<std::int64_t>(ts.size());
    counts.push_back({point, n});
    for (std::size_t i = 0; i + k_chatter_count - 1 < ts.size(); ++i)
      if (ts[i + k_chatter_count - 1] - ts[i] < k_chatter_window_ms) {
        k.chattering.push_back({point, n});
        break;
      }
  }

  for (const ActivePeriod& p : periods) {
    const std::int64_t end = p.end_ms == 0 ? to_ms : std::min(p.end_ms, to_ms);
    if (p.start_ms < to_ms && end > from_ms && end - p.start_ms > k_standing_ms) k.standing.push_back(p);
  }
  std::ranges::sort(k.standing, {}, &ActivePeriod::start_ms);

  std::ranges::sort(counts, [](const PointCount& a, const PointCount& b) {
    return a.count != b.count ? a.count > b.count : a.point < b.point;
  });
  if (counts.size() > 10) counts.resize(10);
  std::int64_t top = 0;
  for (const PointCount& c : counts) top += c.count;
  k.top10 = std::move(counts);
  k.top10_share =
      k.annunciations == 0 ? 0.0 : static_cast<double>(top) / static_cast<double>(k.annunciations);
  return k;
}

}  // namespace vigil::hub::alarms
