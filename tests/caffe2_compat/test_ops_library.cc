// An operator library as a Caffe2 user writes one: an operator, its schema and its gradient maker,
// loaded at run time by operator_library_test.
#include "caffe2/core/context.h"
#include "caffe2/core/operator.h"

namespace caffe2 {
namespace {

// Y = X + `addend`.
template <class Context>
class AddConstantOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  AddConstantOp(const OperatorDef& operator_def, Workspace* ws)
      : Operator<Context>(operator_def, ws), addend_(this->template GetSingleArgument<float>("addend", 1.0f)) {}

  bool RunOnDevice() override {
    const auto& X = Input(0);
    auto* Y = Output(0, X.sizes(), at::dtype<float>());
    const float* x = X.template data<float>();
    float* y = Y->template mutable_data<float>();
    for (int64_t i = 0; i < X.numel(); ++i) y[i] = x[i] + addend_;
    return true;
  }

 private:
  float addend_;
};

class GetAddConstantGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  vector<OperatorDef> GetGradientDefs() override {
    return SingleGradientDef("Copy", "", vector<string>{GO(0)}, vector<string>{GI(0)});
  }
};

}  // namespace

REGISTER_CPU_OPERATOR(LibraryAddConstant, AddConstantOp<CPUContext>)
OPERATOR_SCHEMA(LibraryAddConstant)
    .NumInputs(1)
    .NumOutputs(1)
    .AllowInplace({{0, 0}})
    .IdenticalTypeAndShape()
    .Arg("addend", "(float, default 1) what is added to every element");
REGISTER_GRADIENT(LibraryAddConstant, GetAddConstantGradient)

}  // namespace caffe2
