// Caffe2's caffe2/utils/math.h, the part mask and attention operators use, for any arithmetic T on
// the CPU: Set, CopyVector, CopyMatrix, elementwise Add/Sub/Mul/Div/Max/Min, Exp/Log/Sqr/Sqrt/Abs/
// Inv, Scale, Sum, SumSqr, Dot, ReduceMin/ReduceMax, RowwiseMax/ColwiseMax, RowwiseSum/ColwiseSum,
// Transpose, RandUniform, Gemv and Gemm (plain loops; no BLAS).
// Signatures are Caffe2's, context last; the context is unused (the CPU computes synchronously).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "caffe2/core/context.h"
#include "caffe2/core/tensor.h"
#include "caffe2/core/types.h"

// BLAS's transpose flags, defined here unless a cblas header already did.
#ifndef CBLAS_H
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };
#endif

namespace caffe2 {

// Caffe2's engine tag for math routines.
class DefaultEngine {};

namespace math {

template <typename T, class Context>
void Set(const std::int64_t N, const T alpha, T* Y, Context* /*context*/) {
  std::fill(Y, Y + N, alpha);
}

template <typename T, class Context>
void CopyVector(const int N, const T* src, T* dst, Context* /*context*/) {
  if (src != dst && N > 0) std::copy(src, src + N, dst);
}

// M rows of N items, with leading dimensions lda and ldb (in items).
template <typename T, class Context>
void CopyMatrix(const int M, const int N, const T* A, const int lda, T* B, const int ldb, Context* /*context*/) {
  for (int i = 0; i < M; ++i) std::copy(A + static_cast<int64_t>(i) * lda, A + static_cast<int64_t>(i) * lda + N,
                                        B + static_cast<int64_t>(i) * ldb);
}

#define CAFFE2_MASK_MATH_BINARY(Name, expr)                                              \
  template <typename T, class Context>                                                   \
  void Name(const int N, const T* A, const T* B, T* C, Context* /*context*/) {           \
    for (int i = 0; i < N; ++i) {                                                        \
      const T a = A[i];                                                                  \
      const T b = B[i];                                                                  \
      C[i] = (expr);                                                                     \
    }                                                                                    \
  }
CAFFE2_MASK_MATH_BINARY(Add, a + b)
CAFFE2_MASK_MATH_BINARY(Sub, a - b)
CAFFE2_MASK_MATH_BINARY(Mul, a * b)
CAFFE2_MASK_MATH_BINARY(Div, a / b)
CAFFE2_MASK_MATH_BINARY(Max, std::max(a, b))
CAFFE2_MASK_MATH_BINARY(Min, std::min(a, b))
#undef CAFFE2_MASK_MATH_BINARY

#define CAFFE2_MASK_MATH_UNARY(Name, expr)                                  \
  template <typename T, class Context>                                      \
  void Name(const int N, const T* X, T* Y, Context* /*context*/) {          \
    for (int i = 0; i < N; ++i) {                                           \
      const T x = X[i];                                                     \
      Y[i] = (expr);                                                        \
    }                                                                       \
  }
CAFFE2_MASK_MATH_UNARY(Exp, std::exp(x))
CAFFE2_MASK_MATH_UNARY(Log, std::log(x))
CAFFE2_MASK_MATH_UNARY(Sqr, x * x)
CAFFE2_MASK_MATH_UNARY(Sqrt, std::sqrt(x))
CAFFE2_MASK_MATH_UNARY(Abs, std::abs(x))
CAFFE2_MASK_MATH_UNARY(Inv, T(1) / x)
#undef CAFFE2_MASK_MATH_UNARY

// Y = alpha * X; alpha by value or through a pointer, as in Caffe2.
template <typename TAlpha, typename TData, class Context>
void Scale(const std::int64_t N, const TAlpha alpha, const TData* X, TData* Y, Context* /*context*/) {
  for (std::int64_t i = 0; i < N; ++i) Y[i] = static_cast<TData>(alpha * X[i]);
}
template <typename TAlpha, typename TData, class Context>
void Scale(const std::int64_t N, const TAlpha* alpha, const TData* X, TData* Y, Context* context) {
  Scale<TAlpha, TData, Context>(N, *alpha, X, Y, context);
}

// *y = sum of x; scratch_ptr is Caffe2's GPU scratch space, unused here.
template <typename T, class Context>
void Sum(const int N, const T* x, T* y, Context* /*context*/, Tensor* /*scratch_ptr*/ = nullptr) {
  T sum = T(0);
  for (int i = 0; i < N; ++i) sum += x[i];
  *y = sum;
}
template <typename T, class Context>
void SumSqr(const int N, const T* x, T* y, Context* /*context*/, Tensor* /*scratch_ptr*/ = nullptr) {
  T sum = T(0);
  for (int i = 0; i < N; ++i) sum += x[i] * x[i];
  *y = sum;
}
template <typename T, class Context>
void Dot(const int N, const T* a, const T* b, T* y, Context* /*context*/) {
  T sum = T(0);
  for (int i = 0; i < N; ++i) sum += a[i] * b[i];
  *y = sum;
}

// *y = the smallest / largest of N > 0 values.
template <typename T, class Context>
void ReduceMin(const int N, const T* x, T* y, Tensor* /*scratch_ptr*/, Context* /*context*/) {
  CAFFE_ENFORCE_GT(N, 0, "ReduceMin needs at least one value");
  *y = *std::min_element(x, x + N);
}
template <typename T, class Context>
void ReduceMax(const int N, const T* x, T* y, Tensor* /*scratch_ptr*/, Context* /*context*/) {
  CAFFE_ENFORCE_GT(N, 0, "ReduceMax needs at least one value");
  *y = *std::max_element(x, x + N);
}

// Over an N x D row-major matrix: y[i] = max of row i (N values) or y[j] = max of column j (D values).
template <typename T, class Context>
void RowwiseMax(const int N, const int D, const T* x, T* y, Context* /*context*/) {
  for (int i = 0; i < N; ++i) {
    const T* row = x + static_cast<int64_t>(i) * D;
    y[i] = D > 0 ? *std::max_element(row, row + D) : std::numeric_limits<T>::lowest();
  }
}
template <typename T, class Context>
void ColwiseMax(const int N, const int D, const T* x, T* y, Context* /*context*/) {
  std::fill(y, y + D, std::numeric_limits<T>::lowest());
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < D; ++j) y[j] = std::max(y[j], x[static_cast<int64_t>(i) * D + j]);
  }
}
template <typename T, class Context>
void RowwiseSum(const int N, const int D, const T* x, T* y, Context* /*context*/) {
  for (int i = 0; i < N; ++i) {
    T sum = T(0);
    for (int j = 0; j < D; ++j) sum += x[static_cast<int64_t>(i) * D + j];
    y[i] = sum;
  }
}
template <typename T, class Context>
void ColwiseSum(const int N, const int D, const T* x, T* y, Context* /*context*/) {
  std::fill(y, y + D, T(0));
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < D; ++j) y[j] += x[static_cast<int64_t>(i) * D + j];
  }
}

// Y = X with its axes permuted: axis i of Y is axis axes[i] of X, so Y's dims are dims[axes[i]].
// TIndex is the dims' type (int or int64_t, as Caffe2's last generation takes either).
template <typename TIndex, typename TData, class Context>
void Transpose(const int ndim, const TIndex* dims, const int* axes, const TData* X, TData* Y, Context* /*context*/) {
  CAFFE_ENFORCE_GE(ndim, 0, "Transpose: ndim");
  std::vector<int64_t> x_strides(ndim), y_dims(ndim), stride_of_y_axis(ndim);
  std::vector<bool> seen(ndim, false);
  int64_t size = 1;
  for (int i = ndim - 1; i >= 0; --i) {
    CAFFE_ENFORCE_GE(dims[i], 0, "Transpose: dim ", i);
    x_strides[i] = size;
    size *= static_cast<int64_t>(dims[i]);
  }
  for (int i = 0; i < ndim; ++i) {
    CAFFE_ENFORCE(axes[i] >= 0 && axes[i] < ndim && !seen[axes[i]], "Transpose: axes is not a permutation of 0..",
                  ndim - 1, " (axes[", i, "] = ", axes[i], ")");
    seen[axes[i]] = true;
    y_dims[i] = static_cast<int64_t>(dims[axes[i]]);
    stride_of_y_axis[i] = x_strides[axes[i]];
  }
  // Walk Y in order, keeping Y's index as an odometer and X's offset in step with it.
  std::vector<int64_t> index(ndim, 0);
  int64_t x_offset = 0;
  for (int64_t y = 0; y < size; ++y) {
    Y[y] = X[x_offset];
    for (int d = ndim - 1; d >= 0; --d) {
      x_offset += stride_of_y_axis[d];
      if (++index[d] < y_dims[d]) break;
      x_offset -= stride_of_y_axis[d] * y_dims[d];
      index[d] = 0;
    }
  }
}
// The earlier spelling, Transpose<T, Context>, with int dims.
template <typename T, class Context>
void Transpose(const int ndim, const int* dims, const int* axes, const T* X, T* Y, Context* context) {
  Transpose<int, T, Context>(ndim, dims, axes, X, Y, context);
}

// n draws from context->RandGenerator(): uniform in [a, b) for floating-point T, in [a, b] for
// integer T (Caffe2's two distributions, from <random>).
template <typename T, class Context>
void RandUniform(const size_t n, const T a, const T b, T* r, Context* context) {
  CAFFE_ENFORCE_LE(a, b, "RandUniform: the range is empty");
  if constexpr (std::is_floating_point_v<T>) {
    std::uniform_real_distribution<T> distribution(a, b);
    for (size_t i = 0; i < n; ++i) r[i] = distribution(context->RandGenerator());
  } else {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool> && sizeof(T) >= sizeof(short),
                  "RandUniform takes floating-point or integer (short and wider) T");
    std::uniform_int_distribution<T> distribution(a, b);
    for (size_t i = 0; i < n; ++i) r[i] = distribution(context->RandGenerator());
  }
}

// C = alpha * op(A) * op(B) + beta * C, row-major, op(A) M x K, op(B) K x N. With beta == 0, C is
// not read (it may hold garbage), as in BLAS.
template <typename T, class Context, class Engine = DefaultEngine>
void Gemm(const CBLAS_TRANSPOSE trans_A, const CBLAS_TRANSPOSE trans_B, const int M, const int N, const int K,
          const float alpha, const T* A, const T* B, const float beta, T* C, Context* /*context*/,
          TensorProto::DataType /*math_type*/ = TensorProto::FLOAT) {
  const bool ta = trans_A != CblasNoTrans;
  const bool tb = trans_B != CblasNoTrans;
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      double sum = 0;
      for (int k = 0; k < K; ++k) {
        const T a = ta ? A[static_cast<int64_t>(k) * M + i] : A[static_cast<int64_t>(i) * K + k];
        const T b = tb ? B[static_cast<int64_t>(j) * K + k] : B[static_cast<int64_t>(k) * N + j];
        sum += static_cast<double>(a) * static_cast<double>(b);
      }
      T& c = C[static_cast<int64_t>(i) * N + j];
      c = static_cast<T>(alpha * sum + (beta == 0 ? 0.0 : beta * static_cast<double>(c)));
    }
  }
}

// y = alpha * op(A) * x + beta * y, A is M x N row-major.
template <typename T, class Context, class Engine = DefaultEngine>
void Gemv(const CBLAS_TRANSPOSE trans_A, const int M, const int N, const float alpha, const T* A, const T* x,
          const float beta, T* y, Context* /*context*/, TensorProto::DataType /*math_type*/ = TensorProto::FLOAT) {
  const bool ta = trans_A != CblasNoTrans;
  const int rows = ta ? N : M;
  const int cols = ta ? M : N;
  for (int i = 0; i < rows; ++i) {
    double sum = 0;
    for (int k = 0; k < cols; ++k) {
      const T a = ta ? A[static_cast<int64_t>(k) * N + i] : A[static_cast<int64_t>(i) * N + k];
      sum += static_cast<double>(a) * static_cast<double>(x[k]);
    }
    y[i] = static_cast<T>(alpha * sum + (beta == 0 ? 0.0 : beta * static_cast<double>(y[i])));
  }
}

}  // namespace math
}  // namespace caffe2
