// The BooleanMask family: BooleanMask, BooleanMaskGradient, BooleanMaskLengths, BooleanUnmask.
//
// Each operator validates every input before it writes a byte of output, then hands plain pointers
// and sizes to the kernels in ops/kernels/mask_kernels.h. The kernels copy rows as bytes, which is
// right for every plain dtype; std::string rows go through the typed copies in this file instead.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "caffe2_mask/framework/operator.h"
#include "ops/kernels/mask_kernels.h"
#include "registry/gradient.h"
#include "registry/operator_registry.h"
#include "registry/operator_schema.h"

namespace caffe2 {
// Everything here has internal linkage, so a program may define the same class names (Caffe2's
// BooleanMaskOp, SequenceMaskOp, GetSequenceMaskGradient, ...) without clashing with the built-ins.
namespace {

// Product of dims[1:] (1 for a 1-D tensor); the tensor's numel already passed CheckedNumel, so this
// cannot overflow.
int64_t RowSize(const Tensor& t) { return t.size_from_dim(1); }

// True when a and b agree in every dim after the first (both have at least one dim).
bool SameTrailingDims(const Tensor& a, const Tensor& b) {
  return std::equal(a.sizes().begin() + 1, a.sizes().end(), b.sizes().begin() + 1, b.sizes().end());
}

// dims with dims[0] replaced by `first`, written into `out` (a member reused across runs, so a repeated
// run allocates nothing).
void ReplaceFirstDim(const std::vector<int64_t>& dims, int64_t first, std::vector<int64_t>* out) {
  out->assign(dims.begin(), dims.end());
  (*out)[0] = first;
}

// Every mask must be a bool vector: exactly 1-D and of dtype bool. `describe()` names the input; it is
// called only when a check fails, so a passing run builds no string (and allocates nothing).
template <typename Describe>
void EnforceBoolVector(const OperatorBase& op, const Tensor& mask, Describe describe) {
  CAFFE_ENFORCE(mask.IsType<bool>(), op.type(), ": ", describe(), " must be bool, but is ", mask.dtype().name());
  CAFFE_ENFORCE_EQ(mask.dim(), 1, op.type(), ": ", describe(), " must be 1-D, but has shape ",
                   ShapeString(mask.sizes()));
}

// ---------------------------------------------------------------------------------------------------
// BooleanMask
// ---------------------------------------------------------------------------------------------------
class BooleanMaskOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  BooleanMaskOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {
    if (OutputSize() > 1) {
      CAFFE_ENFORCE_NE(def.output(0), def.output(1),
                       "BooleanMask: masked_data and masked_indices must be different blobs");
    }
  }

  bool RunOnDevice() override {
    const Tensor& data = Input(0);
    const Tensor& mask = Input(1);
    CAFFE_ENFORCE_GE(data.dim(), 1, "BooleanMask: ", DescribeInput(0), " must have at least 1 dim, but has shape ",
                     ShapeString(data.sizes()));
    EnforceBoolVector(*this, mask, [this] { return DescribeInput(1); });
    const int64_t n = data.size(0);
    CAFFE_ENFORCE_EQ(mask.numel(), n, "BooleanMask: ", DescribeInput(1), " has ", mask.numel(),
                     " elements but data has ", n, " rows;");

    const bool* m = mask.data<bool>();
    const int64_t count = kernels::CountTrue(m, n);
    const int64_t row = RowSize(data);
    ReplaceFirstDim(data.sizes(), count, &out_dims_);
    Tensor* out = Output(0);
    out->Resize(out_dims_);
    void* out_data = out->raw_mutable_data(data.dtype());
    int64_t* indices = nullptr;
    if (OutputSize() > 1) {
      Tensor* idx = Output(1);
      idx->Resize(count);
      indices = idx->mutable_data<int64_t>();
    }

    if (!data.dtype().is_pod()) {
      CAFFE_ENFORCE(data.IsType<std::string>(), "BooleanMask: ", DescribeInput(0), " has dtype ",
                    data.dtype().name(), ", which has no element copy here");
      CopyStrings(data.data<std::string>(), m, n, row, static_cast<std::string*>(out_data), indices);
      return true;
    }
    const int64_t row_bytes = row * static_cast<int64_t>(data.itemsize());
    if (row_bytes > 0) {
      kernels::BooleanMaskCompact(data.raw_data(), m, n, row_bytes, out_data, indices);
    } else if (indices != nullptr) {
      // Rows of zero bytes: nothing to copy, but the indices are still wanted.
      for (int64_t i = 0, k = 0; i < n; ++i) {
        if (m[i]) indices[k++] = i;
      }
    }
    return true;
  }

 private:
  std::vector<int64_t> out_dims_;

  static void CopyStrings(const std::string* data, const bool* mask, int64_t n, int64_t row, std::string* out,
                          int64_t* indices) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (!mask[i]) continue;
      for (int64_t j = 0; j < row; ++j) out[k * row + j] = data[i * row + j];
      if (indices != nullptr) indices[k] = i;
      ++k;
    }
  }
};

// ---------------------------------------------------------------------------------------------------
// BooleanMaskGradient
// ---------------------------------------------------------------------------------------------------
class BooleanMaskGradientOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  USE_DISPATCH_HELPER;
  BooleanMaskGradientOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}

  bool RunOnDevice() override {
    try {
      return DispatchHelper<TensorTypes<bool, int32_t, int64_t, float, double, float16>>::call(this, Input(1));
    } catch (UnsupportedDtype& error) {
      error.AppendMessage(MakeString("BooleanMaskGradient: ", DescribeInput(1)));
      throw;
    }
  }

 private:
  template <typename T>
  bool DoRunWithType() {
    const Tensor& mask = Input(0);
    const Tensor& dy = Input(1);
    EnforceBoolVector(*this, mask, [this] { return DescribeInput(0); });
    CAFFE_ENFORCE_GE(dy.dim(), 1, "BooleanMaskGradient: ", DescribeInput(1),
                     " must have at least 1 dim, but has shape ", ShapeString(dy.sizes()));
    const int64_t n = mask.numel();
    const bool* m = mask.data<bool>();
    const int64_t count = kernels::CountTrue(m, n);
    CAFFE_ENFORCE_EQ(dy.size(0), count, "BooleanMaskGradient: ", DescribeInput(1), " has ", dy.size(0),
                     " rows but ", DescribeInput(0), " has ", count, " true values;");

    ReplaceFirstDim(dy.sizes(), n, &out_dims_);
    Tensor* dx = Output(0);
    dx->Resize(out_dims_);
    T* out = dx->mutable_data<T>();
    const int64_t row_bytes = RowSize(dy) * static_cast<int64_t>(sizeof(T));
    if (row_bytes > 0 && n > 0) kernels::BooleanMaskExpand(dy.data<T>(), m, n, row_bytes, out);
    return true;
  }

  std::vector<int64_t> out_dims_;
};

// ---------------------------------------------------------------------------------------------------
// BooleanMaskLengths
// ---------------------------------------------------------------------------------------------------
class BooleanMaskLengthsOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  USE_DISPATCH_HELPER;
  BooleanMaskLengthsOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}

  bool RunOnDevice() override {
    const Tensor& lengths = Input(0);
    CAFFE_ENFORCE(lengths.IsType<int32_t>() || lengths.IsType<int64_t>(), "BooleanMaskLengths: ",
                  DescribeInput(0), " must be int32 or int64, but is ", lengths.dtype().name());
    return lengths.IsType<int32_t>() ? DoRunWithType<int32_t>() : DoRunWithType<int64_t>();
  }

 private:
  template <typename L>
  bool DoRunWithType() {
    const Tensor& lengths = Input(0);
    const Tensor& mask = Input(1);
    CAFFE_ENFORCE_EQ(lengths.dim(), 1, "BooleanMaskLengths: ", DescribeInput(0), " must be 1-D, but has shape ",
                     ShapeString(lengths.sizes()));
    EnforceBoolVector(*this, mask, [this] { return DescribeInput(1); });
    const L* len = lengths.data<L>();
    const int64_t segments = lengths.numel();
    int64_t total = 0;
    for (int64_t s = 0; s < segments; ++s) {
      CAFFE_ENFORCE_GE(len[s], 0, "BooleanMaskLengths: ", DescribeInput(0), " has a negative length at index ",
                       s, ";");
      CAFFE_ENFORCE(!__builtin_add_overflow(total, static_cast<int64_t>(len[s]), &total), "BooleanMaskLengths: ",
                    DescribeInput(0), " sums past the int64 range at index ", s);
    }
    CAFFE_ENFORCE_EQ(total, mask.numel(), "BooleanMaskLengths: ", DescribeInput(0), " sums to ", total, " but ",
                     DescribeInput(1), " has ", mask.numel(), " elements;");

    Tensor* out = Output(0);
    out->Resize(segments);
    L* out_data = out->mutable_data<L>();
    if (segments > 0) kernels::SegmentCountTrue<L>(len, segments, mask.data<bool>(), out_data);
    return true;
  }
};

// ---------------------------------------------------------------------------------------------------
// BooleanUnmask
// ---------------------------------------------------------------------------------------------------
class BooleanUnmaskOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  BooleanUnmaskOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}

  bool RunOnDevice() override {
    const int pairs = InputSize() / 2;
    const Tensor& mask0 = Input(0);
    EnforceBoolVector(*this, mask0, [this] { return Describe(0); });
    const int64_t size = mask0.numel();
    const Tensor& values0 = Input(1);
    CAFFE_ENFORCE_GE(values0.dim(), 1, "BooleanUnmask: ", Describe(1), " must have at least 1 dim, but has shape ",
                     ShapeString(values0.sizes()));
    const TypeMeta dtype = values0.dtype();

    masks_.resize(pairs);
    values_.resize(pairs);
    counts_.assign(pairs, 0);
    for (int i = 0; i < pairs; ++i) {
      const Tensor& mask = Input(2 * i);
      const Tensor& values = Input(2 * i + 1);
      EnforceBoolVector(*this, mask, [this, i] { return Describe(2 * i); });
      CAFFE_ENFORCE_EQ(mask.numel(), size, "BooleanUnmask: ", Describe(2 * i), " has ", mask.numel(),
                       " elements but ", Describe(0), " has ", size, "; all masks must have one size");
      CAFFE_ENFORCE(values.dtype() == dtype, "BooleanUnmask: ", Describe(2 * i + 1), " has dtype ",
                    values.dtype().name(), " but ", Describe(1), " has dtype ", dtype.name(),
                    "; all values must share one dtype");
      CAFFE_ENFORCE_GE(values.dim(), 1, "BooleanUnmask: ", Describe(2 * i + 1),
                       " must have at least 1 dim, but has shape ", ShapeString(values.sizes()));
      CAFFE_ENFORCE(SameTrailingDims(values, values0), "BooleanUnmask: ", Describe(2 * i + 1), " has shape ",
                    ShapeString(values.sizes()), " but ", Describe(1), " has shape ",
                    ShapeString(values0.sizes()), "; values must agree in every dim after the first");
      masks_[i] = mask.data<bool>();
      values_[i] = values.raw_data();
    }

    const int64_t uncovered = kernels::BooleanUnmaskCheck(masks_.data(), pairs, size, counts_.data());
    CAFFE_ENFORCE_EQ(uncovered, -1, "BooleanUnmask: all masks have False at position ", uncovered,
                     "; every position needs a true mask");
    for (int i = 0; i < pairs; ++i) {
      const int64_t rows = Input(2 * i + 1).size(0);
      CAFFE_ENFORCE_LE(counts_[i], rows, "BooleanUnmask: ", Describe(2 * i), " supplies ", counts_[i],
                       " positions but ", Describe(2 * i + 1), " has only ", rows, " values;");
      CAFFE_ENFORCE_EQ(rows, counts_[i], "BooleanUnmask: ", Describe(2 * i + 1), " has ", rows,
                       " values but ", Describe(2 * i), " supplies only ", counts_[i],
                       " positions; the values are not all consumed");
    }

    ReplaceFirstDim(values0.sizes(), size, &out_dims_);
    Tensor* out = Output(0);
    out->Resize(out_dims_);
    void* out_data = out->raw_mutable_data(dtype);
    const int64_t row = RowSize(values0);
    if (!dtype.is_pod()) {
      CAFFE_ENFORCE(dtype.Match<std::string>(), "BooleanUnmask: ", Describe(1), " has dtype ", dtype.name(),
                    ", which has no element copy here");
      ScatterStrings(pairs, size, row, static_cast<std::string*>(out_data));
      return true;
    }
    const int64_t row_bytes = row * static_cast<int64_t>(dtype.itemsize());
    if (row_bytes > 0 && size > 0) {
      kernels::BooleanUnmaskScatter(masks_.data(), values_.data(), pairs, size, row_bytes, out_data);
    }
    return true;
  }

 private:
  // The schema names only the first pair; later pairs are "mask_<k>" / "values_<k>" too.
  std::string Describe(int idx) const {
    return MakeString("input ", idx, " '", idx % 2 == 0 ? "mask_" : "values_", idx / 2 + 1, "' (blob '",
                      debug_def().input(idx), "')");
  }

  void ScatterStrings(int pairs, int64_t size, int64_t row, std::string* out) {
    std::vector<int64_t> next(pairs, 0);
    for (int64_t p = 0; p < size; ++p) {
      int i = 0;
      while (!masks_[i][p]) ++i;  // the check pass proved some pair covers p
      const auto* src = static_cast<const std::string*>(values_[i]) + next[i]++ * row;
      for (int64_t j = 0; j < row; ++j) out[p * row + j] = src[j];
    }
  }

  // Per-run scratch kept across runs so a repeated run does not allocate.
  std::vector<const bool*> masks_;
  std::vector<const void*> values_;
  std::vector<int64_t> counts_;
  std::vector<int64_t> out_dims_;
};

// ---------------------------------------------------------------------------------------------------
// Registration, schemas, gradients
// ---------------------------------------------------------------------------------------------------
REGISTER_CPU_OPERATOR(BooleanMask, BooleanMaskOp);
REGISTER_CPU_GRADIENT_OPERATOR(BooleanMaskGradient, BooleanMaskGradientOp);
REGISTER_CPU_OPERATOR(BooleanMaskLengths, BooleanMaskLengthsOp);
REGISTER_CPU_OPERATOR(BooleanUnmask, BooleanUnmaskOp);

OPERATOR_SCHEMA(BooleanMask)
    .NumInputs(2)
    .NumOutputs(1, 2)
    .SetDoc(R"DOC(Keeps the rows data[i] (along dim 0) for which mask[i] is true, in order.
masked_data has shape [count(mask)] + data.dims[1:] and data's dtype (any dtype, string included);
the optional masked_indices (int64, 1-D) holds the kept positions i.
Example: data [1, 2, 3, 4, 5, 6], mask [T, F, F, T, T, F] -> masked_data [1, 4, 5], masked_indices [0, 3, 4].
Shape inference cannot know count(mask): dim 0 of both outputs is reported as -1 and listed in unknown_dims.)DOC")
    .Input(0, "data", "Tensor of any dtype with at least 1 dim; rows are taken along dim 0.")
    .Input(1, "mask", "bool tensor, exactly 1-D, with data.dims[0] elements.")
    .Output(0, "masked_data", "The selected rows: [count(mask)] + data.dims[1:], dtype of data.")
    .Output(1, "masked_indices", "(optional) int64 1-D: the positions i where mask[i] is true.")
    .TensorInferenceFunction([](const OperatorDef& def, const std::vector<TensorShape>& in) {
      std::vector<TensorShape> out(def.output_size());
      out[0] = in.at(0);
      out[0].clear_unknown_dims();
      if (out[0].dims_size() > 0) out[0].set_dims(0, -1);
      out[0].add_unknown_dims(0);
      if (out.size() > 1) {
        out[1].add_dims(-1);
        out[1].add_unknown_dims(0);
        out[1].set_data_type(TensorProto::INT64);
      }
      return out;
    });

OPERATOR_SCHEMA(BooleanMaskGradient)
    .NumInputs(2)
    .NumOutputs(1)
    .SetDoc(R"DOC(Gradient of BooleanMask: dX[i] = mask[i] ? dY[k++] : 0, whole rows at a time.
dX has shape [mask.size] + dY.dims[1:] (Caffe2 gave [mask.size], right only for 1-D data); dY.dims[0] must
equal count(mask). Dtypes bool, int32, int64, float, double, float16.)DOC")
    .Input(0, "mask", "bool tensor, exactly 1-D: the forward mask.")
    .Input(1, "masked_data_grad", "dY: gradient of masked_data, count(mask) rows.")
    .Output(0, "data_grad", "dX: [mask.size] + dY.dims[1:], dtype of dY; unselected rows are zero.")
    .TensorInferenceFunction([](const OperatorDef&, const std::vector<TensorShape>& in) {
      TensorShape out = in.at(1);
      if (out.dims_size() > 0 && in.at(0).dims_size() == 1) out.set_dims(0, in.at(0).dims(0));
      return std::vector<TensorShape>{out};
    });

OPERATOR_SCHEMA(BooleanMaskLengths)
    .NumInputs(2)
    .NumOutputs(1)
    .SetDoc(R"DOC(Counts, for each segment of mask, how many of its values are true.
Segments are laid end to end with the given lengths, which must be non-negative and sum (in 64 bits) to
mask.size. masked_lengths has the dtype and shape of lengths.
Example: lengths [1, 3, 2], mask [F, T, T, F, T, T] -> masked_lengths [0, 2, 2].)DOC")
    .Input(0, "lengths", "int32 or int64, 1-D: the segment lengths.")
    .Input(1, "mask", "bool tensor, exactly 1-D, with sum(lengths) elements.")
    .Output(0, "masked_lengths", "Same dtype and shape as lengths: true values per segment.")
    .IdenticalTypeAndShapeOfInput(0);

OPERATOR_SCHEMA(BooleanUnmask)
    .NumInputs([](int n) { return n > 0 && n % 2 == 0; })
    .NumOutputs(1)
    .SetDoc(R"DOC(Merges values back into the positions their masks select; the inverse of BooleanMask.
Inputs are pairs (mask_1, values_1), (mask_2, values_2), ...: every mask bool, 1-D, of one size S. Position p
takes values_i[next_i++] from the first pair i whose mask_i[p] is true. It is an error when no mask is
true at a position, when a pair's values run out, or when a pair's values are not all consumed; so where
masks overlap, a later pair supplies nothing at a position an earlier pair covers. All values share one
dtype; they may be N-D with equal dims after the first, giving unmasked_data [S] + those dims.
Example: masks [T, F, T, F, F], [F, T, F, F, F], [F, F, F, T, T] with values [1, 3], [2], [4, 5] -> [1, 2, 3, 4, 5].
Example: masks [T, F], [T, T] with values [1], [2] -> [1, 2]; with values [1], [2, 2] it is an error.)DOC")
    .Input(0, "mask_1", "bool tensor, exactly 1-D, S elements.")
    .Input(1, "values_1", "The values for mask_1's positions: count(mask_1 where it wins) rows.")
    .Output(0, "unmasked_data", "[S] + values_1.dims[1:], dtype of values_1.")
    .TensorInferenceFunction([](const OperatorDef&, const std::vector<TensorShape>& in) {
      TensorShape out;
      out.set_data_type(in.at(1).data_type());
      out.add_dims(in.at(0).dims_size() > 0 ? in.at(0).dims(0) : -1);
      for (int d = 1; d < in.at(1).dims_size(); ++d) out.add_dims(in.at(1).dims(d));
      if (in.at(0).dims_size() == 0) out.add_unknown_dims(0);
      return std::vector<TensorShape>{out};
    });

class GetBooleanMaskGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    return SingleGradientDef("BooleanMaskGradient", "", std::vector<std::string>{I(1), GO(0)},
                             std::vector<std::string>{GI(0)});
  }
};
REGISTER_GRADIENT(BooleanMask, GetBooleanMaskGradient);

// BooleanMaskGradient is linear in dY; its gradient with respect to dY is BooleanMask of the incoming
// gradient (second-order gradients through BooleanMask).
class GetBooleanMaskGradientGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override {
    return SingleGradientDef("BooleanMask", "", std::vector<std::string>{GO(0), I(0)},
                             std::vector<std::string>{GI(1)});
  }
};
REGISTER_GRADIENT(BooleanMaskGradient, GetBooleanMaskGradientGradient);

NO_GRADIENT(BooleanMaskLengths);
NO_GRADIENT(BooleanUnmask);

}  // namespace
}  // namespace caffe2
