// GivenTensor*Fill and ConstantFill: every dtype, shape from the argument / an input / an input's values,
// empty values, Caffe2's bool and dtype-inference rules, and shape inference.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"
#include "tests/util/reference_ops.h"

namespace caffe2::testing {
namespace {

Argument EmptyValues() {
  Argument arg;
  arg.set_name("values");
  return arg;
}

// GivenTensor<type>Fill with `values` in the right field for T.
template <typename T>
void CheckGivenTensorFill(const std::string& type, const std::vector<int64_t>& shape) {
  SCOPED_TRACE(type + " " + ShapeString(shape));
  const auto values = ref::TestValues<T>(ref::Product(shape, 0, shape.size()));
  OperatorTester tester(type);
  tester.Arg("shape", shape);
  if (values.empty()) {
    tester.Arg(EmptyValues());
  } else if constexpr (std::is_same_v<T, bool>) {
    std::vector<int64_t> ints(values.begin(), values.end());
    tester.Arg("values", ints);
  } else {
    tester.Arg("values", values);
  }
  tester.ExpectOutput<T>("out", shape, values);
  tester.Run();
}

template <typename T>
void CheckGivenTensorFillShapes(const std::string& type) {
  CheckGivenTensorFill<T>(type, {2, 3});
  CheckGivenTensorFill<T>(type, {5});
  CheckGivenTensorFill<T>(type, {0});     // EmptyValuesArgument
  CheckGivenTensorFill<T>(type, {2, 0});  // ZeroSizeDim
}

TEST(GivenTensorFillTest, EveryDtype) {
  CheckGivenTensorFillShapes<float>("GivenTensorFill");
  CheckGivenTensorFillShapes<double>("GivenTensorDoubleFill");
  CheckGivenTensorFillShapes<int32_t>("GivenTensorIntFill");
  CheckGivenTensorFillShapes<int64_t>("GivenTensorInt64Fill");
  CheckGivenTensorFillShapes<bool>("GivenTensorBoolFill");
  CheckGivenTensorFillShapes<std::string>("GivenTensorStringFill");
}

TEST(GivenTensorFillTest, FloatValues) {
  OperatorTester("GivenTensorFill")
      .Arg("shape", std::vector<int64_t>{2, 2})
      .Arg("values", std::vector<float>{1.5f, -2, 0.25f, 1e30f})
      .ExpectOutput<float>("out", {2, 2}, {1.5f, -2, 0.25f, 1e30f})
      .Run();
}

TEST(GivenTensorFillTest, DoubleFillReadsFloats) {
  OperatorTester("GivenTensorDoubleFill")
      .Arg("shape", std::vector<int64_t>{2})
      .Arg("values", std::vector<float>{0.5f, 3})
      .ExpectOutput<double>("out", {2}, {0.5, 3.0})
      .Run();
}

TEST(GivenTensorFillTest, Int64FillKeepsLargeValues) {
  OperatorTester("GivenTensorInt64Fill")
      .Arg("shape", std::vector<int64_t>{2})
      .Arg("values", std::vector<int64_t>{int64_t{1} << 40, -7})
      .ExpectOutput<int64_t>("out", {2}, {int64_t{1} << 40, -7})
      .Run();
}

TEST(GivenTensorFillTest, BoolFillTurnsNonZeroIntoTrue) {
  OperatorTester("GivenTensorBoolFill")
      .Arg("shape", std::vector<int64_t>{4})
      .Arg("values", std::vector<int64_t>{0, 1, 2, -1})
      .ExpectOutput<bool>("out", {4}, {false, true, true, true})
      .Run();
}

TEST(GivenTensorFillTest, StringFill) {
  OperatorTester("GivenTensorStringFill")
      .Arg("shape", std::vector<int64_t>{3})
      .Arg("values", std::vector<std::string>{"a", "", std::string(80, 'z')})
      .ExpectOutput<std::string>("out", {3}, {"a", "", std::string(80, 'z')})
      .Run();
}

TEST(GivenTensorFillTest, NoShapeIsAScalar) {
  OperatorTester("GivenTensorIntFill")
      .Arg("values", std::vector<int32_t>{42})
      .ExpectOutput<int32_t>("out", {}, {42})
      .Run();
}

TEST(GivenTensorFillTest, ShapeFromInput) {
  OperatorTester("GivenTensorFill")
      .Input<int32_t>("like", {2, 1}, {0, 0})
      .Arg("values", std::vector<float>{1, 2})
      .ExpectOutput<float>("out", {2, 1}, {1, 2})
      .Run();
}

TEST(GivenTensorFillTest, RunsTwice) {
  Workspace ws;
  const auto def = CreateOperatorDef("GivenTensorStringFill", "", {}, {"s"},
                                     {MakeArgument("shape", std::vector<int64_t>{2}),
                                      MakeArgument("values", std::vector<std::string>{"x", "y"})});
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  EXPECT_EQ(ToVector<std::string>(ws.GetBlob("s")->Get<Tensor>()), (std::vector<std::string>{"x", "y"}));
}

TEST(ConstantFillTest, DefaultIsFloatZero) {
  OperatorTester("ConstantFill")
      .Arg("shape", std::vector<int64_t>{2, 2})
      .ExpectOutput<float>("out", {2, 2}, {0, 0, 0, 0})
      .Run();
}

TEST(ConstantFillTest, FloatValue) {
  OperatorTester("ConstantFill")
      .Arg("shape", std::vector<int64_t>{3})
      .Arg("value", 2.5f)
      .ExpectOutput<float>("out", {3}, {2.5f, 2.5f, 2.5f})
      .Run();
}

TEST(ConstantFillTest, EveryDtype) {
  auto run = [](int dtype, const Argument& value) {
    OperatorTester tester("ConstantFill");
    tester.Arg("shape", std::vector<int64_t>{2}).Arg("dtype", dtype).Arg(value).Output("out").Run();
    return tester.GetOutput("out").Clone();
  };
  EXPECT_EQ(ToVector<double>(run(TensorProto::DOUBLE, MakeArgument("value", 0.5f))), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(ToVector<float16>(run(TensorProto::FLOAT16, MakeArgument("value", 1.5f))),
            (std::vector<float16>{float16(1.5f), float16(1.5f)}));
  EXPECT_EQ(ToVector<int32_t>(run(TensorProto::INT32, MakeArgument("value", 7))), (std::vector<int32_t>{7, 7}));
  EXPECT_EQ(ToVector<int64_t>(run(TensorProto::INT64, MakeArgument<int64_t>("value", int64_t{1} << 40))),
            (std::vector<int64_t>{int64_t{1} << 40, int64_t{1} << 40}));
  EXPECT_EQ(ToVector<int8_t>(run(TensorProto::INT8, MakeArgument("value", -3))), (std::vector<int8_t>{-3, -3}));
  EXPECT_EQ(ToVector<int16_t>(run(TensorProto::INT16, MakeArgument("value", 300))), (std::vector<int16_t>{300, 300}));
  EXPECT_EQ(ToVector<uint8_t>(run(TensorProto::UINT8, MakeArgument("value", 200))), (std::vector<uint8_t>{200, 200}));
  EXPECT_EQ(ToVector<uint16_t>(run(TensorProto::UINT16, MakeArgument("value", 60000))),
            (std::vector<uint16_t>{60000, 60000}));
  EXPECT_EQ(ToVector<bool>(run(TensorProto::BOOL, MakeArgument("value", 1))), (std::vector<bool>{true, true}));
  EXPECT_EQ(ToVector<bool>(run(TensorProto::BOOL, MakeArgument("value", 2))), (std::vector<bool>{true, true}));
  EXPECT_EQ(ToVector<std::string>(run(TensorProto::STRING, MakeArgument("value", "hi"))),
            (std::vector<std::string>{"hi", "hi"}));
}

TEST(ConstantFillTest, IntegerValueWithoutDtypeGivesInt64) {
  OperatorTester("ConstantFill")
      .Arg("shape", std::vector<int64_t>{2})
      .Arg("value", 3)
      .ExpectOutput<int64_t>("out", {2}, {3, 3})
      .Run();
}

TEST(ConstantFillTest, ShapeFromInput) {
  OperatorTester("ConstantFill")
      .Input<double>("x", {2, 3}, std::vector<double>(6, 9.0))
      .Arg("value", 1.0f)
      .ExpectOutput<float>("out", {2, 3}, std::vector<float>(6, 1.0f))
      .Run();
}

TEST(ConstantFillTest, ShapeFromInputPlusExtraShape) {
  OperatorTester("ConstantFill")
      .Input<float>("x", {2}, {0, 0})
      .Arg("extra_shape", std::vector<int64_t>{3})
      .ExpectOutput<float>("out", {2, 3}, std::vector<float>(6, 0.0f))
      .Run();
}

TEST(ConstantFillTest, InputAsShape) {
  OperatorTester("ConstantFill")
      .Input<int64_t>("shape", {2}, {2, 1})
      .Arg("input_as_shape", true)
      .Arg("value", 4.0f)
      .ExpectOutput<float>("out", {2, 1}, {4, 4})
      .Run();
  OperatorTester("ConstantFill")
      .Input<int32_t>("shape", {1}, {3})
      .Arg("input_as_shape", true)
      .Arg("extra_shape", std::vector<int64_t>{1})
      .Arg("dtype", static_cast<int>(TensorProto::INT32))
      .Arg("value", 5)
      .ExpectOutput<int32_t>("out", {3, 1}, {5, 5, 5})
      .Run();
}

TEST(ConstantFillTest, InPlaceOverwritesTheInput) {
  Workspace ws;
  BlobGetMutableTensor(ws.CreateBlob("x"))->CopyFrom(MakeTensor<double>({2}, {5, 6}));
  ASSERT_TRUE(ws.RunOperatorOnce(
      CreateOperatorDef("ConstantFill", "", {"x"}, {"x"}, {MakeArgument("value", 1.0f)})));
  EXPECT_EQ(ToVector<float>(ws.GetBlob("x")->Get<Tensor>()), (std::vector<float>{1, 1}));
}

TEST(FillOpsTest, ShapeInference) {
  TensorShape like;
  like.add_dims(4);
  like.set_data_type(TensorProto::DOUBLE);
  {
    const auto out = OpSchemaRegistry::Schema("GivenTensorInt64Fill")
                         ->InferTensor(CreateOperatorDef("GivenTensorInt64Fill", "", {}, {"o"},
                                                         {MakeArgument("shape", std::vector<int64_t>{2, 3})}),
                                       {});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data_type(), TensorProto::INT64);
    ASSERT_EQ(out[0].dims_size(), 2);
    EXPECT_EQ(out[0].dims(1), 3);
  }
  for (const char* type : {"GivenTensorFill", "GivenTensorDoubleFill", "GivenTensorIntFill", "GivenTensorBoolFill",
                           "GivenTensorStringFill"}) {
    const auto out = OpSchemaRegistry::Schema(type)->InferTensor(CreateOperatorDef(type, "", {"x"}, {"o"}), {like});
    ASSERT_EQ(out.size(), 1u) << type;
    ASSERT_EQ(out[0].dims_size(), 1) << type;
    EXPECT_EQ(out[0].dims(0), 4) << type;
  }
  {
    const auto out = OpSchemaRegistry::Schema("ConstantFill")
                         ->InferTensor(CreateOperatorDef("ConstantFill", "", {"x"}, {"o"},
                                                         {MakeArgument("extra_shape", std::vector<int64_t>{5}),
                                                          MakeArgument("dtype", static_cast<int>(TensorProto::BOOL))}),
                                       {like});
    EXPECT_EQ(out[0].data_type(), TensorProto::BOOL);
    ASSERT_EQ(out[0].dims_size(), 2);
    EXPECT_EQ(out[0].dims(0), 4);
    EXPECT_EQ(out[0].dims(1), 5);
  }
  {
    const auto out = OpSchemaRegistry::Schema("ConstantFill")
                         ->InferTensor(CreateOperatorDef("ConstantFill", "", {"x"}, {"o"},
                                                         {MakeArgument("input_as_shape", true)}),
                                       {like});
    EXPECT_TRUE(out[0].unknown_shape()) << "input_as_shape: the dims are data";
  }
  {
    const auto out = OpSchemaRegistry::Schema("ConstantFill")
                         ->InferTensor(CreateOperatorDef("ConstantFill", "", {}, {"o"}, {MakeArgument("value", 2)}), {});
    EXPECT_EQ(out[0].data_type(), TensorProto::INT64);
  }
}

TEST(FillOpsTest, FillsHaveNoGradient) {
  for (const char* type : {"GivenTensorFill", "GivenTensorDoubleFill", "GivenTensorIntFill", "GivenTensorInt64Fill",
                           "GivenTensorBoolFill", "GivenTensorStringFill", "ConstantFill"}) {
    const auto meta = GetGradientForOp(CreateOperatorDef(type, "", {}, {"o"}), {GradientWrapper{"o_grad", "", ""}});
    EXPECT_TRUE(meta.ops_.empty()) << type;
  }
}

}  // namespace
}  // namespace caffe2::testing
