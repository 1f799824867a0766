// Internal: the kernel bodies every path shares, compiled once per path with that path's flags.
//
// Include this INSIDE `namespace caffe2::kernels::detail { namespace { ... } }` of a path translation
// unit (which also includes item_word.h), after it has defined
//   int64_t PathCountTrue(const bool* mask, int64_t n);   // true bytes in mask[0, n)
//   uint64_t PathBits64(const bool* mask);                 // 64 mask bytes -> bit j = mask[j]
// Everything here therefore has internal linkage: the AVX-512 copy of a template can never be picked
// by the linker for the scalar path (the classic one-definition-rule trap of per-file ISA flags).
//
// No #include here on purpose (the includer brings <cstdint> and <cstring>): this file is spliced into
// an anonymous namespace.

constexpr int64_t kBlock = 4096;  // mask bytes counted ahead of a compaction block; stays in L1

inline int64_t Min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int Popcount64(uint64_t x) { return __builtin_popcountll(x); }
inline int Ctz64(uint64_t x) { return __builtin_ctzll(x); }

// Bits of mask[0, len), len < 64 (the ragged end of a range).
inline uint64_t TailBits(const bool* mask, int64_t len) {
  uint64_t bits = 0;
  for (int64_t j = 0; j < len; ++j) bits |= static_cast<uint64_t>(mask[j]) << j;
  return bits;
}
inline uint64_t Bits(const bool* mask, int64_t len) { return len == 64 ? PathBits64(mask) : TailBits(mask, len); }

// Copies rb bytes where rb == W (kExact) or W < rb < 2W, with two possibly overlapping fixed-size
// moves, so a row copy is a couple of register moves instead of a memcpy call.
template <int W, bool kExact>
inline void CopyRow(char* d, const char* s, int64_t rb) {
  if (kExact) {
    memcpy(d, s, W);
    return;
  }
  char a[W], b[W];
  memcpy(a, s, W);
  memcpy(b, s + rb - W, W);
  memcpy(d, a, W);
  memcpy(d + rb - W, b, W);
}

// Copies bytes >= 32. Short runs (the common case for random masks over mid-size rows) inline with
// 32-byte moves; long ones call memcpy, which is at memory speed.
inline void CopyRun(char* d, const char* s, int64_t bytes) {
  if (bytes > 512) {
    memcpy(d, s, bytes);
    return;
  }
  int64_t off = 0;
  for (; off + 32 < bytes; off += 32) memcpy(d + off, s + off, 32);
  memcpy(d + bytes - 32, s + bytes - 32, 32);
}

// First position in [i, n) whose mask value is `value`, or n. 64 positions per step.
inline int64_t FindNext(const bool* mask, int64_t i, int64_t n, bool value) {
  for (; n - i >= 64; i += 64) {
    uint64_t b = PathBits64(mask + i);
    if (!value) b = ~b;
    if (b) return i + Ctz64(b);
  }
  for (; i < n; ++i)
    if (mask[i] == value) return i;
  return n;
}

// ---------------------------------------------------------------------------------------------------
// BooleanMask
// ---------------------------------------------------------------------------------------------------
// Branch-free compaction of small rows: every row is stored to slot k and k advances by its mask
// value. Slot k exists as long as k < kend (kend = rows kept up to the end of the counted block), so
// the unconditional store never leaves `out`; when k reaches kend the rest of the block is all false.
template <int W, bool kExact, bool kIdx>
int64_t CompactSmall(const char* data, const bool* mask, int64_t n, int64_t rb, char* out, int64_t* idx,
                     int64_t base) {
  int64_t k = 0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = Min64(n, b0 + kBlock);
    const int64_t kend = k + PathCountTrue(mask + b0, b1 - b0);
    for (int64_t i = b0; i < b1 && k < kend; ++i) {
      CopyRow<W, kExact>(out + k * rb, data + i * rb, rb);
      if (kIdx) idx[k] = base + i;
      k += mask[i];
    }
  }
  return k;
}

// Rows of >= 128 bytes: copy each run of consecutive true rows at once; false rows are never read.
template <bool kIdx>
int64_t CompactRuns(const char* data, const bool* mask, int64_t n, int64_t rb, char* out, int64_t* idx,
                    int64_t base) {
  int64_t k = 0;
  for (int64_t i = 0;;) {
    const int64_t s = FindNext(mask, i, n, true);
    if (s >= n) break;
    const int64_t e = FindNext(mask, s + 1, n, false);
    CopyRun(out + k * rb, data + s * rb, (e - s) * rb);
    if (kIdx)
      for (int64_t r = s; r < e; ++r) idx[k + (r - s)] = base + r;
    k += e - s;
    i = e;
  }
  return k;
}

// Rows of 64..255 bytes: per counted block, the branch-free loop (every row stored to slot k with one
// or two W-byte moves) where the block's density is middling, and run copies where it is low or high.
// A random mask of density 0.5 gives runs of one or two rows, and run detection pays a branch
// mispredict per run (64-byte rows at density 0.5 measured 0.64-0.75x memcpy that way); at low or high
// density runs are long or rare, and skipping false rows pays. See docs/performance.md.
template <int W, bool kExact, bool kIdx>
int64_t CompactMixed(const char* data, const bool* mask, int64_t n, int64_t rb, char* out, int64_t* idx,
                     int64_t base) {
  int64_t k = 0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t len = Min64(n, b0 + kBlock) - b0;
    const int64_t kept = PathCountTrue(mask + b0, len);
    if (kept == 0) continue;
    const char* d = data + b0 * rb;
    char* o = out + k * rb;
    int64_t* x = kIdx ? idx + k : nullptr;
    if (4 * kept >= len && 4 * kept <= 3 * len) {
      CompactSmall<W, kExact, kIdx>(d, mask + b0, len, rb, o, x, base + b0);
    } else {
      CompactRuns<kIdx>(d, mask + b0, len, rb, o, x, base + b0);
    }
    k += kept;
  }
  return k;
}

template <bool kIdx>
int64_t CompactGeneric(const char* data, const bool* mask, int64_t n, int64_t rb, char* out, int64_t* idx,
                       int64_t base) {
  switch (rb) {
    case 1: return CompactSmall<1, true, kIdx>(data, mask, n, rb, out, idx, base);
    case 2: return CompactSmall<2, true, kIdx>(data, mask, n, rb, out, idx, base);
    case 3: return CompactSmall<2, false, kIdx>(data, mask, n, rb, out, idx, base);
    case 4: return CompactSmall<4, true, kIdx>(data, mask, n, rb, out, idx, base);
    case 8: return CompactSmall<8, true, kIdx>(data, mask, n, rb, out, idx, base);
    case 16: return CompactSmall<16, true, kIdx>(data, mask, n, rb, out, idx, base);
    case 32: return CompactSmall<32, true, kIdx>(data, mask, n, rb, out, idx, base);
    default: break;
  }
  if (rb < 8) return CompactSmall<4, false, kIdx>(data, mask, n, rb, out, idx, base);
  if (rb < 16) return CompactSmall<8, false, kIdx>(data, mask, n, rb, out, idx, base);
  if (rb < 32) return CompactSmall<16, false, kIdx>(data, mask, n, rb, out, idx, base);
  if (rb < 64) return CompactSmall<32, false, kIdx>(data, mask, n, rb, out, idx, base);
  if (rb == 64) return CompactMixed<64, true, kIdx>(data, mask, n, rb, out, idx, base);
  if (rb < 128) return CompactMixed<64, false, kIdx>(data, mask, n, rb, out, idx, base);
  if (rb == 128) return CompactMixed<128, true, kIdx>(data, mask, n, rb, out, idx, base);
  if (rb < 256) return CompactMixed<128, false, kIdx>(data, mask, n, rb, out, idx, base);
  return CompactRuns<kIdx>(data, mask, n, rb, out, idx, base);
}

inline int64_t CompactGenericEntry(const void* data, const bool* mask, int64_t n, int64_t rb, void* out,
                                   int64_t* idx, int64_t base) {
  const char* d = static_cast<const char*>(data);
  char* o = static_cast<char*>(out);
  return idx ? CompactGeneric<true>(d, mask, n, rb, o, idx, base)
             : CompactGeneric<false>(d, mask, n, rb, o, idx, base);
}

// ---------------------------------------------------------------------------------------------------
// BooleanMaskGradient
// ---------------------------------------------------------------------------------------------------
alignas(64) constexpr char kZeroRow[64] = {};

// Branch-free: the source is the next packed row or a zero row, picked with a conditional move. The
// packed pointer is only formed (never dereferenced) when it is one past the end.
template <int W, bool kExact>
void ExpandSmall(const char* packed, const bool* mask, int64_t n, int64_t rb, char* out) {
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool m = mask[i];
    const char* src = m ? packed + k * rb : kZeroRow;
    CopyRow<W, kExact>(out + i * rb, src, rb);
    k += m;
  }
}

inline void ZeroRun(char* d, int64_t bytes) { memset(d, 0, bytes); }

void ExpandRuns(const char* packed, const bool* mask, int64_t n, int64_t rb, char* out) {
  int64_t k = 0;
  for (int64_t i = 0; i < n;) {
    const int64_t s = FindNext(mask, i, n, true);
    if (s > i) ZeroRun(out + i * rb, (s - i) * rb);
    if (s >= n) break;
    const int64_t e = FindNext(mask, s + 1, n, false);
    CopyRun(out + s * rb, packed + k * rb, (e - s) * rb);
    k += e - s;
    i = e;
  }
}

void ExpandGeneric(const void* packed_v, const bool* mask, int64_t n, int64_t rb, void* out_v) {
  const char* packed = static_cast<const char*>(packed_v);
  char* out = static_cast<char*>(out_v);
  switch (rb) {
    case 1: return ExpandSmall<1, true>(packed, mask, n, rb, out);
    case 2: return ExpandSmall<2, true>(packed, mask, n, rb, out);
    case 3: return ExpandSmall<2, false>(packed, mask, n, rb, out);
    case 4: return ExpandSmall<4, true>(packed, mask, n, rb, out);
    case 8: return ExpandSmall<8, true>(packed, mask, n, rb, out);
    case 16: return ExpandSmall<16, true>(packed, mask, n, rb, out);
    case 32: return ExpandSmall<32, true>(packed, mask, n, rb, out);
    default: break;
  }
  if (rb < 8) return ExpandSmall<4, false>(packed, mask, n, rb, out);
  if (rb < 16) return ExpandSmall<8, false>(packed, mask, n, rb, out);
  if (rb < 32) return ExpandSmall<16, false>(packed, mask, n, rb, out);
  if (rb < 64) return ExpandSmall<32, false>(packed, mask, n, rb, out);
  ExpandRuns(packed, mask, n, rb, out);
}

// ---------------------------------------------------------------------------------------------------
// BooleanUnmask
// ---------------------------------------------------------------------------------------------------
// 64 positions at a time: `rem` holds the positions no earlier pair has covered, so pair i covers
// bits_i & rem. Once rem is empty no later pair can cover anything in this word.
int64_t UnmaskCheckGeneric(const bool* const* masks, int64_t pairs, int64_t begin, int64_t end,
                           int64_t* counts) {
  int64_t first = -1;
  for (int64_t p = begin; p < end; p += 64) {
    const int64_t len = Min64(64, end - p);
    uint64_t rem = len == 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
    for (int64_t i = 0; i < pairs && rem; ++i) {
      const uint64_t b = Bits(masks[i] + p, len);
      counts[i] += Popcount64(b & rem);
      rem &= ~b;
    }
    if (rem && first < 0) first = p + Ctz64(rem);
  }
  return first;
}

template <int W, bool kExact>
void UnmaskScatterSmall(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                        int64_t end, int64_t rb, char* out, int64_t* next) {
  for (int64_t p = begin; p < end; p += 64) {
    const int64_t len = Min64(64, end - p);
    uint64_t rem = len == 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
    for (int64_t i = 0; i < pairs && rem; ++i) {
      const uint64_t b = Bits(masks[i] + p, len);
      uint64_t cov = b & rem;
      rem &= ~b;
      const char* src = static_cast<const char*>(values[i]) + next[i] * rb;
      next[i] += Popcount64(cov);
      for (; cov; cov &= cov - 1) {
        CopyRow<W, kExact>(out + (p + Ctz64(cov)) * rb, src, rb);
        src += rb;
      }
    }
  }
}

void UnmaskScatterBig(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                      int64_t end, int64_t rb, char* out, int64_t* next) {
  for (int64_t p = begin; p < end; p += 64) {
    const int64_t len = Min64(64, end - p);
    uint64_t rem = len == 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
    for (int64_t i = 0; i < pairs && rem; ++i) {
      const uint64_t b = Bits(masks[i] + p, len);
      uint64_t cov = b & rem;
      rem &= ~b;
      const char* src = static_cast<const char*>(values[i]) + next[i] * rb;
      next[i] += Popcount64(cov);
      while (cov) {
        // A run of consecutive covered positions is one contiguous block of this pair's values.
        const int t = Ctz64(cov);
        const uint64_t shifted = cov >> t;
        const int run = (~shifted == 0) ? 64 - t : Ctz64(~shifted);
        CopyRun(out + (p + t) * rb, src, run * rb);
        src += run * rb;
        cov = (t + run >= 64) ? 0 : cov & (~uint64_t{0} << (t + run));
      }
    }
  }
}

void UnmaskScatterGeneric(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                          int64_t end, int64_t rb, void* out_v, int64_t* next) {
  char* out = static_cast<char*>(out_v);
  switch (rb) {
    case 1: return UnmaskScatterSmall<1, true>(masks, values, pairs, begin, end, rb, out, next);
    case 2: return UnmaskScatterSmall<2, true>(masks, values, pairs, begin, end, rb, out, next);
    case 3: return UnmaskScatterSmall<2, false>(masks, values, pairs, begin, end, rb, out, next);
    case 4: return UnmaskScatterSmall<4, true>(masks, values, pairs, begin, end, rb, out, next);
    case 8: return UnmaskScatterSmall<8, true>(masks, values, pairs, begin, end, rb, out, next);
    case 16: return UnmaskScatterSmall<16, true>(masks, values, pairs, begin, end, rb, out, next);
    case 32: return UnmaskScatterSmall<32, true>(masks, values, pairs, begin, end, rb, out, next);
    default: break;
  }
  if (rb < 8) return UnmaskScatterSmall<4, false>(masks, values, pairs, begin, end, rb, out, next);
  if (rb < 16) return UnmaskScatterSmall<8, false>(masks, values, pairs, begin, end, rb, out, next);
  if (rb < 32) return UnmaskScatterSmall<16, false>(masks, values, pairs, begin, end, rb, out, next);
  UnmaskScatterBig(masks, values, pairs, begin, end, rb, out, next);
}

// ---------------------------------------------------------------------------------------------------
// BooleanMaskLengths
// ---------------------------------------------------------------------------------------------------
// Short segments (the usual case: a few to a few hundred positions) are counted inline, a popcount
// per 8 mask bytes (each byte is 0 or 1, so the word's popcount is its count of true bytes); long ones
// take the path's wide byte-sum count.
template <typename L>
void SegmentCountGeneric(const L* lengths, int64_t s0, int64_t s1, const bool* mask, L* out) {
  const bool* m = mask;
  for (int64_t s = s0; s < s1; ++s) {
    const int64_t len = lengths[s];
    int64_t c = 0;
    if (len >= 256) {
      c = PathCountTrue(m, len);
    } else {
      int64_t j = 0;
      for (; j + 8 <= len; j += 8) {
        uint64_t w;
        memcpy(&w, m + j, 8);
        c += Popcount64(w);
      }
      for (; j < len; ++j) c += m[j];
    }
    out[s] = static_cast<L>(c);
    m += len;
  }
}
void SegmentCount32(const int32_t* lengths, int64_t s0, int64_t s1, const bool* mask, int32_t* out) {
  SegmentCountGeneric<int32_t>(lengths, s0, s1, mask, out);
}
void SegmentCount64(const int64_t* lengths, int64_t s0, int64_t s1, const bool* mask, int64_t* out) {
  SegmentCountGeneric<int64_t>(lengths, s0, s1, mask, out);
}

// ---------------------------------------------------------------------------------------------------
// SequenceMask row by blending
// ---------------------------------------------------------------------------------------------------
// Byte masks for a 32-byte vector: kKeepTable + 64 - k starts with k bytes 0xFF then zeros, and
// kKeepTable + 32 - k starts with k zero bytes then 0xFF (0 <= k <= 32).
alignas(32) constexpr unsigned char kKeepTable[96] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0};

inline int64_t Clamp32(int64_t k) { return k < 0 ? 0 : (k > 32 ? 32 : k); }

// One row of `bytes` >= 32 bytes: byte j of dst is src[j] for kept_begin <= j < kept_end and the fill
// word's byte j % 8 elsewhere. Whole 32-byte vectors (GCC vector types: one AVX2 register, or two
// SSE2 ones on the scalar path), the last one overlapping its predecessor, so a row is a fixed number
// of loads, blends and stores with no branch on the span: short rows with random spans would
// otherwise pay a mispredicted size branch in every memcpy and fill call. src may equal dst: the
// overlapping vector rereads bytes already final.
void MaskRowGeneric(const void* src_v, void* dst_v, int64_t bytes, int64_t kept_begin, int64_t kept_end,
                    uint64_t fill_word) {
  typedef unsigned char V __attribute__((vector_size(32)));
  const char* src = static_cast<const char*>(src_v);
  char* dst = static_cast<char*>(dst_v);
  V fill;
  for (int i = 0; i < 32; i += 8) memcpy(reinterpret_cast<char*>(&fill) + i, &fill_word, 8);
  for (int64_t off = 0;; off += 32) {
    if (off > bytes - 32) off = bytes - 32;
    V in, from_begin, before_end;
    memcpy(&in, src + off, 32);
    memcpy(&from_begin, kKeepTable + 32 - Clamp32(kept_begin - off), 32);
    memcpy(&before_end, kKeepTable + 64 - Clamp32(kept_end - off), 32);
    const V keep = from_begin & before_end;
    const V out = (in & keep) | (fill & ~keep);
    memcpy(dst + off, &out, 32);
    if (off == bytes - 32) break;
  }
}

// ---------------------------------------------------------------------------------------------------
// Fill
// ---------------------------------------------------------------------------------------------------
// A 64-byte copy of the pattern (2, 4 and 8 all divide 64) written with fixed-size moves the compiler
// turns into the widest stores of this translation unit's ISA; the ragged end is a prefix of it.
// Called once per span by SequenceMask, so building the pattern must cost little (ItemWord).
void FillGeneric(void* dst, int64_t count, int64_t item_bytes, const void* item) {
  const uint64_t word = ItemWord(item_bytes, item);
  alignas(64) char pattern[64];
  for (int off = 0; off < 64; off += 8) memcpy(pattern + off, &word, 8);
  char* d = static_cast<char*>(dst);
  int64_t bytes = count * item_bytes;
  for (; bytes >= 256; bytes -= 256, d += 256) {
    memcpy(d, pattern, 64);
    memcpy(d + 64, pattern, 64);
    memcpy(d + 128, pattern, 64);
    memcpy(d + 192, pattern, 64);
  }
  for (; bytes >= 64; bytes -= 64, d += 64) memcpy(d, pattern, 64);
  if (bytes > 0) memcpy(d, pattern, bytes);
}
