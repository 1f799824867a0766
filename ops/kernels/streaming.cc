#include "ops/kernels/streaming.h"

#include <emmintrin.h>

#include <cstring>

#include "ops/kernels/item_word.h"

namespace caffe2::kernels::detail {
namespace {

constexpr int64_t kLine = 64;

// Bytes from p to the next 64-byte boundary (0 when p is on one).
int64_t ToLine(const char* p) { return static_cast<int64_t>((0 - reinterpret_cast<uintptr_t>(p)) & (kLine - 1)); }

// `lines` whole lines from src (any alignment) to the line-aligned dst, with streaming stores.
void StreamLines(char* dst, const char* src, int64_t lines) {
  for (int64_t l = 0; l < lines; ++l, dst += kLine, src += kLine) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 32));
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 48));
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst), a);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 16), b);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 32), c);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 48), d);
  }
}

}  // namespace

void StreamCopy(void* dst_v, const void* src_v, int64_t bytes) {
  char* dst = static_cast<char*>(dst_v);
  const char* src = static_cast<const char*>(src_v);
  if (bytes <= 0) return;
  const int64_t head = ToLine(dst);
  if (bytes < head + kLine) {  // no whole line to stream
    memcpy(dst, src, bytes);
    return;
  }
  memcpy(dst, src, head);
  const int64_t lines = (bytes - head) / kLine;
  StreamLines(dst + head, src + head, lines);
  const int64_t done = head + lines * kLine;
  memcpy(dst + done, src + done, bytes - done);
}

void StreamFill(void* dst_v, int64_t count, int64_t item_bytes, const void* item) {
  char* dst = static_cast<char*>(dst_v);
  const int64_t bytes = count * item_bytes;
  if (bytes <= 0) return;
  // The pattern from an item boundary, long enough for the head and the tail (under a line each)
  // after a shift of less than an item. Every item size divides 16, so the 16 bytes at the shift that
  // puts the first whole line on an item boundary serve every store of the lines.
  const uint64_t word = ItemWord(item_bytes, item);
  alignas(16) char pattern[kLine + 16];
  for (int64_t off = 0; off < kLine + 16; off += 8) memcpy(pattern + off, &word, 8);
  const int64_t head = ToLine(dst);
  if (bytes < head + kLine) {  // no whole line: ordinary stores of the pattern
    for (int64_t off = 0; off < bytes; off += kLine) memcpy(dst + off, pattern, bytes - off < kLine ? bytes - off : kLine);
    return;
  }
  memcpy(dst, pattern, head);
  const char* shifted = pattern + head % item_bytes;
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(shifted));
  char* p = dst + head;
  const int64_t lines = (bytes - head) / kLine;
  for (int64_t l = 0; l < lines; ++l, p += kLine) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(p), v);
    _mm_stream_si128(reinterpret_cast<__m128i*>(p + 16), v);
    _mm_stream_si128(reinterpret_cast<__m128i*>(p + 32), v);
    _mm_stream_si128(reinterpret_cast<__m128i*>(p + 48), v);
  }
  memcpy(p, shifted, bytes - head - lines * kLine);
}

void StreamFence() { _mm_sfence(); }

}  // namespace caffe2::kernels::detail
