// What the runner prints on stdout: output summaries, the timing lines, operator documentation.
#pragma once

#include <ostream>
#include <string>

#include "caffe2_mask/caffe2_mask.h"

namespace caffe2::runner {

// "<name>: <dtype> [dims]" and the values: whole (nested like NumPy) when there are at most `limit`,
// otherwise the first `limit`, flattened.
void PrintSummary(std::ostream& out, const std::string& name, const Tensor& t, int64_t limit);

// Caffe2's line, which existing tooling parses:
// "Main run finished. Milliseconds per iter: <ms>. Iters per second: <1000/ms>"
void PrintTimingLine(std::ostream& out, double total_ms, int iter);

// --run_individual: one line per operator, then the time per operator type.
void PrintOperatorTimes(std::ostream& out, const NetBase& net, const std::vector<double>& total_ms, int iter);

void ListOperators(std::ostream& out);
// An unknown name is an error with the closest registered name.
void DescribeOperator(std::ostream& out, const std::string& name);

}  // namespace caffe2::runner
