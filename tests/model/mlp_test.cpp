#include "model/mlp.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace vigil::model {
namespace VIGIL_TEST_FILE {

// Hand-computed 2-2-2 network: h = relu([[1, -1], [0.5, 2]] x + [0, -1]); y = softmax([[1, 0], [0, 1]] h).
MlpSpec tiny() {
  MlpSpec s;
  s.layers.push_back({2, 2, {1, -1, 0.5f, 2}, {0, -1}, Activation::relu});
  s.layers.push_back({2, 2, {1, 0, 0, 1}, {0, 0}, Activation::softmax});
  return s;
}

TEST(Mlp, ReferenceForwardByHand) {
  // x = (1, 2): pre = (1 - 2, 0.5 + 4 - 1) = (-1, 3.5) -> relu (0, 3.5) -> softmax(0, 3.5).
  const auto y = reference_forward(tiny(), std::vector<float>{1, 2});
  ASSERT_EQ(y.size(), 2u);
  const double e = std::exp(3.5);
  EXPECT_NEAR(y[0], 1.0 / (1.0 + e), 1e-7);
  EXPECT_NEAR(y[1], e / (1.0 + e), 1e-7);
}

TEST(Mlp, ValidateCatchesBrokenShapes) {
  EXPECT_TRUE(validate(tiny()).has_value());
  MlpSpec s = tiny();
  s.layers[1].inputs = 3;
  EXPECT_FALSE(validate(s).has_value());
  s = tiny();
  s.layers[0].bias.pop_back();
  EXPECT_FALSE(validate(s).has_value());
  s = tiny();
  s.layers[0].activation = Activation::softmax;
  EXPECT_FALSE(validate(s).has_value());
  s = tiny();
  s.layers[0].weight[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(validate(s).has_value());
  EXPECT_FALSE(validate(MlpSpec{}).has_value());
  EXPECT_EQ(tiny().parameter_count(), 12u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
