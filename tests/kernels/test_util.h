// Helpers shared by the kernel tests: page-guarded buffers, seeded masks, and the list of implementations
// (every code path, serial and threaded, plus the emulated AVX-512 path where it is built).
#ifndef CAFFE2_MASK_TESTS_KERNELS_TEST_UTIL_H_
#define CAFFE2_MASK_TESTS_KERNELS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ops/kernels/mask_kernels.h"
#include "ops/kernels/path_kernels.h"
#include "tests/util/guarded_memory.h"

namespace caffe2::kernels::detail {
#if defined(CAFFE2_MASK_HAVE_AVX512_EMULATION)
const PathKernels& Avx512EmulatedKernels();
#endif
}  // namespace caffe2::kernels::detail

namespace caffe2::kernels::testing {

constexpr uint8_t kCanary = 0xA5;
constexpr int64_t kGuardBytes = 64;

using Edge = caffe2::testing::PageGuardedMemory::Edge;

// An output buffer at a chosen misalignment with canary bytes before and after the `size` usable bytes
// (a write outside shows in GuardsIntact), the whole between two PROT_NONE pages (tests/util/
// guarded_memory.h), the trailing canaries ending at one: a write further out faults.
class GuardedBuffer {
 public:
  GuardedBuffer(int64_t size, int64_t offset)
      : size_(size), offset_(offset), storage_(static_cast<size_t>(offset + size + kGuardBytes), Edge::kEnd) {
    std::memset(storage_.data(), kCanary, storage_.size());
  }
  uint8_t* data() { return storage_.data() + offset_; }
  int64_t size() const { return size_; }
  // True when no byte outside [offset, offset + size) changed.
  bool GuardsIntact() const {
    for (int64_t i = 0; i < offset_; ++i)
      if (storage_.data()[i] != kCanary) return false;
    for (int64_t i = offset_ + size_; i < static_cast<int64_t>(storage_.size()); ++i)
      if (storage_.data()[i] != kCanary) return false;
    return true;
  }

 private:
  int64_t size_;
  int64_t offset_;
  caffe2::testing::PageGuardedMemory storage_;
};

// An input buffer that touches a PROT_NONE page at one edge: its last byte is followed by the guard
// page (Edge::kEnd), or its first byte follows the leading one (Edge::kStart), so a kernel that reads
// one byte outside faults in every build, not only under AddressSanitizer. Where the edge puts the
// start, the start's alignment follows from the size (kEnd) or is a page (kStart).
class ExactBuffer {
 public:
  explicit ExactBuffer(int64_t size, Edge edge = Edge::kEnd) : storage_(static_cast<size_t>(size), edge) {}
  uint8_t* data() { return storage_.data(); }
  bool* as_bool() { return reinterpret_cast<bool*>(storage_.data()); }
  int64_t size() const { return static_cast<int64_t>(storage_.size()); }

 private:
  caffe2::testing::PageGuardedMemory storage_;
};

// The edge a sweep guards for one buffer: mostly the end (vector tails over-read there), one in four
// the start.
inline Edge RandomEdge(std::mt19937_64& rng) { return rng() % 4 == 0 ? Edge::kStart : Edge::kEnd; }

// Fills a mask with density d in [0, 1]; d < 0 makes long runs (lengths up to 300) of random value.
inline void FillMask(bool* mask, int64_t n, double d, std::mt19937_64& rng) {
  if (d < 0) {
    std::uniform_int_distribution<int> run(1, 300);
    int64_t i = 0;
    bool v = rng() & 1;
    while (i < n) {
      for (int r = run(rng); r > 0 && i < n; --r) mask[i++] = v;
      v = !v;
    }
    return;
  }
  std::bernoulli_distribution bit(d);
  for (int64_t i = 0; i < n; ++i) mask[i] = bit(rng);
}

inline void FillRandomBytes(uint8_t* p, int64_t n, std::mt19937_64& rng) {
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(rng());
}

// One implementation under test. The public-API ones force a path and a threading threshold for the
// duration of each call; the emulated one calls the serial table directly.
struct Impl {
  std::string name;
  bool supported;
  std::function<int64_t(const bool*, int64_t)> count;
  std::function<int64_t(const void*, const bool*, int64_t, int64_t, void*, int64_t*)> compact;
  std::function<void(const void*, const bool*, int64_t, int64_t, void*)> expand;
  std::function<int64_t(const bool* const*, int64_t, int64_t, int64_t*)> unmask_check;
  std::function<void(const bool* const*, const void* const*, int64_t, int64_t, int64_t, void*)> unmask_scatter;
  std::function<void(void*, int64_t, int64_t, const void*)> fill;
};

// A threshold no input reaches.
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

std::vector<Impl> AllImpls();
const Impl& ImplNamed(const std::string& name);
std::vector<std::string> ImplNames();

// Skips the current test with a message naming the path when it cannot run here.
#define CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl)                                                                   \
  if (!(impl).supported) GTEST_SKIP() << "code path '" << (impl).name << "' is not supported on this " \
                                      << "machine (CPU lacks the instructions or emulation not built)"

}  // namespace caffe2::kernels::testing

#endif  // CAFFE2_MASK_TESTS_KERNELS_TEST_UTIL_H_
