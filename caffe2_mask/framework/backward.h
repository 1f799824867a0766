// The backward pass: appends to a net the operators that compute gradients, from the registered
// gradient makers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "proto/caffe2.pb.h"

namespace caffe2 {

// Appends to `net` the gradient of `seed_blobs`: each seed blob `b` gets `b_grad`, filled with ones
// by a ConstantFill shaped like `b`; then, walking the operators in reverse, each operator whose
// outputs have gradients adds its gradient operators. Blobs are tracked by version (in-place ops).
// A version read more than once (several consumers, two inputs of one operator as in Sum(c, c), a
// seed that is also read) collects one part per gradient-operator output or passed-through gradient;
// once its first reader is reached the parts are summed as Caffe2 does: the first written part keeps
// its name `<blob>_grad`, the others become `_<blob>_grad_autosplit_0`, `_1`, ..., and a Sum writes
// `<blob>_grad`. NO_GRADIENT operators pass no gradient on; SHOULD_NOT_DO_GRADIENT operators are an
// error when a gradient reaches them.
// Returns, for every blob that received a gradient, the name of that gradient.
std::map<std::string, std::string> AddGradientOperators(NetDef* net,
                                                        const std::vector<std::string>& seed_blobs);

}  // namespace caffe2
