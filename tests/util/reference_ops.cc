#include "tests/util/reference_ops.h"

#include <stdexcept>

namespace caffe2::testing::ref {

int64_t Product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end && d < dims.size(); ++d) p *= dims[d];
  return p;
}

namespace {
int Canonical(int axis, int ndim) {
  if (axis < -ndim || axis >= ndim) throw std::invalid_argument("reference: axis out of range");
  return axis < 0 ? axis + ndim : axis;
}

// The rule of the specification, with 128-bit arithmetic so no radius or center can overflow.
bool Masked(const std::string& mode, int64_t i, int64_t j, const std::vector<int32_t>& second, int64_t radius) {
  if (mode == "sequence") return j >= second.at(i);
  if (mode == "window") {
    const __int128 c = second.at(i);
    return j > c + radius || j < c - radius;
  }
  if (mode == "upper") return j > i;
  if (mode == "lower") return j < i;
  if (mode == "upperdiag") return j >= i;
  if (mode == "lowerdiag") return j <= i;
  throw std::invalid_argument("reference: unknown mode " + mode);
}
}  // namespace

std::vector<bool> SequenceMaskPattern(const std::vector<int64_t>& dims, const SequenceMaskArgs& args,
                                      const std::vector<int32_t>& second) {
  const int ndim = static_cast<int>(dims.size());
  const int axis = Canonical(args.axis, ndim);
  const int64_t total = Product(dims, 0, dims.size());
  std::vector<bool> masked(total);
  // Row i counts over dims[first_row_dim:axis], column j over dims[axis:last_col_dim]; the dims
  // before first_row_dim are batch slices, the dims from last_col_dim on are repeated blocks.
  const int first_row_dim = args.batch ? Canonical(*args.batch, ndim) + 1 : 0;
  const int last_col_dim = args.repeat_from_axis ? Canonical(*args.repeat_from_axis, ndim) : ndim;
  std::vector<int64_t> index(ndim, 0);
  for (int64_t e = 0; e < total; ++e) {
    int64_t rest = e;
    for (int d = ndim - 1; d >= 0; --d) {
      index[d] = rest % dims[d];
      rest /= dims[d];
    }
    int64_t i = 0, j = 0;
    for (int d = first_row_dim; d < axis; ++d) i = i * dims[d] + index[d];
    for (int d = axis; d < last_col_dim; ++d) j = j * dims[d] + index[d];
    masked[e] = Masked(args.mode, i, j, second, args.radius);
  }
  return masked;
}

}  // namespace caffe2::testing::ref
