// The public C++ API of caffe2_mask, in one include. Names follow Caffe2's (namespace caffe2), so
// Caffe2 C++ code ports with few edits.
#pragma once

#include "caffe2_mask/framework/backward.h"
#include "caffe2_mask/core/blob.h"
#include "caffe2_mask/core/context.h"
#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/framework/net.h"
#include "caffe2_mask/framework/operator.h"
#include "caffe2_mask/core/proto_utils.h"
#include "caffe2_mask/io/serialization.h"
#include "caffe2_mask/core/tensor.h"
#include "caffe2_mask/core/types.h"
#include "caffe2_mask/framework/workspace.h"
#include "proto/caffe2.pb.h"
#include "registry/gradient.h"
#include "registry/operator_library.h"
#include "registry/operator_registry.h"
#include "registry/operator_schema.h"
