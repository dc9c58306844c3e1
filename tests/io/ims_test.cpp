#include "io/ims.hpp"

#include <gtest/gtest.h>

#include "io/temp_dir.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

using namespace std::chrono;

TEST(Ims, ParsesTimeFromFileName) {
  auto t = parse_ims_time("/data/ims/2nd_test/2004.02.12.10.32.39");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(*t, sys_days{2004y / February / 12} + 10h + 32min + 39s);
  for (const char* bad :
       {"2004.02.12.10.32", "2004.02.12.10.32.39.txt", "2004-02-12-10-32-39", "2004.2.12.10.32.39",
        "2004.02.30.10.32.39", "2004.02.12.24.00.00", "2004.13.12.10.32.39", "", "acc_00001.csv"}) {
    auto r = parse_ims_time(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::parse);
    }
  }
}

TEST(Ims, ParsesFourColumnSnapshot) {
  auto snap = parse_ims_snapshot("-0.049\t-0.071\t-0.132\t-0.010\n-0.042\t-0.073\t-0.007\t-0.105\n",
                                 "2004.02.12.10.32.39");
  ASSERT_TRUE(snap.has_value()) << snap.error().message;
  const Recording& rec = snap->recording;
  ASSERT_EQ(rec.channels.size(), 4u);
  EXPECT_EQ(rec.channels[0].name, "b1");
  EXPECT_EQ(rec.channels[3].name, "b4");
  EXPECT_EQ(rec.channels[0].samples, (std::vector<float>{-0.049f, -0.042f}));
  EXPECT_EQ(rec.channels[3].samples, (std::vector<float>{-0.010f, -0.105f}));
  EXPECT_EQ(rec.sample_rate_hz, 20000.0);
  EXPECT_EQ(snap->recorded_at, sys_days{2004y / February / 12} + 10h + 32min + 39s);
}

TEST(Ims, ParsesEightColumnSnapshotWithSpacesAndCrlf) {
  auto snap =
      parse_ims_snapshot("1 2  3\t4 5 6 7 8\r\n-1\t-2\t-3\t-4\t-5\t-6\t-7\t-8  \r\n", "2003.10.22.12.06.24");
  ASSERT_TRUE(snap.has_value()) << snap.error().message;
  const Recording& rec = snap->recording;
  ASSERT_EQ(rec.channels.size(), 8u);
  const char* names[] = {"b1x", "b1y", "b2x", "b2y", "b3x", "b3y", "b4x", "b4y"};
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(rec.channels[i].name, names[i]);
    EXPECT_EQ(rec.channels[i].samples,
              (std::vector<float>{static_cast<float>(i + 1), -static_cast<float>(i + 1)}));
  }
}

struct BadText {
  const char* text;
  const char* expected;
};
class ImsBadSnapshot : public ::testing::TestWithParam<BadText> {};

TEST_P(ImsBadSnapshot, NamesFileLineAndColumn) {
  auto snap = parse_ims_snapshot(GetParam().text, "2004.02.12.10.32.39");
  ASSERT_FALSE(snap.has_value());
  EXPECT_EQ(snap.error().code, ErrorCode::parse);
  EXPECT_NE(snap.error().message.find(GetParam().expected), std::string::npos) << snap.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ImsBadSnapshot,
    ::testing::Values(
        BadText{"1\t2\t3\n", "2004.02.12.10.32.39: line 1: 3 columns, expected 4 (2nd/3rd test) or 8"},
        BadText{"1\t2\t3\t4\n1\t2\t3\t4\t5\t6\t7\t8\n", "line 2: 8 columns, earlier lines have 4"},
        BadText{"1\t2\t3\t4\t5\t6\t7\t8\t9\n", "line 1: more than 8 columns"},
        BadText{"1\t2\t3\t4\n1\t2\tx\t4\n", "line 2: column 3: not a number 'x'"},
        BadText{"1\t2\t3\t4\n1,2\t2\t3\t4\n", "line 2: column 1: not a number '1,2'"},
        BadText{"", "no data lines"}, BadText{"\n \t\n", "no data lines"}));

TEST(Ims, FileNameMustCarryTime) {
  auto snap = parse_ims_snapshot("1\t2\t3\t4\n", "bearing.txt");
  ASSERT_FALSE(snap.has_value());
  EXPECT_NE(snap.error().message.find("'bearing.txt': file name is not an IMS time"), std::string::npos)
      << snap.error().message;
}

TEST(Ims, ReadsFileAndNamesPathInErrors) {
  test::TempDir dir;
  auto ok = read_ims_snapshot(dir.write("2004.02.12.10.42.39", "1\t2\t3\t4\n"));
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->recorded_at, sys_days{2004y / February / 12} + 10h + 42min + 39s);
  const auto bad_path = dir.write("2004.02.12.10.52.39", "1\t2\t3\t4\n5\n");
  auto bad = read_ims_snapshot(bad_path);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find(bad_path.string() + ": line 2"), std::string::npos)
      << bad.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
