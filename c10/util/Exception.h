// c10::Error (Caffe2's EnforceNotMet) and TORCH_CHECK.
#pragma once

#include "caffe2/core/logging.h"
