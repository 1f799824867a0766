// Whether this test binary is built with a sanitizer: ASan and TSan replace the allocator (shadow
// memory, quarantine of freed blocks), so allocation counts and peak RSS mean nothing there.
#pragma once

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define CAFFE2_MASK_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CAFFE2_MASK_TEST_SANITIZED 1
#endif
