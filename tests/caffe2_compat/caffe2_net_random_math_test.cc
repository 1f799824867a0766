// Caffe2 API that Caffe2 code calls around operators rather than inside them: NetBase::TEST_Benchmark,
// CPUContext::RandGenerator()/RandSeed(), math::RandUniform and math::Transpose, TypeMetaToDataType
// returning the TensorProto_DataType enum, and the _WITH_CALLER checks recording their caller. Written
// with Caffe2's header paths and spellings only; each expectation is Caffe2's behaviour.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <type_traits>

#include "caffe2/core/context.h"
#include "caffe2/core/logging.h"
#include "caffe2/core/net.h"
#include "caffe2/core/operator.h"
#include "caffe2/core/types.h"
#include "caffe2/core/workspace.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2/utils/math.h"
#include "caffe2/utils/proto_utils.h"

namespace caffe2 {

struct NoProtoType {
  int x = 0;
};

namespace {

// Counts its runs and, with sleep_us, takes at least that long.
int benchmark_runs = 0;
template <class Context>
class BenchmarkCountOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  BenchmarkCountOp(const OperatorDef& def, Workspace* ws)
      : Operator<Context>(def, ws), OP_SINGLE_ARG(int, "sleep_us", sleep_us_, 0) {}
  bool RunOnDevice() override {
    ++benchmark_runs;
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    return true;
  }

 private:
  int sleep_us_;
};
REGISTER_CPU_OPERATOR(BenchmarkCount, BenchmarkCountOp<CPUContext>);
OPERATOR_SCHEMA(BenchmarkCount).NumInputs(0).NumOutputs(0);

// Reads input 1 as float, then checks its own condition with CAFFE_ENFORCE_WITH_CALLER.
template <class Context>
class CallerCheckOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  USE_SIMPLE_CTOR_DTOR(CallerCheckOp)
  bool RunOnDevice() override {
    if (this->template GetSingleArgument<bool>("read_output", false)) {
      Output(0)->template data<float>();  // never written: the output tensor's own check fails
    }
    Input(1).template data<float>();
    CAFFE_ENFORCE_WITH_CALLER(Input(0).numel() == 1, "CallerCheck wants one element");
    return true;
  }
};
REGISTER_CPU_OPERATOR(CallerCheck, CallerCheckOp<CPUContext>);
OPERATOR_SCHEMA(CallerCheck).NumInputs(2).NumOutputs(1);

// Draws from its context's generator.
template <class Context>
class DrawUniformOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  USE_SIMPLE_CTOR_DTOR(DrawUniformOp)
  bool RunOnDevice() override {
    auto* y = Output(0, {4}, at::dtype<float>());
    math::RandUniform<float, Context>(4, 0.0f, 1.0f, y->template mutable_data<float>(), &context_);
    return true;
  }
};
REGISTER_CPU_OPERATOR(DrawUniform, DrawUniformOp<CPUContext>);
OPERATOR_SCHEMA(DrawUniform).NumInputs(0).NumOutputs(1);

class Checker {
 public:
  void Equal(int a, int b) { CAFFE_ENFORCE_EQ_WITH_CALLER(a, b, "lengths"); }
  void Less(int a, int b) { CAFFE_ENFORCE_LT_WITH_CALLER(a, b); }
  void True(bool condition) { CAFFE_ENFORCE_WITH_CALLER(condition, "flag ", 3); }
};

template <typename F>
c10::Error Caught(F f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error was thrown";
  return c10::Error(__FILE__, __LINE__, "", "nothing thrown");
}

NetDef BenchmarkNet() {
  NetDef net;
  net.set_name("bench");
  *net.add_op() = CreateOperatorDef("BenchmarkCount", "slow", {}, {}, {MakeArgument<int>("sleep_us", 2000)});
  *net.add_op() = CreateOperatorDef("BenchmarkCount", "", {}, {});
  return net;
}

TEST(NetBenchmarkTest, TimesTheNetAndEachOperator) {
  Workspace ws;
  NetBase* net = ws.CreateNet(BenchmarkNet());
  ASSERT_NE(net, nullptr);
  benchmark_runs = 0;
  const vector<float> times = net->TEST_Benchmark(2, 3, true);
  // Each operator runs once per warm-up run, once per main run, and once per main run on its own.
  EXPECT_EQ(benchmark_runs, 2 * (2 + 3 + 3));
  ASSERT_EQ(times.size(), 3u);
  EXPECT_GE(times[0], 2.0f);  // ms per net run: the 2 ms operator is in it
  EXPECT_GE(times[1], 2.0f);  // ms per run of operator #0
  EXPECT_LT(times[2], times[1]);
  EXPECT_GE(times[2], 0.0f);
}

TEST(NetBenchmarkTest, WithoutRunIndividualOperatorTimesAreZero) {
  Workspace ws;
  NetBase* net = ws.CreateNet(BenchmarkNet());
  benchmark_runs = 0;
  const vector<float> times = net->TEST_Benchmark(0, 2, false);
  EXPECT_EQ(benchmark_runs, 2 * 2);
  ASSERT_EQ(times.size(), 3u);
  EXPECT_GE(times[0], 2.0f);
  EXPECT_EQ(times[1], 0.0f);
  EXPECT_EQ(times[2], 0.0f);
}

TEST(NetBenchmarkTest, BadRunCountsAreErrorsNamingTheNet) {
  Workspace ws;
  NetBase* net = ws.CreateNet(BenchmarkNet());
  const string negative = Caught([&] { net->TEST_Benchmark(-1, 1, false); }).what();
  EXPECT_NE(negative.find("warmup_runs"), string::npos) << negative;
  EXPECT_NE(negative.find("bench"), string::npos) << negative;
  const string zero = Caught([&] { net->TEST_Benchmark(0, 0, false); }).what();
  EXPECT_NE(zero.find("main_runs"), string::npos) << zero;
}

TEST(CPUContextRandomTest, SeededContextsDrawMt19937Sequences) {
  static_assert(std::is_same<CPUContext::rand_gen_type, std::mt19937>::value, "Caffe2's generator type");
  static_assert(std::is_same<decltype(std::declval<CPUContext&>().RandGenerator()), std::mt19937&>::value,
                "RandGenerator() returns the generator by reference");
  DeviceOption option;
  option.set_random_seed(1234);
  CPUContext a(option);
  CPUContext b(option);
  EXPECT_EQ(a.RandSeed(), 1234u);
  std::mt19937 reference(1234);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.RandGenerator()(), reference());
  EXPECT_EQ(&a.RandGenerator(), &a.RandGenerator());  // one generator per context, its state advancing
  EXPECT_EQ(b.RandGenerator()(), std::mt19937(1234)());
}

TEST(CPUContextRandomTest, UnseededContextsDiffer) {
  CPUContext a;
  CPUContext b;
  EXPECT_NE(a.RandSeed(), b.RandSeed());
  EXPECT_EQ(a.RandSeed(), a.RandSeed());
  DeviceOption no_seed;
  CPUContext c(no_seed);
  CPUContext d(no_seed);
  EXPECT_NE(c.RandGenerator()(), d.RandGenerator()());
}

TEST(CPUContextRandomTest, OperatorsGetTheDefsRandomSeed) {
  OperatorDef def = CreateOperatorDef("DrawUniform", "", {}, {"y"});
  def.mutable_device_option()->set_random_seed(99);
  Workspace ws;
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  const vector<float> first(ws.GetBlob("y")->Get<Tensor>().data<float>(), ws.GetBlob("y")->Get<Tensor>().data<float>() + 4);
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  const float* again = ws.GetBlob("y")->Get<Tensor>().data<float>();
  std::mt19937 reference(99);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(first[i], again[i]);
    EXPECT_EQ(first[i], uniform(reference));
  }
}

TEST(MathRandUniformTest, RealAndIntegerRanges) {
  DeviceOption option;
  option.set_random_seed(5);
  CPUContext context(option);
  vector<double> real(1000);
  math::RandUniform<double, CPUContext>(real.size(), -2.0, 3.0, real.data(), &context);
  std::mt19937 reference(5);
  std::uniform_real_distribution<double> expected(-2.0, 3.0);
  for (double v : real) {
    EXPECT_GE(v, -2.0);
    EXPECT_LT(v, 3.0);
    EXPECT_EQ(v, expected(reference));
  }
  vector<int> ints(2000);
  math::RandUniform<int, CPUContext>(ints.size(), 1, 4, ints.data(), &context);
  vector<int> seen(6, 0);
  for (int v : ints) {
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 4);  // both ends included for integers
    ++seen[v];
  }
  EXPECT_GT(seen[1], 0);
  EXPECT_GT(seen[4], 0);
  vector<int64_t> one(3);
  math::RandUniform<int64_t, CPUContext>(one.size(), 7, 7, one.data(), &context);
  EXPECT_EQ(one, (vector<int64_t>{7, 7, 7}));
  const string error = Caught([&] { math::RandUniform<float, CPUContext>(1, 2.0f, 1.0f, nullptr, &context); }).what();
  EXPECT_NE(error.find("(2 vs. 1)"), string::npos) << error;
}

TEST(MathTransposeTest, PermutesAxesAsCaffe2) {
  CPUContext context;
  const int dims[] = {2, 3, 4};
  const int axes[] = {2, 0, 1};
  vector<float> x(24);
  for (int i = 0; i < 24; ++i) x[i] = static_cast<float>(i);
  vector<float> y(24, -1.0f);
  math::Transpose<int, float, CPUContext>(3, dims, axes, x.data(), y.data(), &context);
  // Y has dims [4, 2, 3]: Y[k][i][j] = X[i][j][k].
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 3; ++j) EXPECT_EQ(y[(k * 2 + i) * 3 + j], x[(i * 3 + j) * 4 + k]) << k << i << j;
    }
  }
  // int64 dims (the last generation's TIndex) and the earlier Transpose<T, Context> give the same.
  const int64_t dims64[] = {2, 3, 4};
  vector<float> y64(24, -1.0f), y_old(24, -1.0f);
  math::Transpose(3, dims64, axes, x.data(), y64.data(), &context);
  math::Transpose<float, CPUContext>(3, dims, axes, x.data(), y_old.data(), &context);
  EXPECT_EQ(y64, y);
  EXPECT_EQ(y_old, y);
  // A 2-D transpose of strings, and the identity permutation.
  const int d2[] = {2, 2};
  const int swap[] = {1, 0};
  const string s[] = {"a", "b", "c", "d"};
  string t[4];
  math::Transpose(2, d2, swap, s, t, &context);
  EXPECT_EQ(t[1], "c");
  EXPECT_EQ(t[2], "b");
  const int same[] = {0, 1, 2};
  math::Transpose(3, dims, same, x.data(), y.data(), &context);
  EXPECT_EQ(y, x);
}

TEST(MathTransposeTest, AxesThatAreNotAPermutationFailBeforeWriting) {
  CPUContext context;
  const int dims[] = {2, 3};
  const int repeated[] = {1, 1};
  const float x[] = {1, 2, 3, 4, 5, 6};
  float y[6] = {-7, -7, -7, -7, -7, -7};
  const string error = Caught([&] { math::Transpose(2, dims, repeated, x, y, &context); }).what();
  EXPECT_NE(error.find("axes[1] = 1"), string::npos) << error;
  for (float v : y) EXPECT_EQ(v, -7.0f);
}

TEST(TypeMetaToDataTypeTest, ReturnsTheEnumAndUndefinedForOtherTypes) {
  static_assert(std::is_same<decltype(TypeMetaToDataType(TypeMeta::Make<float>())), TensorProto_DataType>::value,
                "Caffe2 returns the enum");
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<float>()), TensorProto_DataType_FLOAT);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<double>()), TensorProto_DataType_DOUBLE);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<at::Half>()), TensorProto_DataType_FLOAT16);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<int>()), TensorProto_DataType_INT32);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<int64_t>()), TensorProto_DataType_INT64);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<int16_t>()), TensorProto_DataType_INT16);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<int8_t>()), TensorProto_DataType_INT8);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<uint16_t>()), TensorProto_DataType_UINT16);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<uint8_t>()), TensorProto_DataType_UINT8);  // never BYTE
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<bool>()), TensorProto_DataType_BOOL);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<string>()), TensorProto_DataType_STRING);
  // No throw for a type without a TensorProto data type, as in Caffe2.
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<uint32_t>()), TensorProto_DataType_UNDEFINED);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta::Make<NoProtoType>()), TensorProto_DataType_UNDEFINED);
  EXPECT_EQ(TypeMetaToDataType(TypeMeta()), TensorProto_DataType_UNDEFINED);
  for (const auto dt : {TensorProto_DataType_FLOAT, TensorProto_DataType_INT64, TensorProto_DataType_STRING}) {
    EXPECT_EQ(TypeMetaToDataType(DataTypeToTypeMeta(dt)), dt);
  }
  TensorShape shape;
  shape.set_data_type(TypeMetaToDataType(TypeMeta::Make<int>()));  // the proto setter takes the enum
  EXPECT_EQ(shape.data_type(), TensorProto::INT32);
}

TEST(EnforceWithCallerTest, RecordsTheCallingObject) {
  Checker checker;
  const c10::Error equal = Caught([&] { checker.Equal(3, 4); });
  EXPECT_EQ(equal.caller(), &checker);
  EXPECT_NE(string(equal.what()).find("a == b"), string::npos) << equal.what();
  EXPECT_NE(string(equal.what()).find("lengths (3 vs. 4)"), string::npos) << equal.what();
  EXPECT_EQ(Caught([&] { checker.Less(4, 4); }).caller(), &checker);
  const c10::Error condition = Caught([&] { checker.True(false); });
  EXPECT_EQ(condition.caller(), &checker);
  EXPECT_NE(string(condition.what()).find("flag 3"), string::npos) << condition.what();
  EXPECT_NO_THROW(checker.Equal(2, 2));
  // The plain forms record no caller.
  EXPECT_EQ(Caught([] { CAFFE_ENFORCE_EQ(1, 2); }).caller(), nullptr);
  EXPECT_EQ(Caught([] { CAFFE_ENFORCE(false); }).caller(), nullptr);
}

void FeedFloat(Workspace* ws, const string& name, int n) {
  auto* t = BlobGetMutableTensor(ws->CreateBlob(name), CPU);
  t->Resize(n);
  t->mutable_data<float>();
}

TEST(EnforceWithCallerTest, OperatorNamesTheBlobWhoseTensorFailed) {
  Workspace ws;
  FeedFloat(&ws, "x", 1);
  auto* lengths = BlobGetMutableTensor(ws.CreateBlob("lengths"), CPU);
  lengths->Resize(2);
  lengths->mutable_data<int>();
  // Input 1 holds int, the operator reads float: the tensor's check names itself, Run names the blob.
  const string input = Caught([&] { ws.RunOperatorOnce(CreateOperatorDef("CallerCheck", "", {"x", "lengths"}, {"y"})); }).what();
  EXPECT_NE(input.find("while accessing input: lengths"), string::npos) << input;
  EXPECT_EQ(input.find("while accessing input: x"), string::npos) << input;

  FeedFloat(&ws, "ok", 2);
  const string output = Caught([&] {
    ws.RunOperatorOnce(CreateOperatorDef("CallerCheck", "", {"x", "ok"}, {"fresh"}, {MakeArgument<bool>("read_output", true)}));
  }).what();
  EXPECT_NE(output.find("while accessing output: fresh"), string::npos) << output;

  // The operator as caller is no blob's content: no blob is named.
  FeedFloat(&ws, "two", 2);
  const string own = Caught([&] { ws.RunOperatorOnce(CreateOperatorDef("CallerCheck", "", {"two", "ok"}, {"y"})); }).what();
  EXPECT_NE(own.find("CallerCheck wants one element"), string::npos) << own;
  EXPECT_EQ(own.find("while accessing"), string::npos) << own;
}

}  // namespace
}  // namespace caffe2
