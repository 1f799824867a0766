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
#include "ops/kernels/streaming.h"

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

// The first 64-byte boundary in `buffer` (which has 64 bytes to spare): a streaming copy to a row that
// is not line-aligned mixes store kinds in its partial lines, as the kernels' outputs do not.
char* LineAligned(std::vector<char>& buffer) {
  const uintptr_t p = reinterpret_cast<uintptr_t>(buffer.data());
  return buffer.data() + ((64 - p % 64) % 64);
}

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

// BooleanMaskLengths (int32 lengths, mean segment 100, d0.5): 32K positions against 16M, per
// position, with a memcpy of the mask's bytes at each size for scale.
void Lengths() {
  for (int64_t n : {int64_t{32768}, int64_t{1} << 24}) {
    const std::vector<char> mask = Mask(n, 2, 5);
    std::vector<int32_t> lengths;
    std::mt19937_64 rng(5);
    for (int64_t total = 0; total < n;) {
      const int32_t l = static_cast<int32_t>(std::min<int64_t>(rng() % 201, n - total));
      lengths.push_back(l);
      total += l;
    }
    std::vector<int32_t> out(lengths.size());
    const int64_t segments = static_cast<int64_t>(lengths.size());
    const double ns = NsPerCall(n, [&] { SegmentCountTrue<int32_t>(lengths.data(), segments, AsBool(mask), out.data()); });
    std::vector<char> copy(n);
    const double copy_ns = NsPerCall(n, [&] {
      std::memcpy(copy.data(), mask.data(), n);
      asm volatile("" : : "r"(copy.data()) : "memory");
    });
    std::printf("lengths, mean segment 100, n=%ld: %.3f ns a position (memcpy of the mask: %.3f)\n", n, ns / n,
                copy_ns / n);
  }
}

// Not a kernel: what reading only the kept rows of a 64 MiB input at d0.5 costs against reading every
// row (one stream). Sums the first 32 bytes of each 64-byte line of the kept rows, taken from the set
// bits of each mask word (no branch on the mask), without prefetch and with the kept rows prefetched
// 16 KiB ahead (as BooleanMask's KeptRowPrefetcher does), against the same over every row. Where the
// prefetched half is not near half the time of every row, a compaction of such rows cannot move its
// bytes at the rate memcpy streams them. Then the copy of the kept rows, below.
void KeptRowReads() {
  constexpr int64_t kBytes = int64_t{64} << 20, kAhead = 16384;
  std::vector<char> data(kBytes, 1), out_buffer(kBytes + 64, 0);
  for (int64_t rb : {256, 1024, 4096, 16384}) {
    const int64_t n = kBytes / rb, prefetched = std::min<int64_t>(rb, 4096);
    const int64_t ahead = std::max<int64_t>(1, kAhead / prefetched);  // rows, as KeptRowPrefetcher counts them
    const std::vector<char> half = Mask(n, 2, 3);
    std::vector<int64_t> kept_rows, every_row(n);
    for (int64_t r = 0; r < n; ++r) {
      every_row[r] = r;
      if (half[r]) kept_rows.push_back(r);
    }
    const int64_t kept = static_cast<int64_t>(kept_rows.size());
    volatile uint64_t sink = 0;
    auto read = [&](const std::vector<int64_t>& rows, bool prefetch) {
      const int64_t count = static_cast<int64_t>(rows.size());
      return BestNs([&] {
        uint64_t acc = 0;
        for (int64_t k = 0; k < count; ++k) {
          if (prefetch && k + ahead < count)
            for (int64_t off = 0; off < prefetched; off += 64) __builtin_prefetch(data.data() + rows[k + ahead] * rb + off);
          const char* row = data.data() + rows[k] * rb;
          for (int64_t off = 0; off < rb; off += 64) {
            uint64_t v[4];
            std::memcpy(v, row + off, 32);
            acc += v[0] + v[1] + v[2] + v[3];
          }
        }
        sink = acc;
      });
    };
    const double plain = read(kept_rows, false), prefetched_read = read(kept_rows, true), every = read(every_row, false);
    std::printf("read rows of %ld B at d0.5: kept rows %.2f ms, kept rows prefetched 16 KiB ahead %.2f ms; every row %.2f ms\n",
                rb, plain / 1e6, prefetched_read / 1e6, every / 1e6);

    // The kept rows copied from the list (no run search), prefetched the same way, with streaming stores
    // as BooleanMask uses for a large output, against BooleanMask and a memcpy of as many bytes. Where
    // the listed copy is no faster than BooleanMask, the gap to memcpy is the memory system's (random
    // reads against one stream), not the kernel's loop.
    char* const out = LineAligned(out_buffer);
    const double listed = BestNs([&] {
      for (int64_t k = 0; k < kept; ++k) {
        if (k + ahead < kept)
          for (int64_t off = 0; off < prefetched; off += 64) __builtin_prefetch(data.data() + kept_rows[k + ahead] * rb + off);
        detail::StreamCopy(out + k * rb, data.data() + kept_rows[k] * rb, rb);
      }
      detail::StreamFence();
    });
    const double kernel = BestNs([&] { BooleanMaskCompact(data.data(), AsBool(half), n, rb, out, nullptr); });
    const double copy = BestNs([&] {
      std::memcpy(out, data.data(), kept * rb);
      asm volatile("" : : "r"(out) : "memory");
    });
    std::printf("copy rows of %ld B at d0.5: kept rows from a list %.2f ms, BooleanMask %.2f ms, memcpy of as many bytes %.2f ms\n",
                rb, listed / 1e6, kernel / 1e6, copy / 1e6);
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
  Lengths();
  KeptRowReads();
  return 0;
}
