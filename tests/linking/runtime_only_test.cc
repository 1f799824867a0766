// A program linked with caffe2_mask::runtime only: the registry starts without built-in operators, so
// the program's own operator can take a built-in name.
#include <gtest/gtest.h>

#include <vector>

#include "caffe2_mask/caffe2_mask.h"

namespace caffe2 {
namespace {

// Keeps the rows whose mask is true, like the built-in, but counts them into a second output, so the
// test can tell this operator from the built-in one.
class BooleanMaskOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  BooleanMaskOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}

  bool RunOnDevice() override {
    const Tensor& data = Input(0);
    const Tensor& mask = Input(1);
    CAFFE_ENFORCE_EQ(data.numel(), mask.numel(), "this BooleanMask takes 1-D data");
    std::vector<float> kept;
    for (int64_t i = 0; i < mask.numel(); ++i) {
      if (mask.data<bool>()[i]) kept.push_back(data.data<float>()[i]);
    }
    Tensor* out = Output(0);
    out->Resize(static_cast<int64_t>(kept.size()));
    std::copy(kept.begin(), kept.end(), out->mutable_data<float>());
    Tensor* count = Output(1);
    count->Resize(1);
    count->mutable_data<int64_t>()[0] = static_cast<int64_t>(kept.size());
    return true;
  }
};

REGISTER_CPU_OPERATOR(BooleanMask, BooleanMaskOp);
OPERATOR_SCHEMA(BooleanMask).NumInputs(2).NumOutputs(2);
NO_GRADIENT(BooleanMask);

TEST(RuntimeOnly, NoBuiltinOperatorIsRegistered) {
  EXPECT_EQ(CPUOperatorRegistry()->Keys(), std::vector<std::string>{"BooleanMask"});
  EXPECT_FALSE(CPUOperatorRegistry()->Has("SequenceMask"));
  EXPECT_EQ(OpSchemaRegistry::Schema("SequenceMask"), nullptr);
}

TEST(RuntimeOnly, TheProgramsOwnBooleanMaskRuns) {
  Workspace ws;
  Tensor* data = BlobGetMutableTensor(ws.CreateBlob("data"));
  data->Resize(4);
  const float values[] = {1, 2, 3, 4};
  std::copy(values, values + 4, data->mutable_data<float>());
  Tensor* mask = BlobGetMutableTensor(ws.CreateBlob("mask"));
  mask->Resize(4);
  const bool flags[] = {true, false, true, true};
  std::copy(flags, flags + 4, mask->mutable_data<bool>());

  ws.RunOperatorOnce(CreateOperatorDef("BooleanMask", "", {"data", "mask"}, {"kept", "count"}));

  const Tensor& kept = BlobGetTensor(*ws.GetBlob("kept"));
  ASSERT_EQ(kept.numel(), 3);
  EXPECT_EQ(kept.data<float>()[0], 1);
  EXPECT_EQ(kept.data<float>()[1], 3);
  EXPECT_EQ(kept.data<float>()[2], 4);
  EXPECT_EQ(BlobGetTensor(*ws.GetBlob("count")).data<int64_t>()[0], 3);
}

}  // namespace
}  // namespace caffe2
