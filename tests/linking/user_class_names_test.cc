// A program that defines the class names Caffe2's own sources use, linked with the built-in operators.
// The built-ins have internal linkage, so these definitions are this program's alone: no ODR clash,
// no silent replacement in either direction.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"

namespace caffe2 {

// Caffe2's name, the user's operator: adds `offset` to every element.
template <class Context>
class SequenceMaskOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  SequenceMaskOp(const OperatorDef& def, Workspace* ws)
      : Operator<Context>(def, ws), offset_(this->template GetSingleArgument<float>("offset", 1.0f)) {}

  bool RunOnDevice() override {
    const Tensor& in = Input(0);
    Tensor* out = Output(0);
    out->Resize(in.sizes());
    for (int64_t i = 0; i < in.numel(); ++i) out->template mutable_data<float>()[i] = in.template data<float>()[i] + offset_;
    return true;
  }

 private:
  float offset_;
};

// Caffe2's name, the user's gradient maker: the gradient of x + offset is the output gradient.
class GetSequenceMaskGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    return SingleGradientDef("UserSequenceMask", "", std::vector<std::string>{GO(0)},
                             std::vector<std::string>{GI(0)},
                             std::vector<Argument>{MakeArgument<float>("offset", 0.0f)});
  }
};

REGISTER_CPU_OPERATOR(UserSequenceMask, SequenceMaskOp<CPUContext>);
OPERATOR_SCHEMA(UserSequenceMask).NumInputs(1).NumOutputs(1);
REGISTER_GRADIENT(UserSequenceMask, GetSequenceMaskGradient);

namespace {

void Feed(Workspace* ws, const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
  Tensor* t = BlobGetMutableTensor(ws->CreateBlob(name));
  t->Resize(dims);
  std::copy(v.begin(), v.end(), t->mutable_data<float>());
}

std::vector<float> Fetch(const Workspace& ws, const std::string& name) {
  const Tensor& t = BlobGetTensor(*ws.GetBlob(name));
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

TEST(UserClassNames, TheUsersOperatorIsItsOwn) {
  Workspace ws;
  Feed(&ws, "x", {2, 2}, {1, 2, 3, 4});
  ws.RunOperatorOnce(CreateOperatorDef("UserSequenceMask", "", {"x"}, {"y"}, {MakeArgument<float>("offset", 10)}));
  EXPECT_EQ(Fetch(ws, "y"), (std::vector<float>{11, 12, 13, 14}));
}

TEST(UserClassNames, TheBuiltinSequenceMaskIsUntouched) {
  Workspace ws;
  Feed(&ws, "x", {2, 2}, {1, 2, 3, 4});
  ws.RunOperatorOnce(CreateOperatorDef("SequenceMask", "", {"x"}, {"y"}, {MakeArgument<std::string>("mode", "upper")}));
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(Fetch(ws, "y"), (std::vector<float>{1, -inf, 3, 4}));
}

TEST(UserClassNames, EachOperatorKeepsItsOwnGradientMaker) {
  const auto builtin = GetGradientForOp(
      CreateOperatorDef("SequenceMask", "", {"x"}, {"y"}, {MakeArgument<std::string>("mode", "upper")}),
      {GradientWrapper{"y_grad", "", ""}});
  ASSERT_EQ(builtin.ops_.size(), 1u);
  EXPECT_EQ(builtin.ops_[0].type(), "SequenceMask");
  EXPECT_TRUE(ArgumentHelper(builtin.ops_[0]).GetSingleArgument<bool>("grad", false));

  const auto user = GetGradientForOp(CreateOperatorDef("UserSequenceMask", "", {"x"}, {"y"}),
                                     {GradientWrapper{"y_grad", "", ""}});
  ASSERT_EQ(user.ops_.size(), 1u);
  EXPECT_EQ(user.ops_[0].type(), "UserSequenceMask");
}

}  // namespace
}  // namespace caffe2
