#include "hub/api/event_bus.hpp"

#include <cassert>

#include <fmt/core.h>

namespace vigil::hub::api {

void EventSubscription::set_wake(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

bool EventSubscription::take(std::vector<EventFrame>& out) {
  std::lock_guard lock(mutex_);
  out.insert(out.end(), queue_.begin(), queue_.end());
  queue_.clear();
  return !dropped_;
}

bool EventSubscription::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

bool EventSubscription::push(const EventFrame& frame) {
  std::function<void()> wake;
  bool dropped_now = false;
  {
    std::lock_guard lock(mutex_);
    if (dropped_) return false;
    if (queue_.size() >= capacity_) {
      dropped_ = dropped_now = true;
      queue_.clear();
    } else {
      queue_.push_back(frame);
      if (queue_.size() > 1) return false;  // woken for the first one, not taken yet
    }
    wake = wake_;
  }
  if (wake) wake();
  return dropped_now;
}

std::shared_ptr<EventSubscription> EventBus::subscribe(std::size_t capacity) {
  assert(capacity > 0);
  auto subscription = std::make_shared<EventSubscription>(capacity);
  std::lock_guard lock(mutex_);
  subscriptions_.push_back(subscription);
  return subscription;
}

void EventBus::publish(std::string_view type, const nlohmann::json& data) {
  for ([[maybe_unused]] const char c : type)
    assert((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-');
  {
    std::lock_guard lock(mutex_);
    if (subscriptions_.empty()) {  // nobody listens: nothing to encode
      ++next_id_;
      return;
    }
  }
  const nlohmann::json event = {{"type", type}, {"data", data}};
  // dump() never emits a raw newline, so the whole event is one SSE data line.
  const std::string json = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::vector<std::shared_ptr<EventSubscription>> live;
  EventFrame frame;
  {
    std::lock_guard lock(mutex_);
    frame = std::make_shared<const std::string>(
        fmt::format("id: {}\nevent: {}\ndata: {}\n\n", next_id_++, type, json));
    live.reserve(subscriptions_.size());
    std::erase_if(subscriptions_, [&](const std::weak_ptr<EventSubscription>& weak) {
      auto s = weak.lock();
      if (!s) return true;
      live.push_back(std::move(s));
      return false;
    });
  }
  std::uint64_t dropped = 0;
  for (const auto& s : live) dropped += s->push(frame) ? 1 : 0;
  if (dropped > 0) {
    std::lock_guard lock(mutex_);
    dropped_ += dropped;
  }
}

std::size_t EventBus::subscribers() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& weak : subscriptions_) n += weak.expired() ? 0 : 1;
  return n;
}

std::uint64_t EventBus::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace vigil::hub::api
