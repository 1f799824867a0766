// The AVX2 path (also uses BMI1/BMI2/POPCNT); this file is compiled with -mavx2 -mbmi -mbmi2 -mpopcnt
// and only ever called after PathSupported(kAVX2) said yes.
//
// 4- and 8-byte items are compacted eight 32-bit lanes at a time: a 256-entry table maps the lane mask
// to a vpermd index vector that packs the kept lanes to the front, the whole vector is stored, and the
// output pointer advances by the popcount (the next store overwrites the junk lanes). The store is only
// made when the whole vector fits before the end of `out`; see CompactVec.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "ops/kernels/item_word.h"
#include "ops/kernels/path_kernels.h"

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

// Byte lanes summed with vpaddb (at most 252 per lane between flushes) and flushed with vpsadbw: two
// instructions per 32 mask bytes instead of a popcount per bitmask word.
int64_t PathCountTrue(const bool* mask, int64_t n) {
  const __m256i zero = _mm256_setzero_si256();
  int64_t total = 0;
  int64_t i = 0;
  while (n - i >= 128) {
    const int64_t iters = (n - i) / 128 < 63 ? (n - i) / 128 : 63;
    __m256i acc = zero;
    for (int64_t t = 0; t < iters; ++t, i += 128) {
      const __m256i ab = _mm256_add_epi8(Load256(mask + i), Load256(mask + i + 32));
      const __m256i cd = _mm256_add_epi8(Load256(mask + i + 64), Load256(mask + i + 96));
      acc = _mm256_add_epi8(acc, _mm256_add_epi8(ab, cd));
    }
    const __m256i s = _mm256_sad_epu8(acc, zero);
    const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    total += _mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1);
  }
  for (; n - i >= 32; i += 32) total += _mm_popcnt_u32(Bits32(mask + i));
  // Bytes are 0 or 1, so a word's popcount is its count of true bytes (tiny masks, ragged ends).
  for (; n - i >= 8; i += 8) {
    uint64_t w;
    memcpy(&w, mask + i, 8);
    total += _mm_popcnt_u64(w);
  }
  for (; i < n; ++i) total += mask[i];
  return total;
}

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
constexpr Lut8 kCompactLut = MakeCompactLut();
constexpr Lut8 kExpandLut = MakeExpandLut();
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

// One group of kItems items (one vector): pack the kept items to the front and store. kFits: the
// caller knows a whole vector store at k stays inside `out`; otherwise only pc items are written.
template <int S, bool kIdx, bool kFits>
inline int CompactGroup(const char* src, uint32_t c, char* out, int64_t k, int64_t* idx, int64_t first_index) {
  const uint32_t lanes = S == 4 ? c : kDup4[c];
  const __m256i packed = _mm256_permutevar8x32_epi32(Load256(src), LutVector(kCompactLut, lanes));
  const int pc = _mm_popcnt_u32(c);
  __m256i ids_lo = _mm256_setzero_si256(), ids_hi = _mm256_setzero_si256();
  if (kIdx) {
    // Positions of the kept items inside the group, widened to int64 and offset.
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

// Item size S (4 or 8): kItems items per vector, 32 items per mask word.
template <int S, bool kIdx>
int64_t CompactVec(const char* data, const bool* mask, int64_t n, char* out, int64_t* idx, int64_t base) {
  constexpr int kItems = 32 / S;
  constexpr int kGroups = 32 / kItems;
  constexpr uint32_t kGroupMask = (1u << kItems) - 1;
  int64_t k = 0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = Min64(n, b0 + kBlock);
    // Rows kept up to the end of this block. While k + 32 <= kend, all the whole-vector stores of the
    // next 32 rows land inside `out` (the last one ends at most at k + 32), so the hot loop has no
    // per-vector test. Counting 4 KiB of mask ahead costs little and leaves it in L1.
    const int64_t kend = k + PathCountTrue(mask + b0, b1 - b0);
    int64_t i = b0;
    for (; b1 - i >= 32 && k + 32 <= kend; i += 32) {
      const uint32_t bits = Bits32(mask + i);
      for (int g = 0; g < kGroups; ++g)
        k += CompactGroup<S, kIdx, true>(data + (i + g * kItems) * S, (bits >> (g * kItems)) & kGroupMask, out, k,
                                         idx, base + i + g * kItems);
    }
    // Fewer than 32 kept rows left in the block: test each vector.
    for (; b1 - i >= 32 && k < kend; i += 32) {
      const uint32_t bits = Bits32(mask + i);
      for (int g = 0; g < kGroups; ++g) {
        const char* src = data + (i + g * kItems) * S;
        const uint32_t c = (bits >> (g * kItems)) & kGroupMask;
        const int64_t first = base + i + g * kItems;
        k += k + kItems <= kend ? CompactGroup<S, kIdx, true>(src, c, out, k, idx, first)
                                : CompactGroup<S, kIdx, false>(src, c, out, k, idx, first);
      }
    }
    // Ragged end of the block; stops as soon as every kept row of the block is written.
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
  constexpr int kItems = 32 / S;
  constexpr uint32_t kGroupMask = (1u << kItems) - 1;
  int64_t k = 0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = Min64(n, b0 + kBlock);
    // A whole-vector load at packed row k stays inside `packed` while k + kItems <= kend.
    const int64_t kend = k + PathCountTrue(mask + b0, b1 - b0);
    int64_t i = b0;
    for (; b1 - i >= 32; i += 32) {
      const uint32_t bits = Bits32(mask + i);
      for (int g = 0; g < 32 / kItems; ++g) {
        const uint32_t c = (bits >> (g * kItems)) & kGroupMask;
        const uint32_t lanes = S == 4 ? c : kDup4[c];
        const int pc = _mm_popcnt_u32(c);
        const __m256i v = k + kItems <= kend
                              ? Load256(packed + k * S)
                              : _mm256_maskload_epi32(reinterpret_cast<const int*>(packed + k * S),
                                                      PrefixMask(pc * (S / 4)));
        const __m256i spread = _mm256_permutevar8x32_epi32(v, LutVector(kExpandLut, lanes));
        Store256(out + (i + g * kItems) * S, _mm256_and_si256(spread, LaneMask(lanes)));
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

// 32 positions at a time: each pair's covered lanes are expanded from its packed values (a masked
// load of exactly the rows it supplies, so nothing past its end is touched) and blended into the
// output vectors, which are stored once.
template <int S>
void UnmaskScatterVec(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                      int64_t end, char* out, int64_t* next) {
  constexpr int kItems = 32 / S;
  constexpr int kGroups = 32 / kItems;
  constexpr uint32_t kGroupMask = (1u << kItems) - 1;
  int64_t p = begin;
  for (; end - p >= 32; p += 32) {
    __m256i acc[kGroups];
    for (int g = 0; g < kGroups; ++g) acc[g] = _mm256_setzero_si256();
    uint32_t rem = ~0u;
    for (int64_t i = 0; i < pairs && rem; ++i) {
      const uint32_t b = Bits32(masks[i] + p);
      const uint32_t cov = b & rem;
      rem &= ~b;
      const char* src = static_cast<const char*>(values[i]) + next[i] * S;
      for (int g = 0; g < kGroups; ++g) {
        const uint32_t c = (cov >> (g * kItems)) & kGroupMask;
        const uint32_t lanes = S == 4 ? c : kDup4[c];
        const int pc = _mm_popcnt_u32(c);
        const __m256i v = _mm256_maskload_epi32(reinterpret_cast<const int*>(src), PrefixMask(pc * (S / 4)));
        const __m256i spread = _mm256_permutevar8x32_epi32(v, LutVector(kExpandLut, lanes));
        acc[g] = _mm256_blendv_epi8(acc[g], spread, LaneMask(lanes));
        src += pc * S;
      }
      next[i] += _mm_popcnt_u32(cov);
    }
    for (int g = 0; g < kGroups; ++g) Store256(out + (p + g * kItems) * S, acc[g]);
  }
  if (p < end) UnmaskScatterGeneric(masks, values, pairs, p, end, S, out, next);
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

// Positions of [0, n) where a or b is true (bytes are 0/1, so OR then a byte sum).
int64_t CountEither(const bool* a, const bool* b, int64_t n) {
  const __m256i zero = _mm256_setzero_si256();
  int64_t total = 0;
  int64_t i = 0;
  while (n - i >= 32) {
    const int64_t iters = (n - i) / 32 < 255 ? (n - i) / 32 : 255;
    __m256i acc = zero;
    for (int64_t t = 0; t < iters; ++t, i += 32)
      acc = _mm256_add_epi8(acc, _mm256_or_si256(Load256(a + i), Load256(b + i)));
    const __m256i s = _mm256_sad_epu8(acc, zero);
    const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    total += _mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1);
  }
  for (; i < n; ++i) total += a[i] | b[i];
  return total;
}

// One vector of kItems positions of the two-pair scatter: pair 0 covers the set bits of c, pair 1 the
// clear ones. Both pairs' next rows are loaded, permuted with one index vector and blended by its sign
// bits. kFull: whole-vector loads are known to stay inside both values arrays; otherwise masked loads
// of exactly the rows each pair supplies.
template <int S, bool kFull>
inline void Unmask2Group(uint32_t c, const char*& src0, const char*& src1, char* dst) {
  constexpr int kItems = 32 / S;
  const uint32_t lanes = S == 4 ? c : kDup4[c];
  const int pc0 = _mm_popcnt_u32(c);
  const int pc1 = kItems - pc0;
  const __m256i idx = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kMergeLut.v[lanes])));
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

// Two pairs. Per block of positions, the mask bytes are counted first (which also brings them into
// L1): if every position of the block is covered, pair 1 covers exactly the positions where mask 0 is
// false, so the loop reads only mask 0, and the counts bound how many rows each pair supplies in the
// block, which allows whole-vector loads until fewer than 32 rows of a pair remain (masked loads
// after that). A block with an uncovered position (input the check pass rejects) takes the generic
// loop, which keeps the reference semantics and reads only rows the masks account for.
template <int S>
void UnmaskScatter2(const bool* const* masks, const void* const* values, int64_t begin, int64_t end, char* out,
                    int64_t* next) {
  constexpr int kItems = 32 / S;
  constexpr int kGroups = 32 / kItems;
  constexpr uint32_t kGroupMask = (1u << kItems) - 1;
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
    // While 32 rows of each pair remain in the block, every whole-vector load of the next 32
    // positions ends at or before them.
    for (; b1 - p >= 32 && end0 - src0 >= 32 * S && end1 - src1 >= 32 * S; p += 32) {
      const uint32_t bits = Bits32(m0 + p);
      for (int g = 0; g < kGroups; ++g)
        Unmask2Group<S, true>((bits >> (g * kItems)) & kGroupMask, src0, src1, out + (p + g * kItems) * S);
    }
    for (; b1 - p >= 32; p += 32) {
      const uint32_t bits = Bits32(m0 + p);
      for (int g = 0; g < kGroups; ++g)
        Unmask2Group<S, false>((bits >> (g * kItems)) & kGroupMask, src0, src1, out + (p + g * kItems) * S);
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

const PathKernels& Avx2Kernels() {
  static constexpr PathKernels kTable = {&PathCountTrue,      &Compact,       &Expand,
                                         &UnmaskCheckGeneric, &UnmaskScatter, &SegmentCount32, &SegmentCount64, &FillGeneric,
                                         &MaskRowGeneric};
  return kTable;
}

}  // namespace caffe2::kernels::detail
