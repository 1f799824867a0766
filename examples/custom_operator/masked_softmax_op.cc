// A user's operator library, written the way a Caffe2 user writes one: MaskedSoftmax for attention
// scores, with its schema, shape inference, gradient operator and gradient maker.
#include <cmath>
#include <limits>

#include "caffe2/core/context.h"
#include "caffe2/core/operator.h"
#include "caffe2/utils/math.h"

namespace caffe2 {
namespace {

// Y[i, j] = softmax over the kept j of row i (mask[i, j] true) of X[i, :], 0 where masked; a row with
// nothing kept is all 0 (no NaN from 0 / 0).
template <class Context>
class MaskedSoftmaxOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  MaskedSoftmaxOp(const OperatorDef& operator_def, Workspace* ws)
      : Operator<Context>(operator_def, ws), axis_(this->template GetSingleArgument<int>("axis", 1)) {}

  bool RunOnDevice() override {
    const auto& X = Input(0);
    const auto& mask = Input(1);
    CAFFE_ENFORCE_EQ(X.sizes(), mask.sizes(), "scores and mask must have the same shape");
    const int axis = X.canonical_axis_index(axis_);
    const int64_t N = X.size_to_dim(axis);
    const int64_t D = X.size_from_dim(axis);
    auto* Y = Output(0, X.sizes(), at::dtype<float>());
    const float* x = X.template data<float>();
    const bool* m = mask.template data<bool>();
    float* y = Y->template mutable_data<float>();
    for (int64_t i = 0; i < N; ++i) {
      float row_max = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < D; ++j) {
        if (m[i * D + j]) row_max = std::max(row_max, x[i * D + j]);
      }
      float sum = 0;
      for (int64_t j = 0; j < D; ++j) {
        const float e = m[i * D + j] ? std::exp(x[i * D + j] - row_max) : 0.0f;
        y[i * D + j] = e;
        sum += e;
      }
      if (sum > 0) math::Scale<float, float, Context>(D, 1.0f / sum, y + i * D, y + i * D, &context_);
    }
    return true;
  }

 private:
  int axis_;
};

// dX[i, j] = Y[i, j] * (dY[i, j] - sum_k dY[i, k] * Y[i, k]); masked entries have Y = 0, so dX = 0.
template <class Context>
class MaskedSoftmaxGradientOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  MaskedSoftmaxGradientOp(const OperatorDef& operator_def, Workspace* ws)
      : Operator<Context>(operator_def, ws), axis_(this->template GetSingleArgument<int>("axis", 1)) {}

  bool RunOnDevice() override {
    const auto& Y = Input(0);
    const auto& dY = Input(1);
    CAFFE_ENFORCE_EQ(Y.sizes(), dY.sizes(), "Y and dY must have the same shape");
    const int axis = Y.canonical_axis_index(axis_);
    const int64_t N = Y.size_to_dim(axis);
    const int64_t D = Y.size_from_dim(axis);
    auto* dX = Output(0, Y.sizes(), at::dtype<float>());
    const float* y = Y.template data<float>();
    const float* dy = dY.template data<float>();
    float* dx = dX->template mutable_data<float>();
    for (int64_t i = 0; i < N; ++i) {
      float dot = 0;
      math::Dot<float, Context>(D, dy + i * D, y + i * D, &dot, &context_);
      for (int64_t j = 0; j < D; ++j) dx[i * D + j] = y[i * D + j] * (dy[i * D + j] - dot);
    }
    return true;
  }

 private:
  int axis_;
};

class GetMaskedSoftmaxGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  vector<OperatorDef> GetGradientDefs() override {
    // The mask gets no gradient.
    return SingleGradientDef("MaskedSoftmaxGradient", "", vector<string>{O(0), GO(0)}, vector<string>{GI(0)});
  }
};

}  // namespace

REGISTER_CPU_OPERATOR(MaskedSoftmax, MaskedSoftmaxOp<CPUContext>);
REGISTER_CPU_OPERATOR(MaskedSoftmaxGradient, MaskedSoftmaxGradientOp<CPUContext>);

OPERATOR_SCHEMA(MaskedSoftmax)
    .NumInputs(2)
    .NumOutputs(1)
    .IdenticalTypeAndShapeOfInput(0)
    .SetDoc("Softmax of `scores` over the dims from `axis` on, taken over the entries whose `mask` is "
            "true; masked entries, and rows with nothing kept, are 0.")
    .Input(0, "scores", "float tensor")
    .Input(1, "mask", "bool tensor of the shape of scores; true keeps the entry")
    .Output(0, "probabilities", "float tensor of the shape of scores")
    .Arg("axis", "(int, default 1) the first dim of each softmax row");
GRADIENT_OPERATOR_SCHEMA(MaskedSoftmaxGradient).NumInputs(2).NumOutputs(1).IdenticalTypeAndShapeOfInput(0);

REGISTER_GRADIENT(MaskedSoftmax, GetMaskedSoftmaxGradient);
NO_GRADIENT(MaskedSoftmaxGradient);

}  // namespace caffe2
