// Per-asset standardisation: hand-computed centres and scales, the degenerate-feature rules, an
// allocation-free transform, JSON round trips and malformed input.
#include "model/scaler.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/alloc_counter.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

// Five windows of three features (row-major). Column 0: 1, 2, 3, 4, 10 (one outlier); column 1:
// constant 5; column 2: 0, 0, 0, 1, 2 (MAD zero, standard deviation not).
const std::vector<float> k_rows = {
    1,  5, 0,  //
    2,  5, 0,  //
    3,  5, 0,  //
    4,  5, 1,  //
    10, 5, 2,
};

TEST(Scaler, StandardUsesMeanAndSampleStandardDeviation) {
  auto s = Scaler::fit(k_rows, 3, ScalerMethod::standard);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  // Column 0: mean 4, sum of squared deviations 9 + 4 + 1 + 0 + 36 = 50, sd = sqrt(50 / 4).
  EXPECT_DOUBLE_EQ(s->centre()[0], 4.0);
  EXPECT_DOUBLE_EQ(s->scale()[0], std::sqrt(12.5));
  // Column 1: constant -> scale 1, centre 5.
  EXPECT_DOUBLE_EQ(s->centre()[1], 5.0);
  EXPECT_DOUBLE_EQ(s->scale()[1], 1.0);
  // Column 2: mean 0.6, squared deviations 3 x 0.36 + 0.16 + 1.96 = 3.2, sd = sqrt(0.8).
  EXPECT_NEAR(s->centre()[2], 0.6, 1e-15);
  EXPECT_NEAR(s->scale()[2], std::sqrt(0.8), 1e-15);

  std::vector<float> z(3);
  ASSERT_TRUE(s->transform(std::vector<float>{4 + float(std::sqrt(12.5)), 6, 0.6f}, z).has_value());
  EXPECT_NEAR(z[0], 1.0, 1e-6);
  EXPECT_NEAR(z[1], 1.0, 1e-6);
  EXPECT_NEAR(z[2], 0.0, 1e-6);
}

TEST(Scaler, RobustUsesMedianAndScaledMadAndIgnoresTheOutlier) {
  auto s = Scaler::fit(k_rows, 3, ScalerMethod::robust);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  // Column 0: median 3, |x - 3| = 2, 1, 0, 1, 7 -> MAD 1 -> scale 1.4826 (1 / Phi^-1(0.75)).
  EXPECT_DOUBLE_EQ(s->centre()[0], 3.0);
  EXPECT_NEAR(s->scale()[0], 1.482602218505602, 1e-12);
  EXPECT_DOUBLE_EQ(s->scale()[1], 1.0);
  // Column 2: median 0, MAD 0 -> falls back to the standard deviation sqrt(0.8).
  EXPECT_DOUBLE_EQ(s->centre()[2], 0.0);
  EXPECT_NEAR(s->scale()[2], std::sqrt(0.8), 1e-15);
}

TEST(Scaler, RobustMedianOfAnEvenCountAveragesTheMiddlePair) {
  auto s = Scaler::fit(std::vector<float>{1, 2, 4, 100}, 1, ScalerMethod::robust);
  ASSERT_TRUE(s.has_value());
  // median (2 + 4) / 2 = 3; |x - 3| = 2, 1, 1, 97 -> MAD (1 + 2) / 2 = 1.5.
  EXPECT_DOUBLE_EQ(s->centre()[0], 3.0);
  EXPECT_NEAR(s->scale()[0], 1.5 * 1.482602218505602, 1e-12);
}

TEST(Scaler, TransformAllocatesNothingAndMayWorkInPlace) {
  auto s = Scaler::fit(k_rows, 3);
  ASSERT_TRUE(s.has_value());
  std::vector<float> x = {10, 5, 2};
  std::vector<float> z(3);
  bool ok = true;
  {
    test::AllocationScope scope;
    for (int i = 0; i < 100; ++i) ok = s->transform(x, z).has_value() && ok;
    EXPECT_EQ(scope.allocations(), 0u);
  }
  EXPECT_TRUE(ok);
  ASSERT_TRUE(s->transform(x, x).has_value());
  EXPECT_EQ(x, z);
  EXPECT_NEAR(z[0], 6.0 / std::sqrt(12.5), 1e-6);
}

TEST(Scaler, JsonRoundTripKeepsEveryValue) {
  for (ScalerMethod m : {ScalerMethod::standard, ScalerMethod::robust}) {
    auto s = Scaler::fit(k_rows, 3, m);
    ASSERT_TRUE(s.has_value());
    auto back = Scaler::from_json(nlohmann::json::parse(s->to_json().dump()));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->method(), m);
    for (std::size_t j = 0; j < 3; ++j) {
      EXPECT_EQ(back->centre()[j], s->centre()[j]);
      EXPECT_EQ(back->scale()[j], s->scale()[j]);
    }
  }
}

TEST(Scaler, BadInputsGiveClearErrors) {
  EXPECT_FALSE(Scaler::fit(k_rows, 0).has_value());
  auto partial = Scaler::fit(k_rows, 4);  // 15 values are not rows of 4
  ASSERT_FALSE(partial.has_value());
  EXPECT_NE(partial.error().message.find("whole rows"), std::string::npos);
  auto one = Scaler::fit(std::vector<float>{1, 2, 3}, 3);
  ASSERT_FALSE(one.has_value());
  EXPECT_NE(one.error().message.find("at least 2"), std::string::npos);
  std::vector<float> with_nan = k_rows;
  with_nan[7] = std::numeric_limits<float>::quiet_NaN();
  auto nan = Scaler::fit(with_nan, 3);
  ASSERT_FALSE(nan.has_value());
  EXPECT_NE(nan.error().message.find("row 2 feature 1"), std::string::npos) << nan.error().message;

  auto s = Scaler::fit(k_rows, 3);
  ASSERT_TRUE(s.has_value());
  std::vector<float> out(3);
  EXPECT_FALSE(s->transform(std::vector<float>{1, 2}, out).has_value());
  std::vector<float> short_out(2);
  EXPECT_FALSE(s->transform(std::vector<float>{1, 2, 3}, short_out).has_value());

  const nlohmann::json good = s->to_json();
  auto rejected = [](const nlohmann::json& j) { return !Scaler::from_json(j).has_value(); };
  EXPECT_TRUE(rejected(nlohmann::json("scaler")));
  for (const char* key : {"type", "version", "method", "centre", "scale"}) {
    nlohmann::json j = good;
    j.erase(key);
    EXPECT_TRUE(rejected(j)) << key;
  }
  nlohmann::json j = good;
  j["method"] = "minmax";
  EXPECT_TRUE(rejected(j));
  j = good;
  j["scale"][1] = 0.0;
  EXPECT_TRUE(rejected(j));
  j = good;
  j["scale"] = nlohmann::json::array({1.0, 1.0});
  EXPECT_TRUE(rejected(j));
  j = good;
  j["centre"][0] = "four";
  EXPECT_TRUE(rejected(j));
  j = good;
  j["version"] = 9;
  EXPECT_TRUE(rejected(j));
  j = good;
  j["type"] = nullptr;
  EXPECT_TRUE(rejected(j));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
