// Steady state without allocation (issue 5, item 6): running a net again on same-shape inputs makes no
// heap allocation on the operator path; outputs keep their buffers.
//
// This binary replaces the global operator new/delete and interposes the C allocator (malloc, calloc,
// realloc, aligned_alloc, posix_memalign, memalign), counting every call made by any thread while
// counting is switched on. The C functions matter as much as operator new: tensor storage comes from
// aligned_alloc, and the OpenMP runtime (libgomp) allocates with malloc, so a parallel region that
// allocated would show up here rather than hide.
//
// std::string tensors are left out on purpose: copying a string row copies its characters, which
// allocates whenever a string is longer than the small-string buffer. That is the nature of the dtype,
// not overhead of the runtime.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "ops/kernels/mask_kernels.h"
#include "tests/util/sanitizers.h"


namespace {
// Plain globals (no thread_local: its first use may itself allocate).
std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_allocations{0};

[[maybe_unused]] inline void Count() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}

// Counts allocations made during its lifetime.
class AllocationCounter {
 public:
  AllocationCounter() {
    g_allocations.store(0);
    g_counting.store(true);
  }
  ~AllocationCounter() { g_counting.store(false); }
  int64_t count() const { return g_allocations.load(); }
};
}  // namespace

#ifndef CAFFE2_MASK_TEST_SANITIZED
// glibc's own entry points, which the interposed functions forward to.
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* ptr);

void* malloc(size_t size) noexcept {
  Count();
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) noexcept {
  Count();
  return __libc_calloc(count, size);
}
void* realloc(void* ptr, size_t size) noexcept {
  Count();
  return __libc_realloc(ptr, size);
}
void* aligned_alloc(size_t alignment, size_t size) noexcept {
  Count();
  return __libc_memalign(alignment, size);
}
void* memalign(size_t alignment, size_t size) noexcept {
  Count();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  Count();
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* ptr) noexcept { __libc_free(ptr); }
}  // extern "C"

namespace {
void* CountedNew(size_t size) {
  Count();
  void* p = __libc_malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* CountedAlignedNew(size_t size, std::align_val_t alignment) {
  Count();
  void* p = __libc_memalign(static_cast<size_t>(alignment), size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t size) { return CountedNew(size); }
void* operator new[](size_t size) { return CountedNew(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  Count();
  return __libc_malloc(size == 0 ? 1 : size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  Count();
  return __libc_malloc(size == 0 ? 1 : size);
}
void* operator new(size_t size, std::align_val_t alignment) { return CountedAlignedNew(size, alignment); }
void* operator new[](size_t size, std::align_val_t alignment) { return CountedAlignedNew(size, alignment); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { __libc_free(p); }
#endif  // CAFFE2_MASK_TEST_SANITIZED

namespace caffe2 {
namespace {

void SkipIfNotCounting() {
#ifdef CAFFE2_MASK_TEST_SANITIZED
  GTEST_SKIP() << "sanitizers own the allocator; allocation counting is off in this build";
#endif
}

template <typename T>
Tensor* Feed(Workspace* ws, const std::string& name, const std::vector<int64_t>& dims) {
  Tensor* t = BlobGetMutableTensor(ws->CreateBlob(name));
  t->Resize(dims);
  t->mutable_data<T>();
  return t;
}

std::vector<bool> RandomMask(int64_t n, double density, uint32_t seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution bit(density);
  std::vector<bool> m(n);
  for (int64_t i = 0; i < n; ++i) m[i] = bit(rng);
  return m;
}

void WriteMask(Tensor* t, const std::vector<bool>& m) {
  bool* d = t->mutable_data<bool>();
  for (size_t i = 0; i < m.size(); ++i) d[i] = m[i];
}

template <typename T>
void FillRamp(Tensor* t) {
  T* d = t->mutable_data<T>();
  for (int64_t i = 0; i < t->numel(); ++i) d[i] = static_cast<T>(static_cast<float>(i % 1000));
}
template <>
void FillRamp<float16>(Tensor* t) {
  float16* d = t->mutable_data<float16>();
  for (int64_t i = 0; i < t->numel(); ++i) d[i] = float16(static_cast<float>(i % 1000));
}

int64_t Count(const std::vector<bool>& m) {
  int64_t c = 0;
  for (bool b : m) c += b;
  return c;
}

// Feeds the inputs for `n` rows (blob names carry `tag`) and appends to `net` every mask operator:
// BooleanMask (1 and 2 outputs; 1-D and rows of `row_floats` floats; float, int64, float16),
// BooleanMaskGradient, BooleanMaskLengths (int32 and int64 lengths), BooleanUnmask with 2 and 3 pairs,
// and SequenceMask (about n elements) in every mode, with batch, with repeat_from_axis and with grad.
// Every kernel call then touches at least n bytes (the mask) and at most n * (4 * row_floats + 1).
void AddEveryMaskOperator(Workspace* ws, NetDef* net, const std::string& tag, int64_t n, int64_t row_floats) {
  auto name = [&](const char* base) { return std::string(base) + "_" + tag; };
  auto add = [&](const std::string& type, std::vector<std::string> in, std::vector<std::string> out,
                 std::vector<Argument> args = {}) {
    *net->add_op() = CreateOperatorDef(type, "", in, out, args);
  };

  // Masks: m (random), not_m, and a three-way split.
  const auto m = RandomMask(n, 0.5, 1);
  std::vector<bool> not_m(n), third[3];
  for (int64_t i = 0; i < n; ++i) not_m[i] = !m[i];
  for (int k = 0; k < 3; ++k) {
    third[k].resize(n);
    for (int64_t i = 0; i < n; ++i) third[k][i] = i % 3 == k;
  }
  WriteMask(Feed<bool>(ws, name("m"), {n}), m);
  WriteMask(Feed<bool>(ws, name("not_m"), {n}), not_m);
  for (int k = 0; k < 3; ++k) WriteMask(Feed<bool>(ws, name("third") + std::to_string(k), {n}), third[k]);

  FillRamp<float>(Feed<float>(ws, name("xf"), {n}));
  FillRamp<int64_t>(Feed<int64_t>(ws, name("xi"), {n}));
  FillRamp<float16>(Feed<float16>(ws, name("xh"), {n}));
  FillRamp<float>(Feed<float>(ws, name("rows"), {n, row_floats}));

  // BooleanMask, one and two outputs, and its gradient.
  add("BooleanMask", {name("xf"), name("m")}, {name("yf")});
  add("BooleanMask", {name("xi"), name("m")}, {name("yi"), name("idx_i")});
  add("BooleanMask", {name("xh"), name("m")}, {name("yh"), name("idx_h")});
  add("BooleanMask", {name("rows"), name("m")}, {name("yrows")});
  add("BooleanMaskGradient", {name("m"), name("yf")}, {name("dxf")});
  add("BooleanMaskGradient", {name("m"), name("yi")}, {name("dxi")});
  add("BooleanMaskGradient", {name("m"), name("yh")}, {name("dxh")});
  add("BooleanMaskGradient", {name("m"), name("yrows")}, {name("dxrows")});

  // BooleanMaskLengths: segments of 7 (the last one shorter).
  const int64_t segments = (n + 6) / 7;
  Tensor* len32 = Feed<int32_t>(ws, name("len32"), {segments});
  Tensor* len64 = Feed<int64_t>(ws, name("len64"), {segments});
  for (int64_t s = 0; s < segments; ++s) {
    const int64_t l = s + 1 < segments ? 7 : n - 7 * s;
    len32->mutable_data<int32_t>()[s] = static_cast<int32_t>(l);
    len64->mutable_data<int64_t>()[s] = l;
  }
  add("BooleanMaskLengths", {name("len32"), name("m")}, {name("ml32")});
  add("BooleanMaskLengths", {name("len64"), name("m")}, {name("ml64")});

  // BooleanUnmask, 2 pairs (m / not m) and 3 pairs (i % 3), values made by BooleanMask in the net.
  add("BooleanMask", {name("xf"), name("not_m")}, {name("yf_not")});
  add("BooleanUnmask", {name("m"), name("yf"), name("not_m"), name("yf_not")}, {name("unmask2")});
  std::vector<std::string> unmask3_inputs;
  for (int k = 0; k < 3; ++k) {
    const std::string mk = name("third") + std::to_string(k), vk = name("v3_") + std::to_string(k);
    add("BooleanMask", {name("xh"), mk}, {vk});
    unmask3_inputs.push_back(mk);
    unmask3_inputs.push_back(vk);
  }
  add("BooleanUnmask", unmask3_inputs, {name("unmask3")});

  // SequenceMask on [rows, cols] with rows * cols about n; [2, rows/2, cols] for batch, [rows, cols/4, 4]
  // for repeat_from_axis.
  const int64_t cols = 64, rows = std::max<int64_t>(2, (n + cols - 1) / cols + 1) / 2 * 2;
  FillRamp<float>(Feed<float>(ws, name("sf"), {rows, cols}));
  FillRamp<float16>(Feed<float16>(ws, name("sh"), {rows, cols}));
  FillRamp<float>(Feed<float>(ws, name("sb"), {2, rows / 2, cols}));
  FillRamp<float>(Feed<float>(ws, name("sr"), {rows, cols / 4, 4}));
  Tensor* lengths = Feed<int32_t>(ws, name("seq_len"), {rows});
  for (int64_t i = 0; i < rows; ++i) lengths->mutable_data<int32_t>()[i] = static_cast<int32_t>(i % (cols + 3));
  int item = 0;
  for (const char* mode : {"sequence", "window", "upper", "lower", "upperdiag", "lowerdiag"}) {
    const bool second = std::string(mode) == "sequence" || std::string(mode) == "window";
    std::vector<std::string> in{name("sf")};
    if (second) in.push_back(name("seq_len"));
    std::vector<Argument> args{MakeArgument("mode", mode)};
    if (std::string(mode) == "window") args.push_back(MakeArgument<int>("radius", 3));
    add("SequenceMask", in, {name("sm_") + std::to_string(item)}, args);
    in[0] = name("sh");
    add("SequenceMask", in, {name("smh_") + std::to_string(item)}, args);
    args.push_back(MakeArgument<bool>("grad", true));
    in[0] = name("sf");
    add("SequenceMask", in, {name("smg_") + std::to_string(item)}, args);
    ++item;
  }
  add("SequenceMask", {name("sb"), name("seq_len")}, {name("sm_batch")},
      {MakeArgument("mode", "sequence"), MakeArgument<int>("axis", 2), MakeArgument<int>("batch", 0)});
  add("SequenceMask", {name("sb")}, {name("sm_batch_upper")},
      {MakeArgument("mode", "upper"), MakeArgument<int>("axis", 2), MakeArgument<int>("batch", 0)});
  add("SequenceMask", {name("sr"), name("seq_len")}, {name("sm_repeat")},
      {MakeArgument("mode", "sequence"), MakeArgument<int>("axis", 1), MakeArgument<int>("repeat_from_axis", 2)});
}

// Runs `net` once to warm up (outputs get their buffers, OpenMP starts its team), then again while
// counting; returns the allocations of the counted runs.
int64_t CountedRuns(NetBase* net, int runs) {
  net->Run();
  net->Run();
  AllocationCounter counter;
  for (int r = 0; r < runs; ++r) net->Run();
  return counter.count();
}

class SteadyStateAllocation : public ::testing::Test {
 protected:
  void SetUp() override {
    SkipIfNotCounting();
    // At least two threads, so the inputs above the threshold really enter parallel regions even when
    // the machine or OMP_NUM_THREADS would give one.
    if (omp_get_max_threads() < 2) omp_set_num_threads(2);
  }
};

TEST_F(SteadyStateAllocation, CounterSeesAllocations) {
  SkipIfNotCounting();
  AllocationCounter counter;
  // volatile: the compiler may not elide an allocation whose pointer escapes.
  int* volatile p = new int(3);
  void* volatile q = std::malloc(16);
  void* volatile r = std::aligned_alloc(64, 64);
  delete p;
  std::free(q);
  std::free(r);
  EXPECT_EQ(counter.count(), 3);
}

TEST_F(SteadyStateAllocation, EveryMaskOperatorBelowTheParallelThreshold) {
  Workspace ws;
  NetDef def;
  def.set_name("small");
  const int64_t n = 1000, row_floats = 16;  // 64-byte rows
  AddEveryMaskOperator(&ws, &def, "s", n, row_floats);
  ASSERT_LT(n * (4 * row_floats + 1), kernels::ParallelThresholdBytes());
  NetBase* net = ws.CreateNet(def);
  EXPECT_EQ(CountedRuns(net, 5), 0);
}

TEST_F(SteadyStateAllocation, EveryMaskOperatorAboveTheParallelThreshold) {
  Workspace ws;
  NetDef def;
  def.set_name("large");
  // Even the smallest kernel call (a count over the n-byte mask) is above the threshold, so every
  // kernel of every operator runs in a parallel region. Rows of 16 bytes keep the net near 200 MB.
  const int64_t n = (int64_t{1} << 20) + 4099, row_floats = 4;
  AddEveryMaskOperator(&ws, &def, "l", n, row_floats);
  ASSERT_GE(n, kernels::ParallelThresholdBytes());
  NetBase* net = ws.CreateNet(def);
  EXPECT_EQ(CountedRuns(net, 3), 0);
}

TEST_F(SteadyStateAllocation, WorkspaceRunNetByName) {
  Workspace ws;
  NetDef def;
  def.set_name("by_name_net_with_a_name_longer_than_the_small_string_buffer");
  AddEveryMaskOperator(&ws, &def, "n", 500, 16);
  ws.CreateNet(def);
  const std::string name = def.name();
  ws.RunNet(name);
  AllocationCounter counter;
  ws.RunNet(name);
  EXPECT_EQ(counter.count(), 0);
}

// Same shapes, different mask contents: BooleanMask's output shrinks, then grows back up to the size
// it had; the buffer allocated on the first run is reused throughout.
TEST_F(SteadyStateAllocation, OutputShrinksAndGrowsWithinCapacity) {
  Workspace ws;
  const int64_t n = 4096;
  Tensor* mask = Feed<bool>(&ws, "m", {n});
  FillRamp<float>(Feed<float>(&ws, "x", {n, 4}));
  NetDef def;
  def.set_name("shrink");
  *def.add_op() = CreateOperatorDef("BooleanMask", "", {"x", "m"}, {"y", "idx"});
  *def.add_op() = CreateOperatorDef("BooleanMaskGradient", "", {"m", "y"}, {"dx"});
  NetBase* net = ws.CreateNet(def);

  const auto dense = RandomMask(n, 0.9, 2), sparse = RandomMask(n, 0.2, 3), empty = std::vector<bool>(n, false);
  WriteMask(mask, dense);
  net->Run();
  const Tensor& y = BlobGetTensor(*ws.GetBlob("y"));
  const void* buffer = y.raw_data();
  for (const auto* m : {&sparse, &empty, &dense, &sparse}) {
    WriteMask(mask, *m);
    AllocationCounter counter;
    net->Run();
    EXPECT_EQ(counter.count(), 0) << "rows kept: " << Count(*m);
    EXPECT_EQ(y.size(0), Count(*m));
    EXPECT_EQ(y.raw_data(), buffer);
  }
}

// A parallel region of the OpenMP runtime itself, after the first one: reported separately so a
// failure of the tests above can be told apart from an allocation inside libgomp.
TEST_F(SteadyStateAllocation, OpenMPParallelRegionAfterWarmUp) {
  auto region = [] {
    int64_t sum = 0;
#pragma omp parallel num_threads(2) reduction(+ : sum)
    sum += omp_get_thread_num();
    return sum;
  };
  region();
  AllocationCounter counter;
  for (int r = 0; r < 10; ++r) region();
  EXPECT_EQ(counter.count(), 0);
}

}  // namespace
}  // namespace caffe2
