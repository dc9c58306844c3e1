// Autoencoder training with libtorch: healthy data that lies near a 3-dimensional subspace of 12 features is
// reconstructed well, data shifted off it is not (AUC of the reconstruction error against an independent
// Mann-Whitney count), bit-for-bit reproducibility, the returned validation errors, agreement of the exported
// MlpSpec with libtorch, and bad inputs.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "model/train/autoencoder.hpp"
#include "model/train/torch_forward.hpp"
#include "sim/random.hpp"

namespace vigil::model::train {
namespace VIGIL_TEST_FILE {

constexpr std::size_t k_features = 12;
constexpr std::size_t k_latent = 3;

// Healthy windows: x = offset + A u + 0.1 e, u ~ N(0, I_3), e ~ N(0, I_12), with a fixed random mixing A
// (12 x 3, entries N(0, 1)) and offsets of a few units. Anomalous windows: the same plus `shift` on features
// 0, 1 and 2 — a change that the healthy subspace cannot express (most of it lies off the span of A).
Dataset windows(std::size_t rows, double shift, std::uint64_t seed) {
  sim::NormalSource mixing(1234);
  std::vector<double> a(k_features * k_latent);
  for (double& v : a) v = mixing.next();
  sim::NormalSource normal(seed);
  Dataset data;
  data.rows = rows;
  data.features = k_features;
  for (std::size_t r = 0; r < rows; ++r) {
    double u[k_latent];
    for (double& v : u) v = normal.next();
    for (std::size_t i = 0; i < k_features; ++i) {
      double x = 2.0 + 0.5 * static_cast<double>(i) + 0.1 * normal.next();
      for (std::size_t k = 0; k < k_latent; ++k) x += a[i * k_latent + k] * u[k];
      if (i < 3) x += shift;
      data.x.push_back(static_cast<float>(x));
    }
  }
  return data;
}

AutoencoderConfig config_for_tests() {
  AutoencoderConfig c;
  c.hidden = {16};
  c.bottleneck = 4;
  c.optimizer.max_epochs = 150;
  return c;
}

// Area under the ROC curve of "anomalous scores higher": P(a > h) + P(a = h) / 2 over all pairs (the
// Mann-Whitney U statistic divided by n_a n_h), counted directly.
double auc(const std::vector<float>& healthy, const std::vector<float>& anomalous) {
  double wins = 0;
  for (float a : anomalous) {
    for (float h : healthy) wins += a > h ? 1.0 : (a == h ? 0.5 : 0.0);
  }
  return wins / (double(healthy.size()) * double(anomalous.size()));
}

double quantile(std::vector<float> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * double(v.size() - 1))];
}

TEST(TrainAutoencoder, ReconstructsHealthyDataBetterThanShiftedData) {
  const Dataset train = windows(1500, 0.0, 1);
  const Dataset validation = windows(300, 0.0, 2);
  const Dataset healthy_test = windows(500, 0.0, 3);
  // A shift of 1.0 on three features is 0.44, 0.86 and 0.95 of their healthy standard deviations (2.27,
  // 1.16, 1.05 for this A): weak feature by feature, clear to a model of the joint structure.
  const Dataset anomalous_test = windows(500, 1.0, 4);
  const auto model = train_autoencoder(train, validation, config_for_tests());
  ASSERT_TRUE(model.has_value()) << model.error().message;

  const auto healthy = reconstruction_errors(*model, healthy_test);
  const auto anomalous = reconstruction_errors(*model, anomalous_test);
  ASSERT_TRUE(healthy.has_value() && anomalous.has_value());
  const double area = auc(*healthy, *anomalous);
  const double healthy_p99 = quantile(*healthy, 0.99);
  const double anomalous_median = quantile(*anomalous, 0.5);
  fmt::print(
      "autoencoder: AUC {:.4f}; healthy error median {:.4f}, p99 {:.4f}; anomalous median {:.4f}; "
      "best epoch {} of {}; {:.2f} s\n",
      area, quantile(*healthy, 0.5), healthy_p99, anomalous_median, model->best_epoch, model->curve.size(),
      model->training_s);
  RecordProperty("auc", fmt::format("{:.4f}", area));
  EXPECT_GT(area, 0.95);
  // Margin: the typical anomalous window scores above 99 % of healthy windows, by a factor of 2.
  EXPECT_GT(anomalous_median, 2.0 * healthy_p99);

  // The noise floor: with 3 latent dimensions inside a 4-wide bottleneck, what remains of a healthy window
  // is its 0.1 noise off the subspace, at most (0.1 / s_i)^2 <= 0.0093 per feature (every s_i >= 1.04 here).
  EXPECT_LT(quantile(*healthy, 0.5), 0.01);
}

TEST(TrainAutoencoder, ValidationErrorsAreThoseOfTheExportedSpec) {
  const Dataset train = windows(400, 0.0, 11);
  const Dataset validation = windows(100, 0.0, 12);
  AutoencoderConfig config = config_for_tests();
  config.optimizer.max_epochs = 30;
  const auto model = train_autoencoder(train, validation, config);
  ASSERT_TRUE(model.has_value()) << model.error().message;
  ASSERT_EQ(model->validation_errors.size(), validation.rows);
  const auto reference = reconstruction_errors(*model, validation);
  ASSERT_TRUE(reference.has_value());
  // Float forward vs double reference of the same spec: errors agree to 1e-4 relative.
  for (std::size_t r = 0; r < validation.rows; ++r) {
    EXPECT_NEAR(model->validation_errors[r], (*reference)[r], 1e-4 * (*reference)[r] + 1e-7) << "row " << r;
  }
  // The validation loss of the best epoch is the mean standardised MSE, i.e. the mean of these errors.
  double mean = 0;
  for (float e : *reference) mean += e;
  mean /= double(reference->size());
  EXPECT_NEAR(model->curve[model->best_epoch - 1].validation_loss, mean, 1e-4 * mean);

  // Shape: 12 -> 16 -> 4 -> 16 -> 12, linear output, raw units in and out.
  ASSERT_EQ(model->spec.layers.size(), 4u);
  EXPECT_EQ(model->spec.layers[1].outputs, 4u);
  EXPECT_EQ(model->spec.layers[2].outputs, 16u);
  EXPECT_EQ(model->spec.output_size(), k_features);
  EXPECT_EQ(model->spec.layers.back().activation, Activation::none);
}

TEST(TrainAutoencoder, SameSeedGivesIdenticalWeights) {
  const Dataset train = windows(200, 0.0, 21);
  const Dataset validation = windows(50, 0.0, 22);
  AutoencoderConfig config = config_for_tests();
  config.optimizer.max_epochs = 10;
  const auto a = train_autoencoder(train, validation, config);
  const auto b = train_autoencoder(train, validation, config);
  ASSERT_TRUE(a.has_value() && b.has_value());
  for (std::size_t l = 0; l < a->spec.layers.size(); ++l) {
    EXPECT_EQ(a->spec.layers[l].weight, b->spec.layers[l].weight) << "layer " << l;
    EXPECT_EQ(a->spec.layers[l].bias, b->spec.layers[l].bias) << "layer " << l;
  }
  EXPECT_EQ(a->validation_errors, b->validation_errors);
}

TEST(TrainAutoencoder, ExportedSpecMatchesLibtorchForward) {
  const Dataset train = windows(300, 0.0, 31);
  const Dataset validation = windows(60, 0.0, 32);
  const Dataset test = windows(50, 1.0, 33);
  AutoencoderConfig config = config_for_tests();
  config.optimizer.max_epochs = 20;
  const auto model = train_autoencoder(train, validation, config);
  ASSERT_TRUE(model.has_value()) << model.error().message;
  const auto out = torch_forward(model->spec, test.x, test.rows);
  ASSERT_TRUE(out.has_value()) << out.error().message;
  // Outputs are reconstructions in raw units (|x| up to ~10): float32 vs double agree to 1e-6 relative.
  double worst = 0;
  for (std::size_t r = 0; r < test.rows; ++r) {
    const auto ref = reference_forward(model->spec, test.row(r));
    for (std::size_t i = 0; i < k_features; ++i) {
      const double y = ref[i];
      worst = std::max(worst, std::abs((*out)[r * k_features + i] - y) / std::max(1.0, std::abs(y)));
    }
  }
  fmt::print("max |libtorch - reference_forward| / max(1, |y|) = {:.2e}\n", worst);
  EXPECT_LE(worst, 1e-6);
}

void expect_refused(const Dataset& train, const Dataset& validation, const AutoencoderConfig& config,
                    const std::string& fragment) {
  const auto r = train_autoencoder(train, validation, config);
  ASSERT_FALSE(r.has_value()) << "accepted; expected an error mentioning '" << fragment << "'";
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(TrainAutoencoder, RefusesBadInputsWithClearErrors) {
  const Dataset train = windows(20, 0.0, 41);
  const Dataset validation = windows(10, 0.0, 42);
  AutoencoderConfig config = config_for_tests();
  config.optimizer.max_epochs = 1;
  ASSERT_TRUE(train_autoencoder(train, validation, config).has_value());

  expect_refused(Dataset{}, validation, config, "training set is empty");
  expect_refused(train, Dataset{}, config, "validation set is empty");
  Dataset d = train;
  d.x[5 * k_features + 2] = std::numeric_limits<float>::quiet_NaN();
  expect_refused(d, validation, config, "training set: row 5, feature 2 is nan");
  d = validation;
  d.x.push_back(1.0f);
  expect_refused(train, d, config, "validation set: x holds 121 values");
  d = validation;
  d.features = 6;
  d.rows = 20;
  expect_refused(train, d, config, "validation set has 6 features, training set 12");

  AutoencoderConfig bad = config;
  bad.bottleneck = k_features;
  expect_refused(train, validation, bad, "bottleneck width 12 must be smaller than the 12 features");
  bad = config;
  bad.bottleneck = 0;
  expect_refused(train, validation, bad, "bottleneck");
  bad = config;
  bad.hidden = {0};
  expect_refused(train, validation, bad, "hidden layer 0 has width 0");
  bad = config;
  bad.optimizer.max_epochs = 0;
  expect_refused(train, validation, bad, "max_epochs");
}

TEST(TrainAutoencoder, RealisticSizeTrainsInSeconds) {
  // 2,000 healthy windows x 30 features (the 12-feature structure above, with 18 more noisy copies of its
  // features), 30 -> 16 -> 4 -> 16 -> 30, default optimiser. Reports the time (no timing assertion: STYLE).
  const Dataset base = windows(2500, 0.0, 51);
  Dataset train{2000, 30, {}, {}, {}};
  Dataset validation{500, 30, {}, {}, {}};
  sim::NormalSource normal(52);
  for (std::size_t r = 0; r < base.rows; ++r) {
    Dataset& target = r < 2000 ? train : validation;
    const auto row = base.row(r);
    for (std::size_t i = 0; i < 30; ++i) {
      target.x.push_back(row[i % k_features] + static_cast<float>(0.05 * normal.next()));
    }
  }
  AutoencoderConfig config;
  const auto model = train_autoencoder(train, validation, config);
  ASSERT_TRUE(model.has_value()) << model.error().message;
  fmt::print(
      "autoencoder 2000 x 30: {} epochs (best {}, early stop {}), {:.2f} s ({:.1f} ms/epoch), validation "
      "error median {:.4f}\n",
      model->curve.size(), model->best_epoch, model->stopped_early, model->training_s,
      1e3 * model->training_s / double(model->curve.size()), quantile(model->validation_errors, 0.5));
  RecordProperty("training_s", fmt::format("{:.2f}", model->training_s));
  EXPECT_LT(model->curve[model->best_epoch - 1].validation_loss, 0.1);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model::train
