// Caffe2's caffe2/core/common_omp.h: OpenMP's header when the code is compiled with OpenMP.
#pragma once

#ifdef _OPENMP
#include <omp.h>
#endif
