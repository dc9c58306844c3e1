// Live updates for API clients: the rest of the hub publishes JSON events (from any thread) and every open
// live connection (GET /api/v1/events, Server-Sent Events) gets each one through a bounded queue of its own.
// An event is formatted once and shared by all queues; a client too slow to keep its queue below capacity is
// dropped (its queue emptied and marked), so a stalled reader costs at most `capacity` events of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vigil::hub::api {

using EventFrame = std::shared_ptr<const std::string>;  // one SSE frame: "id: ..\nevent: ..\ndata: ..\n\n"

// One live connection's queue. The publisher pushes; the connection takes.
class EventSubscription {
 public:
  explicit EventSubscription(std::size_t capacity) : capacity_(capacity) {}

  // Called (from the publishing thread) when an event arrives in an empty queue, or when the subscription is
  // dropped: the connection should come and take(). Set once, before the subscription is published to.
  void set_wake(std::function<void()> wake);
  // Moves every queued frame to `out`; false once the subscription was dropped.
  bool take(std::vector<EventFrame>& out);
  bool dropped() const;

 private:
  friend class EventBus;
  // True when this push dropped the subscription.
  bool push(const EventFrame& frame);

  mutable std::mutex mutex_;
  const std::size_t capacity_;
  std::deque<EventFrame> queue_;
  std::function<void()> wake_;
  bool dropped_ = false;
};

class EventBus {
 public:
  // A new subscription; the bus holds it weakly (it ends when the connection lets it go).
  std::shared_ptr<EventSubscription> subscribe(std::size_t capacity);
  // Sends {"type": type, "data": data} as an SSE event named `type` (letters, digits, '.', '_', '-') to every
  // subscription. Thread-safe.
  void publish(std::string_view type, const nlohmann::json& data);

  std::size_t subscribers() const;
  std::uint64_t dropped() const;  // subscriptions dropped for falling behind, since start

 private:
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<EventSubscription>> subscriptions_;
  std::uint64_t next_id_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace vigil::hub::api
