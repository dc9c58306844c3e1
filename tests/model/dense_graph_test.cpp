// The allocation-free graph evaluator: the ONNX Gemm definition computed by hand (alpha, beta, both weight
// layouts, raw_data and float_data initializers, a [1, n] bias), the activations' closed forms, and refusals
// of what it does not evaluate. Agreement with OpenCV on the bundles' graphs is in onnx_inference_test.
#include "model/dense_graph.hpp"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#ifndef ONNX_ML
#define ONNX_ML 1
#endif
#ifndef ONNX_NAMESPACE
#define ONNX_NAMESPACE onnx
#endif
#include <onnx/onnx_pb.h>

#include "model/train/onnx_export.hpp"
#include "support/alloc_counter.hpp"
#include "support/random_mlp.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

void describe(onnx::ValueInfoProto* info, const std::string& name, std::int64_t width) {
  info->set_name(name);
  auto* t = info->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  t->mutable_shape()->add_dim()->set_dim_value(1);
  t->mutable_shape()->add_dim()->set_dim_value(width);
}

void initializer(onnx::GraphProto* g, const std::string& name, const std::vector<float>& v,
                 std::vector<std::int64_t> dims, bool raw) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  if (raw) {
    std::string bytes(v.size() * sizeof(float), '\0');
    std::memcpy(bytes.data(), v.data(), bytes.size());
    t->set_raw_data(bytes);
  } else {
    for (float x : v) t->add_float_data(x);
  }
}

// x [1, 2] -> Gemm(B [2, 3] with transB = 0, C [1, 3], alpha 2, beta 0.5) -> next -> y [1, 3].
std::string hand_made(const std::string& next) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  describe(g->add_input(), "x", 2);
  describe(g->add_output(), "y", 3);
  initializer(g, "B", {1, 2, 3, -1, 0, 4}, {2, 3}, true);  // rows: inputs
  initializer(g, "C", {1, -2, 0.5f}, {1, 3}, false);
  auto* gemm = g->add_node();
  gemm->set_op_type("Gemm");
  gemm->add_input("x");
  gemm->add_input("B");
  gemm->add_input("C");
  gemm->add_output(next.empty() ? "y" : "h");
  auto* alpha = gemm->add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(2.0f);
  auto* beta = gemm->add_attribute();
  beta->set_name("beta");
  beta->set_type(onnx::AttributeProto::FLOAT);
  beta->set_f(0.5f);
  if (!next.empty()) {
    auto* act = g->add_node();
    act->set_op_type(next);
    act->add_input("h");
    act->add_output("y");
  }
  std::string bytes;
  EXPECT_TRUE(m.SerializeToString(&bytes));
  return bytes;
}

TEST(DenseGraph, GemmFollowsTheOnnxDefinition) {
  // x = [1, 2]: x B = [1 - 2, 2 + 0, 3 + 8] = [-1, 2, 11]; 2 x B + 0.5 C = [-2 + 0.5, 4 - 1, 22 + 0.25].
  auto g = DenseGraph::create(hand_made(""), "hand.onnx");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->input_size(), 2u);
  EXPECT_EQ(g->output_size(), 3u);
  std::vector<float> y(3);
  g->run(std::vector<float>{1, 2}, y);
  EXPECT_EQ(y, (std::vector<float>{-1.5f, 3.0f, 22.25f}));
}

TEST(DenseGraph, ActivationsHaveTheirClosedForms) {
  const std::vector<float> z = {-1.5f, 3.0f, 22.25f};
  std::vector<float> y(3);
  auto relu = DenseGraph::create(hand_made("Relu"));
  ASSERT_TRUE(relu);
  relu->run(std::vector<float>{1, 2}, y);
  EXPECT_EQ(y, (std::vector<float>{0.0f, 3.0f, 22.25f}));
  auto sigmoid = DenseGraph::create(hand_made("Sigmoid"));
  ASSERT_TRUE(sigmoid);
  sigmoid->run(std::vector<float>{1, 2}, y);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(y[i], 1.0 / (1.0 + std::exp(-double(z[i]))), 1e-7);
  auto tanh = DenseGraph::create(hand_made("Tanh"));
  ASSERT_TRUE(tanh);
  tanh->run(std::vector<float>{1, 2}, y);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(y[i], std::tanh(double(z[i])), 1e-7);
  auto softmax = DenseGraph::create(hand_made("Softmax"));
  ASSERT_TRUE(softmax);
  softmax->run(std::vector<float>{1, 2}, y);
  double sum = 0;
  for (float v : z) sum += std::exp(double(v) - 22.25);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(y[i], std::exp(double(z[i]) - 22.25) / sum, 1e-7);
}

TEST(DenseGraph, ExportedNetworksMatchTheDoubleReferenceAndAllocateNothing) {
  // Float32 against the double reference: a 64-term dot product of O(1) terms loses ~1e-6 at worst.
  const MlpSpec spec =
      test::random_mlp({28, 64, 32, 3}, {Activation::relu, Activation::relu, Activation::softmax}, 3);
  auto bytes = train::export_onnx(spec);
  ASSERT_TRUE(bytes);
  auto g = DenseGraph::create(*bytes);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->layer_count(), 3u);
  std::vector<float> x(28), y(3);
  test::AllocationScope scope;
  double worst = 0;
  for (int t = 0; t < 50; ++t) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(t * 31 + int(i)));
    g->run(x, y);
    const std::vector<float> expected = reference_forward(spec, x);  // allocates: counted below
    for (std::size_t i = 0; i < y.size(); ++i)
      worst = std::max(worst, std::abs(double(y[i]) - double(expected[i])));
  }
  EXPECT_LE(worst, 1e-5);
  const std::size_t with_reference = scope.allocations();
  test::AllocationScope runs_only;
  for (int t = 0; t < 100; ++t) g->run(x, y);
  EXPECT_EQ(runs_only.allocations(), 0u);
  EXPECT_GT(with_reference, 0u);
}

TEST(DenseGraph, RefusesWhatItDoesNotEvaluate) {
  auto unknown = DenseGraph::create(hand_made("Abs"), "abs.onnx");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::unsupported);
  EXPECT_NE(unknown.error().message.find("abs.onnx"), std::string::npos) << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("Abs"), std::string::npos) << unknown.error().message;
  EXPECT_FALSE(DenseGraph::create("not a model"));
  // A node off the chain: the activation reads the graph input instead of the Gemm's output.
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(hand_made("Relu")));
  m.mutable_graph()->mutable_node(1)->set_input(0, "x");
  std::string bytes;
  ASSERT_TRUE(m.SerializeToString(&bytes));
  auto broken = DenseGraph::create(bytes);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ErrorCode::unsupported);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
