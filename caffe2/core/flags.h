// Caffe2's caffe2/core/flags.h on gflags: C10_DEFINE_* / C10_DECLARE_* (and the older CAFFE2_*
// spellings) define and declare gflags flags, read as FLAGS_<name>.
#pragma once

#include <gflags/gflags.h>

#define C10_DEFINE_string(name, default_value, help) DEFINE_string(name, default_value, help)
#define C10_DEFINE_int(name, default_value, help) DEFINE_int32(name, default_value, help)
#define C10_DEFINE_int32(name, default_value, help) DEFINE_int32(name, default_value, help)
#define C10_DEFINE_int64(name, default_value, help) DEFINE_int64(name, default_value, help)
#define C10_DEFINE_bool(name, default_value, help) DEFINE_bool(name, default_value, help)
#define C10_DEFINE_double(name, default_value, help) DEFINE_double(name, default_value, help)
#define C10_DECLARE_string(name) DECLARE_string(name)
#define C10_DECLARE_int(name) DECLARE_int32(name)
#define C10_DECLARE_int32(name) DECLARE_int32(name)
#define C10_DECLARE_int64(name) DECLARE_int64(name)
#define C10_DECLARE_bool(name) DECLARE_bool(name)
#define C10_DECLARE_double(name) DECLARE_double(name)

#define CAFFE2_DEFINE_string(name, default_value, help) C10_DEFINE_string(name, default_value, help)
#define CAFFE2_DEFINE_int(name, default_value, help) C10_DEFINE_int(name, default_value, help)
#define CAFFE2_DEFINE_int64(name, default_value, help) C10_DEFINE_int64(name, default_value, help)
#define CAFFE2_DEFINE_bool(name, default_value, help) C10_DEFINE_bool(name, default_value, help)
#define CAFFE2_DEFINE_double(name, default_value, help) C10_DEFINE_double(name, default_value, help)
#define CAFFE2_DECLARE_string(name) C10_DECLARE_string(name)
#define CAFFE2_DECLARE_int(name) C10_DECLARE_int(name)
#define CAFFE2_DECLARE_int64(name) C10_DECLARE_int64(name)
#define CAFFE2_DECLARE_bool(name) C10_DECLARE_bool(name)
#define CAFFE2_DECLARE_double(name) C10_DECLARE_double(name)

namespace c10 {
// Parses and removes the flags gflags knows from argv; true on success (gflags itself exits on an
// unknown flag, as in Caffe2 built with gflags).
bool ParseCommandLineFlags(int* pargc, char*** pargv);
// True once ParseCommandLineFlags has run.
bool CommandLineFlagsHasBeenParsed();
}  // namespace c10

namespace caffe2 {
using c10::CommandLineFlagsHasBeenParsed;
inline bool ParseCaffeCommandLineFlags(int* pargc, char*** pargv) {
  return c10::ParseCommandLineFlags(pargc, pargv);
}
}  // namespace caffe2
