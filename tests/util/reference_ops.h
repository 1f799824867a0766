// Plain scalar references of the mask, fill and sum operators, written from the specification
// (docs/mask-operators.md) with the most obvious loops. They never call the kernels: the operator tests
// compare the real operators against these.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "caffe2_mask/core/types.h"

namespace caffe2::testing::ref {

// BooleanMask: rows i of data (row = prod(dims[1:])) with mask[i] true.
template <typename T>
struct MaskedRows {
  std::vector<int64_t> dims;
  std::vector<T> values;
  std::vector<int64_t> indices;
};

int64_t Product(const std::vector<int64_t>& dims, size_t begin, size_t end);

template <typename T>
MaskedRows<T> BooleanMask(const std::vector<int64_t>& dims, const std::vector<T>& data,
                          const std::vector<bool>& mask) {
  const int64_t row = Product(dims, 1, dims.size());
  MaskedRows<T> out;
  out.dims = dims;
  out.dims[0] = 0;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) continue;
    for (int64_t j = 0; j < row; ++j) out.values.push_back(data[i * row + j]);
    out.indices.push_back(static_cast<int64_t>(i));
    ++out.dims[0];
  }
  return out;
}

// BooleanMaskGradient: dX[i] = mask[i] ? dY[k++] : 0, whole rows of `row` elements.
template <typename T>
std::vector<T> BooleanMaskGradient(const std::vector<bool>& mask, int64_t row, const std::vector<T>& dy) {
  std::vector<T> dx;
  size_t k = 0;
  for (bool m : mask) {
    for (int64_t j = 0; j < row; ++j) dx.push_back(m ? dy[k++] : T(0.0f));
  }
  return dx;
}

// BooleanMaskLengths: true values of mask per segment.
template <typename L>
std::vector<L> BooleanMaskLengths(const std::vector<L>& lengths, const std::vector<bool>& mask) {
  std::vector<L> out;
  size_t p = 0;
  for (L len : lengths) {
    L count = 0;
    for (L k = 0; k < len; ++k) count += mask[p++] ? 1 : 0;
    out.push_back(count);
  }
  return out;
}

// BooleanUnmask: nullopt where the operator must fail (uncovered position, values running out,
// values not all consumed). values[i] holds rows of `row` elements.
template <typename T>
std::optional<std::vector<T>> BooleanUnmask(const std::vector<std::vector<bool>>& masks,
                                            const std::vector<std::vector<T>>& values, int64_t row) {
  std::vector<T> out;
  std::vector<size_t> next(masks.size(), 0);
  const size_t size = masks.empty() ? 0 : masks[0].size();
  for (size_t p = 0; p < size; ++p) {
    size_t i = 0;
    while (i < masks.size() && !masks[i][p]) ++i;
    if (i == masks.size()) return std::nullopt;
    if ((next[i] + 1) * row > values[i].size() && row > 0) return std::nullopt;
    for (int64_t j = 0; j < row; ++j) out.push_back(values[i][next[i] * row + j]);
    ++next[i];
  }
  for (size_t i = 0; i < masks.size(); ++i) {
    if (row > 0 && next[i] * row != values[i].size()) return std::nullopt;
  }
  return out;
}

// SequenceMask.
struct SequenceMaskArgs {
  std::string mode;
  int axis = 1;
  int64_t radius = 10;
  bool grad = false;
  float fill_val = -std::numeric_limits<float>::infinity();
  std::optional<int> batch;
  std::optional<int> repeat_from_axis;
};

// For every element (row-major) of an input of shape `dims`, true when the rule masks it. `second`
// holds the lengths or centers (ignored by the triangle modes).
std::vector<bool> SequenceMaskPattern(const std::vector<int64_t>& dims, const SequenceMaskArgs& args,
                                      const std::vector<int32_t>& second);

template <typename T>
std::vector<T> SequenceMask(const std::vector<int64_t>& dims, const std::vector<T>& data,
                            const SequenceMaskArgs& args, const std::vector<int32_t>& second) {
  const std::vector<bool> masked = SequenceMaskPattern(dims, args, second);
  const T fill = args.grad ? T(0.0f) : T(args.fill_val);
  std::vector<T> out(data);
  for (size_t e = 0; e < out.size(); ++e) {
    if (masked[e]) out[e] = fill;
  }
  return out;
}

// Sum of same-shape inputs, element by element, in input order.
template <typename T>
std::vector<T> Sum(const std::vector<std::vector<T>>& inputs) {
  std::vector<T> out = inputs.at(0);
  for (size_t i = 1; i < inputs.size(); ++i) {
    for (size_t k = 0; k < out.size(); ++k) {
      if constexpr (std::is_same_v<T, float16>) {
        out[k] = float16(static_cast<float>(out[k]) + static_cast<float>(inputs[i][k]));
      } else {
        out[k] = out[k] + inputs[i][k];
      }
    }
  }
  return out;
}

// A distinct, exactly representable test value of type T for position k.
template <typename T>
T TestValue(int64_t k) {
  if constexpr (std::is_same_v<T, std::string>) {
    return "s" + std::to_string(k);
  } else if constexpr (std::is_same_v<T, bool>) {
    return k % 3 != 0;
  } else if constexpr (std::is_same_v<T, float16>) {
    return float16(static_cast<float>(k % 1000) - 500.0f);
  } else {
    return static_cast<T>(k % 100 + 1);
  }
}

template <typename T>
std::vector<T> TestValues(int64_t n, int64_t offset = 0) {
  std::vector<T> values;
  for (int64_t k = 0; k < n; ++k) values.push_back(TestValue<T>(k + offset));
  return values;
}

}  // namespace caffe2::testing::ref
