// Caffe2's caffe2/core/common.h: the std names Caffe2 code uses unqualified in namespace caffe2,
// CaffeMap, TIndex and the export/utility macros of Caffe2 headers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "caffe2_mask/base/enforce.h"
#include "registry/registry.h"

namespace caffe2 {

using std::make_shared;
using std::make_unique;
using std::set;
using std::shared_ptr;
using std::string;
using std::unique_ptr;
using std::vector;

// Caffe2's ordered map alias.
template <typename Key, typename Value>
using CaffeMap = std::map<Key, Value>;

// Caffe2's old name of the dim type.
using TIndex = int64_t;

// The CPU is the only device of this runtime.
inline bool HasCudaGPU() { return false; }

}  // namespace caffe2

// Export annotations: every symbol of the runtime is visible already.
#ifndef CAFFE2_API
#define CAFFE2_API
#endif
#ifndef CAFFE2_EXPORT
#define CAFFE2_EXPORT
#endif
#ifndef CAFFE2_IMPORT
#define CAFFE2_IMPORT
#endif
#ifndef C10_EXPORT
#define C10_EXPORT
#endif
#ifndef C10_API
#define C10_API
#endif
#ifndef TORCH_API
#define TORCH_API
#endif

#define C10_DISABLE_COPY_AND_ASSIGN(classname) \
  classname(const classname&) = delete;        \
  classname& operator=(const classname&) = delete
#define DISABLE_COPY_AND_ASSIGN(classname) C10_DISABLE_COPY_AND_ASSIGN(classname)

#define C10_UNUSED __attribute__((__unused__))
#define CAFFE2_UNUSED C10_UNUSED
#define CAFFE2_USED __attribute__((__used__))
#define C10_LIKELY(expr) (__builtin_expect(static_cast<bool>(expr), 1))
#define C10_UNLIKELY(expr) (__builtin_expect(static_cast<bool>(expr), 0))
#define C10_ANONYMOUS_VARIABLE(prefix) CAFFE_ANONYMOUS_VARIABLE(prefix)
#define C10_CONCATENATE(a, b) CAFFE2_MASK_CONCAT(a, b)
#define C10_STRINGIZE(x) CAFFE2_MASK_STRINGIFY(x)
