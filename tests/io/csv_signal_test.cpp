#include "io/csv_signal.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "io/temp_dir.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

TEST(CsvSignal, OneValuePerLine) {
  auto rec = parse_csv_signal("0.5\n-1.25\n2e-3\n", "sig.csv", 1000.0);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  ASSERT_EQ(rec->channels.size(), 1u);
  EXPECT_EQ(rec->channels[0].name, "signal");
  EXPECT_EQ(rec->channels[0].samples, (std::vector<float>{0.5f, -1.25f, 2e-3f}));
  EXPECT_EQ(rec->sample_rate_hz, 1000.0);
  EXPECT_EQ(rec->source, "sig.csv");
}

TEST(CsvSignal, HeaderNamesTheChannel) {
  auto rec = parse_csv_signal("accel_g\r\n1\r\n2\r\n", "sig.csv", 10.0);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(rec->channels[0].name, "accel_g");
  EXPECT_EQ(rec->channels[0].samples, (std::vector<float>{1, 2}));
}

TEST(CsvSignal, TimeValuePairsGiveTheRateWhenNoneIsGiven) {
  // 4 samples 0.25 ms apart: (n - 1) / (t_last - t_first) = 3 / 0.00075 s = 4000 Hz.
  auto rec = parse_csv_signal("time_s,value\n0,1\n0.00025,2\n0.0005,3\n0.00075,4\n", "t.csv", 0.0);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(rec->channels[0].name, "value");
  EXPECT_EQ(rec->channels[0].samples, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_NEAR(rec->sample_rate_hz, 4000.0, 1e-9);
}

TEST(CsvSignal, TimeColumnMustAgreeWithGivenRate) {
  const std::string text = "0;1\n0.001;2\n0.002;3\n";  // 1 kHz, ';' separated
  auto ok = parse_csv_signal(text, "t.csv", 1005.0);   // within 1 %
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->sample_rate_hz, 1005.0);  // the caller's rate is kept
  auto bad = parse_csv_signal(text, "t.csv", 1200.0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(bad.error().message.find("time column gives 1000 Hz but the sample rate given is 1200 Hz"),
            std::string::npos)
      << bad.error().message;
}

TEST(CsvSignal, TabSeparatedTimeValue) {
  auto rec = parse_csv_signal("0\t1\n0.5\t2\n", "t.tsv", 2.0);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(rec->channels[0].samples, (std::vector<float>{1, 2}));
}

struct BadCase {
  const char* text;
  double rate_hz;
  ErrorCode code;
  const char* expected;
};
class CsvSignalBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(CsvSignalBad, IsAClearError) {
  auto rec = parse_csv_signal(GetParam().text, "sig.csv", GetParam().rate_hz);
  ASSERT_FALSE(rec.has_value());
  EXPECT_EQ(rec.error().code, GetParam().code) << rec.error().message;
  EXPECT_NE(rec.error().message.find(GetParam().expected), std::string::npos) << rec.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CsvSignalBad,
    ::testing::Values(
        BadCase{"1\n2\n", 0.0, ErrorCode::invalid_argument, "sig.csv: sample rate unknown"},
        BadCase{"0,1\n", 0.0, ErrorCode::invalid_argument, "sample rate unknown"},
        BadCase{"1\n", -5.0, ErrorCode::invalid_argument, "sample rate -5 Hz"},
        BadCase{"1\n", NAN, ErrorCode::invalid_argument, "sample rate nan Hz"},
        BadCase{"1\n2\nx\n", 10.0, ErrorCode::parse, "sig.csv: line 3: field 1 (value): not a number 'x'"},
        BadCase{"head\nhead2\n", 10.0, ErrorCode::parse, "line 2: field 1 (value): not a number 'head2'"},
        BadCase{"1,2,3\n", 10.0, ErrorCode::parse, "line 1: 3 fields, expected 1 (value) or 2 (time,value)"},
        BadCase{"0,1\n1,2\n5\n", 1.0, ErrorCode::parse, "line 3: 1 fields, earlier lines have 2"},
        BadCase{"0,1\nt,2\n", 1.0, ErrorCode::parse, "line 2: field 1 (time_s): not a number 't'"},
        BadCase{"0,1\n1,\n", 1.0, ErrorCode::parse, "line 2: field 2 (value): empty field"},
        BadCase{"0,1\n1,2\n1,3\n", 1.0, ErrorCode::parse,
                "line 3: time 1 s does not increase (previous 1 s)"},
        BadCase{"", 10.0, ErrorCode::parse, "sig.csv: no data lines"},
        BadCase{"value\n", 10.0, ErrorCode::parse, "sig.csv: no data lines"}));

TEST(CsvSignal, ReadsFile) {
  test::TempDir dir;
  auto rec = read_csv_signal(dir.write("s.csv", "1\n2\n3"), 100.0);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(rec->sample_count(), 3u);
  auto missing = read_csv_signal(dir / "none.csv", 100.0);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("none.csv: no such file"), std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
