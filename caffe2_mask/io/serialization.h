// The io layer in one include: tensors and protobuf messages to and from bytes and files
// (TensorProto, BlobProto, NumPy .npy, NetDefs in binary or text format), told apart by their content,
// never by their name. Every reader checks what it is given (dims, element counts, sizes, limits)
// before it allocates, and every error is an EnforceNotMet naming the file or the source it came from.
#pragma once

#include "caffe2_mask/io/blob_serialization.h"
#include "caffe2_mask/io/file_io.h"
#include "caffe2_mask/io/limits.h"
#include "caffe2_mask/io/npy.h"
#include "caffe2_mask/io/proto_io.h"
#include "caffe2_mask/io/tensor_file.h"
#include "caffe2_mask/io/tensor_proto.h"
