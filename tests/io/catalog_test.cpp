#include "io/catalog.hpp"

#include <gtest/gtest.h>

#include "io/mat_file.hpp"
#include "io/temp_dir.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

TEST(Catalog, ParsesColumnsInAnyOrderKeepingExtras) {
  const std::string text =
      "fault,rpm,path,load_hp,channel,sample_rate_hz,bearing,fault_diameter_in\r\n"
      "inner_race,1797,105.mat,0,DE,12000,6205-2RS,0.007\r\n"
      "\r\n"
      "normal,,sub/97.mat,0,FE,48000,6205-2RS,0\r\n";
  auto cat = parse_catalog(text, "catalog.csv", "/data/cwru");
  ASSERT_TRUE(cat.has_value()) << cat.error().message;
  ASSERT_EQ(cat->entries.size(), 2u);
  const CatalogEntry& a = cat->entries[0];
  EXPECT_EQ(a.path, std::filesystem::path("/data/cwru/105.mat"));
  EXPECT_EQ(a.sample_rate_hz, 12000.0);
  EXPECT_EQ(a.channel, "DE");
  EXPECT_EQ(a.bearing, "6205-2RS");
  EXPECT_EQ(a.fault, domain::FaultType::inner_race);
  EXPECT_EQ(a.speed_rpm, 1797.0);
  EXPECT_EQ(a.line, 2u);
  ASSERT_EQ(a.extras.size(), 2u);
  EXPECT_EQ(a.extras[0].first, "load_hp");
  EXPECT_EQ(a.extra("fault_diameter_in"), "0.007");
  EXPECT_FALSE(a.extra("location").has_value());

  const CatalogEntry& b = cat->entries[1];
  EXPECT_EQ(b.path, std::filesystem::path("/data/cwru/sub/97.mat"));
  EXPECT_EQ(b.fault, domain::FaultType::normal);
  EXPECT_FALSE(b.speed_rpm.has_value());  // empty cell: unknown
  EXPECT_EQ(b.line, 4u);
}

struct BadCase {
  const char* text;
  const char* expected;
};
class CatalogBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(CatalogBad, NamesFileLineAndColumn) {
  auto cat = parse_catalog(GetParam().text, "cat.csv", ".");
  ASSERT_FALSE(cat.has_value());
  EXPECT_EQ(cat.error().code, ErrorCode::parse);
  EXPECT_NE(cat.error().message.find(GetParam().expected), std::string::npos) << cat.error().message;
}

#define HDR "path,sample_rate_hz,channel,bearing,fault,rpm\n"
INSTANTIATE_TEST_SUITE_P(
    Cases, CatalogBad,
    ::testing::Values(
        BadCase{"", "cat.csv: empty, expected a header line"},
        BadCase{"path,sample_rate_hz,channel,bearing,rpm\n", "cat.csv: line 1: header lacks column 'fault'"},
        BadCase{"path,sample_rate_hz,channel,bearing,fault,rpm,path\n",
                "line 1: header names column 'path' twice"},
        BadCase{"path,,sample_rate_hz,channel,bearing,fault,rpm\n",
                "line 1: header has an empty column name"},
        BadCase{
            HDR "a.mat,12000,DE,6205,inner,1797\n",
            "cat.csv: line 2, column fault: not one of normal, inner_race, outer_race, ball, cage: 'inner'"},
        BadCase{HDR "a.mat,12k,DE,6205,normal,1797\n", "line 2, column sample_rate_hz: not a number '12k'"},
        BadCase{HDR "a.mat,0,DE,6205,normal,1797\n", "line 2, column sample_rate_hz: must be > 0: '0'"},
        BadCase{HDR "a.mat,,DE,6205,normal,1797\n", "line 2, column sample_rate_hz: empty field"},
        BadCase{HDR "a.mat,12000,DE,6205,normal,-3\n", "line 2, column rpm: must be > 0: '-3'"},
        BadCase{HDR "a.mat,12000,DE,6205,normal,fast\n", "line 2, column rpm: not a number 'fast'"},
        BadCase{HDR ",12000,DE,6205,normal,1\n", "line 2, column path: empty path"},
        BadCase{HDR "a.mat,12000,,6205,normal,1\n", "line 2, column channel: empty channel"},
        BadCase{HDR "a.mat,12000,DE,,normal,1\n", "line 2, column bearing: empty bearing"},
        BadCase{HDR "a.mat,12000,DE,6205,normal,1\nb.mat,12000,DE,6205,normal\n",
                "line 3: 5 fields, header has 6"}));
#undef HDR

TEST(Catalog, ReadsFileAndResolvesPathsFromItsFolder) {
  test::TempDir dir;
  std::filesystem::create_directory(dir / "sub");
  dir.write("sub/sig.csv", "1\n2\n3\n4\n");
  Recording rec;
  rec.speed_rpm = 1750;
  rec.channels.push_back({"DE", {1, 2}});
  rec.channels.push_back({"FE", {3, 4}});
  ASSERT_TRUE(write_cwru_mat(dir / "sub" / "7.mat", rec, "X007").has_value());
  const auto path = dir.write("sub/catalog.csv",
                              "path,sample_rate_hz,channel,bearing,fault,rpm,load_hp\n"
                              "7.mat,12000,FE,6205-2RS,ball,1700,2\n"
                              "sig.csv,500,signal,6205-2RS,normal,,0\n"
                              "7.mat,12000,BA,6205-2RS,ball,1700,2\n");
  auto cat = read_catalog(path);
  ASSERT_TRUE(cat.has_value()) << cat.error().message;
  ASSERT_EQ(cat->entries.size(), 3u);
  EXPECT_EQ(cat->entries[0].path, dir / "sub" / "7.mat");

  auto mat = read_entry(cat->entries[0]);
  ASSERT_TRUE(mat.has_value()) << mat.error().message;
  EXPECT_EQ(mat->sample_rate_hz, 12000.0);
  EXPECT_EQ(mat->speed_rpm, 1750.0);  // the file's own RPM variable wins over the catalog's column
  ASSERT_NE(mat->find_channel("FE"), nullptr);

  auto csv = read_entry(cat->entries[1]);
  ASSERT_TRUE(csv.has_value()) << csv.error().message;
  EXPECT_EQ(csv->sample_rate_hz, 500.0);
  EXPECT_EQ(csv->sample_count(), 4u);

  auto missing_channel = read_entry(cat->entries[2]);
  ASSERT_FALSE(missing_channel.has_value());
  EXPECT_EQ(missing_channel.error().code, ErrorCode::not_found);
  EXPECT_NE(missing_channel.error().message.find("7.mat: no variable named BA_time"), std::string::npos)
      << missing_channel.error().message;
}

TEST(Catalog, EntryRateMustMatchFormatRate) {
  test::TempDir dir;
  dir.write("2004.02.12.10.32.39", "1\t2\t3\t4\n");
  auto cat = parse_catalog(
      "path,sample_rate_hz,channel,bearing,fault,rpm\n2004.02.12.10.32.39,25600,b1,ZA-2115,normal,2000\n",
      "c.csv", dir.path());
  ASSERT_TRUE(cat.has_value()) << cat.error().message;
  auto rec = read_entry(cat->entries[0]);
  ASSERT_FALSE(rec.has_value());
  EXPECT_NE(rec.error().message.find("catalog line 2 says 25600 Hz, the format says 20000 Hz"),
            std::string::npos)
      << rec.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
