// Caffe2-style test of the MaskedSoftmax library: loaded at run time, run forward with the built-in
// SequenceMask-made inputs' shapes, and its gradient checked against finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "caffe2/core/operator.h"

namespace caffe2 {
namespace {

void Feed(Workspace* ws, const string& name, const vector<float>& values) {
  auto* t = BlobGetMutableTensor(ws->CreateBlob(name), CPU);
  t->Resize(2, 3);
  for (int i = 0; i < 6; ++i) t->mutable_data<float>()[i] = values[i];
}

void FeedMask(Workspace* ws) {
  auto* t = BlobGetMutableTensor(ws->CreateBlob("mask"), CPU);
  t->Resize(2, 3);
  const bool keep[6] = {true, true, false, false, false, false};
  for (int i = 0; i < 6; ++i) t->mutable_data<bool>()[i] = keep[i];
}

class MaskedSoftmaxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { LoadOperatorLibrary(MASKED_SOFTMAX_LIBRARY); }
};

TEST_F(MaskedSoftmaxTest, MaskedEntriesAndEmptyRowsAreZero) {
  Workspace ws;
  Feed(&ws, "scores", {1, 2, 100, 5, 6, 7});
  FeedMask(&ws);
  ASSERT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("MaskedSoftmax", "", {"scores", "mask"}, {"p"})));
  const auto& p = ws.GetBlob("p")->Get<TensorCPU>();
  const float e = std::exp(1.0f);
  EXPECT_NEAR(p.data<float>()[0], 1 / (1 + e), 1e-6);
  EXPECT_NEAR(p.data<float>()[1], e / (1 + e), 1e-6);
  for (int i = 2; i < 6; ++i) EXPECT_EQ(p.data<float>()[i], 0.0f) << i;
}

TEST_F(MaskedSoftmaxTest, GradientMatchesFiniteDifferences) {
  Workspace ws;
  const vector<float> x = {0.5f, -1.0f, 3.0f, 0.2f, 0.1f, 0.0f};
  const vector<float> w = {1.0f, 2.0f, -1.0f, 0.5f, 3.0f, 1.0f};  // loss = sum(w * p)
  Feed(&ws, "scores", x);
  FeedMask(&ws);
  const OperatorDef forward = CreateOperatorDef("MaskedSoftmax", "", {"scores", "mask"}, {"p"});
  ASSERT_TRUE(ws.RunOperatorOnce(forward));
  Feed(&ws, "p_grad", w);
  const auto grad = GetGradientForOp(forward, {GradientWrapper{"p_grad", "", ""}});
  ASSERT_EQ(grad.ops_.size(), 1u);
  ASSERT_TRUE(ws.RunOperatorOnce(grad.ops_[0]));
  const auto& dx = ws.GetBlob(grad.g_input_[0].dense_)->Get<TensorCPU>();
  EXPECT_TRUE(grad.g_input_[1].IsEmpty());  // the mask has no gradient

  auto loss = [&](const vector<float>& scores) {
    Feed(&ws, "scores", scores);
    ws.RunOperatorOnce(forward);
    const float* p = ws.GetBlob("p")->Get<TensorCPU>().data<float>();
    double l = 0;
    for (int i = 0; i < 6; ++i) l += w[i] * p[i];
    return l;
  };
  vector<float> dx_copy(dx.data<float>(), dx.data<float>() + 6);
  for (int i = 0; i < 6; ++i) {
    vector<float> plus = x, minus = x;
    plus[i] += 1e-3f;
    minus[i] -= 1e-3f;
    EXPECT_NEAR(dx_copy[i], (loss(plus) - loss(minus)) / 2e-3, 1e-3) << i;
  }
}

TEST_F(MaskedSoftmaxTest, SchemaAndShapeInference) {
  const OpSchema* schema = OpSchemaRegistry::Schema("MaskedSoftmax");
  ASSERT_NE(schema, nullptr);
  const auto out = schema->InferTensor(CreateOperatorDef("MaskedSoftmax", "", {"s", "m"}, {"p"}),
                                       {CreateTensorShape(vector<int>{2, 3}, TensorProto::FLOAT),
                                        CreateTensorShape(vector<int>{2, 3}, TensorProto::BOOL)});
  EXPECT_EQ(GetDimsVector(out[0]), (vector<int64_t>{2, 3}));
  EXPECT_EQ(out[0].data_type(), TensorProto::FLOAT);
  EXPECT_NE(CPUOperatorRegistry()->Where("MaskedSoftmax").find("in operator library"), string::npos);
}

}  // namespace
}  // namespace caffe2
