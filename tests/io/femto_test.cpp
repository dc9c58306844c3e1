#include "io/femto.hpp"

#include <gtest/gtest.h>

#include "io/temp_dir.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

using test::TempDir;

TEST(Femto, ParsesSnapshotIntoHorizontalAndVerticalChannels) {
  auto rec = parse_femto_snapshot("9,39,39,65664,0.552,-0.146\n9,39,39,65703,0.501,-0.48\n", "acc_00001.csv");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  ASSERT_EQ(rec->channels.size(), 2u);
  EXPECT_EQ(rec->channels[0].name, "horizontal");
  EXPECT_EQ(rec->channels[1].name, "vertical");
  EXPECT_EQ(rec->channels[0].samples, (std::vector<float>{0.552f, 0.501f}));
  EXPECT_EQ(rec->channels[1].samples, (std::vector<float>{-0.146f, -0.48f}));
  EXPECT_EQ(rec->sample_rate_hz, 25600.0);
  EXPECT_EQ(rec->source, "acc_00001.csv");
  EXPECT_FALSE(rec->speed_rpm.has_value());
}

// The variants the dataset README lists: ';' separator (Full_Test_Set/Bearing1_4), CRLF endings,
// exponent-form microseconds with 3- and 2-digit exponents, no final newline.
TEST(Femto, AcceptsSemicolonsCrlfAndExponentMicroseconds) {
  auto rec = parse_femto_snapshot(
      "10;5;2;1.6562e+005;0.1;-0.2\r\n10;5;2;4.2504e+05;+1.5;0\r\n10;5;2;8.6566e+005;-3;4", "acc_00007.csv");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(rec->channels[0].samples, (std::vector<float>{0.1f, 1.5f, -3.0f}));
  EXPECT_EQ(rec->channels[1].samples, (std::vector<float>{-0.2f, 0.0f, 4.0f}));
}

TEST(Femto, AcceptsDecimalCommaWithSemicolons) {
  auto rec = parse_femto_snapshot("10;5;2;165620;0,25;-1,5\n", "x");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(rec->channels[0].samples, (std::vector<float>{0.25f}));
  EXPECT_EQ(rec->channels[1].samples, (std::vector<float>{-1.5f}));
}

TEST(Femto, SkipsBlankLines) {
  auto rec = parse_femto_snapshot("\n9,39,39,1,1,2\n\n9,39,39,2,3,4\n\n", "x");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(rec->sample_count(), 2u);
}

struct BadText {
  const char* text;
  const char* expected;
};

class FemtoBadSnapshot : public ::testing::TestWithParam<BadText> {};

TEST_P(FemtoBadSnapshot, NamesFileLineAndField) {
  auto rec = parse_femto_snapshot(GetParam().text, "acc_00042.csv");
  ASSERT_FALSE(rec.has_value());
  EXPECT_EQ(rec.error().code, ErrorCode::parse);
  EXPECT_NE(rec.error().message.find(GetParam().expected), std::string::npos) << rec.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FemtoBadSnapshot,
    ::testing::Values(
        BadText{"9,39,39,1,1,2\n9,39,39,2,3\n",
                "acc_00042.csv: line 2: 5 fields separated by ',', expected 6"},
        BadText{"9,39,39,1,1,2,7\n", "acc_00042.csv: line 1: 7 fields separated by ',', expected 6"},
        BadText{"9,39,39,1,1,2\n9,39,39,2,abc,4\n",
                "acc_00042.csv: line 2: field 5 (horizontal_g): not a number 'abc'"},
        BadText{"9,39,39,1,1,nan\n", "line 1: field 6 (vertical_g): not a number 'nan'"},
        BadText{"9,39,39,1,1,1e999\n", "line 1: field 6 (vertical_g): out of range '1e999'"},
        BadText{"9,39,39,1,1,1e300\n", "line 1: field 6 (vertical_g): outside the float range"},
        BadText{"9,39,x,1,1,2\n", "line 1: field 3 (second): not a number 'x'"},
        BadText{"9,39,39,,1,2\n", "line 1: field 4 (microsecond): empty field"},
        BadText{"9;39;39;1;1;2\n9,39,39,1,1,2\n", "line 2: 1 fields separated by ';', expected 6"},
        BadText{"", "acc_00042.csv: no data lines"}, BadText{"\r\n\n", "acc_00042.csv: no data lines"}));

TEST(Femto, ParsesTemperatureFile) {
  auto rec = parse_femto_temperature("9,40,47,5,70.378\r\n9,40,47,6,70.397\r\n", "temp_00001.csv");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  ASSERT_EQ(rec->channels.size(), 1u);
  EXPECT_EQ(rec->channels[0].name, "temperature");
  EXPECT_EQ(rec->channels[0].samples, (std::vector<float>{70.378f, 70.397f}));
  EXPECT_EQ(rec->sample_rate_hz, 10.0);

  auto bad = parse_femto_temperature("9,40,47,5,70.378,1\n", "temp_00001.csv");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("temp_00001.csv: line 1: 6 fields separated by ',', expected 5"),
            std::string::npos)
      << bad.error().message;
  auto bad_reading = parse_femto_temperature("9,40,47,5,hot\n", "temp_00001.csv");
  ASSERT_FALSE(bad_reading.has_value());
  EXPECT_NE(bad_reading.error().message.find("field 5 (reading)"), std::string::npos)
      << bad_reading.error().message;
}

TEST(Femto, ListsSnapshotsByIndexFromFileNames) {
  TempDir dir;
  for (const char* name : {"acc_00031.csv", "acc_00001.csv", "acc_00016.csv", "temp_00001.csv", "notes.txt",
                           "acc_abc.csv", "acc_00000.csv", "acc_.csv", "acc_00002.csv.bak"}) {
    dir.write(name, "9,39,39,1,1,2\n");
  }
  std::filesystem::create_directory(dir / "acc_00099.csv");  // a folder, not a snapshot
  auto files = list_femto_snapshots(dir.path());
  ASSERT_TRUE(files.has_value()) << files.error().message;
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].index, 1);
  EXPECT_EQ((*files)[1].index, 16);
  EXPECT_EQ((*files)[2].index, 31);
  // Snapshot k starts (k - 1) * 10 s after the first (dataset README).
  EXPECT_EQ((*files)[0].time_s, 0.0);
  EXPECT_EQ((*files)[1].time_s, 150.0);
  EXPECT_EQ((*files)[2].time_s, 300.0);
  EXPECT_EQ((*files)[2].path.filename(), "acc_00031.csv");

  auto temps = list_femto_temperatures(dir.path());
  ASSERT_TRUE(temps.has_value());
  ASSERT_EQ(temps->size(), 1u);
  EXPECT_EQ((*temps)[0].index, 1);

  auto rec = read_femto_snapshot((*files)[0].path);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(rec->source, (*files)[0].path.string());
}

TEST(Femto, ListingErrors) {
  TempDir dir;
  auto missing = list_femto_snapshots(dir / "Bearing9_9");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("Bearing9_9: no such folder"), std::string::npos);

  auto empty = list_femto_snapshots(dir.path());
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().message.find("no acc_NNNNN.csv snapshot files"), std::string::npos);
  auto no_temps = list_femto_temperatures(dir.path());
  ASSERT_TRUE(no_temps.has_value());
  EXPECT_TRUE(no_temps->empty());

  dir.write("acc_16.csv", "");
  dir.write("acc_00016.csv", "");
  auto twice = list_femto_snapshots(dir.path());
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().message.find("both have index 16"), std::string::npos) << twice.error().message;
}

TEST(Femto, ReadErrorsNameTheFile) {
  TempDir dir;
  auto missing = read_femto_snapshot(dir / "acc_00001.csv");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  const auto path = dir.write("acc_00002.csv", "1,2,3,4,5,6\n1,2,3,4,5\n");
  auto bad = read_femto_snapshot(path);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find(path.string() + ": line 2"), std::string::npos) << bad.error().message;
}

// Challenge PDF, table 1: conditions 1-3 at 1800 / 1650 / 1500 rpm under 4000 / 4200 / 5000 N.
TEST(Femto, PronostiaConditionComesFromTheBearingName) {
  const struct {
    std::string_view name;
    int number;
    double rpm, load_n;
  } cases[] = {{"Bearing1_1", 1, 1800, 4000}, {"Bearing2_7", 2, 1650, 4200}, {"Bearing3_3", 3, 1500, 5000}};
  for (const auto& c : cases) {
    auto got = pronostia_condition(c.name);
    ASSERT_TRUE(got.has_value()) << c.name;
    EXPECT_EQ(got->number, c.number);
    EXPECT_EQ(got->speed_rpm, c.rpm);
    EXPECT_EQ(got->load_n, c.load_n);
  }
  for (std::string_view bad : {"Bearing4_1", "Bearing0_1", "Bearing1", "bearing1_1", "Bearing12", "x"}) {
    EXPECT_FALSE(pronostia_condition(bad).has_value()) << bad;
  }
}

TEST(Femto, FindsOneBearingFolderOrTheBearingFoldersOfALearningSet) {
  TempDir dir;
  std::filesystem::create_directories(dir / "Bearing2_1");
  std::filesystem::create_directories(dir / "Bearing1_2");
  std::filesystem::create_directories(dir / "notes");
  dir.write("Bearing2_1/acc_00001.csv", "9,39,39,65664,0.5,-0.1\n");
  dir.write("Bearing1_2/acc_00001.csv", "9,39,39,65664,0.5,-0.1\n");

  auto all = find_femto_bearings(dir.path());
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);  // sorted by name, "notes" is not a bearing
  EXPECT_EQ((*all)[0].name, "Bearing1_2");
  EXPECT_EQ((*all)[1].name, "Bearing2_1");
  ASSERT_TRUE((*all)[1].condition.has_value());
  EXPECT_EQ((*all)[1].condition->speed_rpm, 1650);

  auto one = find_femto_bearings(dir / "Bearing2_1");
  ASSERT_TRUE(one.has_value()) << one.error().message;
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->front().name, "Bearing2_1");
  auto speed = femto_speed_rpm(one->front(), std::nullopt);
  ASSERT_TRUE(speed.has_value());
  EXPECT_EQ(*speed, 1650);
  EXPECT_EQ(femto_speed_rpm(one->front(), 1234.0).value_or(0), 1234.0);  // given speed wins
  EXPECT_FALSE(femto_speed_rpm(one->front(), -1.0).has_value());

  auto missing = find_femto_bearings(dir / "nothing");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  auto empty = find_femto_bearings(dir / "notes");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::not_found);
  FemtoBearing plain{"run7", dir / "notes", std::nullopt};
  auto unknown = femto_speed_rpm(plain, std::nullopt);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("BearingC_N"), std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
