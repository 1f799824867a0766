// Sum: every dtype against the reference, one input, in place, integer wrap-around, the gradient
// maker (a copy of the output gradient per input) and shape inference.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"
#include "tests/util/reference_ops.h"

namespace caffe2::testing {
namespace {

TEST(SumTest, DocExample) {
  OperatorTester("Sum")
      .Input<float>("a", {2}, {1, 2})
      .Input<float>("b", {2}, {10, 20})
      .Input<float>("c", {2}, {100, 200})
      .ExpectOutput<float>("out", {2}, {111, 222})
      .Run();
}

template <typename T>
void CheckSum(const std::vector<int64_t>& dims, int inputs, int seed) {
  SCOPED_TRACE(::testing::Message() << inputs << " inputs " << ShapeString(dims));
  const int64_t n = ref::Product(dims, 0, dims.size());
  std::vector<std::vector<T>> values;
  OperatorTester tester("Sum");
  for (int i = 0; i < inputs; ++i) {
    values.push_back(ref::TestValues<T>(n, seed + 17 * i));
    tester.Input<T>("in" + std::to_string(i), dims, values.back());
  }
  tester.ExpectOutput<T>("out", dims, ref::Sum(values));
  tester.Run();
}

template <typename T>
class SumTypedTest : public ::testing::Test {};
using SumDtypes = ::testing::Types<float, double, int32_t, int64_t, float16>;
TYPED_TEST_SUITE(SumTypedTest, SumDtypes);

TYPED_TEST(SumTypedTest, HandPickedAndRandom) {
  using T = TypeParam;
  CheckSum<T>({3}, 1, 0);     // OneInputIsACopy
  CheckSum<T>({2, 3}, 2, 1);
  CheckSum<T>({0, 3}, 3, 2);  // ZeroSizeDim
  CheckSum<T>({}, 2, 3);      // Scalars
  std::mt19937 rng(8);
  for (int trial = 0; trial < 10; ++trial) {
    std::vector<int64_t> dims;
    for (int d = rng() % 3; d >= 0; --d) dims.push_back(rng() % 5);
    CheckSum<T>(dims, 1 + rng() % 4, trial);
  }
}

TEST(SumTest, InPlaceOnFirstInput) {
  Workspace ws;
  BlobGetMutableTensor(ws.CreateBlob("a"))->CopyFrom(MakeTensor<double>({3}, {1, 2, 3}));
  BlobGetMutableTensor(ws.CreateBlob("b"))->CopyFrom(MakeTensor<double>({3}, {10, 20, 30}));
  ASSERT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("Sum", "", {"a", "b", "b"}, {"a"})));
  EXPECT_EQ(ToVector<double>(ws.GetBlob("a")->Get<Tensor>()), (std::vector<double>{21, 42, 63}));
  ASSERT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("Sum", "", {"a"}, {"a"})));
  EXPECT_EQ(ToVector<double>(ws.GetBlob("a")->Get<Tensor>()), (std::vector<double>{21, 42, 63}));
}

TEST(SumTest, IntegersWrapAround) {
  const int32_t max = std::numeric_limits<int32_t>::max();
  OperatorTester("Sum")
      .Input<int32_t>("a", {1}, {max})
      .Input<int32_t>("b", {1}, {1})
      .ExpectOutput<int32_t>("out", {1}, {std::numeric_limits<int32_t>::min()})
      .Run();
}

TEST(SumTest, GradientCopiesOutputGradientToEveryInput) {
  const auto def = CreateOperatorDef("Sum", "", {"a", "b"}, {"s"});
  const auto meta = GetGradientForOp(def, {GradientWrapper{"s_grad", "", ""}});
  ASSERT_EQ(meta.ops_.size(), 2u);
  ASSERT_EQ(meta.g_input_.size(), 2u);
  EXPECT_EQ(meta.g_input_[0].dense_, "a_grad");
  EXPECT_EQ(meta.g_input_[1].dense_, "b_grad");
  Workspace ws;
  BlobGetMutableTensor(ws.CreateBlob("s_grad"))->CopyFrom(MakeTensor<float>({2}, {3, 4}));
  for (const auto& op : meta.ops_) ASSERT_TRUE(ws.RunOperatorOnce(op));
  EXPECT_EQ(ToVector<float>(ws.GetBlob("a_grad")->Get<Tensor>()), (std::vector<float>{3, 4}));
  EXPECT_EQ(ToVector<float>(ws.GetBlob("b_grad")->Get<Tensor>()), (std::vector<float>{3, 4}));
}

TEST(SumTest, ShapeInference) {
  TensorShape in;
  in.add_dims(3);
  in.set_data_type(TensorProto::INT64);
  const auto out = OpSchemaRegistry::Schema("Sum")->InferTensor(CreateOperatorDef("Sum", "", {"a", "b"}, {"s"}),
                                                                {in, in});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data_type(), TensorProto::INT64);
  ASSERT_EQ(out[0].dims_size(), 1);
  EXPECT_EQ(out[0].dims(0), 3);
}

}  // namespace
}  // namespace caffe2::testing
