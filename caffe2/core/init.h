// Caffe2's caffe2/core/init.h: GlobalInit (flags, logging, then the registered init functions) and
// REGISTER_CAFFE2_INIT_FUNCTION.
#pragma once

#include "caffe2/core/common.h"
#include "caffe2/core/flags.h"
#include "caffe2/core/logging.h"

namespace caffe2 {

// Parses the command line flags (removing them from argv), starts glog and runs every init function
// registered with REGISTER_CAFFE2_INIT_FUNCTION. Returns true when all succeeded. A second call only
// parses the flags again, as in Caffe2.
bool GlobalInit(int* pargc, char*** argv);
// The same without a command line.
bool GlobalInit();

namespace internal {
class Caffe2InitializeRegistry {
 public:
  using InitFunction = bool (*)(int*, char***);
  static Caffe2InitializeRegistry* Registry();
  void Register(InitFunction function, const char* description);
  // False if any function returned false; the failing function's description is logged.
  bool RunRegisteredInitFunctions(int* pargc, char*** pargv);

 private:
  std::vector<std::pair<InitFunction, const char*>> functions_;
};

struct InitRegisterer {
  InitRegisterer(Caffe2InitializeRegistry::InitFunction function, const char* description) {
    Caffe2InitializeRegistry::Registry()->Register(function, description);
  }
};
}  // namespace internal

}  // namespace caffe2

#define REGISTER_CAFFE2_INIT_FUNCTION(name, function, description)         \
  namespace {                                                             \
  ::caffe2::internal::InitRegisterer g_caffe2_initregisterer_##name(function, description); \
  }
