#include "model/train/dataset.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace vigil::model::train {

Status check_features(const Dataset& data, std::string_view what) {
  if (data.rows == 0) return fail(ErrorCode::invalid_argument, "{} is empty (0 rows)", what);
  if (data.features == 0) return fail(ErrorCode::invalid_argument, "{} has 0 features per row", what);
  if (data.x.size() / data.features != data.rows || data.x.size() % data.features != 0) {
    return fail(ErrorCode::invalid_argument, "{}: x holds {} values, expected {} rows x {} features = {}",
                what, data.x.size(), data.rows, data.features, data.rows * data.features);
  }
  for (std::size_t i = 0; i < data.x.size(); ++i) {
    if (!std::isfinite(data.x[i])) {
      return fail(ErrorCode::invalid_argument, "{}: row {}, feature {} is {} (features must be finite)", what,
                  i / data.features, i % data.features, data.x[i]);
    }
  }
  if (!data.weights.empty()) {
    if (data.weights.size() != data.rows) {
      return fail(ErrorCode::invalid_argument,
                  "{}: {} sample weights for {} rows (give one per row, or none)", what, data.weights.size(),
                  data.rows);
    }
    double total = 0;
    for (std::size_t r = 0; r < data.rows; ++r) {
      const float w = data.weights[r];
      if (!std::isfinite(w) || w < 0) {
        return fail(ErrorCode::invalid_argument, "{}: row {} has sample weight {} (must be finite and >= 0)",
                    what, r, w);
      }
      total += w;
    }
    if (total <= 0) return fail(ErrorCode::invalid_argument, "{}: every sample weight is 0", what);
  }
  return {};
}

Status check_labeled(const Dataset& data, std::size_t classes, std::string_view what) {
  if (auto ok = check_features(data, what); !ok) return ok;
  if (data.labels.size() != data.rows) {
    return fail(ErrorCode::invalid_argument, "{}: {} labels for {} rows", what, data.labels.size(),
                data.rows);
  }
  for (std::size_t r = 0; r < data.rows; ++r) {
    const int label = data.labels[r];
    if (label < 0 || static_cast<std::size_t>(label) >= classes) {
      return fail(ErrorCode::invalid_argument, "{}: row {} has label {}, expected a class in 0..{}", what, r,
                  label, classes - 1);
    }
  }
  return {};
}

Result<FeatureScaling> fit_scaling(const Dataset& data) {
  if (auto ok = check_features(data, "scaling data"); !ok) return std::unexpected(ok.error());
  const std::size_t d = data.features;
  const auto n = static_cast<double>(data.rows);
  std::vector<double> sum(d, 0.0);
  for (std::size_t r = 0; r < data.rows; ++r) {
    for (std::size_t i = 0; i < d; ++i) sum[i] += data.x[r * d + i];
  }
  std::vector<double> mean(d);
  for (std::size_t i = 0; i < d; ++i) mean[i] = sum[i] / n;
  // Two-pass variance: sum of squared deviations from the mean (no catastrophic cancellation).
  std::vector<double> squares(d, 0.0);
  for (std::size_t r = 0; r < data.rows; ++r) {
    for (std::size_t i = 0; i < d; ++i) {
      const double dev = data.x[r * d + i] - mean[i];
      squares[i] += dev * dev;
    }
  }
  FeatureScaling s;
  s.mean.resize(d);
  s.scale.resize(d);
  for (std::size_t i = 0; i < d; ++i) {
    const double sd = std::sqrt(squares[i] / n);
    s.mean[i] = static_cast<float>(mean[i]);
    s.scale[i] = sd > 1e-6 * std::max(std::abs(mean[i]), 1e-30) ? static_cast<float>(sd) : 1.0f;
  }
  return s;
}

FeatureScaling identity_scaling(std::size_t features) {
  return FeatureScaling{std::vector<float>(features, 0.0f), std::vector<float>(features, 1.0f)};
}

std::vector<float> standardize(const FeatureScaling& scaling, const Dataset& data) {
  assert(scaling.mean.size() == data.features && scaling.scale.size() == data.features);
  std::vector<float> z(data.x.size());
  const std::size_t d = data.features;
  for (std::size_t k = 0; k < data.x.size(); ++k) {
    const std::size_t i = k % d;
    z[k] = static_cast<float>((double(data.x[k]) - scaling.mean[i]) / scaling.scale[i]);
  }
  return z;
}

void fold_input_scaling(const FeatureScaling& scaling, DenseLayer& first) {
  assert(scaling.mean.size() == first.inputs && scaling.scale.size() == first.inputs);
  for (std::size_t o = 0; o < first.outputs; ++o) {
    double shift = 0;
    for (std::size_t i = 0; i < first.inputs; ++i) {
      float& w = first.weight[o * first.inputs + i];
      shift += double(w) * scaling.mean[i] / scaling.scale[i];
      w = static_cast<float>(double(w) / scaling.scale[i]);
    }
    first.bias[o] = static_cast<float>(double(first.bias[o]) - shift);
  }
}

void fold_output_scaling(const FeatureScaling& scaling, DenseLayer& last) {
  assert(scaling.mean.size() == last.outputs && scaling.scale.size() == last.outputs);
  assert(last.activation == Activation::none);
  for (std::size_t o = 0; o < last.outputs; ++o) {
    const double s = scaling.scale[o];
    for (std::size_t i = 0; i < last.inputs; ++i) {
      float& w = last.weight[o * last.inputs + i];
      w = static_cast<float>(s * w);
    }
    last.bias[o] = static_cast<float>(s * last.bias[o] + scaling.mean[o]);
  }
}

}  // namespace vigil::model::train
