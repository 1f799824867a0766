// Internal: the kernel bodies every path shares, compiled once per path with that path's flags.
//
// Include this INSIDE `namespace caffe2::kernels::detail { namespace { ... } }` of a path translation
// unit (which also includes item_word.h, path_kernels.h and streaming.h), after it has declared
//   int64_t PathCountTrue(const bool* mask, int64_t n);   // true bytes in mask[0, n)
//   uint64_t PathBits64(const bool* mask);                 // 64 mask bytes -> bit j = mask[j]
// The vector paths (AVX2, AVX-512) also instantiate the block loops at the end of this file with their
// own vector operations (see "Block loops of the vector paths"), so those loops and their bounds
// guards exist once for both.
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

// Copies bytes >= 32 (no overlap) with fixed-size moves, forward, the last one overlapping its
// predecessor: 64-byte moves (one AVX-512 register, two AVX2 ones) from 64 bytes on, 32-byte ones
// below. No call to memcpy, on purpose: for the 1-8 KiB runs of kept rows that large-row compaction
// copies, glibc 2.36 on the AVX-512 machine (rep_movsb_threshold 2112 bytes) spent nearly half of its
// time in `rep movsb` and in its size dispatch, and the inline loop measured faster
// (docs/performance.md, "Large rows").
inline void CopyRun(char* d, const char* s, int64_t bytes) {
  constexpr int64_t W = 64;
  if (bytes < W) {
    if (bytes > 32) memcpy(d, s, 32);
    memcpy(d + bytes - 32, s + bytes - 32, 32);
    return;
  }
  for (int64_t off = 0; off + W < bytes; off += W) memcpy(d + off, s + off, W);
  memcpy(d + bytes - W, s + bytes - W, W);
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

// Asks for the lines of [p, p + bytes), at most kMaxPrefetchBytes of them, to be brought into the cache.
constexpr int64_t kMaxPrefetchBytes = 4096;
inline void PrefetchBytes(const char* p, int64_t bytes) {
  const int64_t limit = Min64(bytes, kMaxPrefetchBytes);
  for (int64_t off = 0; off < limit; off += 64) __builtin_prefetch(p + off);
}

// Prefetches the kept rows of a compaction ahead of its copy, in mask order: the first
// kMaxPrefetchBytes of each kept row, until kRowPrefetchAheadBytes of them are in flight beyond the rows
// already copied. Kept rows start at places the hardware prefetcher cannot predict (each skipped gap
// breaks its stream), so a kept row that nobody asked for in time costs a full memory latency, and one
// run ahead is not enough when runs are short: on AMD Zen 5, reading the kept half of rows of 1 KiB at
// d0.5 took 3.5-5x less time prefetched 16 KiB ahead than not prefetched, and rows of 4 KiB compacted in
// 1.2-1.6x the time of a copy of the same rows from a list when only one row ahead was asked for, in
// about that time at 16 KiB (cache_resident_benchmark; docs/performance.md, "Fourth machine").
constexpr int64_t kRowPrefetchAheadBytes = 16384;
class KeptRowPrefetcher {
 public:
  KeptRowPrefetcher(const char* data, const bool* mask, int64_t n, int64_t rb)
      : data_(data), mask_(mask), n_(n), rb_(rb), ahead_rows_(RowsAhead(rb)) {}

  // `copied` kept rows are done: ask for the ones after them, up to the distance.
  void Ahead(int64_t copied) {
    while (issued_ - copied < ahead_rows_) {
      while (bits_ == 0) {
        if (word_ >= n_) return;
        bits_ = Bits(mask_ + word_, Min64(64, n_ - word_));
        word_ += 64;
      }
      // Rows a run longer than the distance has already copied are passed over, not asked for.
      if (issued_ >= copied) PrefetchBytes(data_ + (word_ - 64 + Ctz64(bits_)) * rb_, rb_);
      bits_ &= bits_ - 1;
      ++issued_;
    }
  }

 private:
  static int64_t RowsAhead(int64_t rb) {
    const int64_t prefetched = Min64(rb, kMaxPrefetchBytes);
    return (kRowPrefetchAheadBytes + prefetched - 1) / prefetched;
  }

  const char* data_;
  const bool* mask_;
  int64_t n_, rb_, ahead_rows_;
  int64_t issued_ = 0;  // kept rows walked so far (prefetched, or passed over)
  int64_t word_ = 0;    // mask position of the next word; bits_ holds the one before it
  uint64_t bits_ = 0;   // kept rows of that word not yet walked
};

// Rows of >= 64 bytes: copy each run of consecutive true rows at once; false rows are never read.
// `copy` is CopyRun (ordinary stores) or StreamCopy (streaming stores, for outputs too large to stay
// cached; the caller fences). The kept rows are prefetched ahead (KeptRowPrefetcher).
template <bool kIdx, class Copy>
int64_t CompactRuns(const char* data, const bool* mask, int64_t n, int64_t rb, char* out, int64_t* idx,
                    int64_t base, Copy copy) {
  KeptRowPrefetcher prefetch(data, mask, n, rb);
  int64_t k = 0;
  for (int64_t s = FindNext(mask, 0, n, true); s < n;) {
    const int64_t e = FindNext(mask, s + 1, n, false);
    prefetch.Ahead(k);
    copy(out + k * rb, data + s * rb, (e - s) * rb);
    if (kIdx)
      for (int64_t r = s; r < e; ++r) idx[k + (r - s)] = base + r;
    k += e - s;
    s = FindNext(mask, e, n, true);
  }
  return k;
}
template <bool kIdx>
int64_t CompactRuns(const char* data, const bool* mask, int64_t n, int64_t rb, char* out, int64_t* idx,
                    int64_t base) {
  return CompactRuns<kIdx>(data, mask, n, rb, out, idx, base, CopyRun);
}

// Rows of 64..255 bytes at low density: the kept rows one at a time from the set bits of each mask
// word, each with one or two W-byte moves. Run detection (CompactRuns) pays two searches and their
// mispredicted branches per run, and at low density a run is usually one row: rows of 64 B at d0.1 cost
// 15 ns a kept row that way even with the input in L2 (docs/performance.md); here a row costs a tzcnt
// and its moves, and the loads of successive rows are independent, so their misses overlap.
template <int W, bool kExact, bool kIdx>
int64_t CompactSparse(const char* data, const bool* mask, int64_t n, int64_t rb, char* out, int64_t* idx,
                      int64_t base) {
  int64_t k = 0;
  for (int64_t i = 0; i < n; i += 64) {
    for (uint64_t bits = Bits(mask + i, Min64(64, n - i)); bits; bits &= bits - 1) {
      const int64_t r = i + Ctz64(bits);
      CopyRow<W, kExact>(out + k * rb, data + r * rb, rb);
      if (kIdx) idx[k] = base + r;
      ++k;
    }
  }
  return k;
}

// Rows of 64..255 bytes: per counted block, the branch-free loop (every row stored to slot k with one
// or two W-byte moves) where the block's density is middling, the kept rows one by one from the mask
// bits where it is low, and run copies where it is high. A random mask of density 0.5 gives runs of one
// or two rows, and run detection pays a branch mispredict per run (64-byte rows at density 0.5 measured
// 0.64-0.75x memcpy that way); at low density the skipped rows are never read, at high density the
// runs are long. See docs/performance.md.
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
    if (4 * kept < len) {
      CompactSparse<W, kExact, kIdx>(d, mask + b0, len, rb, o, x, base + b0);
    } else if (4 * kept <= 3 * len) {
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

// `stream`: the caller asks for streaming stores (a large output); they are used for rows of at least
// kMinStreamedCompactRowBytes, whose runs are long enough for whole-line streaming to pay.
inline int64_t CompactGenericEntry(const void* data, const bool* mask, int64_t n, int64_t rb, void* out,
                                   int64_t* idx, int64_t base, bool stream) {
  const char* d = static_cast<const char*>(data);
  char* o = static_cast<char*>(out);
  if (stream && rb >= kMinStreamedCompactRowBytes)
    return idx ? CompactRuns<true>(d, mask, n, rb, o, idx, base, StreamCopy)
               : CompactRuns<false>(d, mask, n, rb, o, idx, base, StreamCopy);
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
// Counting each segment with its own loop costs a loop exit (a mispredicted branch on random lengths)
// per segment: ~20 ns, far more than its ~100 mask bytes take to read. Instead the mask is turned into
// bits, 64 positions per word (PathBits64: one or two vector instructions), one chunk at a time, with
// the running count of true positions at every word start (a prefix sum). With P(x) = true positions
// in [0, x), segment [b, e) holds P(e) - P(b), and P(e) is the word's prefix plus the popcount of the
// word's bits below e: a fixed handful of instructions per segment whatever its length, and one pass
// over the mask at the speed of PathBits64.
constexpr int64_t kSegmentChunkWords = 512;  // 32 Ki positions per chunk: 4 KiB of bits + 4 KiB of prefixes

template <typename L>
void SegmentCountGeneric(const L* lengths, int64_t s0, int64_t s1, const bool* mask, int64_t mask_len, L* out) {
  // Chunk [c0, c1) of the mask: bits[w] = positions c0 + 64w .. +63, prefix[w] = P(c0 + 64w). One
  // entry past the last word (bits 0, prefix P(c1)) answers P(c1) when c1 - c0 is a multiple of 64.
  uint64_t bits[kSegmentChunkWords + 1];
  int64_t prefix[kSegmentChunkWords + 1];
  int64_t c0 = 0, c1 = 0, total = 0;  // total = P(c1)
  bits[0] = 0;
  prefix[0] = 0;
  auto next_chunk = [&] {
    c0 = c1;
    c1 = Min64(mask_len, c0 + 64 * kSegmentChunkWords);
    const int64_t words = (c1 - c0 + 63) / 64;
    for (int64_t w = 0; w < words; ++w) {
      const int64_t p = c0 + 64 * w;
      bits[w] = Bits(mask + p, Min64(64, c1 - p));
      prefix[w] = total;
      total += Popcount64(bits[w]);
    }
    bits[words] = 0;
    prefix[words] = total;
  };
  int64_t end = 0, count_before = 0;  // count_before = P(start of segment s)
  for (int64_t s = s0; s < s1; ++s) {
    end += lengths[s];
    while (end > c1) next_chunk();  // the lengths sum to mask_len, so this stops at the mask's end
    const int64_t off = end - c0;
    const uint64_t below = (uint64_t{1} << (off & 63)) - 1;
    const int64_t count_end = prefix[off >> 6] + Popcount64(bits[off >> 6] & below);
    out[s] = static_cast<L>(count_end - count_before);
    count_before = count_end;
  }
}
void SegmentCount32(const int32_t* lengths, int64_t s0, int64_t s1, const bool* mask, int64_t mask_len,
                    int32_t* out) {
  SegmentCountGeneric<int32_t>(lengths, s0, s1, mask, mask_len, out);
}
void SegmentCount64(const int64_t* lengths, int64_t s0, int64_t s1, const bool* mask, int64_t mask_len,
                    int64_t* out) {
  SegmentCountGeneric<int64_t>(lengths, s0, s1, mask, mask_len, out);
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

// ---------------------------------------------------------------------------------------------------
// Block loops of the vector paths (AVX2 and AVX-512)
// ---------------------------------------------------------------------------------------------------
// Written once over the vector operations of an ISA. `Isa` is a struct of static members that the
// path defines before it instantiates these templates:
//   kWidth                 bytes per vector, and mask positions per step of the loops (32 or 64)
//   Word MaskBits(mask)    kWidth mask bytes (0/1) -> kWidth bits
//   Vec, Zero(), Store(p, v)
// and, per item size S (4 or 8, and 2 for compaction without indices and for expansion; a "group" is one vector of kWidth / S items, c its mask bits):
//   int CompactGroup<S, kIdx, kFits>(src, c, out, k, idx, first_index)
//       packs the kept items of src to out + k*S (and their indices first_index + j to idx + k);
//       kFits: a whole-vector store at k is known to stay inside out, else exactly popcount(c) items
//       are written. Returns popcount(c).
//   int ExpandGroup<S>(packed, c, whole, dst)
//       dst lane j = next packed item if bit j of c, else 0; whole: a whole-vector load at packed is
//       known to stay inside the packed array, else exactly popcount(c) items are read (a run-time
//       flag, so the compiler selects only the load and shares the rest). Returns popcount(c).
//   Vec ExpandInto<S>(acc, c, src)
//       acc with lane j (bit j of c set) replaced by the next item of src; reads exactly popcount(c).
//   void Unmask2Group<S, kFull>(c, src0, src1, dst)
//       dst lane j = next item of src0 if bit j of c, else next item of src1; advances both; kFull:
//       whole-vector loads are known to stay inside both arrays, else exact (masked) loads.
// and, for the counting loops, Load(p), AddBytes(a, b), OrBytes(a, b) and SumBytes(v) (the sum of the
// vector's bytes as unsigned).
// The invariants that keep every access in bounds (the `kend` guards) live here, once.

// 2-byte items: a group (kWidth / 2 items) is two half vectors of H = kWidth / 4 items, each packed
// (compaction) or spread (expansion) by the ISA's half-vector operation:
//   Half, LoadHalf(p), StoreHalf(p, h), CompactHalf2(h, c), ExpandHalf2(h, c)   (c: H mask bits)
// The second half's items follow the first half's kept ones, in the output (compaction) or in the
// packed input (expansion). Same contract as CompactGroup / ExpandGroup.
template <class Isa>
struct Halves2 {
  static constexpr int kHalfItems = Isa::kWidth / 4;
  static constexpr uint32_t kHalfMask = (1u << kHalfItems) - 1;
  static constexpr int kHalfBytes = 2 * kHalfItems;

  template <bool kFits>
  static int Compact(const char* src, uint32_t c, char* dst) {
    const uint32_t lo = c & kHalfMask, hi = c >> kHalfItems;
    const int pc_lo = __builtin_popcount(lo);
    const int pc = pc_lo + __builtin_popcount(hi);
    const auto a = Isa::CompactHalf2(Isa::LoadHalf(src), lo);
    const auto b = Isa::CompactHalf2(Isa::LoadHalf(src + kHalfBytes), hi);
    if (kFits) {  // the second store ends at most a whole vector after dst
      Isa::StoreHalf(dst, a);
      Isa::StoreHalf(dst + 2 * pc_lo, b);
    } else {  // near the end of `out`: exactly the pc items
      alignas(64) char tmp[2 * kHalfBytes];
      Isa::StoreHalf(tmp, a);
      Isa::StoreHalf(tmp + 2 * pc_lo, b);
      memcpy(dst, tmp, 2 * pc);
    }
    return pc;
  }

  static int Expand(const char* packed, uint32_t c, bool whole, char* dst) {
    const uint32_t lo = c & kHalfMask, hi = c >> kHalfItems;
    const int pc_lo = __builtin_popcount(lo);
    const int pc = pc_lo + __builtin_popcount(hi);
    alignas(64) char tmp[2 * kHalfBytes];
    if (!whole) {  // near the end of `packed`: read exactly the pc items
      memset(tmp, 0, sizeof tmp);
      memcpy(tmp, packed, 2 * pc);
      packed = tmp;
    }
    Isa::StoreHalf(dst, Isa::ExpandHalf2(Isa::LoadHalf(packed), lo));
    Isa::StoreHalf(dst + kHalfBytes, Isa::ExpandHalf2(Isa::LoadHalf(packed + 2 * pc_lo), hi));
    return pc;
  }
};

// The item groups of one mask word: kGroups vectors of kItems items.
template <class Isa, int S>
struct Groups {
  static constexpr int kItems = Isa::kWidth / S;
  static constexpr int kGroups = Isa::kWidth / kItems;
  static constexpr uint64_t kGroupMask = (uint64_t{1} << kItems) - 1;
  static uint32_t Bits(uint64_t word, int g) { return static_cast<uint32_t>((word >> (g * kItems)) & kGroupMask); }
};

// Bytes hold 0 or 1, so they are summed lane-wise with byte adds (at most 63 * 4 = 252 per lane
// between flushes) and flushed with SumBytes: two vector instructions per vector of mask bytes instead
// of a popcount per bitmask word.
template <class Isa>
int64_t CountTrueVector(const bool* mask, int64_t n) {
  constexpr int64_t W = Isa::kWidth;
  int64_t total = 0;
  int64_t i = 0;
  while (n - i >= 4 * W) {
    const int64_t iters = Min64((n - i) / (4 * W), 63);
    auto acc = Isa::Zero();
    for (int64_t t = 0; t < iters; ++t, i += 4 * W) {
      const auto ab = Isa::AddBytes(Isa::Load(mask + i), Isa::Load(mask + i + W));
      const auto cd = Isa::AddBytes(Isa::Load(mask + i + 2 * W), Isa::Load(mask + i + 3 * W));
      acc = Isa::AddBytes(acc, Isa::AddBytes(ab, cd));
    }
    total += Isa::SumBytes(acc);
  }
  for (; n - i >= W; i += W) total += Popcount64(Isa::MaskBits(mask + i));
  // A word's popcount is its count of true bytes (tiny masks, ragged ends).
  for (; n - i >= 8; i += 8) {
    uint64_t w;
    memcpy(&w, mask + i, 8);
    total += Popcount64(w);
  }
  for (; i < n; ++i) total += mask[i];
  return total;
}

// Positions of [0, n) where a or b is true (0/1 bytes: OR, then byte sums as above, 255 per flush).
template <class Isa>
int64_t CountEitherVector(const bool* a, const bool* b, int64_t n) {
  constexpr int64_t W = Isa::kWidth;
  int64_t total = 0;
  int64_t i = 0;
  while (n - i >= W) {
    const int64_t iters = Min64((n - i) / W, 255);
    auto acc = Isa::Zero();
    for (int64_t t = 0; t < iters; ++t, i += W)
      acc = Isa::AddBytes(acc, Isa::OrBytes(Isa::Load(a + i), Isa::Load(b + i)));
    total += Isa::SumBytes(acc);
  }
  for (; i < n; ++i) total += a[i] | b[i];
  return total;
}

// Compaction of 2-, 4- or 8-byte items, one mask word (kWidth items) per step.
template <class Isa, int S, bool kIdx>
int64_t CompactVec(const char* data, const bool* mask, int64_t n, char* out, int64_t* idx, int64_t base) {
  using G = Groups<Isa, S>;
  constexpr int64_t kStep = Isa::kWidth;
  int64_t k = 0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = Min64(n, b0 + kBlock);
    // Rows kept up to the end of this block. While k + kStep <= kend, all the whole-vector stores of
    // the next kStep rows land inside `out` (the last one ends at most at k + kStep), so the hot loop
    // has no per-vector test. Counting 4 KiB of mask ahead costs little and leaves it in L1.
    const int64_t kend = k + PathCountTrue(mask + b0, b1 - b0);
    int64_t i = b0;
    for (; b1 - i >= kStep && k + kStep <= kend; i += kStep) {
      const auto bits = Isa::MaskBits(mask + i);
      for (int g = 0; g < G::kGroups; ++g)
        k += Isa::template CompactGroup<S, kIdx, true>(data + (i + g * G::kItems) * S, G::Bits(bits, g), out, k, idx,
                                                       base + i + g * G::kItems);
    }
    // Fewer than kStep kept rows left in the block: test each vector.
    for (; b1 - i >= kStep && k < kend; i += kStep) {
      const auto bits = Isa::MaskBits(mask + i);
      for (int g = 0; g < G::kGroups; ++g) {
        const char* src = data + (i + g * G::kItems) * S;
        const uint32_t c = G::Bits(bits, g);
        const int64_t first = base + i + g * G::kItems;
        k += k + G::kItems <= kend ? Isa::template CompactGroup<S, kIdx, true>(src, c, out, k, idx, first)
                                   : Isa::template CompactGroup<S, kIdx, false>(src, c, out, k, idx, first);
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

template <class Isa>
int64_t CompactVector(const void* data, const bool* mask, int64_t n, int64_t rb, void* out, int64_t* idx,
                      int64_t base, bool stream) {
  const char* d = static_cast<const char*>(data);
  char* o = static_cast<char*>(out);
  // 2-byte items (float16, int16): vector compaction without indices; with indices they take the
  // generic loop.
  if (rb == 2 && !idx) return CompactVec<Isa, 2, false>(d, mask, n, o, idx, base);
  if (rb == 4)
    return idx ? CompactVec<Isa, 4, true>(d, mask, n, o, idx, base) : CompactVec<Isa, 4, false>(d, mask, n, o, idx, base);
  if (rb == 8)
    return idx ? CompactVec<Isa, 8, true>(d, mask, n, o, idx, base) : CompactVec<Isa, 8, false>(d, mask, n, o, idx, base);
  return CompactGenericEntry(data, mask, n, rb, out, idx, base, stream);
}

// Expansion of 2-, 4- or 8-byte items.
template <class Isa, int S>
void ExpandVec(const char* packed, const bool* mask, int64_t n, char* out) {
  using G = Groups<Isa, S>;
  constexpr int64_t kStep = Isa::kWidth;
  int64_t k = 0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = Min64(n, b0 + kBlock);
    // A whole-vector load at packed row k stays inside `packed` while k + kItems <= kend.
    const int64_t kend = k + PathCountTrue(mask + b0, b1 - b0);
    int64_t i = b0;
    for (; b1 - i >= kStep; i += kStep) {
      const auto bits = Isa::MaskBits(mask + i);
      for (int g = 0; g < G::kGroups; ++g) {
        const uint32_t c = G::Bits(bits, g);
        char* dst = out + (i + g * G::kItems) * S;
        k += Isa::template ExpandGroup<S>(packed + k * S, c, k + G::kItems <= kend, dst);
      }
    }
    for (; i < b1; ++i) {
      const bool m = mask[i];
      memcpy(out + i * S, m ? packed + k * S : kZeroRow, S);
      k += m;
    }
  }
}

template <class Isa>
void ExpandVector(const void* packed, const bool* mask, int64_t n, int64_t rb, void* out) {
  if (rb == 2) return ExpandVec<Isa, 2>(static_cast<const char*>(packed), mask, n, static_cast<char*>(out));
  if (rb == 4) return ExpandVec<Isa, 4>(static_cast<const char*>(packed), mask, n, static_cast<char*>(out));
  if (rb == 8) return ExpandVec<Isa, 8>(static_cast<const char*>(packed), mask, n, static_cast<char*>(out));
  ExpandGeneric(packed, mask, n, rb, out);
}

// Unmask of 4- or 8-byte items, any number of pairs, kWidth positions at a time: each pair's covered
// lanes are expanded from its values (exact loads of the rows it supplies, so nothing past its end is
// touched) into the output vectors, which are stored once. (Bounding each pair's rows per block, as
// UnmaskScatter2 does, to use whole-vector loads was tried for 3-8 pairs and measured no faster on
// AVX2 and slower on AVX-512: the per-block check pass costs more than the plain loads save;
// docs/performance.md.) Each pair's mask and value streams are prefetched 2 KiB ahead: with 2 + 2 x
// pairs streams the loop otherwise stalls on its mask loads (AVX-512, 5 and 8 pairs: 0.83-0.85x the
// time; the blocked alternative, one pair at a time over an L1-resident output block, measured no
// faster).
constexpr int64_t kUnmaskPrefetchAhead = 2048;
template <class Isa, int S>
void UnmaskScatterVec(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                      int64_t end, char* out, int64_t* next) {
  using G = Groups<Isa, S>;
  using Word = decltype(Isa::MaskBits(masks[0]));
  constexpr int64_t kStep = Isa::kWidth;
  int64_t p = begin;
  for (; end - p >= kStep; p += kStep) {
    typename Isa::Vec acc[G::kGroups];
    for (int g = 0; g < G::kGroups; ++g) acc[g] = Isa::Zero();
    Word rem = ~Word{0};
    for (int64_t i = 0; i < pairs && rem; ++i) {
      const Word b = Isa::MaskBits(masks[i] + p);
      const Word cov = b & rem;
      rem &= ~b;
      const char* src = static_cast<const char*>(values[i]) + next[i] * S;
      __builtin_prefetch(masks[i] + p + kUnmaskPrefetchAhead);
      __builtin_prefetch(src + kUnmaskPrefetchAhead);
      for (int g = 0; g < G::kGroups; ++g) {
        const uint32_t c = G::Bits(cov, g);
        acc[g] = Isa::template ExpandInto<S>(acc[g], c, src);
        src += __builtin_popcount(c) * S;
      }
      next[i] += Popcount64(cov);
    }
    for (int g = 0; g < G::kGroups; ++g) Isa::Store(out + (p + g * G::kItems) * S, acc[g]);
  }
  if (p < end) UnmaskScatterGeneric(masks, values, pairs, p, end, S, out, next);
}

// Two pairs. Per block of positions, the mask bytes are counted first (which also brings them into
// L1): if every position of the block is covered, pair 1 covers exactly the positions where mask 0 is
// false, so the loop reads only mask 0, and the counts bound how many rows each pair supplies in the
// block, which allows whole-vector loads until fewer than kWidth rows of a pair remain (exact loads
// after that). A block with an uncovered position (input the check pass rejects) takes the generic
// loop, which keeps the reference semantics and reads only rows the masks account for.
template <class Isa, int S>
void UnmaskScatter2(const bool* const* masks, const void* const* values, int64_t begin, int64_t end, char* out,
                    int64_t* next) {
  using G = Groups<Isa, S>;
  constexpr int64_t kStep = Isa::kWidth;
  const bool* m0 = masks[0];
  const char* v0 = static_cast<const char*>(values[0]);
  const char* v1 = static_cast<const char*>(values[1]);
  for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
    const int64_t b1 = Min64(end, b0 + kBlock);
    const int64_t len = b1 - b0;
    if (CountEitherVector<Isa>(m0 + b0, masks[1] + b0, len) != len) {
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
    // While kStep rows of each pair remain in the block, every whole-vector load of the next kStep
    // positions ends at or before them.
    for (; b1 - p >= kStep && end0 - src0 >= kStep * S && end1 - src1 >= kStep * S; p += kStep) {
      const auto bits = Isa::MaskBits(m0 + p);
      for (int g = 0; g < G::kGroups; ++g)
        Isa::template Unmask2Group<S, true>(G::Bits(bits, g), src0, src1, out + (p + g * G::kItems) * S);
    }
    for (; b1 - p >= kStep; p += kStep) {
      const auto bits = Isa::MaskBits(m0 + p);
      for (int g = 0; g < G::kGroups; ++g)
        Isa::template Unmask2Group<S, false>(G::Bits(bits, g), src0, src1, out + (p + g * G::kItems) * S);
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

template <class Isa>
void UnmaskScatterVector(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                         int64_t end, int64_t rb, void* out_v, int64_t* next) {
  char* out = static_cast<char*>(out_v);
  if (pairs == 2 && rb == 4) return UnmaskScatter2<Isa, 4>(masks, values, begin, end, out, next);
  if (pairs == 2 && rb == 8) return UnmaskScatter2<Isa, 8>(masks, values, begin, end, out, next);
  if (rb == 4) return UnmaskScatterVec<Isa, 4>(masks, values, pairs, begin, end, out, next);
  if (rb == 8) return UnmaskScatterVec<Isa, 8>(masks, values, pairs, begin, end, out, next);
  UnmaskScatterGeneric(masks, values, pairs, begin, end, rb, out, next);
}

// The table of a path: the kernels every path shares, with the path's own compaction, expansion and
// unmask scatter.
constexpr PathKernels MakePathKernels(decltype(PathKernels::compact) compact, decltype(PathKernels::expand) expand,
                                      decltype(PathKernels::unmask_scatter) unmask_scatter) {
  return PathKernels{&PathCountTrue,  compact,         expand,          &UnmaskCheckGeneric, unmask_scatter,
                     &SegmentCount32, &SegmentCount64, &FillGeneric,    &MaskRowGeneric};
}
