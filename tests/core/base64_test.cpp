#include "core/base64.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace VIGIL_TEST_FILE {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// RFC 4648 section 10's test vectors.
TEST(Base64, EncodesAndDecodesTheRfcVectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(vigil::base64_encode(bytes(plain)), encoded) << plain;
    auto back = vigil::base64_decode(encoded);
    ASSERT_TRUE(back) << encoded;
    EXPECT_EQ(*back, bytes(plain)) << encoded;
  }
}

// Every byte value, and the alphabet's last characters, against the encoding Python's base64 module gives
// for bytes 0xfb 0xff 0xbf ("+/+/").
TEST(Base64, CoversTheWholeAlphabet) {
  EXPECT_EQ(vigil::base64_encode(std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}), "+/+/");
  std::vector<std::uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[std::size_t(i)] = std::uint8_t(i);
  auto back = vigil::base64_decode(vigil::base64_encode(all));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
}

TEST(Base64, RefusesMalformedTextNamingWhere) {
  for (const char* bad : {"Zg=", "Zg==Zg==", "Z===", "Zm9v!A==", "Zh==", "Zm9=", "=Zg="}) {
    auto r = vigil::base64_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, vigil::ErrorCode::parse) << bad;
    EXPECT_NE(r.error().message.find("base64"), std::string::npos) << bad;
  }
}

}  // namespace VIGIL_TEST_FILE
