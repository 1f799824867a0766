// Benchmarks of the mask kernels against memcpy on the same machine, in the same process.
//
// Every case reports bytes_per_second (input + mask + output bytes per run, the conventional count),
// moved_bytes_per_second (the bytes any implementation has to move: mask, the cache lines of kept
// input, output; see Report) and `vs_memcpy`: the moved rate divided by the rate of a memcpy that
// moves the same bytes. A memcpy of C bytes reads C and writes C, so the yardstick for a case that
// moves X bytes is a memcpy of X/2 bytes, rated as X bytes per memcpy time ("bytes read plus
// written", as in issue 5). The memcpy runs with the same number of
// threads as the case (one thread, or the whole OpenMP team split into chunks), measured once per size
// and cached.
//
// Names: <kernel>/<shape>/<density or mode>/<path>/<threads>, threads = "t1" (threshold forced high)
// or "tN" (threshold forced to 0, N = omp_get_max_threads()). `--cpu_path=avx2` (or scalar, avx512)
// times the suite on that path instead of the best one; the context names the CPU model, its vector
// features and whether the AVX-512 path can run here.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ops/kernels/mask_kernels.h"
#include "ops/kernels/streaming.h"

namespace caffe2::kernels::bench {
namespace {

constexpr int64_t kItems1D = int64_t{16} << 20;  // 16M items (issue 5)
constexpr int64_t kRowsBytes = int64_t{64} << 20;  // N-D cases: 64 MiB of data

// Page-touched, 64-byte aligned buffer that stays alive for the whole run (cases share them).
struct Buffer {
  explicit Buffer(int64_t bytes) : size(bytes) {
    void* p = nullptr;
    if (posix_memalign(&p, 64, static_cast<size_t>(bytes > 0 ? bytes : 64)) != 0) std::abort();
    ptr = static_cast<uint8_t*>(p);
    std::memset(ptr, 0, static_cast<size_t>(bytes));
  }
  ~Buffer() { std::free(ptr); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  uint8_t* ptr = nullptr;
  int64_t size = 0;
};

Buffer& RandomData(int64_t bytes) {
  static std::map<int64_t, std::unique_ptr<Buffer>> cache;
  auto& slot = cache[bytes];
  if (!slot) {
    slot = std::make_unique<Buffer>(bytes);
    std::mt19937_64 rng(42);
    for (int64_t i = 0; i + 8 <= bytes; i += 8) {
      const uint64_t v = rng();
      std::memcpy(slot->ptr + i, &v, 8);
    }
  }
  return *slot;
}

Buffer& Scratch(int slot_id, int64_t bytes) {
  static std::map<std::pair<int, int64_t>, std::unique_ptr<Buffer>> cache;
  auto& slot = cache[{slot_id, bytes}];
  if (!slot) slot = std::make_unique<Buffer>(bytes);
  return *slot;
}

// density < 0: all false; > 1 never used. Seeded, cached per (n, density, seed).
const bool* Mask(int64_t n, double density, int seed = 7) {
  static std::map<std::tuple<int64_t, double, int>, std::unique_ptr<Buffer>> cache;
  auto& slot = cache[{n, density, seed}];
  if (!slot) {
    slot = std::make_unique<Buffer>(n);
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution bit(density);
    bool* m = reinterpret_cast<bool*>(slot->ptr);
    for (int64_t i = 0; i < n; ++i) m[i] = density >= 1.0 ? true : density <= 0.0 ? false : bit(rng);
  }
  return reinterpret_cast<const bool*>(slot->ptr);
}

// One source/destination pair for every memcpy measurement, grown as needed (copies use a prefix).
uint8_t* MemcpyBuffer(int which, int64_t bytes) {
  static std::unique_ptr<Buffer> buffers[2];
  if (!buffers[which] || buffers[which]->size < bytes) {
    buffers[which].reset();
    buffers[which] = std::make_unique<Buffer>(bytes);
  }
  return buffers[which]->ptr;
}

// Rate (traffic bytes / second) of a memcpy that moves `traffic` bytes (traffic/2 copied) with
// `threads` threads; median of 9 samples after a warm-up run.
double MemcpyRate(int64_t traffic, int threads) {
  static std::map<std::pair<int64_t, int>, double> cache;
  const auto key = std::make_pair(traffic, threads);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const int64_t bytes = traffic / 2;
  const uint8_t* src = MemcpyBuffer(0, bytes);
  uint8_t* dst = MemcpyBuffer(1, bytes);
  auto once = [&] {
    if (threads <= 1) {
      std::memcpy(dst, src, static_cast<size_t>(bytes));
      return;
    }
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), T = omp_get_num_threads();
      const int64_t b = bytes / T * t, e = t == T - 1 ? bytes : bytes / T * (t + 1);
      std::memcpy(dst + b, src + b, static_cast<size_t>(e - b));
    }
  };
  once();
  // Small copies are repeated so each sample lasts about a millisecond (timer resolution).
  int inner = 1;
  for (auto t0 = std::chrono::steady_clock::now();
       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1e-3; ++inner)
    once();
  std::vector<double> seconds;
  for (int rep = 0; rep < 9; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < inner; ++r) once();
    benchmark::ClobberMemory();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / inner);
  }
  std::sort(seconds.begin(), seconds.end());
  const double rate = static_cast<double>(traffic) / seconds[seconds.size() / 2];
  cache[key] = rate;
  return rate;
}

struct Config {
  CpuPath path;
  bool threaded;
};

// Forces the configuration for one benchmark run; reports a skip when the path is unsupported.
class Scope {
 public:
  Scope(benchmark::State& state, const Config& c)
      : threshold_(c.threaded ? 0 : std::numeric_limits<int64_t>::max()) {
    if (!PathSupported(c.path)) {
      state.SkipWithError((std::string("CPU path ") + CpuPathName(c.path) + " not supported here").c_str());
      return;
    }
    path_ = std::make_unique<ScopedCpuPath>(c.path);
    ok_ = true;
  }
  bool ok() const { return ok_; }

 private:
  ScopedParallelThreshold threshold_;
  std::unique_ptr<ScopedCpuPath> path_;
  bool ok_ = false;
};

// Wall-clock time of the timed loop, measured next to Google Benchmark's own so that vs_memcpy can be
// a plain ratio (a kIsRate counter would print as "/s").
class LoopTimer {
 public:
  LoopTimer() : t0_(std::chrono::steady_clock::now()) {}
  double Seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

 private:
  std::chrono::steady_clock::time_point t0_;
};

// Two byte counts per case. `counted` is the conventional one (whole input + mask + output), reported
// as bytes_per_second and comparable with NumPy/PyTorch figures computed the same way. `moved` is what
// any implementation has to move: the mask, the cache lines of input it must read (a kernel that
// skips a false row of 1 KiB never reads it) and the output it writes; it is reported as
// moved_bytes_per_second, and vs_memcpy is computed on it (a memcpy moving the same bytes).
void Report(benchmark::State& state, int64_t counted, int64_t moved, const Config& c, const LoopTimer& timer) {
  const double seconds = timer.Seconds();
  const int threads = c.threaded ? omp_get_max_threads() : 1;
  state.SetBytesProcessed(state.iterations() * counted);
  const double moved_rate = static_cast<double>(state.iterations() * moved) / seconds;
  state.counters["moved_bytes_per_second"] = benchmark::Counter(moved_rate, benchmark::Counter::kDefaults,
                                                                benchmark::Counter::kIs1024);
  state.counters["vs_memcpy"] = moved_rate / MemcpyRate(moved, threads);
  state.counters["threads"] = threads;
}
void Report(benchmark::State& state, int64_t bytes, const Config& c, const LoopTimer& timer) {
  Report(state, bytes, bytes, c, timer);
}

// Bytes of the 64-byte lines of `data` (64-byte aligned, rows of rb bytes) that hold a kept row: what
// reading the kept rows costs the memory system.
int64_t KeptLineBytes(const bool* mask, int64_t n, int64_t rb) {
  int64_t lines = 0, last_line = -1;
  for (int64_t i = 0; i < n; ++i) {
    if (!mask[i]) continue;
    const int64_t first = i * rb / 64, last = (i * rb + rb - 1) / 64;
    lines += last - (first > last_line ? first : last_line + 1) + 1;
    last_line = last;
  }
  return lines * 64;
}

std::string Suffix(const Config& c) {
  return std::string("/") + CpuPathName(c.path) + (c.threaded ? "/tN" : "/t1");
}

std::string DensityName(double d) {
  if (d <= 0.0) return "all_false";
  if (d >= 1.0) return "all_true";
  return "d" + std::to_string(static_cast<int>(d * 100 + 0.5));
}

template <class Fn>
void Register(const std::string& name, Fn fn) {
  benchmark::RegisterBenchmark(name.c_str(), fn)->UseRealTime()->Unit(benchmark::kMillisecond);
}

// A copy of 64 MiB by `copy` (called on each thread's contiguous chunk) through the same reporting.
template <class CopyFn>
void RegisterCopy(const std::string& stem, CopyFn copy, const Config& c) {
  Register(stem + (c.threaded ? "/tN" : "/t1"), [=](benchmark::State& state) {
    const int64_t bytes = int64_t{64} << 20;
    const uint8_t* src = MemcpyBuffer(0, bytes);
    uint8_t* dst = MemcpyBuffer(1, bytes);
    const int threads = c.threaded ? omp_get_max_threads() : 1;
    const LoopTimer timer;
    for (auto _ : state) {
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num(), T = omp_get_num_threads();
        const int64_t b = bytes / T * t, e = t == T - 1 ? bytes : bytes / T * (t + 1);
        copy(dst + b, src + b, e - b);
      }
      benchmark::ClobberMemory();
    }
    Report(state, 2 * bytes, c, timer);
  });
}

// ---------------------------------------------------------------------------------------------------
void RegisterCompact(const std::string& shape, int64_t n, int64_t rb, double density, const Config& c) {
  Register("BooleanMask/" + shape + "/" + DensityName(density) + Suffix(c), [=](benchmark::State& state) {
    Scope scope(state, c);
    if (!scope.ok()) return;
    const uint8_t* data = RandomData(n * rb).ptr;
    const bool* mask = Mask(n, density);
    uint8_t* out = Scratch(0, n * rb).ptr;
    int64_t kept = 0;
    const int64_t read = KeptLineBytes(mask, n, rb);
    const LoopTimer timer;
    for (auto _ : state) {
      kept = BooleanMaskCompact(data, mask, n, rb, out, nullptr);
      benchmark::DoNotOptimize(kept);
      benchmark::ClobberMemory();
    }
    Report(state, n * rb + n + kept * rb, n + read + kept * rb, c, timer);
  });
}

void RegisterCompactWithIndices(int64_t n, const Config& c) {
  Register("BooleanMaskWithIndices/f32_16M/d50" + Suffix(c), [=](benchmark::State& state) {
    Scope scope(state, c);
    if (!scope.ok()) return;
    const uint8_t* data = RandomData(n * 4).ptr;
    const bool* mask = Mask(n, 0.5);
    uint8_t* out = Scratch(0, n * 4).ptr;
    int64_t* idx = reinterpret_cast<int64_t*>(Scratch(1, n * 8).ptr);
    int64_t kept = 0;
    const LoopTimer timer;
    for (auto _ : state) {
      kept = BooleanMaskCompact(data, mask, n, 4, out, idx);
      benchmark::ClobberMemory();
    }
    Report(state, n * 4 + n + kept * 12, n + KeptLineBytes(mask, n, 4) + kept * 12, c, timer);
  });
}

void RegisterExpand(const std::string& shape, int64_t n, int64_t rb, double density, const Config& c) {
  Register("BooleanMaskGradient/" + shape + "/" + DensityName(density) + Suffix(c), [=](benchmark::State& state) {
    Scope scope(state, c);
    if (!scope.ok()) return;
    const bool* mask = Mask(n, density);
    const int64_t count = CountTrue(mask, n);
    const uint8_t* packed = RandomData(n * rb).ptr;  // first `count` rows used
    uint8_t* out = Scratch(0, n * rb).ptr;
    const LoopTimer timer;
    for (auto _ : state) {
      BooleanMaskExpand(packed, mask, n, rb, out);
      benchmark::ClobberMemory();
    }
    Report(state, count * rb + n + n * rb, c, timer);
  });
}

void RegisterUnmask(int pairs, int64_t n, const Config& c) {
  Register("BooleanUnmask/f32_16M/pairs" + std::to_string(pairs) + Suffix(c), [=](benchmark::State& state) {
    Scope scope(state, c);
    if (!scope.ok()) return;
    // Each position owned by a random pair (an even split of the values).
    static std::map<int, std::vector<std::unique_ptr<Buffer>>> masks_cache;
    auto& masks = masks_cache[pairs];
    if (masks.empty()) {
      std::mt19937_64 rng(11);
      for (int i = 0; i < pairs; ++i) masks.push_back(std::make_unique<Buffer>(n));
      for (int64_t p = 0; p < n; ++p) masks[rng() % pairs]->ptr[p] = 1;
    }
    std::vector<const bool*> mask_ptrs;
    for (auto& m : masks) mask_ptrs.push_back(reinterpret_cast<const bool*>(m->ptr));
    std::vector<int64_t> counts(pairs);
    BooleanUnmaskCheck(mask_ptrs.data(), pairs, n, counts.data());
    std::vector<const void*> values;
    for (int i = 0; i < pairs; ++i) values.push_back(Scratch(10 + i, counts[i] * 4 + 64).ptr);
    uint8_t* out = Scratch(0, n * 4).ptr;
    const LoopTimer timer;
    for (auto _ : state) {
      BooleanUnmaskScatter(mask_ptrs.data(), values.data(), pairs, n, 4, out);
      benchmark::ClobberMemory();
    }
    Report(state, pairs * n + n * 4 + n * 4, c, timer);
  });
}

void RegisterUnmaskCheck(int pairs, int64_t n, const Config& c) {
  Register("BooleanUnmaskCheck/16M/pairs" + std::to_string(pairs) + Suffix(c), [=](benchmark::State& state) {
    Scope scope(state, c);
    if (!scope.ok()) return;
    std::vector<const bool*> masks;
    for (int i = 0; i < pairs; ++i) masks.push_back(Mask(n, 1.0 / (pairs - i), 100 + i));
    std::vector<int64_t> counts(pairs);
    const LoopTimer timer;
    for (auto _ : state) benchmark::DoNotOptimize(BooleanUnmaskCheck(masks.data(), pairs, n, counts.data()));
    Report(state, pairs * n, c, timer);
  });
}

void RegisterSegments(int64_t n, int64_t avg_len, const Config& c) {
  Register("BooleanMaskLengths/16M/avg_len" + std::to_string(avg_len) + Suffix(c), [=](benchmark::State& state) {
    Scope scope(state, c);
    if (!scope.ok()) return;
    std::vector<int32_t> lengths;
    std::mt19937_64 rng(5);
    int64_t total = 0;
    while (total < n) {
      const int32_t l = static_cast<int32_t>(std::min<int64_t>(rng() % (2 * avg_len + 1), n - total));
      lengths.push_back(l);
      total += l;
    }
    const bool* mask = Mask(n, 0.5);
    std::vector<int32_t> out(lengths.size());
    const int64_t segments = static_cast<int64_t>(lengths.size());
    const LoopTimer timer;
    for (auto _ : state) {
      SegmentCountTrue<int32_t>(lengths.data(), segments, mask, out.data());
      benchmark::ClobberMemory();
    }
    Report(state, n + segments * 8, c, timer);
  });
}

enum class Mode { kSequence, kWindow, kUpper, kLower, kUpperDiag, kLowerDiag, kRepeat };
const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kSequence: return "sequence";
    case Mode::kWindow: return "window";
    case Mode::kUpper: return "upper";
    case Mode::kLower: return "lower";
    case Mode::kUpperDiag: return "upperdiag";
    case Mode::kLowerDiag: return "lowerdiag";
    case Mode::kRepeat: return "sequence_repeat";
  }
  return "?";
}

void RegisterSequence(const std::string& shape, int64_t B, int64_t N, int64_t M, Mode mode, const Config& c) {
  Register(std::string("SequenceMask/") + shape + "/" + ModeName(mode) + Suffix(c), [=](benchmark::State& state) {
    Scope scope(state, c);
    if (!scope.ok()) return;
    const int64_t bytes = B * N * M * 4;
    const uint8_t* in = RandomData(bytes).ptr;
    uint8_t* out = Scratch(0, bytes).ptr;
    // Lengths/centres spread uniformly over the row, so about half of each row is kept.
    std::vector<int32_t> arg(N);
    std::mt19937_64 rng(3);
    const int64_t D = 64;
    for (auto& a : arg) a = static_cast<int32_t>(rng() % (mode == Mode::kRepeat ? M / D + 1 : M + 1));
    const float fill = -std::numeric_limits<float>::infinity();
    const LoopTimer timer;
    for (auto _ : state) {
      switch (mode) {
        case Mode::kSequence: SequenceMaskApply(in, out, 4, &fill, B, N, M, SequenceSpan{arg.data()}); break;
        case Mode::kRepeat: SequenceMaskApply(in, out, 4, &fill, B, N, M, SequenceSpan{arg.data(), D}); break;
        case Mode::kWindow: SequenceMaskApply(in, out, 4, &fill, B, N, M, WindowSpan{arg.data(), M / 4}); break;
        case Mode::kUpper: SequenceMaskApply(in, out, 4, &fill, B, N, M, UpperSpan{}); break;
        case Mode::kLower: SequenceMaskApply(in, out, 4, &fill, B, N, M, LowerSpan{}); break;
        case Mode::kUpperDiag: SequenceMaskApply(in, out, 4, &fill, B, N, M, UpperDiagSpan{}); break;
        case Mode::kLowerDiag: SequenceMaskApply(in, out, 4, &fill, B, N, M, LowerDiagSpan{}); break;
      }
      benchmark::ClobberMemory();
    }
    // Counted: input + output bytes. Moved: the kept spans' lines read, every byte written.
    int64_t kept_lines = 0;
    for (int64_t i = 0; i < N; ++i) {
      Span span{0, 0};
      switch (mode) {
        case Mode::kSequence: span = SequenceSpan{arg.data()}(i); break;
        case Mode::kRepeat: span = SequenceSpan{arg.data(), D}(i); break;
        case Mode::kWindow: span = WindowSpan{arg.data(), M / 4}(i); break;
        case Mode::kUpper: span = UpperSpan{}(i); break;
        case Mode::kLower: span = LowerSpan{}(i); break;
        case Mode::kUpperDiag: span = UpperDiagSpan{}(i); break;
        case Mode::kLowerDiag: span = LowerDiagSpan{}(i); break;
      }
      const int64_t b = std::clamp<int64_t>(span.begin, 0, M), e = std::clamp<int64_t>(span.end, b, M);
      if (e > b) kept_lines += ((i * M + e) * 4 + 63) / 64 - (i * M + b) * 4 / 64;
    }
    Report(state, 2 * bytes, B * kept_lines * 64 + bytes, c, timer);
  });
}

// Serial vs threaded compaction at growing sizes: where the lines cross is the parallel threshold.
void RegisterThresholdSweep() {
  for (int64_t n = 4096; n <= (int64_t{4} << 20); n *= 2) {
    for (bool threaded : {false, true}) {
      const Config c{ActivePath(), threaded};
      Register("ThresholdSweep/BooleanMask/f32/n" + std::to_string(n) + Suffix(c), [=](benchmark::State& state) {
        Scope scope(state, c);
        if (!scope.ok()) return;
        const uint8_t* data = RandomData(n * 4).ptr;
        const bool* mask = Mask(n, 0.5);
        uint8_t* out = Scratch(0, n * 4).ptr;
        int64_t kept = 0;
        const LoopTimer timer;
        for (auto _ : state) {
          kept = BooleanMaskCompact(data, mask, n, 4, out, nullptr);
          benchmark::ClobberMemory();
        }
        Report(state, n * 4 + n + kept * 4, n + KeptLineBytes(mask, n, 4) + kept * 4, c, timer);
      });
      Register("ThresholdSweep/SequenceMask/f32/n" + std::to_string(n) + Suffix(c), [=](benchmark::State& state) {
        Scope scope(state, c);
        if (!scope.ok()) return;
        const int64_t M = 256, N = n / M;
        const uint8_t* in = RandomData(n * 4).ptr;
        uint8_t* out = Scratch(0, n * 4).ptr;
        const float fill = 0;
        const LoopTimer timer;
        for (auto _ : state) {
          SequenceMaskApply(in, out, 4, &fill, 1, N, M, LowerSpan{});
          benchmark::ClobberMemory();
        }
        Report(state, 2 * n * 4, c, timer);
      });
    }
  }
}

// What the next operator of a net does with an output: reads it once.
uint64_t Consume(const uint8_t* p, int64_t bytes) {
  uint64_t acc = 0;
  for (int64_t i = 0; i + 8 <= bytes; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    acc ^= v;
  }
  return acc;
}

// Where streaming stores start to pay: one thread, a SequenceMask call (rows of 16 KiB) followed by a
// read of its whole output (its consumer), with the output cached ("cached", threshold never reached)
// or streamed ("streamed", threshold 0), at output sizes around the last-level cache. The smallest
// size from which "streamed" is faster is the default threshold (docs/performance.md).
void RegisterStreamingSweep() {
  const Config c{ActivePath(), false};
  for (int64_t mib : {4, 8, 12, 16, 24, 32, 64}) {
    const int64_t counted = mib << 20;
    for (bool streamed : {false, true}) {
      const std::string name = "StreamingSweep/SequenceMask+read/" + std::to_string(mib) + "MiB" +
                               (streamed ? "/streamed" : "/cached") + Suffix(c);
      Register(name, [=](benchmark::State& state) {
        Scope scope(state, c);
        if (!scope.ok()) return;
        ScopedStreamingThreshold streaming(streamed ? 0 : std::numeric_limits<int64_t>::max());
        const int64_t M = 4096, N = counted / (M * 4);
        const uint8_t* in = RandomData(N * M * 4).ptr;
        uint8_t* out = Scratch(0, N * M * 4).ptr;
        const float fill = 0;
        const LoopTimer timer;
        for (auto _ : state) {
          SequenceMaskApply(in, out, 4, &fill, 1, N, M, UpperSpan{});
          benchmark::DoNotOptimize(Consume(out, N * M * 4));
        }
        Report(state, 3 * N * M * 4, c, timer);
      });
    }
  }
}

// The CPU this ran on, for the benchmark's context: the model name from /proc/cpuinfo, and the
// instruction-set features the paths care about.
std::string CpuModel() {
  std::FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (!f) return "unknown";
  char line[512];
  std::string model = "unknown";
  while (std::fgets(line, sizeof line, f)) {
    const std::string l = line;
    if (l.rfind("model name", 0) == 0) {
      const size_t colon = l.find(':');
      if (colon != std::string::npos) model = l.substr(colon + 2, l.size() - colon - 3);  // drop ": " and '\n'
      break;
    }
  }
  std::fclose(f);
  return model;
}

std::string CpuFeatureList() {
  std::string list;
  __builtin_cpu_init();
  const auto add = [&](const char* name, bool present) {
    if (present) list += (list.empty() ? "" : " ") + std::string(name);
  };
  add("avx2", __builtin_cpu_supports("avx2"));
  add("bmi2", __builtin_cpu_supports("bmi2"));
  add("avx512f", __builtin_cpu_supports("avx512f"));
  add("avx512bw", __builtin_cpu_supports("avx512bw"));
  add("avx512vl", __builtin_cpu_supports("avx512vl"));
  add("avx512vbmi2", __builtin_cpu_supports("avx512vbmi2"));
  add("avx512vpopcntdq", __builtin_cpu_supports("avx512vpopcntdq"));
  return list.empty() ? "baseline x86-64 only" : list;
}

void RegisterAll(CpuPath best) {
  const Config t1{best, false}, tn{best, true};
  const double kDensities[] = {0.1, 0.5, 0.9, 1.0, 0.0};

  // 1-D float32 and int64, every path, every density, one thread.
  for (CpuPath path : {CpuPath::kScalar, CpuPath::kAVX2, CpuPath::kAVX512})
    for (double d : kDensities) {
      RegisterCompact("f32_16M", kItems1D, 4, d, {path, false});
      RegisterCompact("i64_16M", kItems1D, 8, d, {path, false});
    }
  for (double d : {0.1, 0.5, 0.9}) RegisterCompact("f16_16M", kItems1D, 2, d, t1);
  for (double d : {0.5}) {
    RegisterCompact("f32_16M", kItems1D, 4, d, tn);
    RegisterCompact("i64_16M", kItems1D, 8, d, tn);
  }
  RegisterCompactWithIndices(kItems1D, t1);
  // Rows of 16, 32, 64, 256, 1024 and 4096 floats (64 B to 16 KiB).
  for (int64_t floats : {16, 32, 64, 256, 1024, 4096})
    for (double d : kDensities)
      for (const Config& c : {t1, tn}) {
        if (c.threaded && d != 0.5) continue;
        RegisterCompact("rows" + std::to_string(floats) + "xf32_64MiB", kRowsBytes / (floats * 4), floats * 4, d, c);
      }
  for (double d : {0.1, 0.5, 0.9})
    for (const Config& c : {t1, tn}) {
      if (c.threaded && d != 0.5) continue;
      RegisterExpand("f32_16M", kItems1D, 4, d, c);
    }
  RegisterExpand("rows16xf32_64MiB", kRowsBytes / 64, 64, 0.5, t1);
  for (double d : {0.1, 0.5, 0.9}) RegisterExpand("f16_16M", kItems1D, 2, d, t1);
  for (int pairs : {2, 3, 4, 5, 6, 8})
    for (const Config& c : {t1, tn}) {
      if (c.threaded && pairs != 2 && pairs != 4) continue;
      RegisterUnmask(pairs, kItems1D, c);
    }
  RegisterUnmaskCheck(2, kItems1D, t1);
  for (const Config& c : {t1, tn}) RegisterSegments(kItems1D, 100, c);
  for (Mode m : {Mode::kSequence, Mode::kWindow, Mode::kUpper, Mode::kLower, Mode::kUpperDiag, Mode::kLowerDiag})
    for (const Config& c : {t1, tn}) RegisterSequence("4096x4096", 1, 4096, 4096, m, c);
  for (const Config& c : {t1, tn}) {
    RegisterSequence("batch16x256x4096", 16, 256, 4096, Mode::kSequence, c);
    RegisterSequence("batch16x256x4096", 16, 256, 4096, Mode::kUpper, c);
    // Short rows (256 B to 4 KiB), around kMaxBlendedRowBytes and kMinStreamedRowBytes.
    RegisterSequence("262144x64", 1, 262144, 64, Mode::kSequence, c);
    RegisterSequence("65536x256", 1, 65536, 256, Mode::kSequence, c);
    RegisterSequence("32768x512", 1, 32768, 512, Mode::kSequence, c);
    RegisterSequence("16384x1024", 1, 16384, 1024, Mode::kSequence, c);
    RegisterSequence("4096x64x64_D64", 1, 4096, 64 * 64, Mode::kRepeat, c);
  }
  // memcpy itself through the same reporting, as a sanity line (vs_memcpy ~ 1 by construction), and a
  // copy with streaming stores: the ceiling for a kernel whose output bypasses the cache (see
  // docs/performance.md, "Streaming stores"; glibc's memcpy streams only far above this size).
  const auto plain_copy = [](uint8_t* dst, const uint8_t* src, int64_t bytes) {
    std::memcpy(dst, src, static_cast<size_t>(bytes));
  };
  const auto streaming_copy = [](uint8_t* dst, const uint8_t* src, int64_t bytes) {
    detail::StreamCopy(dst, src, bytes);
    detail::StreamFence();
  };
  for (const Config& c : {t1, tn}) {
    RegisterCopy("memcpy/64MiB", plain_copy, c);
    RegisterCopy("stream_copy/64MiB", streaming_copy, c);
  }
  RegisterThresholdSweep();
  RegisterStreamingSweep();
}

}  // namespace
}  // namespace caffe2::kernels::bench

int main(int argc, char** argv) {
  using caffe2::kernels::CpuPath;
  // --cpu_path=scalar|avx2|avx512: the path of the suite's cases (default: the best this CPU runs);
  // the 1-D BooleanMask cases run every path regardless. Removed from argv before Google Benchmark
  // parses its own flags.
  CpuPath path = caffe2::kernels::ActivePath();
  int kept_args = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::string prefix = "--cpu_path=";
    if (arg.rfind(prefix, 0) != 0) {
      argv[kept_args++] = argv[i];
      continue;
    }
    const std::string name = arg.substr(prefix.size());
    bool known = false;
    for (CpuPath p : {CpuPath::kScalar, CpuPath::kAVX2, CpuPath::kAVX512})
      if (name == caffe2::kernels::CpuPathName(p)) {
        path = p;
        known = true;
      }
    if (!known) {
      std::fprintf(stderr, "unknown --cpu_path '%s' (scalar, avx2, avx512)\n", name.c_str());
      return 1;
    }
    if (!caffe2::kernels::PathSupported(path)) {
      std::fprintf(stderr, "--cpu_path=%s: this CPU cannot run that path (%s)\n", name.c_str(),
                   caffe2::kernels::bench::CpuFeatureList().c_str());
      return 1;
    }
  }
  argc = kept_args;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("cpu_path", caffe2::kernels::CpuPathName(path));
  benchmark::AddCustomContext("cpu_model", caffe2::kernels::bench::CpuModel());
  benchmark::AddCustomContext("cpu_features", caffe2::kernels::bench::CpuFeatureList());
  benchmark::AddCustomContext("avx512_path", caffe2::kernels::PathSupported(CpuPath::kAVX512)
                                                 ? "available"
                                                 : "absent: this CPU lacks AVX-512F/BW, its cases are skipped");
  benchmark::AddCustomContext("omp_max_threads", std::to_string(omp_get_max_threads()));
  benchmark::AddCustomContext("streaming_threshold_bytes",
                              std::to_string(caffe2::kernels::StreamingThresholdBytes()));
  caffe2::kernels::bench::RegisterAll(path);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
