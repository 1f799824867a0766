// Caffe2's caffe2/core/workspace.h: Workspace.
#pragma once

#include "caffe2/core/blob.h"
#include "caffe2/core/common.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2_mask/framework/net.h"
#include "caffe2_mask/framework/workspace.h"
