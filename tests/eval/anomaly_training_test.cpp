// The split by time of healthy windows (eval/anomaly_training.hpp, split_by_time): early windows fit, late
// ones calibrate. Counts by hand for a long recording of overlapping windows and for snapshot recordings of
// one window each (FEMTO's files), which are split together by their order.
#include "eval/anomaly_training.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

WindowRow row(const std::string& recording, std::size_t start) {
  WindowRow r;
  r.recording = recording;
  r.start_sample = start;
  return r;
}

TEST(AnomalyTraining, SplitsARecordingByTimeAndSnapshotsByTheirOrder) {
  LabelledWindows w;
  w.window_len = 4096;
  w.hop = 1024;
  // Recording "a": 13 windows at 0, 1024, ..., 12288 (listed last first). Its span is 12288 + 4096 = 16384
  // samples; the cut at 0.75 of it is 12288: windows ending by then (starts 0..8192) are early, the one
  // starting at 12288 is late, and 9216, 10240, 11264 straddle it.
  for (std::size_t k = 13; k-- > 0;) w.rows.push_back(row("a", k * 1024));
  // Seven snapshots s0..s6 of one window each, interleaved: the cut is 0.75 x 7 = 5.25 snapshots, so s0..s4
  // are early, s6 late and s5 straddles.
  for (std::size_t k = 0; k < 7; ++k) w.rows.insert(w.rows.begin() + 2 * k, row("s" + std::to_string(k), 0));
  std::vector<std::size_t> all(w.rows.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const TimeSplit split = split_by_time(w, all, 0.25);
  auto names = [&](const std::vector<std::size_t>& rows) {
    std::string out;
    for (auto i : rows)
      out += w.rows[i].recording + ":" + std::to_string(w.rows[i].start_sample / 1024) + " ";
    return out;
  };
  EXPECT_EQ(names(split.early), "s0:0 s1:0 s2:0 s3:0 s4:0 a:0 a:1 a:2 a:3 a:4 a:5 a:6 a:7 a:8 ");
  EXPECT_EQ(names(split.late), "s6:0 a:12 ");
  EXPECT_EQ(split.straddling, 4u);  // s5 and three windows of a

  // Eight snapshots alone: 6 early, 2 late, none straddling.
  LabelledWindows s;
  s.window_len = 2560;
  for (std::size_t k = 0; k < 8; ++k) s.rows.push_back(row("acc_0000" + std::to_string(k + 1) + ".csv", 0));
  std::vector<std::size_t> rows = {0, 1, 2, 3, 4, 5, 6, 7};
  const TimeSplit snapshots = split_by_time(s, rows, 0.25);
  EXPECT_EQ(snapshots.early, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(snapshots.late, (std::vector<std::size_t>{6, 7}));
  EXPECT_EQ(snapshots.straddling, 0u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
