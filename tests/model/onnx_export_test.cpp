// ONNX export: the bytes are read back with libonnx's own protobuf classes (not our code) and the graph
// is checked node by node against the ONNX operator definitions the exporter promises.
#include "model/train/onnx_export.hpp"

#include <cmath>
#include <limits>
#include <random>
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

#include "support/random_mlp.hpp"

namespace vigil::model::train {
namespace VIGIL_TEST_FILE {

using test::random_mlp;

onnx::ModelProto parse(const std::string& bytes) {
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(bytes));
  return model;
}

std::vector<std::string> op_types(const onnx::ModelProto& model) {
  std::vector<std::string> ops;
  for (const auto& n : model.graph().node()) ops.push_back(n.op_type());
  return ops;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

std::vector<std::int64_t> dims(const onnx::ValueInfoProto& info) {
  std::vector<std::int64_t> d;
  for (const auto& dim : info.type().tensor_type().shape().dim())
    d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  return d;
}

// 2 → 3 (relu) → 2 (softmax), every value written by hand.
MlpSpec hand_made() {
  MlpSpec spec;
  spec.layers.push_back({2, 3, {1, 2, 3, 4, 5, 6}, {0.5f, -0.5f, 0.25f}, Activation::relu});
  spec.layers.push_back({3, 2, {1, 0, -1, 0, 1, 0}, {0, 1}, Activation::softmax});
  return spec;
}

TEST(OnnxExport, HandMadeSpecBecomesGemmReluGemmSoftmaxWithItsWeightsAsInitializers) {
  ExportOptions options;
  options.doc_string = "test classifier";
  options.metadata = {{"classes", "normal,inner,outer,ball"}};
  auto bytes = export_onnx(hand_made(), options);
  ASSERT_TRUE(bytes) << bytes.error().message;
  const onnx::ModelProto model = parse(*bytes);

  EXPECT_EQ(model.ir_version(), 7);
  ASSERT_EQ(model.opset_import_size(), 1);
  EXPECT_EQ(model.opset_import(0).domain(), "");
  EXPECT_EQ(model.opset_import(0).version(), 13);
  EXPECT_EQ(model.producer_name(), "vigil");
  EXPECT_EQ(model.doc_string(), "test classifier");
  ASSERT_EQ(model.metadata_props_size(), 1);
  EXPECT_EQ(model.metadata_props(0).key(), "classes");
  EXPECT_EQ(model.metadata_props(0).value(), "normal,inner,outer,ball");

  const onnx::GraphProto& g = model.graph();
  ASSERT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.input(0).name(), "features");
  EXPECT_EQ(g.input(0).type().tensor_type().elem_type(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(dims(g.input(0)), (std::vector<std::int64_t>{1, 2}));
  ASSERT_EQ(g.output_size(), 1);
  EXPECT_EQ(g.output(0).name(), "output");
  EXPECT_EQ(dims(g.output(0)), (std::vector<std::int64_t>{1, 2}));

  EXPECT_EQ(op_types(model), (std::vector<std::string>{"Gemm", "Relu", "Gemm", "Softmax"}));
  const onnx::NodeProto& gemm0 = g.node(0);
  ASSERT_EQ(gemm0.input_size(), 3);
  EXPECT_EQ(gemm0.input(0), "features");
  EXPECT_EQ(gemm0.input(1), "layer0.weight");
  EXPECT_EQ(gemm0.input(2), "layer0.bias");
  ASSERT_NE(attribute(gemm0, "transB"), nullptr);
  EXPECT_EQ(attribute(gemm0, "transB")->i(), 1);
  EXPECT_EQ(attribute(gemm0, "transA")->i(), 0);
  EXPECT_EQ(attribute(gemm0, "alpha")->f(), 1.0f);
  EXPECT_EQ(attribute(gemm0, "beta")->f(), 1.0f);
  // Each node consumes what the previous one produced; the last produces the graph output.
  for (int i = 1; i < g.node_size(); ++i) EXPECT_EQ(g.node(i).input(0), g.node(i - 1).output(0)) << i;
  EXPECT_EQ(g.node(3).output(0), "output");
  ASSERT_NE(attribute(g.node(3), "axis"), nullptr);
  EXPECT_EQ(attribute(g.node(3), "axis")->i(), 1);

  ASSERT_EQ(g.initializer_size(), 4);
  const onnx::TensorProto& w0 = g.initializer(0);
  EXPECT_EQ(w0.name(), "layer0.weight");
  EXPECT_EQ(w0.data_type(), onnx::TensorProto::FLOAT);
  ASSERT_EQ(w0.dims_size(), 2);
  EXPECT_EQ(w0.dims(0), 3);  // [outputs, inputs]: Gemm with transB = 1 computes X · Wᵀ
  EXPECT_EQ(w0.dims(1), 2);
  EXPECT_EQ(std::vector<float>(w0.float_data().begin(), w0.float_data().end()),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const onnx::TensorProto& b1 = g.initializer(3);
  EXPECT_EQ(b1.name(), "layer1.bias");
  EXPECT_EQ(std::vector<float>(b1.float_data().begin(), b1.float_data().end()), (std::vector<float>{0, 1}));
}

TEST(OnnxExport, ClassifierShapedNetworkHasOneGemmAndOneActivationPerLayer) {
  const MlpSpec spec =
      random_mlp({30, 32, 16, 4}, {Activation::relu, Activation::relu, Activation::softmax}, 1);
  auto bytes = export_onnx(spec);
  ASSERT_TRUE(bytes) << bytes.error().message;
  const onnx::ModelProto model = parse(*bytes);
  EXPECT_EQ(op_types(model), (std::vector<std::string>{"Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"}));
  EXPECT_EQ(dims(model.graph().input(0)), (std::vector<std::int64_t>{1, 30}));
  EXPECT_EQ(dims(model.graph().output(0)), (std::vector<std::int64_t>{1, 4}));
  std::size_t values = 0;
  for (const auto& t : model.graph().initializer()) values += static_cast<std::size_t>(t.float_data_size());
  EXPECT_EQ(values, spec.parameter_count());
}

TEST(OnnxExport, LinearLastLayerWritesTheGemmStraightToTheOutput) {
  const MlpSpec spec = random_mlp({30, 8, 30}, {Activation::tanh, Activation::none}, 2);
  auto bytes = export_onnx(spec);
  ASSERT_TRUE(bytes) << bytes.error().message;
  const onnx::ModelProto model = parse(*bytes);
  EXPECT_EQ(op_types(model), (std::vector<std::string>{"Gemm", "Tanh", "Gemm"}));
  EXPECT_EQ(model.graph().node(2).output(0), "output");
  EXPECT_EQ(dims(model.graph().output(0)), (std::vector<std::int64_t>{1, 30}));
}

TEST(OnnxExport, SigmoidMapsToTheSigmoidOperator) {
  auto bytes = export_onnx(random_mlp({4, 1}, {Activation::sigmoid}, 3));
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(op_types(parse(*bytes)), (std::vector<std::string>{"Gemm", "Sigmoid"}));
}

TEST(OnnxExport, DynamicBatchMakesTheFirstDimensionSymbolic) {
  ExportOptions options;
  options.dynamic_batch = true;
  options.input_name = "x";
  options.output_name = "y";
  auto bytes = export_onnx(hand_made(), options);
  ASSERT_TRUE(bytes) << bytes.error().message;
  const onnx::ModelProto model = parse(*bytes);
  const auto& in_dim = model.graph().input(0).type().tensor_type().shape().dim(0);
  EXPECT_FALSE(in_dim.has_dim_value());
  EXPECT_EQ(in_dim.dim_param(), "batch");
  EXPECT_EQ(model.graph().input(0).name(), "x");
  EXPECT_EQ(model.graph().output(0).name(), "y");
  EXPECT_EQ(model.graph().node(0).input(0), "x");
}

TEST(OnnxExport, RefusesAnInvalidSpec) {
  MlpSpec empty;
  auto r = export_onnx(empty);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);

  MlpSpec broken = hand_made();
  broken.layers[1].inputs = 4;  // does not chain with layer 0's 3 outputs
  r = export_onnx(broken);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("ONNX export"), std::string::npos) << r.error().message;

  MlpSpec non_finite = hand_made();
  non_finite.layers[0].weight[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(export_onnx(non_finite));
}

TEST(OnnxExport, RefusesEmptyClashingOrReservedTensorNames) {
  ExportOptions same;
  same.output_name = same.input_name;
  EXPECT_FALSE(export_onnx(hand_made(), same));
  ExportOptions empty;
  empty.input_name.clear();
  EXPECT_FALSE(export_onnx(hand_made(), empty));
  ExportOptions reserved;
  reserved.output_name = "layer0.linear";
  EXPECT_FALSE(export_onnx(hand_made(), reserved));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model::train
