// c10::Half / at::Half: IEEE binary16 (caffe2::float16).
#pragma once

#include "caffe2_mask/core/types.h"

namespace c10 {
using Half = ::caffe2::float16;
}  // namespace c10
