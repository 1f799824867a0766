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
// outputs have gradients adds its gradient operators. Gradients are named `<blob>_grad`; a blob
// whose gradient comes from several consumers gets each part under its own name, summed into
// `<blob>_grad` by a Sum before it is used. NO_GRADIENT operators pass no gradient on;
// SHOULD_NOT_DO_GRADIENT operators are an error when a gradient reaches them. In-place operators are
// handled by tracking blob versions.
// Returns, for every blob that received a gradient, the name of that gradient.
std::map<std::string, std::string> AddGradientOperators(NetDef* net,
                                                        const std::vector<std::string>& seed_blobs);

}  // namespace caffe2
