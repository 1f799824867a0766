// Registry, schemas, operator creation checks, DispatchHelper, argument parsing and Operator::Run's
// error context.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"

namespace caffe2 {
namespace {

using caffe2::testing::ExpectThrowContaining;

void Feed(Workspace* ws, const std::string& name, const std::vector<float>& values) {
  Tensor* t = BlobGetMutableTensor(ws->CreateBlob(name));
  t->Resize(static_cast<int64_t>(values.size()));
  float* data = t->mutable_data<float>();
  for (size_t i = 0; i < values.size(); ++i) data[i] = values[i];
}

template <typename T>
void FeedTyped(Workspace* ws, const std::string& name, int64_t n) {
  Tensor* t = BlobGetMutableTensor(ws->CreateBlob(name));
  t->Resize(n);
  t->mutable_data<T>();
}

// ---- test operators ----

// Z = X + Y (float); counts constructions so tests can prove a def was refused before construction.
int g_add_constructed = 0;
class CoreTestAddOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestAddOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) { ++g_add_constructed; }
  bool RunOnDevice() override {
    const Tensor& x = Input(0);
    const Tensor& y = Input(1);
    CAFFE_ENFORCE_EQ(x.numel(), y.numel(), DescribeInput(0), " and ", DescribeInput(1), " differ in size");
    Tensor* z = Output(0);
    z->ResizeLike(x);
    float* out = z->mutable_data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) out[i] = x.data<float>()[i] + y.data<float>()[i];
    return true;
  }
};
REGISTER_CPU_OPERATOR(CoreTestAdd, CoreTestAddOp);
OPERATOR_SCHEMA(CoreTestAdd)
    .NumInputs(2)
    .NumOutputs(1)
    .AllowInplace({{0, 0}})
    .SetDoc("Adds two tensors. Element-wise.")
    .Input(0, "X", "first")
    .Input(1, "Y", "second")
    .Output(0, "Z", "sum")
    .Arg("unused", "(int, default 0) nothing")
    .IdenticalTypeAndShapeOfInput(0);
NO_GRADIENT(CoreTestAdd);

// Records which T DispatchHelper chose.
std::string g_dispatched;
class CoreTestDispatchOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  USE_DISPATCH_HELPER;
  CoreTestDispatchOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}
  bool RunOnDevice() override {
    return DispatchHelper<TensorTypes<float, double, int32_t, std::string, float16>>::call(this, Input(0));
  }

 private:
  template <typename T>
  bool DoRunWithType() {
    g_dispatched = TypeMeta::Make<T>().name();
    Output(0)->ResizeLike(Input(0));
    Output(0)->template mutable_data<T>();
    return true;
  }
};
REGISTER_CPU_OPERATOR(CoreTestDispatch, CoreTestDispatchOp);
OPERATOR_SCHEMA(CoreTestDispatch).NumInputs(1).NumOutputs(1);
NO_GRADIENT(CoreTestDispatch);

// Throws what its "mode" argument says: an EnforceNotMet, a std::out_of_range, or returns false.
class CoreTestThrowOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestThrowOp(const OperatorDef& def, Workspace* ws)
      : Operator<CPUContext>(def, ws), mode_(GetSingleArgument<std::string>("mode", "enforce")) {}
  bool RunOnDevice() override {
    if (mode_ == "enforce") CAFFE_ENFORCE_EQ(1, 2, "planned failure");
    if (mode_ == "std") throw std::out_of_range("vector index 9 out of range");
    if (mode_ == "false") return false;
    return true;
  }

 private:
  std::string mode_;
};
REGISTER_CPU_OPERATOR(CoreTestThrow, CoreTestThrowOp);
OPERATOR_SCHEMA(CoreTestThrow).NumInputs(0, 1).NumOutputs(0, 1).Arg("mode", "(string, default enforce) what to do");
SHOULD_NOT_DO_GRADIENT(CoreTestThrow);

// A no-op with a schema exercising the other count forms and a required argument.
class CoreTestNoopOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CoreTestNoopOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}
  bool RunOnDevice() override { return true; }
};
REGISTER_CPU_OPERATOR(CoreTestSetCounts, CoreTestNoopOp);
OPERATOR_SCHEMA(CoreTestSetCounts).NumInputs(std::set<int>{1, 3}).NumOutputs(1, 2);
NO_GRADIENT(CoreTestSetCounts);
REGISTER_CPU_OPERATOR(CoreTestPredicate, CoreTestNoopOp);
OPERATOR_SCHEMA(CoreTestPredicate)
    .NumInputs([](int n) { return n % 2 == 0; })
    .NumOutputs(0, 3)
    .NumInputsOutputs([](int in, int out) { return out == in / 2; });
NO_GRADIENT(CoreTestPredicate);
REGISTER_CPU_OPERATOR(CoreTestRequired, CoreTestNoopOp);
OPERATOR_SCHEMA(CoreTestRequired).NumInputs(0).NumOutputs(0).Arg("k", "(int) the k", /*required=*/true);
NO_GRADIENT(CoreTestRequired);
REGISTER_CPU_OPERATOR(CoreTestNotInplace, CoreTestNoopOp);
OPERATOR_SCHEMA(CoreTestNotInplace).NumInputs(2).NumOutputs(2).AllowInplace({{1, 1}});
NO_GRADIENT(CoreTestNotInplace);
// Registered without a schema: no count checks apply.
REGISTER_CPU_OPERATOR(CoreTestNoSchema, CoreTestNoopOp);
NO_GRADIENT(CoreTestNoSchema);

// ---- registry ----

TEST(Registry, RegisteredOperatorsAreListedSorted) {
  const auto keys = CPUOperatorRegistry()->Keys();
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_TRUE(CPUOperatorRegistry()->Has("CoreTestAdd"));
  EXPECT_FALSE(CPUOperatorRegistry()->Has("CoreTestAddd"));
  EXPECT_NE(CPUOperatorRegistry()->Where("CoreTestAdd").find("core_registry_test.cc:"), std::string::npos);
  EXPECT_EQ(CPUOperatorRegistry()->Where("nope"), "");
}

TEST(Registry, DuplicateRegistrationNamesBothPlaces) {
  Registry<std::string, std::unique_ptr<int>, int> registry;
  registry.Register("k", [](int v) { return std::make_unique<int>(v); }, "first.cc:10");
  ExpectThrowContaining(
      [&] { registry.Register("k", [](int v) { return std::make_unique<int>(v + 1); }, "second.cc:20"); },
      {"'k' is registered twice", "first.cc:10", "second.cc:20"});
  // The first registration stays.
  EXPECT_EQ(*registry.Create("k", 4), 4);
  EXPECT_EQ(registry.Create("absent", 1), nullptr);
  EXPECT_EQ(registry.Keys(), std::vector<std::string>{"k"});
}

TEST(Registry, DuplicateSchemaNamesBothPlaces) {
  OpSchemaRegistry::NewSchema("CoreTestDuplicateSchema", "a.cc", 1);
  ExpectThrowContaining([] { OpSchemaRegistry::NewSchema("CoreTestDuplicateSchema", "b.cc", 2); },
                        {"defined twice", "a.cc:1", "b.cc:2"});
}

// Regression: a schema was visible to Schema() from NewSchema on, so another thread could read it while
// OPERATOR_SCHEMA's setter chain was still filling it in (a library loaded at run time).
TEST(Registry, SchemaIsHiddenUntilItsSetterChainIsDone) {
  OpSchema& schema = OpSchemaRegistry::NewSchema("CoreTestUnpublished", "a.cc", 1);
  schema.NumInputs(2);
  EXPECT_EQ(OpSchemaRegistry::Schema("CoreTestUnpublished"), nullptr);
  const auto names = OpSchemaRegistry::Names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "CoreTestUnpublished"), 0);
  OpSchemaRegistry::Publish(schema);
  EXPECT_EQ(OpSchemaRegistry::Schema("CoreTestUnpublished"), &schema);
}

TEST(Registry, CloseNames) {
  const std::vector<std::string> names = {"BooleanMask", "BooleanMaskLengths", "SequenceMask", "Sum"};
  const auto close = CloseNames("BoolenMask", names);
  ASSERT_FALSE(close.empty());
  EXPECT_EQ(close[0], "BooleanMask");
  EXPECT_EQ(CloseNames("sequencemask", names), std::vector<std::string>{"SequenceMask"});  // case-insensitive
  EXPECT_TRUE(CloseNames("Convolution", names).empty());
}

// Style rule 6: every registered operator has a schema (gradient operators included) and declares its
// gradient (REGISTER_GRADIENT, NO_GRADIENT or SHOULD_NOT_DO_GRADIENT; gradient ops are exempt).
TEST(Registry, EveryOperatorHasASchemaAndAGradientIntent) {
  std::vector<std::string> no_schema, no_gradient;
  for (const auto& name : CPUOperatorRegistry()->Keys()) {
    if (name == "CoreTestNoSchema") continue;  // on purpose
    if (OpSchemaRegistry::Schema(name) == nullptr) no_schema.push_back(name);
    const bool gradient_op = name.size() > 8 && name.compare(name.size() - 8, 8, "Gradient") == 0;
    if (!gradient_op && !GradientRegistry()->Has(name)) no_gradient.push_back(name);
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  EXPECT_TRUE(no_schema.empty()) << "operators without a schema: " << join(no_schema);
  EXPECT_TRUE(no_gradient.empty()) << "operators without a gradient declaration: " << join(no_gradient);
}

// The test binaries link the static library: every built-in operator must still be registered.
TEST(Registry, StaticLinkKeepsEveryBuiltinOperator) {
  const std::vector<std::string> builtins = {
      "BooleanMask",         "BooleanMaskGradient",  "BooleanMaskLengths",   "BooleanUnmask",
      "SequenceMask",        "GivenTensorFill",      "GivenTensorDoubleFill", "GivenTensorIntFill",
      "GivenTensorInt64Fill", "GivenTensorBoolFill", "GivenTensorStringFill", "ConstantFill",
      "Sum"};
  std::string missing;
  for (const auto& name : builtins) {
    if (!CPUOperatorRegistry()->Has(name)) missing += (missing.empty() ? "" : ", ") + name;
  }
  EXPECT_TRUE(missing.empty()) << "built-in operators missing from the registry: " << missing;
}

// ---- creation checks ----

TEST(CreateOperator, WrongCountsRejectedBeforeTheConstructor) {
  Workspace ws;
  Feed(&ws, "a", {1});
  Feed(&ws, "b", {2});
  Feed(&ws, "c", {3});
  g_add_constructed = 0;
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a"}, {"z"}), &ws); },
                        {"cannot create operator CoreTestAdd (a -> z)", "takes 2 input(s), but the def has 1"});
  ExpectThrowContaining(
      [&] { CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b", "c"}, {"z"}), &ws); },
      {"takes 2 input(s), but the def has 3"});
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {}), &ws); },
                        {"takes 1 output(s), but the def has 0"});
  EXPECT_EQ(g_add_constructed, 0);
  EXPECT_FALSE(ws.HasBlob("z"));  // nothing was bound either

  auto op = CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"z"}), &ws);
  EXPECT_EQ(g_add_constructed, 1);
  EXPECT_TRUE(op->Run());
  EXPECT_EQ(BlobGetTensor(*ws.GetBlob("z")).data<float>()[0], 3.0f);
  EXPECT_EQ(op->InputSize(), 2);
  EXPECT_EQ(op->OutputSize(), 1);
  EXPECT_EQ(op->type(), "CoreTestAdd");
  EXPECT_EQ(op->DescribeInput(1), "input 1 'Y' (blob 'b')");
  EXPECT_FALSE(op->IsInputOutputAlias(0, 0));
}

TEST(CreateOperator, OtherCountForms) {
  Workspace ws;
  for (const char* name : {"a", "b", "c", "d"}) Feed(&ws, name, {1});
  auto problems = [](const OperatorDef& def) { return OperatorDefProblems(def); };
  EXPECT_TRUE(problems(CreateOperatorDef("CoreTestSetCounts", "", {"a"}, {"x"})).empty());
  EXPECT_TRUE(problems(CreateOperatorDef("CoreTestSetCounts", "", {"a", "b", "c"}, {"x", "y"})).empty());
  ExpectThrowContaining(
      [&] { CreateOperator(CreateOperatorDef("CoreTestSetCounts", "", {"a", "b"}, {"x", "y", "z"}), &ws); },
      {"takes one of {1, 3} input(s), but the def has 2", "takes 1 to 2 output(s), but the def has 3"});
  EXPECT_TRUE(problems(CreateOperatorDef("CoreTestPredicate", "", {"a", "b"}, {"x"})).empty());
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("CoreTestPredicate", "", {"a"}, {}), &ws); },
                        {"takes as documented input(s), but the def has 1"});
  ExpectThrowContaining(
      [&] { CreateOperator(CreateOperatorDef("CoreTestPredicate", "", {"a", "b"}, {"x", "y"}), &ws); },
      {"does not take 2 input(s) with 2 output(s)"});
  // No schema: anything goes.
  EXPECT_TRUE(problems(CreateOperatorDef("CoreTestNoSchema", "", {"a", "b", "c"}, {})).empty());
}

TEST(CreateOperator, UnknownTypeListsCloseNames) {
  Workspace ws;
  Feed(&ws, "a", {1});
  Feed(&ws, "b", {1});
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("CoreTestAdf", "", {"a", "b"}, {"z"}), &ws); },
                        {"operator type 'CoreTestAdf' is not registered", "did you mean", "CoreTestAdd"});
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("coretestdispatch", "", {"a"}, {"z"}), &ws); },
                        {"CoreTestDispatch"});
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("", "", {"a"}, {"z"}), &ws); }, {"has no type"});
  // No close name: no suggestion.
  try {
    CreateOperator(CreateOperatorDef("QQQQQQQQQQQQQQQQQQQQQQQQQ", "", {}, {}), &ws);
    FAIL();
  } catch (const EnforceNotMet& e) {
    EXPECT_EQ(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(ws.HasBlob("z"));
}

TEST(CreateOperator, InPlaceRules) {
  Workspace ws;
  Feed(&ws, "a", {1});
  Feed(&ws, "b", {2});
  // Allowed pair (0, 0).
  EXPECT_NO_THROW(CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"a"}), &ws));
  // Not allowed: input 1 into output 0.
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"b"}), &ws); },
                        {"CoreTestAdd cannot run in place: input 1 and output 0 are both blob 'b'"});
  // Default: in-place not allowed.
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("CoreTestDispatch", "", {"a"}, {"a"}), &ws); },
                        {"cannot run in place: input 0 and output 0"});
  EXPECT_NO_THROW(CreateOperator(CreateOperatorDef("CoreTestNotInplace", "", {"a", "b"}, {"x", "b"}), &ws));
  ExpectThrowContaining(
      [&] { CreateOperator(CreateOperatorDef("CoreTestNotInplace", "", {"a", "b"}, {"a", "y"}), &ws); },
      {"input 0 and output 0"});
  auto op = CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"a"}), &ws);
  EXPECT_TRUE(op->IsInputOutputAlias(0, 0));
  op->Run();
  EXPECT_EQ(BlobGetTensor(*ws.GetBlob("a")).data<float>()[0], 3.0f);
}

TEST(CreateOperator, DuplicateAndRequiredArguments) {
  Workspace ws;
  Feed(&ws, "a", {1});
  Feed(&ws, "b", {1});
  OperatorDef def = CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"z"});
  *def.add_arg() = MakeArgument("unused", 1);
  *def.add_arg() = MakeArgument("unused", 2);
  ExpectThrowContaining([&] { CreateOperator(def, &ws); }, {"has argument 'unused' more than once"});
  ExpectThrowContaining([&] { CreateOperator(CreateOperatorDef("CoreTestRequired", "", {}, {}), &ws); },
                        {"CoreTestRequired needs argument 'k'", "(int) the k"});
  EXPECT_NO_THROW(CreateOperator(CreateOperatorDef("CoreTestRequired", "", {}, {}, {MakeArgument("k", 1)}), &ws));
  // Several problems at once.
  OperatorDef many = CreateOperatorDef("CoreTestRequired", "", {"a"}, {"a"});
  try {
    CreateOperator(many, &ws);
    FAIL();
  } catch (const EnforceNotMet& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("takes 0 input(s)"), std::string::npos) << m;
    EXPECT_NE(m.find("takes 0 output(s)"), std::string::npos) << m;
    EXPECT_NE(m.find("cannot run in place"), std::string::npos) << m;
    EXPECT_NE(m.find("needs argument 'k'"), std::string::npos) << m;
  }
  // SetArgument replaces instead of duplicating.
  SetArgument(&def, MakeArgument("unused", 3));
  EXPECT_EQ(def.arg_size(), 2);
  OperatorDef clean = CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"z"});
  SetArgument(&clean, MakeArgument("unused", 1));
  SetArgument(&clean, MakeArgument("unused", 5));
  ASSERT_EQ(clean.arg_size(), 1);
  EXPECT_EQ(clean.arg(0).i(), 5);
}

TEST(CreateOperator, CudaDeviceOptionIsAClearError) {
  Workspace ws;
  Feed(&ws, "a", {1});
  Feed(&ws, "b", {1});
  DeviceOption cuda;
  cuda.set_device_type(PROTO_CUDA);
  g_add_constructed = 0;
  ExpectThrowContaining(
      [&] { CreateOperator(CreateOperatorDef("CoreTestAdd", "add", {"a", "b"}, {"z"}, {}, cuda), &ws); },
      {"CoreTestAdd \"add\"", "PROTO_CUDA", "device_type 1", "CPU only", "set device_type: 0"});
  DeviceOption odd;
  odd.set_device_type(77);
  ExpectThrowContaining(
      [&] { CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"z"}, {}, odd), &ws); },
      {"device type 77"});
  EXPECT_EQ(g_add_constructed, 0);
  DeviceOption cpu;
  cpu.set_device_type(PROTO_CPU);
  cpu.set_random_seed(3);
  EXPECT_NO_THROW(CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"z"}, {}, cpu), &ws));
}

TEST(CreateOperator, MissingInputBlobNamed) {
  Workspace ws;
  Feed(&ws, "a", {1});
  ExpectThrowContaining(
      [&] { CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "ghost"}, {"z"}), &ws, 4); },
      {"input 1 is blob 'ghost'", "not in the workspace", "while creating operator #4 CoreTestAdd"});
}

// ---- Operator::Run error context ----

TEST(OperatorRun, ErrorContextNamesTypeNameAndPosition) {
  Workspace ws;
  Feed(&ws, "x", {1});
  auto op = CreateOperator(CreateOperatorDef("CoreTestThrow", "thrower", {"x"}, {"y"}), &ws, 3);
  try {
    op->Run();
    FAIL();
  } catch (const EnforceNotMet& e) {
    EXPECT_EQ(e.msg(), "planned failure (1 vs. 2)");
    ASSERT_EQ(e.context().size(), 1u);
    EXPECT_EQ(e.context()[0], "while running operator #3 CoreTestThrow \"thrower\" (x -> y)");
  }
  // Alone (not in a net): no position.
  auto alone = CreateOperator(CreateOperatorDef("CoreTestThrow", "", {}, {}), &ws);
  ExpectThrowContaining([&] { alone->Run(); }, {"while running operator CoreTestThrow ( -> )"});
}

TEST(OperatorRun, OtherStdExceptionsAreWrapped) {
  Workspace ws;
  auto op = CreateOperator(CreateOperatorDef("CoreTestThrow", "t", {}, {}, {MakeArgument("mode", "std")}), &ws, 0);
  try {
    op->Run();
    FAIL();
  } catch (const EnforceNotMet& e) {
    EXPECT_NE(e.msg().find("unexpected error: vector index 9 out of range"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("while running operator #0 CoreTestThrow \"t\""), std::string::npos);
  } catch (...) {
    FAIL() << "not wrapped in EnforceNotMet";
  }
  auto returns_false =
      CreateOperator(CreateOperatorDef("CoreTestThrow", "", {}, {}, {MakeArgument("mode", "false")}), &ws);
  ExpectThrowContaining([&] { returns_false->Run(); }, {"RunOnDevice returned false", "CoreTestThrow"});
}

TEST(OperatorRun, InputThatIsNotATensor) {
  Workspace ws;
  *ws.CreateBlob("a")->GetMutable<int>() = 1;
  Feed(&ws, "b", {1});
  auto op = CreateOperator(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"z"}), &ws);
  ExpectThrowContaining([&] { op->Run(); }, {"input 0 'X' (blob 'a') holds int32, not a tensor"});
}

// ---- DispatchHelper ----

TEST(Dispatch, ChoosesTheInputsDtype) {
  Workspace ws;
  FeedTyped<float>(&ws, "f", 2);
  FeedTyped<double>(&ws, "d", 2);
  FeedTyped<int32_t>(&ws, "i", 2);
  FeedTyped<std::string>(&ws, "s", 2);
  FeedTyped<float16>(&ws, "h", 2);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"f", "float"}, {"d", "double"}, {"i", "int32"}, {"s", "string"}, {"h", "float16"}};
  for (const auto& [blob, dtype] : cases) {
    g_dispatched.clear();
    ws.RunOperatorOnce(CreateOperatorDef("CoreTestDispatch", "", {blob}, {"out_" + blob}));
    EXPECT_EQ(g_dispatched, dtype);
    EXPECT_EQ(BlobGetTensor(*ws.GetBlob("out_" + blob)).dtype().name(), dtype);
  }
}

TEST(Dispatch, UnsupportedDtypeNamesItAndTheAcceptedList) {
  Workspace ws;
  FeedTyped<int64_t>(&ws, "l", 2);
  FeedTyped<bool>(&ws, "b", 2);
  g_dispatched.clear();
  ExpectThrowContaining(
      [&] { ws.RunOperatorOnce(CreateOperatorDef("CoreTestDispatch", "", {"l"}, {"o"})); },
      {"dtype int64 is not supported here; accepted dtypes: float, double, int32, string, float16",
       "CoreTestDispatch"});
  ExpectThrowContaining([&] { ws.RunOperatorOnce(CreateOperatorDef("CoreTestDispatch", "", {"b"}, {"o"})); },
                        {"dtype bool is not supported"});
  EXPECT_EQ(g_dispatched, "");
  // An untyped input.
  ws.CreateBlob("u")->GetMutable<Tensor>();
  ExpectThrowContaining([&] { ws.RunOperatorOnce(CreateOperatorDef("CoreTestDispatch", "", {"u"}, {"o"})); },
                        {"dtype (no type) is not supported"});
}

// ---- argument parsing ----

OperatorDef DefWithArgs(const std::vector<Argument>& args) {
  OperatorDef def;
  def.set_type("Whatever");
  for (const auto& a : args) *def.add_arg() = a;
  return def;
}

TEST(Arguments, EveryKindRoundTrips) {
  NetDef inner;
  inner.set_name("inner");
  TensorProto tensor;
  tensor.add_dims(3);
  tensor.set_name("t0");
  const OperatorDef def = DefWithArgs({
      MakeArgument("f", 0.5f),
      MakeArgument("d", 0.25),
      MakeArgument("i", 7),
      MakeArgument("i64", int64_t{1} << 40),
      MakeArgument("neg", -3),
      MakeArgument("b", true),
      MakeArgument("s", std::string("text")),
      MakeArgument("cs", "c-string"),
      MakeArgument("floats", std::vector<float>{1.5f, -2}),
      MakeArgument("ints", std::vector<int64_t>{1, -2, 3}),
      MakeArgument("strings", std::vector<std::string>{"a", "b"}),
      MakeArgument("n", inner),
      MakeArgument("t", tensor),
      MakeArgument("nets", std::vector<NetDef>{inner, inner}),
      MakeArgument("tensors", std::vector<TensorProto>{tensor}),
      MakeArgument("size", size_t{9}),
  });
  ArgumentHelper args(def);
  EXPECT_EQ(args.GetSingleArgument<float>("f", 0), 0.5f);
  EXPECT_EQ(args.GetSingleArgument<double>("f", 0), 0.5);
  EXPECT_EQ(args.GetSingleArgument<double>("d", 0), 0.25);
  EXPECT_EQ(args.GetSingleArgument<int>("i", 0), 7);
  EXPECT_EQ(args.GetSingleArgument<int64_t>("i64", 0), int64_t{1} << 40);
  EXPECT_EQ(args.GetSingleArgument<bool>("b", false), true);
  EXPECT_EQ(args.GetSingleArgument<std::string>("s", ""), "text");
  EXPECT_EQ(args.GetSingleArgument<std::string>("cs", ""), "c-string");
  EXPECT_EQ(args.GetRepeatedArgument<float>("floats"), (std::vector<float>{1.5f, -2}));
  EXPECT_EQ(args.GetRepeatedArgument<double>("floats"), (std::vector<double>{1.5, -2}));
  EXPECT_EQ(args.GetRepeatedArgument<int>("ints"), (std::vector<int>{1, -2, 3}));
  EXPECT_EQ(args.GetRepeatedArgument<int64_t>("ints"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(args.GetRepeatedArgument<std::string>("strings"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(args.GetSingleArgument<NetDef>("n", NetDef()).name(), "inner");
  EXPECT_EQ(args.GetSingleArgument<TensorProto>("t", TensorProto()).name(), "t0");
  EXPECT_EQ(args.GetRepeatedArgument<NetDef>("nets").size(), 2u);
  EXPECT_EQ(args.GetRepeatedArgument<TensorProto>("tensors")[0].dims(0), 3);
  EXPECT_EQ(args.GetSingleArgument<size_t>("size", 0), 9u);
  // Absent: the default.
  EXPECT_EQ(args.GetSingleArgument<int>("absent", 42), 42);
  EXPECT_EQ(args.GetRepeatedArgument<int>("absent", {4, 2}), (std::vector<int>{4, 2}));
  EXPECT_TRUE(args.HasArgument("f"));
  EXPECT_FALSE(args.HasArgument("absent"));
  EXPECT_TRUE(args.HasSingleArgumentOfType<float>("f"));
  EXPECT_FALSE(args.HasSingleArgumentOfType<int>("f"));
  EXPECT_TRUE(args.HasSingleArgumentOfType<std::string>("s"));
  EXPECT_FALSE(args.HasSingleArgumentOfType<std::string>("absent"));
  EXPECT_EQ((ArgumentHelper::GetSingleArgument<OperatorDef, int>(def, "i", 0)), 7);
}

// Regression: negative integers were converted to uint64 for the range check and refused.
TEST(Arguments, NegativeIntegersAreAccepted) {
  const OperatorDef def = DefWithArgs({MakeArgument("axis", -1), MakeArgument("big", int64_t{-5000000000}),
                                       MakeArgument("list", std::vector<int>{-1, -128})});
  ArgumentHelper args(def);
  EXPECT_EQ(args.GetSingleArgument<int>("axis", 0), -1);
  EXPECT_EQ(args.GetSingleArgument<int8_t>("axis", 0), -1);
  EXPECT_EQ(args.GetSingleArgument<int16_t>("axis", 0), -1);
  EXPECT_EQ(args.GetSingleArgument<int64_t>("axis", 0), -1);
  EXPECT_EQ(args.GetSingleArgument<int64_t>("big", 0), -5000000000);
  EXPECT_EQ(args.GetRepeatedArgument<int8_t>("list"), (std::vector<int8_t>{-1, -128}));
}

TEST(Arguments, IntegerRangeNarrowingErrors) {
  const OperatorDef def = DefWithArgs({MakeArgument("v300", 300), MakeArgument("neg", -1),
                                       MakeArgument("huge", int64_t{1} << 40),
                                       MakeArgument("list", std::vector<int64_t>{1, 70000})});
  ArgumentHelper args(def);
  ExpectThrowContaining([&] { args.GetSingleArgument<int8_t>("v300", 0); },
                        {"argument 'v300' value 300 does not fit 8-bit signed integer"});
  ExpectThrowContaining([&] { args.GetSingleArgument<uint8_t>("v300", 0); },
                        {"value 300 does not fit 8-bit unsigned integer"});
  EXPECT_EQ(args.GetSingleArgument<int16_t>("v300", 0), 300);
  ExpectThrowContaining([&] { args.GetSingleArgument<uint16_t>("neg", 0); },
                        {"argument 'neg' value -1 does not fit 16-bit unsigned integer"});
  ExpectThrowContaining([&] { args.GetSingleArgument<size_t>("neg", 0); }, {"value -1 does not fit 64-bit unsigned"});
  ExpectThrowContaining([&] { args.GetSingleArgument<int32_t>("huge", 0); },
                        {"value 1099511627776 does not fit 32-bit signed integer"});
  EXPECT_EQ(args.GetSingleArgument<size_t>("huge", 0), size_t{1} << 40);
  ExpectThrowContaining([&] { args.GetRepeatedArgument<int16_t>("list"); },
                        {"argument 'list' value 70000 does not fit 16-bit"});
  EXPECT_EQ(args.GetRepeatedArgument<int32_t>("list"), (std::vector<int32_t>{1, 70000}));
}

TEST(Arguments, BoolIsZeroOrOne) {
  const OperatorDef def = DefWithArgs({MakeArgument("t", 1), MakeArgument("f", 0), MakeArgument("two", 2),
                                       MakeArgument("bools", std::vector<bool>{true, false, true})});
  ArgumentHelper args(def);
  EXPECT_TRUE(args.GetSingleArgument<bool>("t", false));
  EXPECT_FALSE(args.GetSingleArgument<bool>("f", true));
  ExpectThrowContaining([&] { args.GetSingleArgument<bool>("two", false); },
                        {"argument 'two' is a bool and must be 0 or 1, not 2"});
  const auto bools = args.GetRepeatedArgument<bool>("bools");
  EXPECT_EQ(bools, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(def.arg(3).ints_size(), 3);  // bools travel in ints
}

TEST(Arguments, WrongFieldNamesTheArgument) {
  const OperatorDef def = DefWithArgs({MakeArgument("rate", 0.5f), MakeArgument("count", 3),
                                       MakeArgument("name", "x"), MakeArgument("shape", std::vector<int>{2, 3}),
                                       MakeArgument("scales", std::vector<float>{1.0f})});
  ArgumentHelper args(def);
  ExpectThrowContaining([&] { args.GetSingleArgument<int>("rate", 0); },
                        {"argument 'rate' should hold a single value in field i, but it has f=0.5"});
  ExpectThrowContaining([&] { args.GetSingleArgument<float>("count", 0); },
                        {"argument 'count' should hold a single value in field f, but it has i=3"});
  ExpectThrowContaining([&] { args.GetSingleArgument<int>("name", 0); }, {"'name'", "s=\"x\""});
  ExpectThrowContaining([&] { args.GetSingleArgument<std::string>("count", ""); }, {"field s", "i=3"});
  ExpectThrowContaining([&] { args.GetSingleArgument<int>("shape", 0); },
                        {"argument 'shape' should hold a single value in field i, but it has ints (2 values)"});
  ExpectThrowContaining([&] { args.GetRepeatedArgument<int>("count"); },
                        {"argument 'count' should hold a list in field ints, but it has i=3"});
  ExpectThrowContaining([&] { args.GetRepeatedArgument<int>("scales"); },
                        {"argument 'scales' should hold a list in field ints, but it has floats (1 values)"});
  ExpectThrowContaining([&] { args.GetRepeatedArgument<std::string>("shape"); }, {"field strings"});
  ExpectThrowContaining([&] { args.GetSingleArgument<NetDef>("count", NetDef()); }, {"field n"});
  ExpectThrowContaining([&] { args.GetSingleArgument<TensorProto>("count", TensorProto()); }, {"field t"});
}

TEST(Arguments, EmptyListAndDuplicates) {
  Argument empty;
  empty.set_name("values");  // a list with no element has no field set
  const OperatorDef def = DefWithArgs({empty, MakeArgument("also_empty", std::vector<int>{})});
  ArgumentHelper args(def);
  EXPECT_TRUE(args.GetRepeatedArgument<int>("values", {9}).empty());
  EXPECT_TRUE(args.GetRepeatedArgument<float>("values", {9}).empty());
  EXPECT_TRUE(args.GetRepeatedArgument<std::string>("values", {"z"}).empty());
  EXPECT_TRUE(args.GetRepeatedArgument<int64_t>("also_empty", {9}).empty());
  ExpectThrowContaining([&] { args.GetSingleArgument<int>("values", 0); }, {"'values'", "has no value"});

  const OperatorDef dup = DefWithArgs({MakeArgument("a", 1), MakeArgument("a", 2)});
  ExpectThrowContaining([&] { ArgumentHelper helper(dup); }, {"argument 'a' is given more than once"});
}

TEST(Arguments, ThroughTheOperator) {
  Workspace ws;
  Feed(&ws, "a", {1});
  Feed(&ws, "b", {1});
  auto op = CreateOperator(
      CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"z"}, {MakeArgument("unused", -4)}), &ws);
  EXPECT_TRUE(op->HasArgument("unused"));
  EXPECT_EQ(op->GetSingleArgument<int>("unused", 0), -4);
  EXPECT_TRUE(op->HasSingleArgumentOfType<int>("unused"));
  EXPECT_EQ(op->GetRepeatedArgument<int>("absent", {1}), std::vector<int>{1});
  EXPECT_EQ(op->debug_def().arg_size(), 1);
}

// ---- schema documentation and shape inference ----

TEST(Schema, DocumentationAndInference) {
  const OpSchema* schema = OpSchemaRegistry::Schema("CoreTestAdd");
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(OpSchemaRegistry::Schema("CoreTestNoSchema"), nullptr);
  EXPECT_EQ(schema->Summary(), "Adds two tensors.");
  EXPECT_EQ(schema->InputCountText(), "2");
  EXPECT_EQ(schema->OutputCountText(), "1");
  const std::string text = schema->Describe();
  EXPECT_NE(text.find("Inputs (2):"), std::string::npos) << text;
  EXPECT_NE(text.find("1 Y: second"), std::string::npos) << text;
  EXPECT_NE(text.find("unused: (int, default 0) nothing"), std::string::npos) << text;
  EXPECT_NE(text.find("core_registry_test.cc"), std::string::npos) << text;
  const auto names = OpSchemaRegistry::Names();
  EXPECT_NE(std::find(names.begin(), names.end(), "CoreTestAdd"), names.end());

  TensorShape x;
  x.add_dims(2);
  x.add_dims(5);
  x.set_data_type(TensorProto::DOUBLE);
  TensorShape y;
  const auto out = schema->InferTensor(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"z"}), {x, y});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dims_size(), 2);
  EXPECT_EQ(out[0].dims(1), 5);
  EXPECT_EQ(out[0].data_type(), TensorProto::DOUBLE);
  // No inference function: unknown shapes, one per output.
  const auto unknown = OpSchemaRegistry::Schema("CoreTestSetCounts")
                           ->InferTensor(CreateOperatorDef("CoreTestSetCounts", "", {"a"}, {"x", "y"}), {x});
  ASSERT_EQ(unknown.size(), 2u);
  EXPECT_TRUE(unknown[0].unknown_shape());
  EXPECT_FALSE(OpSchemaRegistry::Schema("CoreTestSetCounts")->has_shape_inference());
  ExpectThrowContaining([&] { schema->EnforceValid(CreateOperatorDef("CoreTestAdd", "", {"a"}, {})); },
                        {"takes 2 input(s)", "; ", "takes 1 output(s)"});
  EXPECT_TRUE(schema->Verify(CreateOperatorDef("CoreTestAdd", "", {"a", "b"}, {"c"})));
}

TEST(Summary, OperatorSummaryFormat) {
  EXPECT_EQ(OperatorSummary(CreateOperatorDef("T", "n", {"a", "b"}, {"c"})), "T \"n\" (a, b -> c)");
  EXPECT_EQ(OperatorSummary(CreateOperatorDef("T", "", {}, {"c"})), "T ( -> c)");
  EXPECT_EQ(OperatorSummary(OperatorDef()), "(no type) ( -> )");
}

}  // namespace
}  // namespace caffe2
