// Sum: the element-wise sum of same-shape, same-dtype inputs. The backward pass uses it to accumulate a
// gradient that arrives from several consumers.
#include <algorithm>
#include <cstdint>
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

template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_same_v<T, float16>) {
    return float16(static_cast<float>(a) + static_cast<float>(b));
  } else if constexpr (std::is_integral_v<T>) {
    // Wrap like the hardware does; a signed overflow must not be undefined behaviour.
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

class SumOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  USE_DISPATCH_HELPER;
  SumOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}

  bool RunOnDevice() override {
    return DispatchHelper<TensorTypes<float, double, int32_t, int64_t, float16>>::call(this, Input(0));
  }

 private:
  template <typename T>
  bool DoRunWithType() {
    const Tensor& first = Input(0);
    for (int i = 1; i < InputSize(); ++i) {
      const Tensor& other = Input(i);
      CAFFE_ENFORCE(other.dtype() == first.dtype(), "Sum: ", DescribeInput(i), " has dtype ", other.dtype().name(),
                    " but ", DescribeInput(0), " has dtype ", first.dtype().name());
      CAFFE_ENFORCE(other.sizes() == first.sizes(), "Sum: ", DescribeInput(i), " has shape ",
                    ShapeString(other.sizes()), " but ", DescribeInput(0), " has shape ",
                    ShapeString(first.sizes()), "; all inputs must have one shape");
    }
    // Output 0 may be input 0 (in place): read the pointers after the resize, which keeps them then.
    Tensor* output = Output(0);
    output->Resize(first.sizes());
    T* out = output->mutable_data<T>();
    const int64_t n = first.numel();
    const T* a = first.data<T>();
    if (InputSize() == 1) {
      if (a != out) std::copy(a, a + n, out);
      return true;
    }
    const T* b = Input(1).data<T>();
    for (int64_t k = 0; k < n; ++k) out[k] = Add(a[k], b[k]);
    for (int i = 2; i < InputSize(); ++i) {
      const T* c = Input(i).data<T>();
      for (int64_t k = 0; k < n; ++k) out[k] = Add(out[k], c[k]);
    }
    return true;
  }
};

REGISTER_CPU_OPERATOR(Sum, SumOp);

OPERATOR_SCHEMA(Sum)
    .NumInputs([](int n) { return n >= 1; })
    .NumOutputs(1)
    .AllowInplace({{0, 0}})
    .SetDoc(R"DOC(Element-wise sum of one or more inputs of one shape and dtype (float, double, int32, int64,
float16); output 0 may be input 0. Integers wrap on overflow; float16 adds in float and rounds each step.
Example: [1, 2] + [10, 20] + [100, 200] -> [111, 222].)DOC")
    .Input(0, "data_0", "The first tensor; the output takes its shape and dtype.")
    .Input(1, "data_1", "(and further inputs) tensors of the same shape and dtype as data_0.")
    .Output(0, "sum", "Element-wise sum, shape and dtype of data_0.")
    .IdenticalTypeAndShapeOfInput(0);

// d(sum)/d(input_i) is the identity: each input gets a copy of the output gradient (Caffe2 aliased the
// output gradient with SetDense; real copies keep every gradient a blob of its own name, which the
// backward builder needs). A one-input Sum is the copy.
class GetSumGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    std::vector<OperatorDef> ops;
    for (int i = 0; i < Def().input_size(); ++i) {
      ops.push_back(CreateOperatorDef("Sum", "", {GO(0)}, {GI(i)}));
    }
    return ops;
  }
};
REGISTER_GRADIENT(Sum, GetSumGradient);

}  // namespace
}  // namespace caffe2
