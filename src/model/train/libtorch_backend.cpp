// The libtorch side of the trainers, and the only translation unit of Vigil that includes <torch/torch.h>
// (~20 s to compile): the MLP held as float32 tensors, the mini-batch AdamW loop with early stopping,
// train_classifier, train_autoencoder and torch_forward. Built as the plugin libvigil_torch.so, whose one
// export is the table of torch_backend.hpp; everything crossing it is plain data (Dataset, MlpSpec, configs,
// Result), so no header of Vigil pulls libtorch in and no program loads it until it trains.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include <torch/torch.h>

#include "model/train/autoencoder.hpp"
#include "model/train/classifier.hpp"
#include "model/train/torch_backend.hpp"

namespace vigil::model::train {
namespace {

// libtorch's intra-op thread count for one scope, restored on exit (it is process-wide state).
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : previous_(at::get_num_threads()) {
    if (threads != previous_) at::set_num_threads(threads);
  }
  ~ThreadScope() {
    if (at::get_num_threads() != previous_) at::set_num_threads(previous_);
  }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

// Our own random source for initial weights and shuffles: std::mt19937_64's output sequence is fixed by the
// C++ standard, and the conversions below are written out (the <random> distributions are not portable).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // Uniform on [0, 1) from the top 53 bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Fisher-Yates shuffle (Knuth, TAOCP vol. 2, 3.4.2 Algorithm P), j = floor(u (i + 1)).
  void shuffle(std::vector<std::int64_t>& v) {
    for (std::size_t i = v.size(); i-- > 1;) {
      const auto j = std::min(static_cast<std::size_t>(uniform() * static_cast<double>(i + 1)), i);
      std::swap(v[i], v[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

// A network whose layer l maps `inputs` to widths[l], every layer but the last with `hidden`, the last with
// `last`. Weights ~ U(-a, a): a = sqrt(6 / fan_in) before ReLU (He et al., "Delving deep into rectifiers",
// ICCV 2015: variance 2 / fan_in), a = sqrt(6 / (fan_in + fan_out)) otherwise (Glorot & Bengio, AISTATS
// 2010). Biases 0.
MlpSpec initial_spec(std::size_t inputs, const std::vector<std::size_t>& widths, Activation hidden,
                     Activation last, Rng& rng) {
  MlpSpec spec;
  std::size_t fan_in = inputs;
  for (std::size_t l = 0; l < widths.size(); ++l) {
    DenseLayer layer;
    layer.inputs = fan_in;
    layer.outputs = widths[l];
    layer.activation = l + 1 == widths.size() ? last : hidden;
    const double bound = layer.activation == Activation::relu
                             ? std::sqrt(6.0 / double(fan_in))
                             : std::sqrt(6.0 / double(fan_in + layer.outputs));
    layer.weight.resize(layer.inputs * layer.outputs);
    for (float& w : layer.weight) w = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
    layer.bias.assign(layer.outputs, 0.0f);
    spec.layers.push_back(std::move(layer));
    fan_in = widths[l];
  }
  return spec;
}

torch::Tensor to_tensor(std::span<const float> values, std::vector<std::int64_t> shape) {
  // from_blob does not copy; clone() gives the tensor its own storage.
  return torch::from_blob(const_cast<float*>(values.data()), shape, torch::kFloat32).clone();
}

std::vector<float> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous();
  const float* p = c.data_ptr<float>();
  return {p, p + c.numel()};
}

// The MlpSpec as tensors: weight[l] is outputs x inputs (the same row-major layout as DenseLayer::weight,
// which is what torch::linear expects: y = x W^T + b).
struct TorchMlp {
  std::vector<torch::Tensor> weight;
  std::vector<torch::Tensor> bias;
  std::vector<Activation> activation;
};

TorchMlp to_torch(const MlpSpec& spec, bool trainable) {
  TorchMlp net;
  for (const DenseLayer& l : spec.layers) {
    net.weight.push_back(
        to_tensor(l.weight, {std::int64_t(l.outputs), std::int64_t(l.inputs)}).requires_grad_(trainable));
    net.bias.push_back(to_tensor(l.bias, {std::int64_t(l.outputs)}).requires_grad_(trainable));
    net.activation.push_back(l.activation);
  }
  return net;
}

MlpSpec to_spec(const TorchMlp& net) {
  MlpSpec spec;
  for (std::size_t l = 0; l < net.weight.size(); ++l) {
    DenseLayer layer;
    layer.outputs = static_cast<std::size_t>(net.weight[l].size(0));
    layer.inputs = static_cast<std::size_t>(net.weight[l].size(1));
    layer.weight = to_vector(net.weight[l]);
    layer.bias = to_vector(net.bias[l]);
    layer.activation = net.activation[l];
    spec.layers.push_back(std::move(layer));
  }
  return spec;
}

torch::Tensor activate(const torch::Tensor& h, Activation a) {
  switch (a) {
    case Activation::none:
      return h;
    case Activation::relu:
      return torch::relu(h);
    case Activation::sigmoid:
      return torch::sigmoid(h);
    case Activation::tanh:
      return torch::tanh(h);
    case Activation::softmax:
      return torch::softmax(h, 1);
  }
  return h;
}

// Forward pass of rows x inputs; `last_activation` false gives the last layer's pre-activation (the logits
// the cross-entropy takes, which is more accurate than log(softmax)). `dropout` > 0 (training passes only)
// applies inverted dropout to every hidden layer's output.
torch::Tensor forward(const TorchMlp& net, torch::Tensor h, bool last_activation, double dropout = 0) {
  for (std::size_t l = 0; l < net.weight.size(); ++l) {
    h = torch::linear(h, net.weight[l], net.bias[l]);
    const bool hidden = l + 1 < net.weight.size();
    if (hidden || last_activation) h = activate(h, net.activation[l]);
    if (hidden && dropout > 0) h = torch::dropout(h, dropout, /*train=*/true);
  }
  return h;
}

std::vector<float> spec_forward(const MlpSpec& spec, std::span<const float> x, std::size_t rows) {
  torch::NoGradGuard no_grad;
  const TorchMlp net = to_torch(spec, false);
  return to_vector(forward(net, to_tensor(x, {std::int64_t(rows), std::int64_t(spec.input_size())}), true));
}

// One supervised problem in tensors: inputs (standardised), targets (class indices or the inputs themselves)
// and per-row loss weights, for the training rows and (if any) the validation rows.
struct Problem {
  bool classification = true;
  torch::Tensor x_train, target_train, weight_train;
  torch::Tensor x_validation, target_validation, weight_validation;  // undefined without validation
};

// Per-row loss: cross-entropy of the logits, or the mean squared error over the d outputs.
torch::Tensor row_losses(const Problem& p, const torch::Tensor& output, const torch::Tensor& target) {
  if (p.classification) {
    namespace F = torch::nn::functional;
    return F::cross_entropy(output, target, F::CrossEntropyFuncOptions().reduction(torch::kNone));
  }
  return (output - target).pow(2).mean(1);
}

struct LoopResult {
  MlpSpec spec;  // best weights, in standardised units
  std::vector<EpochStats> curve;
  std::size_t best_epoch = 0;
  bool stopped_early = false;
};

// Mini-batch AdamW over shuffled training rows with early stopping on the validation objective; see
// OptimizerConfig. The objective of a batch B is (1/|B|) sum_{r in B} weight_r loss_r.
Result<LoopResult> run_training(const Problem& p, MlpSpec initial, const OptimizerConfig& c, Rng& rng) {
  TorchMlp net = to_torch(initial, true);
  auto options = [&](double decay) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(c.learning_rate).weight_decay(decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(net.weight, options(c.weight_decay));
  groups.emplace_back(net.bias, options(0.0));
  torch::optim::AdamW optimizer(std::move(groups), torch::optim::AdamWOptions(c.learning_rate));

  const auto n = static_cast<std::size_t>(p.x_train.size(0));
  const bool has_validation = p.x_validation.defined();
  std::vector<std::int64_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::int64_t>(i);

  LoopResult out;
  double best_loss = std::numeric_limits<double>::infinity();
  std::size_t epochs_without_gain = 0;
  for (std::size_t epoch = 1; epoch <= c.max_epochs; ++epoch) {
    rng.shuffle(order);
    double loss_sum = 0;
    for (std::size_t start = 0; start < n; start += c.batch_size) {
      const std::size_t count = std::min(c.batch_size, n - start);
      const torch::Tensor index =
          torch::from_blob(order.data() + start, {std::int64_t(count)}, torch::kInt64);
      torch::Tensor x = p.x_train.index_select(0, index);
      if (c.input_noise_sd > 0) x = x + c.input_noise_sd * torch::randn_like(x);
      const torch::Tensor output = forward(net, x, false, c.dropout);
      const torch::Tensor losses = row_losses(p, output, p.target_train.index_select(0, index));
      const torch::Tensor loss = (losses * p.weight_train.index_select(0, index)).sum() / double(count);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>() * double(count);
    }
    EpochStats stats;
    stats.epoch = epoch;
    stats.train_loss = loss_sum / double(n);
    stats.validation_loss = std::numeric_limits<double>::quiet_NaN();
    stats.validation_accuracy = std::numeric_limits<double>::quiet_NaN();
    if (!std::isfinite(stats.train_loss)) {
      return fail(ErrorCode::invalid_argument, "training diverged in epoch {} (loss {}): lower learning_rate",
                  epoch, stats.train_loss);
    }
    if (has_validation) {
      torch::NoGradGuard no_grad;
      const torch::Tensor output = forward(net, p.x_validation, false);
      const double rows = double(p.x_validation.size(0));
      stats.validation_loss =
          (row_losses(p, output, p.target_validation) * p.weight_validation).sum().item<double>() / rows;
      if (p.classification) {
        stats.validation_accuracy = output.argmax(1).eq(p.target_validation).sum().item<double>() / rows;
      }
    }
    out.curve.push_back(stats);
    if (!has_validation) continue;
    if (stats.validation_loss < best_loss - c.min_improvement) {
      best_loss = stats.validation_loss;
      out.spec = to_spec(net);
      out.best_epoch = epoch;
      epochs_without_gain = 0;
    } else if (++epochs_without_gain >= c.patience_epochs) {
      out.stopped_early = epoch < c.max_epochs;
      break;
    }
  }
  if (!has_validation || out.best_epoch == 0) {
    out.spec = to_spec(net);
    out.best_epoch = out.curve.size();
  }
  return out;
}

torch::Tensor row_weights(const Dataset& data, const std::vector<float>* class_weights) {
  std::vector<float> w(data.rows, 1.0f);
  for (std::size_t r = 0; r < data.rows; ++r) {
    if (!data.weights.empty()) w[r] = data.weights[r];
    if (class_weights != nullptr) w[r] *= (*class_weights)[static_cast<std::size_t>(data.labels[r])];
  }
  return to_tensor(w, {std::int64_t(data.rows)});
}

torch::Tensor label_tensor(const Dataset& data) {
  std::vector<std::int64_t> y(data.labels.begin(), data.labels.end());
  return torch::from_blob(y.data(), {std::int64_t(y.size())}, torch::kInt64).clone();
}

torch::Tensor standardized_tensor(const FeatureScaling& scaling, const Dataset& data) {
  return to_tensor(standardize(scaling, data), {std::int64_t(data.rows), std::int64_t(data.features)});
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Result<TrainedClassifier> classifier_impl(const Dataset& train, const Dataset& validation,
                                          const ClassifierConfig& c) {
  if (auto ok = check_config(c); !ok) return std::unexpected(ok.error());
  if (auto ok = check_labeled(train, c.classes, "training set"); !ok) return std::unexpected(ok.error());
  const bool has_validation = validation.rows > 0;
  if (has_validation) {
    if (auto ok = check_labeled(validation, c.classes, "validation set"); !ok)
      return std::unexpected(ok.error());
    if (validation.features != train.features) {
      return fail(ErrorCode::invalid_argument, "validation set has {} features, training set {}",
                  validation.features, train.features);
    }
  }
  auto weights = class_weights_for(train, c);
  if (!weights) return std::unexpected(weights.error());

  TrainedClassifier result;
  result.class_weights = *weights;
  if (c.standardize) {
    auto scaling = fit_scaling(train);
    if (!scaling) return std::unexpected(scaling.error());
    result.scaling = std::move(*scaling);
  } else {
    result.scaling = identity_scaling(train.features);
  }

  const auto start = std::chrono::steady_clock::now();
  const ThreadScope threads(c.optimizer.threads);
  torch::manual_seed(c.optimizer.seed);
  Problem p;
  p.classification = true;
  p.x_train = standardized_tensor(result.scaling, train);
  p.target_train = label_tensor(train);
  p.weight_train = row_weights(train, &result.class_weights);
  if (has_validation) {
    p.x_validation = standardized_tensor(result.scaling, validation);
    p.target_validation = label_tensor(validation);
    p.weight_validation = row_weights(validation, &result.class_weights);
  }
  Rng rng(c.optimizer.seed);
  std::vector<std::size_t> widths = c.hidden;
  widths.push_back(c.classes);
  MlpSpec initial = initial_spec(train.features, widths, c.hidden_activation, Activation::softmax, rng);
  auto loop = run_training(p, std::move(initial), c.optimizer, rng);
  if (!loop) return std::unexpected(loop.error());

  result.spec = std::move(loop->spec);
  fold_input_scaling(result.scaling, result.spec.layers.front());
  if (auto ok = validate(result.spec); !ok)
    return std::unexpected(ok.error().with_context("trained classifier"));
  result.curve = std::move(loop->curve);
  result.best_epoch = loop->best_epoch;
  result.stopped_early = loop->stopped_early;
  if (has_validation) {
    // Metrics of what is exported: the folded spec on raw features.
    const std::vector<int> predicted =
        argmax_rows(spec_forward(result.spec, validation.x, validation.rows), c.classes);
    auto report = classification_report(validation.labels, predicted, c.classes);
    if (!report) return std::unexpected(report.error());
    result.validation = std::move(*report);
  }
  result.training_s = seconds_since(start);
  return result;
}

Result<TrainedAutoencoder> autoencoder_impl(const Dataset& train, const Dataset& validation,
                                            const AutoencoderConfig& c) {
  if (auto ok = check_features(train, "training set"); !ok) return std::unexpected(ok.error());
  if (auto ok = check_config(c, train.features); !ok) return std::unexpected(ok.error());
  if (auto ok = check_features(validation, "validation set"); !ok) return std::unexpected(ok.error());
  if (validation.features != train.features) {
    return fail(ErrorCode::invalid_argument, "validation set has {} features, training set {}",
                validation.features, train.features);
  }
  TrainedAutoencoder result;
  auto scaling = fit_scaling(train);
  if (!scaling) return std::unexpected(scaling.error());
  result.scaling = std::move(*scaling);

  const auto start = std::chrono::steady_clock::now();
  const ThreadScope threads(c.optimizer.threads);
  torch::manual_seed(c.optimizer.seed);
  Problem p;
  p.classification = false;
  p.x_train = standardized_tensor(result.scaling, train);
  p.target_train = p.x_train;
  p.weight_train = row_weights(train, nullptr);
  p.x_validation = standardized_tensor(result.scaling, validation);
  p.target_validation = p.x_validation;
  p.weight_validation = row_weights(validation, nullptr);

  // d -> hidden... -> bottleneck -> reversed hidden... -> d, the last layer linear.
  std::vector<std::size_t> widths = c.hidden;
  widths.push_back(c.bottleneck);
  widths.insert(widths.end(), c.hidden.rbegin(), c.hidden.rend());
  widths.push_back(train.features);
  Rng rng(c.optimizer.seed);
  MlpSpec initial = initial_spec(train.features, widths, c.hidden_activation, Activation::none, rng);
  auto loop = run_training(p, std::move(initial), c.optimizer, rng);
  if (!loop) return std::unexpected(loop.error());

  result.spec = std::move(loop->spec);
  fold_input_scaling(result.scaling, result.spec.layers.front());
  fold_output_scaling(result.scaling, result.spec.layers.back());
  if (auto ok = validate(result.spec); !ok)
    return std::unexpected(ok.error().with_context("trained autoencoder"));
  result.curve = std::move(loop->curve);
  result.best_epoch = loop->best_epoch;
  result.stopped_early = loop->stopped_early;
  const std::vector<float> reconstruction = spec_forward(result.spec, validation.x, validation.rows);
  const std::size_t d = train.features;
  result.validation_errors.resize(validation.rows);
  for (std::size_t r = 0; r < validation.rows; ++r) {
    result.validation_errors[r] = static_cast<float>(reconstruction_error(
        validation.row(r), std::span<const float>(reconstruction).subspan(r * d, d), result.scaling));
  }
  result.training_s = seconds_since(start);
  return result;
}

Result<TrainedClassifier> classifier_entry(const Dataset& train, const Dataset& validation,
                                           const ClassifierConfig& config) {
  try {
    return classifier_impl(train, validation, config);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, "libtorch failed while training the classifier: {}", e.what());
  }
}

Result<TrainedAutoencoder> autoencoder_entry(const Dataset& train, const Dataset& validation,
                                             const AutoencoderConfig& config) {
  try {
    return autoencoder_impl(train, validation, config);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, "libtorch failed while training the autoencoder: {}", e.what());
  }
}

Result<std::vector<float>> forward_entry(const MlpSpec& spec, std::span<const float> x, std::size_t rows) {
  if (auto ok = validate(spec); !ok) return std::unexpected(ok.error());
  if (rows == 0) return fail(ErrorCode::invalid_argument, "torch_forward of 0 rows");
  if (x.size() / rows != spec.input_size() || x.size() % rows != 0) {
    return fail(ErrorCode::invalid_argument, "input holds {} values, expected {} rows x {} inputs", x.size(),
                rows, spec.input_size());
  }
  try {
    return spec_forward(spec, x, rows);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, "libtorch forward pass failed: {}", e.what());
  }
}

const TorchBackend k_backend{
    .abi = k_torch_backend_abi,
    .train_classifier = classifier_entry,
    .train_autoencoder = autoencoder_entry,
    .torch_forward = forward_entry,
};

}  // namespace
}  // namespace vigil::model::train

extern "C" __attribute__((visibility("default"))) const vigil::model::train::TorchBackend*
vigil_torch_backend() {
  return &vigil::model::train::k_backend;
}
