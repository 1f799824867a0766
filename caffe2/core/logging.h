// Caffe2's caffe2/core/logging.h: glog's LOG / VLOG / CHECK_*, the CAFFE_ENFORCE family (the core's,
// plus the CAFFE_ENFORCE_THAT spelling; the _WITH_CALLER forms are the core's), TORCH_CHECK and ShowLogInfoToStderr.
#pragma once

#include <functional>

#include <glog/logging.h>

#include "caffe2/core/common.h"
#include "caffe2_mask/base/enforce.h"

namespace caffe2 {

// Sends INFO and above to stderr (Caffe2's helper for tools and tests).
void ShowLogInfoToStderr();

}  // namespace caffe2

namespace c10 {
// c10::Error is Caffe2's EnforceNotMet.
using Error = ::caffe2::EnforceNotMet;
}  // namespace c10

// CAFFE_ENFORCE_THAT(cmp, op, a, b, ...): fails unless cmp(a, b), printing "a op b" and both values
// (the PyTorch 1.x form; CAFFE_ENFORCE_EQ and friends are written with it there).
#define CAFFE_ENFORCE_THAT(cmp, op, a, b, ...)                                                   \
  do {                                                                                           \
    const auto& caffe_enforce_that_a_ = (a);                                                     \
    const auto& caffe_enforce_that_b_ = (b);                                                     \
    if (!(cmp(caffe_enforce_that_a_, caffe_enforce_that_b_))) {                                  \
      ::caffe2::detail::ThrowComparison(__FILE__, __LINE__, #a " " #op " " #b, caffe_enforce_that_a_, \
                                        caffe_enforce_that_b_,                                   \
                                        ::caffe2::MakeString("" __VA_OPT__(, ) __VA_ARGS__));    \
    }                                                                                            \
  } while (false)

#define CAFFE_NOT_IMPLEMENTED CAFFE_THROW("Not Implemented.")

// TORCH_CHECK throws c10::Error (EnforceNotMet), as in PyTorch; TORCH_INTERNAL_ASSERT too.
#define TORCH_CHECK(condition, ...) CAFFE_ENFORCE(condition, __VA_ARGS__)
#define TORCH_INTERNAL_ASSERT(condition, ...) CAFFE_ENFORCE(condition, "internal assert failed. " __VA_OPT__(, ) __VA_ARGS__)
#define AT_ERROR(...) CAFFE_THROW(__VA_ARGS__)
#define AT_ASSERT(condition) CAFFE_ENFORCE(condition)
// TORCH_CHECK_EQ and friends are PyTorch's glog-style checks: a failure aborts, like CHECK_EQ.
#define TORCH_CHECK_EQ(a, b) CHECK_EQ(a, b)
#define TORCH_CHECK_NE(a, b) CHECK_NE(a, b)
#define TORCH_CHECK_LE(a, b) CHECK_LE(a, b)
#define TORCH_CHECK_LT(a, b) CHECK_LT(a, b)
#define TORCH_CHECK_GE(a, b) CHECK_GE(a, b)
#define TORCH_CHECK_GT(a, b) CHECK_GT(a, b)
#define TORCH_CHECK_NOTNULL(ptr) CHECK_NOTNULL(ptr)
#define TORCH_DCHECK_EQ(a, b) DCHECK_EQ(a, b)
