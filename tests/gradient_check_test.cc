// Numeric gradient checks (tests/util/gradient_checker.h) of BooleanMask (1-D, N-D, with indices),
// BooleanMaskGradient's own gradient, SequenceMask in every mode (plain, batched, repeated, window radii,
// -inf and finite fill values), Sum, and a net through AddGradientOperators; plus the registry check that
// every operator has a schema and a declared gradient intent.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/operator_tester.h"

namespace caffe2::testing {
namespace {

constexpr bool T_ = true;
constexpr bool F_ = false;

void Feed(Workspace* ws, const std::string& blob, Tensor tensor) {
  BlobGetMutableTensor(ws->CreateBlob(blob))->CopyFrom(tensor);
}

// Values in [-2, 2], seeded.
Tensor RandomDoubles(const std::vector<int64_t>& dims, uint32_t seed) {
  Tensor t(dims);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  double* data = t.mutable_data<double>();
  for (int64_t k = 0; k < t.numel(); ++k) data[k] = dist(rng);
  return t;
}

TEST(GradientCheckTest, BooleanMask1D) {
  Workspace ws;
  Feed(&ws, "x", RandomDoubles({6}, 1));
  Feed(&ws, "m", MakeTensor<bool>({6}, {T_, F_, F_, T_, T_, F_}));
  EXPECT_TRUE(CheckOperatorGradient(CreateOperatorDef("BooleanMask", "", {"x", "m"}, {"y"}), &ws, 0));
}

TEST(GradientCheckTest, BooleanMaskND) {
  Workspace ws;
  Feed(&ws, "x", RandomDoubles({5, 2, 3}, 2));
  Feed(&ws, "m", MakeTensor<bool>({5}, {F_, T_, T_, F_, T_}));
  EXPECT_TRUE(CheckOperatorGradient(CreateOperatorDef("BooleanMask", "", {"x", "m"}, {"y", "idx"}), &ws, 0));
}

TEST(GradientCheckTest, BooleanMaskAllFalseAndAllTrue) {
  for (bool value : {false, true}) {
    Workspace ws;
    Feed(&ws, "x", RandomDoubles({4, 2}, 3));
    Feed(&ws, "m", MakeTensor<bool>({4}, std::vector<bool>(4, value)));
    EXPECT_TRUE(CheckOperatorGradient(CreateOperatorDef("BooleanMask", "", {"x", "m"}, {"y"}), &ws, 0)) << value;
  }
}

TEST(GradientCheckTest, BooleanMaskGradientWithRespectToDY) {
  Workspace ws;
  Feed(&ws, "m", MakeTensor<bool>({5}, {T_, F_, T_, T_, F_}));
  Feed(&ws, "dy", RandomDoubles({3, 2}, 4));
  EXPECT_TRUE(CheckOperatorGradient(CreateOperatorDef("BooleanMaskGradient", "", {"m", "dy"}, {"dx"}), &ws, 1));
}

struct SequenceMaskCase {
  std::string mode;
  std::vector<int64_t> dims;
  std::vector<Argument> args;
  std::vector<int32_t> second;  // lengths or centers; empty for the triangle modes
};

void CheckSequenceMaskGradient(const SequenceMaskCase& c, bool finite_fill) {
  SCOPED_TRACE(c.mode + " " + ShapeString(c.dims) + (finite_fill ? " fill_val 5" : " fill_val -inf"));
  Workspace ws;
  Feed(&ws, "x", RandomDoubles(c.dims, 5));
  std::vector<std::string> inputs{"x"};
  if (!c.second.empty()) {
    Feed(&ws, "s", MakeTensor<int32_t>({static_cast<int64_t>(c.second.size())}, c.second));
    inputs.push_back("s");
  }
  std::vector<Argument> args = c.args;
  args.push_back(MakeArgument("mode", c.mode));
  if (finite_fill) args.push_back(MakeArgument("fill_val", 5.0f));
  EXPECT_TRUE(CheckOperatorGradient(CreateOperatorDef("SequenceMask", "", inputs, {"y"}, args), &ws, 0));
}

TEST(GradientCheckTest, SequenceMaskEveryMode) {
  const std::vector<SequenceMaskCase> cases = {
      {"sequence", {3, 4}, {}, {1, 0, 4}},
      {"window", {3, 5}, {MakeArgument("radius", 1)}, {0, 2, 7}},
      {"window", {2, 5}, {}, {-20, 3}},  // default radius 10
      {"upper", {3, 4}, {}, {}},
      {"lower", {3, 4}, {}, {}},
      {"upperdiag", {4, 3}, {}, {}},
      {"lowerdiag", {4, 3}, {}, {}},
      {"lowerdiag", {2, 3, 2}, {MakeArgument("axis", -1)}, {}},
      // Batched: [2, 3, 4], batch 0, axis 2.
      {"sequence", {2, 3, 4}, {MakeArgument("batch", 0), MakeArgument("axis", 2)}, {2, 0, 3}},
      {"window", {2, 3, 4}, {MakeArgument("batch", 0), MakeArgument("axis", 2), MakeArgument("radius", 0)}, {1, 3, 0}},
      {"upper", {2, 3, 4}, {MakeArgument("batch", 0), MakeArgument("axis", 2)}, {}},
      {"lower", {2, 3, 4}, {MakeArgument("batch", 0), MakeArgument("axis", 2)}, {}},
      {"upperdiag", {2, 3, 4}, {MakeArgument("batch", 0), MakeArgument("axis", 2)}, {}},
      {"lowerdiag", {2, 3, 4}, {MakeArgument("batch", -3), MakeArgument("axis", -1)}, {}},
      // Repeated: [3, 2, 2], repeat_from_axis 2.
      {"sequence", {3, 2, 2}, {MakeArgument("repeat_from_axis", 2)}, {1, 2, 0}},
      {"sequence", {3, 2, 2}, {MakeArgument("repeat_from_axis", -2)}, {1, 2, 0}},
  };
  for (const auto& c : cases) {
    CheckSequenceMaskGradient(c, false);
    CheckSequenceMaskGradient(c, true);
  }
}

TEST(GradientCheckTest, SumEveryInput) {
  Workspace ws;
  Feed(&ws, "a", RandomDoubles({2, 3}, 6));
  Feed(&ws, "b", RandomDoubles({2, 3}, 7));
  Feed(&ws, "c", RandomDoubles({2, 3}, 8));
  const auto def = CreateOperatorDef("Sum", "", {"a", "b", "c"}, {"s"});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(CheckOperatorGradient(def, &ws, i)) << "input " << i;
}

// x feeds two SequenceMasks (so the builder sums two gradient parts), then a Sum and a BooleanMask.
TEST(GradientCheckTest, NetThroughAddGradientOperators) {
  NetDef net;
  net.set_name("mask_net");
  *net.add_op() = CreateOperatorDef("SequenceMask", "", {"x"}, {"a"},
                                    {MakeArgument("mode", "upper"), MakeArgument("fill_val", 0.5f)});
  *net.add_op() = CreateOperatorDef("SequenceMask", "", {"x", "lengths"}, {"b"},
                                    {MakeArgument("mode", "sequence"), MakeArgument("fill_val", -1.0f)});
  *net.add_op() = CreateOperatorDef("Sum", "", {"a", "b"}, {"c"});
  *net.add_op() = CreateOperatorDef("BooleanMask", "", {"c", "m"}, {"d"});
  Workspace ws;
  Feed(&ws, "x", RandomDoubles({4, 3}, 9));
  Feed(&ws, "lengths", MakeTensor<int32_t>({4}, {1, 3, 0, 2}));
  Feed(&ws, "m", MakeTensor<bool>({4}, {T_, F_, T_, T_}));
  EXPECT_TRUE(CheckNetGradient(net, &ws, "x", "d"));
}

// Regression: the padding example's backward pass (`--gradient_for processed`) built an invalid net
// because Sum(packed, packed) reads one blob twice. The example net, in double, checked against finite
// differences: d processed / d tokens is 2 at the real tokens and 0 at the padding.
TEST(GradientCheckTest, PaddingRemovalExample) {
  const std::string dir = std::string(CAFFE2_MASK_SOURCE_DIR) + "/examples/padding_removal/";
  NetDef net;
  ReadProtoFile(dir + "net.pbtxt", &net);
  for (auto& op : *net.mutable_op()) {
    // The padding zeros must match the double tokens for BooleanUnmask.
    if (op.type() == "ConstantFill") SetArgument(&op, MakeArgument<int>("dtype", TensorProto::DOUBLE));
  }
  Workspace ws;
  for (const char* name : {"tokens", "mask", "padding_mask", "lengths"}) {
    ReadTensorFile(dir + name + ".npy", BlobGetMutableTensor(ws.CreateBlob(name)));
  }
  const Tensor& tokens = BlobGetTensor(*ws.GetBlob("tokens"));
  ASSERT_TRUE(tokens.IsType<float>());
  Tensor as_double(tokens.sizes());
  for (int64_t k = 0; k < tokens.numel(); ++k) as_double.mutable_data<double>()[k] = tokens.data<float>()[k];
  Feed(&ws, "tokens", std::move(as_double));
  EXPECT_TRUE(CheckNetGradient(net, &ws, "tokens", "processed"));
}

// The checker itself must catch a wrong gradient: y = 2x whose maker claims dx = dy.
class DoubleItOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  using Operator<CPUContext>::Operator;
  bool RunOnDevice() override {
    const Tensor& x = Input(0);
    Tensor* y = Output(0);
    y->Resize(x.sizes());
    double* out = y->mutable_data<double>();
    for (int64_t k = 0; k < x.numel(); ++k) out[k] = 2 * x.data<double>()[k];
    return true;
  }
};
class GetWrongDoubleItGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    return SingleGradientDef("Sum", "", std::vector<std::string>{GO(0)}, std::vector<std::string>{GI(0)});
  }
};
REGISTER_CPU_OPERATOR(GradientCheckerSelfTestDoubleIt, DoubleItOp);
OPERATOR_SCHEMA(GradientCheckerSelfTestDoubleIt)
    .NumInputs(1)
    .NumOutputs(1)
    .SetDoc("Test only: y = 2x, with a deliberately wrong gradient maker.")
    .Input(0, "x", "double")
    .Output(0, "y", "2x")
    .IdenticalTypeAndShapeOfInput(0);
REGISTER_GRADIENT(GradientCheckerSelfTestDoubleIt, GetWrongDoubleItGradient);

TEST(GradientCheckTest, CheckerCatchesAWrongGradient) {
  Workspace ws;
  Feed(&ws, "x", RandomDoubles({3}, 10));
  const auto result =
      CheckOperatorGradient(CreateOperatorDef("GradientCheckerSelfTestDoubleIt", "", {"x"}, {"y"}), &ws, 0);
  EXPECT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("3 of 3 gradient elements"), std::string::npos) << result.message();
}

// ---------------------------------------------------------------------------------------------------
// Registry: every operator has a schema and a declared gradient intent.
// ---------------------------------------------------------------------------------------------------
TEST(OperatorRegistryTest, EveryOperatorHasASchemaAndAGradientIntent) {
  const auto keys = CPUOperatorRegistry()->Keys();
  EXPECT_FALSE(keys.empty());
  for (const auto& key : keys) {
    EXPECT_NE(OpSchemaRegistry::Schema(key), nullptr) << key << " has no OPERATOR_SCHEMA";
    EXPECT_TRUE(GradientRegistry()->Has(key))
        << key << " declares no REGISTER_GRADIENT / NO_GRADIENT / SHOULD_NOT_DO_GRADIENT";
  }
}

TEST(OperatorRegistryTest, MaskOperatorSchemasAreComplete) {
  for (const char* type : {"BooleanMask", "BooleanMaskGradient", "BooleanMaskLengths", "BooleanUnmask",
                           "SequenceMask", "GivenTensorFill", "GivenTensorDoubleFill", "GivenTensorIntFill",
                           "GivenTensorInt64Fill", "GivenTensorBoolFill", "GivenTensorStringFill", "ConstantFill",
                           "Sum"}) {
    SCOPED_TRACE(type);
    EXPECT_TRUE(CPUOperatorRegistry()->Has(type));
    EXPECT_TRUE(GradientRegistry()->Has(type));
    const OpSchema* schema = OpSchemaRegistry::Schema(type);
    ASSERT_NE(schema, nullptr);
    EXPECT_FALSE(schema->doc().empty());
    EXPECT_TRUE(schema->has_shape_inference());
    EXPECT_FALSE(schema->input_docs().empty());
    EXPECT_FALSE(schema->output_docs().empty());
    for (const auto& arg : schema->args()) {
      EXPECT_NE(arg.description.find("default"), std::string::npos) << arg.name;
      EXPECT_EQ(arg.description.front(), '(') << arg.name << ": the type comes first";
    }
  }
}

}  // namespace
}  // namespace caffe2::testing
