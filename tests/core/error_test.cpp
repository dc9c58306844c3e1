#include "core/error.hpp"

#include <gtest/gtest.h>

namespace vigil {
namespace VIGIL_TEST_FILE {

Result<int> parse_positive(int v) {
  if (v <= 0) return fail(ErrorCode::invalid_argument, "value {} is not positive", v);
  return v;
}

TEST(Error, FailCarriesCodeAndFormattedMessage) {
  auto r = parse_positive(-3);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(r.error().message, "value -3 is not positive");
}

TEST(Error, WithContextPrefixesMessage) {
  Error e{ErrorCode::parse, "line 3: expected 6 fields, found 5"};
  EXPECT_EQ(e.with_context("acc_00001.csv").message, "acc_00001.csv: line 3: expected 6 fields, found 5");
  EXPECT_EQ(to_string(ErrorCode::parse), "parse error");
}

TEST(Error, SuccessHoldsValue) {
  auto r = parse_positive(7);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 7);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil
