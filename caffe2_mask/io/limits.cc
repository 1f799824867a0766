#include "caffe2_mask/io/limits.h"



namespace caffe2 {

SerializationLimits& GetSerializationLimits() {
  static SerializationLimits limits;
  return limits;
}

}  // namespace caffe2
