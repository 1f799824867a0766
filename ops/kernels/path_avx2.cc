// The AVX2 path (also uses BMI1/BMI2/POPCNT); this file is compiled with -mavx2 -mbmi -mbmi2 -mpopcnt
// and only ever called after PathSupported(kAVX2) said yes.
//
// 4- and 8-byte items are compacted eight 32-bit lanes at a time: a 256-entry table maps the lane mask
// to a vpermd index vector that packs the kept lanes to the front, the whole vector is stored, and the
// output pointer advances by the popcount (the next store overwrites the junk lanes). The store is only
// made when the whole vector fits before the end of `out`; see CompactVec in generic_impl.h, whose
// block loops this file instantiates with the vector operations of `struct Avx2`.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "ops/kernels/item_word.h"
#include "ops/kernels/path_kernels.h"
#include "ops/kernels/streaming.h"

namespace caffe2::kernels::detail {
namespace {

inline __m256i Load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline void Store256(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }

// 32 mask bytes (0/1) to 32 bits: shifting each 16-bit lane left by 7 moves every byte's bit 0 to its
// bit 7 (the low byte's bit cannot spill into the high byte's bit 7), which movemask collects.
inline uint32_t Bits32(const bool* mask) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_slli_epi16(Load256(mask), 7)));
}

inline uint64_t PathBits64(const bool* mask) {
  return Bits32(mask) | (static_cast<uint64_t>(Bits32(mask + 32)) << 32);
}

// Defined below from the shared counting loop (CountTrueVector<Avx2>).
int64_t PathCountTrue(const bool* mask, int64_t n);

#include "ops/kernels/generic_impl.h"

struct Lut8 {
  alignas(64) uint8_t v[256][8];
};
// Lane mask -> indices of the set lanes, packed to the front (vpermd compaction).
constexpr Lut8 MakeCompactLut() {
  Lut8 t{};
  for (int m = 0; m < 256; ++m) {
    int k = 0;
    for (int j = 0; j < 8; ++j)
      if ((m >> j) & 1) t.v[m][k++] = static_cast<uint8_t>(j);
  }
  return t;
}
// Lane mask -> for each set lane j, the index of the packed source lane it takes (vpermd expansion).
constexpr Lut8 MakeExpandLut() {
  Lut8 t{};
  for (int m = 0; m < 256; ++m) {
    int s = 0;
    for (int j = 0; j < 8; ++j)
      if ((m >> j) & 1) t.v[m][j] = static_cast<uint8_t>(s++);
  }
  return t;
}
// kExpandLut with bit 7 set in the clear lanes: after sign extension those lanes are negative, which
// selects the other operand in blendv (vpermd reads only the low 3 bits of an index).
constexpr Lut8 MakeExpandSelectLut() {
  Lut8 t = MakeExpandLut();
  for (int m = 0; m < 256; ++m)
    for (int j = 0; j < 8; ++j)
      if (!((m >> j) & 1)) t.v[m][j] = 0x80;
  return t;
}
constexpr Lut8 kCompactLut = MakeCompactLut();
constexpr Lut8 kExpandLut = MakeExpandLut();
constexpr Lut8 kExpandSelectLut = MakeExpandSelectLut();
// An 8-byte item is two 32-bit lanes: item mask bit j -> lane bits 2j and 2j+1. With that, the same
// 32-bit lane tables compact and expand 64-bit items.
constexpr uint8_t kDup4[16] = {0x00, 0x03, 0x0C, 0x0F, 0x30, 0x33, 0x3C, 0x3F,
                               0xC0, 0xC3, 0xCC, 0xCF, 0xF0, 0xF3, 0xFC, 0xFF};
alignas(64) constexpr int32_t kPrefix[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

inline __m256i LutVector(const Lut8& lut, uint32_t lanes) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(lut.v[lanes])));
}
// All-ones in the first `lanes` 32-bit lanes (for fault-free masked loads of a ragged end).
inline __m256i PrefixMask(int lanes) { return Load256(kPrefix + 8 - lanes); }
// All-ones in the 32-bit lanes whose bit is set in `lanes`.
inline __m256i LaneMask(uint32_t lanes) {
  const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(static_cast<int>(lanes)), sel), sel);
}

// Lane mask -> vpermd index for merging two pairs whose covers are complementary: a set lane j takes
// pair 0's packed lane (its rank among the set lanes); a clear lane takes pair 1's (its rank among the
// clear lanes) with bit 7 set, so after sign extension that lane's sign bit selects pair 1 in blendv.
constexpr Lut8 MakeMergeLut() {
  Lut8 t{};
  for (int m = 0; m < 256; ++m) {
    int s = 0, c = 0;
    for (int j = 0; j < 8; ++j)
      t.v[m][j] = ((m >> j) & 1) ? static_cast<uint8_t>(s++) : static_cast<uint8_t>(0x80 | c++);
  }
  return t;
}
constexpr Lut8 kMergeLut = MakeMergeLut();

// Mask of eight 2-byte items -> pshufb control that packs the kept items' bytes to the front (the
// rest of the control zeroes its bytes: bit 7 set).
struct Lut16 {
  alignas(64) uint8_t v[256][16];
};
constexpr Lut16 MakeCompact16Lut() {
  Lut16 t{};
  for (int m = 0; m < 256; ++m) {
    int k = 0;
    for (int j = 0; j < 8; ++j)
      if ((m >> j) & 1) {
        t.v[m][k++] = static_cast<uint8_t>(2 * j);
        t.v[m][k++] = static_cast<uint8_t>(2 * j + 1);
      }
    while (k < 16) t.v[m][k++] = 0x80;
  }
  return t;
}
constexpr Lut16 kCompact16Lut = MakeCompact16Lut();
// Mask of eight 2-byte items -> pshufb control that spreads the packed items to the set lanes and
// zeroes the clear ones.
constexpr Lut16 MakeExpand16Lut() {
  Lut16 t{};
  for (int m = 0; m < 256; ++m) {
    int s = 0;
    for (int j = 0; j < 8; ++j) {
      const bool set = (m >> j) & 1;
      t.v[m][2 * j] = set ? static_cast<uint8_t>(2 * s) : 0x80;
      t.v[m][2 * j + 1] = set ? static_cast<uint8_t>(2 * s + 1) : 0x80;
      s += set;
    }
  }
  return t;
}
constexpr Lut16 kExpand16Lut = MakeExpand16Lut();
inline __m128i Shuffle16(__m128i v, const Lut16& lut, uint32_t c) {
  return _mm_shuffle_epi8(v, _mm_load_si128(reinterpret_cast<const __m128i*>(lut.v[c])));
}


// The AVX2 vector operations of the shared block loops (generic_impl.h, "Block loops of the vector
// paths"): 32-byte vectors, 32 mask positions per step.
struct Avx2 {
  static constexpr int kWidth = 32;
  using Vec = __m256i;
  static uint32_t MaskBits(const bool* mask) { return Bits32(mask); }
  static Vec Zero() { return _mm256_setzero_si256(); }
  static Vec Load(const void* p) { return Load256(p); }
  static void Store(void* p, Vec v) { Store256(p, v); }
  static Vec AddBytes(Vec a, Vec b) { return _mm256_add_epi8(a, b); }
  static Vec OrBytes(Vec a, Vec b) { return _mm256_or_si256(a, b); }
  static int64_t SumBytes(Vec v) {
    const __m256i s = _mm256_sad_epu8(v, _mm256_setzero_si256());
    const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    return _mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1);
  }

  // Pack the kept items to the front with vpermd and store; the indices are the kept lanes' positions
  // widened to int64 and offset.
  template <int S, bool kIdx, bool kFits>
  static int CompactGroup(const char* src, uint32_t c, char* out, int64_t k, int64_t* idx, int64_t first_index) {
    if constexpr (S == 2) {
      static_assert(!kIdx, "2-byte items are compacted without indices (CompactVector)");
      return Halves2<Avx2>::Compact<kFits>(src, c, out + k * S);
    }
    const uint32_t lanes = S == 4 ? c : kDup4[c];
    const __m256i packed = _mm256_permutevar8x32_epi32(Load256(src), LutVector(kCompactLut, lanes));
    const int pc = _mm_popcnt_u32(c);
    __m256i ids_lo = _mm256_setzero_si256(), ids_hi = _mm256_setzero_si256();
    if (kIdx) {
      const __m128i pos = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kCompactLut.v[c]));
      const __m256i off = _mm256_set1_epi64x(first_index);
      ids_lo = _mm256_add_epi64(_mm256_cvtepu8_epi64(pos), off);
      if (S == 4) ids_hi = _mm256_add_epi64(_mm256_cvtepu8_epi64(_mm_srli_si128(pos, 4)), off);
    }
    if (kFits) {
      Store256(out + k * S, packed);
      if (kIdx) {
        Store256(idx + k, ids_lo);
        if (S == 4) Store256(idx + k + 4, ids_hi);
      }
    } else {
      alignas(32) char tmp[32];
      Store256(tmp, packed);
      memcpy(out + k * S, tmp, pc * S);
      if (kIdx) {
        alignas(32) int64_t ids[8];
        Store256(ids, ids_lo);
        Store256(ids + 4, ids_hi);
        memcpy(idx + k, ids, pc * sizeof(int64_t));
      }
    }
    return pc;
  }

  // 2-byte items (Halves2 in generic_impl.h): halves of eight items in an xmm, packed or spread with
  // one pshufb from a table.
  using Half = __m128i;
  static Half LoadHalf(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
  static void StoreHalf(void* p, Half v) { _mm_storeu_si128(static_cast<__m128i*>(p), v); }
  static Half CompactHalf2(Half v, uint32_t c) { return Shuffle16(v, kCompact16Lut, c); }
  static Half ExpandHalf2(Half v, uint32_t c) { return Shuffle16(v, kExpand16Lut, c); }

  // The next pc packed items, spread to the set lanes by vpermd, the other lanes zeroed.
  template <int S>
  static int ExpandGroup(const char* packed, uint32_t c, bool whole, char* dst) {
    if constexpr (S == 2) return Halves2<Avx2>::Expand(packed, c, whole, dst);
    const uint32_t lanes = S == 4 ? c : kDup4[c];
    const int pc = _mm_popcnt_u32(c);
    const __m256i v = whole ? Load256(packed)
                            : _mm256_maskload_epi32(reinterpret_cast<const int*>(packed), PrefixMask(pc * (S / 4)));
    const __m256i spread = _mm256_permutevar8x32_epi32(v, LutVector(kExpandLut, lanes));
    Store256(dst, _mm256_and_si256(spread, LaneMask(lanes)));
    return pc;
  }

  // The selecting index (kExpandSelectLut) has its sign bit set in the lanes that keep acc, so it
  // drives both the vpermd and the blend.
  template <int S>
  static Vec ExpandInto(Vec acc, uint32_t c, const char* src) {
    const uint32_t lanes = S == 4 ? c : kDup4[c];
    const int pc = _mm_popcnt_u32(c);
    const __m256i v = _mm256_maskload_epi32(reinterpret_cast<const int*>(src), PrefixMask(pc * (S / 4)));
    const __m256i idx =
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kExpandSelectLut.v[lanes])));
    const __m256 spread = _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(v, idx));
    return _mm256_castps_si256(_mm256_blendv_ps(spread, _mm256_castsi256_ps(acc), _mm256_castsi256_ps(idx)));
  }

  // Both pairs' next rows are loaded, permuted with one index vector (kMergeLut) and blended by its
  // sign bits: one store, no per-pair masks.
  template <int S, bool kFull>
  static void Unmask2Group(uint32_t c, const char*& src0, const char*& src1, char* dst) {
    constexpr int kItems = 32 / S;
    const uint32_t lanes = S == 4 ? c : kDup4[c];
    const int pc0 = _mm_popcnt_u32(c);
    const int pc1 = kItems - pc0;
    const __m256i idx =
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kMergeLut.v[lanes])));
    __m256i a, b;
    if (kFull) {
      a = Load256(src0);
      b = Load256(src1);
    } else {
      a = _mm256_maskload_epi32(reinterpret_cast<const int*>(src0), PrefixMask(pc0 * (S / 4)));
      b = _mm256_maskload_epi32(reinterpret_cast<const int*>(src1), PrefixMask(pc1 * (S / 4)));
    }
    const __m256 x = _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(a, idx));
    const __m256 y = _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(b, idx));
    Store256(dst, _mm256_castps_si256(_mm256_blendv_ps(x, y, _mm256_castsi256_ps(idx))));
    src0 += pc0 * S;
    src1 += pc1 * S;
  }
};

int64_t PathCountTrue(const bool* mask, int64_t n) { return CountTrueVector<Avx2>(mask, n); }

}  // namespace

const PathKernels& Avx2Kernels() {
  static constexpr PathKernels kTable =
      MakePathKernels(&CompactVector<Avx2>, &ExpandVector<Avx2>, &UnmaskScatterVector<Avx2>);
  return kTable;
}

}  // namespace caffe2::kernels::detail
