#include "ops/kernels/streaming.h"

#include <immintrin.h>

#include <cstring>

#include "ops/kernels/item_word.h"

namespace caffe2::kernels::detail {
namespace {

constexpr int64_t kLine = 64;

// Bytes from p to the next 64-byte boundary (0 when p is on one).
int64_t ToLine(const char* p) { return static_cast<int64_t>((0 - reinterpret_cast<uintptr_t>(p)) & (kLine - 1)); }

// `lines` whole lines from src (any alignment) to the line-aligned dst, with streaming stores: two
// 32-byte AVX stores a line, or four 16-byte SSE2 ones.
__attribute__((target("avx"))) void StreamLinesAvx(char* dst, const char* src, int64_t lines) {
  for (int64_t l = 0; l < lines; ++l, dst += kLine, src += kLine) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 32));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst), a);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + 32), b);
  }
}
void StreamLinesSse2(char* dst, const char* src, int64_t lines) {
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

// `lines` lines of the 16-byte pattern v, to the line-aligned dst.
__attribute__((target("avx"))) void FillLinesAvx(char* dst, __m128i v, int64_t lines) {
  const __m256i w = _mm256_insertf128_si256(_mm256_castsi128_si256(v), v, 1);
  for (int64_t l = 0; l < lines; ++l, dst += kLine) {
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst), w);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + 32), w);
  }
}
void FillLinesSse2(char* dst, __m128i v, int64_t lines) {
  for (int64_t l = 0; l < lines; ++l, dst += kLine) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst), v);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 16), v);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 32), v);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + 48), v);
  }
}

}  // namespace

StreamStores BestStreamStores() {
  static const StreamStores best = __builtin_cpu_supports("avx") ? StreamStores::kAvx : StreamStores::kSse2;
  return best;
}

void StreamCopyWith(StreamStores stores, void* dst_v, const void* src_v, int64_t bytes) {
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
  if (stores == StreamStores::kAvx) {
    StreamLinesAvx(dst + head, src + head, lines);
  } else {
    StreamLinesSse2(dst + head, src + head, lines);
  }
  const int64_t done = head + lines * kLine;
  memcpy(dst + done, src + done, bytes - done);
}

void StreamFillWith(StreamStores stores, void* dst_v, int64_t count, int64_t item_bytes, const void* item) {
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
  const int64_t lines = (bytes - head) / kLine;
  if (stores == StreamStores::kAvx) {
    FillLinesAvx(dst + head, v, lines);
  } else {
    FillLinesSse2(dst + head, v, lines);
  }
  memcpy(dst + head + lines * kLine, shifted, bytes - head - lines * kLine);
}

void StreamCopy(void* dst, const void* src, int64_t bytes) { StreamCopyWith(BestStreamStores(), dst, src, bytes); }

void StreamFill(void* dst, int64_t count, int64_t item_bytes, const void* item) {
  StreamFillWith(BestStreamStores(), dst, count, item_bytes, item);
}

void StreamFence() { _mm_sfence(); }

}  // namespace caffe2::kernels::detail
