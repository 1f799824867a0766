// c10's TypeMeta header: caffe2::TypeMeta and CAFFE_KNOWN_TYPE.
#pragma once

#include "caffe2/core/types.h"
