// Counts heap allocations made by the current thread, so tests can prove that steady-state
// processing allocates nothing. Linked into every test program (it replaces global operator new).
#pragma once

#include <cstddef>

namespace vigil::test {

// Number of calls to operator new made by this thread since it started.
std::size_t allocation_count();

// Allocations made by this thread while the guard is alive.
class AllocationScope {
 public:
  AllocationScope() : start_(allocation_count()) {}
  std::size_t allocations() const { return allocation_count() - start_; }

 private:
  std::size_t start_;
};

}  // namespace vigil::test
