// Learned-model latency per window, the edge's budget: feature extraction, the anomaly score (scaler +
// Gaussian T^2 + calibration), the fault classifier (its ONNX graph through the allocation-free evaluator,
// model/dense_graph.hpp), and all of it together (model::WindowAssessor), beside two floors in the same run:
//   floor/window_fft        the one FFT of the window that the features cannot avoid;
//   floor/dense_arithmetic  the inference arithmetic alone in plain loops (standardise, the triangular
//                           whitening product of T^2, the classifier's dense layers and softmax).
// and, for reference, the classifier graph through OpenCV DNN (reference/classifier_graph_opencv) beside the
// same graph through the evaluator (model/classifier_graph).
// Workload: CWRU-like windows (sim::Scenario::cwru_like, 12 kHz, 4096 samples, 6205-2RS at 1797 rpm),
// eight windows cycling healthy / outer race / inner race / ball. The anomaly model is fitted here on 120
// simulated healthy windows; the classifier has the default recipe's shape (train::ClassifierConfig:
// 44 -> 64 -> 32 -> 3, softmax) with seeded random weights: latency does not depend on the weights.
//
// Writes OUT_DIR/model_peer_input.json (the eight feature vectors, the scaler, the detector, the network and
// our scores) for bench/peer/model_peer.py, the numpy peer that scores the same vectors one window at a
// time and checks it gets the same numbers.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <Eigen/Cholesky>
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "dsp/fft.hpp"
#include "eval/anomaly_training.hpp"
#include "eval/labelled_windows.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/assessment.hpp"
#include "model/classifier_bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/features.hpp"
#include "model/mlp.hpp"
#include "model/onnx_inference.hpp"
#include "model/train/classifier.hpp"
#include "model/train/model_export.hpp"

namespace {

using namespace vigil;
using bench::value_or_die;

constexpr double k_rate_hz = 12000;
constexpr std::size_t k_len = 4096;
constexpr double k_rpm = 1797;
constexpr std::size_t k_windows = 8;
const std::vector<std::string> k_labels = {"inner_race", "outer_race", "ball"};

model::FeatureExtractorConfig extractor_config() {
  return {.sample_rate_hz = k_rate_hz,
          .window_len = k_len,
          .bearing = value_or_die(dsp::find_bearing("6205-2RS"), "bearing"),
          .max_speed_rpm = 3600,
          .unit = dsp::AccelerationUnit::g,
          .speed_tolerance = 0.02,
          .effort = dsp::PlanEffort::measure};
}

std::vector<float> simulate(sim::FaultKind kind, std::size_t samples, std::uint64_t seed) {
  auto simulator =
      value_or_die(sim::Simulator::create(sim::Scenario::cwru_like(kind, k_rpm), seed), "simulator");
  std::vector<float> x(samples);
  simulator.generate(x);
  return x;
}

model::AnomalyModel fit_anomaly(model::FeatureExtractor& extractor) {
  const auto x = simulate(sim::FaultKind::none, 120 * k_len, 5);
  eval::LabelledWindows table{.sample_rate_hz = k_rate_hz, .window_len = k_len, .hop = k_len, .rows = {}};
  for (std::size_t k = 0; k < 120; ++k) {
    auto f = value_or_die(extractor.extract(std::span<const float>(x).subspan(k * k_len, k_len), k_rpm),
                          "features");
    table.rows.push_back(eval::WindowRow{.recording = "healthy",
                                         .fault = domain::FaultType::normal,
                                         .speed_rpm = k_rpm,
                                         .start_sample = k * k_len,
                                         .features = std::vector<float>(f.begin(), f.end())});
  }
  return std::move(value_or_die(eval::train_anomaly_model(table), "anomaly model").model);
}

model::MlpSpec classifier_spec() {
  std::vector<std::size_t> widths{model::k_classifier_feature_count};
  for (auto h : model::train::ClassifierConfig{}.hidden) widths.push_back(h);
  widths.push_back(k_labels.size());
  std::mt19937 rng(7);
  model::MlpSpec spec;
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
    model::DenseLayer l{
        .inputs = widths[i],
        .outputs = widths[i + 1],
        .weight = {},
        .bias = {},
        .activation = i + 2 == widths.size() ? model::Activation::softmax : model::Activation::relu};
    std::normal_distribution<float> w(0.0f, 1.0f / std::sqrt(float(l.inputs)));
    for (std::size_t k = 0; k < l.inputs * l.outputs; ++k) l.weight.push_back(w(rng));
    for (std::size_t k = 0; k < l.outputs; ++k) l.bias.push_back(0.1f * w(rng));
    spec.layers.push_back(std::move(l));
  }
  return spec;
}

// The inference arithmetic without any framework: z = (x - c) / s, T^2 = ||L^-1 (z - m)||^2 with a dense
// lower-triangular L^-1, then the dense layers in float with ReLU and a final softmax.
struct DenseFloor {
  std::vector<double> centre, scale, mean, whitening;  // whitening: d x d lower triangle, row-major
  model::MlpSpec spec;
  std::vector<double> z, u;
  std::vector<float> a, b;

  double run(std::span<const float> x) {
    const std::size_t d = centre.size();
    for (std::size_t j = 0; j < d; ++j) z[j] = (double(x[j]) - centre[j]) / scale[j] - mean[j];
    double t2 = 0;
    for (std::size_t i = 0; i < d; ++i) {
      double s = 0;
      for (std::size_t j = 0; j <= i; ++j) s += whitening[i * d + j] * z[j];
      t2 += s * s;
    }
    a.assign(x.begin(), x.end());
    for (const auto& l : spec.layers) {
      b.assign(l.outputs, 0.0f);
      for (std::size_t o = 0; o < l.outputs; ++o) {
        float s = l.bias[o];
        for (std::size_t i = 0; i < l.inputs; ++i) s += l.weight[o * l.inputs + i] * a[i];
        b[o] = l.activation == model::Activation::relu ? std::max(s, 0.0f) : s;
      }
      std::swap(a, b);
    }
    float top = a[0], sum = 0;
    for (float v : a) top = std::max(top, v);
    for (float& v : a) sum += (v = std::exp(v - top));
    return t2 + double(a[0] / sum);
  }
};

void set_counters(benchmark::State& state, std::size_t windows_per_iteration) {
  state.counters["us_per_window"] =
      benchmark::Counter(double(state.iterations()) * double(windows_per_iteration) * 1e-6,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags{{"--out_dir", "."}};
  if (!bench::initialize(argc, argv, flags)) return 1;
  const std::string out_dir = flags["--out_dir"];

  auto extractor = value_or_die(model::FeatureExtractor::create(extractor_config()), "extractor");
  auto anomaly = fit_anomaly(extractor);
  const auto spec = classifier_spec();
  auto bundle =
      value_or_die(model::train::make_classifier_bundle(spec, k_labels, 0.6, {}), "classifier bundle");
  auto classifier = value_or_die(model::ClassifierModel::from_bundle(bundle), "classifier");

  // The workload: k_windows windows and their classifier vectors (the window features, which the anomaly
  // model reads, first).
  const sim::FaultKind kinds[] = {sim::FaultKind::none, sim::FaultKind::outer_race,
                                  sim::FaultKind::inner_race, sim::FaultKind::ball};
  std::vector<std::vector<float>> windows, features;
  for (std::size_t w = 0; w < k_windows; ++w) {
    windows.push_back(simulate(kinds[w % 4], k_len, 100 + w));
    value_or_die(extractor.extract(windows.back(), k_rpm), "features");
    const auto f = extractor.classifier_features();
    features.emplace_back(f.begin(), f.end());
  }
  auto window_features = [](const std::vector<float>& f) {
    return std::span<const float>(f).first(model::k_feature_count);
  };

  // Our scores of the workload, and the peer's input.
  nlohmann::json peer = {{"labels", k_labels}, {"features", features}};
  peer["scaler"] = anomaly.scaler().to_json();
  const auto& gaussian = std::get<model::GaussianAnomaly>(anomaly.detector());
  peer["detector"] = gaussian.to_json();
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : spec.layers) {
    layers.push_back({{"inputs", l.inputs},
                      {"outputs", l.outputs},
                      {"weight", l.weight},
                      {"bias", l.bias},
                      {"activation", l.activation == model::Activation::relu ? "relu" : "softmax"}});
  }
  peer["layers"] = layers;
  nlohmann::json t2 = nlohmann::json::array(), probabilities = nlohmann::json::array();
  for (const auto& f : features) {
    t2.push_back(value_or_die(anomaly.score(window_features(f)), "score").score);
    auto c = value_or_die(classifier.classify(f), "classify");
    probabilities.push_back(std::vector<float>(c.probabilities.begin(), c.probabilities.end()));
  }
  peer["expected"] = {{"t2", t2}, {"probabilities", probabilities}};
  std::ofstream(out_dir + "/model_peer_input.json") << peer.dump();

  // The floors' own copies.
  auto fft = value_or_die(
      dsp::RealFft::create(k_len, dsp::PlanEffort::measure, dsp::FftDirections::forward_only), "fft");
  DenseFloor dense;
  dense.centre = anomaly.scaler().to_json().at("centre").get<std::vector<double>>();
  dense.scale = anomaly.scaler().to_json().at("scale").get<std::vector<double>>();
  const auto& mean = gaussian.mean();
  dense.mean.assign(mean.data(), mean.data() + mean.size());
  const Eigen::Index dim = Eigen::Index(gaussian.dimension());
  const Eigen::MatrixXd covariance =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          gaussian.covariance().data(), dim, dim);
  const Eigen::MatrixXd lower = covariance.llt().matrixL();
  const Eigen::MatrixXd inverse =
      lower.triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(lower.rows(), lower.cols()));
  const std::size_t d = dense.centre.size();
  dense.whitening.resize(d * d);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j)
      dense.whitening[i * d + j] = inverse(Eigen::Index(i), Eigen::Index(j));
  dense.spec = spec;
  dense.z.resize(d);

  // The assessor gets its own instances (a model is not shared between workers).
  auto assessor = value_or_die(
      model::WindowAssessor::create(extractor_config(), fit_anomaly(extractor),
                                    value_or_die(model::ClassifierModel::from_bundle(bundle), "classifier")),
      "assessor");

  benchmark::AddCustomContext("window", fmt::format("{} samples at {} Hz", k_len, k_rate_hz));
  benchmark::AddCustomContext("classifier", fmt::format("{} parameters", spec.parameter_count()));

  benchmark::RegisterBenchmark("model/features", [&](benchmark::State& state) {
    for (auto _ : state)
      for (const auto& w : windows) benchmark::DoNotOptimize(extractor.extract(w, k_rpm));
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("model/classifier_features", [&](benchmark::State& state) {
    // The window features plus the defect-family features (one more demodulation, pre-whitened).
    for (auto _ : state) {
      for (const auto& w : windows) {
        benchmark::DoNotOptimize(extractor.extract(w, k_rpm));
        benchmark::DoNotOptimize(extractor.classifier_features());
      }
    }
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("model/anomaly_score", [&](benchmark::State& state) {
    for (auto _ : state)
      for (const auto& f : features) benchmark::DoNotOptimize(anomaly.score(window_features(f)));
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("model/classify", [&](benchmark::State& state) {
    for (auto _ : state)
      for (const auto& f : features) benchmark::DoNotOptimize(classifier.classify(f));
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("model/inference_and_scoring", [&](benchmark::State& state) {
    for (auto _ : state) {
      for (const auto& f : features) {
        benchmark::DoNotOptimize(anomaly.score(window_features(f)));
        benchmark::DoNotOptimize(classifier.classify(f));
      }
    }
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("model/window_end_to_end", [&](benchmark::State& state) {
    for (auto _ : state)
      for (const auto& w : windows) benchmark::DoNotOptimize(assessor.assess(w, k_rpm));
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  auto graph = value_or_die(
      model::OnnxModel::create(bundle.find(model::k_classifier_graph_member)->bytes, "classifier.onnx"),
      "classifier graph");
  std::vector<float> graph_out(graph.output_size());
  benchmark::RegisterBenchmark("model/classifier_graph", [&](benchmark::State& state) {
    for (auto _ : state)
      for (const auto& f : features) benchmark::DoNotOptimize(graph.run(f, graph_out));
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("reference/classifier_graph_opencv", [&](benchmark::State& state) {
    for (auto _ : state)
      for (const auto& f : features) benchmark::DoNotOptimize(graph.run_opencv(f, graph_out));
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("floor/window_fft", [&](benchmark::State& state) {
    for (auto _ : state)
      for (const auto& w : windows) benchmark::DoNotOptimize(fft.forward(w).data());
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("floor/dense_arithmetic", [&](benchmark::State& state) {
    for (auto _ : state)
      for (const auto& f : features) benchmark::DoNotOptimize(dense.run(f));
    set_counters(state, k_windows);
  })->Unit(benchmark::kMicrosecond);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
