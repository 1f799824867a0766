// c10's flags header: C10_DEFINE_* / C10_DECLARE_* on gflags.
#pragma once

#include "caffe2/core/flags.h"
