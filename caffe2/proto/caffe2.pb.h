// Caffe2's generated caffe2/proto/caffe2.pb.h: this runtime's caffe2.proto (wire-compatible with
// Caffe2's), generated at build time.
#pragma once

#include "proto/caffe2.pb.h"
