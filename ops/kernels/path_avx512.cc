// The AVX-512 path (F + BW, with the AVX2 set). Compiled with -mavx512f -mavx512bw -mavx2 -mbmi -mbmi2
// -mpopcnt and only ever called after PathSupported(kAVX512) said yes.
//
// Compaction compresses into a register (vpcompressd/q with zeroing) and then does a plain unaligned
// store of the whole vector, advancing the output by the popcount. The memory form of compress
// (vpcompressd m512{k}, _mm512_mask_compressstoreu_*) is microcoded on AMD Zen 4 and runs at about a
// sixth of this speed, so it is never used; only the last few rows before the end of `out` take a
// masked store (a plain one, contiguous mask) instead. Expansion likewise loads into a register and
// expands from it: the memory form (vpexpandd zmm{k}, m512, which GCC folds a plain load into unless
// told not to) made BooleanUnmask with two pairs take 1.45x the time on AMD Zen 5 (16M positions,
// docs/performance.md "Fourth machine").
//
// With CAFFE2_MASK_AVX512_SIMDE defined this file is instead compiled against SIMDe's portable emulation (for
// the tests on machines without AVX-512: the kernel logic, guards and tails run for real, the
// instructions are emulated). The few intrinsics SIMDe 0.7 lacks have exact scalar stand-ins below.
#include <cstdint>
#include <cstring>

#if defined(CAFFE2_MASK_AVX512_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#else
#include <immintrin.h>
#endif

#include "ops/kernels/item_word.h"
#include "ops/kernels/path_kernels.h"
#include "ops/kernels/streaming.h"

namespace caffe2::kernels::detail {
namespace {

#if defined(CAFFE2_MASK_AVX512_SIMDE)
using Mask8 = simde__mmask8;
using Mask16 = simde__mmask16;
#else
using Mask8 = __mmask8;
using Mask16 = __mmask16;
#endif

#if defined(CAFFE2_MASK_AVX512_SIMDE)
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
// 16 lanes of From converted to 16 lanes of To (vpmovzxwd / vpmovdw).
template <typename From, typename To, typename In, typename Out>
inline Out EmuConvert16(In v) {
  From in[16];
  To out[16];
  memcpy(in, &v, sizeof in);
  for (int j = 0; j < 16; ++j) out[j] = static_cast<To>(in[j]);
  Out r;
  memcpy(&r, out, sizeof out);
  return r;
}
inline __m512i WidenU16(__m256i v) { return EmuConvert16<uint16_t, uint32_t, __m256i, __m512i>(v); }
inline __m256i Narrow32To16(__m512i v) { return EmuConvert16<uint32_t, uint16_t, __m512i, __m256i>(v); }
inline __m512i MaskzLoad32(uint32_t k, const void* p) { return EmuMaskzLoad<int32_t>(k, p); }
inline __m512i MaskzLoad64(uint32_t k, const void* p) { return EmuMaskzLoad<int64_t>(k, p); }
inline void MaskStore32(void* p, uint32_t k, __m512i v) { EmuMaskStore<int32_t>(p, k, v); }
inline void MaskStore64(void* p, uint32_t k, __m512i v) { EmuMaskStore<int64_t>(p, k, v); }
inline __m512i MaskExpand32(__m512i s, uint32_t k, __m512i a) { return EmuMaskExpand<int32_t>(s, k, a); }
inline __m512i MaskExpand64(__m512i s, uint32_t k, __m512i a) { return EmuMaskExpand<int64_t>(s, k, a); }
#else
// The maskz forms: the plain ones start from _mm512_undefined_*, which trips GCC 12's
// -Wmaybe-uninitialized.
inline __m512i WidenU16(__m256i v) { return _mm512_maskz_cvtepu16_epi32(0xFFFF, v); }
inline __m256i Narrow32To16(__m512i v) { return _mm512_maskz_cvtepi32_epi16(0xFFFF, v); }
inline __m512i MaskzLoad32(uint32_t k, const void* p) { return _mm512_maskz_loadu_epi32(static_cast<Mask16>(k), p); }
inline __m512i MaskzLoad64(uint32_t k, const void* p) { return _mm512_maskz_loadu_epi64(static_cast<Mask8>(k), p); }
inline void MaskStore32(void* p, uint32_t k, __m512i v) { _mm512_mask_storeu_epi32(p, static_cast<Mask16>(k), v); }
inline void MaskStore64(void* p, uint32_t k, __m512i v) { _mm512_mask_storeu_epi64(p, static_cast<Mask8>(k), v); }
// The expanded vector is pinned to a register (InRegister): left alone, GCC folds its load into the
// memory form of vpexpandd/q, an expand-load, which is the slow form here too (see the top of the file).
inline __m512i InRegister(__m512i v) {
  asm("" : "+v"(v));
  return v;
}
inline __m512i MaskExpand32(__m512i s, uint32_t k, __m512i a) {
  return _mm512_mask_expand_epi32(s, static_cast<Mask16>(k), InRegister(a));
}
inline __m512i MaskExpand64(__m512i s, uint32_t k, __m512i a) {
  return _mm512_mask_expand_epi64(s, static_cast<Mask8>(k), InRegister(a));
}
#endif

// Once per flush of the byte sums (16 KiB of mask), so a spill beats _mm512_reduce_add_epi64 (which trips a GCC 12
// -Wmaybe-uninitialized false positive inside its own header).
inline int64_t ReduceAdd64(__m512i v) {
  int64_t l[8];
  memcpy(l, &v, 64);
  return l[0] + l[1] + l[2] + l[3] + l[4] + l[5] + l[6] + l[7];
}

inline __m512i Load512(const void* p) { return _mm512_loadu_si512(p); }
inline __m256i Load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
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

// Defined below from the shared counting loop (CountTrueVector<Avx512>).
int64_t PathCountTrue(const bool* mask, int64_t n);

#include "ops/kernels/generic_impl.h"

// The AVX-512 vector operations of the shared block loops (generic_impl.h, "Block loops of the
// vector paths"): 64-byte vectors, 64 mask positions per step.
struct Avx512 {
  static constexpr int kWidth = 64;
  using Vec = __m512i;
  static uint64_t MaskBits(const bool* mask) { return PathBits64(mask); }
  static Vec Zero() { return _mm512_setzero_si512(); }
  static Vec Load(const void* p) { return Load512(p); }
  static void Store(void* p, Vec v) { Store512(p, v); }
  static Vec AddBytes(Vec a, Vec b) { return _mm512_add_epi8(a, b); }
  static Vec OrBytes(Vec a, Vec b) { return _mm512_or_si512(a, b); }
  static int64_t SumBytes(Vec v) { return ReduceAdd64(_mm512_sad_epu8(v, _mm512_setzero_si512())); }

  // Compress the kept items into a register, then a plain full-vector store (kFits) or, near the end
  // of `out`, a masked store of exactly the pc kept items. The indices are two compressed vectors of
  // 8 int64 each (one for 8-byte items).
  template <int S, bool kIdx, bool kFits>
  static int CompactGroup(const char* src, uint32_t c, char* out, int64_t k, int64_t* idx, int64_t first_index) {
    if constexpr (S == 2) {
      static_assert(!kIdx, "2-byte items are compacted without indices (CompactVector)");
      return Halves2<Avx512>::Compact<kFits>(src, c, out + k * S);
    }
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
        const __m512i ids_hi = _mm512_maskz_compress_epi64(static_cast<Mask8>(c >> 8),
                                                           _mm512_add_epi64(first, _mm512_set1_epi64(8)));
        if (kFits) {
          Store512(idx + k + pc_lo, ids_hi);
        } else {
          MaskStore64(idx + k + pc_lo, Prefix(pc - pc_lo), ids_hi);
        }
      }
    }
    return pc;
  }

  // 2-byte items (Halves2 in generic_impl.h): halves of 16 items in a ymm. F + BW have no 16-bit
  // compress or expand (VBMI2's vpcompressw / vpexpandw), so a half is widened to 32-bit lanes,
  // compressed or expanded with vpcompressd / vpexpandd, and narrowed back.
  using Half = __m256i;
  static Half LoadHalf(const void* p) { return Load256(p); }
  static void StoreHalf(void* p, Half v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
  static Half CompactHalf2(Half v, uint32_t c) {
    return Narrow32To16(_mm512_maskz_compress_epi32(static_cast<Mask16>(c), WidenU16(v)));
  }
  static Half ExpandHalf2(Half v, uint32_t c) {
    return Narrow32To16(MaskExpand32(_mm512_setzero_si512(), c, WidenU16(v)));
  }

  // Plain load while a whole vector of packed rows remains (whole), else a masked (fault-free) load
  // of exactly the pc rows this group consumes; vpexpandd/q spreads them to the set lanes.
  template <int S>
  static int ExpandGroup(const char* packed, uint32_t c, bool whole, char* dst) {
    if constexpr (S == 2) return Halves2<Avx512>::Expand(packed, c, whole, dst);
    const int pc = __builtin_popcount(c);
    const __m512i v = whole ? Load512(packed) : MaskzLoad<S>(Prefix(pc), packed);
    Store512(dst, ExpandMerge<S>(_mm512_setzero_si512(), c, v));
    return pc;
  }

  template <int S>
  static Vec ExpandInto(Vec acc, uint32_t c, const char* src) {
    return ExpandMerge<S>(acc, c, MaskzLoad<S>(Prefix(__builtin_popcount(c)), src));
  }

  // Pair 1's rows are expanded into the clear lanes, then pair 0's into the set lanes.
  template <int S, bool kFull>
  static void Unmask2Group(uint32_t c, const char*& src0, const char*& src1, char* dst) {
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
};

int64_t PathCountTrue(const bool* mask, int64_t n) { return CountTrueVector<Avx512>(mask, n); }

}  // namespace

#if defined(CAFFE2_MASK_AVX512_SIMDE)
const PathKernels& Avx512EmulatedKernels() {
#else
const PathKernels& Avx512Kernels() {
#endif
  static constexpr PathKernels kTable =
      MakePathKernels(&CompactVector<Avx512>, &ExpandVector<Avx512>, &UnmaskScatterVector<Avx512>);
  return kTable;
}

}  // namespace caffe2::kernels::detail
