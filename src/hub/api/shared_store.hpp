// The API's handle on the hub's store: one Store used by one thread at a time (store.hpp), so the handlers,
// which run on the server's threads, take turns through this lock.
#pragma once

#include <mutex>

#include "hub/store/store.hpp"

namespace vigil::hub::api {

class SharedStore {
 public:
  explicit SharedStore(store::Store& store) : store_(&store) {}

  // Runs fn(store) under the lock and returns what it returns.
  template <typename Fn>
  auto with(Fn&& fn) {
    std::lock_guard lock(mutex_);
    return fn(*store_);
  }

 private:
  std::mutex mutex_;
  store::Store* store_;
};

}  // namespace vigil::hub::api
