#include "tools/runner/test_pause.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace caffe2::runner {

void TestPause(const char* phase) {
  const char* setting = std::getenv("CAFFE2_MASK_RUN_TEST_PAUSE");
  if (setting == nullptr) return;
  const std::string value = setting;
  const auto colon = value.find(':');
  if (colon == std::string::npos || value.compare(0, colon, phase) != 0) return;
  const std::string file = value.substr(colon + 1);
  std::fprintf(stderr, "caffe2_mask_run: test pause at %s\n", phase);
  std::fflush(stderr);
  while (::access(file.c_str(), F_OK) == 0) ::usleep(10 * 1000);
}

}  // namespace caffe2::runner
