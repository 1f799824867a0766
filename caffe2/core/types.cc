#include "caffe2/core/types.h"

namespace caffe2 {

TensorProto_DataType TypeMetaToDataType(const TypeMeta& meta) {
  for (const TypeMeta known : AllTensorTypes()) {
    if (known == meta) return static_cast<TensorProto_DataType>(DataTypeOf(meta));
  }
  return TensorProto_DataType_UNDEFINED;
}

}  // namespace caffe2
