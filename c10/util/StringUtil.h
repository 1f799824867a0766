// c10::str: its arguments concatenated with operator<<.
#pragma once

#include <string>

#include "caffe2_mask/base/enforce.h"

namespace c10 {
template <typename... Args>
std::string str(const Args&... args) {
  return ::caffe2::MakeString(args...);
}
}  // namespace c10
