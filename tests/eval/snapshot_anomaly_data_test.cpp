// Per-channel anomaly models on the real IMS snapshots (../shared/data/ims), as `vigil eval anomaly ims` runs
// them. Truth from the IMS README: 2004.02.12.10.32.39 and 10.42.39 are the first two snapshots of the 2nd
// test, ten minutes apart, both healthy; 2004.02.19.06.22.39 is its last file, near silent (RMS 0.001-0.002
// g).
#include <array>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "dsp/bearing.hpp"
#include "eval/snapshot_anomaly.hpp"
#include "io/ims.hpp"
#include "support/test_data.hpp"

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

TEST(SnapshotAnomalyData, TheOtherHealthySnapshotIsNormalAndTheSilentEndIsFlagged) {
  VIGIL_REQUIRE_DATA("ims/2004.02.19.06.22.39");
  std::vector<io::Recording> snapshots;
  for (const char* name : {"2004.02.12.10.32.39", "2004.02.12.10.42.39", "2004.02.19.06.22.39"}) {
    auto s = io::read_ims_snapshot(test::data_dir() / "ims" / name);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    snapshots.push_back(std::move(s->recording));
  }
  auto r = evaluate_snapshot_anomaly(snapshots[0], std::span(snapshots).subspan(1),
                                     *dsp::find_bearing("ZA-2115"), 2000);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->channels.size(), 4u);  // b1..b4: one accelerometer per bearing
  for (const auto& c : r->channels) {
    SCOPED_TRACE(c.channel);
    ASSERT_EQ(c.snapshots.size(), 2u);
    const SnapshotScore& healthy = c.snapshots[0];
    const SnapshotScore& silent = c.snapshots[1];
    fmt::print("{} threshold {:.1f}: healthy {}/{} (median T2 {:.1f}), silent {}/{} (rms {:.4f} g)\n",
               c.channel, c.threshold, healthy.exceedances, healthy.windows, healthy.median_score,
               silent.exceedances, silent.windows, silent.rms_g);
    EXPECT_FALSE(healthy.flagged);
    EXPECT_LE(healthy.exceedances, 1u);
    EXPECT_LT(silent.rms_g, 0.003);
    EXPECT_TRUE(silent.flagged);
    EXPECT_EQ(silent.exceedances, silent.windows);
  }
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
