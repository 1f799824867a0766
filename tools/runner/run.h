// The runner: the command line checked into a plan, then load -> execute -> write.
#pragma once

#include "tools/runner/plan.h"

namespace caffe2::runner {

// Runs a checked plan: reads the nets and inputs, runs (and times) the net, then writes or prints the
// outputs. Errors are EnforceNotMet with context lines; returns the exit code (0).
int Run(const RunPlan& plan);

// All of main after the signals are blocked: parses the flags (a parse error exits 2), runs, prints
// any error as one paragraph on stderr. Returns the exit status (docs/net-runner.md).
int RunMain(int argc, char** argv);

}  // namespace caffe2::runner
