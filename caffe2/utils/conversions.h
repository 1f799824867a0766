// Caffe2's caffe2/utils/conversions.h: convert::To<In, Out>, float16 included.
#pragma once

#include "caffe2/core/types.h"

namespace caffe2 {
namespace convert {

template <typename IN, typename OUT>
inline OUT To(const IN in) {
  if constexpr (std::is_same_v<IN, float16>) {
    return static_cast<OUT>(static_cast<float>(in));
  } else if constexpr (std::is_same_v<OUT, float16>) {
    return float16(static_cast<float>(in));
  } else {
    return static_cast<OUT>(in);
  }
}

template <typename OUT, typename IN>
inline OUT Get(IN x) {
  return To<IN, OUT>(x);
}

}  // namespace convert
}  // namespace caffe2
