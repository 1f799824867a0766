// A numeric gradient checker: compares the gradient operators the registered gradient makers build
// with central finite differences, in double.
//
// The loss is L = sum(output * w) for fixed random weights w (one per output element). Output elements
// that are not finite (SequenceMask's default -inf fill) are constants of the input and get weight 0, so
// they neither poison L with inf - inf nor contribute to the analytic gradient.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "caffe2_mask/caffe2_mask.h"

namespace caffe2::testing {

struct GradientCheckOptions {
  double step = 1e-4;       // finite-difference step
  double tolerance = 1e-6;  // |analytic - numeric| <= tolerance * (1 + |numeric|)
  uint32_t seed = 7;        // for the weights w
};

// Checks d L / d input[input_index] of the single operator `def`, whose inputs are already in *ws (the
// checked input must be a double tensor, as must the checked output). The gradient operators come from
// GetGradientForOp with only output `output_index` given a gradient. Restores the input afterwards.
::testing::AssertionResult CheckOperatorGradient(const OperatorDef& def, Workspace* ws, int input_index,
                                                 int output_index = 0, const GradientCheckOptions& options = {});

// The same through a whole net and the backward builder (AddGradientOperators): `net` computes
// `output_blob` from `input_blob` (both double); the gradient ops seed output_blob with ones
// (so w = 1 here) and sum gradient parts from several consumers.
::testing::AssertionResult CheckNetGradient(const NetDef& net, Workspace* ws, const std::string& input_blob,
                                            const std::string& output_blob, const GradientCheckOptions& options = {});

}  // namespace caffe2::testing
