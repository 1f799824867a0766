#include "tools/runner/signals.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include "tools/runner/output_commit.h"

namespace caffe2::runner {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_finishing{false};

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&set, sig);
  return set;
}

const char* Name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
  }
  return "a signal";
}

void Say(const std::string& text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

// With the commit lock held for good.
[[noreturn]] void EndBySignal(int sig, const std::string& outputs) {
  Say(std::string("caffe2_mask_run: stopped by ") + Name(sig) + "; " + outputs + "\n");
  ::_exit(128 + sig);
}

void WaitForSignals() {
  const sigset_t set = TerminationSignals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  g_signal.store(sig);
  const bool locked = TryLockCommits();
  if (!locked && !g_finishing.load()) {
    Say(std::string("caffe2_mask_run: ") + Name(sig) + " received during the output commit; finishing it first\n");
  }
  EndBySignal(sig, LockCommitsForExit(locked));
}

}  // namespace

void BlockTerminationSignals() {
  const sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void StartSignalThread() { std::thread(WaitForSignals).detach(); }

int FinishRun(int code) {
  g_finishing.store(true);
  const std::string outputs = LockCommitsForExit();
  if (const int sig = g_signal.load()) EndBySignal(sig, outputs);
  return code;
}

}  // namespace caffe2::runner
