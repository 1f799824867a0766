// The AVX-512 path (F + BW, with the AVX2 set). Compiled with -mavx512f -mavx512bw -mavx2 -mbmi -mbmi2
// -mpopcnt and only ever called after PathSupported(kAVX512) said yes.
//
// Compaction compresses into a register (vpcompressd/q with zeroing) and then does a plain unaligned
// store of the whole vector, advancing the output by the popcount. The memory form of compress
// (vpcompressd m512{k}, _mm512_mask_compressstoreu_*) is microcoded on AMD Zen 4 and runs at about a
// sixth of this speed, so it is never used; only the last few rows before the end of `out` take a
// masked store (a plain one, contiguous mask) instead.
//
// With C2K_AVX512_SIMDE defined this file is instead compiled against SIMDe's portable emulation (for
// the tests on machines without AVX-512: the kernel logic, guards and tails run for real, the
// instructions are emulated). The few intrinsics SIMDe 0.7 lacks have exact scalar stand-ins below.
#include <cstdint>
#include <cstring>

#if defined(C2K_AVX512_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#else
#include <immintrin.h>
#endif

#include "ops/kernels/item_word.h"
#include "ops/kernels/path_kernels.h"

namespace caffe2::kernels::detail {
namespace {

#if defined(C2K_AVX512_SIMDE)
using Mask8 = simde__mmask8;
using Mask16 = simde__mmask16;
#else
using Mask8 = __mmask8;
using Mask16 = __mmask16;
#endif

#if defined(C2K_AVX512_SIMDE)
// Exact scalar equivalents of the masked loads/stores, expands and reductions (only the enabled
// lanes are touched, as the hardware guarantees).
template <typename T>
inline __m512i EmuMaskzLoad(uint32_t k, const void* p) {
  T lanes[64 / sizeof(T)] = {};
  for (unsigned j = 0; j < 64 / sizeof(T); ++j)
    if ((k >> j) & 1) memcpy(&lanes[j], static_cast<const char*>(p) + j * sizeof(T), sizeof(T));
  __m512i v;
  memcpy(&v, lanes, 64);
  return v;
}
template <typename T>
inline void EmuMaskStore(void* p, uint32_t k, __m512i v) {
  T lanes[64 / sizeof(T)];
  memcpy(lanes, &v, 64);
  for (unsigned j = 0; j < 64 / sizeof(T); ++j)
    if ((k >> j) & 1) memcpy(static_cast<char*>(p) + j * sizeof(T), &lanes[j], sizeof(T));
}
template <typename T>
inline __m512i EmuMaskExpand(__m512i src, uint32_t k, __m512i a) {
  T s[64 / sizeof(T)], in[64 / sizeof(T)];
  memcpy(s, &src, 64);
  memcpy(in, &a, 64);
  unsigned next = 0;
  for (unsigned j = 0; j < 64 / sizeof(T); ++j)
    if ((k >> j) & 1) s[j] = in[next++];
  __m512i v;
  memcpy(&v, s, 64);
  return v;
}
inline __m512i MaskzLoad32(uint32_t k, const void* p) { return EmuMaskzLoad<int32_t>(k, p); }
inline __m512i MaskzLoad64(uint32_t k, const void* p) { return EmuMaskzLoad<int64_t>(k, p); }
inline void MaskStore32(void* p, uint32_t k, __m512i v) { EmuMaskStore<int32_t>(p, k, v); }
inline void MaskStore64(void* p, uint32_t k, __m512i v) { EmuMaskStore<int64_t>(p, k, v); }
inline __m512i MaskExpand32(__m512i s, uint32_t k, __m512i a) { return EmuMaskExpand<int32_t>(s, k, a); }
inline __m512i MaskExpand64(__m512i s, uint32_t k, __m512i a) { return EmuMaskExpand<int64_t>(s, k, a); }
#else
inline __m512i MaskzLoad32(uint32_t k, const void* p) { return _mm512_maskz_loadu_epi32(static_cast<Mask16>(k), p); }
inline __m512i MaskzLoad64(uint32_t k, const void* p) { return _mm512_maskz_loadu_epi64(static_cast<Mask8>(k), p); }
inline void MaskStore32(void* p, uint32_t k, __m512i v) { _mm512_mask_storeu_epi32(p, static_cast<Mask16>(k), v); }
inline void MaskStore64(void* p, uint32_t k, __m512i v) { _mm512_mask_storeu_epi64(p, static_cast<Mask8>(k), v); }
inline __m512i MaskExpand32(__m512i s, uint32_t k, __m512i a) { return _mm512_mask_expand_epi32(s, static_cast<Mask16>(k), a); }
inline __m512i MaskExpand64(__m512i s, uint32_t k, __m512i a) { return _mm512_mask_expand_epi64(s, static_cast<Mask8>(k), a); }
#endif

// Once per 16 KiB of mask, so a spill beats _mm512_reduce_add_epi64 (which trips a GCC 12
// -Wmaybe-uninitialized false positive inside its own header).
inline int64_t ReduceAdd64(__m512i v) {
  int64_t l[8];
  memcpy(l, &v, 64);
  return l[0] + l[1] + l[2] + l[3] + l[4] + l[5] + l[6] + l[7];
}

inline __m512i Load512(const void* p) { return _mm512_loadu_si512(p); }
inline void Store512(void* p, __m512i v) { _mm512_storeu_si512(p, v); }

// Item-size generic wrappers: S = 4 uses 32-bit lanes (16 per vector), S = 8 64-bit lanes (8).
template <int S>
inline __m512i CompressZ(uint32_t k, __m512i v) {
  if constexpr (S == 4) return _mm512_maskz_compress_epi32(static_cast<Mask16>(k), v);
  else return _mm512_maskz_compress_epi64(static_cast<Mask8>(k), v);
}
template <int S>
inline __m512i MaskzLoad(uint32_t k, const void* p) {
  if constexpr (S == 4) return MaskzLoad32(k, p);
  else return MaskzLoad64(k, p);
}
template <int S>
inline void MaskStoreS(void* p, uint32_t k, __m512i v) {
  if constexpr (S == 4) MaskStore32(p, k, v);
  else MaskStore64(p, k, v);
}
template <int S>
inline __m512i ExpandMerge(__m512i src, uint32_t k, __m512i a) {
  if constexpr (S == 4) return MaskExpand32(src, k, a);
  else return MaskExpand64(src, k, a);
}
inline uint32_t Prefix(int count) { return (1u << count) - 1; }  // count <= 16

// 64 mask bytes (0/1) to a 64-bit mask with one vptestmb.
inline uint64_t PathBits64(const bool* mask) {
  const __m512i v = Load512(mask);
  return static_cast<uint64_t>(_mm512_test_epi8_mask(v, v));
}

int64_t PathCountTrue(const bool* mask, int64_t n) {
  const __m512i zero = _mm512_setzero_si512();
  int64_t total = 0;
  int64_t i = 0;
  while (n - i >= 256) {
    const int64_t iters = (n - i) / 256 < 63 ? (n - i) / 256 : 63;
    __m512i acc = zero;
    for (int64_t t = 0; t < iters; ++t, i += 256) {
      const __m512i ab = _mm512_add_epi8(Load512(mask + i), Load512(mask + i + 64));
      const __m512i cd = _mm512_add_epi8(Load512(mask + i + 128), Load512(mask + i + 192));
      acc = _mm512_add_epi8(acc, _mm512_add_epi8(ab, cd));
    }
    total += ReduceAdd64(_mm512_sad_epu8(acc, zero));
  }
  for (; n - i >= 64; i += 64) total += __builtin_popcountll(PathBits64(mask + i));
  // Bytes are 0 or 1, so a word's popcount is its count of true bytes (tiny masks, ragged ends).
  for (; n - i >= 8; i += 8) {
    uint64_t w;
    memcpy(&w, mask + i, 8);
    total += __builtin_popcountll(w);
  }
  for (; i < n; ++i) total += mask[i];
  return total;
}

#include "ops/kernels/generic_impl.h"

// One vector of kItems items: compress the kept ones into a register, then a plain full-vector store
// (kFits: the caller knows it stays inside `out`) or, near the end of `out`, a masked store of exactly
// the pc kept items. The indices are two compressed vectors of 8 int64 each (one for 8-byte items).
template <int S, bool kIdx, bool kFits>
inline int CompactGroup(const char* src, uint32_t c, char* out, int64_t k, int64_t* idx, int64_t first_index) {
  const int pc = __builtin_popcount(c);
  const __m512i packed = CompressZ<S>(c, Load512(src));
  if (kFits) {
    Store512(out + k * S, packed);
  } else {
    MaskStoreS<S>(out + k * S, Prefix(pc), packed);
  }
  if (kIdx) {
    const __m512i first =
        _mm512_add_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7), _mm512_set1_epi64(first_index));
    const __m512i ids_lo = _mm512_maskz_compress_epi64(static_cast<Mask8>(c & 0xFF), first);
    const int pc_lo = S == 4 ? __builtin_popcount(c & 0xFF) : pc;
    if (kFits) {
      Store512(idx + k, ids_lo);
    } else {
      MaskStore64(idx + k, Prefix(pc_lo), ids_lo);
    }
    if (S == 4) {
      const __m512i ids_hi =
          _mm512_maskz_compress_epi64(static_cast<Mask8>(c >> 8), _mm512_add_epi64(first, _mm512_set1_epi64(8)));
      if (kFits) {
        Store512(idx + k + pc_lo, ids_hi);
      } else {
        MaskStore64(idx + k + pc_lo, Prefix(pc - pc_lo), ids_hi);
      }
    }
  }
  return pc;
}

template <int S, bool kIdx>
int64_t CompactVec(const char* data, const bool* mask, int64_t n, char* out, int64_t* idx, int64_t base) {
  constexpr int kItems = 64 / S;
  constexpr int kGroups = 64 / kItems;
  constexpr uint64_t kGroupMask = (uint64_t{1} << kItems) - 1;
  int64_t k = 0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = Min64(n, b0 + kBlock);
    // While k + 64 <= kend every full-vector store of the next 64 rows ends inside `out` (see the
    // AVX2 path), so the hot loop has no per-vector test.
    const int64_t kend = k + PathCountTrue(mask + b0, b1 - b0);
    int64_t i = b0;
    for (; b1 - i >= 64 && k + 64 <= kend; i += 64) {
      const uint64_t bits = PathBits64(mask + i);
      for (int g = 0; g < kGroups; ++g)
        k += CompactGroup<S, kIdx, true>(data + (i + g * kItems) * S,
                                         static_cast<uint32_t>((bits >> (g * kItems)) & kGroupMask), out, k, idx,
                                         base + i + g * kItems);
    }
    for (; b1 - i >= 64 && k < kend; i += 64) {
      const uint64_t bits = PathBits64(mask + i);
      for (int g = 0; g < kGroups; ++g) {
        const char* src = data + (i + g * kItems) * S;
        const uint32_t c = static_cast<uint32_t>((bits >> (g * kItems)) & kGroupMask);
        const int64_t first = base + i + g * kItems;
        k += k + kItems <= kend ? CompactGroup<S, kIdx, true>(src, c, out, k, idx, first)
                                : CompactGroup<S, kIdx, false>(src, c, out, k, idx, first);
      }
    }
    for (; i < b1 && k < kend; ++i) {
      memcpy(out + k * S, data + i * S, S);
      if (kIdx) idx[k] = base + i;
      k += mask[i];
    }
  }
  return k;
}

int64_t Compact(const void* data, const bool* mask, int64_t n, int64_t rb, void* out, int64_t* idx,
                int64_t base) {
  const char* d = static_cast<const char*>(data);
  char* o = static_cast<char*>(out);
  if (rb == 4) return idx ? CompactVec<4, true>(d, mask, n, o, idx, base) : CompactVec<4, false>(d, mask, n, o, idx, base);
  if (rb == 8) return idx ? CompactVec<8, true>(d, mask, n, o, idx, base) : CompactVec<8, false>(d, mask, n, o, idx, base);
  return CompactGenericEntry(data, mask, n, rb, out, idx, base);
}

template <int S>
void ExpandVec(const char* packed, const bool* mask, int64_t n, char* out) {
  constexpr int kItems = 64 / S;
  constexpr uint64_t kGroupMask = (uint64_t{1} << kItems) - 1;
  const __m512i zero = _mm512_setzero_si512();
  int64_t k = 0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = Min64(n, b0 + kBlock);
    const int64_t kend = k + PathCountTrue(mask + b0, b1 - b0);
    int64_t i = b0;
    for (; b1 - i >= 64; i += 64) {
      const uint64_t bits = PathBits64(mask + i);
      for (int g = 0; g < 64 / kItems; ++g) {
        const uint32_t c = static_cast<uint32_t>((bits >> (g * kItems)) & kGroupMask);
        const int pc = __builtin_popcount(c);
        // Plain load while a whole vector of packed rows remains in this block, else a masked
        // (fault-free) load of exactly the pc rows this group consumes.
        const __m512i v = k + kItems <= kend ? Load512(packed + k * S) : MaskzLoad<S>(Prefix(pc), packed + k * S);
        Store512(out + (i + g * kItems) * S, ExpandMerge<S>(zero, c, v));
        k += pc;
      }
    }
    for (; i < b1; ++i) {
      const bool m = mask[i];
      memcpy(out + i * S, m ? packed + k * S : kZeroRow, S);
      k += m;
    }
  }
}

void Expand(const void* packed, const bool* mask, int64_t n, int64_t rb, void* out) {
  if (rb == 4) return ExpandVec<4>(static_cast<const char*>(packed), mask, n, static_cast<char*>(out));
  if (rb == 8) return ExpandVec<8>(static_cast<const char*>(packed), mask, n, static_cast<char*>(out));
  ExpandGeneric(packed, mask, n, rb, out);
}

template <int S>
void UnmaskScatterVec(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                      int64_t end, char* out, int64_t* next) {
  constexpr int kItems = 64 / S;
  constexpr int kGroups = 64 / kItems;
  constexpr uint64_t kGroupMask = (uint64_t{1} << kItems) - 1;
  int64_t p = begin;
  for (; end - p >= 64; p += 64) {
    __m512i acc[kGroups];
    for (int g = 0; g < kGroups; ++g) acc[g] = _mm512_setzero_si512();
    uint64_t rem = ~uint64_t{0};
    for (int64_t i = 0; i < pairs && rem; ++i) {
      const uint64_t b = PathBits64(masks[i] + p);
      const uint64_t cov = b & rem;
      rem &= ~b;
      const char* src = static_cast<const char*>(values[i]) + next[i] * S;
      for (int g = 0; g < kGroups; ++g) {
        const uint32_t c = static_cast<uint32_t>((cov >> (g * kItems)) & kGroupMask);
        const int pc = __builtin_popcount(c);
        // Masked load of exactly the rows this pair supplies here: never past the end of values[i].
        acc[g] = ExpandMerge<S>(acc[g], c, MaskzLoad<S>(Prefix(pc), src));
        src += pc * S;
      }
      next[i] += __builtin_popcountll(cov);
    }
    for (int g = 0; g < kGroups; ++g) Store512(out + (p + g * kItems) * S, acc[g]);
  }
  if (p < end) UnmaskScatterGeneric(masks, values, pairs, p, end, S, out, next);
}

// Positions of [0, n) where a or b is true (bytes are 0/1, so OR then a byte sum).
int64_t CountEither(const bool* a, const bool* b, int64_t n) {
  const __m512i zero = _mm512_setzero_si512();
  int64_t total = 0;
  int64_t i = 0;
  while (n - i >= 64) {
    const int64_t iters = (n - i) / 64 < 255 ? (n - i) / 64 : 255;
    __m512i acc = zero;
    for (int64_t t = 0; t < iters; ++t, i += 64)
      acc = _mm512_add_epi8(acc, _mm512_or_si512(Load512(a + i), Load512(b + i)));
    total += ReduceAdd64(_mm512_sad_epu8(acc, zero));
  }
  for (; i < n; ++i) total += a[i] | b[i];
  return total;
}

// One vector of kItems positions of the two-pair scatter: pair 0 covers the set bits of c, pair 1 the
// clear ones; pair 1's rows are expanded into the clear lanes, then pair 0's into the set lanes.
// kFull: whole-vector loads are known to stay inside both values arrays; otherwise masked loads of
// exactly the rows each pair supplies.
template <int S, bool kFull>
inline void Unmask2Group(uint32_t c, const char*& src0, const char*& src1, char* dst) {
  constexpr int kItems = 64 / S;
  constexpr uint32_t kAll = (1u << kItems) - 1;
  const int pc0 = __builtin_popcount(c);
  const int pc1 = kItems - pc0;
  const __m512i a = kFull ? Load512(src0) : MaskzLoad<S>(Prefix(pc0), src0);
  const __m512i b = kFull ? Load512(src1) : MaskzLoad<S>(Prefix(pc1), src1);
  Store512(dst, ExpandMerge<S>(ExpandMerge<S>(_mm512_setzero_si512(), ~c & kAll, b), c, a));
  src0 += pc0 * S;
  src1 += pc1 * S;
}

// Two pairs, as in the AVX2 path: per block, if every position is covered (counted first, which also
// brings the masks into L1), pair 1 covers exactly the positions where mask 0 is false, the loop reads
// only mask 0, and the block's counts bound the rows each pair supplies, so whole-vector loads are used
// until fewer than 64 rows of a pair remain in the block. A block with an uncovered position (input the
// check pass rejects) takes the generic loop.
template <int S>
void UnmaskScatter2(const bool* const* masks, const void* const* values, int64_t begin, int64_t end, char* out,
                    int64_t* next) {
  constexpr int kItems = 64 / S;
  constexpr int kGroups = 64 / kItems;
  constexpr uint64_t kGroupMask = (uint64_t{1} << kItems) - 1;
  const bool* m0 = masks[0];
  const char* v0 = static_cast<const char*>(values[0]);
  const char* v1 = static_cast<const char*>(values[1]);
  for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
    const int64_t b1 = Min64(end, b0 + kBlock);
    const int64_t len = b1 - b0;
    if (CountEither(m0 + b0, masks[1] + b0, len) != len) {
      UnmaskScatterGeneric(masks, values, 2, b0, b1, S, out, next);
      continue;
    }
    const int64_t c0 = PathCountTrue(m0 + b0, len);
    const int64_t kend0 = next[0] + c0, kend1 = next[1] + (len - c0);
    const char* src0 = v0 + next[0] * S;
    const char* src1 = v1 + next[1] * S;
    const char* const end0 = v0 + kend0 * S;
    const char* const end1 = v1 + kend1 * S;
    int64_t p = b0;
    for (; b1 - p >= 64 && end0 - src0 >= 64 * S && end1 - src1 >= 64 * S; p += 64) {
      const uint64_t bits = PathBits64(m0 + p);
      for (int g = 0; g < kGroups; ++g)
        Unmask2Group<S, true>(static_cast<uint32_t>((bits >> (g * kItems)) & kGroupMask), src0, src1,
                              out + (p + g * kItems) * S);
    }
    for (; b1 - p >= 64; p += 64) {
      const uint64_t bits = PathBits64(m0 + p);
      for (int g = 0; g < kGroups; ++g)
        Unmask2Group<S, false>(static_cast<uint32_t>((bits >> (g * kItems)) & kGroupMask), src0, src1,
                               out + (p + g * kItems) * S);
    }
    for (; p < b1; ++p) {
      if (m0[p]) {
        memcpy(out + p * S, src0, S);
        src0 += S;
      } else {
        memcpy(out + p * S, src1, S);
        src1 += S;
      }
    }
    next[0] = kend0;
    next[1] = kend1;
  }
}

void UnmaskScatter(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                   int64_t end, int64_t rb, void* out, int64_t* next) {
  if (pairs == 2 && rb == 4) return UnmaskScatter2<4>(masks, values, begin, end, static_cast<char*>(out), next);
  if (pairs == 2 && rb == 8) return UnmaskScatter2<8>(masks, values, begin, end, static_cast<char*>(out), next);
  if (rb == 4) return UnmaskScatterVec<4>(masks, values, pairs, begin, end, static_cast<char*>(out), next);
  if (rb == 8) return UnmaskScatterVec<8>(masks, values, pairs, begin, end, static_cast<char*>(out), next);
  UnmaskScatterGeneric(masks, values, pairs, begin, end, rb, out, next);
}

}  // namespace

#if defined(C2K_AVX512_SIMDE)
const PathKernels& Avx512EmulatedKernels() {
#else
const PathKernels& Avx512Kernels() {
#endif
  static constexpr PathKernels kTable = {&PathCountTrue,      &Compact,       &Expand,
                                         &UnmaskCheckGeneric, &UnmaskScatter, &SegmentCount32, &SegmentCount64, &FillGeneric,
                                         &MaskRowGeneric};
  return kTable;
}

}  // namespace caffe2::kernels::detail
