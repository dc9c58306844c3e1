#include "core/utf8.hpp"

#include <string>

#include <gtest/gtest.h>

namespace VIGIL_TEST_FILE {

// Markus Kuhn's UTF-8 decoder test cases (the boundary, overlong, surrogate and truncation families).
TEST(Utf8, AcceptsWellFormedTextAndNamesTheFirstBadByte) {
  EXPECT_TRUE(vigil::is_utf8(""));
  EXPECT_TRUE(vigil::is_utf8("pump 7 drive-end"));
  EXPECT_TRUE(
      vigil::is_utf8("\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"));
  const std::pair<std::string, std::size_t> bad[] = {
      {"ab\x80", 2},                // a lone continuation byte
      {"\xc0\xaf", 0},              // overlong '/'
      {"x\xe0\x80\xaf", 1},         // overlong, three bytes
      {"\xed\xa0\x80", 0},          // a UTF-16 surrogate, U+D800
      {"\xf4\x90\x80\x80", 0},      // U+110000, above the range
      {"ok\xe2\x82", 2},            // truncated at the end
      {"\xf8\x88\x80\x80\x80", 0},  // a five-byte form
      {"\xc3\x28", 0},              // a lead byte without its continuation
  };
  for (const auto& [text, at] : bad) {
    EXPECT_FALSE(vigil::is_utf8(text)) << text;
    EXPECT_EQ(vigil::invalid_utf8_at(text), at) << text;
  }
}

}  // namespace VIGIL_TEST_FILE
