#include "model/train/onnx_export.hpp"

#include <exception>
#include <string_view>

#include <fmt/core.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

namespace vigil::model::train {
namespace {

void add_dimension(onnx::TensorShapeProto* shape, std::int64_t value) {
  shape->add_dim()->set_dim_value(value);
}

// A float32 [batch, width] value description (graph input or output).
void describe_matrix(onnx::ValueInfoProto* info, const std::string& name, std::size_t width,
                     bool dynamic_batch) {
  info->set_name(name);
  auto* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensor->mutable_shape();
  if (dynamic_batch) {
    shape->add_dim()->set_dim_param("batch");
  } else {
    add_dimension(shape, 1);
  }
  add_dimension(shape, static_cast<std::int64_t>(width));
}

void add_initializer(onnx::GraphProto* graph, const std::string& name, std::span<const float> values,
                     std::initializer_list<std::size_t> dims) {
  onnx::TensorProto* tensor = graph->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  for (const std::size_t d : dims) tensor->add_dims(static_cast<std::int64_t>(d));
  // float_data (packed varint-free fixed32 on the wire) keeps the byte order the protobuf library's
  // business, unlike raw_data which is little-endian by contract.
  tensor->mutable_float_data()->Add(values.begin(), values.end());
}

onnx::AttributeProto* add_int_attribute(onnx::NodeProto* node, const char* name, std::int64_t value) {
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
  return a;
}

void add_float_attribute(onnx::NodeProto* node, const char* name, float value) {
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

const char* onnx_operator(Activation activation) {
  switch (activation) {
    case Activation::relu:
      return "Relu";
    case Activation::sigmoid:
      return "Sigmoid";
    case Activation::tanh:
      return "Tanh";
    case Activation::softmax:
      return "Softmax";
    case Activation::none:
      break;
  }
  return nullptr;
}

}  // namespace

Result<std::string> export_onnx(const MlpSpec& spec, const ExportOptions& options) {
  if (auto valid = validate(spec); !valid) return std::unexpected(valid.error().with_context("ONNX export"));
  if (options.input_name.empty() || options.output_name.empty() ||
      options.input_name == options.output_name) {
    return fail(ErrorCode::invalid_argument,
                "ONNX export: input name '{}' and output name '{}' must be non-empty and differ",
                options.input_name, options.output_name);
  }
  if (options.input_name.starts_with("layer") || options.output_name.starts_with("layer")) {
    return fail(
        ErrorCode::invalid_argument,
        "ONNX export: input/output names must not start with 'layer' (reserved for internal tensors)");
  }

  onnx::ModelProto model;
  model.set_ir_version(k_onnx_ir_version);
  model.set_producer_name("vigil");
  model.set_producer_version(options.producer_version);
  model.set_domain("org.vigil");
  model.set_model_version(options.model_version);
  model.set_doc_string(options.doc_string);
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(k_onnx_opset);
  for (const auto& [key, value] : options.metadata) {
    onnx::StringStringEntryProto* entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }

  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name(options.graph_name);
  describe_matrix(graph->add_input(), options.input_name, spec.input_size(), options.dynamic_batch);
  describe_matrix(graph->add_output(), options.output_name, spec.output_size(), options.dynamic_batch);

  std::string current = options.input_name;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const DenseLayer& layer = spec.layers[i];
    const bool last = i + 1 == spec.layers.size();
    const char* activation_op = onnx_operator(layer.activation);
    const std::string weight = fmt::format("layer{}.weight", i);
    const std::string bias = fmt::format("layer{}.bias", i);
    add_initializer(graph, weight, layer.weight, {layer.outputs, layer.inputs});
    add_initializer(graph, bias, layer.bias, {layer.outputs});

    const std::string linear =
        (last && activation_op == nullptr) ? options.output_name : fmt::format("layer{}.linear", i);
    onnx::NodeProto* gemm = graph->add_node();
    gemm->set_op_type("Gemm");
    gemm->set_name(fmt::format("layer{}.gemm", i));
    gemm->add_input(current);
    gemm->add_input(weight);
    gemm->add_input(bias);
    gemm->add_output(linear);
    add_float_attribute(gemm, "alpha", 1.0f);
    add_float_attribute(gemm, "beta", 1.0f);
    add_int_attribute(gemm, "transA", 0);
    add_int_attribute(gemm, "transB", 1);
    current = linear;

    if (activation_op != nullptr) {
      const std::string activated =
          last ? options.output_name : fmt::format("layer{}.{}", i, to_string(layer.activation));
      onnx::NodeProto* act = graph->add_node();
      act->set_op_type(activation_op);
      act->set_name(fmt::format("layer{}.{}", i, to_string(layer.activation)));
      act->add_input(current);
      act->add_output(activated);
      if (layer.activation == Activation::softmax) add_int_attribute(act, "axis", 1);
      current = activated;
    }
  }

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, "ONNX export: the built model fails onnx::checker: {}", e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return fail(ErrorCode::internal, "ONNX export: protobuf serialisation failed");
  return bytes;
}

}  // namespace vigil::model::train
