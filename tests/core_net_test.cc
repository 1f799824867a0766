// Nets: validation before anything runs (every problem at once), net types, running, error context.
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"

namespace caffe2 {
namespace {

using caffe2::testing::ExpectThrowContaining;

// Y = X + 1; counts runs.
int g_runs = 0;
class CoreTestNetAddOneOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestNetAddOneOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}
  bool RunOnDevice() override {
    const Tensor& x = Input(0);
    Tensor* y = Output(0);
    y->ResizeLike(x);
    for (int64_t i = 0; i < x.numel(); ++i) y->mutable_data<float>()[i] = x.data<float>()[i] + 1.0f;
    ++g_runs;
    return true;
  }
};
REGISTER_CPU_OPERATOR(CoreTestNetAddOne, CoreTestNetAddOneOp);
OPERATOR_SCHEMA(CoreTestNetAddOne).NumInputs(1).NumOutputs(1);
NO_GRADIENT(CoreTestNetAddOne);

class CoreTestNetFailOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestNetFailOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}
  bool RunOnDevice() override { CAFFE_THROW("input ", DescribeInput(0), " is not acceptable"); }
};
REGISTER_CPU_OPERATOR(CoreTestNetFail, CoreTestNetFailOp);
OPERATOR_SCHEMA(CoreTestNetFail).NumInputs(1).NumOutputs(1).Input(0, "data", "anything");
NO_GRADIENT(CoreTestNetFail);

// Its constructor refuses its arguments (after the def passed validation).
class CoreTestNetCtorThrowsOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestNetCtorThrowsOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {
    CAFFE_ENFORCE_GT(GetSingleArgument<int>("k", 0), 0, "argument k must be positive");
  }
  bool RunOnDevice() override { return true; }
};
REGISTER_CPU_OPERATOR(CoreTestNetCtorThrows, CoreTestNetCtorThrowsOp);
OPERATOR_SCHEMA(CoreTestNetCtorThrows).NumInputs(0, 1).NumOutputs(1);
NO_GRADIENT(CoreTestNetCtorThrows);

void Feed(Workspace* ws, const std::string& name, const std::vector<float>& values) {
  Tensor* t = BlobGetMutableTensor(ws->CreateBlob(name));
  t->Resize(static_cast<int64_t>(values.size()));
  float* data = t->mutable_data<float>();
  for (size_t i = 0; i < values.size(); ++i) data[i] = values[i];
}

float Scalar(const Workspace& ws, const std::string& name) {
  return BlobGetTensor(*ws.GetBlob(name)).data<float>()[0];
}

NetDef Chain(const std::string& name, const std::string& type) {
  NetDef net;
  net.set_name(name);
  if (!type.empty()) net.set_type(type);
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "first", {"x"}, {"a"});
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "second", {"a"}, {"b"});
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "third", {"b"}, {"c"});
  return net;
}

TEST(Net, EveryNetTypeRunsInOrder) {
  for (const std::string type : {"", "simple", "dag", "async_scheduling", "async_dag", "async_simple", "parallel"}) {
    SCOPED_TRACE("type '" + type + "'");
    Workspace ws;
    Feed(&ws, "x", {1});
    NetDef net;
    net.set_name("chain");
    if (!type.empty()) net.set_type(type);
    *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"x"}, {"a"});
    *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"a"}, {"b"});
    *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"b"}, {"c"});
    g_runs = 0;
    ASSERT_TRUE(ws.RunNetOnce(net));
    EXPECT_EQ(g_runs, 3);
    EXPECT_EQ(Scalar(ws, "c"), 4.0f);
  }
}

TEST(Net, EmptyNetRuns) {
  Workspace ws;
  NetDef net;
  EXPECT_TRUE(ws.RunNetOnce(net));
  NetBase* created = ws.CreateNet(net);
  EXPECT_TRUE(created->operators().empty());
  EXPECT_TRUE(ws.RunNet(""));
}

TEST(Net, UnknownNetTypeRejected) {
  Workspace ws;
  Feed(&ws, "x", {1});
  NetDef net;
  net.set_name("n");
  net.set_type("fancy_parallel");
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"x"}, {"a"});
  ExpectThrowContaining([&] { ws.CreateNet(net); },
                        {"cannot create net 'n': 1 problem", "net type 'fancy_parallel' is unknown",
                         "simple, dag, async_scheduling"});
  EXPECT_FALSE(ws.HasBlob("a"));
}

TEST(Net, ValidationReportsEveryProblemAtOnce) {
  Workspace ws;
  Feed(&ws, "x", {1});
  Feed(&ws, "y", {1});
  NetDef net;
  net.set_name("broken");
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOen", "typo", {"x"}, {"a"});       // unknown type
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"ghost"}, {"b"});       // missing input
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "two", {"a", "y"}, {"c"});   // count
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "fine", {"c"}, {"d"});       // fine: c made above
  const auto problems = NetDefProblems(net, ws);
  ASSERT_EQ(problems.size(), 3u) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("operator #0 CoreTestNetAddOen \"typo\" (x -> a): operator type "
                             "'CoreTestNetAddOen' is not registered; did you mean CoreTestNetAddOne"),
            std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("operator #1"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("operator #2 CoreTestNetAddOne \"two\""), std::string::npos) << problems[2];
  EXPECT_NE(problems[2].find("takes 1 input(s), but the def has 2"), std::string::npos) << problems[2];

  const auto blobs_before = ws.Blobs();
  g_runs = 0;
  try {
    ws.CreateNet(net);
    FAIL();
  } catch (const EnforceNotMet& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot create net 'broken': 3 problems"), std::string::npos) << m;
    EXPECT_NE(m.find("\n  1. operator #0"), std::string::npos) << m;
    EXPECT_NE(m.find("\n  2. operator #1"), std::string::npos) << m;
    EXPECT_NE(m.find("\n  3. operator #2"), std::string::npos) << m;
  }
  EXPECT_EQ(g_runs, 0);
  EXPECT_EQ(ws.Blobs(), blobs_before);  // nothing created
  EXPECT_EQ(ws.GetNet("broken"), nullptr);
}

TEST(Net, MissingInputSaysHowToProvideIt) {
  Workspace ws;
  NetDef net;
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"features"}, {"out"});
  try {
    ws.CreateNet(net);
    FAIL();
  } catch (const EnforceNotMet& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot create the unnamed net: 1 problem"), std::string::npos) << m;
    EXPECT_NE(m.find("input 0 is blob 'features', which is not in the workspace and is not produced by an "
                     "earlier operator"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("feed it"), std::string::npos) << m;
    EXPECT_NE(m.find("init net"), std::string::npos) << m;
    EXPECT_EQ(m.find("external_input"), std::string::npos) << m;
  }
  net.add_external_input("features");
  ExpectThrowContaining([&] { ws.CreateNet(net); },
                        {"the net lists it in external_input, but nothing provided it"});
  // An input produced only by a LATER operator is still missing.
  NetDef late;
  *late.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"b"}, {"c"});
  *late.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"c"}, {"b"});
  ExpectThrowContaining([&] { ws.CreateNet(late); }, {"operator #0", "blob 'b'"});
}

TEST(Net, FailingOperatorStopsTheRunAndIsNamed) {
  Workspace ws;
  Feed(&ws, "x", {1});
  NetDef net;
  net.set_name("train");
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"x"}, {"a"});
  *net.add_op() = CreateOperatorDef("CoreTestNetFail", "bad_one", {"a"}, {"f"});
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"x"}, {"later"});
  NetBase* created = ws.CreateNet(net);
  ASSERT_EQ(created->operators().size(), 3u);
  EXPECT_EQ(created->operators()[1]->net_position(), 1);
  g_runs = 0;
  try {
    ws.RunNet("train");
    FAIL();
  } catch (const EnforceNotMet& e) {
    EXPECT_EQ(e.msg(), "input input 0 'data' (blob 'a') is not acceptable");
    ASSERT_EQ(e.context().size(), 2u) << e.what();
    EXPECT_EQ(e.context()[0], "while running operator #1 CoreTestNetFail \"bad_one\" (a -> f)");
    EXPECT_EQ(e.context()[1], "in net 'train'");
  }
  EXPECT_EQ(g_runs, 1);  // the operator after the failing one did not run
  EXPECT_TRUE(ws.GetBlob("later")->IsEmpty());  // created with the net, never written
}

TEST(Net, NetDeviceOptionIsInherited) {
  Workspace ws;
  Feed(&ws, "x", {1});
  NetDef net;
  net.set_name("dev");
  net.mutable_device_option()->set_device_type(PROTO_CPU);
  net.mutable_device_option()->set_random_seed(7);
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"x"}, {"a"});
  DeviceOption own;
  own.set_random_seed(9);
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"a"}, {"b"}, {}, own);
  NetBase* created = ws.CreateNet(net);
  EXPECT_EQ(created->operators()[0]->debug_def().device_option().random_seed(), 7u);
  EXPECT_EQ(created->operators()[1]->debug_def().device_option().random_seed(), 9u);
  EXPECT_TRUE(created->UsesBlob("x"));
  EXPECT_TRUE(created->UsesBlob("b"));
  EXPECT_FALSE(created->UsesBlob("zzz"));

  // A CUDA net: the net itself and every operator that inherits it are reported.
  NetDef cuda = net;
  cuda.set_name("gpu");
  cuda.mutable_device_option()->set_device_type(PROTO_CUDA);
  try {
    ws.CreateNet(cuda);
    FAIL();
  } catch (const EnforceNotMet& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("2 problems"), std::string::npos) << m;
    EXPECT_NE(m.find("net 'gpu' asks for PROTO_CUDA"), std::string::npos) << m;
    EXPECT_NE(m.find("operator #0"), std::string::npos) << m;
    EXPECT_EQ(m.find("operator #1"), std::string::npos) << m;  // has its own (CPU) device option
  }
}

TEST(Net, FailedCreationLeavesTheWorkspaceUnchanged) {
  Workspace ws;
  Feed(&ws, "x", {1});
  NetDef net;
  net.set_name("ctor");
  *net.add_op() = CreateOperatorDef("CoreTestNetAddOne", "", {"x"}, {"made_first"});
  *net.add_op() = CreateOperatorDef("CoreTestNetCtorThrows", "refuses", {"made_first"}, {"made_second"});
  const auto before = ws.Blobs();
  ExpectThrowContaining([&] { ws.CreateNet(net); },
                        {"argument k must be positive", "while creating operator #1 CoreTestNetCtorThrows \"refuses\"",
                         "in net 'ctor'"});
  EXPECT_EQ(ws.Blobs(), before);
  EXPECT_EQ(ws.GetNet("ctor"), nullptr);
  // The same through RunNetOnce.
  ExpectThrowContaining([&] { ws.RunNetOnce(net); }, {"argument k must be positive"});
  EXPECT_EQ(ws.Blobs(), before);
  // Existing blobs an operator writes are kept (they were there before).
  Feed(&ws, "made_first", {5});
  ExpectThrowContaining([&] { ws.CreateNet(net); }, {"argument k must be positive"});
  EXPECT_TRUE(ws.HasBlob("made_first"));
  EXPECT_EQ(Scalar(ws, "made_first"), 5.0f);
  EXPECT_FALSE(ws.HasBlob("made_second"));
}

TEST(Net, RunsRepeatedly) {
  Workspace ws;
  Feed(&ws, "x", {1});
  NetDef net = Chain("c", "dag");
  ws.CreateNet(net);
  ws.RunNet("c");
  const float* first = BlobGetTensor(*ws.GetBlob("b")).data<float>();
  EXPECT_EQ(Scalar(ws, "b"), 3.0f);
  ws.RunNet("c");
  // Outputs of the same shape keep their buffers from run to run.
  EXPECT_EQ(BlobGetTensor(*ws.GetBlob("b")).data<float>(), first);
}

}  // namespace
}  // namespace caffe2
