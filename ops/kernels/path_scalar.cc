// The portable path: plain C++ compiled for the baseline ISA. Also the fallback for row sizes the
// vector paths do not specialise.
#include <cstdint>
#include <cstring>

#include "ops/kernels/item_word.h"
#include "ops/kernels/path_kernels.h"
#include "ops/kernels/streaming.h"

namespace caffe2::kernels::detail {
namespace {

// Bytes hold 0 or 1, so a 64-bit word is 8 counters: summing up to 255 words cannot carry across
// bytes, and one horizontal sum per 255 words finishes the job.
inline int64_t HorizontalByteSum(uint64_t acc) {
  const uint64_t pairs = (acc & 0x00FF00FF00FF00FFull) + ((acc >> 8) & 0x00FF00FF00FF00FFull);
  return static_cast<int64_t>((pairs * 0x0001000100010001ull) >> 48);
}

int64_t PathCountTrue(const bool* mask, int64_t n) {
  int64_t total = 0;
  int64_t i = 0;
  while (n - i >= 8) {
    const int64_t words = (n - i) / 8 < 255 ? (n - i) / 8 : 255;
    uint64_t acc = 0;
    for (int64_t w = 0; w < words; ++w, i += 8) {
      uint64_t x;
      memcpy(&x, mask + i, 8);
      acc += x;
    }
    total += HorizontalByteSum(acc);
  }
  for (; i < n; ++i) total += mask[i];
  return total;
}

// Eight 0/1 bytes to eight bits: the multiply moves byte j's bit 0 to bit 56 + j (verified for all
// 256 inputs; no partial products collide because each byte is 0 or 1).
inline uint64_t Bits8(const bool* mask) {
  uint64_t x;
  memcpy(&x, mask, 8);
  return (x * 0x0102040810204080ull) >> 56;
}

inline uint64_t PathBits64(const bool* mask) {
  uint64_t bits = 0;
  for (int j = 0; j < 8; ++j) bits |= Bits8(mask + 8 * j) << (8 * j);
  return bits;
}

#include "ops/kernels/generic_impl.h"

}  // namespace

const PathKernels& ScalarKernels() {
  static constexpr PathKernels kTable = MakePathKernels(&CompactGenericEntry, &ExpandGeneric, &UnmaskScatterGeneric);
  return kTable;
}

}  // namespace caffe2::kernels::detail
