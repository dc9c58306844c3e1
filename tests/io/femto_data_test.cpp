// FEMTO/PRONOSTIA learning set, thinned as described in ../shared/data/femto/README.md:
// Bearing1_1 keeps k = 1, 16, 31, ... plus the last 20 (2784-2803): 206 snapshots of 2560 rows.
#include <gtest/gtest.h>

#include "io/femto.hpp"
#include "support/test_data.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

using vigil::test::data_dir;

TEST(FemtoData, Bearing1_1SnapshotsFollowTheThinningRule) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  auto files = list_femto_snapshots(data_dir() / "femto/Learning_set/Bearing1_1");
  ASSERT_TRUE(files.has_value()) << files.error().message;
  ASSERT_EQ(files->size(), 206u);
  EXPECT_EQ(files->front().index, 1);
  EXPECT_EQ((*files)[1].index, 16);
  EXPECT_EQ(files->back().index, 2803);
  EXPECT_EQ(files->back().time_s, 28020.0);  // README: full life 7h47m00s
  for (const FemtoFile& f : *files) {
    SCOPED_TRACE(f.path.string());
    auto rec = read_femto_snapshot(f.path);
    ASSERT_TRUE(rec.has_value()) << rec.error().message;
    ASSERT_EQ(rec->channels.size(), 2u);
    EXPECT_EQ(rec->channels[0].samples.size(), 2560u);
    EXPECT_EQ(rec->channels[1].samples.size(), 2560u);
  }
}

TEST(FemtoData, FirstSnapshotValuesAsInTheFile) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1/acc_00001.csv");
  auto rec = read_femto_snapshot(data_dir() / "femto/Learning_set/Bearing1_1/acc_00001.csv");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  // First lines of the file: "9,39,39,65664,0.552,-0.146" and "9,39,39,65703,0.501,-0.48".
  EXPECT_EQ(rec->channels[0].samples[0], 0.552f);
  EXPECT_EQ(rec->channels[1].samples[0], -0.146f);
  EXPECT_EQ(rec->channels[1].samples[1], -0.48f);
}

TEST(FemtoData, EveryLearningBearingReads) {
  VIGIL_REQUIRE_DATA("femto/Learning_set");
  // README table: kept snapshot count and last index per bearing.
  const struct {
    const char* name;
    std::size_t kept;
    int last;
  } bearings[] = {{"Bearing1_1", 206, 2803}, {"Bearing1_2", 77, 871}, {"Bearing2_1", 80, 911},
                  {"Bearing2_2", 72, 797},   {"Bearing3_1", 53, 515}, {"Bearing3_2", 128, 1637}};
  for (const auto& b : bearings) {
    SCOPED_TRACE(b.name);
    auto files = list_femto_snapshots(data_dir() / "femto/Learning_set" / b.name);
    ASSERT_TRUE(files.has_value()) << files.error().message;
    EXPECT_EQ(files->size(), b.kept);
    EXPECT_EQ(files->back().index, b.last);
    auto last = read_femto_snapshot(files->back().path);
    ASSERT_TRUE(last.has_value()) << last.error().message;
    EXPECT_EQ(last->sample_count(), 2560u);
  }
}

TEST(FemtoData, Bearing1_1TemperatureFiles) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  auto temps = list_femto_temperatures(data_dir() / "femto/Learning_set/Bearing1_1");
  ASSERT_TRUE(temps.has_value()) << temps.error().message;
  ASSERT_EQ(temps->size(), 50u);
  EXPECT_EQ(temps->back().index, 466);
  auto first = read_femto_temperature(temps->front().path);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->sample_count(), 600u);  // one minute at 10 Hz
  EXPECT_EQ(first->channels[0].samples[0], 70.378f);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
