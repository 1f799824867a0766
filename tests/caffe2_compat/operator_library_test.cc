// LoadOperatorLibrary: a library built with caffe2_mask_add_operator_library loads, registers its
// operator, schema and gradient maker with the library as their origin; a clashing library fails
// with both origins named and leaves the registries as they were; a missing file fails with
// dlerror's text.
#include <gtest/gtest.h>

#include <thread>

#include "caffe2/core/operator.h"

namespace caffe2 {
namespace {

string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const EnforceNotMet& e) {
    return e.what();
  }
  return "";
}

TEST(OperatorLibraryTest, LoadsAndRegistersWithTheLibraryAsOrigin) {
  EXPECT_FALSE(CPUOperatorRegistry()->Has("LibraryAddConstant"));
  // Concurrent loads of the same library: serialized, and the second is a no-op.
  std::thread other([] { LoadOperatorLibrary(CAFFE2_MASK_TEST_OPS_LIBRARY); });
  LoadOperatorLibrary(CAFFE2_MASK_TEST_OPS_LIBRARY);
  other.join();
  LoadOperatorLibrary(CAFFE2_MASK_TEST_OPS_LIBRARY);
  ASSERT_TRUE(CPUOperatorRegistry()->Has("LibraryAddConstant"));
  EXPECT_NE(CPUOperatorRegistry()->Where("LibraryAddConstant").find(CAFFE2_MASK_TEST_OPS_LIBRARY), string::npos)
      << CPUOperatorRegistry()->Where("LibraryAddConstant");
  EXPECT_NE(GradientRegistry()->Where("LibraryAddConstant").find("in operator library"), string::npos);
  ASSERT_NE(OpSchemaRegistry::Schema("LibraryAddConstant"), nullptr);
  EXPECT_EQ(LoadedOperatorLibraries(), vector<string>{CAFFE2_MASK_TEST_OPS_LIBRARY});

  Workspace ws;
  auto* x = BlobGetMutableTensor(ws.CreateBlob("x"), CPU);
  x->Resize(2);
  x->mutable_data<float>()[0] = 1;
  x->mutable_data<float>()[1] = 2;
  ASSERT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("LibraryAddConstant", "", {"x"}, {"y"},
                                                   {MakeArgument<float>("addend", 0.5f)})));
  EXPECT_EQ(ws.GetBlob("y")->Get<Tensor>().data<float>()[1], 2.5f);
  const auto grad = GetGradientForOp(CreateOperatorDef("LibraryAddConstant", "", {"x"}, {"y"}),
                                     {GradientWrapper{"y_grad", "", ""}});
  ASSERT_EQ(grad.ops_.size(), 1u);
  EXPECT_EQ(grad.ops_[0].type(), "Copy");
}

TEST(OperatorLibraryTest, ClashNamesBothOriginsAndLeavesNothingRegistered) {
  const string before = CPUOperatorRegistry()->Where("SequenceMask");
  const string error = ErrorOf([] { LoadOperatorLibrary(CAFFE2_MASK_CLASHING_OPS_LIBRARY); });
  EXPECT_NE(error.find("'SequenceMask' is registered twice"), string::npos) << error;
  EXPECT_NE(error.find("(built-in)"), string::npos) << error;
  EXPECT_NE(error.find(string("in operator library '") + CAFFE2_MASK_CLASHING_OPS_LIBRARY), string::npos) << error;
  EXPECT_NE(error.find("nothing of the library stays registered"), string::npos) << error;
  EXPECT_FALSE(CPUOperatorRegistry()->Has("ClashingLibraryFreshOp"));
  EXPECT_EQ(OpSchemaRegistry::Schema("ClashingLibraryFreshOp"), nullptr);
  EXPECT_FALSE(GradientRegistry()->Has("ClashingLibraryFreshOp"));
  EXPECT_EQ(CPUOperatorRegistry()->Where("SequenceMask"), before);
  for (const auto& loaded : LoadedOperatorLibraries()) EXPECT_NE(loaded, CAFFE2_MASK_CLASHING_OPS_LIBRARY);
  // The built-in still works.
  Workspace ws;
  auto* x = BlobGetMutableTensor(ws.CreateBlob("x"), CPU);
  x->Resize(2, 2);
  for (int i = 0; i < 4; ++i) x->mutable_data<float>()[i] = 1;
  EXPECT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("SequenceMask", "", {"x"}, {"y"},
                                                   {MakeArgument<string>("mode", "upper")})));
}

TEST(OperatorLibraryTest, MissingFileIsAnErrorWithDlerrorsText) {
  const string error = ErrorOf([] { LoadOperatorLibrary("/nonexistent/libnothing.so"); });
  EXPECT_NE(error.find("cannot load operator library '/nonexistent/libnothing.so'"), string::npos) << error;
  EXPECT_NE(error.find("No such file"), string::npos) << error;
  EXPECT_NE(ErrorOf([] { LoadOperatorLibrary(""); }).find("needs the path"), string::npos);
}

}  // namespace
}  // namespace caffe2
