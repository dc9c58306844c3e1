// The event bus on its own: every subscription gets every event as one SSE frame (per the WHATWG
// Server-Sent Events format), a full queue drops its subscription instead of growing, a subscription let
// go of leaves the bus, and a queue wakes its connection once per batch.
#include "hub/api/event_bus.hpp"

#include <gtest/gtest.h>

namespace vigil::hub::api {
namespace VIGIL_TEST_FILE {

TEST(EventBus, EverySubscriptionGetsEachEventAsOneFrame) {
  EventBus bus;
  auto a = bus.subscribe(8);
  auto b = bus.subscribe(8);
  bus.publish("alarm.raised", {{"asset", 7}, {"text", "line\nbreak"}});
  for (const auto& s : {a, b}) {
    std::vector<EventFrame> frames;
    ASSERT_TRUE(s->take(frames));
    ASSERT_EQ(frames.size(), 1u);
    // The newline inside the text is escaped by JSON, so the event is one data line.
    EXPECT_EQ(*frames[0],
              "id: 1\nevent: alarm.raised\ndata: "
              "{\"data\":{\"asset\":7,\"text\":\"line\\nbreak\"},\"type\":\"alarm.raised\"}\n\n");
  }
  EXPECT_EQ(bus.subscribers(), 2u);
  b.reset();
  bus.publish("x", 1);
  EXPECT_EQ(bus.subscribers(), 1u);
}

TEST(EventBus, ASlowSubscriptionIsDroppedNotGrown) {
  EventBus bus;
  auto slow = bus.subscribe(3);
  auto fast = bus.subscribe(3);
  int wakes = 0;
  slow->set_wake([&] { ++wakes; });
  std::vector<EventFrame> frames;
  for (int i = 0; i < 3; ++i) bus.publish("tick", i);
  EXPECT_EQ(wakes, 1);  // once for the batch, until it is taken
  ASSERT_TRUE(fast->take(frames));
  EXPECT_EQ(frames.size(), 3u);
  bus.publish("tick", 3);  // the fourth: slow's queue is full
  EXPECT_EQ(wakes, 2);     // woken to notice it was dropped
  frames.clear();
  EXPECT_FALSE(slow->take(frames));
  EXPECT_TRUE(frames.empty());
  EXPECT_TRUE(slow->dropped());
  EXPECT_EQ(bus.dropped(), 1u);
  frames.clear();
  ASSERT_TRUE(fast->take(frames));
  EXPECT_EQ(frames.size(), 1u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api
