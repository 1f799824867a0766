// SequenceMask: masks the elements of a [B, N, M] view of the input chosen by one of six rules, and its
// gradient (the same operator with grad=true).
//
// Arguments are read once, in the constructor; RunOnDevice validates the shapes and the second input,
// then calls the one generic kernel (kernels::SequenceMaskApply) with the mode's span functor.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "caffe2_mask/framework/operator.h"
#include "ops/kernels/mask_kernels.h"
#include "registry/gradient.h"
#include "registry/operator_registry.h"
#include "registry/operator_schema.h"

namespace caffe2 {
// Everything here has internal linkage, so a program may define the same class names (Caffe2's
// BooleanMaskOp, SequenceMaskOp, GetSequenceMaskGradient, ...) without clashing with the built-ins.
namespace {

enum class SequenceMaskMode { kSequence, kWindow, kUpper, kLower, kUpperDiag, kLowerDiag };

struct ModeName {
  const char* name;
  SequenceMaskMode mode;
};
constexpr ModeName kModes[] = {
    {"sequence", SequenceMaskMode::kSequence},   {"window", SequenceMaskMode::kWindow},
    {"upper", SequenceMaskMode::kUpper},         {"lower", SequenceMaskMode::kLower},
    {"upperdiag", SequenceMaskMode::kUpperDiag}, {"lowerdiag", SequenceMaskMode::kLowerDiag},
};
constexpr const char* kModeList = "sequence, window, upper, lower, upperdiag, lowerdiag";

SequenceMaskMode ParseMode(const std::string& name) {
  for (const auto& entry : kModes) {
    if (name == entry.name) return entry.mode;
  }
  CAFFE_THROW("SequenceMask: unknown mode '", name, "'; valid modes: ", kModeList);
}

int64_t Product(const std::vector<int64_t>& dims, int begin, int end) {
  int64_t p = 1;
  for (int d = begin; d < end; ++d) p *= dims[d];  // bounded by numel, which CheckedNumel accepted
  return p;
}

class SequenceMaskOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  USE_DISPATCH_HELPER;

  SequenceMaskOp(const OperatorDef& def, Workspace* ws)
      : Operator<CPUContext>(def, ws),
        mode_(ParseMode(GetSingleArgument<std::string>("mode", ""))),
        axis_(GetSingleArgument<int>("axis", 1)),
        radius_(GetSingleArgument<int64_t>("radius", 10)),
        grad_(GetSingleArgument<bool>("grad", false)),
        fill_val_(GetSingleArgument<float>("fill_val", -std::numeric_limits<float>::infinity())),
        has_batch_(HasArgument("batch")),
        batch_(GetSingleArgument<int>("batch", 0)),
        has_repeat_(HasArgument("repeat_from_axis")),
        repeat_from_axis_(GetSingleArgument<int>("repeat_from_axis", 0)) {
    needs_second_input_ = mode_ == SequenceMaskMode::kSequence || mode_ == SequenceMaskMode::kWindow;
    if (needs_second_input_) {
      CAFFE_ENFORCE_EQ(InputSize(), 2, "SequenceMask: mode '", GetSingleArgument<std::string>("mode", ""),
                       "' needs a second input (",
                       mode_ == SequenceMaskMode::kSequence ? "sequence_lengths" : "window_centers",
                       ", int32, one entry per row)");
    }
    if (has_repeat_) {
      CAFFE_ENFORCE(mode_ == SequenceMaskMode::kSequence,
                    "SequenceMask: repeat_from_axis is only valid in mode 'sequence', not in mode '",
                    GetSingleArgument<std::string>("mode", ""), "'");
      CAFFE_ENFORCE(!has_batch_, "SequenceMask: repeat_from_axis (", repeat_from_axis_,
                    ") cannot be combined with batch (", batch_, ")");
    }
  }

  bool RunOnDevice() override {
    return DispatchHelper<TensorTypes<float, double, float16>>::call(this, Input(0));
  }

 private:
  template <typename T>
  bool DoRunWithType() {
    const Tensor& input = Input(0);
    const std::vector<int64_t>& dims = input.sizes();
    const int ndim = input.dim();
    const int axis = CanonicalAxis(axis_, "axis", ndim);
    int64_t B = 1;
    int64_t N = Product(dims, 0, axis);
    const int64_t M = Product(dims, axis, ndim);
    int64_t block = 1;
    if (has_batch_) {
      const int batch = CanonicalAxis(batch_, "batch", ndim);
      CAFFE_ENFORCE_LT(batch, axis, "SequenceMask: the canonical batch axis must be below the canonical axis;");
      B = Product(dims, 0, batch + 1);
      N = Product(dims, batch + 1, axis);
    }
    if (has_repeat_) {
      const int repeat = CanonicalAxis(repeat_from_axis_, "repeat_from_axis", ndim);
      CAFFE_ENFORCE_GE(repeat, axis,
                       "SequenceMask: the canonical repeat_from_axis must not be below the canonical axis;");
      block = Product(dims, repeat, ndim);
    }
    const int32_t* second = nullptr;
    if (needs_second_input_) {
      const Tensor& t = Input(1);
      CAFFE_ENFORCE(t.IsType<int32_t>(), "SequenceMask: ", DescribeInput(1), " must be int32, but is ",
                    t.dtype().name());
      CAFFE_ENFORCE_GE(t.numel(), N, "SequenceMask: ", DescribeInput(1), " has ", t.numel(),
                       " entries but the input has ", N, " rows (shape ", ShapeString(dims), ", axis ", axis,
                       ");");
      second = t.data<int32_t>();
    }

    Tensor* output = Output(0);
    output->Resize(dims);
    T* out = output->mutable_data<T>();
    if (input.numel() == 0) return true;
    const T fill = grad_ ? T(0.0f) : T(fill_val_);
    const T* in = input.data<T>();
    const int64_t item = sizeof(T);
    switch (mode_) {
      case SequenceMaskMode::kSequence:
        kernels::SequenceMaskApply(in, out, item, &fill, B, N, M, kernels::SequenceSpan{second, block});
        break;
      case SequenceMaskMode::kWindow:
        kernels::SequenceMaskApply(in, out, item, &fill, B, N, M, kernels::WindowSpan{second, radius_});
        break;
      case SequenceMaskMode::kUpper:
        kernels::SequenceMaskApply(in, out, item, &fill, B, N, M, kernels::UpperSpan{});
        break;
      case SequenceMaskMode::kLower:
        kernels::SequenceMaskApply(in, out, item, &fill, B, N, M, kernels::LowerSpan{});
        break;
      case SequenceMaskMode::kUpperDiag:
        kernels::SequenceMaskApply(in, out, item, &fill, B, N, M, kernels::UpperDiagSpan{});
        break;
      case SequenceMaskMode::kLowerDiag:
        kernels::SequenceMaskApply(in, out, item, &fill, B, N, M, kernels::LowerDiagSpan{});
        break;
    }
    return true;
  }

  int CanonicalAxis(int value, const char* name, int ndim) const {
    CAFFE_ENFORCE(value >= -ndim && value < ndim, "SequenceMask: ", name, " ", value, " is out of range for ",
                  DescribeInput(0), " with ", ndim, " dims (valid: ", -ndim, " to ", ndim - 1, ")");
    return value < 0 ? value + ndim : value;
  }

  const SequenceMaskMode mode_;
  const int axis_;
  const int64_t radius_;
  const bool grad_;
  const float fill_val_;
  const bool has_batch_;
  const int batch_;
  const bool has_repeat_;
  const int repeat_from_axis_;
  bool needs_second_input_ = false;
};

REGISTER_CPU_OPERATOR(SequenceMask, SequenceMaskOp);

OPERATOR_SCHEMA(SequenceMask)
    .NumInputs(1, 2)
    .NumOutputs(1)
    .SetDoc(R"DOC(Sets the masked elements of input to fill_val (0 when grad is true); the rest are copied.
The input is viewed as a matrix [N, M], N = prod(dims[:axis]), M = prod(dims[axis:]); element (i, j) is masked
  sequence:  j >= lengths[i]                            (second input: int32, at least N entries)
  window:    j > centers[i] + radius || j < centers[i] - radius   (second input: int32, at least N entries)
  upper: j > i;  lower: j < i;  upperdiag: j >= i;  lowerdiag: j <= i.
With batch (canonical batch < canonical axis) the view is [B, N, M], B = prod(dims[:batch+1]),
N = prod(dims[batch+1:axis]), and the rule applies to (j, k) of every batch slice, lengths/centers indexed
by j. With repeat_from_axis (sequence mode only, not with batch, not below axis), D = prod(dims[repeat_from_axis:])
and (i, j, *) of the [N, M/D, D] view is masked when j >= lengths[i]. An input with a zero-size dim gives an
empty output. Dtypes float, double, float16.
Example: mode sequence, axis 1, input 2x4 of ones, lengths [1, 3] -> [[1, -inf, -inf, -inf], [1, 1, 1, -inf]].)DOC")
    .Input(0, "input", "float, double or float16 tensor to mask.")
    .Input(1, "sequence_lengths / window_centers",
           "int32, at least N entries: lengths (mode sequence) or window centers (mode window); unused otherwise.")
    .Output(0, "masked_input", "Same shape and dtype as input.")
    .Arg("mode", "(string, required, no default) one of sequence, window, upper, lower, upperdiag, lowerdiag.", true)
    .Arg("axis", "(int, default 1) first dim of the column part; negative counts from the end.")
    .Arg("radius", "(int, default 10) half-width of the window in mode window.")
    .Arg("grad", "(bool, default false) write 0 instead of fill_val (the gradient pass).")
    .Arg("fill_val", "(float, default -infinity) value written at masked elements.")
    .Arg("batch", "(int, optional, no default) dims up to and including batch are independent batch slices.")
    .Arg("repeat_from_axis", "(int, optional, no default; mode sequence only) dims from here on are masked as one block.")
    .IdenticalTypeAndShapeOfInput(0);

// The gradient is the same mask applied to the output gradient, writing 0 (grad=true); nothing flows
// to lengths or centers. The forward arguments are kept except grad, which is replaced, never doubled.
class GetSequenceMaskGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    std::vector<Argument> args;
    for (const auto& arg : Def().arg()) {
      if (arg.name() != "grad") args.push_back(arg);
    }
    args.push_back(MakeArgument<bool>("grad", true));
    std::vector<std::string> inputs{GO(0)};
    if (Def().input_size() == 2) inputs.push_back(I(1));
    return SingleGradientDef("SequenceMask", "", inputs, std::vector<std::string>{GI(0)}, args);
  }
  bool CopyArguments() const override { return false; }
};
REGISTER_GRADIENT(SequenceMask, GetSequenceMaskGradient);

}  // namespace
}  // namespace caffe2
