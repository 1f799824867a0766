// The AVX-512 path compiled against SIMDe's emulation (see path_avx512.cc). Built only into the kernel
// tests, never into the library: it lets machines without AVX-512 run the AVX-512 kernel logic.
#define CAFFE2_MASK_AVX512_SIMDE 1
#include "ops/kernels/path_avx512.cc"  // NOLINT(bugprone-suspicious-include): same source, other ISA
