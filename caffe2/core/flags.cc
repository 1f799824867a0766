#include "caffe2/core/flags.h"

#include <atomic>

namespace c10 {

namespace {
std::atomic<bool> g_flags_parsed{false};
}  // namespace

bool ParseCommandLineFlags(int* pargc, char*** pargv) {
  if (pargc != nullptr && pargv != nullptr && *pargc > 0) {
    gflags::ParseCommandLineFlags(pargc, pargv, /*remove_flags=*/true);
  }
  g_flags_parsed = true;
  return true;
}

bool CommandLineFlagsHasBeenParsed() { return g_flags_parsed; }

}  // namespace c10
