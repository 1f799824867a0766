// SequenceMask: the worked example, every mode by hand, batch / repeat_from_axis / negative axes,
// zero-size dims, extreme centers and radii, float16's -inf, seeded random cases against the scalar
// reference for every dtype, the gradient maker and shape inference.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"
#include "tests/util/reference_ops.h"

namespace caffe2::testing {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(SequenceMaskTest, WorkedExample) {
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 4}, std::vector<float>(8, 1.0f))
      .Input<int32_t>("lengths", {2}, {1, 3})
      .Arg("mode", "sequence")
      .Arg("axis", 1)
      .ExpectOutput<float>("out", {2, 4}, {1, -kInf, -kInf, -kInf, 1, 1, 1, -kInf})
      .Run();
}

// 3x3 input 1..9, each triangle mode with fill_val 0.
void CheckTriangle(const char* mode, const std::vector<float>& expected) {
  SCOPED_TRACE(mode);
  OperatorTester("SequenceMask")
      .Input<float>("input", {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})
      .Arg("mode", mode)
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {3, 3}, expected)
      .Run();
}

TEST(SequenceMaskTest, UpperMasksAboveDiagonal) { CheckTriangle("upper", {1, 0, 0, 4, 5, 0, 7, 8, 9}); }
TEST(SequenceMaskTest, LowerMasksBelowDiagonal) { CheckTriangle("lower", {1, 2, 3, 0, 5, 6, 0, 0, 9}); }
TEST(SequenceMaskTest, UpperDiagMasksDiagonalAndAbove) { CheckTriangle("upperdiag", {0, 0, 0, 4, 0, 0, 7, 8, 0}); }
TEST(SequenceMaskTest, LowerDiagMasksDiagonalAndBelow) { CheckTriangle("lowerdiag", {0, 2, 3, 0, 0, 6, 0, 0, 0}); }

TEST(SequenceMaskTest, WindowKeepsCenterPlusMinusRadius) {
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 6}, {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6})
      .Input<int32_t>("centers", {2}, {2, 0})
      .Arg("mode", "window")
      .Arg("radius", 1)
      .Arg("fill_val", -1.0f)
      .ExpectOutput<float>("out", {2, 6}, {-1, 2, 3, 4, -1, -1, 1, 2, -1, -1, -1, -1})
      .Run();
}

TEST(SequenceMaskTest, WindowDefaultRadiusIsTen) {
  std::vector<float> ones(30, 1.0f);
  std::vector<float> expected(30, 1.0f);
  for (int j = 0; j < 30; ++j) {
    if (j > 10) expected[j] = -kInf;
  }
  OperatorTester("SequenceMask")
      .Input<float>("input", {1, 30}, ones)
      .Input<int32_t>("centers", {1}, {0})
      .Arg("mode", "window")
      .ExpectOutput<float>("out", {1, 30}, expected)
      .Run();
}

TEST(SequenceMaskTest, GradWritesZeroNotFillVal) {
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 3}, {1, 2, 3, 4, 5, 6})
      .Input<int32_t>("lengths", {2}, {2, 0})
      .Arg("mode", "sequence")
      .Arg("fill_val", 7.0f)
      .Arg("grad", true)
      .ExpectOutput<float>("out", {2, 3}, {1, 2, 0, 0, 0, 0})
      .Run();
}

TEST(SequenceMaskTest, NegativeAxis) {
  // axis -1 on [2, 3]: N = 2, M = 3, the same as axis 1.
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 3}, {1, 2, 3, 4, 5, 6})
      .Input<int32_t>("lengths", {2}, {1, 2})
      .Arg("mode", "sequence")
      .Arg("axis", -1)
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {2, 3}, {1, 0, 0, 4, 5, 0})
      .Run();
}

TEST(SequenceMaskTest, AxisZeroIsOneRow) {
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 2}, {1, 2, 3, 4})
      .Input<int32_t>("lengths", {1}, {3})
      .Arg("mode", "sequence")
      .Arg("axis", 0)
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {2, 2}, {1, 2, 3, 0})
      .Run();
}

TEST(SequenceMaskTest, BatchSharesLengthsAcrossSlices) {
  // [2, 2, 3], batch 0, axis 2: B = 2, N = 2, M = 3; lengths indexed by the middle dim.
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
      .Input<int32_t>("lengths", {2}, {1, 2})
      .Arg("mode", "sequence")
      .Arg("axis", 2)
      .Arg("batch", 0)
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {2, 2, 3}, {1, 0, 0, 4, 5, 0, 7, 0, 0, 10, 11, 0})
      .Run();
}

TEST(SequenceMaskTest, BatchTriangle) {
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})
      .Arg("mode", "upper")
      .Arg("axis", -1)
      .Arg("batch", -3)
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {2, 2, 2}, {1, 0, 3, 4, 5, 0, 7, 8})
      .Run();
}

TEST(SequenceMaskTest, RepeatFromAxisMasksWholeBlocks) {
  // [2, 3, 2], axis 1, repeat_from_axis 2: (i, j, *) masked when j >= lengths[i].
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
      .Input<int32_t>("lengths", {2}, {1, 2})
      .Arg("mode", "sequence")
      .Arg("repeat_from_axis", -1)
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {2, 3, 2}, {1, 2, 0, 0, 0, 0, 7, 8, 9, 10, 0, 0})
      .Run();
}

TEST(SequenceMaskTest, RepeatFromAxisEqualToAxisMasksWholeRows) {
  OperatorTester("SequenceMask")
      .Input<float>("input", {2, 2}, {1, 2, 3, 4})
      .Input<int32_t>("lengths", {2}, {0, 1})
      .Arg("mode", "sequence")
      .Arg("repeat_from_axis", 1)
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {2, 2}, {0, 0, 3, 4})
      .Run();
}

TEST(SequenceMaskTest, ZeroSizeDimGivesEmptyOutputInEveryMode) {
  for (const char* mode : {"sequence", "window", "upper", "lower", "upperdiag", "lowerdiag"}) {
    for (const std::vector<int64_t>& dims : std::vector<std::vector<int64_t>>{{0, 4}, {3, 0}, {2, 0, 3}}) {
      SCOPED_TRACE(std::string(mode) + " " + ShapeString(dims));
      OperatorTester tester("SequenceMask");
      tester.Input<float>("input", dims, {});
      const bool two = std::string(mode) == "sequence" || std::string(mode) == "window";
      if (two) tester.Input<int32_t>("second", {dims[0]}, std::vector<int32_t>(dims[0], 1));
      tester.Arg("mode", mode).ExpectOutput<float>("out", dims, {}).Run();
    }
  }
}

TEST(SequenceMaskTest, WindowExtremeCentersAndRadiusDoNotOverflow) {
  const int32_t lo = std::numeric_limits<int32_t>::min();
  const int32_t hi = std::numeric_limits<int32_t>::max();
  for (int64_t radius : {int64_t{0}, int64_t{10}, int64_t{1} << 40, std::numeric_limits<int64_t>::max(),
                         std::numeric_limits<int64_t>::min() + 1, int64_t{-3}}) {
    SCOPED_TRACE(radius);
    const std::vector<int32_t> centers{lo, hi, 0, 2};
    const std::vector<float> data(16, 1.0f);
    ref::SequenceMaskArgs args;
    args.mode = "window";
    args.radius = radius;
    args.fill_val = 0.0f;
    OperatorTester("SequenceMask")
        .Input<float>("input", {4, 4}, data)
        .Input<int32_t>("centers", {4}, centers)
        .Arg("mode", "window")
        .Arg("radius", radius)
        .Arg("fill_val", 0.0f)
        .ExpectOutput<float>("out", {4, 4}, ref::SequenceMask<float>({4, 4}, data, args, centers))
        .Run();
  }
}

TEST(SequenceMaskTest, ExtremeAndNegativeLengths) {
  const std::vector<int32_t> lengths{std::numeric_limits<int32_t>::min(), -1, 0, std::numeric_limits<int32_t>::max()};
  const std::vector<float> data(8, 1.0f);
  ref::SequenceMaskArgs args;
  args.mode = "sequence";
  args.fill_val = 0.0f;
  args.repeat_from_axis = 2;
  OperatorTester("SequenceMask")
      .Input<float>("input", {4, 1, 2}, data)
      .Input<int32_t>("lengths", {4}, lengths)
      .Arg("mode", "sequence")
      .Arg("repeat_from_axis", 2)
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {4, 1, 2}, {0, 0, 0, 0, 0, 0, 1, 1})
      .Run();
  EXPECT_EQ(ref::SequenceMask<float>({4, 1, 2}, data, args, lengths), (std::vector<float>{0, 0, 0, 0, 0, 0, 1, 1}));
}

TEST(SequenceMaskTest, LengthsLongerThanRowsAreAccepted) {
  OperatorTester("SequenceMask")
      .Input<float>("input", {1, 2}, {1, 2})
      .Input<int32_t>("lengths", {3}, {1, 9, 9})
      .Arg("mode", "sequence")
      .Arg("fill_val", 0.0f)
      .ExpectOutput<float>("out", {1, 2}, {1, 0})
      .Run();
}

TEST(SequenceMaskTest, Float16DefaultFillIsNegativeInfinity) {
  OperatorTester tester("SequenceMask");
  tester.Input<float16>("input", {1, 2}, {float16(1.5f), float16(2.0f)})
      .Input<int32_t>("lengths", {1}, {1})
      .Arg("mode", "sequence")
      .Output("out")
      .Run();
  const auto out = ToVector<float16>(tester.GetOutput("out"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].x, float16(1.5f).x);
  EXPECT_EQ(out[1].x, 0xFC00) << "float16 -inf";
}

TEST(SequenceMaskTest, Float16FillValRounds) {
  OperatorTester("SequenceMask")
      .Input<float16>("input", {1, 2}, {float16(1.0f), float16(2.0f)})
      .Arg("mode", "upper")
      .Arg("axis", 0)
      .Arg("fill_val", 0.1f)
      .ExpectOutput<float16>("out", {1, 2}, {float16(1.0f), float16(0.1f)})
      .Run();
}

// Random configurations compared with the reference, for dtype T.
template <typename T>
void CheckRandomSequenceMask(std::mt19937* rng, int trial) {
  static const char* kModes[] = {"sequence", "window", "upper", "lower", "upperdiag", "lowerdiag"};
  auto r = [&](int n) { return static_cast<int>((*rng)() % n); };
  const int ndim = 1 + r(4);
  std::vector<int64_t> dims;
  for (int d = 0; d < ndim; ++d) dims.push_back(r(8) == 0 ? 0 : 1 + r(4));
  ref::SequenceMaskArgs args;
  args.mode = kModes[r(6)];
  const int axis = r(ndim);
  args.axis = r(2) ? axis : axis - ndim;
  if (axis >= 1 && r(3) == 0) {
    const int batch = r(axis);
    args.batch = r(2) ? batch : batch - ndim;
  }
  if (args.mode == "sequence" && !args.batch && r(3) == 0) {
    const int repeat = axis + r(ndim - axis);
    args.repeat_from_axis = r(2) ? repeat : repeat - ndim;
  }
  args.grad = r(4) == 0;
  args.fill_val = r(2) ? -kInf : static_cast<float>(r(100)) - 50.0f;
  const bool has_radius = r(2);
  if (has_radius) args.radius = r(5) == 0 ? std::numeric_limits<int64_t>::max() / (1 + r(3)) : r(5) - 1;
  const int first_row_dim = args.batch ? (*args.batch < 0 ? *args.batch + ndim : *args.batch) + 1 : 0;
  const int64_t rows = ref::Product(dims, first_row_dim, axis);
  std::vector<int32_t> second(rows + r(3));
  for (auto& v : second) {
    const int pick = r(10);
    v = pick == 0 ? std::numeric_limits<int32_t>::min() : pick == 1 ? std::numeric_limits<int32_t>::max() : r(12) - 3;
  }
  const int64_t numel = ref::Product(dims, 0, dims.size());
  const auto data = ref::TestValues<T>(numel, trial);

  SCOPED_TRACE(::testing::Message() << "trial " << trial << " mode " << args.mode << " dims " << ShapeString(dims)
                                    << " axis " << args.axis << " batch " << (args.batch ? *args.batch : 99)
                                    << " repeat " << (args.repeat_from_axis ? *args.repeat_from_axis : 99));
  OperatorTester tester("SequenceMask");
  tester.Input<T>("input", dims, data);
  if (args.mode == "sequence" || args.mode == "window") {
    tester.Input<int32_t>("second", {static_cast<int64_t>(second.size())}, second);
  }
  tester.Arg("mode", args.mode).Arg("axis", args.axis).Arg("grad", args.grad).Arg("fill_val", args.fill_val);
  if (has_radius) tester.Arg("radius", args.radius);
  if (args.batch) tester.Arg("batch", *args.batch);
  if (args.repeat_from_axis) tester.Arg("repeat_from_axis", *args.repeat_from_axis);
  tester.ExpectOutput<T>("out", dims, ref::SequenceMask<T>(dims, data, args, second));
  tester.Run();
}

template <typename T>
class SequenceMaskTypedTest : public ::testing::Test {};
using SequenceMaskDtypes = ::testing::Types<float, double, float16>;
TYPED_TEST_SUITE(SequenceMaskTypedTest, SequenceMaskDtypes);

TYPED_TEST(SequenceMaskTypedTest, SeededRandom) {
  std::mt19937 rng(31337);
  for (int trial = 0; trial < 300; ++trial) CheckRandomSequenceMask<TypeParam>(&rng, trial);
}

TYPED_TEST(SequenceMaskTypedTest, EveryModeOnAMatrix) {
  using T = TypeParam;
  const std::vector<int64_t> dims{4, 5};
  const auto data = ref::TestValues<T>(20);
  const std::vector<int32_t> second{0, 2, 5, -1};
  for (const char* mode : {"sequence", "window", "upper", "lower", "upperdiag", "lowerdiag"}) {
    SCOPED_TRACE(mode);
    ref::SequenceMaskArgs args;
    args.mode = mode;
    args.radius = 1;
    OperatorTester tester("SequenceMask");
    tester.Input<T>("input", dims, data);
    if (args.mode == "sequence" || args.mode == "window") tester.Input<int32_t>("second", {4}, second);
    tester.Arg("mode", args.mode).Arg("radius", 1);
    tester.ExpectOutput<T>("out", dims, ref::SequenceMask<T>(dims, data, args, second));
    tester.Run();
  }
}

TEST(SequenceMaskTest, GradientMakerAddsGradTrueAndPassesLengths) {
  const auto def = CreateOperatorDef("SequenceMask", "", {"x", "lengths"}, {"y"},
                                     {MakeArgument("mode", "sequence"), MakeArgument("axis", 2),
                                      MakeArgument("fill_val", 3.0f)});
  const auto meta = GetGradientForOp(def, {GradientWrapper{"y_grad", "", ""}});
  ASSERT_EQ(meta.ops_.size(), 1u);
  const OperatorDef& g = meta.ops_[0];
  EXPECT_EQ(g.type(), "SequenceMask");
  ASSERT_EQ(g.input_size(), 2);
  EXPECT_EQ(g.input(0), "y_grad");
  EXPECT_EQ(g.input(1), "lengths");
  ASSERT_EQ(g.output_size(), 1);
  EXPECT_EQ(g.output(0), "x_grad");
  ArgumentHelper args(g);  // throws on a duplicated name
  EXPECT_EQ(args.GetSingleArgument<std::string>("mode", ""), "sequence");
  EXPECT_EQ(args.GetSingleArgument<int>("axis", 0), 2);
  EXPECT_EQ(args.GetSingleArgument<float>("fill_val", 0), 3.0f);
  EXPECT_TRUE(args.GetSingleArgument<bool>("grad", false));
  EXPECT_EQ(meta.g_input_[0].dense_, "x_grad");
  EXPECT_TRUE(meta.g_input_[1].IsEmpty()) << "no gradient to lengths";
}

TEST(SequenceMaskTest, GradientMakerReplacesExistingGradArgument) {
  const auto def = CreateOperatorDef("SequenceMask", "", {"x"}, {"y"},
                                     {MakeArgument("mode", "upper"), MakeArgument("grad", false)});
  const auto meta = GetGradientForOp(def, {GradientWrapper{"y_grad", "", ""}});
  ASSERT_EQ(meta.ops_.size(), 1u);
  int grads = 0;
  for (const auto& arg : meta.ops_[0].arg()) grads += arg.name() == "grad";
  EXPECT_EQ(grads, 1);
  EXPECT_TRUE(ArgumentHelper(meta.ops_[0]).GetSingleArgument<bool>("grad", false));
  ASSERT_EQ(meta.ops_[0].input_size(), 1);
  EXPECT_EQ(meta.ops_[0].input(0), "y_grad");
  // The generated op runs.
  Workspace ws;
  BlobGetMutableTensor(ws.CreateBlob("y_grad"))->CopyFrom(MakeTensor<float>({2, 2}, {1, 2, 3, 4}));
  ASSERT_TRUE(ws.RunOperatorOnce(meta.ops_[0]));
  EXPECT_EQ(ToVector<float>(ws.GetBlob("x_grad")->Get<Tensor>()), (std::vector<float>{1, 0, 3, 4}));
}

TEST(SequenceMaskTest, ShapeInferenceIsIdentity) {
  const OpSchema* schema = OpSchemaRegistry::Schema("SequenceMask");
  ASSERT_NE(schema, nullptr);
  TensorShape in;
  in.add_dims(2);
  in.add_dims(5);
  in.set_data_type(TensorProto::FLOAT16);
  const auto out = schema->InferTensor(
      CreateOperatorDef("SequenceMask", "", {"x"}, {"y"}, {MakeArgument("mode", "upper")}), {in});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data_type(), TensorProto::FLOAT16);
  ASSERT_EQ(out[0].dims_size(), 2);
  EXPECT_EQ(out[0].dims(1), 5);
}

TEST(SequenceMaskTest, SchemaDocumentsEveryArgumentWithDefault) {
  const OpSchema* schema = OpSchemaRegistry::Schema("SequenceMask");
  ASSERT_NE(schema, nullptr);
  std::vector<std::string> names;
  for (const auto& arg : schema->args()) {
    names.push_back(arg.name);
    EXPECT_NE(arg.description.find("default"), std::string::npos) << arg.name;
    EXPECT_EQ(arg.required, arg.name == "mode") << arg.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"mode", "axis", "radius", "grad", "fill_val", "batch", "repeat_from_axis"}));
}

}  // namespace
}  // namespace caffe2::testing
