// The command line into a RunPlan: every mistake is a UsageError naming the flag, before any file is read.
#include "tools/runner/plan.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tools/runner/inputs.h"
#include "tools/runner/printing.h"

namespace caffe2::runner {
namespace {

using ::testing::HasSubstr;

// The plan of `flags` ({name, value}), or the usage error's text.
std::string UsageErrorOf(std::initializer_list<std::pair<const char*, const char*>> flags) {
  gflags::FlagSaver saver;
  for (const auto& [name, value] : flags) EXPECT_FALSE(gflags::SetCommandLineOption(name, value).empty()) << name;
  try {
    PlanFromFlags();
  } catch (const UsageError& e) {
    return e.message;
  }
  return "";
}

TEST(Plan, EmptyBlobNamesAndEmptyListsAreErrors) {
  EXPECT_THAT(UsageErrorOf({{"net", "n"}, {"output", ""}}), HasSubstr("--output is given but names no blob"));
  EXPECT_THAT(UsageErrorOf({{"net", "n"}, {"output", "a,,b"}}), HasSubstr("--output='a,,b': entry 2 of 3 is empty"));
  EXPECT_THAT(UsageErrorOf({{"net", "n"}, {"output", "a,"}}), HasSubstr("entry 2 of 2 is empty"));
  EXPECT_THAT(UsageErrorOf({{"net", "n"}, {"input", ",a"}, {"input_dims", "1"}}), HasSubstr("--input=',a': entry 1"));
  EXPECT_THAT(UsageErrorOf({{"net", "n"}, {"gradient_for", "x,,"}}), HasSubstr("--gradient_for"));
  EXPECT_EQ(UsageErrorOf({{"net", "n"}, {"output", "a,b,a"}}), "");
}

TEST(Plan, OutputFileNamesOverNameMaxAreErrors) {
  const std::string long_name(253, 'x');
  EXPECT_EQ(OutputFileNameProblem(long_name, TensorFileFormat::kBlobProto), "");
  EXPECT_THAT(OutputFileNameProblem(long_name, TensorFileFormat::kNpy), HasSubstr("file name of 257 bytes"));
  EXPECT_THAT(OutputFileNameProblem("", TensorFileFormat::kNpy), HasSubstr("empty name"));
  EXPECT_EQ(OutputFileName("a/b", TensorFileFormat::kNpy), "a_b.npy");
  EXPECT_EQ(OutputFileName("..", TensorFileFormat::kBlobProto), "_..");
}

TEST(Plan, ReadsTheFlagsIntoTypedFields) {
  gflags::FlagSaver saver;
  gflags::SetCommandLineOption("net", "n.pbtxt");
  gflags::SetCommandLineOption("input", "a,b");
  gflags::SetCommandLineOption("input_dims", "2,3;");
  gflags::SetCommandLineOption("input_type", "int64;bool");
  gflags::SetCommandLineOption("output", "*");
  gflags::SetCommandLineOption("iter", "3");
  const RunPlan plan = PlanFromFlags();
  EXPECT_TRUE(plan.all_outputs);
  EXPECT_TRUE(plan.outputs.empty());
  ASSERT_EQ(plan.inputs.size(), 2u);
  EXPECT_EQ(plan.inputs[0].dims, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(plan.inputs[0].type.Match<int64_t>());
  EXPECT_TRUE(plan.inputs[1].dims.empty());
  EXPECT_TRUE(plan.inputs[1].type.Match<bool>());
  EXPECT_EQ(plan.iter, 3);
  const auto loaded = LoadInputs(plan.inputs);
  EXPECT_EQ(loaded[0].tensor.data<int64_t>()[1], 0);  // (1*7 + 3) % 10
  EXPECT_EQ(loaded[1].tensor.numel(), 1);
}

TEST(Printing, TimingLineIsConsistent) {
  std::ostringstream out;
  PrintTimingLine(out, 250.0, 100);
  EXPECT_EQ(out.str(), "Main run finished. Milliseconds per iter: 2.5. Iters per second: 400\n");
}

TEST(Printing, SummaryIsNestedOrFlattened) {
  Tensor t(std::vector<int64_t>{2, 2});
  float* p = t.mutable_data<float>();
  for (int i = 0; i < 4; ++i) p[i] = static_cast<float>(i);
  std::ostringstream whole, cut;
  PrintSummary(whole, "t", t, 64);
  PrintSummary(cut, "t", t, 3);
  EXPECT_EQ(whole.str(), "t: float [2, 2]\n  [[0, 1],\n   [2, 3]]\n");
  EXPECT_EQ(cut.str(), "t: float [2, 2]\n  [0, 1, 2, ...]  (first 3 of 4 values, flattened)\n");
}

}  // namespace
}  // namespace caffe2::runner
