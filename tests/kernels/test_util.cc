#include "tests/kernels/test_util.h"

namespace caffe2::kernels::testing {
namespace {

Impl PublicImpl(CpuPath path, bool threaded) {
  Impl impl;
  impl.name = std::string(CpuPathName(path)) + (threaded ? "_threaded" : "");
  impl.supported = PathSupported(path);
  const int64_t threshold = threaded ? 0 : kNever;
  impl.count = [=](const bool* m, int64_t n) {
    ScopedCpuPath p(path);
    ScopedParallelThreshold t(threshold);
    return CountTrue(m, n);
  };
  impl.compact = [=](const void* d, const bool* m, int64_t n, int64_t rb, void* o, int64_t* idx) {
    ScopedCpuPath p(path);
    ScopedParallelThreshold t(threshold);
    return BooleanMaskCompact(d, m, n, rb, o, idx);
  };
  impl.expand = [=](const void* pk, const bool* m, int64_t n, int64_t rb, void* o) {
    ScopedCpuPath p(path);
    ScopedParallelThreshold t(threshold);
    BooleanMaskExpand(pk, m, n, rb, o);
  };
  impl.unmask_check = [=](const bool* const* masks, int64_t pairs, int64_t n, int64_t* counts) {
    ScopedCpuPath p(path);
    ScopedParallelThreshold t(threshold);
    return BooleanUnmaskCheck(masks, pairs, n, counts);
  };
  impl.unmask_scatter = [=](const bool* const* masks, const void* const* values, int64_t pairs, int64_t n,
                            int64_t rb, void* o) {
    ScopedCpuPath p(path);
    ScopedParallelThreshold t(threshold);
    BooleanUnmaskScatter(masks, values, pairs, n, rb, o);
  };
  impl.fill = [=](void* d, int64_t count, int64_t item, const void* pattern) {
    ScopedCpuPath p(path);
    FillItems(d, count, item, pattern);
  };
  return impl;
}

// The serial range kernels of one table, called the way the public entry points call them.
Impl TableImpl(const std::string& name, bool supported, const detail::PathKernels* k) {
  Impl impl;
  impl.name = name;
  impl.supported = supported;
  if (!supported) return impl;
  impl.count = [=](const bool* m, int64_t n) { return k->count_true(m, n); };
  impl.compact = [=](const void* d, const bool* m, int64_t n, int64_t rb, void* o, int64_t* idx) {
    return k->compact(d, m, n, rb, o, idx, 0, false);
  };
  impl.expand = [=](const void* pk, const bool* m, int64_t n, int64_t rb, void* o) { k->expand(pk, m, n, rb, o); };
  impl.unmask_check = [=](const bool* const* masks, int64_t pairs, int64_t n, int64_t* counts) {
    for (int64_t i = 0; i < pairs; ++i) counts[i] = 0;
    if (n == 0) return int64_t{-1};
    if (pairs == 0) return int64_t{0};
    // Two ranges, so the range arguments are exercised too.
    const int64_t half = n / 2;
    const int64_t a = k->unmask_check(masks, pairs, 0, half, counts);
    const int64_t b = k->unmask_check(masks, pairs, half, n, counts);
    return a >= 0 ? a : b;
  };
  impl.unmask_scatter = [=](const bool* const* masks, const void* const* values, int64_t pairs, int64_t n,
                            int64_t rb, void* o) {
    std::vector<int64_t> next(pairs, 0);
    k->unmask_scatter(masks, values, pairs, 0, n, rb, o, next.data());
  };
  impl.fill = [=](void* d, int64_t count, int64_t item, const void* pattern) {
    if (count > 0) k->fill(d, count, item, pattern);
  };
  return impl;
}

}  // namespace

std::vector<Impl> AllImpls() {
  std::vector<Impl> impls;
  for (CpuPath path : {CpuPath::kScalar, CpuPath::kAVX2, CpuPath::kAVX512}) {
    impls.push_back(PublicImpl(path, false));
    impls.push_back(PublicImpl(path, true));
  }
#if defined(CAFFE2_MASK_HAVE_AVX512_EMULATION)
  impls.push_back(TableImpl("avx512_emulated", true, &detail::Avx512EmulatedKernels()));
#else
  impls.push_back(TableImpl("avx512_emulated", false, nullptr));
#endif
  return impls;
}

const Impl& ImplNamed(const std::string& name) {
  static const std::vector<Impl> impls = AllImpls();
  for (const Impl& impl : impls)
    if (impl.name == name) return impl;
  throw std::invalid_argument("no implementation named " + name);
}

std::vector<std::string> ImplNames() {
  std::vector<std::string> names;
  for (const Impl& impl : AllImpls()) names.push_back(impl.name);
  return names;
}

}  // namespace caffe2::kernels::testing
