#include "tests/kernels/reference_kernels.h"

#include <cstring>
#include <vector>

namespace caffe2::kernels::reference {

int64_t CountTrue(const bool* mask, int64_t n) {
  int64_t c = 0;
  for (int64_t i = 0; i < n; ++i) c += mask[i] ? 1 : 0;
  return c;
}

int64_t BooleanMaskCompact(const void* data, const bool* mask, int64_t n, int64_t row_bytes, void* out,
                           int64_t* indices) {
  const char* d = static_cast<const char*>(data);
  char* o = static_cast<char*>(out);
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!mask[i]) continue;
    std::memcpy(o + k * row_bytes, d + i * row_bytes, row_bytes);
    if (indices) indices[k] = i;
    ++k;
  }
  return k;
}

void BooleanMaskExpand(const void* packed, const bool* mask, int64_t n, int64_t row_bytes, void* out) {
  const char* p = static_cast<const char*>(packed);
  char* o = static_cast<char*>(out);
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (mask[i]) {
      std::memcpy(o + i * row_bytes, p + k * row_bytes, row_bytes);
      ++k;
    } else {
      std::memset(o + i * row_bytes, 0, row_bytes);
    }
  }
}

template <typename L>
void SegmentCountTrue(const L* lengths, int64_t segments, const bool* mask, L* out) {
  int64_t off = 0;
  for (int64_t s = 0; s < segments; ++s) {
    L c = 0;
    for (L j = 0; j < lengths[s]; ++j) c += mask[off + j] ? 1 : 0;
    out[s] = c;
    off += lengths[s];
  }
}
template void SegmentCountTrue<int32_t>(const int32_t*, int64_t, const bool*, int32_t*);
template void SegmentCountTrue<int64_t>(const int64_t*, int64_t, const bool*, int64_t*);

int64_t BooleanUnmaskCheck(const bool* const* masks, int64_t pairs, int64_t n, int64_t* covered_counts) {
  for (int64_t i = 0; i < pairs; ++i) covered_counts[i] = 0;
  int64_t first = -1;
  for (int64_t p = 0; p < n; ++p) {
    int64_t i = 0;
    while (i < pairs && !masks[i][p]) ++i;
    if (i == pairs) {
      if (first < 0) first = p;
    } else {
      ++covered_counts[i];
    }
  }
  return first;
}

void BooleanUnmaskScatter(const bool* const* masks, const void* const* values, int64_t pairs, int64_t n,
                          int64_t row_bytes, void* out) {
  std::vector<int64_t> next(pairs, 0);
  char* o = static_cast<char*>(out);
  for (int64_t p = 0; p < n; ++p) {
    for (int64_t i = 0; i < pairs; ++i) {
      if (!masks[i][p]) continue;
      std::memcpy(o + p * row_bytes, static_cast<const char*>(values[i]) + next[i] * row_bytes, row_bytes);
      ++next[i];
      break;
    }
  }
}

void SequenceMask(const void* in, void* out, int64_t item_bytes, const void* fill, int64_t B, int64_t N,
                  int64_t M, SequenceMode mode, const int32_t* arg, int64_t radius, int64_t block) {
  const char* src = static_cast<const char*>(in);
  char* dst = static_cast<char*>(out);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t i = 0; i < N; ++i) {
      for (int64_t j = 0; j < M; ++j) {
        bool masked = false;
        // 128-bit arithmetic: no overflow for any int32 center and int64 radius.
        const __int128 J = j, I = i;
        switch (mode) {
          case SequenceMode::kSequence: masked = j / block >= arg[i]; break;
          case SequenceMode::kWindow: {
            const __int128 c = arg[i];
            masked = J > c + radius || J < c - radius;
            break;
          }
          case SequenceMode::kUpper: masked = J > I; break;
          case SequenceMode::kLower: masked = J < I; break;
          case SequenceMode::kUpperDiag: masked = J >= I; break;
          case SequenceMode::kLowerDiag: masked = J <= I; break;
        }
        const int64_t e = ((b * N + i) * M + j) * item_bytes;
        if (masked) {
          std::memcpy(dst + e, fill, item_bytes);
        } else if (dst != src) {
          std::memcpy(dst + e, src + e, item_bytes);
        }
      }
    }
  }
}

}  // namespace caffe2::kernels::reference
