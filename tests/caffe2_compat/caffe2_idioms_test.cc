// Caffe2's C++ idioms, written the way Caffe2 code writes them and using only Caffe2's header paths:
// each one compiles here and behaves as in Caffe2.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "c10/util/StringUtil.h"
#include "caffe2/core/blob_serialization.h"
#include "caffe2/core/common.h"
#include "caffe2/core/common_omp.h"
#include "caffe2/core/context.h"
#include "caffe2/core/flags.h"
#include "caffe2/core/init.h"
#include "caffe2/core/logging.h"
#include "caffe2/core/net.h"
#include "caffe2/core/operator.h"
#include "caffe2/core/operator_gradient.h"
#include "caffe2/core/operator_schema.h"
#include "caffe2/core/tensor.h"
#include "caffe2/core/types.h"
#include "caffe2/core/workspace.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2/utils/conversions.h"
#include "caffe2/utils/eigen_utils.h"
#include "caffe2/utils/math.h"
#include "caffe2/utils/proto_utils.h"
#include "caffe2/utils/string_utils.h"

C10_DEFINE_int(caffe2_idioms_repeat, 3, "a flag defined the C10 way");
CAFFE2_DEFINE_string(caffe2_idioms_name, "idioms", "a flag defined the old CAFFE2 way");
C10_DECLARE_int(caffe2_idioms_repeat);

namespace caffe2 {

struct IdiomPayload {
  int value = 0;
};
CAFFE_KNOWN_TYPE(IdiomPayload);

namespace {

// FixedValues + DoRunWithValue<N>, GenericTensorImplementation + DoRunWithOtherType, TensorTypes2,
// OP_SINGLE_ARG, USE_SIMPLE_CTOR_DTOR-free constructors, Output(i, dims, options), Input<T>/Output<T>.
template <class Context>
class IdiomOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  USE_DISPATCH_HELPER;
  IdiomOp(const OperatorDef& operator_def, Workspace* ws)
      : Operator<Context>(operator_def, ws), OP_SINGLE_ARG(int, "unroll", unroll_, 1) {}

  bool RunOnDevice() override {
    return DispatchHelper<TensorTypes<float, int32_t, GenericTensorImplementation>>::call(this, Input(0));
  }

  template <typename T>
  bool DoRunWithType() {
    return DispatchHelper<FixedValues<1, 2>, T>::call(this, unroll_);
  }

  template <typename T, int N>
  bool DoRunWithValue() {
    const auto& X = Input(0);
    auto* Y = Output(0, X.sizes(), at::dtype<T>());
    math::Scale<float, T, Context>(X.numel(), static_cast<float>(N), X.template data<T>(),
                                   Y->template mutable_data<T>(), &context_);
    this->template Output<IdiomPayload>(1)->value = N;
    return true;
  }

  template <typename... Ignored>
  bool DoRunWithOtherType() {
    // Any other dtype: copy through unchanged.
    OutputTensorCopyFrom(0, at::device(Context::GetDeviceType()), Input(0));
    this->template Output<IdiomPayload>(1)->value = 0;
    return true;
  }

 private:
  int unroll_;
};

REGISTER_CPU_OPERATOR(CompatIdiom, IdiomOp<CPUContext>)
OPERATOR_SCHEMA(CompatIdiom).NumInputs(1).NumOutputs(2).IdenticalTypeAndShapeOfInput(0).Private();
NO_GRADIENT(CompatIdiom)

// An engine variant chosen by OperatorDef.engine.
template <class Context>
class IdiomFastOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  USE_SIMPLE_CTOR_DTOR(IdiomFastOp);
  bool RunOnDevice() override {
    auto* Y = Output(0, {1}, at::dtype<int64_t>());
    Y->template mutable_data<int64_t>()[0] = 42;
    this->template Output<IdiomPayload>(1)->value = -1;
    return true;
  }
};
REGISTER_CPU_OPERATOR_WITH_ENGINE(CompatIdiom, FAST, IdiomFastOp<CPUContext>);

// EnforceInplace / ScalarType / CostInferenceFunction / InheritOnnxSchema / fillers.
template <class Context>
class IdiomInplaceOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  USE_SIMPLE_CTOR_DTOR(IdiomInplaceOp);
  bool RunOnDevice() override {
    CAFFE_ENFORCE(IsInputOutputAlias(0, 0), "must run in place");
    auto* Y = Output(0);
    float* y = Y->template mutable_data<float>();
    for (int64_t i = 0; i < Y->numel(); ++i) y[i] += 1.0f;
    return true;
  }
};
REGISTER_CPU_OPERATOR_STR("CompatIdiomInplace", IdiomInplaceOp<CPUContext>);
OPERATOR_SCHEMA(CompatIdiomInplace)
    .NumInputs(1)
    .NumOutputs(1)
    .EnforceOneToOneInplace()
    .ScalarType(TensorProto::INT64)
    .CostInferenceFunction([](const OperatorDef&, const vector<TensorShape>& in) {
      OpSchema::Cost cost;
      cost.flops = nElemFromDim(in[0]);
      cost.bytes_read = cost.bytes_written = cost.flops * sizeof(float);
      return cost;
    })
    .InheritOnnxSchema("Identity")
    .ValueKeyLengthInputFillers(0, 1, 2)
    .DisallowInputFillers();
GRADIENT_NOT_IMPLEMENTED_YET(CompatIdiomInplace);

// A gradient maker using the sparse spellings.
class GetIdiomSparseGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  vector<OperatorDef> GetGradientDefs() override {
    SetSparse(0, GO_I(0), GO_V(0));
    return vector<OperatorDef>();
  }
};
class GetIdiomGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  vector<OperatorDef> GetGradientDefs() override {
    return SingleGradientDef("CompatIdiom", "", vector<string>{GO(0)}, vector<string>{GI(0)},
                             vector<Argument>{MakeArgument<int>("unroll", 2)});
  }
};
REGISTER_GRADIENT(CompatIdiomSparse, GetIdiomSparseGradient);
REGISTER_GRADIENT(CompatIdiomDense, GetIdiomGradient);

void FeedFloat(Workspace* ws, const string& name, const vector<int64_t>& dims, const vector<float>& values) {
  auto* tensor = BlobGetMutableTensor(ws->CreateBlob(name), CPU);
  tensor->Resize(dims);
  float* data = tensor->template mutable_data<float>();
  for (size_t i = 0; i < values.size(); ++i) data[i] = values[i];
}

}  // namespace

TEST(Caffe2IdiomsTest, FixedValuesAndTypedOutputs) {
  Workspace ws;
  FeedFloat(&ws, "X", {2, 2}, {1, 2, 3, 4});
  OperatorDef def = CreateOperatorDef("CompatIdiom", "", vector<string>{"X"}, vector<string>{"Y", "P"},
                                      vector<Argument>{MakeArgument<int>("unroll", 2)});
  unique_ptr<OperatorBase> op(CreateOperator(def, &ws));
  ASSERT_NE(nullptr, op.get());
  EXPECT_TRUE(op->Run());
  const auto& Y = ws.GetBlob("Y")->Get<TensorCPU>();
  EXPECT_EQ(Y.sizes(), (vector<int64_t>{2, 2}));
  EXPECT_FLOAT_EQ(Y.data<float>()[3], 8.0f);
  EXPECT_EQ(ws.GetBlob("P")->Get<IdiomPayload>().value, 2);

  // A value outside FixedValues takes the generic -1 path.
  def.mutable_arg(0)->set_i(7);
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  EXPECT_EQ(ws.GetBlob("P")->Get<IdiomPayload>().value, -1);
  EXPECT_FLOAT_EQ(ws.GetBlob("Y")->Get<TensorCPU>().data<float>()[0], -1.0f);
}

TEST(Caffe2IdiomsTest, GenericTensorImplementationTakesOtherDtypes) {
  Workspace ws;
  auto* X = BlobGetMutableTensor(ws.CreateBlob("X"), CPU);
  X->Resize(vector<int>{3});
  double* x = X->template mutable_data<double>();
  x[0] = 1.5;
  x[1] = 2.5;
  x[2] = 3.5;
  ASSERT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("CompatIdiom", "", {"X"}, {"Y", "P"})));
  const auto& Y = ws.GetBlob("Y")->Get<Tensor>();
  EXPECT_TRUE(Y.IsType<double>());
  EXPECT_EQ(Y.data<double>()[2], 3.5);
  EXPECT_EQ(ws.GetBlob("P")->Get<IdiomPayload>().value, 0);
}

TEST(Caffe2IdiomsTest, EngineRegistrationIsPickedByTheDefsEngine) {
  Workspace ws;
  FeedFloat(&ws, "X", {1}, {5});
  OperatorDef def = CreateOperatorDef("CompatIdiom", "", {"X"}, {"Y", "P"});
  def.set_engine("SLOW,FAST");
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  EXPECT_EQ(ws.GetBlob("Y")->Get<Tensor>().data<int64_t>()[0], 42);
  def.set_engine("NONE");
  ASSERT_TRUE(ws.RunOperatorOnce(def));
  EXPECT_FLOAT_EQ(ws.GetBlob("Y")->Get<Tensor>().data<float>()[0], 5.0f);
}

TEST(Caffe2IdiomsTest, SchemaMetadataAndEnforcedInplace) {
  const OpSchema* schema = OpSchemaRegistry::Schema("CompatIdiomInplace");
  ASSERT_NE(nullptr, schema);
  EXPECT_EQ(schema->onnx_schema(), "Identity");
  EXPECT_TRUE(OpSchemaRegistry::Schema("CompatIdiom")->private_op());
  EXPECT_TRUE(schema->inplace_enforced(0, 0));
  ASSERT_TRUE(schema->HasCostInferenceFunction());
  const auto cost = schema->InferCost(OperatorDef(), {CreateTensorShape(vector<int>{2, 3}, TensorProto::FLOAT)});
  EXPECT_EQ(cost.flops, 6u);
  EXPECT_EQ(cost.bytes_written, 24u);
  const auto out = schema->InferTensor(CreateOperatorDef("CompatIdiomInplace", "", {"X"}, {"X"}), {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data_type(), TensorProto::INT64);
  EXPECT_EQ(out[0].dims_size(), 0);
  const auto devices = schema->InferDevice(CreateOperatorDef("CompatIdiomInplace", "", {"X"}, {"X"}));
  EXPECT_EQ(devices.first.size(), 1u);

  Workspace ws;
  FeedFloat(&ws, "X", {2}, {1, 2});
  EXPECT_TRUE(ws.RunOperatorOnce(CreateOperatorDef("CompatIdiomInplace", "", {"X"}, {"X"})));
  EXPECT_FLOAT_EQ(ws.GetBlob("X")->Get<Tensor>().data<float>()[1], 3.0f);
  try {
    ws.RunOperatorOnce(CreateOperatorDef("CompatIdiomInplace", "", {"X"}, {"Z"}));
    FAIL() << "an enforced in-place operator ran out of place";
  } catch (const EnforceNotMet& e) {
    EXPECT_NE(string(e.what()).find("runs in place only"), string::npos) << e.what();
  }
}

TEST(Caffe2IdiomsTest, GradientMakerSpellings) {
  OperatorDef def = CreateOperatorDef("CompatIdiomSparse", "", {"X"}, {"Y"});
  GradientWrapper sparse;
  sparse.indices_ = "Y_grad_indices";
  sparse.values_ = "Y_grad_values";
  const auto meta = GetGradientForOp(def, {sparse});
  ASSERT_EQ(meta.g_input_.size(), 1u);
  EXPECT_TRUE(meta.g_input_[0].IsSparse());
  EXPECT_EQ(meta.g_input_[0].indices_, "Y_grad_indices");
  EXPECT_EQ(meta.g_input_[0].values_, "Y_grad_values");

  GradientWrapper dense;
  dense.dense_ = "Y_grad";
  EXPECT_THROW(GetGradientForOp(def, {dense}), EnforceNotMet);  // GO_I on a dense gradient

  def.set_type("CompatIdiomDense");
  const auto dense_meta = GetGradientForOp(def, {dense});
  ASSERT_EQ(dense_meta.ops_.size(), 1u);
  EXPECT_EQ(dense_meta.ops_[0].output(0), "X_grad");
  EXPECT_EQ(dense_meta.g_input_[0].dense_, "X_grad");
  EXPECT_EQ(GradientMakerBase::GradientSliceIndices("X"), "X_grad_indices");
  EXPECT_THROW(GetGradientForOp(CreateOperatorDef("CompatIdiomInplace", "", {"X"}, {"X"}), {dense}),
               EnforceNotMet);
}

TEST(Caffe2IdiomsTest, TensorApi) {
  Tensor t(vector<int>{2, 3}, CPU);
  EXPECT_EQ(t.size(), 6);  // the old spelling of numel()
  EXPECT_EQ(t.ndim(), 2);
  EXPECT_EQ(t.dim32(1), 3);
  t.Reshape(vector<int>{3, 2});
  EXPECT_EQ(t.dims(), (vector<TIndex>{3, 2}));
  float* data = t.mutable_data<float>();
  for (int i = 0; i < 6; ++i) data[i] = static_cast<float>(i);
  const TypeMeta& meta = t.meta();
  EXPECT_TRUE(meta.Match<float>());
  EXPECT_EQ(&t.dtype(), &meta);

  Tensor view;
  view.ShareData(t);
  EXPECT_EQ(view.data<float>(), t.data<float>());
  view.mutable_data<float>()[0] = 9.0f;
  EXPECT_EQ(t.data<float>()[0], 9.0f);

  Tensor copy(t, CPU);
  EXPECT_NE(copy.data<float>(), t.data<float>());
  EXPECT_EQ(copy.data<float>()[5], 5.0f);

  t.ShrinkTo(1);
  EXPECT_EQ(t.sizes(), (vector<int64_t>{1, 2}));
  EXPECT_EQ(t.data<float>()[1], 1.0f);
  t.ExtendTo(4, 50);
  EXPECT_EQ(t.sizes(), (vector<int64_t>{4, 2}));
  EXPECT_EQ(t.data<float>()[0], 9.0f);
  EXPECT_THROW(t.ExtendTo(2, 50), EnforceNotMet);

  float external[4] = {1, 2, 3, 4};
  Tensor ext(vector<int64_t>{4});
  ext.ShareExternalPointer(external);
  EXPECT_EQ(ext.data<float>(), external);

  Tensor scratch;
  ReinitializeTensor(&scratch, {5}, at::dtype<int>().device(CPU));
  EXPECT_TRUE(scratch.IsType<int>());
  EXPECT_EQ(scratch.numel(), 5);
  Tensor e = caffe2::empty({2, 3, 4}, at::dtype<double>());
  EXPECT_TRUE(e.IsType<double>());
  EXPECT_EQ(size_between_dim_(0, 2, e.sizes()), 3);
  EXPECT_EQ(size_between_dim_(2, 0, e.sizes()), 3);
  EXPECT_THROW(size_between_dim_(0, 3, e.sizes()), EnforceNotMet);
  EXPECT_EQ(canonical_axis_index_(-1, 3), 2);

  const TensorShape shape = CreateTensorShape(vector<int64_t>{2, 3, 4}, TensorProto::FLOAT);
  EXPECT_EQ(GetDimsVector(shape), (vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(nElemBetweenDim(shape, 1, 3), 12u);
}

TEST(Caffe2IdiomsTest, ContextCopiesAndMath) {
  CPUContext context;
  EXPECT_EQ(CPUContext::GetDeviceType(), CPU);
  const float a[4] = {1, -2, 3, -4};
  float b[4];
  context.CopyFromCPU<float>(4, a, b);
  EXPECT_EQ(b[3], -4);
  context.CopyItemsToCPU(TypeMeta::Make<float>(), 2, a + 2, b);
  EXPECT_EQ(b[0], 3);
  context.CopyItems<CPUContext, CPUContext>(TypeMeta::Make<float>(), 4, a, b);
  context.Copy<float, CPUContext, CPUContext>(4, a, b);
  EXPECT_EQ(b[1], -2);

  float c[4];
  math::Add<float, CPUContext>(4, a, b, c, &context);
  EXPECT_EQ(c[2], 6);
  math::Max<float, CPUContext>(4, a, c, c, &context);
  EXPECT_EQ(c[1], -2);
  math::Exp<float, CPUContext>(1, a, c, &context);
  EXPECT_FLOAT_EQ(c[0], std::exp(1.0f));
  float sum = 0;
  math::Sum<float, CPUContext>(4, a, &sum, &context);
  EXPECT_EQ(sum, -2);
  float rows[2];
  math::RowwiseMax<float, CPUContext>(2, 2, a, rows, &context);
  EXPECT_EQ(rows[0], 1);
  EXPECT_EQ(rows[1], 3);
  float cols[2];
  math::ColwiseMax<float, CPUContext>(2, 2, a, cols, &context);
  EXPECT_EQ(cols[0], 3);
  EXPECT_EQ(cols[1], -2);
  float lo = 0;
  math::ReduceMin<float, CPUContext>(4, a, &lo, nullptr, &context);
  EXPECT_EQ(lo, -4);
  math::Set<float, CPUContext>(4, 0.5f, c, &context);
  EXPECT_EQ(c[3], 0.5f);
  // [1 -2; 3 -4] * [1 -2; 3 -4]^T
  float g[4];
  math::Gemm<float, CPUContext>(CblasNoTrans, CblasTrans, 2, 2, 2, 1.0f, a, a, 0.0f, g, &context);
  EXPECT_EQ(g[0], 5);
  EXPECT_EQ(g[1], 11);
  EXPECT_EQ(g[3], 25);

  ConstEigenVectorArrayMap<float> va(a, 4);
  EXPECT_EQ(va.maxCoeff(), 3);
  EXPECT_EQ((convert::To<float, int>(2.7f)), 2);
  EXPECT_EQ(static_cast<float>(convert::To<float, at::Half>(0.5f)), 0.5f);
}

TEST(Caffe2IdiomsTest, UtilitiesFlagsAndLogging) {
  EXPECT_EQ(split(',', "a,,b"), (vector<string>{"a", "", "b"}));
  EXPECT_EQ(split(',', "a,,b", true), (vector<string>{"a", "b"}));
  EXPECT_EQ(c10::stoi("12"), 12);
  EXPECT_EQ(c10::str("x", 1, '-', 2.5), "x1-2.5");
  auto owned = make_unique<string>("made");
  EXPECT_EQ(*owned, "made");
  CaffeMap<string, int> map{{"a", 1}};
  EXPECT_EQ(map["a"], 1);
  EXPECT_EQ(FLAGS_caffe2_idioms_repeat, 3);
  EXPECT_EQ(FLAGS_caffe2_idioms_name, "idioms");

  int argc = 2;
  char arg0[] = "idioms";
  char arg1[] = "--caffe2_idioms_repeat=5";
  char* args[] = {arg0, arg1, nullptr};
  char** argv = args;
  EXPECT_TRUE(GlobalInit(&argc, &argv));
  EXPECT_EQ(FLAGS_caffe2_idioms_repeat, 5);
  EXPECT_EQ(argc, 1);
  EXPECT_TRUE(c10::CommandLineFlagsHasBeenParsed());
  ShowLogInfoToStderr();
  LOG(INFO) << "logging through glog";
  VLOG(1) << "not shown";
  CHECK_EQ(1, 1);
  TORCH_CHECK_EQ(2, 2);
  int value = 1;
  TORCH_CHECK_NOTNULL(&value);

  EXPECT_THROW(CAFFE_ENFORCE_EQ_WITH_CALLER(1, 2, "different"), EnforceNotMet);
  const Tensor left(vector<int>{2, 3});
  const Tensor right(vector<int>{3});
  try {
    CAFFE_ENFORCE_EQ(left.sizes(), right.sizes(), "shapes");
    FAIL();
  } catch (const EnforceNotMet& e) {
    EXPECT_NE(string(e.what()).find("shapes ([2, 3] vs. [3])"), string::npos) << e.what();
  }
  EXPECT_THROW(CAFFE_ENFORCE_THAT(std::less<int>(), <, 3, 2), EnforceNotMet);
  EXPECT_THROW(CAFFE_NOT_IMPLEMENTED, c10::Error);
  try {
    TORCH_CHECK(value == 2, "value is ", value);
    FAIL();
  } catch (const c10::Error& e) {
    EXPECT_NE(string(e.what()).find("value is 1"), string::npos);
  }
}

TEST(Caffe2IdiomsTest, ArgumentsProtoFilesAndSerialization) {
  OperatorDef def = CreateOperatorDef("CompatIdiom", "n", {"X"}, {"Y", "P"},
                                      vector<Argument>{MakeArgument<string>("mode", "sequence"),
                                                       MakeArgument<bool>("grad", true)});
  EXPECT_EQ(GetArgument(def, "mode").s(), "sequence");
  EXPECT_TRUE(GetFlagArgument(def, "grad"));
  EXPECT_THROW(GetArgument(def, "nope"), EnforceNotMet);
  GetMutableArgument("axis", true, &def)->set_i(2);
  EXPECT_EQ((ArgumentHelper::GetSingleArgument<OperatorDef, int>(def, "axis", 0)), 2);
  EXPECT_EQ(GetMutableArgument("absent", false, &def), nullptr);
  EXPECT_TRUE(HasOutput(def, "P"));

  const string dir = ::testing::TempDir();
  NetDef net;
  net.set_name("idioms");
  *net.add_op() = def;
  WriteProtoToTextFile(net, dir + "/idioms.pbtxt");
  NetDef back;
  EXPECT_TRUE(ReadProtoFromTextFile(dir + "/idioms.pbtxt", &back));
  EXPECT_EQ(back.op(0).type(), "CompatIdiom");
  WriteProtoToBinaryFile(net, dir + "/idioms.pb");
  EXPECT_TRUE(ReadProtoFromBinaryFile(dir + "/idioms.pb", &back));
  EXPECT_FALSE(ReadProtoFromTextFile(dir + "/does_not_exist.pbtxt", &back));
  // Caffe2's ReadProtoFromFile: either format, bool, never an exception.
  NetDef either;
  EXPECT_TRUE(ReadProtoFromFile(dir + "/idioms.pb", &either));
  EXPECT_EQ(either.name(), "idioms");
  either.Clear();
  EXPECT_TRUE(ReadProtoFromFile(dir + "/idioms.pbtxt", &either));
  EXPECT_EQ(either.op(0).type(), "CompatIdiom");
  EXPECT_TRUE(WriteStringToFile("op { type: ", (dir + "/broken.pbtxt").c_str()));
  EXPECT_FALSE(ReadProtoFromFile(dir + "/broken.pbtxt", &either));
  EXPECT_FALSE(ReadProtoFromFile(dir + "/does_not_exist.pb", &either));
  string content;
  EXPECT_TRUE(WriteStringToFile("hello", (dir + "/idioms.txt").c_str()));
  EXPECT_TRUE(ReadStringFromFile((dir + "/idioms.txt").c_str(), &content));
  EXPECT_EQ(content, "hello");

  Blob blob;
  auto* tensor = BlobGetMutableTensor(&blob, CPU);
  tensor->Resize(2);
  tensor->mutable_data<int>()[1] = 7;
  const string bytes = SerializeBlob(blob, "b");
  Blob restored;
  DeserializeBlob(bytes, &restored);
  EXPECT_EQ(restored.Get<TensorCPU>().data<int>()[1], 7);
}

}  // namespace caffe2
