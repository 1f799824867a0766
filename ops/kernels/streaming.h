// Internal: writing large outputs with non-temporal (streaming) stores.
//
// An ordinary store to a line that is not cached first reads the line (a read-for-ownership), so an
// output that does not fit in the last-level cache crosses the memory bus twice, and evicts the input
// the kernel is still reading. A non-temporal store writes whole 64-byte lines straight to memory. On
// the machine of docs/performance.md a copy with streaming stores moves 27 GB/s on one core where
// glibc's memcpy (which streams only above its own, much higher, threshold) moves 15-17 GB/s. When the
// output fits in the cache the consumer would have found it there, so SequenceMask streams only above
// StreamingThresholdBytes().
//
// Only whole, aligned 64-byte lines are written with streaming stores; the partial lines at either end
// of a range are written with ordinary stores, so two ranges that share a line (the rows of two
// threads, or two spans of one row) never mix the two kinds of store in one line.
// The whole lines take AVX's 32-byte streaming stores where the CPU has AVX, and SSE2's 16-byte ones
// (the x86-64 baseline) otherwise, whatever the kernels' path: on AMD Zen 5, BooleanMask of 1-16 KiB
// rows at d0.5 streamed 1.15-1.3x faster with the 32-byte stores (docs/performance.md, "Fourth machine").
#ifndef CAFFE2_MASK_OPS_KERNELS_STREAMING_H_
#define CAFFE2_MASK_OPS_KERNELS_STREAMING_H_

#include <cstdint>

namespace caffe2::kernels::detail {

// Copies `bytes` bytes (any alignment, no overlap), the whole lines of dst with streaming stores.
void StreamCopy(void* dst, const void* src, int64_t bytes);

// Sets `count` items of item_bytes (2, 4 or 8) at dst to the pattern at `item`, the whole lines of dst
// with streaming stores. dst need not be aligned to anything.
void StreamFill(void* dst, int64_t count, int64_t item_bytes, const void* item);

// The same with the store instructions chosen by the caller (the tests run both); the two above use
// BestStreamStores(), the widest this CPU has.
enum class StreamStores { kSse2, kAvx };
StreamStores BestStreamStores();
void StreamCopyWith(StreamStores stores, void* dst, const void* src, int64_t bytes);
void StreamFillWith(StreamStores stores, void* dst, int64_t count, int64_t item_bytes, const void* item);

// Makes this thread's streaming stores visible to other threads (they are weakly ordered); call before
// the data is handed over (the end of a kernel's range, before a barrier or return).
void StreamFence();

}  // namespace caffe2::kernels::detail

#endif  // CAFFE2_MASK_OPS_KERNELS_STREAMING_H_
