// Where the real bearing data lives for tests labelled `data`, and the skip when it is absent.
#pragma once

#include <filesystem>

#include <gtest/gtest.h>

namespace vigil::test {

// ../shared/data beside the source tree (or $VIGIL_DATA_DIR when set).
std::filesystem::path data_dir();
bool have_data(const std::filesystem::path& relative);

}  // namespace vigil::test

// Skips the current test with a clear message when `relative` is not under the data folder.
#define VIGIL_REQUIRE_DATA(relative)                                                       \
  do {                                                                                     \
    if (!::vigil::test::have_data(relative)) {                                             \
      GTEST_SKIP() << "real data not found: " << (::vigil::test::data_dir() / (relative))  \
                   << " (set VIGIL_DATA_DIR or place ../shared/data beside the checkout)"; \
    }                                                                                      \
  } while (0)
