// Dataset checks, standardisation and its folding into the first / last layer, and the classification
// metrics, against hand-computed values.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "model/train/dataset.hpp"
#include "model/train/metrics.hpp"

namespace vigil::model::train {
namespace VIGIL_TEST_FILE {

Dataset three_by_two() {
  // Columns: (1, 2, 3) and (10, 10, 40).
  return Dataset{3, 2, {1, 10, 2, 10, 3, 40}, {0, 1, 1}, {}};
}

TEST(TrainDataset, ScalingIsPopulationMeanAndStandardDeviation) {
  const auto s = fit_scaling(three_by_two());
  ASSERT_TRUE(s.has_value()) << s.error().message;
  // Column 0: mean 2, variance ((1)^2 + 0 + 1^2) / 3 = 2/3. Column 1: mean 20, variance (100 + 100 + 400)
  // / 3.
  EXPECT_FLOAT_EQ(s->mean[0], 2.0f);
  EXPECT_FLOAT_EQ(s->scale[0], static_cast<float>(std::sqrt(2.0 / 3.0)));
  EXPECT_FLOAT_EQ(s->mean[1], 20.0f);
  EXPECT_FLOAT_EQ(s->scale[1], static_cast<float>(std::sqrt(200.0)));
}

TEST(TrainDataset, ConstantFeatureIsOnlyCentred) {
  const Dataset d{3, 1, {5, 5, 5}, {}, {}};
  const auto s = fit_scaling(d);
  ASSERT_TRUE(s.has_value());
  EXPECT_FLOAT_EQ(s->mean[0], 5.0f);
  EXPECT_FLOAT_EQ(s->scale[0], 1.0f);
  EXPECT_EQ(standardize(*s, d), (std::vector<float>{0, 0, 0}));
}

TEST(TrainDataset, FoldedInputScalingEqualsStandardisingFirst) {
  // f(z) with z = (x - m) / s must equal f'(x) with the scaling folded into layer 0 (exact algebra;
  // tolerance 1e-5 covers the float rounding of the folded weights at these magnitudes).
  MlpSpec spec;
  spec.layers.push_back({2, 3, {0.5f, -1, 2, 0.25f, -0.75f, 1.5f}, {0.1f, -0.2f, 0.3f}, Activation::tanh});
  spec.layers.push_back({3, 2, {1, -1, 0.5f, 2, 0.5f, -1}, {0, 0.5f}, Activation::softmax});
  const FeatureScaling s{{3.0f, -100.0f}, {0.5f, 40.0f}};
  MlpSpec folded = spec;
  fold_input_scaling(s, folded.layers[0]);
  for (const auto& x : std::vector<std::vector<float>>{{3, -100}, {2.5f, -60}, {4, -180}, {0, 0}}) {
    const std::vector<float> z{(x[0] - 3.0f) / 0.5f, (x[1] + 100.0f) / 40.0f};
    const auto expected = reference_forward(spec, z);
    const auto got = reference_forward(folded, x);
    for (std::size_t k = 0; k < 2; ++k) EXPECT_NEAR(got[k], expected[k], 1e-5);
  }
}

TEST(TrainDataset, FoldedOutputScalingReturnsRawUnits) {
  // A linear last layer predicting z; folded, it must predict mean + scale * z.
  MlpSpec spec;
  spec.layers.push_back({2, 2, {1, 2, -3, 0.5f}, {0.25f, -1}, Activation::none});
  const FeatureScaling s{{10.0f, -2.0f}, {4.0f, 0.1f}};
  MlpSpec folded = spec;
  fold_output_scaling(s, folded.layers[0]);
  const std::vector<float> h{0.5f, -1.5f};
  const auto z = reference_forward(spec, h);
  const auto x = reference_forward(folded, h);
  EXPECT_NEAR(x[0], 10.0 + 4.0 * z[0], 1e-5);
  EXPECT_NEAR(x[1], -2.0 + 0.1 * z[1], 1e-6);
}

TEST(TrainDataset, ChecksNameTheSetRowAndFeature) {
  Dataset d = three_by_two();
  EXPECT_TRUE(check_labeled(d, 2, "training set").has_value());

  d.x[3] = std::numeric_limits<float>::quiet_NaN();
  auto r = check_features(d, "training set");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(r.error().message.find("training set: row 1, feature 1 is nan"), std::string::npos)
      << r.error().message;

  d = three_by_two();
  d.x[0] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(check_features(d, "x").has_value());

  d = three_by_two();
  d.x.pop_back();
  r = check_features(d, "validation set");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("expected 3 rows x 2 features = 6"), std::string::npos)
      << r.error().message;

  EXPECT_FALSE(check_features(Dataset{}, "empty").has_value());
  EXPECT_NE(check_features(Dataset{}, "empty").error().message.find("empty (0 rows)"), std::string::npos);
  EXPECT_FALSE(check_features(Dataset{2, 0, {}, {}, {}}, "no features").has_value());

  d = three_by_two();
  d.labels[2] = 2;
  r = check_labeled(d, 2, "training set");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("row 2 has label 2, expected a class in 0..1"), std::string::npos);
  d.labels[2] = -1;
  EXPECT_FALSE(check_labeled(d, 2, "training set").has_value());
  d.labels.pop_back();
  EXPECT_FALSE(check_labeled(d, 2, "training set").has_value());

  d = three_by_two();
  d.weights = {1, 1};
  EXPECT_FALSE(check_features(d, "w").has_value());
  d.weights = {1, -1, 1};
  EXPECT_FALSE(check_features(d, "w").has_value());
  d.weights = {0, 0, 0};
  EXPECT_FALSE(check_features(d, "w").has_value());
  d.weights = {0, 2, 0.5f};
  EXPECT_TRUE(check_features(d, "w").has_value());
}

TEST(TrainMetrics, ReportMatchesHandCount) {
  // truth:     0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2
  // class 0: TP 2, FN 1, FP 0 -> P 1, R 2/3, F1 0.8
  // class 1: TP 1, FN 1, FP 1 -> P 1/2, R 1/2, F1 1/2
  // class 2: TP 1, FN 0, FP 1 -> P 1/2, R 1, F1 2/3
  const std::vector<int> truth{0, 0, 0, 1, 1, 2};
  const std::vector<int> predicted{0, 0, 1, 1, 2, 2};
  const auto r = classification_report(truth, predicted, 4);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->accuracy, 4.0 / 6.0);
  EXPECT_EQ(r->count(0, 1), 1u);
  EXPECT_EQ(r->count(1, 2), 1u);
  EXPECT_DOUBLE_EQ(r->per_class[0].f1, 0.8);
  EXPECT_DOUBLE_EQ(r->per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(r->per_class[2].recall, 1.0);
  EXPECT_EQ(r->per_class[3].support, 0u);
  // Class 3 is neither true nor predicted: left out of the macro average.
  EXPECT_NEAR(r->macro_f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0, 1e-15);

  EXPECT_FALSE(classification_report(truth, std::vector<int>{0}, 3).has_value());
  EXPECT_FALSE(classification_report(truth, predicted, 2).has_value());
  EXPECT_FALSE(classification_report({}, {}, 2).has_value());
}

TEST(TrainMetrics, ArgmaxTakesFirstOnTies) {
  EXPECT_EQ(argmax_rows(std::vector<float>{0.1f, 0.7f, 0.2f, 0.5f, 0.5f, 0.0f}, 3), (std::vector<int>{1, 0}));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model::train
