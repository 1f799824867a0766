// Test-only pause points, so tests can send a signal at an exact phase of a run.
#pragma once

namespace caffe2::runner {

// When the environment holds CAFFE2_MASK_RUN_TEST_PAUSE=<phase>:<file> and `phase` matches, prints
// "caffe2_mask_run: test pause at <phase>" on stderr and waits until <file> no longer exists. Phases:
// "loaded" (inputs read, nothing run), "staged" (every temporary output file written, none renamed),
// "renaming" (inside the commit, after the first output was renamed into place). For tests only.
void TestPause(const char* phase);

}  // namespace caffe2::runner
