// Internal to the io layer (not installed): how io errors name their source.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include "caffe2_mask/base/enforce.h"

namespace caffe2::io_internal {

// "file 'x': " or "" for messages.
inline std::string Prefix(const std::string& source) { return source.empty() ? "" : source + ": "; }

inline std::string ErrnoText() { return std::strerror(errno); }

// Rethrows an EnforceNotMet from a core check with `prefix` in front of its message, so the file or
// blob at fault leads the sentence.
template <typename F>
auto WithPrefix(const std::string& prefix, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const EnforceNotMet& e) {
    if (prefix.empty()) throw;
    CAFFE_THROW(prefix, e.msg());
  }
}

}  // namespace caffe2::io_internal
