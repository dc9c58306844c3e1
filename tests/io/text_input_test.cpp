#include "io/text_input.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::io::detail {
namespace VIGIL_TEST_FILE {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  LineReader r(text);
  std::string_view line;
  while (r.next(line)) out.emplace_back(line);
  return out;
}

TEST(LineReader, SplitsLfAndCrlfWithoutTrailingEmptyLine) {
  EXPECT_EQ(lines_of("a\nb\r\nc"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(lines_of("a\n"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(lines_of("\n\n"), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(lines_of("a\rb\n"), (std::vector<std::string>{"a\rb"}));  // a lone CR is data
  EXPECT_TRUE(lines_of("").empty());
  LineReader r("x\ny\n");
  std::string_view line;
  ASSERT_TRUE(r.next(line));
  ASSERT_TRUE(r.next(line));
  EXPECT_EQ(r.line_number(), 2u);
  EXPECT_FALSE(r.next(line));
  EXPECT_FALSE(r.next(line));
}

TEST(ParseNumber, AcceptsDecimalAndExponentForms) {
  EXPECT_EQ(parse_number("1.6562e+005"), 165620.0);
  EXPECT_EQ(parse_number("4.2504e+05"), 425040.0);
  EXPECT_EQ(parse_number(" -0.146\t"), -0.146);
  EXPECT_EQ(parse_number("+1.5"), 1.5);
  EXPECT_EQ(parse_number(".5"), 0.5);
  EXPECT_EQ(parse_number("5."), 5.0);
  EXPECT_EQ(parse_number("-.25"), -0.25);
  EXPECT_EQ(parse_number("0"), 0.0);
}

TEST(ParseNumber, RefusesWithAReason) {
  EXPECT_EQ(parse_number("").error(), "empty field");
  EXPECT_EQ(parse_number("  ").error(), "empty field");
  for (const char* bad : {"abc", "1.5x", "1,5", "--1", "+-1", "+", "-", "inf", "-inf", "nan", "NaN", "0x10",
                          "1e", "1 2", "e5"}) {
    EXPECT_EQ(parse_number(bad).error(), "not a number") << bad;
  }
  EXPECT_EQ(parse_number("1e999").error(), "out of range");
  EXPECT_EQ(parse_sample("1e300").error(), "outside the float range");
  EXPECT_EQ(parse_sample("-3.4e38"), -3.4e38f);
}

TEST(QuoteField, CutsLongFieldsAndHidesControlBytes) {
  EXPECT_EQ(quote_field("abc"), "'abc'");
  EXPECT_EQ(quote_field(std::string_view("a\0b\x7f", 4)), "'a?b?'");
  EXPECT_EQ(quote_field("abcdef", 3), "'abc...'");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io::detail
