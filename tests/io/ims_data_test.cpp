// IMS snapshots in ../shared/data/ims: 20,480 rows each, 4 columns (2nd test) or 8 (1st test).
// Bearing-1 statistics of 2004.02.12.10.32.39 as published by other projects and quoted in the
// folder's README: mean -0.0102, RMS 0.0742, peak-to-peak 0.84 (given to 3-4 decimals, so the
// tolerance is half a unit in the last quoted digit).
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "io/ims.hpp"
#include "support/test_data.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

using vigil::test::data_dir;

TEST(ImsData, EverySnapshotHas20480RowsOf4Or8Channels) {
  VIGIL_REQUIRE_DATA("ims/2004.02.12.10.32.39");
  const struct {
    const char* name;
    std::size_t channels;
  } files[] = {{"2004.02.12.10.32.39", 4},
               {"2004.02.12.10.42.39", 4},
               {"2004.02.19.06.22.39", 4},
               {"2003.10.22.12.06.24", 8}};
  for (const auto& f : files) {
    SCOPED_TRACE(f.name);
    auto snap = read_ims_snapshot(data_dir() / "ims" / f.name);
    ASSERT_TRUE(snap.has_value()) << snap.error().message;
    EXPECT_EQ(snap->recording.channels.size(), f.channels);
    for (const Channel& c : snap->recording.channels) EXPECT_EQ(c.samples.size(), 20480u) << c.name;
  }
}

TEST(ImsData, Bearing1StatisticsMatchPublishedValues) {
  VIGIL_REQUIRE_DATA("ims/2004.02.12.10.32.39");
  auto snap = read_ims_snapshot(data_dir() / "ims/2004.02.12.10.32.39");
  ASSERT_TRUE(snap.has_value()) << snap.error().message;
  const std::vector<float>& x = snap->recording.find_channel("b1")->samples;
  double sum = 0, sum_sq = 0;
  for (const float v : x) {
    sum += v;
    sum_sq += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(x.size());
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  EXPECT_NEAR(sum / n, -0.0102, 0.00005);
  EXPECT_NEAR(std::sqrt(sum_sq / n), 0.0742, 0.00005);
  EXPECT_NEAR(*hi - *lo, 0.84, 0.005);
  using namespace std::chrono;
  EXPECT_EQ(snap->recorded_at, sys_days{2004y / February / 12} + 10h + 32min + 39s);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
