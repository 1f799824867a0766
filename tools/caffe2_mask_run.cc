// caffe2_mask_run: runs a Caffe2 net from the command line, the way Caffe2's speed_benchmark did (same
// flags, same timing line), plus the backward pass, output files in .npy, operator documentation and
// strict error handling. The logic is in tools/runner/ (docs/net-runner.md describes the behaviour).
#include "tools/runner/run.h"
#include "tools/runner/signals.h"

int main(int argc, char** argv) {
  // Before any other thread exists, so that every thread (OpenMP's too) inherits the blocked mask.
  caffe2::runner::BlockTerminationSignals();
  caffe2::runner::StartSignalThread();
  return caffe2::runner::FinishRun(caffe2::runner::RunMain(argc, argv));
}
