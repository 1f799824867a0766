// Caffe2's caffe2/core/types.h: TypeMeta, float16 (at::Half), the TensorProto::DataType mapping both
// ways (TypeMetaToDataType, DataTypeToTypeMeta) and CAFFE_KNOWN_TYPE.
#pragma once

#include "caffe2/core/common.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2_mask/core/types.h"

// Caffe2 had to register every type a blob or tensor holds; here TypeMeta::Make<T>() works for any
// type, so the macro only checks that T is complete (its name is demangled from typeid).
#define CAFFE_KNOWN_TYPE(T) static_assert(sizeof(T) > 0, "CAFFE_KNOWN_TYPE needs a complete type")

namespace caffe2 {
using TypeIdentifier = ::caffe2::TypeIdentifier;
// Caffe2's name of the dtype enum.
using TensorProto_DataType = TensorProto::DataType;

// Caffe2's mapping: the TensorProto data type of a dtype, TensorProto_DataType_UNDEFINED for a dtype
// that has none (no throw). uint8 maps to UINT8, never BYTE.
TensorProto_DataType TypeMetaToDataType(const TypeMeta& meta);
}  // namespace caffe2
