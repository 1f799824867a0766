// The public C++ API of caffe2_mask, in one include. Names follow Caffe2's (namespace caffe2), so
// Caffe2 C++ code ports with few edits.
#pragma once

#include "caffe2_mask/backward.h"
#include "caffe2_mask/blob.h"
#include "caffe2_mask/context.h"
#include "caffe2_mask/enforce.h"
#include "caffe2_mask/net.h"
#include "caffe2_mask/operator.h"
#include "caffe2_mask/proto_utils.h"
#include "caffe2_mask/serialization.h"
#include "caffe2_mask/tensor.h"
#include "caffe2_mask/types.h"
#include "caffe2_mask/workspace.h"
#include "proto/caffe2.pb.h"
#include "registry/gradient.h"
#include "registry/operator_registry.h"
#include "registry/operator_schema.h"
