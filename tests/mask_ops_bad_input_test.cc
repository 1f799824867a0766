// Every bad input of issue 3 and of the specification, as one table: each row builds an operator, runs
// it, and expects an EnforceNotMet naming the operator, the input and the numbers involved. Each case
// is also run with its outputs pre-filled, to check that a failing operator wrote nothing.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"

namespace caffe2::testing {
namespace {

constexpr bool T_ = true;
constexpr bool F_ = false;

struct BadInputCase {
  std::string name;
  std::function<void(OperatorTester&)> build;
  std::vector<std::string> pieces;
  std::string type;
};

OperatorTester& Mode(OperatorTester& t, const char* mode) { return t.Arg("mode", mode); }

std::vector<BadInputCase> Cases() {
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  return {
      // ---- BooleanMask ----
      {"BooleanMaskMaskNotBool",
       [](OperatorTester& t) { t.Input<float>("d", {2}, {1, 2}).Input<int32_t>("m", {2}, {1, 0}).Output("o"); },
       {"BooleanMask", "input 1 'mask' (blob 'm')", "must be bool", "int32"}, "BooleanMask"},
      {"BooleanMaskMask2D",
       [](OperatorTester& t) { t.Input<float>("d", {2}, {1, 2}).Input<bool>("m", {2, 1}, {T_, F_}).Output("o"); },
       {"BooleanMask", "input 1 'mask' (blob 'm')", "must be 1-D", "[2, 1]"}, "BooleanMask"},
      {"BooleanMaskSizeMismatch",
       [](OperatorTester& t) {
         t.Input<float>("d", {6}, {1, 2, 3, 4, 5, 6}).Input<bool>("m", {5}, {T_, F_, T_, F_, T_}).Output("o");
       },
       {"BooleanMask: input 1 'mask' (blob 'm') has 5 elements but data has 6 rows"}, "BooleanMask"},
      {"BooleanMaskScalarData",
       [](OperatorTester& t) { t.Input<float>("d", {}, {1}).Input<bool>("m", {1}, {T_}).Output("o"); },
       {"BooleanMask", "input 0 'data' (blob 'd')", "at least 1 dim"}, "BooleanMask"},
      {"BooleanMaskThreeInputs",
       [](OperatorTester& t) {
         t.Input<float>("d", {1}, {1}).Input<bool>("m", {1}, {T_}).Input<bool>("x", {1}, {T_}).Output("o");
       },
       {"BooleanMask", "takes 2 input(s)", "3"}, "BooleanMask"},
      {"BooleanMaskSameOutputTwice",
       [](OperatorTester& t) { t.Input<float>("d", {1}, {1}).Input<bool>("m", {1}, {T_}).Output("o").Output("o"); },
       {"BooleanMask", "different blobs"}, "BooleanMask"},
      // ---- BooleanMaskGradient ----
      {"BooleanMaskGradientRowsMismatch",
       [](OperatorTester& t) {
         t.Input<bool>("m", {4}, {T_, F_, T_, T_}).Input<float>("dy", {2}, {1, 2}).Output("dx");
       },
       {"BooleanMaskGradient", "input 1 'masked_data_grad' (blob 'dy') has 2 rows", "input 0 'mask' (blob 'm') has 3 true values"},
       "BooleanMaskGradient"},
      {"BooleanMaskGradientMaskNotBool",
       [](OperatorTester& t) { t.Input<uint8_t>("m", {1}, {1}).Input<float>("dy", {1}, {1}).Output("dx"); },
       {"BooleanMaskGradient", "input 0 'mask' (blob 'm')", "must be bool", "uint8"}, "BooleanMaskGradient"},
      {"BooleanMaskGradientStringUnsupported",
       [](OperatorTester& t) { t.Input<bool>("m", {1}, {T_}).Input<std::string>("dy", {1}, {"a"}).Output("dx"); },
       {"BooleanMaskGradient", "dtype string is not supported", "float16", "input 1 'masked_data_grad'"},
       "BooleanMaskGradient"},
      {"BooleanMaskGradientScalarDy",
       [](OperatorTester& t) { t.Input<bool>("m", {1}, {T_}).Input<float>("dy", {}, {1}).Output("dx"); },
       {"BooleanMaskGradient", "input 1 'masked_data_grad' (blob 'dy')", "at least 1 dim"}, "BooleanMaskGradient"},
      // ---- BooleanMaskLengths ----
      {"BooleanMaskLengthsNegativeLength",
       [](OperatorTester& t) {
         t.Input<int32_t>("l", {2}, {-1, 3}).Input<bool>("m", {2}, {T_, T_}).Output("o");
       },
       {"BooleanMaskLengths", "input 0 'lengths' (blob 'l')", "negative length at index 0", "(-1 vs. 0)"},
       "BooleanMaskLengths"},
      {"BooleanMaskLengthsSumMismatch",
       [](OperatorTester& t) { t.Input<int64_t>("l", {2}, {1, 3}).Input<bool>("m", {3}, {T_, T_, T_}).Output("o"); },
       {"BooleanMaskLengths", "input 0 'lengths' (blob 'l') sums to 4", "input 1 'mask' (blob 'm') has 3 elements"},
       "BooleanMaskLengths"},
      {"BooleanMaskLengthsInt64SumNotTruncated",
       [](OperatorTester& t) {
         // 2^32 + 1: a 32-bit sum (Caffe2) would have made this 1 and accepted the 1-element mask.
         t.Input<int64_t>("l", {2}, {int64_t{1} << 32, 1}).Input<bool>("m", {1}, {T_}).Output("o");
       },
       {"BooleanMaskLengths", "sums to 4294967297", "has 1 elements"}, "BooleanMaskLengths"},
      {"BooleanMaskLengthsSumOverflows",
       [](OperatorTester& t) {
         const int64_t max = std::numeric_limits<int64_t>::max();
         t.Input<int64_t>("l", {2}, {max, max}).Input<bool>("m", {1}, {T_}).Output("o");
       },
       {"BooleanMaskLengths", "input 0 'lengths'", "int64 range at index 1"}, "BooleanMaskLengths"},
      {"BooleanMaskLengthsFloatLengths",
       [](OperatorTester& t) { t.Input<float>("l", {1}, {1}).Input<bool>("m", {1}, {T_}).Output("o"); },
       {"BooleanMaskLengths", "input 0 'lengths' (blob 'l')", "int32 or int64", "float"}, "BooleanMaskLengths"},
      {"BooleanMaskLengthsLengths2D",
       [](OperatorTester& t) { t.Input<int32_t>("l", {1, 1}, {1}).Input<bool>("m", {1}, {T_}).Output("o"); },
       {"BooleanMaskLengths", "input 0 'lengths'", "1-D", "[1, 1]"}, "BooleanMaskLengths"},
      {"BooleanMaskLengthsMaskNotBool",
       [](OperatorTester& t) { t.Input<int32_t>("l", {1}, {1}).Input<float>("m", {1}, {1}).Output("o"); },
       {"BooleanMaskLengths", "input 1 'mask' (blob 'm')", "must be bool", "float"}, "BooleanMaskLengths"},
      // ---- BooleanUnmask ----
      {"BooleanUnmaskOddInputs",
       [](OperatorTester& t) {
         t.Input<bool>("m1", {1}, {T_}).Input<float>("v1", {1}, {1}).Input<bool>("m2", {1}, {T_}).Output("o");
       },
       {"BooleanUnmask", "input(s)", "3"}, "BooleanUnmask"},
      {"BooleanUnmaskUncoveredPosition",
       [](OperatorTester& t) {
         t.Input<bool>("m1", {2}, {T_, F_}).Input<float>("v1", {1}, {1});
         t.Input<bool>("m2", {2}, {F_, F_}).Input<float>("v2", {0}, {}).Output("o");
       },
       {"BooleanUnmask", "all masks have False at position 1"}, "BooleanUnmask"},
      {"BooleanUnmaskValuesRunOut",
       [](OperatorTester& t) {
         t.Input<bool>("m1", {3}, {T_, T_, T_}).Input<float>("v1", {2}, {1, 2}).Output("o");
       },
       {"BooleanUnmask", "input 0 'mask_1' (blob 'm1') supplies 3 positions", "input 1 'values_1' (blob 'v1') has only 2"},
       "BooleanUnmask"},
      {"BooleanUnmaskValuesNotAllConsumed",
       [](OperatorTester& t) {
         t.Input<bool>("m1", {2}, {T_, F_}).Input<float>("v1", {1}, {1});
         t.Input<bool>("m2", {2}, {T_, T_}).Input<float>("v2", {2}, {2, 2}).Output("o");
       },
       {"BooleanUnmask", "input 3 'values_2' (blob 'v2') has 2 values", "supplies only 1", "not all consumed"},
       "BooleanUnmask"},
      {"BooleanUnmaskMixedValueDtypes",
       [](OperatorTester& t) {
         t.Input<bool>("m1", {2}, {T_, F_}).Input<float>("v1", {1}, {1});
         t.Input<bool>("m2", {2}, {F_, T_}).Input<double>("v2", {1}, {2}).Output("o");
       },
       {"BooleanUnmask", "input 3 'values_2' (blob 'v2') has dtype double", "input 1 'values_1' (blob 'v1') has dtype float"},
       "BooleanUnmask"},
      {"BooleanUnmaskMaskSizesDiffer",
       [](OperatorTester& t) {
         t.Input<bool>("m1", {2}, {T_, F_}).Input<float>("v1", {1}, {1});
         t.Input<bool>("m2", {3}, {F_, T_, F_}).Input<float>("v2", {1}, {2}).Output("o");
       },
       {"BooleanUnmask", "input 2 'mask_2' (blob 'm2') has 3 elements", "input 0 'mask_1' (blob 'm1') has 2"},
       "BooleanUnmask"},
      {"BooleanUnmaskMaskNotBool",
       [](OperatorTester& t) { t.Input<int32_t>("m1", {1}, {1}).Input<float>("v1", {1}, {1}).Output("o"); },
       {"BooleanUnmask", "input 0 'mask_1' (blob 'm1')", "must be bool", "int32"}, "BooleanUnmask"},
      {"BooleanUnmaskMask2D",
       [](OperatorTester& t) { t.Input<bool>("m1", {1, 1}, {T_}).Input<float>("v1", {1}, {1}).Output("o"); },
       {"BooleanUnmask", "input 0 'mask_1' (blob 'm1')", "must be 1-D", "[1, 1]"}, "BooleanUnmask"},
      {"BooleanUnmaskTrailingDimsDiffer",
       [](OperatorTester& t) {
         t.Input<bool>("m1", {2}, {T_, F_}).Input<float>("v1", {1, 2}, {1, 1});
         t.Input<bool>("m2", {2}, {F_, T_}).Input<float>("v2", {1, 3}, {2, 2, 2}).Output("o");
       },
       {"BooleanUnmask", "input 3 'values_2' (blob 'v2') has shape [1, 3]", "[1, 2]"}, "BooleanUnmask"},
      {"BooleanUnmaskScalarValues",
       [](OperatorTester& t) { t.Input<bool>("m1", {1}, {T_}).Input<float>("v1", {}, {1}).Output("o"); },
       {"BooleanUnmask", "input 1 'values_1' (blob 'v1')", "at least 1 dim"}, "BooleanUnmask"},
      // ---- SequenceMask ----
      {"SequenceMaskModeMissing",
       [](OperatorTester& t) { t.Input<float>("x", {2, 2}, {1, 2, 3, 4}).Output("y"); },
       {"SequenceMask needs argument 'mode'"}, "SequenceMask"},
      {"SequenceMaskUnknownMode",
       [](OperatorTester& t) { Mode(t.Input<float>("x", {2, 2}, {1, 2, 3, 4}).Output("y"), "diagonal"); },
       {"SequenceMask", "unknown mode 'diagonal'", "sequence, window, upper, lower, upperdiag, lowerdiag"},
       "SequenceMask"},
      {"SequenceMaskSequenceWithoutLengths",
       [](OperatorTester& t) { Mode(t.Input<float>("x", {2, 2}, {1, 2, 3, 4}).Output("y"), "sequence"); },
       {"SequenceMask", "mode 'sequence' needs a second input", "sequence_lengths"}, "SequenceMask"},
      {"SequenceMaskWindowWithoutCenters",
       [](OperatorTester& t) { Mode(t.Input<float>("x", {2, 2}, {1, 2, 3, 4}).Output("y"), "window"); },
       {"SequenceMask", "mode 'window' needs a second input", "window_centers"}, "SequenceMask"},
      {"SequenceMaskLengthsTooShort",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {3, 2}, {1, 2, 3, 4, 5, 6}).Input<int32_t>("l", {2}, {1, 1}).Output("y"), "sequence");
       },
       {"SequenceMask", "input 1", "(blob 'l') has 2 entries", "has 3 rows", "[3, 2]"}, "SequenceMask"},
      {"SequenceMaskWindowCentersTooShort",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {3, 2}, {1, 2, 3, 4, 5, 6}).Input<int32_t>("c", {1}, {kMin}).Output("y"), "window");
       },
       {"SequenceMask", "input 1", "(blob 'c') has 1 entries", "has 3 rows"}, "SequenceMask"},
      {"SequenceMaskBatchedLengthsTooShort",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {2, 3, 1}, std::vector<float>(6, 1)).Input<int32_t>("l", {2}, {1, 1}), "sequence")
             .Arg("batch", 0)
             .Arg("axis", 2)
             .Output("y");
       },
       {"SequenceMask", "has 2 entries", "has 3 rows"}, "SequenceMask"},
      {"SequenceMaskLengthsInt64",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {1, 2}, {1, 2}).Input<int64_t>("l", {1}, {1}).Output("y"), "sequence");
       },
       {"SequenceMask", "input 1", "(blob 'l') must be int32", "int64"}, "SequenceMask"},
      {"SequenceMaskAxisOutOfRange",
       [](OperatorTester& t) { Mode(t.Input<float>("x", {2, 2}, {1, 2, 3, 4}).Arg("axis", 2).Output("y"), "upper"); },
       {"SequenceMask", "axis 2 is out of range", "input 0 'input' (blob 'x') with 2 dims"}, "SequenceMask"},
      {"SequenceMaskNegativeAxisOutOfRange",
       [](OperatorTester& t) { Mode(t.Input<float>("x", {2, 2}, {1, 2, 3, 4}).Arg("axis", -3).Output("y"), "lower"); },
       {"SequenceMask", "axis -3 is out of range", "-2 to 1"}, "SequenceMask"},
      {"SequenceMaskDefaultAxisOn1D",
       [](OperatorTester& t) { Mode(t.Input<float>("x", {2}, {1, 2}).Output("y"), "upper"); },
       {"SequenceMask", "axis 1 is out of range", "with 1 dims"}, "SequenceMask"},
      {"SequenceMaskBatchNotBelowAxis",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {2, 2, 2}, std::vector<float>(8, 1)).Arg("axis", 1).Arg("batch", 1).Output("y"),
              "upper");
       },
       {"SequenceMask", "batch axis must be below the canonical axis", "(1 vs. 1)"}, "SequenceMask"},
      {"SequenceMaskNegativeBatchNotBelowAxis",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {2, 2, 2}, std::vector<float>(8, 1)).Arg("axis", 1).Arg("batch", -1).Output("y"),
              "lowerdiag");
       },
       {"SequenceMask", "batch axis", "(2 vs. 1)"}, "SequenceMask"},
      {"SequenceMaskBatchOutOfRange",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {2, 2}, {1, 2, 3, 4}).Arg("batch", 5).Output("y"), "upper");
       },
       {"SequenceMask", "batch 5 is out of range"}, "SequenceMask"},
      {"SequenceMaskRepeatInWindowMode",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {1, 2}, {1, 2}).Input<int32_t>("c", {1}, {0}).Arg("repeat_from_axis", 1).Output("y"),
              "window");
       },
       {"SequenceMask", "repeat_from_axis is only valid in mode 'sequence'", "'window'"}, "SequenceMask"},
      {"SequenceMaskRepeatWithBatch",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {1, 2, 2}, {1, 2, 3, 4})
                  .Input<int32_t>("l", {2}, {1, 1})
                  .Arg("axis", 2)
                  .Arg("batch", 0)
                  .Arg("repeat_from_axis", 2)
                  .Output("y"),
              "sequence");
       },
       {"SequenceMask", "repeat_from_axis (2) cannot be combined with batch (0)"}, "SequenceMask"},
      {"SequenceMaskRepeatBelowAxis",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {2, 2, 2}, std::vector<float>(8, 1))
                  .Input<int32_t>("l", {4}, {1, 1, 1, 1})
                  .Arg("axis", 2)
                  .Arg("repeat_from_axis", 1)
                  .Output("y"),
              "sequence");
       },
       {"SequenceMask", "repeat_from_axis must not be below the canonical axis", "(1 vs. 2)"}, "SequenceMask"},
      {"SequenceMaskRepeatOutOfRange",
       [](OperatorTester& t) {
         Mode(t.Input<float>("x", {1, 2}, {1, 2}).Input<int32_t>("l", {1}, {1}).Arg("repeat_from_axis", 2).Output("y"),
              "sequence");
       },
       {"SequenceMask", "repeat_from_axis 2 is out of range"}, "SequenceMask"},
      {"SequenceMaskInt32InputUnsupported",
       [](OperatorTester& t) { Mode(t.Input<int32_t>("x", {1, 2}, {1, 2}).Output("y"), "upper"); },
       {"SequenceMask", "dtype int32 is not supported", "float, double, float16"}, "SequenceMask"},
      {"SequenceMaskFillValInWrongField",
       [](OperatorTester& t) { Mode(t.Input<float>("x", {1, 2}, {1, 2}).Arg("fill_val", 3).Output("y"), "upper"); },
       {"fill_val", "field f"}, "SequenceMask"},
      // ---- Fills ----
      {"GivenTensorFillValuesCountMismatch",
       [](OperatorTester& t) {
         t.Arg("shape", std::vector<int64_t>{2, 2}).Arg("values", std::vector<float>{1, 2, 3}).Output("o");
       },
       {"GivenTensorFill", "argument 'values' has 3 values but the shape [2, 2] has 4 elements"}, "GivenTensorFill"},
      {"GivenTensorIntFillValuesCountMismatchWithInput",
       [](OperatorTester& t) {
         t.Input<float>("x", {3}, {0, 0, 0}).Arg("values", std::vector<int32_t>{1}).Output("o");
       },
       {"GivenTensorIntFill", "has 1 values", "[3] has 3 elements"}, "GivenTensorIntFill"},
      {"GivenTensorStringFillValuesInWrongField",
       [](OperatorTester& t) { t.Arg("shape", std::vector<int64_t>{1}).Arg("values", std::vector<int64_t>{1}).Output("o"); },
       {"values", "strings"}, "GivenTensorStringFill"},
      {"GivenTensorFillNegativeShape",
       [](OperatorTester& t) { t.Arg("shape", std::vector<int64_t>{-1}).Arg("values", std::vector<float>{}).Output("o"); },
       {"GivenTensorFill", "shape", "negative"}, "GivenTensorFill"},
      {"ConstantFillShapeAndInput",
       [](OperatorTester& t) { t.Input<float>("x", {1}, {0}).Arg("shape", std::vector<int64_t>{1}).Output("o"); },
       {"ConstantFill", "not both"}, "ConstantFill"},
      {"ConstantFillExtraShapeWithoutInput",
       [](OperatorTester& t) { t.Arg("extra_shape", std::vector<int64_t>{1}).Output("o"); },
       {"ConstantFill", "'extra_shape' needs an input"}, "ConstantFill"},
      {"ConstantFillInputAsShapeWithoutInput",
       [](OperatorTester& t) { t.Arg("input_as_shape", true).Output("o"); },
       {"ConstantFill", "input_as_shape=true needs an input"}, "ConstantFill"},
      {"ConstantFillInputAsShapeFloatInput",
       [](OperatorTester& t) { t.Input<float>("s", {1}, {2}).Arg("input_as_shape", true).Output("o"); },
       {"ConstantFill", "input 0", "(blob 's')", "int32 or int64", "float"}, "ConstantFill"},
      {"ConstantFillInputAsShapeNegativeDim",
       [](OperatorTester& t) { t.Input<int64_t>("s", {1}, {-2}).Arg("input_as_shape", true).Output("o"); },
       {"ConstantFill", "negative"}, "ConstantFill"},
      {"ConstantFillUndefinedDtype",
       [](OperatorTester& t) { t.Arg("dtype", 0).Arg("shape", std::vector<int64_t>{1}).Output("o"); },
       {"ConstantFill", "UNDEFINED"}, "ConstantFill"},
      {"ConstantFillUnknownDtype",
       [](OperatorTester& t) { t.Arg("dtype", 99).Arg("shape", std::vector<int64_t>{1}).Output("o"); },
       {"ConstantFill", "'dtype' 99", "not supported"}, "ConstantFill"},
      {"ConstantFillValueInWrongField",
       [](OperatorTester& t) {
         t.Arg("dtype", static_cast<int>(TensorProto::FLOAT)).Arg("value", 2).Arg("shape", std::vector<int64_t>{1}).Output("o");
       },
       {"value", "field f"}, "ConstantFill"},
      {"ConstantFillValueDoesNotFitInt8",
       [](OperatorTester& t) {
         t.Arg("dtype", static_cast<int>(TensorProto::INT8)).Arg("value", 300).Arg("shape", std::vector<int64_t>{1}).Output("o");
       },
       {"value", "300", "does not fit"}, "ConstantFill"},
      // ---- Sum ----
      {"SumShapeMismatch",
       [](OperatorTester& t) { t.Input<float>("a", {2}, {1, 2}).Input<float>("b", {3}, {1, 2, 3}).Output("s"); },
       {"Sum", "input 1 'data_1' (blob 'b') has shape [3]", "input 0 'data_0' (blob 'a') has shape [2]"}, "Sum"},
      {"SumDtypeMismatch",
       [](OperatorTester& t) { t.Input<float>("a", {2}, {1, 2}).Input<double>("b", {2}, {1, 2}).Output("s"); },
       {"Sum", "input 1 'data_1' (blob 'b') has dtype double", "float"}, "Sum"},
      {"SumBoolUnsupported",
       [](OperatorTester& t) { t.Input<bool>("a", {1}, {T_}).Output("s"); },
       {"Sum", "dtype bool is not supported"}, "Sum"},
      {"SumNoInputs", [](OperatorTester& t) { t.Output("s"); }, {"Sum", "input(s)", "0"}, "Sum"},
  };
}

class BadInputTest : public ::testing::TestWithParam<BadInputCase> {};

TEST_P(BadInputTest, FailsWithAClearMessage) {
  const BadInputCase& c = GetParam();
  OperatorTester tester(c.type);
  c.build(tester);
  tester.ExpectError(c.pieces);
}

// A failing operator must not have written its outputs: they keep a sentinel.
TEST_P(BadInputTest, WritesNothingBeforeFailing) {
  const BadInputCase& c = GetParam();
  OperatorTester tester(c.type);
  c.build(tester);
  const OperatorDef def = tester.Def();
  for (const auto& out : def.output()) {
    bool is_input = false;
    for (const auto& in : def.input()) is_input |= in == out;
    if (!is_input) BlobGetMutableTensor(tester.workspace().CreateBlob(out))->CopyFrom(MakeTensor<float>({3}, {7, 8, 9}));
  }
  EXPECT_THROW(tester.workspace().RunOperatorOnce(def), EnforceNotMet);
  for (const auto& out : def.output()) {
    const Blob* blob = tester.workspace().GetBlob(out);
    if (blob == nullptr || !blob->IsType<Tensor>()) continue;
    const Tensor& t = blob->Get<Tensor>();
    if (!t.IsType<float>()) continue;  // an input blob reused as an output
    EXPECT_EQ(t.sizes(), (std::vector<int64_t>{3})) << out;
    EXPECT_EQ(ToVector<float>(t), (std::vector<float>{7, 8, 9})) << out;
  }
}

INSTANTIATE_TEST_SUITE_P(MaskOps, BadInputTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<BadInputCase>& info) { return info.param.name; });

}  // namespace
}  // namespace caffe2::testing
