// The work list on both engines: six assets whose order follows from urgency = criticality weight /
// max(hours left, 1) by hand, the tie-breaks, assets without an action left out, and pages.
#include "hub/twin/work_list.hpp"

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::twin {
namespace VIGIL_TEST_FILE {

using store::test::EngineTest;
using WorkListTest = EngineTest;

constexpr std::int64_t k_hour_ms = 3'600'000;
constexpr std::int64_t k_now_ms = 472'222 * k_hour_ms;

struct Case {
  const char* device;
  int criticality;
  const char* action;
  std::optional<double> deadline_h;  // from now
};

// Urgencies: overdue (crit 1) 1/max(-5, 1) = 1; near (crit 2) 2/10 = 0.2; c80 (crit 4) 4/80 = 0.05;
// c100 (crit 5) 5/100 = 0.05, later date than c80; quiet: action none, not listed; undated (unset
// criticality, weight 3): no date, last.
constexpr Case k_cases[] = {
    {"c100", 5, "plan stop and replace", 100.0},
    {"near", 2, "inspect", 10.0},
    {"c80", 4, "inspect", 80.0},
    {"quiet", 5, "none", std::nullopt},
    {"undated", 0, "review trend", std::nullopt},
    {"overdue", 1, "plan stop and replace", -5.0},
};

void fill(store::Store& s) {
  for (const Case& c : k_cases) {
    const auto id = s.registry().register_asset("plant", "edge-1", c.device, 1000).value();
    store::AssetMetadata m;
    m.criticality = c.criticality;
    m.bearing = "6205-2RS";
    m.location = std::string("line 1, ") + c.device;
    if (std::string_view(c.device) == "near") m.spare_part = "motor kit 7";
    EXPECT_TRUE(s.registry().set_metadata(id, m));
    const std::int64_t ts = k_now_ms - k_hour_ms;
    EXPECT_TRUE(s.state().write_texts(std::vector<store::TextValue>{
        {id, "Decision/Action", ts, c.action}, {id, "Decision/Reason", ts, std::string("why ") + c.device}}));
    if (c.deadline_h) {
      const double deadline = static_cast<double>(k_now_ms) + *c.deadline_h * static_cast<double>(k_hour_ms);
      EXPECT_TRUE(s.series().write_live(std::vector<store::Sample>{{id, "Decision/Deadline", ts, deadline}}));
    }
  }
}

std::vector<std::string> devices(const std::vector<WorkItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.device_id);
  return out;
}

TEST_P(WorkListTest, OrdersByCriticalityWeightedUrgencyWithStatedTieBreaks) {
  auto s = open();
  ASSERT_TRUE(s);
  fill(*s);
  const auto items = work_list(*s, k_now_ms, 100);
  ASSERT_TRUE(items) << items.error().message;
  EXPECT_EQ(devices(*items), (std::vector<std::string>{"overdue", "near", "c80", "c100", "undated"}));
  const auto& all = *items;
  EXPECT_DOUBLE_EQ(all[0].urgency, 1.0);
  EXPECT_DOUBLE_EQ(all[1].urgency, 0.2);
  EXPECT_DOUBLE_EQ(all[2].urgency, 0.05);
  EXPECT_DOUBLE_EQ(all[3].urgency, 0.05);
  EXPECT_EQ(all[4].urgency, 0.0);
  EXPECT_FALSE(all[4].latest_safe_date);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].rank, static_cast<std::int64_t>(i) + 1);
  EXPECT_EQ(all[0].latest_safe_date->ts_ms, k_now_ms - 5 * k_hour_ms);
  EXPECT_EQ(all[0].latest_safe_date->source, SafeDateSource::edge_deadline);
  EXPECT_EQ(all[0].action, "plan stop and replace");
  EXPECT_EQ(all[0].reason, "why overdue");
  EXPECT_EQ(all[0].location, "line 1, overdue");
  EXPECT_EQ(all[0].spare_part, "6205-2RS");
  EXPECT_EQ(all[0].spare_part_source, SparePartSource::bearing);
  EXPECT_EQ(all[1].spare_part, "motor kit 7");
  EXPECT_EQ(all[1].spare_part_source, SparePartSource::registry);
  EXPECT_EQ(all[4].criticality, 0);
}

TEST_P(WorkListTest, PagesAreSlicesOfTheSameOrder) {
  auto s = open();
  ASSERT_TRUE(s);
  fill(*s);
  const auto first = work_list(*s, k_now_ms, 2, 0).value();
  const auto second = work_list(*s, k_now_ms, 2, 2).value();
  const auto third = work_list(*s, k_now_ms, 2, 4).value();
  EXPECT_EQ(devices(first), (std::vector<std::string>{"overdue", "near"}));
  EXPECT_EQ(devices(second), (std::vector<std::string>{"c80", "c100"}));
  ASSERT_EQ(devices(third), (std::vector<std::string>{"undated"}));
  EXPECT_EQ(third[0].rank, 5);
  EXPECT_TRUE(work_list(*s, k_now_ms, 2, 5).value().empty());
}

TEST_P(WorkListTest, RefusesABadPageAndIsEmptyForAQuietPlant) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_TRUE(work_list(*s, k_now_ms, 10).value().empty());
  s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  EXPECT_TRUE(work_list(*s, k_now_ms, 10).value().empty());  // no action at all
  for (auto [limit, offset] : {std::pair{0L, 0L}, {1001L, 0L}, {10L, -1L}}) {
    const auto r = work_list(*s, k_now_ms, limit, offset);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(r.error().message.find(offset < 0 ? "offset" : "limit"), std::string::npos)
        << r.error().message;
  }
}

VIGIL_FOR_EACH_ENGINE(WorkListTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::twin
