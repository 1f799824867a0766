// Fill operators for init nets and gradient seeding: GivenTensor*Fill (explicit values) and
// ConstantFill (one value everywhere).
//
// Shared with Caffe2's FillerOp: the output shape comes from the `shape` argument, or, when there is an
// input, from that input's shape (plus `extra_shape`), or with input_as_shape=true from the input's
// int32/int64 values (plus `extra_shape`). Every argument is read once in the constructor.
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "caffe2_mask/framework/operator.h"
#include "registry/gradient.h"
#include "registry/operator_registry.h"
#include "registry/operator_schema.h"

namespace caffe2 {
// Everything here has internal linkage, so a program may define the same class names (Caffe2's
// BooleanMaskOp, SequenceMaskOp, GetSequenceMaskGradient, ...) without clashing with the built-ins.
namespace {

class FillerOp : public Operator<CPUContext> {
 public:
  FillerOp(const OperatorDef& def, Workspace* ws)
      : Operator<CPUContext>(def, ws),
        shape_(GetRepeatedArgument<int64_t>("shape")),
        extra_shape_(GetRepeatedArgument<int64_t>("extra_shape")),
        input_as_shape_(GetSingleArgument<bool>("input_as_shape", false)) {
    if (InputSize() > 0) {
      CAFFE_ENFORCE(!HasArgument("shape"), type(),
                    ": give the shape either as the 'shape' argument or as an input, not both");
    } else {
      CAFFE_ENFORCE(extra_shape_.empty(), type(), ": 'extra_shape' needs an input to extend");
      CAFFE_ENFORCE(!input_as_shape_, type(), ": input_as_shape=true needs an input");
      CheckedNumel(shape_, (type() + " argument 'shape'").c_str());
    }
  }

  bool RunOnDevice() final {
    std::vector<int64_t> dims = shape_;
    if (InputSize() > 0) {
      const Tensor& input = Input(0);
      if (input_as_shape_) {
        CAFFE_ENFORCE_EQ(input.dim(), 1, type(), ": with input_as_shape, ", DescribeInput(0),
                         " must be a 1-D int32 or int64 tensor of dims; its shape is", ShapeString(input.sizes()));
        if (input.IsType<int64_t>()) {
          dims.assign(input.data<int64_t>(), input.data<int64_t>() + input.numel());
        } else {
          CAFFE_ENFORCE(input.IsType<int32_t>(), type(), ": with input_as_shape, ", DescribeInput(0),
                        " must be int32 or int64, but is ", input.dtype().name());
          dims.assign(input.data<int32_t>(), input.data<int32_t>() + input.numel());
        }
      } else {
        dims = input.sizes();
      }
      dims.insert(dims.end(), extra_shape_.begin(), extra_shape_.end());
    }
    const int64_t numel = CheckedNumel(dims, (type() + " output shape").c_str());
    CheckCount(numel, dims);
    Tensor* output = Output(0);
    output->Resize(dims);
    Fill(output);
    return true;
  }

 protected:
  // Called before the output is touched; an error here leaves the output as it was.
  virtual void CheckCount(int64_t /*numel*/, const std::vector<int64_t>& /*dims*/) const {}
  virtual void Fill(Tensor* output) = 0;
  bool shape_known() const { return InputSize() == 0; }
  const std::vector<int64_t>& shape() const { return shape_; }

 private:
  const std::vector<int64_t> shape_;
  const std::vector<int64_t> extra_shape_;
  const bool input_as_shape_;
};

// Reads the `values` argument as the element type T of the fill.
template <typename T>
std::vector<T> ReadValues(const OperatorBase& op) {
  if constexpr (std::is_same_v<T, bool>) {
    // Caffe2 turned every non-zero int into true; bool tensors hold only 0 and 1.
    std::vector<int64_t> ints = op.GetRepeatedArgument<int64_t>("values");
    std::vector<T> values(ints.size());
    for (size_t i = 0; i < ints.size(); ++i) values[i] = ints[i] != 0;
    return values;
  } else {
    return op.GetRepeatedArgument<T>("values");
  }
}

template <typename T>
class GivenTensorFillOp final : public FillerOp {
 public:
  GivenTensorFillOp(const OperatorDef& def, Workspace* ws) : FillerOp(def, ws), values_(ReadValues<T>(*this)) {
    if (shape_known()) {
      CheckCount(CheckedNumel(shape(), "shape"), shape());
    }
  }

 private:
  void CheckCount(int64_t numel, const std::vector<int64_t>& dims) const override {
    CAFFE_ENFORCE_EQ(static_cast<int64_t>(values_.size()), numel, type(), ": argument 'values' has ",
                     values_.size(), " values but the shape ", ShapeString(dims), " has ", numel, " elements;");
  }
  void Fill(Tensor* output) override {
    T* out = output->mutable_data<T>();
    for (size_t i = 0; i < values_.size(); ++i) out[i] = values_[i];
  }

  const std::vector<T> values_;
};

// ConstantFill: `value` parsed once into the dtype's own type.
class ConstantFillOp final : public FillerOp {
 public:
  ConstantFillOp(const OperatorDef& def, Workspace* ws) : FillerOp(def, ws) {
    int data_type = GetSingleArgument<int>("dtype", TensorProto::FLOAT);
    if (!HasArgument("dtype") && HasArgument("value")) {
      // Caffe2: without dtype, the field 'value' is stored in decides (f -> FLOAT, i -> INT64).
      if (HasSingleArgumentOfType<float>("value")) {
        data_type = TensorProto::FLOAT;
      } else if (HasSingleArgumentOfType<int64_t>("value")) {
        data_type = TensorProto::INT64;
      } else {
        CAFFE_THROW("ConstantFill: argument 'value' must be set in field f (float) or i (integer)");
      }
    }
    CAFFE_ENFORCE_NE(data_type, static_cast<int>(TensorProto::UNDEFINED),
                     "ConstantFill: 'dtype' cannot be UNDEFINED;");
    switch (data_type) {
      case TensorProto::FLOAT: SetUp<float>(); break;
      case TensorProto::DOUBLE: SetUp<double>(); break;
      case TensorProto::FLOAT16: SetUp<float16>(); break;
      case TensorProto::BOOL: SetUp<bool>(); break;
      case TensorProto::INT8: SetUp<int8_t>(); break;
      case TensorProto::INT16: SetUp<int16_t>(); break;
      case TensorProto::INT32: SetUp<int32_t>(); break;
      case TensorProto::INT64: SetUp<int64_t>(); break;
      case TensorProto::UINT8: SetUp<uint8_t>(); break;
      case TensorProto::UINT16: SetUp<uint16_t>(); break;
      case TensorProto::STRING: SetUp<std::string>(); break;
      default:
        CAFFE_THROW("ConstantFill: 'dtype' ", data_type, " (", DataTypeName(data_type),
                    ") is not supported; supported: FLOAT, DOUBLE, FLOAT16, BOOL, INT8, INT16, INT32, INT64, "
                    "UINT8, UINT16, STRING");
    }
  }

 private:
  template <typename T>
  void SetUp() {
    fill_ = &ConstantFillOp::FillWith<T>;
    if constexpr (std::is_same_v<T, std::string>) {
      string_value_ = GetSingleArgument<std::string>("value", "");
    } else if constexpr (std::is_same_v<T, float16>) {
      float16 v(GetSingleArgument<float>("value", 0.0f));
      pattern_size_ = sizeof(v);
      std::memcpy(pattern_, &v, sizeof(v));
    } else if constexpr (std::is_same_v<T, bool>) {
      // Caffe2 accepted any integer and stored value != 0.
      const bool v = GetSingleArgument<int64_t>("value", 0) != 0;
      pattern_size_ = sizeof(v);
      std::memcpy(pattern_, &v, sizeof(v));
    } else {
      const T v = GetSingleArgument<T>("value", T(0));
      pattern_size_ = sizeof(v);
      std::memcpy(pattern_, &v, sizeof(v));
    }
  }

  template <typename T>
  void FillWith(Tensor* output) {
    T* out = output->mutable_data<T>();
    const int64_t n = output->numel();
    if constexpr (std::is_same_v<T, std::string>) {
      for (int64_t i = 0; i < n; ++i) out[i] = string_value_;
    } else {
      T v;
      std::memcpy(&v, pattern_, sizeof(T));
      for (int64_t i = 0; i < n; ++i) out[i] = v;
    }
  }

  void Fill(Tensor* output) override { (this->*fill_)(output); }

  void (ConstantFillOp::*fill_)(Tensor*) = nullptr;
  alignas(8) unsigned char pattern_[8] = {};
  size_t pattern_size_ = 0;
  std::string string_value_;
};

// Output shape when it can be told from the def and the input shapes; unknown with input_as_shape.
std::vector<TensorShape> FillShape(const OperatorDef& def, const std::vector<TensorShape>& in, int data_type) {
  ArgumentHelper args(def);
  TensorShape out;
  out.set_data_type(static_cast<TensorProto::DataType>(data_type));
  if (in.empty()) {
    for (int64_t d : args.GetRepeatedArgument<int64_t>("shape")) out.add_dims(d);
  } else if (args.GetSingleArgument<bool>("input_as_shape", false)) {
    out.set_unknown_shape(true);
  } else {
    for (int64_t d : in[0].dims()) out.add_dims(d);
    for (int64_t d : args.GetRepeatedArgument<int64_t>("extra_shape")) out.add_dims(d);
  }
  return {out};
}

int ConstantFillDataType(const OperatorDef& def) {
  ArgumentHelper args(def);
  if (!args.HasArgument("dtype") && args.HasSingleArgumentOfType<int64_t>("value") &&
      !args.HasSingleArgumentOfType<float>("value")) {
    return TensorProto::INT64;
  }
  return args.GetSingleArgument<int>("dtype", TensorProto::FLOAT);
}

REGISTER_CPU_OPERATOR(GivenTensorFill, GivenTensorFillOp<float>);
REGISTER_CPU_OPERATOR(GivenTensorDoubleFill, GivenTensorFillOp<double>);
REGISTER_CPU_OPERATOR(GivenTensorIntFill, GivenTensorFillOp<int32_t>);
REGISTER_CPU_OPERATOR(GivenTensorInt64Fill, GivenTensorFillOp<int64_t>);
REGISTER_CPU_OPERATOR(GivenTensorBoolFill, GivenTensorFillOp<bool>);
REGISTER_CPU_OPERATOR(GivenTensorStringFill, GivenTensorFillOp<std::string>);
REGISTER_CPU_OPERATOR(ConstantFill, ConstantFillOp);

constexpr const char* kShapeArgDoc = "(list of int, default [] = a scalar) output shape, used when there is no input.";
constexpr const char* kExtraShapeArgDoc =
    "(list of int, default []) dims appended to the shape taken from the input.";
constexpr const char* kInputAsShapeArgDoc =
    "(bool, default false) take the output dims from the values of input 0 (1-D int32 or int64) rather than its shape.";
constexpr const char* kFillInputDoc =
    "(optional) the output takes this tensor's shape (or, with input_as_shape, its values as dims).";

#define CAFFE2_MASK_GIVEN_TENSOR_FILL_SCHEMA(Name, dtype_text, field_text)                                  \
  OPERATOR_SCHEMA(Name)                                                                                     \
      .NumInputs(0, 1)                                                                                      \
      .NumOutputs(1)                                                                                        \
      .SetDoc("Fills the output, a " dtype_text " tensor of the given shape, with the listed values in "    \
              "row-major order. The number of values must equal the shape's element count.")               \
      .Input(0, "shape_source", kFillInputDoc)                                                              \
      .Output(0, "output", dtype_text " tensor holding the values.")                                        \
      .Arg("values", "(list of " dtype_text " in field " field_text                                         \
                     ", default [] = no values) the elements, row-major; an argument with no field set "    \
                     "is an empty list.")                                                                   \
      .Arg("shape", kShapeArgDoc)                                                                           \
      .Arg("extra_shape", kExtraShapeArgDoc)                                                                \
      .Arg("input_as_shape", kInputAsShapeArgDoc)                                                           \
      .TensorInferenceFunction([](const OperatorDef& def, const std::vector<TensorShape>& in) {             \
        return FillShape(def, in, DataTypeOf(FillMetaOf##Name()));                                   \
      });                                                                                                   \
  NO_GRADIENT(Name)

TypeMeta FillMetaOfGivenTensorFill() { return TypeMeta::Make<float>(); }
TypeMeta FillMetaOfGivenTensorDoubleFill() { return TypeMeta::Make<double>(); }
TypeMeta FillMetaOfGivenTensorIntFill() { return TypeMeta::Make<int32_t>(); }
TypeMeta FillMetaOfGivenTensorInt64Fill() { return TypeMeta::Make<int64_t>(); }
TypeMeta FillMetaOfGivenTensorBoolFill() { return TypeMeta::Make<bool>(); }
TypeMeta FillMetaOfGivenTensorStringFill() { return TypeMeta::Make<std::string>(); }

CAFFE2_MASK_GIVEN_TENSOR_FILL_SCHEMA(GivenTensorFill, "float", "floats");
CAFFE2_MASK_GIVEN_TENSOR_FILL_SCHEMA(GivenTensorDoubleFill, "double", "floats");
CAFFE2_MASK_GIVEN_TENSOR_FILL_SCHEMA(GivenTensorIntFill, "int32", "ints");
CAFFE2_MASK_GIVEN_TENSOR_FILL_SCHEMA(GivenTensorInt64Fill, "int64", "ints");
CAFFE2_MASK_GIVEN_TENSOR_FILL_SCHEMA(GivenTensorBoolFill, "bool", "ints (non-zero is true)");
CAFFE2_MASK_GIVEN_TENSOR_FILL_SCHEMA(GivenTensorStringFill, "string", "strings");
#undef CAFFE2_MASK_GIVEN_TENSOR_FILL_SCHEMA

OPERATOR_SCHEMA(ConstantFill)
    .NumInputs(0, 1)
    .NumOutputs(1)
    .AllowInplace({{0, 0}})
    .SetDoc(R"DOC(Fills the output with one value. The shape is the 'shape' argument, or input 0's shape (plus
extra_shape), or with input_as_shape input 0's values (plus extra_shape). The dtype is the 'dtype' argument (a
TensorProto.DataType number, default FLOAT); without 'dtype', a 'value' in field i gives INT64 (as in Caffe2).)DOC")
    .Input(0, "shape_source", kFillInputDoc)
    .Output(0, "output", "The filled tensor.")
    .Arg("value", "(float in field f for FLOAT/DOUBLE/FLOAT16, int in field i for integer and BOOL (non-zero is "
                  "true), string in field s for STRING; default 0 / empty) the fill value.")
    .Arg("dtype", "(int, default 1 = FLOAT) TensorProto.DataType of the output: FLOAT, DOUBLE, FLOAT16, BOOL, "
                  "INT8, INT16, INT32, INT64, UINT8, UINT16 or STRING.")
    .Arg("shape", kShapeArgDoc)
    .Arg("extra_shape", kExtraShapeArgDoc)
    .Arg("input_as_shape", kInputAsShapeArgDoc)
    .TensorInferenceFunction([](const OperatorDef& def, const std::vector<TensorShape>& in) {
      return FillShape(def, in, ConstantFillDataType(def));
    });
NO_GRADIENT(ConstantFill);

}  // namespace
}  // namespace caffe2
