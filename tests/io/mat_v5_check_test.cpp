// The structural MAT v5 check on miMATRIX bodies built from the format document (mat_bytes.hpp).
#include "io/mat_v5_check.hpp"

#include <gtest/gtest.h>

#include "io/mat_bytes.hpp"

namespace vigil::io::detail {
namespace VIGIL_TEST_FILE {

using test::MatBytes;

// The body of a top-level element: what follows its 8-byte tag.
std::string body_of(const std::string& element) { return element.substr(8); }

TEST(MatV5Check, AcceptsWellFormedArraysOfEveryHandledClass) {
  MatBytes m;
  for (const std::string& e : {m.doubles("x", {1, 2, 3}), m.uint16_scalar("rpm", 1797), m.chars("c", "abc"),
                               m.doubles("e", {}, {0, 0}),
                               m.structure("s", {{"a", m.doubles("", {1})}, {"b", m.chars("", "xy")}})}) {
    auto ok = check_mat_matrix(body_of(e), false, "t");
    EXPECT_TRUE(ok.has_value()) << ok.error().message;
  }
  EXPECT_TRUE(check_mat_matrix("", false, "t").has_value());  // empty miMATRIX: []
}

TEST(MatV5Check, AcceptsBigEndianBodies) {
  MatBytes m(true);
  auto ok = check_mat_matrix(body_of(m.structure("s", {{"DE_time", m.doubles("", {1, 2})}})), true, "t");
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
}

TEST(MatV5Check, RefusesMalformedBodies) {
  MatBytes m;
  const std::string good = body_of(m.doubles("x", {1, 2, 3}));
  // Every cut fails (0 bytes would be the valid empty array; 3 doubles need no padding).
  for (std::size_t cut = 1; cut < good.size(); ++cut) {
    EXPECT_FALSE(check_mat_matrix(good.substr(0, cut), false, "t").has_value()) << "cut " << cut;
  }
  // A small data element may not claim more than 4 bytes.
  std::string small = good;
  small[16 + 2] = 9;  // dimensions tag -> small format, 9 bytes
  auto r = check_mat_matrix(small, false, "t");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("small element declares 9 bytes"), std::string::npos) << r.error().message;
  // Negative dimension.
  std::string negative = good;
  negative[16 + 8 + 3] = static_cast<char>(0x80);
  r = check_mat_matrix(negative, false, "t");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("negative dimension"), std::string::npos) << r.error().message;
}

TEST(MatV5Check, RefusesCellsDeclaringMoreItemsThanBytes) {
  MatBytes m;
  // A 1000x1000 cell with no items: 10^6 miMATRIX children cannot fit in 0 bytes.
  const std::string cell = m.matrix("c", test::mx_cell, {1000, 1000}, test::mi_int8, "");
  std::string body = body_of(cell);
  body.resize(body.size() - 8);  // drop the empty data element matrix() appended
  auto r = check_mat_matrix(body, false, "t");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("declares 1000000 fields/cells"), std::string::npos) << r.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io::detail
