// Password hashes against the openssl command's scrypt (an implementation outside the code under test):
// the stored hash is scrypt(password, salt, N, r, p) with the parameters stored beside it.
#include <cstdio>

#include <gtest/gtest.h>

#include "core/base64.hpp"
#include "hub/api/auth.hpp"

namespace vigil::hub::api {
namespace VIGIL_TEST_FILE {

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char chunk[256];
  while (const auto n = fread(chunk, 1, sizeof chunk, pipe)) out.append(chunk, n);
  pclose(pipe);
  return out;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  for (const auto b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

TEST(Password, TheHashIsScryptAsOpensslComputesIt) {
  const auto stored = hash_password("correct horse battery", {1024, 8, 1});
  ASSERT_TRUE(stored) << stored.error().message;
  // scrypt$N$r$p$salt$hash
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t at; (at = stored->find('$', start)) != std::string::npos; start = at + 1)
    parts.push_back(stored->substr(start, at - start));
  parts.push_back(stored->substr(start));
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_EQ(parts[0], "scrypt");
  EXPECT_EQ(parts[1], "1024");
  const auto salt = base64_decode(parts[4]).value();
  const auto hash = base64_decode(parts[5]).value();
  EXPECT_EQ(salt.size(), 16u);
  const auto out =
      run(fmt::format("openssl kdf -keylen 32 -kdfopt pass:'correct horse battery' -kdfopt hexsalt:{} "
                      "-kdfopt n:1024 -kdfopt r:8 -kdfopt p:1 SCRYPT 2>&1",
                      hex(salt)));
  std::string expected;
  for (const char c : out)
    if (std::isxdigit(static_cast<unsigned char>(c))) expected += static_cast<char>(std::tolower(c));
  EXPECT_EQ(expected, hex(hash)) << out;
  EXPECT_TRUE(verify_password("correct horse battery", *stored).value());
  EXPECT_FALSE(verify_password("correct horse batterz", *stored).value());
  // A fresh salt each time.
  EXPECT_NE(*stored, hash_password("correct horse battery", {1024, 8, 1}).value());
}

TEST(Password, MalformedStoredHashesAreErrors) {
  for (const auto* bad : {"", "scrypt$1024$8$1$AAAA", "bcrypt$1024$8$1$AAAA$AAAA", "scrypt$x$8$1$AAAA$AAAA",
                          "scrypt$1024$8$1$AAAA$AAAA", "scrypt$4294967296$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"})
    EXPECT_FALSE(verify_password("pw", bad)) << bad;
  EXPECT_FALSE(hash_password("pw", {1000, 8, 1}));  // N not a power of two
}

TEST(Password, NamesAndPasswordsAreChecked) {
  EXPECT_TRUE(check_user_name("ann.o-b_c@plant"));
  EXPECT_FALSE(check_user_name(""));
  EXPECT_FALSE(check_user_name("ann o"));
  EXPECT_FALSE(check_user_name("ann'"));
  EXPECT_FALSE(check_user_name(std::string(65, 'a')));
  EXPECT_TRUE(check_password("ten chars!"));
  EXPECT_FALSE(check_password("nine char"));
  EXPECT_FALSE(check_password(std::string("ten chars\0", 10)));
  EXPECT_FALSE(check_password("ten chars\xff"));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api
