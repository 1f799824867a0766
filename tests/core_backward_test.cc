// The gradient-net builder (AddGradientOperators) and the gradient-maker API it uses.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"

namespace caffe2 {
namespace {

using caffe2::testing::ExpectThrowContaining;

// ---- test operators and their gradient makers ----

// Y = scale * X. Its gradient is CoreTestScale of the output gradient (the `scale` argument is copied
// from the forward op).
class CoreTestScaleOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestScaleOp(const OperatorDef& def, Workspace* ws)
      : Operator<CPUContext>(def, ws), scale_(GetSingleArgument<float>("scale", 1.0f)) {}
  bool RunOnDevice() override {
    const Tensor& x = Input(0);
    Tensor* y = Output(0);
    y->ResizeLike(x);
    const float* in = x.data<float>();
    float* out = y->mutable_data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) out[i] = scale_ * in[i];
    return true;
  }

 private:
  float scale_;
};
REGISTER_CPU_OPERATOR(CoreTestScale, CoreTestScaleOp);
OPERATOR_SCHEMA(CoreTestScale).NumInputs(1).NumOutputs(1).AllowInplace({{0, 0}});
class GetCoreTestScaleGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    return SingleGradientDef("CoreTestScale", "", std::vector<std::string>{GO(0)},
                             std::vector<std::string>{GI(0)});
  }
};
REGISTER_GRADIENT(CoreTestScale, GetCoreTestScaleGradient);

// Z = X + Y. Gradient: one CoreTestScale (scale 1) per input, with the maker's own `scale` argument
// winning over any the forward op has.
class CoreTestAddTwoOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestAddTwoOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}
  bool RunOnDevice() override {
    const Tensor& x = Input(0);
    const Tensor& y = Input(1);
    CAFFE_ENFORCE_EQ(x.numel(), y.numel(), "CoreTestAddTwo inputs");
    Tensor* z = Output(0);
    z->ResizeLike(x);
    for (int64_t i = 0; i < x.numel(); ++i) z->mutable_data<float>()[i] = x.data<float>()[i] + y.data<float>()[i];
    return true;
  }
};
REGISTER_CPU_OPERATOR(CoreTestAddTwo, CoreTestAddTwoOp);
OPERATOR_SCHEMA(CoreTestAddTwo).NumInputs(2).NumOutputs(1).AllowInplace({{0, 0}, {1, 0}});
class GetCoreTestAddTwoGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    return {CreateOperatorDef("CoreTestScale", "", {GO(0)}, {GI(0)}, {MakeArgument("scale", 1.0f)}),
            CreateOperatorDef("CoreTestScale", "", {GO(0)}, {GI(1)}, {MakeArgument("scale", 1.0f)})};
  }
};
REGISTER_GRADIENT(CoreTestAddTwo, GetCoreTestAddTwoGradient);

// Y = X with no operator in its gradient: the output gradient passes straight through.
REGISTER_CPU_OPERATOR(CoreTestIdentity, CoreTestScaleOp);
OPERATOR_SCHEMA(CoreTestIdentity).NumInputs(1).NumOutputs(1);
class GetCoreTestIdentityGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    SetDense(0, GO(0));
    return {};
  }
};
REGISTER_GRADIENT(CoreTestIdentity, GetCoreTestIdentityGradient);

// Z = X + Y with Caffe2's Sum gradient: both inputs get the output gradient itself, no operator.
REGISTER_CPU_OPERATOR(CoreTestAddTwoPassThrough, CoreTestAddTwoOp);
OPERATOR_SCHEMA(CoreTestAddTwoPassThrough).NumInputs(2).NumOutputs(1);
class GetCoreTestAddTwoPassThroughGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    SetDense(0, GO(0));
    SetDense(1, GO(0));
    return {};
  }
};
REGISTER_GRADIENT(CoreTestAddTwoPassThrough, GetCoreTestAddTwoPassThroughGradient);

REGISTER_CPU_OPERATOR(CoreTestStop, CoreTestScaleOp);
OPERATOR_SCHEMA(CoreTestStop).NumInputs(1).NumOutputs(1);
NO_GRADIENT(CoreTestStop);

REGISTER_CPU_OPERATOR(CoreTestForbid, CoreTestScaleOp);
OPERATOR_SCHEMA(CoreTestForbid).NumInputs(1).NumOutputs(1);
SHOULD_NOT_DO_GRADIENT(CoreTestForbid);

REGISTER_CPU_OPERATOR(CoreTestNoMaker, CoreTestScaleOp);
OPERATOR_SCHEMA(CoreTestNoMaker).NumInputs(1).NumOutputs(1);

OperatorDef Op(const std::string& type, const std::vector<std::string>& in, const std::vector<std::string>& out,
               float scale = 0) {
  std::vector<Argument> args;
  if (scale != 0) args.push_back(MakeArgument("scale", scale));
  return CreateOperatorDef(type, "", in, out, args);
}

NetDef Net(const std::vector<OperatorDef>& ops) {
  NetDef net;
  net.set_name("forward");
  for (const auto& op : ops) *net.add_op() = op;
  return net;
}

// The appended gradient ops as `Type(in, ... -> out, ...)`. Checks on the way that the net is valid:
// every input of a gradient op is a blob the forward net reads or an earlier op writes.
std::vector<std::string> GradientOps(const NetDef& net, int forward_ops) {
  std::set<std::string> available;
  for (int i = 0; i < forward_ops; ++i) {
    for (const auto& in : net.op(i).input()) available.insert(in);
    for (const auto& o : net.op(i).output()) available.insert(o);
  }
  std::vector<std::string> out;
  for (int i = forward_ops; i < net.op_size(); ++i) {
    const auto& op = net.op(i);
    for (const auto& in : op.input()) {
      EXPECT_TRUE(available.count(in)) << "gradient op #" << i << " " << op.type() << " reads '" << in
                                       << "', which no earlier operator writes";
    }
    for (const auto& o : op.output()) available.insert(o);
    std::string s = op.type() + "(";
    for (int k = 0; k < op.input_size(); ++k) s += (k ? ", " : "") + op.input(k);
    s += " -> ";
    for (int k = 0; k < op.output_size(); ++k) s += (k ? ", " : "") + op.output(k);
    out.push_back(s + ")");
    EXPECT_TRUE(op.is_gradient_op()) << s;
  }
  return out;
}

float ScaleArg(const OperatorDef& op) { return ArgumentHelper(op).GetSingleArgument<float>("scale", 0); }

using Strings = std::vector<std::string>;
using Names = std::map<std::string, std::string>;

TEST(Backward, ChainInReverseOrderWithGradNames) {
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"y"}, 2), Op("CoreTestScale", {"y"}, {"z"}, 3)});
  const Names names = AddGradientOperators(&net, {"z"});
  EXPECT_EQ(GradientOps(net, 2), (Strings{"ConstantFill(z -> z_grad)", "CoreTestScale(z_grad -> y_grad)",
                                          "CoreTestScale(y_grad -> x_grad)"}));
  EXPECT_EQ(names, (Names{{"x", "x_grad"}, {"y", "y_grad"}, {"z", "z_grad"}}));
  // The forward ops are untouched and come first.
  EXPECT_EQ(net.op(0).type(), "CoreTestScale");
  EXPECT_FALSE(net.op(0).is_gradient_op());
  // Arguments are copied from the forward op: the gradient of "scale 3" scales by 3.
  EXPECT_EQ(ScaleArg(net.op(3)), 3.0f);
  EXPECT_EQ(ScaleArg(net.op(4)), 2.0f);
}

TEST(Backward, SeedIsAConstantFillOfOnesShapedLikeTheBlob) {
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"y"}, 2)});
  AddGradientOperators(&net, {"y"});
  const OperatorDef& fill = net.op(1);
  EXPECT_EQ(fill.type(), "ConstantFill");
  EXPECT_EQ(fill.input_size(), 1);
  EXPECT_EQ(fill.input(0), "y");  // shaped like the seed blob
  EXPECT_EQ(fill.output(0), "y_grad");
  ArgumentHelper args(fill);
  EXPECT_TRUE(args.HasSingleArgumentOfType<float>("value"));
  EXPECT_EQ(args.GetSingleArgument<float>("value", 0), 1.0f);
  EXPECT_FALSE(args.HasArgument("shape"));
}

TEST(Backward, TwoConsumersAccumulateWithSum) {
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"a"}, 2), Op("CoreTestScale", {"x"}, {"b"}, 3),
                    Op("CoreTestAddTwo", {"a", "b"}, {"z"})});
  const Names names = AddGradientOperators(&net, {"z"});
  EXPECT_EQ(GradientOps(net, 3),
            (Strings{"ConstantFill(z -> z_grad)", "CoreTestScale(z_grad -> a_grad)", "CoreTestScale(z_grad -> b_grad)",
                     "CoreTestScale(b_grad -> x_grad)", "CoreTestScale(a_grad -> _x_grad_autosplit_0)",
                     "Sum(x_grad, _x_grad_autosplit_0 -> x_grad)"}));
  EXPECT_EQ(names.at("x"), "x_grad");
  // The maker's own argument wins over a copied one: no duplicate "scale".
  EXPECT_EQ(net.op(4).arg_size(), 1);
}

TEST(Backward, SeedThatIsAlsoConsumed) {
  // y is seeded and also consumed: its gradient is the seed plus what flows back from z.
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"y"}, 2), Op("CoreTestScale", {"y"}, {"z"}, 3)});
  AddGradientOperators(&net, {"z", "y"});
  EXPECT_EQ(GradientOps(net, 2),
            (Strings{"ConstantFill(z -> z_grad)", "ConstantFill(y -> y_grad)",
                     "CoreTestScale(z_grad -> _y_grad_autosplit_0)", "Sum(y_grad, _y_grad_autosplit_0 -> y_grad)",
                     "CoreTestScale(y_grad -> x_grad)"}));
}

TEST(Backward, NoGradientStopsTheFlow) {
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"a"}, 2), Op("CoreTestStop", {"a"}, {"b"}),
                    Op("CoreTestScale", {"b"}, {"c"}, 3)});
  const Names names = AddGradientOperators(&net, {"c"});
  EXPECT_EQ(GradientOps(net, 3), (Strings{"ConstantFill(c -> c_grad)", "CoreTestScale(c_grad -> b_grad)"}));
  EXPECT_EQ(names, (Names{{"b", "b_grad"}, {"c", "c_grad"}}));
}

TEST(Backward, ShouldNotDoGradientErrorsOnlyOnTheGradientPath) {
  // Off the path: fine.
  NetDef off = Net({Op("CoreTestForbid", {"x"}, {"f"}), Op("CoreTestScale", {"x"}, {"y"}, 2)});
  EXPECT_NO_THROW(AddGradientOperators(&off, {"y"}));
  EXPECT_EQ(GradientOps(off, 2), (Strings{"ConstantFill(y -> y_grad)", "CoreTestScale(y_grad -> x_grad)"}));
  // Behind a NO_GRADIENT operator: no gradient reaches it, so fine.
  NetDef stopped = Net({Op("CoreTestForbid", {"x"}, {"f"}), Op("CoreTestStop", {"f"}, {"y"})});
  EXPECT_NO_THROW(AddGradientOperators(&stopped, {"y"}));

  // On the path: an error naming the operator, and the net unchanged.
  NetDef on = Net({Op("CoreTestForbid", {"x"}, {"f"}), Op("CoreTestScale", {"f"}, {"y"}, 2)});
  const std::string before = on.SerializeAsString();
  ExpectThrowContaining([&] { AddGradientOperators(&on, {"y"}); },
                        {"a gradient is needed through CoreTestForbid (x -> f)", "SHOULD_NOT_DO_GRADIENT",
                         "while building the gradient of operator #0", "net 'forward'"});
  EXPECT_EQ(on.SerializeAsString(), before);
}

TEST(Backward, InPlaceForwardOps) {
  // x is rewritten in place; each version's gradient flows to the one before.
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"x"}, 2), Op("CoreTestScale", {"x"}, {"y"}, 3)});
  const Names names = AddGradientOperators(&net, {"y"});
  EXPECT_EQ(GradientOps(net, 2), (Strings{"ConstantFill(y -> y_grad)", "CoreTestScale(y_grad -> x_grad)",
                                          "CoreTestScale(x_grad -> x_grad)"}));
  EXPECT_EQ(ScaleArg(net.op(3)), 3.0f);
  EXPECT_EQ(ScaleArg(net.op(4)), 2.0f);
  EXPECT_EQ(names.at("x"), "x_grad");

  // x before the in-place write (read by ops 0 and 1) and after it (read by op 2) are different
  // versions: op 2's gradient goes to the new x only, and the old x sums what ops 0 and 1 send back.
  NetDef two = Net({Op("CoreTestScale", {"x"}, {"a"}, 5), Op("CoreTestScale", {"x"}, {"x"}, 2),
                    Op("CoreTestAddTwo", {"a", "x"}, {"z"})});
  AddGradientOperators(&two, {"z"});
  EXPECT_EQ(GradientOps(two, 3),
            (Strings{"ConstantFill(z -> z_grad)", "CoreTestScale(z_grad -> a_grad)", "CoreTestScale(z_grad -> x_grad)",
                     "CoreTestScale(x_grad -> x_grad)", "CoreTestScale(a_grad -> _x_grad_autosplit_0)",
                     "Sum(x_grad, _x_grad_autosplit_0 -> x_grad)"}));
}

// Regression: a maker that passes the output gradient through (SetDense(0, GO(0)), no operator) left
// the upstream gradient op reading `<blob>_grad`, which nothing wrote.
TEST(Backward, PassThroughGradientKeepsItsName) {
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"a"}, 2), Op("CoreTestIdentity", {"a"}, {"b"})});
  const Names names = AddGradientOperators(&net, {"b"});
  EXPECT_EQ(GradientOps(net, 2), (Strings{"ConstantFill(b -> b_grad)", "CoreTestScale(b_grad -> x_grad)"}));
  EXPECT_EQ(names.at("a"), "b_grad");

  // Passed through to a blob with a second consumer: summed, with no part renamed to a name nobody writes.
  NetDef two = Net({Op("CoreTestScale", {"x"}, {"a"}, 2), Op("CoreTestIdentity", {"x"}, {"b"}),
                    Op("CoreTestAddTwo", {"a", "b"}, {"z"})});
  AddGradientOperators(&two, {"z"});
  EXPECT_EQ(GradientOps(two, 3),
            (Strings{"ConstantFill(z -> z_grad)", "CoreTestScale(z_grad -> a_grad)", "CoreTestScale(z_grad -> b_grad)",
                     "CoreTestScale(a_grad -> x_grad)", "Sum(x_grad, b_grad -> x_grad)"}));
}

// Regression: Sum(c, c) built an invalid net. The maker writes c_grad twice; renaming the second part
// renamed the first too, so the final Sum read a c_grad nobody wrote.
TEST(Backward, TwoInputsOfOneOperatorAreTwoParts) {
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"c"}, 2), Op("CoreTestAddTwo", {"c", "c"}, {"z"})});
  const Names names = AddGradientOperators(&net, {"z"});
  EXPECT_EQ(GradientOps(net, 2),
            (Strings{"ConstantFill(z -> z_grad)", "CoreTestScale(z_grad -> c_grad)",
                     "CoreTestScale(z_grad -> _c_grad_autosplit_0)", "Sum(c_grad, _c_grad_autosplit_0 -> c_grad)",
                     "CoreTestScale(c_grad -> x_grad)"}));
  EXPECT_EQ(names.at("c"), "c_grad");

  // The same with gradients passed through (Caffe2's Sum maker): the output gradient twice.
  NetDef passed = Net({Op("CoreTestScale", {"x"}, {"c"}, 2), Op("CoreTestAddTwoPassThrough", {"c", "c"}, {"z"})});
  AddGradientOperators(&passed, {"z"});
  EXPECT_EQ(GradientOps(passed, 2), (Strings{"ConstantFill(z -> z_grad)", "Sum(z_grad, z_grad -> c_grad)",
                                             "CoreTestScale(c_grad -> x_grad)"}));
}

TEST(Backward, ThreeConsumersAndATwiceReadInput) {
  // x is read by a, b and twice by w: four parts, numbered in the order the backward walk meets them.
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"a"}, 2), Op("CoreTestScale", {"x"}, {"b"}, 3),
                    Op("CoreTestAddTwo", {"x", "x"}, {"w"}), Op("CoreTestAddTwo", {"a", "b"}, {"s"}),
                    Op("CoreTestAddTwo", {"s", "w"}, {"z"})});
  AddGradientOperators(&net, {"z"});
  EXPECT_EQ(GradientOps(net, 5),
            (Strings{"ConstantFill(z -> z_grad)", "CoreTestScale(z_grad -> s_grad)", "CoreTestScale(z_grad -> w_grad)",
                     "CoreTestScale(s_grad -> a_grad)", "CoreTestScale(s_grad -> b_grad)",
                     "CoreTestScale(w_grad -> x_grad)", "CoreTestScale(w_grad -> _x_grad_autosplit_0)",
                     "CoreTestScale(b_grad -> _x_grad_autosplit_1)", "CoreTestScale(a_grad -> _x_grad_autosplit_2)",
                     "Sum(x_grad, _x_grad_autosplit_0, _x_grad_autosplit_1, _x_grad_autosplit_2 -> x_grad)"}));
}

TEST(Backward, ConsumerThatIsAlsoTheOutput) {
  // x = x + x in place: both parts are computed from the output gradient x_grad, so neither may
  // overwrite it before the other has read it (Caffe2 kept the first part's name and summed 2 * dx
  // with a clobbered one here).
  NetDef net = Net({Op("CoreTestAddTwo", {"x", "x"}, {"x"}), Op("CoreTestScale", {"x"}, {"y"}, 3)});
  const Names names = AddGradientOperators(&net, {"y"});
  EXPECT_EQ(GradientOps(net, 2),
            (Strings{"ConstantFill(y -> y_grad)", "CoreTestScale(y_grad -> x_grad)",
                     "CoreTestScale(x_grad -> _x_grad_autosplit_0)", "CoreTestScale(x_grad -> _x_grad_autosplit_1)",
                     "Sum(_x_grad_autosplit_0, _x_grad_autosplit_1 -> x_grad)"}));
  EXPECT_EQ(names.at("x"), "x_grad");
}

TEST(Backward, PassedThroughPartWithTheSumsName) {
  // x is passed x_grad by the in-place identity and also gets a written part named x_grad from a:
  // the written part must not overwrite the passed one (Caffe2 raised an error here).
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"a"}, 2), Op("CoreTestIdentity", {"x"}, {"x"}),
                    Op("CoreTestAddTwo", {"a", "x"}, {"z"})});
  AddGradientOperators(&net, {"z"});
  EXPECT_EQ(GradientOps(net, 3),
            (Strings{"ConstantFill(z -> z_grad)", "CoreTestScale(z_grad -> a_grad)", "CoreTestScale(z_grad -> x_grad)",
                     "CoreTestScale(a_grad -> _x_grad_autosplit_0)", "Sum(x_grad, _x_grad_autosplit_0 -> x_grad)"}));
}

TEST(Backward, ErrorsLeaveTheNetUnchanged) {
  NetDef net = Net({Op("CoreTestNoMaker", {"x"}, {"y"})});
  const std::string before = net.SerializeAsString();
  ExpectThrowContaining([&] { AddGradientOperators(&net, {"y"}); },
                        {"no gradient maker is registered for operator type 'CoreTestNoMaker'", "NO_GRADIENT"});
  EXPECT_EQ(net.SerializeAsString(), before);
  ExpectThrowContaining([&] { AddGradientOperators(&net, {"nowhere"}); },
                        {"cannot seed the gradient of blob 'nowhere'"});
  ExpectThrowContaining([&] { AddGradientOperators(&net, {}); }, {"at least one blob"});
  EXPECT_EQ(net.SerializeAsString(), before);
}

TEST(GradientMaker, GetGradientForOpWithCaffe2Types) {
  DeviceOption device;
  device.set_random_seed(5);
  OperatorDef def = CreateOperatorDef("CoreTestAddTwo", "add", {"p", "q"}, {"r"},
                                      {MakeArgument("scale", 9.0f), MakeArgument("extra", 4)}, device, "FAST");
  std::vector<GradientWrapper> g_output(1);
  g_output[0].dense_ = "r_grad";
  const GradientOpsMeta meta = GetGradientForOp(def, g_output);
  ASSERT_EQ(meta.ops_.size(), 2u);
  ASSERT_EQ(meta.g_input_.size(), 2u);
  EXPECT_EQ(meta.g_input_[0].dense_, "p_grad");
  EXPECT_EQ(meta.g_input_[1].dense_, "q_grad");
  const OperatorDef& g = meta.ops_[0];
  EXPECT_EQ(g.input(0), "r_grad");
  EXPECT_EQ(g.output(0), "p_grad");
  EXPECT_TRUE(g.is_gradient_op());
  EXPECT_EQ(g.device_option().random_seed(), 5u);
  EXPECT_EQ(g.engine(), "FAST");
  ArgumentHelper args(g);  // would throw on a duplicate name
  EXPECT_EQ(args.GetSingleArgument<float>("scale", 0), 1.0f);  // the maker's own
  EXPECT_EQ(args.GetSingleArgument<int>("extra", 0), 4);       // copied

  // An output without a gradient, asked for by GO(): an error naming it.
  std::vector<GradientWrapper> none(1);
  ExpectThrowContaining([&] { GetGradientForOp(def, none); }, {"needs a dense gradient for output 0 ('r')"});
  // Wrong number of entries.
  ExpectThrowContaining([&] { GetGradientForOp(def, {}); }, {"one output gradient entry per output"});

  GradientWrapper w;
  EXPECT_TRUE(w.IsEmpty());
  w.dense_ = "x";
  EXPECT_TRUE(w.IsDense());
  EXPECT_FALSE(w.IsSparse());
}

// The built net runs with the real ConstantFill and Sum: d(2x + 3x)/dx = 5.
TEST(Backward, BuiltNetRunsEndToEnd) {
  // The built-in library registers both; a missing one is a failure, not a reason to skip.
  ASSERT_TRUE(CPUOperatorRegistry()->Has("ConstantFill"));
  ASSERT_TRUE(CPUOperatorRegistry()->Has("Sum"));
  Workspace ws;
  Tensor* x = BlobGetMutableTensor(ws.CreateBlob("x"));
  x->Resize(3);
  for (int i = 0; i < 3; ++i) x->mutable_data<float>()[i] = static_cast<float>(i + 1);
  NetDef net = Net({Op("CoreTestScale", {"x"}, {"a"}, 2), Op("CoreTestScale", {"x"}, {"b"}, 3),
                    Op("CoreTestAddTwo", {"a", "b"}, {"z"}), Op("CoreTestScale", {"z"}, {"z"}, 0.5f)});
  AddGradientOperators(&net, {"z"});
  ASSERT_TRUE(ws.RunNetOnce(net));
  const Tensor& z = BlobGetTensor(*ws.GetBlob("z"));
  EXPECT_EQ(z.data<float>()[2], 7.5f);
  const Tensor& z_grad = BlobGetTensor(*ws.GetBlob("z_grad"));
  EXPECT_EQ(z_grad.sizes(), std::vector<int64_t>{3});
  const Tensor& x_grad = BlobGetTensor(*ws.GetBlob("x_grad"));
  ASSERT_EQ(x_grad.sizes(), std::vector<int64_t>{3});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(x_grad.data<float>()[i], 2.5f) << i;
}

// Every way of reading a blob twice, run with the real Sum: y = 3 * ((x + x) + x) with x read twice by
// one operator, by two operators, and rewritten in place, gives dy/dx = 9.
TEST(Backward, BlobsReadTwiceRunEndToEnd) {
  Workspace ws;
  Tensor* x = BlobGetMutableTensor(ws.CreateBlob("x"));
  x->Resize(2);
  x->mutable_data<float>()[0] = 1;
  x->mutable_data<float>()[1] = -2;
  NetDef net = Net({Op("Sum", {"x", "x"}, {"c"}), Op("Sum", {"c", "x"}, {"c"}), Op("CoreTestScale", {"c"}, {"y"}, 3)});
  AddGradientOperators(&net, {"y"});
  GradientOps(net, 3);  // checks that every gradient op reads a blob some earlier op writes
  ASSERT_TRUE(ws.RunNetOnce(net));
  const Tensor& x_grad = BlobGetTensor(*ws.GetBlob("x_grad"));
  ASSERT_EQ(x_grad.sizes(), std::vector<int64_t>{2});
  for (int i = 0; i < 2; ++i) EXPECT_EQ(x_grad.data<float>()[i], 9.0f) << i;

  // x = x + x in place, then y = 3x: dy/dx = 6.
  Workspace in_place;
  BlobGetMutableTensor(in_place.CreateBlob("x"))->CopyFrom(*x);
  NetDef twice = Net({Op("CoreTestAddTwo", {"x", "x"}, {"x"}), Op("CoreTestScale", {"x"}, {"y"}, 3)});
  AddGradientOperators(&twice, {"y"});
  ASSERT_TRUE(in_place.RunNetOnce(twice));
  const Tensor& g = BlobGetTensor(*in_place.GetBlob("x_grad"));
  for (int i = 0; i < 2; ++i) EXPECT_EQ(g.data<float>()[i], 6.0f) << i;
}

}  // namespace
}  // namespace caffe2
