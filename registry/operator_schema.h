// Operator schemas: how many inputs and outputs an operator takes, its documentation, its arguments,
// in-place rules and shape inference. Every operator def is checked against its schema before the
// operator's constructor runs.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "proto/caffe2.pb.h"
#include "registry/registry.h"

namespace caffe2 {

class OpSchema {
 public:
  using ShapeInference =
      std::function<std::vector<TensorShape>(const OperatorDef&, const std::vector<TensorShape>&)>;
  using TensorInferenceFunctionType = ShapeInference;
  // What running the operator costs, as Caffe2's cost inference reports it.
  struct Cost {
    uint64_t flops{0};
    uint64_t bytes_read{0};
    uint64_t bytes_written{0};
    uint64_t params_bytes{0};
  };
  using CostInferenceFunctionType =
      std::function<Cost(const OperatorDef&, const std::vector<TensorShape>&)>;
  using DeviceInferenceFunctionType =
      std::function<std::pair<std::vector<DeviceOption>, std::vector<DeviceOption>>(const OperatorDef&)>;

  struct Argument {
    std::string name;
    std::string description;
    bool required;
  };
  struct TensorDoc {
    std::string name;
    std::string description;
  };

  OpSchema(std::string name, std::string file, int line);

  // Counts: an exact number, a range, a set, or a predicate.
  OpSchema& NumInputs(int n);
  OpSchema& NumInputs(int min, int max);
  OpSchema& NumInputs(std::set<int> allowed);
  OpSchema& NumInputs(std::function<bool(int)> allowed);
  OpSchema& NumOutputs(int n);
  OpSchema& NumOutputs(int min, int max);
  OpSchema& NumOutputs(std::set<int> allowed);
  OpSchema& NumOutputs(std::function<bool(int)> allowed);
  OpSchema& NumInputsOutputs(std::function<bool(int, int)> allowed);
  // Caffe2's rule: an output may share a blob with an input only where the schema allows it.
  OpSchema& AllowInplace(std::set<std::pair<int, int>> pairs);
  OpSchema& AllowInplace(std::function<bool(int, int)> allowed);
  OpSchema& AllowOneToOneInplace();
  // The output must share the blob of the input (Caffe2's EnforceInplace); enforced implies allowed.
  OpSchema& EnforceInplace(std::set<std::pair<int, int>> pairs);
  OpSchema& EnforceInplace(std::function<bool(int, int)> enforced);
  OpSchema& EnforceOneToOneInplace();

  OpSchema& SetDoc(std::string doc);
  OpSchema& Input(int index, std::string name, std::string description);
  OpSchema& Output(int index, std::string name, std::string description);
  // The description should state the type and the default, e.g. "(int, default 1) ...".
  OpSchema& Arg(std::string name, std::string description, bool required = false);
  OpSchema& TensorInferenceFunction(ShapeInference function);
  OpSchema& IdenticalTypeAndShape();
  OpSchema& IdenticalTypeAndShapeOfInput(int index);
  // One output: input `index`'s dtype, with the shape of its dim `dim` only (a 1-D shape).
  OpSchema& IdenticalTypeAndShapeOfInputDim(int index, int dim);
  // One output per listed input, each the type and shape of that input.
  OpSchema& IdenticalTypeAndShapeOfMultipleInputs(const std::vector<int>& indices);
  // Every output is a scalar (no dims) of dtype `data_type`.
  OpSchema& ScalarType(TensorProto::DataType data_type);
  OpSchema& CostInferenceFunction(CostInferenceFunctionType function);
  bool HasCostInferenceFunction() const { return static_cast<bool>(cost_inference_); }
  // An operator without a cost function is an error.
  Cost InferCost(const OperatorDef& def, const std::vector<TensorShape>& input_shapes) const;
  // Where inputs and outputs live. The CPU is the only device here, so the default (every blob on
  // the def's device) is what any function must return; it is kept for code that asks.
  OpSchema& DeviceInferenceFunction(DeviceInferenceFunctionType function);
  std::pair<std::vector<DeviceOption>, std::vector<DeviceOption>> InferDevice(const OperatorDef& def) const;

  // Metadata only: recorded where it has a reader, otherwise accepted so Caffe2 schemas compile.
  OpSchema& InheritOnnxSchema(const std::string& onnx_schema_name);
  OpSchema& InheritOnnxSchema() { return InheritOnnxSchema(name_); }
  const std::string& onnx_schema() const { return onnx_schema_; }
  // Hidden from documentation listings.
  OpSchema& Private();
  bool private_op() const { return private_; }
  OpSchema& InputsCanCrossDevices() { return *this; }
  // Caffe2's benchmark input fillers; this runtime has no filler-driven benchmarks.
  OpSchema& ValueKeyLengthInputFillers(size_t, size_t, size_t) { return *this; }
  OpSchema& ValueLengthInputFillers(size_t, size_t) { return *this; }
  OpSchema& DisallowInputFillers() { return *this; }
  // Calls `populator` on this schema (for schemas shared by several operators).
  OpSchema& FillUsing(const std::function<void(OpSchema&)>& populator) {
    if (populator) populator(*this);
    return *this;
  }
  bool inplace_enforced(int input, int output) const { return inplace_enforced_(input, output); }

  // Every way `def` breaks this schema, each a full sentence; empty when it conforms.
  std::vector<std::string> Problems(const OperatorDef& def) const;
  bool Verify(const OperatorDef& def) const { return Problems(def).empty(); }
  // Throws EnforceNotMet listing the problems.
  void EnforceValid(const OperatorDef& def) const;

  // Output shapes from input shapes; shapes it cannot know are marked unknown_shape.
  std::vector<TensorShape> InferTensor(const OperatorDef& def,
                                       const std::vector<TensorShape>& input_shapes) const;
  bool has_shape_inference() const { return static_cast<bool>(shape_inference_); }

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& doc() const { return doc_; }
  // The first sentence of the documentation.
  std::string Summary() const;
  const std::vector<TensorDoc>& input_docs() const { return input_docs_; }
  const std::vector<TensorDoc>& output_docs() const { return output_docs_; }
  const std::vector<Argument>& args() const { return args_; }
  // "2", "1 to 2", "one of {2, 4, 6}", "as the schema's rule allows" (for predicates).
  std::string InputCountText() const { return input_count_text_; }
  std::string OutputCountText() const { return output_count_text_; }
  // Everything above, as text for a person (the runner's --describe_operator).
  std::string Describe() const;

 private:
  std::string name_;
  std::string file_;
  int line_;
  std::string doc_;
  std::function<bool(int)> num_inputs_ok_ = [](int) { return true; };
  std::function<bool(int)> num_outputs_ok_ = [](int) { return true; };
  std::function<bool(int, int)> num_inputs_outputs_ok_;
  std::function<bool(int, int)> inplace_allowed_ = [](int, int) { return false; };
  std::function<bool(int, int)> inplace_enforced_ = [](int, int) { return false; };
  CostInferenceFunctionType cost_inference_;
  DeviceInferenceFunctionType device_inference_;
  std::string onnx_schema_;
  bool private_ = false;
  std::string input_count_text_ = "any number";
  std::string output_count_text_ = "any number";
  std::vector<TensorDoc> input_docs_;
  std::vector<TensorDoc> output_docs_;
  std::vector<Argument> args_;
  ShapeInference shape_inference_;
};

// Safe to use from any thread, also while an operator library loaded at run time registers schemas.
class OpSchemaRegistry {
 public:
  // Reserves the name and returns a schema for the setter chain to fill in; Schema() and Names() do
  // not show it until Publish(schema), so no thread sees a schema half built (OPERATOR_SCHEMA publishes
  // at the end of its statement). A second schema under the same name is an error naming both places.
  static OpSchema& NewSchema(const std::string& name, const std::string& file, int line);
  static void Publish(const OpSchema& schema);
  // nullptr when no schema is published under the name.
  static const OpSchema* Schema(const std::string& name);
  static std::vector<std::string> Names();

  // What OPERATOR_SCHEMA defines: made from the end of the setter chain, it publishes the schema.
  struct Publication {
    Publication(const OpSchema& schema) { Publish(schema); }  // NOLINT: implicit, ends the chain
  };
};

}  // namespace caffe2

#define OPERATOR_SCHEMA(name)                                                                         \
  [[maybe_unused]] static const ::caffe2::OpSchemaRegistry::Publication CAFFE_ANONYMOUS_VARIABLE(      \
      op_schema_##name) = ::caffe2::OpSchemaRegistry::NewSchema(#name, __FILE__, __LINE__)
#define GRADIENT_OPERATOR_SCHEMA(name) OPERATOR_SCHEMA(name)
