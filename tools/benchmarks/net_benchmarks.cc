// Per-operator overhead of the runtime (issue 5, item 7): nets of many tiny operators, where the
// kernels do almost nothing and what is measured is the cost of running an operator at all (virtual
// Run, input/output look-up, validation, output resize, kernel dispatch).
//
// `time_per_op` is the wall time of one net run divided by its operator count. The RunOperatorOnce case
// shows, for comparison, what creating an operator from its OperatorDef on every call costs (schema
// check, argument parsing, blob binding), which a created net pays only once.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"

namespace caffe2 {
namespace {

constexpr int kOps = 1000;
constexpr int64_t kItems = 8;

template <typename T>
void Feed(Workspace* ws, const std::string& name, const std::vector<int64_t>& dims, const std::vector<T>& values) {
  Tensor* t = BlobGetMutableTensor(ws->CreateBlob(name));
  t->Resize(dims);
  T* d = t->mutable_data<T>();
  for (size_t i = 0; i < values.size(); ++i) d[i] = values[i];
}

void FeedInputs(Workspace* ws) {
  Feed<float>(ws, "x", {kItems}, {0, 1, 2, 3, 4, 5, 6, 7});
  Feed<bool>(ws, "m", {kItems}, {true, false, false, true, true, false, true, false});
}

void SetOpsCounter(benchmark::State& state, int ops_per_iteration) {
  // Operators per second, inverted: seconds per operator (printed with an SI prefix, "84n" = 84 ns).
  state.counters["time_per_op"] = benchmark::Counter(static_cast<double>(state.iterations()) * ops_per_iteration,
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// A net of kOps BooleanMask operators on 8-element float inputs, each writing its own output blob
// (with the optional masked_indices output when state.range(0) is 1).
void BM_NetOfTinyBooleanMask(benchmark::State& state) {
  const bool with_indices = state.range(0) != 0;
  Workspace ws;
  FeedInputs(&ws);
  NetDef def;
  def.set_name("tiny_boolean_mask");
  for (int i = 0; i < kOps; ++i) {
    std::vector<std::string> outputs{"y" + std::to_string(i)};
    if (with_indices) outputs.push_back("idx" + std::to_string(i));
    *def.add_op() = CreateOperatorDef("BooleanMask", "", {"x", "m"}, outputs);
  }
  NetBase* net = ws.CreateNet(def);
  net->Run();  // outputs get their buffers
  for (auto _ : state) net->Run();
  SetOpsCounter(state, kOps);
}
BENCHMARK(BM_NetOfTinyBooleanMask)->ArgName("indices")->Arg(0)->Arg(1)->UseRealTime();

// A chain of kOps/2 BooleanMask + BooleanMaskGradient pairs (dy of each pair is the previous output),
// the forward-backward shape of a real net.
void BM_NetOfTinyMaskAndGradient(benchmark::State& state) {
  Workspace ws;
  FeedInputs(&ws);
  NetDef def;
  def.set_name("tiny_mask_and_gradient");
  std::string current = "x";
  for (int i = 0; i < kOps / 2; ++i) {
    const std::string y = "y" + std::to_string(i), dx = "dx" + std::to_string(i);
    *def.add_op() = CreateOperatorDef("BooleanMask", "", {current, "m"}, {y});
    *def.add_op() = CreateOperatorDef("BooleanMaskGradient", "", {"m", y}, {dx});
    current = dx;
  }
  NetBase* net = ws.CreateNet(def);
  net->Run();
  for (auto _ : state) net->Run();
  SetOpsCounter(state, kOps);
}
BENCHMARK(BM_NetOfTinyMaskAndGradient)->UseRealTime();

// One created operator run directly (no net loop).
void BM_CreatedOperatorRun(benchmark::State& state) {
  Workspace ws;
  FeedInputs(&ws);
  auto op = CreateOperator(CreateOperatorDef("BooleanMask", "", {"x", "m"}, {"y"}), &ws);
  op->Run();
  for (auto _ : state) op->Run();
  SetOpsCounter(state, 1);
}
BENCHMARK(BM_CreatedOperatorRun)->UseRealTime();

// Workspace::RunOperatorOnce: the operator is created from its def on every call.
void BM_RunOperatorOnce(benchmark::State& state) {
  Workspace ws;
  FeedInputs(&ws);
  const OperatorDef def = CreateOperatorDef("BooleanMask", "", {"x", "m"}, {"y"});
  for (auto _ : state) ws.RunOperatorOnce(def);
  SetOpsCounter(state, 1);
}
BENCHMARK(BM_RunOperatorOnce)->UseRealTime();

}  // namespace
}  // namespace caffe2

BENCHMARK_MAIN();
