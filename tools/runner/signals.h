// SIGINT, SIGTERM, SIGHUP and SIGPIPE end a run one way, whichever thread they reach and whenever.
//
// They are blocked in every thread (BlockTerminationSignals runs in main before any thread exists, so
// OpenMP's threads inherit the mask) and received by one thread (sigwait). On signal N that thread
// waits for an output commit in progress to finish (or roll back), removes the temporary files of
// one not started, prints what became of the output files and exits 128+N.
#pragma once

namespace caffe2::runner {

void BlockTerminationSignals();
void StartSignalThread();

// The end of main: from here no signal acts; if one arrived before, the run ends by it (exit 128+N,
// with its message), otherwise this returns `code`.
int FinishRun(int code);

}  // namespace caffe2::runner
