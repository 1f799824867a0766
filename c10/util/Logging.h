// c10's logging header: the CAFFE_ENFORCE family, TORCH_CHECK and glog.
#pragma once

#include "caffe2/core/logging.h"
