// Scalar reference implementations of every kernel: the obviously-correct loops the optimised paths are
// tested against. Same contracts as mask_kernels.h. Not for production use (byte loops, no threads).
#ifndef CAFFE2_MASK_TESTS_KERNELS_REFERENCE_KERNELS_H_
#define CAFFE2_MASK_TESTS_KERNELS_REFERENCE_KERNELS_H_

#include <cstdint>

namespace caffe2::kernels::reference {

int64_t CountTrue(const bool* mask, int64_t n);
int64_t BooleanMaskCompact(const void* data, const bool* mask, int64_t n, int64_t row_bytes, void* out,
                           int64_t* indices);
void BooleanMaskExpand(const void* packed, const bool* mask, int64_t n, int64_t row_bytes, void* out);
template <typename L>
void SegmentCountTrue(const L* lengths, int64_t segments, const bool* mask, L* out);
int64_t BooleanUnmaskCheck(const bool* const* masks, int64_t pairs, int64_t n, int64_t* covered_counts);
void BooleanUnmaskScatter(const bool* const* masks, const void* const* values, int64_t pairs, int64_t n,
                          int64_t row_bytes, void* out);

// SequenceMask written straight from the spec's element rule (mask-operators.md), independent of the
// span functors: element (b, i, j) is masked by `mode`; `arg` is lengths (sequence) or centers
// (window), `block` the repeat block D (sequence mode; 1 otherwise).
enum class SequenceMode { kSequence, kWindow, kUpper, kLower, kUpperDiag, kLowerDiag };
void SequenceMask(const void* in, void* out, int64_t item_bytes, const void* fill, int64_t B, int64_t N,
                  int64_t M, SequenceMode mode, const int32_t* arg, int64_t radius, int64_t block);

}  // namespace caffe2::kernels::reference

#endif  // CAFFE2_MASK_TESTS_KERNELS_REFERENCE_KERNELS_H_
