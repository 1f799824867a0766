// Blob typing and the Workspace: blobs, operators run once, nets kept by name.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"

namespace caffe2 {
namespace {

using caffe2::testing::ExpectThrowContaining;

// Y = X + 1 (float); counts its runs.
int g_add_one_runs = 0;
class CoreTestWsAddOneOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestWsAddOneOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}
  bool RunOnDevice() override {
    const Tensor& x = Input(0);
    Tensor* y = Output(0);
    y->ResizeLike(x);
    const float* in = x.data<float>();
    float* out = y->mutable_data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) out[i] = in[i] + 1.0f;
    ++g_add_one_runs;
    return true;
  }
};
REGISTER_CPU_OPERATOR(CoreTestWsAddOne, CoreTestWsAddOneOp);
OPERATOR_SCHEMA(CoreTestWsAddOne).NumInputs(1).NumOutputs(1).AllowInplace({{0, 0}});

struct Payload {
  static int live;
  int value = 0;
  Payload() { ++live; }
  explicit Payload(int v) : value(v) { ++live; }
  ~Payload() { --live; }
};
int Payload::live = 0;

void Feed(Workspace* ws, const std::string& name, const std::vector<float>& values) {
  Tensor* t = BlobGetMutableTensor(ws->CreateBlob(name));
  t->Resize(static_cast<int64_t>(values.size()));
  float* data = t->mutable_data<float>();
  for (size_t i = 0; i < values.size(); ++i) data[i] = values[i];
}

std::vector<float> Fetch(const Workspace& ws, const std::string& name) {
  const Blob* blob = ws.GetBlob(name);
  EXPECT_NE(blob, nullptr) << name;
  if (blob == nullptr) return {};
  const Tensor& t = BlobGetTensor(*blob);
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

// ---- Blob ----

TEST(Blob, TypingGetMutableAndReset) {
  Blob blob;
  EXPECT_TRUE(blob.IsEmpty());
  EXPECT_STREQ(blob.TypeName(), "nothing");
  ExpectThrowContaining([&] { blob.Get<int>(); }, {"blob holds nothing, not int"});

  *blob.GetMutable<int>() = 5;
  EXPECT_TRUE(blob.IsType<int>());
  EXPECT_FALSE(blob.IsType<float>());
  EXPECT_EQ(blob.Get<int>(), 5);
  EXPECT_EQ(*blob.GetMutable<int>(), 5);  // same type: kept
  ExpectThrowContaining([&] { blob.Get<float>(); }, {"blob holds int", "not float"});
  ExpectThrowContaining([&] { blob.Get<Tensor>(); }, {"blob holds int", "not Tensor"});

  // GetMutable of another type replaces the content (and destroys the old one).
  Payload::live = 0;
  blob.Reset(new Payload(3));
  EXPECT_EQ(Payload::live, 1);
  EXPECT_EQ(blob.Get<Payload>().value, 3);
  std::string* s = blob.GetMutable<std::string>();
  EXPECT_EQ(Payload::live, 0);
  EXPECT_EQ(*s, "");
  EXPECT_TRUE(blob.IsType<std::string>());

  blob.Reset();
  EXPECT_TRUE(blob.IsEmpty());
  EXPECT_FALSE(blob.IsType<std::string>());
}

TEST(Blob, DestructionAndMoveReleaseOnce) {
  Payload::live = 0;
  {
    Blob a;
    a.Reset(new Payload(1));
    Blob b(std::move(a));
    EXPECT_TRUE(a.IsEmpty());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.Get<Payload>().value, 1);
    Blob c;
    c.Reset(new Payload(2));
    c = std::move(b);
    EXPECT_EQ(Payload::live, 1);
    EXPECT_EQ(c.Get<Payload>().value, 1);
  }
  EXPECT_EQ(Payload::live, 0);
}

TEST(Blob, BlobGetMutableTensor) {
  Blob blob;
  *blob.GetMutable<int>() = 1;
  Tensor* t = BlobGetMutableTensor(&blob);
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(BlobIsTensorType(blob));
  EXPECT_EQ(BlobGetMutableTensor(&blob), t);  // already a tensor: the same one
  t->Resize(2);
  t->mutable_data<float>()[1] = 4.0f;
  EXPECT_EQ(BlobGetTensor(blob).data<float>()[1], 4.0f);

  Tensor* shaped = BlobGetMutableTensor(&blob, {3, 4}, TypeMeta::Make<int64_t>());
  EXPECT_EQ(shaped, t);
  EXPECT_EQ(shaped->sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(shaped->IsType<int64_t>());
  EXPECT_NO_THROW(shaped->data<int64_t>());

  Blob other;
  ExpectThrowContaining([&] { BlobGetTensor(other); }, {"not Tensor"});
}

// ---- Workspace ----

TEST(Workspace, CreateGetHasRemoveBlobs) {
  Workspace ws;
  EXPECT_EQ(ws.GetBlob("a"), nullptr);
  EXPECT_FALSE(ws.HasBlob("a"));
  Blob* a = ws.CreateBlob("a");
  ASSERT_NE(a, nullptr);
  *a->GetMutable<int>() = 3;
  EXPECT_EQ(ws.CreateBlob("a"), a);  // idempotent: same blob, content kept
  EXPECT_EQ(ws.CreateBlob("a")->Get<int>(), 3);
  EXPECT_TRUE(ws.HasBlob("a"));
  EXPECT_EQ(ws.GetBlob("a"), a);
  const Workspace& cws = ws;
  EXPECT_EQ(cws.GetBlob("a"), a);
  EXPECT_EQ(cws.GetBlob("zzz"), nullptr);

  ws.CreateBlob("c");
  ws.CreateBlob("b");
  ws.CreateBlob("B");
  EXPECT_EQ(ws.Blobs(), (std::vector<std::string>{"B", "a", "b", "c"}));  // sorted

  EXPECT_TRUE(ws.RemoveBlob("b"));
  EXPECT_FALSE(ws.RemoveBlob("b"));
  EXPECT_FALSE(ws.HasBlob("b"));
  EXPECT_EQ(ws.GetBlob("b"), nullptr);
  EXPECT_EQ(ws.Blobs(), (std::vector<std::string>{"B", "a", "c"}));
}

TEST(Workspace, RunOperatorOnce) {
  Workspace ws;
  Feed(&ws, "x", {1, 2, 3});
  g_add_one_runs = 0;
  EXPECT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("CoreTestWsAddOne", "", {"x"}, {"y"})));
  EXPECT_EQ(g_add_one_runs, 1);
  EXPECT_EQ(Fetch(ws, "y"), (std::vector<float>{2, 3, 4}));
  // In place, as the schema allows.
  EXPECT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("CoreTestWsAddOne", "", {"y"}, {"y"})));
  EXPECT_EQ(Fetch(ws, "y"), (std::vector<float>{3, 4, 5}));
  ExpectThrowContaining([&] { ws.RunOperatorOnce(CreateOperatorDef("CoreTestWsAddOne", "", {"nope"}, {"z"})); },
                        {"blob 'nope'", "not in the workspace"});
  ExpectThrowContaining([&] { ws.RunOperatorOnce(CreateOperatorDef("CoreTestWsAddOn", "", {"x"}, {"z"})); },
                        {"'CoreTestWsAddOn' is not registered", "CoreTestWsAddOne"});
}

NetDef AddOneNet(const std::string& name, const std::string& in, const std::string& out) {
  NetDef net;
  net.set_name(name);
  *net.add_op() = CreateOperatorDef("CoreTestWsAddOne", "", {in}, {out});
  return net;
}

TEST(Workspace, CreateRunAndDeleteNets) {
  Workspace ws;
  Feed(&ws, "x", {0.5f});
  NetBase* net = ws.CreateNet(AddOneNet("n1", "x", "y"));
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->Name(), "n1");
  EXPECT_EQ(ws.GetNet("n1"), net);
  EXPECT_EQ(ws.GetNet("n2"), nullptr);
  EXPECT_EQ(ws.Nets(), std::vector<std::string>{"n1"});
  EXPECT_TRUE(ws.HasBlob("y"));  // outputs exist once the net is created
  g_add_one_runs = 0;
  EXPECT_TRUE(ws.RunNet("n1"));
  EXPECT_TRUE(ws.RunNet("n1"));
  EXPECT_EQ(g_add_one_runs, 2);
  EXPECT_EQ(Fetch(ws, "y"), std::vector<float>{1.5f});

  ExpectThrowContaining([&] { ws.RunNet("missing"); }, {"no net called 'missing'", "CreateNet"});

  // A second net under the same name is refused unless overwriting.
  ExpectThrowContaining([&] { ws.CreateNet(AddOneNet("n1", "x", "z")); },
                        {"a net called 'n1' already exists", "overwrite"});
  EXPECT_FALSE(ws.HasBlob("z"));
  EXPECT_EQ(ws.GetNet("n1"), net);
  NetBase* replaced = ws.CreateNet(AddOneNet("n1", "x", "z"), /*overwrite=*/true);
  EXPECT_EQ(ws.GetNet("n1"), replaced);
  EXPECT_TRUE(ws.RunNet("n1"));
  EXPECT_EQ(Fetch(ws, "z"), std::vector<float>{1.5f});

  ws.DeleteNet("n1");
  EXPECT_EQ(ws.GetNet("n1"), nullptr);
  EXPECT_TRUE(ws.Nets().empty());
  ws.DeleteNet("n1");  // deleting an absent net is harmless

  EXPECT_TRUE(ws.RunNetOnce(AddOneNet("once", "x", "w")));
  EXPECT_EQ(Fetch(ws, "w"), std::vector<float>{1.5f});
  EXPECT_EQ(ws.GetNet("once"), nullptr);  // RunNetOnce keeps nothing
}

TEST(Workspace, FailedOverwriteKeepsTheOldNet) {
  Workspace ws;
  Feed(&ws, "x", {1.0f});
  NetBase* net = ws.CreateNet(AddOneNet("n", "x", "y"));
  ExpectThrowContaining([&] { ws.CreateNet(AddOneNet("n", "missing", "y2"), /*overwrite=*/true); },
                        {"blob 'missing'"});
  EXPECT_EQ(ws.GetNet("n"), net);
  EXPECT_FALSE(ws.HasBlob("y2"));
  EXPECT_TRUE(ws.RunNet("n"));
  EXPECT_EQ(Fetch(ws, "y"), std::vector<float>{2.0f});
}

TEST(Workspace, RemoveBlobRefusedWhileANetUsesIt) {
  Workspace ws;
  Feed(&ws, "x", {1.0f});
  ws.CreateBlob("unrelated");
  ws.CreateNet(AddOneNet("uses_x", "x", "y"));
  ExpectThrowContaining([&] { ws.RemoveBlob("x"); }, {"blob 'x' cannot be removed", "net 'uses_x'", "delete the net"});
  ExpectThrowContaining([&] { ws.RemoveBlob("y"); }, {"blob 'y'"});
  EXPECT_TRUE(ws.HasBlob("x"));
  EXPECT_TRUE(ws.RemoveBlob("unrelated"));
  ws.DeleteNet("uses_x");
  EXPECT_TRUE(ws.RemoveBlob("x"));
}

}  // namespace
}  // namespace caffe2
