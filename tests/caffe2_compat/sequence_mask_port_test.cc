// A program that ports its own SequenceMask the way Caffe2 code is written, with the class names
// Caffe2 uses (caffe2::SequenceMaskOp, caffe2::GetSequenceMaskGradient), linked with the built-in
// operators: the built-ins have internal linkage, so the names do not clash, and both the port
// (registered as PortedSequenceMask) and the built-in SequenceMask run and agree.
#include <gtest/gtest.h>

#include <limits>

#include "caffe2/core/context.h"
#include "caffe2/core/operator.h"
#include "caffe2/utils/conversions.h"

namespace caffe2 {

template <class Context>
class SequenceMaskOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  template <class... Args>
  explicit SequenceMaskOp(Args&&... args)
      : Operator<Context>(std::forward<Args>(args)...),
        axis_(this->template GetSingleArgument<int>("axis", 1)),
        grad_(this->template GetSingleArgument<bool>("grad", false)),
        fill_val_(this->template GetSingleArgument<float>("fill_val", -std::numeric_limits<float>::infinity())) {
    CAFFE_ENFORCE_EQ(GetArgument(this->debug_def(), "mode").s(), "sequence", "this port has mode 'sequence' only");
    if (HasArgument("batch")) batch_ = GetArgument(this->debug_def(), "batch").i();
  }

  bool RunOnDevice() override { return DispatchHelper<TensorTypes<float>>::call(this, Input(0)); }

  template <typename T>
  bool DoRunWithType() {
    const auto& input = Input(0);
    const auto& lengths = Input(1);
    auto* output = Output(0, input.sizes(), at::dtype<T>());
    const int axis = input.canonical_axis_index(axis_);
    const int batch = batch_ >= 0 ? input.canonical_axis_index(batch_) : -1;
    if (batch >= 0) CAFFE_ENFORCE_LT(batch, axis);
    // With batch: [B, rows, cols] where rows are the dims strictly between batch and axis.
    const int64_t rows = batch >= 0 ? input.size_between_dim(batch, axis) : input.size_to_dim(axis);
    const int64_t cols = input.size_from_dim(axis);
    const int64_t batches = batch >= 0 ? input.size_to_dim(batch) * input.size(batch) : 1;
    const T fill = convert::To<float, T>(grad_ ? 0.0f : fill_val_);
    const int* len = lengths.template data<int>();
    CAFFE_ENFORCE_EQ(lengths.numel(), rows, "one length per row");
    const T* x = input.template data<T>();
    T* y = output->template mutable_data<T>();
    for (int64_t b = 0; b < batches; ++b) {
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) {
          const int64_t at = (b * rows + i) * cols + j;
          y[at] = j >= len[i] ? fill : x[at];
        }
      }
    }
    return true;
  }

 private:
  int axis_;
  bool grad_;
  float fill_val_;
  int batch_ = -1;
};

class GetSequenceMaskGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  vector<OperatorDef> GetGradientDefs() override {
    vector<Argument> args(Def().arg().begin(), Def().arg().end());
    args.push_back(MakeArgument<bool>("grad", true));
    return SingleGradientDef(Def().type(), "", vector<string>{GO(0), I(1)}, vector<string>{GI(0)}, args);
  }
  bool CopyArguments() const override { return false; }
};

REGISTER_CPU_OPERATOR(PortedSequenceMask, SequenceMaskOp<CPUContext>);
OPERATOR_SCHEMA(PortedSequenceMask).NumInputs(2).NumOutputs(1).IdenticalTypeAndShapeOfInput(0);
REGISTER_GRADIENT(PortedSequenceMask, GetSequenceMaskGradient);

namespace {

void Feed(Workspace* ws) {
  auto* x = BlobGetMutableTensor(ws->CreateBlob("x"), CPU);
  x->Resize(vector<int64_t>{2, 3, 4});
  float* xd = x->template mutable_data<float>();
  for (int i = 0; i < 24; ++i) xd[i] = static_cast<float>(i + 1);
  auto* lengths = BlobGetMutableTensor(ws->CreateBlob("lengths"), CPU);
  lengths->Resize(3);
  int* ld = lengths->template mutable_data<int>();
  ld[0] = 1;
  ld[1] = 4;
  ld[2] = 2;
}

OperatorDef MaskDef(const string& type) {
  return CreateOperatorDef(type, "", vector<string>{"x", "lengths"}, vector<string>{type + "_out"},
                           vector<Argument>{MakeArgument<string>("mode", "sequence"), MakeArgument<int>("axis", 2),
                                            MakeArgument<int>("batch", 0)});
}

}  // namespace

// Caffe2's SequenceMask with `batch` used size_between_dim(batch, axis): on [2, 3, 4] with batch 0 and
// axis 2 that is 3 rows, so three lengths; the old [k, l) meaning (6) read past them.
TEST(SequenceMaskPortTest, PortAndBuiltInAgreeWithBatch) {
  Workspace ws;
  Feed(&ws);
  ASSERT_TRUE(ws.RunOperatorOnce(MaskDef("PortedSequenceMask")));
  ASSERT_TRUE(ws.RunOperatorOnce(MaskDef("SequenceMask")));
  const auto& ported = ws.GetBlob("PortedSequenceMask_out")->Get<TensorCPU>();
  const auto& builtin = ws.GetBlob("SequenceMask_out")->Get<TensorCPU>();
  ASSERT_EQ(ported.sizes(), builtin.sizes());
  for (int i = 0; i < 24; ++i) EXPECT_EQ(ported.data<float>()[i], builtin.data<float>()[i]) << i;
  EXPECT_EQ(ported.data<float>()[0], 1.0f);
  EXPECT_EQ(ported.data<float>()[1], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(ported.data<float>()[12 + 4 + 3], 20.0f);
}

TEST(SequenceMaskPortTest, GradientMakerOfThePort) {
  const auto meta = GetGradientForOp(MaskDef("PortedSequenceMask"), {GradientWrapper{"out_grad", "", ""}});
  ASSERT_EQ(meta.ops_.size(), 1u);
  EXPECT_EQ(meta.ops_[0].type(), "PortedSequenceMask");
  EXPECT_EQ(meta.ops_[0].input(0), "out_grad");
  EXPECT_EQ(meta.ops_[0].output(0), "x_grad");
  EXPECT_TRUE((ArgumentHelper::GetSingleArgument<OperatorDef, bool>(meta.ops_[0], "grad", false)));
  EXPECT_NE(CPUOperatorRegistry()->Where("SequenceMask").find("(built-in)"), string::npos);
  EXPECT_EQ(CPUOperatorRegistry()->Where("PortedSequenceMask").find("(built-in)"), string::npos);
}

}  // namespace caffe2
