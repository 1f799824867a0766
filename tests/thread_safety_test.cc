// Thread safety (docs/reliability.md, "Thread safety"): the Scoped* kernel guards of two threads do not
// see each other; and several threads, each with its own Workspace, run every mask operator in every
// mode on every CPU path, serial and threaded, while other threads look up and register operators,
// schemas and gradients and change the limits and thresholds. The results must equal those of a run
// with nothing else going on. tools/tsan.sh runs this file under ThreadSanitizer, which turns any data
// race among these into a failure.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <future>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "caffe2_mask/io/blob_serialization.h"
#include "caffe2_mask/io/limits.h"
#include "ops/kernels/mask_kernels.h"
#include "registry/gradient.h"
#include "registry/operator_registry.h"
#include "registry/operator_schema.h"
#include "tests/util/operator_tester.h"

namespace caffe2::testing {
namespace {

using kernels::CpuPath;

// ---------------------------------------------------------------------------------------------------
// The guards
// ---------------------------------------------------------------------------------------------------
// Regression: the guards saved and restored one process-wide value, so when guards of two threads
// overlapped (A sets, B sets, A restores, B restores) A's restore undid B's setting while B's guard was
// alive, and B's restore then left A's value in force for good.
TEST(ScopedGuards, OverlappingInTwoThreadsEachKeepsItsOwnValue) {
  const CpuPath best = kernels::ActivePath();
  const int64_t global_threshold = kernels::ParallelThresholdBytes();
  std::promise<void> a_set, b_set, a_done;
  std::thread a([&] {
    kernels::ScopedCpuPath path(CpuPath::kScalar);
    kernels::ScopedParallelThreshold threshold(11);
    a_set.set_value();
    b_set.get_future().wait();
  });  // A's guards end while B's are alive.
  a_set.get_future().wait();
  std::thread b([&] {
    kernels::ScopedParallelThreshold threshold(22);
    kernels::ScopedStreamingThreshold streaming(33);
    EXPECT_EQ(kernels::ActivePath(), best) << "A's path guard leaked into thread B";
    b_set.set_value();
    a.join();
    EXPECT_EQ(kernels::ParallelThresholdBytes(), 22) << "A's restore changed B's value";
    EXPECT_EQ(kernels::StreamingThresholdBytes(), 33);
  });
  b.join();
  EXPECT_EQ(kernels::ActivePath(), best);
  EXPECT_EQ(kernels::ParallelThresholdBytes(), global_threshold);
  EXPECT_EQ(kernels::StreamingThresholdBytes(), kernels::kDefaultStreamingThresholdBytes);
}

TEST(ScopedGuards, NestOnOneThreadAndOverrideTheGlobalSetting) {
  const int64_t global = kernels::ParallelThresholdBytes();
  {
    kernels::ScopedParallelThreshold outer(5);
    {
      kernels::ScopedParallelThreshold inner(-7);  // clamped like the setter
      EXPECT_EQ(kernels::ParallelThresholdBytes(), 0);
    }
    EXPECT_EQ(kernels::ParallelThresholdBytes(), 5);
    // The setter changes the process-wide value; this thread's guard still wins.
    kernels::SetParallelThresholdBytes(global + 1);
    EXPECT_EQ(kernels::ParallelThresholdBytes(), 5);
  }
  EXPECT_EQ(kernels::ParallelThresholdBytes(), global + 1);
  kernels::SetParallelThresholdBytes(global);
}

TEST(ScopedGuardsDeathTest, DestroyedOutOfOrderAborts) {
  EXPECT_DEATH(
      {
        auto* outer = new kernels::ScopedParallelThreshold(1);
        auto* inner = new kernels::ScopedParallelThreshold(2);
        delete outer;  // while `inner` is in force
        delete inner;
      },
      "ScopedParallelThreshold was destroyed on another thread");
}

TEST(ScopedGuardsDeathTest, DestroyedOnAnotherThreadAborts) {
  EXPECT_DEATH(
      {
        auto* guard = new kernels::ScopedCpuPath(CpuPath::kScalar);
        std::thread([guard] { delete guard; }).join();
      },
      "ScopedCpuPath was destroyed on another thread");
}

// ---------------------------------------------------------------------------------------------------
// Every mask operator in parallel workspaces, with registries and settings changing
// ---------------------------------------------------------------------------------------------------
constexpr int64_t kRows = 96;  // not a multiple of 64, so threaded chunks end mid-word
constexpr int64_t kCols = 5;

// One net with every mask operator and every SequenceMask mode (with and without batch and grad).
NetDef EveryMaskOperatorNet() {
  NetDef net;
  net.set_name("every_mask_operator");
  auto add = [&net](const std::string& type, std::vector<std::string> in, std::vector<std::string> out,
                    std::vector<Argument> args = {}) {
    *net.add_op() = CreateOperatorDef(type, "", in, out, args);
  };
  add("BooleanMask", {"data", "mask"}, {"kept", "kept_indices"});
  add("BooleanMask", {"data", "mask"}, {"kept_only"});
  add("BooleanMask", {"data", "not_mask"}, {"dropped"});
  add("BooleanMaskGradient", {"mask", "kept"}, {"kept_grad"});
  add("BooleanMaskLengths", {"lengths", "mask"}, {"kept_lengths"});
  add("BooleanUnmask", {"mask", "kept", "not_mask", "dropped"}, {"unmasked"});
  add("SequenceMask", {"data", "seq_lengths"}, {"seq"},
      {MakeArgument("mode", "sequence"), MakeArgument("axis", 1), MakeArgument("fill_val", -1.0f)});
  add("SequenceMask", {"data", "seq_lengths"}, {"seq_grad"},
      {MakeArgument("mode", "sequence"), MakeArgument("axis", 1), MakeArgument("grad", true)});
  add("SequenceMask", {"data", "centers"}, {"window"},
      {MakeArgument("mode", "window"), MakeArgument("axis", 1), MakeArgument("radius", 1)});
  for (const char* mode : {"upper", "lower", "upperdiag", "lowerdiag"}) {
    add("SequenceMask", {"cube"}, {std::string("tri_") + mode},
        {MakeArgument("mode", mode), MakeArgument("axis", 2), MakeArgument("batch", 0)});
  }
  return net;
}

void FeedInputs(Workspace* ws) {
  std::mt19937 rng(11);
  std::vector<float> data(kRows * kCols), cube(kRows * 8);
  for (auto& v : data) v = static_cast<float>(rng() % 1000) / 8;
  for (auto& v : cube) v = static_cast<float>(rng() % 1000) / 8;
  std::vector<bool> mask(kRows), not_mask(kRows);
  for (int64_t i = 0; i < kRows; ++i) {
    mask[i] = rng() % 3 != 0;
    not_mask[i] = !mask[i];
  }
  std::vector<int32_t> lengths(kRows / 8, 8), seq_lengths(kRows), centers(kRows);
  for (auto& v : seq_lengths) v = static_cast<int32_t>(rng() % (kCols + 2));
  for (auto& v : centers) v = static_cast<int32_t>(rng() % kCols);
  auto feed = [ws](const std::string& name, const Tensor& t) { BlobGetMutableTensor(ws->CreateBlob(name))->CopyFrom(t); };
  feed("data", MakeTensor<float>({kRows, kCols}, data));
  feed("cube", MakeTensor<float>({kRows / 8, 8, 8}, cube));
  feed("mask", MakeTensor<bool>({kRows}, mask));
  feed("not_mask", MakeTensor<bool>({kRows}, not_mask));
  feed("lengths", MakeTensor<int32_t>({kRows / 8}, lengths));
  feed("seq_lengths", MakeTensor<int32_t>({kRows}, seq_lengths));
  feed("centers", MakeTensor<int32_t>({kRows}, centers));
}

// Every output, serialized: one string to compare, and a trip through the io readers (which read the
// serialization and tensor limits) on the way.
std::map<std::string, std::string> Outputs(const Workspace& ws, const NetDef& net) {
  std::map<std::string, std::string> out;
  for (const auto& op : net.op()) {
    for (const auto& name : op.output()) {
      const std::string bytes = SerializeBlob(*ws.GetBlob(name), name);
      Blob back;
      DeserializeBlob(bytes, &back, name);
      out[name] = SerializeBlob(back, name);
    }
  }
  return out;
}

TEST(ThreadSafety, MaskOperatorsInParallelWorkspacesWhileRegistriesAndLimitsChange) {
  const NetDef net = EveryMaskOperatorNet();
  std::map<std::string, std::string> expected;
  {
    Workspace ws;
    FeedInputs(&ws);
    ws.RunNetOnce(net);
    expected = Outputs(ws, net);
  }

  const std::vector<RunConfig> configs = AllRunConfigs();
  const int workers = static_cast<int>(configs.size()) + 1;  // the last one takes no guard at all
  constexpr int kIterations = 12;
  constexpr int kRegistrations = 40;
  std::atomic<int> workers_left{workers};
  std::atomic<int> registered{0};
  std::vector<std::thread> threads;

  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      std::unique_ptr<ScopedRunConfig> config;
      if (w < static_cast<int>(configs.size())) config = std::make_unique<ScopedRunConfig>(configs[w]);
      Workspace ws;
      FeedInputs(&ws);
      NetDef own = net;
      ws.CreateNet(own);
      for (int it = 0; it < kIterations; ++it) {
        ws.RunNet(own.name());
        if (it % 4 == 0) ws.RunNetOnce(net);  // creates and validates operators each time
        const auto got = Outputs(ws, net);
        for (const auto& [name, bytes] : expected) {
          // Not EXPECT_EQ on the bytes: a failure would print kilobytes of serialized tensor.
          EXPECT_TRUE(got.at(name) == bytes) << "output " << name << " differs, worker " << w << ", iteration " << it;
        }
      }
      config.reset();
      workers_left.fetch_sub(1);
    });
  }

  // Operators, schemas and gradients registered while the nets run, as a library loaded at run time
  // does. The schema is filled in by its setter chain before Publish: a reader must never see it half
  // built.
  threads.emplace_back([&] {
    for (int i = 0; i < kRegistrations; ++i) {
      const std::string name = "ThreadSafetyTestOp" + std::to_string(i);
      OpSchema& schema = OpSchemaRegistry::NewSchema(name, __FILE__, __LINE__);
      schema.NumInputs(1, 2).NumOutputs(1).SetDoc("Registered while nets run.").Input(0, "X", "input");
      OpSchemaRegistry::Publish(schema);
      CPUOperatorRegistry()->Register(
          name, [](const OperatorDef&, Workspace*) { return std::unique_ptr<OperatorBase>(); }, __FILE__);
      GradientRegistry()->Register(name, &DefaultGradientMakerCreator<NoGradient>, __FILE__);
      registered.store(i + 1);
    }
  });

  // Look-ups of built-in and newly registered names.
  threads.emplace_back([&] {
    const OperatorDef mask_def = CreateOperatorDef("BooleanMask", "", {"data", "mask"}, {"kept"});
    int round = 0;
    while (workers_left.load() > 0 || round < kRegistrations) {
      EXPECT_TRUE(CPUOperatorRegistry()->Has("BooleanMask"));
      EXPECT_FALSE(CPUOperatorRegistry()->Keys().empty());
      EXPECT_TRUE(GradientRegistry()->Has("SequenceMask"));
      const OpSchema* schema = OpSchemaRegistry::Schema("SequenceMask");
      EXPECT_TRUE(schema != nullptr && !schema->Describe().empty());
      EXPECT_EQ(GetGradientForOp(mask_def, {GradientWrapper{"kept_grad", "", ""}}).ops_.size(), 1u);
      const std::string name = "ThreadSafetyTestOp" + std::to_string(round % kRegistrations);
      if (const OpSchema* fresh = OpSchemaRegistry::Schema(name)) {
        EXPECT_EQ(fresh->InputCountText(), "1 to 2");
        EXPECT_NE(fresh->Describe().find("Registered while nets run."), std::string::npos);
      }
      for (const auto& n : OpSchemaRegistry::Names()) (void)OpSchemaRegistry::Schema(n)->Summary();
      ++round;
    }
  });

  // Limits and the process-wide thresholds changed while the nets run, between values that change no
  // result (the defaults and looser or equally harmless ones).
  threads.emplace_back([&] {
    const TensorLimits tensor_default;
    const SerializationLimits serialization_default;
    int round = 0;
    while (workers_left.load() > 0 || round < 100) {
      TensorLimits tensor = tensor_default;
      SerializationLimits serialization = serialization_default;
      if (round % 2) {
        tensor.max_rank += 1;
        tensor.max_bytes /= 2;
        serialization.max_proto_depth += 1;
        serialization.max_file_bytes /= 2;
        serialization.max_string_bytes /= 2;
      }
      SetTensorLimits(tensor);
      SetSerializationLimits(serialization);
      EXPECT_GE(GetTensorLimits().max_rank, tensor_default.max_rank);
      kernels::SetParallelThresholdBytes(round % 2 ? 0 : kernels::kDefaultParallelThresholdBytes);
      kernels::SetStreamingThresholdBytes(round % 2 ? 0 : kernels::kDefaultStreamingThresholdBytes);
      ++round;
    }
    SetTensorLimits(tensor_default);
    SetSerializationLimits(serialization_default);
    kernels::SetParallelThresholdBytes(kernels::kDefaultParallelThresholdBytes);
    kernels::SetStreamingThresholdBytes(kernels::kDefaultStreamingThresholdBytes);
  });

  for (auto& t : threads) t.join();
  EXPECT_EQ(registered.load(), kRegistrations);
}

}  // namespace
}  // namespace caffe2::testing
