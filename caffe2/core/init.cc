#include "caffe2/core/init.h"

#include <atomic>
#include <mutex>

namespace caffe2 {

namespace internal {
Caffe2InitializeRegistry* Caffe2InitializeRegistry::Registry() {
  static auto* registry = new Caffe2InitializeRegistry();
  return registry;
}

void Caffe2InitializeRegistry::Register(InitFunction function, const char* description) {
  functions_.emplace_back(function, description);
}

bool Caffe2InitializeRegistry::RunRegisteredInitFunctions(int* pargc, char*** pargv) {
  for (const auto& [function, description] : functions_) {
    if (!function(pargc, pargv)) {
      LOG(ERROR) << "Caffe2 init function failed: " << description;
      return false;
    }
  }
  return true;
}
}  // namespace internal

namespace {
std::mutex g_init_mutex;
bool g_initialized = false;
}  // namespace

bool GlobalInit(int* pargc, char*** pargv) {
  std::lock_guard<std::mutex> lock(g_init_mutex);
  const bool parsed = c10::ParseCommandLineFlags(pargc, pargv);
  if (g_initialized) {
    // Caffe2: a second GlobalInit only re-parses the flags.
    return parsed;
  }
  g_initialized = true;
  if (!google::IsGoogleLoggingInitialized()) {
    const char* program = (pargv != nullptr && *pargv != nullptr && pargc != nullptr && *pargc > 0) ? (*pargv)[0]
                                                                                                   : "caffe2";
    google::InitGoogleLogging(program);
  }
  return parsed && internal::Caffe2InitializeRegistry::Registry()->RunRegisteredInitFunctions(pargc, pargv);
}

bool GlobalInit() {
  int argc = 0;
  char** argv = nullptr;
  return GlobalInit(&argc, &argv);
}

void ShowLogInfoToStderr() {
  FLAGS_logtostderr = true;
  if (FLAGS_minloglevel > google::GLOG_INFO) FLAGS_minloglevel = google::GLOG_INFO;
}

}  // namespace caffe2
