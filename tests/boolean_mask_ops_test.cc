// BooleanMask, BooleanMaskGradient, BooleanMaskLengths, BooleanUnmask: the specification's worked
// examples, hand-picked edge cases for every dtype, seeded random cases against the scalar references,
// the gradient makers and the shape-inference functions.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"
#include "tests/util/reference_ops.h"

namespace caffe2::testing {
namespace {

constexpr bool T_ = true;
constexpr bool F_ = false;

// ---------------------------------------------------------------------------------------------------
// BooleanMask
// ---------------------------------------------------------------------------------------------------
TEST(BooleanMaskTest, WorkedExample) {
  OperatorTester("BooleanMask")
      .Input<float>("data", {6}, {1, 2, 3, 4, 5, 6})
      .Input<bool>("mask", {6}, {T_, F_, F_, T_, T_, F_})
      .ExpectOutput<float>("masked_data", {3}, {1, 4, 5})
      .ExpectOutput<int64_t>("masked_indices", {3}, {0, 3, 4})
      .Run();
}

TEST(BooleanMaskTest, WorkedExampleOneOutput) {
  OperatorTester("BooleanMask")
      .Input<int32_t>("data", {6}, {1, 2, 3, 4, 5, 6})
      .Input<bool>("mask", {6}, {T_, F_, F_, T_, T_, F_})
      .ExpectOutput<int32_t>("masked_data", {3}, {1, 4, 5})
      .Run();
}

// Compares BooleanMask on (dims, mask) with the reference for dtype T, with and without indices.
template <typename T>
void CheckBooleanMask(const std::vector<int64_t>& dims, const std::vector<bool>& mask, int64_t offset = 0) {
  SCOPED_TRACE("BooleanMask " + ShapeString(dims));
  const auto data = ref::TestValues<T>(ref::Product(dims, 0, dims.size()), offset);
  const auto expected = ref::BooleanMask(dims, data, mask);
  const int64_t n = static_cast<int64_t>(mask.size());
  {
    OperatorTester tester("BooleanMask");
    tester.Input<T>("data", dims, data);
    tester.Input<bool>("mask", {n}, mask);
    tester.ExpectOutput<T>("out", expected.dims, expected.values);
    tester.ExpectOutput<int64_t>("idx", {static_cast<int64_t>(expected.indices.size())}, expected.indices);
    tester.Run();
  }
  OperatorTester tester("BooleanMask");
  tester.Input<T>("data", dims, data);
  tester.Input<bool>("mask", {n}, mask);
  tester.ExpectOutput<T>("out", expected.dims, expected.values);
  tester.Run();
}

template <typename T>
class BooleanMaskTypedTest : public ::testing::Test {};
using AllDtypes = ::testing::Types<float, double, float16, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t,
                                   bool, std::string>;
TYPED_TEST_SUITE(BooleanMaskTypedTest, AllDtypes);

TYPED_TEST(BooleanMaskTypedTest, HandPicked) {
  using T = TypeParam;
  CheckBooleanMask<T>({6}, {T_, F_, F_, T_, T_, F_});
  CheckBooleanMask<T>({4}, {T_, T_, T_, T_});         // AllTrueMask
  CheckBooleanMask<T>({4}, {F_, F_, F_, F_});         // AllFalseMask
  CheckBooleanMask<T>({0}, {});                       // EmptyData
  CheckBooleanMask<T>({0, 3}, {});                    // EmptyRowsND
  CheckBooleanMask<T>({3, 0}, {T_, F_, T_});          // ZeroSizeRow: indices still produced
  CheckBooleanMask<T>({3, 2, 2}, {F_, T_, T_});       // NDData
  CheckBooleanMask<T>({2, 1, 3}, {T_, F_});
  CheckBooleanMask<T>({1}, {T_});
  CheckBooleanMask<T>({1}, {F_});
}

TYPED_TEST(BooleanMaskTypedTest, SeededRandom) {
  using T = TypeParam;
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 25; ++trial) {
    std::vector<int64_t> dims{static_cast<int64_t>(rng() % 70)};
    const int extra = rng() % 3;
    for (int d = 0; d < extra; ++d) dims.push_back(rng() % 4);
    std::vector<bool> mask(dims[0]);
    const unsigned density = rng() % 5;  // 0: all false ... 4: all true
    for (auto&& m : mask) m = (rng() % 4) < density;
    CheckBooleanMask<T>(dims, mask, trial);
  }
}

TEST(BooleanMaskTest, LongMaskCrossesBlockBoundaries) {
  std::mt19937 rng(99);
  std::vector<bool> mask(10000);
  for (auto&& m : mask) m = rng() % 2;
  CheckBooleanMask<float>({10000}, mask);
  CheckBooleanMask<double>({10000, 3}, mask);
  CheckBooleanMask<uint8_t>({10000, 5}, mask);
}

TEST(BooleanMaskTest, StringsAreCopiedNotAliased) {
  OperatorTester tester("BooleanMask");
  tester.Input<std::string>("data", {3}, {"alpha", std::string(100, 'x'), "gamma"})
      .Input<bool>("mask", {3}, {F_, T_, T_})
      .ExpectOutput<std::string>("out", {2}, {std::string(100, 'x'), "gamma"})
      .Run();
}

TEST(BooleanMaskTest, RunsTwiceWithDifferentMasks) {
  Workspace ws;
  BlobGetMutableTensor(ws.CreateBlob("d"))->CopyFrom(MakeTensor<float>({4}, {1, 2, 3, 4}));
  BlobGetMutableTensor(ws.CreateBlob("m"))->CopyFrom(MakeTensor<bool>({4}, {T_, T_, T_, F_}));
  auto def = CreateOperatorDef("BooleanMask", "", {"d", "m"}, {"o"});
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  EXPECT_EQ(ToVector<float>(ws.GetBlob("o")->Get<Tensor>()), (std::vector<float>{1, 2, 3}));
  BlobGetMutableTensor(ws.GetBlob("m"))->CopyFrom(MakeTensor<bool>({4}, {F_, F_, F_, T_}));
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  EXPECT_EQ(ToVector<float>(ws.GetBlob("o")->Get<Tensor>()), (std::vector<float>{4}));
}

TEST(BooleanMaskTest, GradientMakerGivesBooleanMaskGradientOfMaskAndOutputGradient) {
  const auto def = CreateOperatorDef("BooleanMask", "", {"data", "mask"}, {"out", "idx"});
  std::vector<GradientWrapper> g(2);
  g[0].dense_ = "out_grad";
  const auto meta = GetGradientForOp(def, g);
  ASSERT_EQ(meta.ops_.size(), 1u);
  EXPECT_EQ(meta.ops_[0].type(), "BooleanMaskGradient");
  EXPECT_EQ(std::vector<std::string>(meta.ops_[0].input().begin(), meta.ops_[0].input().end()),
            (std::vector<std::string>{"mask", "out_grad"}));
  EXPECT_EQ(std::vector<std::string>(meta.ops_[0].output().begin(), meta.ops_[0].output().end()),
            (std::vector<std::string>{"data_grad"}));
  ASSERT_EQ(meta.g_input_.size(), 2u);
  EXPECT_EQ(meta.g_input_[0].dense_, "data_grad");
  EXPECT_TRUE(meta.g_input_[1].IsEmpty()) << "the mask gets no gradient";
}

TEST(BooleanMaskTest, ShapeInferenceMarksDimZeroUnknown) {
  const OpSchema* schema = OpSchemaRegistry::Schema("BooleanMask");
  ASSERT_NE(schema, nullptr);
  TensorShape data, mask;
  data.add_dims(6);
  data.add_dims(3);
  data.set_data_type(TensorProto::DOUBLE);
  mask.add_dims(6);
  mask.set_data_type(TensorProto::BOOL);
  const auto out = schema->InferTensor(CreateOperatorDef("BooleanMask", "", {"d", "m"}, {"o", "i"}), {data, mask});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data_type(), TensorProto::DOUBLE);
  ASSERT_EQ(out[0].dims_size(), 2);
  EXPECT_EQ(out[0].dims(0), -1);
  EXPECT_EQ(out[0].dims(1), 3);
  ASSERT_EQ(out[0].unknown_dims_size(), 1);
  EXPECT_EQ(out[0].unknown_dims(0), 0);
  EXPECT_FALSE(out[0].unknown_shape());
  EXPECT_EQ(out[1].data_type(), TensorProto::INT64);
  ASSERT_EQ(out[1].dims_size(), 1);
  EXPECT_EQ(out[1].dims(0), -1);
  ASSERT_EQ(out[1].unknown_dims_size(), 1);
}

// ---------------------------------------------------------------------------------------------------
// BooleanMaskGradient
// ---------------------------------------------------------------------------------------------------
template <typename T>
void CheckBooleanMaskGradient(const std::vector<bool>& mask, const std::vector<int64_t>& trailing) {
  int64_t count = 0;
  for (bool m : mask) count += m;
  std::vector<int64_t> dy_dims{count};
  dy_dims.insert(dy_dims.end(), trailing.begin(), trailing.end());
  std::vector<int64_t> dx_dims{static_cast<int64_t>(mask.size())};
  dx_dims.insert(dx_dims.end(), trailing.begin(), trailing.end());
  const int64_t row = ref::Product(trailing, 0, trailing.size());
  SCOPED_TRACE("BooleanMaskGradient dY " + ShapeString(dy_dims));
  const auto dy = ref::TestValues<T>(count * row);
  OperatorTester tester("BooleanMaskGradient");
  tester.Input<bool>("mask", {static_cast<int64_t>(mask.size())}, mask);
  tester.Input<T>("dY", dy_dims, dy);
  tester.ExpectOutput<T>("dX", dx_dims, ref::BooleanMaskGradient(mask, row, dy));
  tester.Run();
}

template <typename T>
class BooleanMaskGradientTypedTest : public ::testing::Test {};
using GradientDtypes = ::testing::Types<bool, int32_t, int64_t, float, double, float16>;
TYPED_TEST_SUITE(BooleanMaskGradientTypedTest, GradientDtypes);

TYPED_TEST(BooleanMaskGradientTypedTest, HandPickedAndRandom) {
  using T = TypeParam;
  CheckBooleanMaskGradient<T>({T_, F_, F_, T_, T_, F_}, {});
  CheckBooleanMaskGradient<T>({T_, F_, F_, T_, T_, F_}, {2, 3});  // NDGradient: whole rows scattered
  CheckBooleanMaskGradient<T>({F_, F_, F_}, {});                  // AllFalseMask: all zero
  CheckBooleanMaskGradient<T>({T_, T_, T_}, {2});                 // AllTrueMask: a copy
  CheckBooleanMaskGradient<T>({}, {});                            // EmptyMask
  CheckBooleanMaskGradient<T>({T_, F_}, {0});                     // ZeroSizeRow
  CheckBooleanMaskGradient<T>({F_}, {});                          // OneRowFalse: the zero row is written
  CheckBooleanMaskGradient<T>({T_}, {3});                         // OneRowTrue
  std::mt19937 rng(77);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<bool> mask(rng() % 100);
    for (auto&& m : mask) m = rng() % 2;
    std::vector<int64_t> trailing;
    for (int d = rng() % 3; d > 0; --d) trailing.push_back(1 + rng() % 3);
    CheckBooleanMaskGradient<T>(mask, trailing);
  }
}

TEST(BooleanMaskGradientTest, OneDimensionalMatchesCaffe2Shape) {
  OperatorTester("BooleanMaskGradient")
      .Input<bool>("mask", {6}, {T_, F_, F_, T_, T_, F_})
      .Input<float>("dY", {3}, {1, 4, 5})
      .ExpectOutput<float>("dX", {6}, {1, 0, 0, 4, 5, 0})
      .Run();
}

TEST(BooleanMaskGradientTest, ShapeInference) {
  const OpSchema* schema = OpSchemaRegistry::Schema("BooleanMaskGradient");
  ASSERT_NE(schema, nullptr);
  TensorShape mask, dy;
  mask.add_dims(7);
  mask.set_data_type(TensorProto::BOOL);
  dy.add_dims(3);
  dy.add_dims(4);
  dy.set_data_type(TensorProto::FLOAT16);
  const auto out =
      schema->InferTensor(CreateOperatorDef("BooleanMaskGradient", "", {"m", "dy"}, {"dx"}), {mask, dy});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data_type(), TensorProto::FLOAT16);
  ASSERT_EQ(out[0].dims_size(), 2);
  EXPECT_EQ(out[0].dims(0), 7);
  EXPECT_EQ(out[0].dims(1), 4);
}

TEST(BooleanMaskGradientTest, SecondOrderGradientIsBooleanMask) {
  const auto def = CreateOperatorDef("BooleanMaskGradient", "", {"mask", "dy"}, {"dx"});
  const auto meta = GetGradientForOp(def, {GradientWrapper{"dx_grad", "", ""}});
  ASSERT_EQ(meta.ops_.size(), 1u);
  EXPECT_EQ(meta.ops_[0].type(), "BooleanMask");
  EXPECT_EQ(meta.ops_[0].input(0), "dx_grad");
  EXPECT_EQ(meta.ops_[0].input(1), "mask");
  EXPECT_EQ(meta.g_input_[1].dense_, "dy_grad");
  EXPECT_TRUE(meta.g_input_[0].IsEmpty());
}

// ---------------------------------------------------------------------------------------------------
// BooleanMaskLengths
// ---------------------------------------------------------------------------------------------------
TEST(BooleanMaskLengthsTest, WorkedExample) {
  OperatorTester("BooleanMaskLengths")
      .Input<int32_t>("lengths", {3}, {1, 3, 2})
      .Input<bool>("mask", {6}, {F_, T_, T_, F_, T_, T_})
      .ExpectOutput<int32_t>("out", {3}, {0, 2, 2})
      .Run();
}

template <typename L>
void CheckBooleanMaskLengths(const std::vector<L>& lengths, const std::vector<bool>& mask) {
  OperatorTester tester("BooleanMaskLengths");
  tester.Input<L>("lengths", {static_cast<int64_t>(lengths.size())}, lengths);
  tester.Input<bool>("mask", {static_cast<int64_t>(mask.size())}, mask);
  tester.ExpectOutput<L>("out", {static_cast<int64_t>(lengths.size())}, ref::BooleanMaskLengths(lengths, mask));
  tester.Run();
}

template <typename L>
class BooleanMaskLengthsTypedTest : public ::testing::Test {};
using LengthDtypes = ::testing::Types<int32_t, int64_t>;
TYPED_TEST_SUITE(BooleanMaskLengthsTypedTest, LengthDtypes);

TYPED_TEST(BooleanMaskLengthsTypedTest, HandPickedAndRandom) {
  using L = TypeParam;
  CheckBooleanMaskLengths<L>({1, 3, 2}, {F_, T_, T_, F_, T_, T_});
  CheckBooleanMaskLengths<L>({}, {});                          // NoSegments
  CheckBooleanMaskLengths<L>({0, 0}, {});                      // EmptySegments
  CheckBooleanMaskLengths<L>({2, 0, 2}, {T_, T_, T_, T_});     // AllTrueMask with an empty segment
  CheckBooleanMaskLengths<L>({4}, {F_, F_, F_, F_});           // AllFalseMask
  std::mt19937 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<L> lengths(rng() % 20);
    int64_t total = 0;
    for (auto& l : lengths) total += (l = rng() % 9);
    std::vector<bool> mask(total);
    for (auto&& m : mask) m = rng() % 2;
    CheckBooleanMaskLengths<L>(lengths, mask);
  }
}

TEST(BooleanMaskLengthsTest, ShapeInferenceCopiesLengths) {
  const OpSchema* schema = OpSchemaRegistry::Schema("BooleanMaskLengths");
  TensorShape lengths, mask;
  lengths.add_dims(3);
  lengths.set_data_type(TensorProto::INT64);
  mask.add_dims(6);
  mask.set_data_type(TensorProto::BOOL);
  const auto out =
      schema->InferTensor(CreateOperatorDef("BooleanMaskLengths", "", {"l", "m"}, {"o"}), {lengths, mask});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data_type(), TensorProto::INT64);
  ASSERT_EQ(out[0].dims_size(), 1);
  EXPECT_EQ(out[0].dims(0), 3);
}

// ---------------------------------------------------------------------------------------------------
// BooleanUnmask
// ---------------------------------------------------------------------------------------------------
TEST(BooleanUnmaskTest, WorkedExampleThreePairs) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask1", {5}, {T_, F_, T_, F_, F_})
      .Input<float>("values1", {2}, {1, 3})
      .Input<bool>("mask2", {5}, {F_, T_, F_, F_, F_})
      .Input<float>("values2", {1}, {2})
      .Input<bool>("mask3", {5}, {F_, F_, F_, T_, T_})
      .Input<float>("values3", {2}, {4, 5})
      .ExpectOutput<float>("out", {5}, {1, 2, 3, 4, 5})
      .Run();
}

TEST(BooleanUnmaskTest, WorkedExampleUncoveredPositionIsAnError) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask1", {2}, {T_, F_})
      .Input<float>("values1", {1}, {1})
      .Input<bool>("mask2", {2}, {F_, F_})
      .Input<float>("values2", {0}, {})
      .Output("out")
      .ExpectError({"BooleanUnmask", "all masks have False at position 1"});
}

TEST(BooleanUnmaskTest, WorkedExampleFirstTrueWins) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask1", {2}, {T_, F_})
      .Input<float>("values1", {1}, {1})
      .Input<bool>("mask2", {2}, {T_, T_})
      .Input<float>("values2", {1}, {2})
      .ExpectOutput<float>("out", {2}, {1, 2})
      .Run();
}

TEST(BooleanUnmaskTest, WorkedExampleOverlapValuesNotAllConsumed) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask1", {2}, {T_, F_})
      .Input<float>("values1", {1}, {1})
      .Input<bool>("mask2", {2}, {T_, T_})
      .Input<float>("values2", {2}, {2, 2})
      .Output("out")
      .ExpectError({"BooleanUnmask", "input 3 'values_2' (blob 'values2')", "has 2 values", "supplies only 1", "not all consumed"});
}

TEST(BooleanUnmaskTest, WorkedExampleInterleaved) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask1", {6}, {T_, F_, F_, T_, T_, F_})
      .Input<int32_t>("data1", {3}, {1, 4, 5})
      .Input<bool>("mask2", {6}, {F_, T_, T_, F_, F_, T_})
      .Input<int32_t>("data2", {3}, {2, 3, 6})
      .ExpectOutput<int32_t>("out", {6}, {1, 2, 3, 4, 5, 6})
      .Run();
}

// Caffe2's C++ test (caffe2/operators/boolean_unmask_ops_test.cc).
TEST(BooleanUnmaskTest, Caffe2Test) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask0", {1}, {F_})
      .Input<float>("values0", {0}, {})
      .Input<bool>("mask1", {1}, {T_})
      .Input<float>("values1", {1}, {1.0f})
      .ExpectOutput<float>("output", {1}, {1.0f})
      .Run();
}

TEST(BooleanUnmaskTest, EmptyMasks) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask1", {0}, {})
      .Input<double>("values1", {0}, {})
      .ExpectOutput<double>("out", {0}, {})
      .Run();
}

TEST(BooleanUnmaskTest, NDValuesKeepTrailingDims) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask1", {3}, {T_, F_, T_})
      .Input<float>("values1", {2, 2}, {1, 2, 5, 6})
      .Input<bool>("mask2", {3}, {F_, T_, F_})
      .Input<float>("values2", {1, 2}, {3, 4})
      .ExpectOutput<float>("out", {3, 2}, {1, 2, 3, 4, 5, 6})
      .Run();
}

TEST(BooleanUnmaskTest, Strings) {
  OperatorTester("BooleanUnmask")
      .Input<bool>("mask1", {3}, {F_, T_, F_})
      .Input<std::string>("values1", {1}, {std::string(64, 'b')})
      .Input<bool>("mask2", {3}, {T_, T_, T_})
      .Input<std::string>("values2", {2}, {"a", "c"})
      .ExpectOutput<std::string>("out", {3}, {"a", std::string(64, 'b'), "c"})
      .Run();
}

// Random pairs built to be valid: each position is given to the first pair with a true mask; later
// pairs may also be true there (overlap) and supply nothing.
template <typename T>
void CheckRandomUnmask(std::mt19937* rng, int trial) {
  const int pairs = 1 + (*rng)() % 4;
  const int64_t size = (*rng)() % 40;
  std::vector<int64_t> trailing;
  for (int d = (*rng)() % 3; d > 0; --d) trailing.push_back(1 + (*rng)() % 3);
  const int64_t row = ref::Product(trailing, 0, trailing.size());
  std::vector<std::vector<bool>> masks(pairs, std::vector<bool>(size));
  std::vector<int64_t> rows(pairs, 0);
  for (int64_t p = 0; p < size; ++p) {
    const int owner = (*rng)() % pairs;
    masks[owner][p] = true;
    ++rows[owner];
    for (int i = owner + 1; i < pairs; ++i) masks[i][p] = (*rng)() % 3 == 0;  // overlap, ignored
  }
  OperatorTester tester("BooleanUnmask");
  std::vector<std::vector<T>> values(pairs);
  for (int i = 0; i < pairs; ++i) {
    values[i] = ref::TestValues<T>(rows[i] * row, 1000 * i + trial);
    std::vector<int64_t> dims{rows[i]};
    dims.insert(dims.end(), trailing.begin(), trailing.end());
    tester.Input<bool>("mask" + std::to_string(i), {size}, masks[i]);
    tester.Input<T>("values" + std::to_string(i), dims, values[i]);
  }
  const auto expected = ref::BooleanUnmask(masks, values, row);
  ASSERT_TRUE(expected.has_value());
  std::vector<int64_t> out_dims{size};
  out_dims.insert(out_dims.end(), trailing.begin(), trailing.end());
  tester.ExpectOutput<T>("out", out_dims, *expected).Run();
}

template <typename T>
class BooleanUnmaskTypedTest : public ::testing::Test {};
TYPED_TEST_SUITE(BooleanUnmaskTypedTest, AllDtypes);

TYPED_TEST(BooleanUnmaskTypedTest, SeededRandom) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 20; ++trial) CheckRandomUnmask<TypeParam>(&rng, trial);
}

TEST(BooleanUnmaskTest, ShapeInference) {
  const OpSchema* schema = OpSchemaRegistry::Schema("BooleanUnmask");
  TensorShape mask, values;
  mask.add_dims(5);
  mask.set_data_type(TensorProto::BOOL);
  values.add_dims(2);
  values.add_dims(3);
  values.set_data_type(TensorProto::INT32);
  const auto out = schema->InferTensor(CreateOperatorDef("BooleanUnmask", "", {"m", "v"}, {"o"}), {mask, values});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data_type(), TensorProto::INT32);
  ASSERT_EQ(out[0].dims_size(), 2);
  EXPECT_EQ(out[0].dims(0), 5);
  EXPECT_EQ(out[0].dims(1), 3);
}

TEST(BooleanMaskFamilyTest, NoGradientOperators) {
  for (const char* type : {"BooleanMaskLengths", "BooleanUnmask"}) {
    const auto def = CreateOperatorDef(type, "", {"a", "b"}, {"c"});
    const auto meta = GetGradientForOp(def, {GradientWrapper{"c_grad", "", ""}});
    EXPECT_TRUE(meta.ops_.empty()) << type;
  }
}

}  // namespace
}  // namespace caffe2::testing
