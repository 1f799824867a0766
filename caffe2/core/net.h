// Caffe2's caffe2/core/net.h: NetBase, SimpleNet, CreateNet.
#pragma once

#include "caffe2/core/common.h"
#include "caffe2/core/operator.h"
#include "caffe2/core/workspace.h"
#include "caffe2_mask/framework/net.h"
