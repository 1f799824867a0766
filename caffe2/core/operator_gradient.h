// Caffe2's caffe2/core/operator_gradient.h: GradientMakerBase (I, O, GI, GO, GI_I/GI_V, GO_I/GO_V,
// SetDense/SetSparse, SingleGradientDef), REGISTER_GRADIENT, NO_GRADIENT, SHOULD_NOT_DO_GRADIENT,
// GRADIENT_NOT_IMPLEMENTED_YET.
#pragma once

#include "caffe2/core/common.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2/utils/proto_utils.h"
#include "registry/gradient.h"
