// Is a kernel waiting on memory or on its own instructions? Times each kernel on a small input whose
// data stays in L2 and on a large one, per item (or kept row, or position), one thread, best of 7
// runs: when the in-L2 time is close to the large-input time the loop is bound by its own work; when
// it is a small share, by memory. Also prints one core's streaming-read rate (a 64 MiB sum). The
// tables of docs/performance.md, "Third machine", come from this program:
//
//   build/bin/cache_resident_benchmark [avx2|avx512]     (default: the best path of this CPU)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ops/kernels/mask_kernels.h"

namespace caffe2::kernels {
namespace {

template <class F>
double BestNs(F f) {
  double best = 1e300;
  for (int r = 0; r < 7; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// Calls `f` often enough to run ~256 MiB of `bytes_per_call` traffic, returns ns per call.
template <class F>
double NsPerCall(int64_t bytes_per_call, F f) {
  const int64_t calls = std::max<int64_t>(1, (int64_t{1} << 28) / std::max<int64_t>(1, bytes_per_call));
  return BestNs([&] {
           for (int64_t i = 0; i < calls; ++i) f();
         }) /
         calls;
}

std::vector<char> Mask(int64_t n, int keep_one_in, uint64_t seed) {
  std::vector<char> m(n);
  std::mt19937_64 rng(seed);
  for (auto& x : m) x = rng() % keep_one_in == 0;
  return m;
}
const bool* AsBool(const std::vector<char>& m) { return reinterpret_cast<const bool*>(m.data()); }

void StreamingRead() {
  std::vector<uint64_t> words((64 << 20) / 8, 1);
  volatile uint64_t sink = 0;
  const double ns = BestNs([&] {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i < words.size(); i += 4) {
      a += words[i];
      b += words[i + 1];
      c += words[i + 2];
      d += words[i + 3];
    }
    sink = a + b + c + d;
  });
  std::printf("streaming read, 64 MiB: %.2f ms, %.1f GB/s\n", ns / 1e6, 64.0 * (1 << 20) / ns);
}

// BooleanMask / BooleanMaskGradient of 1-D data at d0.1: 32K items against 16M.
void OneDimensional() {
  for (int64_t rb : {4, 8})
    for (int64_t n : {int64_t{32768}, int64_t{1} << 24}) {
      std::vector<char> data(n * rb, 1), out(n * rb + 64);
      const std::vector<char> mask = Mask(n, 10, 1);
      const double compact = NsPerCall(n * rb, [&] { BooleanMaskCompact(data.data(), AsBool(mask), n, rb, out.data(), nullptr); });
      const double expand = NsPerCall(n * rb, [&] { BooleanMaskExpand(data.data(), AsBool(mask), n, rb, out.data()); });
      std::printf("d0.1 %ld-byte items, n=%ld: compact %.3f ns an item, expand %.3f ns an item\n", rb, n, compact / n,
                  expand / n);
    }
}

// BooleanMask of rows at d0.1: 256 KiB of rows against 64 MiB, per kept row.
void SparseRows() {
  for (int64_t rb : {64, 128, 1024})
    for (int64_t bytes : {int64_t{256} << 10, int64_t{64} << 20}) {
      const int64_t n = bytes / rb;
      std::vector<char> data(bytes, 1), out(bytes + 64);
      const std::vector<char> mask = Mask(n, 10, 1);
      int64_t kept = 0;
      const double ns = NsPerCall(bytes, [&] { kept = BooleanMaskCompact(data.data(), AsBool(mask), n, rb, out.data(), nullptr); });
      std::printf("d0.1 rows of %ld B, %ld KiB: %.1f ns a kept row\n", rb, bytes >> 10, ns / std::max<int64_t>(kept, 1));
    }
}

// BooleanUnmask of float, a random owner pair per position: 32K positions against 16M.
void Unmask() {
  for (int pairs : {2, 4, 8})
    for (int64_t n : {int64_t{32768}, int64_t{1} << 24}) {
      std::vector<std::vector<char>> masks(pairs, std::vector<char>(n, 0));
      std::mt19937_64 rng(11);
      for (int64_t p = 0; p < n; ++p) masks[rng() % pairs][p] = 1;
      std::vector<const bool*> mask_ptrs;
      for (const auto& m : masks) mask_ptrs.push_back(AsBool(m));
      std::vector<int64_t> counts(pairs);
      BooleanUnmaskCheck(mask_ptrs.data(), pairs, n, counts.data());
      std::vector<std::vector<float>> values;
      std::vector<const void*> value_ptrs;
      for (int i = 0; i < pairs; ++i) {
        values.emplace_back(counts[i] + 16, 1.0f);
        value_ptrs.push_back(values.back().data());
      }
      std::vector<float> out(n);
      const double ns = NsPerCall(n * (pairs + 8), [&] {
        BooleanUnmaskScatter(mask_ptrs.data(), value_ptrs.data(), pairs, n, 4, out.data());
      });
      std::printf("unmask %d pairs, n=%ld: %.3f ns a position\n", pairs, n, ns / n);
    }
}

}  // namespace
}  // namespace caffe2::kernels

int main(int argc, char** argv) {
  using namespace caffe2::kernels;
  SetParallelThresholdBytes(int64_t{1} << 62);  // one thread
  CpuPath path = ActivePath();
  if (argc > 1) {
    const std::string name = argv[1];
    if (name != "avx2" && name != "avx512") {
      std::fprintf(stderr, "usage: %s [avx2|avx512]\n", argv[0]);
      return 2;
    }
    path = name == "avx2" ? CpuPath::kAVX2 : CpuPath::kAVX512;
    if (!PathSupported(path)) {
      std::fprintf(stderr, "%s: this CPU does not run the %s path\n", argv[0], name.c_str());
      return 2;
    }
  }
  ScopedCpuPath forced(path);
  std::printf("path %s, one thread, best of 7\n", CpuPathName(path));
  StreamingRead();
  OneDimensional();
  SparseRows();
  Unmask();
  return 0;
}
