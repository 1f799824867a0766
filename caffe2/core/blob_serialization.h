// Caffe2's caffe2/core/blob_serialization.h: SerializeBlob / DeserializeBlob for blobs holding
// tensors (as binary BlobProtos).
#pragma once

#include "caffe2/core/blob.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2_mask/io/blob_serialization.h"
#include "caffe2_mask/io/tensor_proto.h"
