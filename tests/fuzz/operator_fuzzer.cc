// Fuzz target: bytes decoded into one mask-family operator (BooleanMask with 1 or 2 outputs,
// BooleanMaskGradient, BooleanMaskLengths, BooleanUnmask with 2-8 inputs, SequenceMask in every mode with
// axis/batch/repeat_from_axis/radius/grad/fill_val), its input dtypes (mostly right, sometimes any
// tensor dtype), small shapes and contents; then it runs. The run must succeed or throw EnforceNotMet
// (anything else escapes and libFuzzer reports it), an input the specification rejects must be
// rejected, and a successful run must match a plain scalar reference (below for the BooleanMask family,
// tests/util/reference_ops.h for SequenceMask's pattern).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/fuzz/fuzz_common.h"
#include "tests/util/reference_ops.h"

namespace {

using caffe2::Argument;
using caffe2::MakeString;
using caffe2::Tensor;
using caffe2::TypeMeta;
using caffe2::float16;
using caffe2::fuzz::ByteReader;
using caffe2::fuzz::Fail;

constexpr int64_t kMaxElements = 256;

// Calls f(T{}) for the C++ type of a tensor dtype.
template <typename F>
void VisitType(TypeMeta meta, F&& f) {
  if (meta.Match<float>()) return f(float{});
  if (meta.Match<double>()) return f(double{});
  if (meta.Match<float16>()) return f(float16{});
  if (meta.Match<int8_t>()) return f(int8_t{});
  if (meta.Match<int16_t>()) return f(int16_t{});
  if (meta.Match<int32_t>()) return f(int32_t{});
  if (meta.Match<int64_t>()) return f(int64_t{});
  if (meta.Match<uint8_t>()) return f(uint8_t{});
  if (meta.Match<uint16_t>()) return f(uint16_t{});
  if (meta.Match<bool>()) return f(bool{});
  if (meta.Match<std::string>()) return f(std::string{});
  Fail("unknown dtype", meta.name());
}

TypeMeta AnyType(ByteReader& r) {
  const auto& all = caffe2::AllTensorTypes();
  return all[r.Pick(all.size())];
}

// Mostly `usual`, one time in `odds` any dtype.
TypeMeta MostlyType(ByteReader& r, TypeMeta usual, int odds = 8) {
  return r.Pick(odds) == 0 ? AnyType(r) : usual;
}

// Values: small integers mostly, with raw bit patterns (NaN, inf, extremes) mixed in.
template <typename T>
T Value(ByteReader& r) {
  if constexpr (std::is_same_v<T, std::string>) {
    return r.String(6);
  } else if constexpr (std::is_same_v<T, bool>) {
    return r.Bool();
  } else if constexpr (std::is_same_v<T, float16>) {
    return r.Pick(4) == 0 ? float16::FromBits(r.Raw<uint16_t>()) : float16(static_cast<float>(r.Range(-8, 8)));
  } else {
    return r.Pick(4) == 0 ? r.Raw<T>() : static_cast<T>(r.Range(-8, 8));
  }
}

Tensor MakeTensor(ByteReader& r, TypeMeta meta, const std::vector<int64_t>& dims) {
  Tensor t(dims);
  VisitType(meta, [&](auto tag) {
    using T = decltype(tag);
    T* out = t.mutable_data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) out[i] = Value<T>(r);
  });
  return t;
}

template <typename T>
Tensor MakeTyped(const std::vector<int64_t>& dims, const std::vector<T>& values) {
  Tensor t(dims);
  T* out = t.mutable_data<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

int64_t Numel(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// A small random shape of rank [min_rank, max_rank], at most kMaxElements elements.
std::vector<int64_t> Shape(ByteReader& r, int min_rank, int max_rank, int64_t max_dim = 5) {
  const int rank = static_cast<int>(r.Range(min_rank, max_rank));
  std::vector<int64_t> dims;
  for (int d = 0; d < rank; ++d) {
    int64_t dim = r.Range(0, max_dim);
    if (Numel(dims) * std::max<int64_t>(dim, 1) > kMaxElements) dim = 1;
    dims.push_back(dim);
  }
  return dims;
}

// A bool mask of n values, or (one time in `odds`) something wrong: another dtype or rank.
Tensor MakeMask(ByteReader& r, int64_t n, int odds = 8) {
  std::vector<int64_t> dims{n};
  if (r.Pick(odds) == 0) dims = Shape(r, 0, 2);
  return MakeTensor(r, MostlyType(r, TypeMeta::Make<bool>(), odds), dims);
}

bool IsMask(const Tensor& t) { return t.IsType<bool>() && t.dim() == 1; }

int64_t CountTrue(const Tensor& mask) {
  int64_t n = 0;
  for (int64_t i = 0; i < mask.numel(); ++i) n += mask.data<bool>()[i] ? 1 : 0;
  return n;
}

// Element i of a and element j of b hold the same value (same dtype): bitwise, strings by content.
bool SameElement(const Tensor& a, int64_t i, const Tensor& b, int64_t j) {
  if (a.IsType<std::string>()) return a.data<std::string>()[i] == b.data<std::string>()[j];
  const size_t item = a.itemsize();
  return std::memcmp(static_cast<const char*>(a.raw_data()) + i * item,
                     static_cast<const char*>(b.raw_data()) + j * item, item) == 0;
}

bool IsZeroElement(const Tensor& a, int64_t i) {
  const auto* p = static_cast<const unsigned char*>(a.raw_data()) + i * a.itemsize();
  for (size_t k = 0; k < a.itemsize(); ++k) {
    if (p[k] != 0) return false;
  }
  return true;
}

std::string Describe(const caffe2::OperatorDef& def, const std::vector<Tensor>& inputs) {
  std::string s = caffe2::ProtoDebugString(def);
  for (size_t i = 0; i < inputs.size(); ++i) s += MakeString("input ", i, ": ", inputs[i].DebugString(), "\n");
  return s;
}

// The checks shared by every operator: shape, dtype.
void ExpectShape(const Tensor& out, TypeMeta dtype, const std::vector<int64_t>& dims, const std::string& what) {
  if (out.dtype() != dtype || out.sizes() != dims) {
    Fail("output has the wrong dtype or shape",
         MakeString(what, "got ", out.DebugString(), ", expected ", dtype.name(), caffe2::ShapeString(dims)));
  }
}

struct Case {
  caffe2::OperatorDef def;
  std::vector<Tensor> inputs;
  bool valid = true;  // what the specification says; SequenceMask leaves it to the reference
  bool predicts_validity = true;
};

// ---- the cases ----

Case BooleanMaskCase(ByteReader& r) {
  Case c;
  const bool two_outputs = r.Bool();
  std::vector<int64_t> dims = Shape(r, r.Pick(8) == 0 ? 0 : 1, 4);
  const int64_t rows = dims.empty() ? r.Range(0, 3) : dims[0];
  c.inputs.push_back(MakeTensor(r, r.Pick(2) ? TypeMeta::Make<float>() : AnyType(r), dims));
  c.inputs.push_back(MakeMask(r, r.Pick(8) == 0 ? r.Range(0, 5) : rows));
  std::vector<std::string> outputs{"masked"};
  if (two_outputs) outputs.push_back("indices");
  c.def = caffe2::CreateOperatorDef("BooleanMask", "", {"data", "mask"}, outputs, {});
  const Tensor& data = c.inputs[0];
  const Tensor& mask = c.inputs[1];
  c.valid = data.dim() >= 1 && IsMask(mask) && mask.numel() == data.size(0);
  return c;
}

void CheckBooleanMask(const Case& c, caffe2::Workspace& ws, const std::string& what) {
  const Tensor& data = c.inputs[0];
  const Tensor& mask = c.inputs[1];
  std::vector<int64_t> dims = data.sizes();
  dims[0] = CountTrue(mask);
  const Tensor& out = caffe2::BlobGetTensor(*ws.GetBlob("masked"));
  ExpectShape(out, data.dtype(), dims, what);
  const int64_t row = data.size_from_dim(1);
  std::vector<int64_t> indices;
  int64_t k = 0;
  for (int64_t i = 0; i < mask.numel(); ++i) {
    if (!mask.data<bool>()[i]) continue;
    for (int64_t j = 0; j < row; ++j) {
      if (!SameElement(out, k * row + j, data, i * row + j)) Fail("BooleanMask: wrong value", what);
    }
    indices.push_back(i);
    ++k;
  }
  if (c.def.output_size() == 2) {
    const Tensor& idx = caffe2::BlobGetTensor(*ws.GetBlob("indices"));
    ExpectShape(idx, TypeMeta::Make<int64_t>(), {static_cast<int64_t>(indices.size())}, what);
    for (size_t i = 0; i < indices.size(); ++i) {
      if (idx.data<int64_t>()[i] != indices[i]) Fail("BooleanMask: wrong index", what);
    }
  }
}

Case BooleanMaskGradientCase(ByteReader& r) {
  Case c;
  Tensor mask = MakeMask(r, r.Range(0, 6));
  const int64_t count = IsMask(mask) ? CountTrue(mask) : 2;
  std::vector<int64_t> dims = Shape(r, r.Pick(8) == 0 ? 0 : 1, 3, 3);
  if (!dims.empty() && r.Pick(6) != 0) dims[0] = count;
  static const TypeMeta kTypes[] = {TypeMeta::Make<bool>(), TypeMeta::Make<int32_t>(), TypeMeta::Make<int64_t>(),
                                    TypeMeta::Make<float>(), TypeMeta::Make<double>(), TypeMeta::Make<float16>()};
  const TypeMeta dtype = r.Pick(6) == 0 ? AnyType(r) : kTypes[r.Pick(6)];
  c.inputs.push_back(std::move(mask));
  c.inputs.push_back(MakeTensor(r, dtype, dims));
  c.def = caffe2::CreateOperatorDef("BooleanMaskGradient", "", {"mask", "dY"}, {"dX"}, {});
  const Tensor& dy = c.inputs[1];
  bool dtype_ok = false;
  for (TypeMeta t : kTypes) dtype_ok = dtype_ok || t == dy.dtype();
  c.valid = IsMask(c.inputs[0]) && dtype_ok && dy.dim() >= 1 && dy.size(0) == CountTrue(c.inputs[0]);
  return c;
}

void CheckBooleanMaskGradient(const Case& c, caffe2::Workspace& ws, const std::string& what) {
  const Tensor& mask = c.inputs[0];
  const Tensor& dy = c.inputs[1];
  std::vector<int64_t> dims = dy.sizes();
  dims[0] = mask.numel();
  const Tensor& dx = caffe2::BlobGetTensor(*ws.GetBlob("dX"));
  ExpectShape(dx, dy.dtype(), dims, what);
  const int64_t row = dy.size_from_dim(1);
  int64_t k = 0;
  for (int64_t i = 0; i < mask.numel(); ++i) {
    const bool m = mask.data<bool>()[i];
    for (int64_t j = 0; j < row; ++j) {
      const bool ok = m ? SameElement(dx, i * row + j, dy, k * row + j) : IsZeroElement(dx, i * row + j);
      if (!ok) Fail("BooleanMaskGradient: wrong value", what);
    }
    if (m) ++k;
  }
}

Case BooleanMaskLengthsCase(ByteReader& r) {
  Case c;
  const int64_t segments = r.Range(0, 5);
  const bool wide = r.Bool();
  std::vector<int64_t> lengths;
  int64_t sum = 0;
  for (int64_t s = 0; s < segments; ++s) {
    int64_t len = r.Pick(10) == 0 ? r.Range(-3, -1) : r.Range(0, 4);
    if (r.Pick(40) == 0) len = wide ? std::numeric_limits<int64_t>::max() - r.Range(0, 2) : std::numeric_limits<int32_t>::max();
    lengths.push_back(len);
    sum += len >= 0 && len < 1000 ? len : 0;
  }
  std::vector<int64_t> ldims{segments};
  if (r.Pick(10) == 0) ldims = Shape(r, 0, 2);
  if (Numel(ldims) == segments) {
    if (wide) {
      c.inputs.push_back(MakeTyped<int64_t>(ldims, lengths));
    } else {
      c.inputs.push_back(MakeTyped<int32_t>(ldims, std::vector<int32_t>(lengths.begin(), lengths.end())));
    }
  } else {
    c.inputs.push_back(MakeTensor(r, MostlyType(r, TypeMeta::Make<int32_t>(), 2), ldims));
  }
  if (r.Pick(6) == 0) c.inputs[0] = MakeTensor(r, AnyType(r), c.inputs[0].sizes());
  c.inputs.push_back(MakeMask(r, r.Pick(8) == 0 ? r.Range(0, 8) : sum));
  c.def = caffe2::CreateOperatorDef("BooleanMaskLengths", "", {"lengths", "mask"}, {"masked_lengths"}, {});
  const Tensor& len = c.inputs[0];
  bool ok = (len.IsType<int32_t>() || len.IsType<int64_t>()) && len.dim() == 1 && IsMask(c.inputs[1]);
  if (ok) {
    __int128 total = 0;
    for (int64_t s = 0; s < len.numel(); ++s) {
      const int64_t v = len.IsType<int32_t>() ? len.data<int32_t>()[s] : len.data<int64_t>()[s];
      ok = ok && v >= 0;
      total += v;
    }
    ok = ok && total == c.inputs[1].numel();
  }
  c.valid = ok;
  return c;
}

void CheckBooleanMaskLengths(const Case& c, caffe2::Workspace& ws, const std::string& what) {
  const Tensor& len = c.inputs[0];
  const Tensor& mask = c.inputs[1];
  const Tensor& out = caffe2::BlobGetTensor(*ws.GetBlob("masked_lengths"));
  ExpectShape(out, len.dtype(), len.sizes(), what);
  int64_t p = 0;
  for (int64_t s = 0; s < len.numel(); ++s) {
    const int64_t l = len.IsType<int32_t>() ? len.data<int32_t>()[s] : len.data<int64_t>()[s];
    int64_t count = 0;
    for (int64_t k = 0; k < l; ++k) count += mask.data<bool>()[p++] ? 1 : 0;
    const int64_t got = out.IsType<int32_t>() ? out.data<int32_t>()[s] : out.data<int64_t>()[s];
    if (got != count) Fail("BooleanMaskLengths: wrong count", what);
  }
}

Case BooleanUnmaskCase(ByteReader& r) {
  Case c;
  const int pairs = static_cast<int>(r.Range(1, 4));
  const int64_t size = r.Range(0, 6);
  const TypeMeta dtype = r.Pick(3) == 0 ? AnyType(r) : TypeMeta::Make<float>();
  std::vector<int64_t> trailing = Shape(r, 0, 2, 3);
  std::vector<Tensor> masks;
  for (int i = 0; i < pairs; ++i) masks.push_back(MakeMask(r, r.Pick(10) == 0 ? r.Range(0, 6) : size, 10));
  // Make the usual case valid: the last mask covers what the others leave, when asked.
  if (r.Pick(3) != 0 && IsMask(masks.back()) && masks.back().numel() == size) {
    for (int64_t p = 0; p < size; ++p) {
      bool covered = false;
      for (int i = 0; i + 1 < pairs; ++i) {
        covered = covered || (IsMask(masks[i]) && p < masks[i].numel() && masks[i].data<bool>()[p]);
      }
      if (!covered) masks.back().mutable_data<bool>()[p] = true;
    }
  }
  std::vector<std::string> names;
  for (int i = 0; i < pairs; ++i) {
    // Rows: the positions where this mask is the first true one, sometimes off by one.
    int64_t rows = 0;
    if (IsMask(masks[i])) {
      for (int64_t p = 0; p < masks[i].numel(); ++p) {
        bool earlier = false;
        for (int k = 0; k < i; ++k) {
          earlier = earlier || (IsMask(masks[k]) && p < masks[k].numel() && masks[k].data<bool>()[p]);
        }
        rows += masks[i].data<bool>()[p] && !earlier ? 1 : 0;
      }
    }
    if (r.Pick(10) == 0) rows = std::max<int64_t>(0, rows + r.Range(-1, 1));
    std::vector<int64_t> vdims{rows};
    vdims.insert(vdims.end(), trailing.begin(), trailing.end());
    if (r.Pick(12) == 0) vdims = Shape(r, 0, 3, 3);
    c.inputs.push_back(std::move(masks[i]));
    c.inputs.push_back(MakeTensor(r, r.Pick(10) == 0 ? AnyType(r) : dtype, vdims));
    names.push_back(MakeString("mask", i));
    names.push_back(MakeString("values", i));
  }
  c.def = caffe2::CreateOperatorDef("BooleanUnmask", "", names, {"unmasked"}, {});

  // The specification's verdict.
  bool ok = true;
  const Tensor& v0 = c.inputs[1];
  for (int i = 0; i < pairs && ok; ++i) {
    const Tensor& m = c.inputs[2 * i];
    const Tensor& v = c.inputs[2 * i + 1];
    ok = IsMask(m) && m.numel() == c.inputs[0].numel() && v.dtype() == v0.dtype() && v.dim() >= 1 && v0.dim() >= 1 &&
         std::vector<int64_t>(v.sizes().begin() + 1, v.sizes().end()) ==
             std::vector<int64_t>(v0.sizes().begin() + 1, v0.sizes().end());
  }
  if (ok) {
    const int64_t s = c.inputs[0].numel();
    std::vector<int64_t> used(pairs, 0);
    for (int64_t p = 0; p < s && ok; ++p) {
      int i = 0;
      while (i < pairs && !c.inputs[2 * i].data<bool>()[p]) ++i;
      if (i == pairs) ok = false;
      else ++used[i];
    }
    for (int i = 0; i < pairs && ok; ++i) ok = used[i] == c.inputs[2 * i + 1].size(0);
  }
  c.valid = ok;
  return c;
}

void CheckBooleanUnmask(const Case& c, caffe2::Workspace& ws, const std::string& what) {
  const int pairs = static_cast<int>(c.inputs.size() / 2);
  const Tensor& v0 = c.inputs[1];
  const int64_t size = c.inputs[0].numel();
  std::vector<int64_t> dims = v0.sizes();
  dims[0] = size;
  const Tensor& out = caffe2::BlobGetTensor(*ws.GetBlob("unmasked"));
  ExpectShape(out, v0.dtype(), dims, what);
  const int64_t row = v0.size_from_dim(1);
  std::vector<int64_t> next(pairs, 0);
  for (int64_t p = 0; p < size; ++p) {
    int i = 0;
    while (!c.inputs[2 * i].data<bool>()[p]) ++i;
    for (int64_t j = 0; j < row; ++j) {
      if (!SameElement(out, p * row + j, c.inputs[2 * i + 1], next[i] * row + j)) {
        Fail("BooleanUnmask: wrong value", what);
      }
    }
    ++next[i];
  }
}

float FillValue(ByteReader& r) {
  switch (r.Pick(7)) {
    case 0: return std::numeric_limits<float>::quiet_NaN();
    case 1: return std::numeric_limits<float>::infinity();
    case 2: return -std::numeric_limits<float>::infinity();
    case 3: return r.Raw<float>();
    case 4: return 65536.0f * 65536.0f;  // beyond float16
    default: return static_cast<float>(r.Range(-4, 4)) * 0.5f;
  }
}

const char* const kModes[] = {"sequence", "window", "upper", "lower", "upperdiag", "lowerdiag"};

struct SequenceMaskCase {
  Case c;
  caffe2::testing::ref::SequenceMaskArgs args;
  bool in_place = false;
};

SequenceMaskCase MakeSequenceMaskCase(ByteReader& r) {
  SequenceMaskCase s;
  Case& c = s.c;
  c.predicts_validity = false;
  static const TypeMeta kTypes[] = {TypeMeta::Make<float>(), TypeMeta::Make<double>(), TypeMeta::Make<float16>()};
  std::vector<int64_t> dims = Shape(r, r.Pick(10) == 0 ? 0 : 1, 4, 4);
  const int ndim = static_cast<int>(dims.size());
  c.inputs.push_back(MakeTensor(r, r.Pick(8) == 0 ? AnyType(r) : kTypes[r.Pick(3)], dims));
  const size_t mode = r.Pick(7);
  s.args.mode = mode < 6 ? kModes[mode] : (r.Bool() ? "" : "Sequence");
  std::vector<Argument> args{caffe2::MakeArgument<std::string>("mode", s.args.mode)};
  if (r.Pick(3) != 0) {
    s.args.axis = static_cast<int>(r.Range(-ndim - 1, ndim));
    args.push_back(caffe2::MakeArgument<int>("axis", s.args.axis));
  }
  if (r.Pick(3) == 0) {
    s.args.batch = static_cast<int>(r.Range(-ndim - 1, ndim));
    args.push_back(caffe2::MakeArgument<int>("batch", *s.args.batch));
  }
  if (r.Pick(4) == 0) {
    s.args.repeat_from_axis = static_cast<int>(r.Range(-ndim - 1, ndim));
    args.push_back(caffe2::MakeArgument<int>("repeat_from_axis", *s.args.repeat_from_axis));
  }
  if (r.Bool()) {
    switch (r.Pick(4)) {
      case 0: s.args.radius = r.Raw<int64_t>(); break;
      case 1: s.args.radius = r.Bool() ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min(); break;
      default: s.args.radius = r.Range(-2, 4);
    }
    args.push_back(caffe2::MakeArgument<int64_t>("radius", s.args.radius));
  }
  if (r.Bool()) {
    s.args.grad = r.Bool();
    args.push_back(caffe2::MakeArgument<bool>("grad", s.args.grad));
  }
  if (r.Bool()) {
    s.args.fill_val = FillValue(r);
    args.push_back(caffe2::MakeArgument<float>("fill_val", s.args.fill_val));
  }
  // The second input: for the two modes that take one, and sometimes for the others (an error).
  const bool needs_second = s.args.mode == "sequence" || s.args.mode == "window";
  std::vector<std::string> inputs{"input"};
  if (needs_second ? r.Pick(10) != 0 : r.Pick(10) == 0) {
    int64_t rows = 1;
    const int axis = s.args.axis < 0 ? s.args.axis + ndim : s.args.axis;
    const int first = s.args.batch ? (*s.args.batch < 0 ? *s.args.batch + ndim : *s.args.batch) + 1 : 0;
    for (int d = std::max(first, 0); d < std::min(axis, ndim); ++d) rows *= dims[d];
    if (r.Pick(6) == 0) rows = std::max<int64_t>(0, rows + r.Range(-2, 2));
    std::vector<int32_t> second;
    for (int64_t i = 0; i < std::min<int64_t>(rows, kMaxElements); ++i) {
      switch (r.Pick(12)) {
        case 0: second.push_back(std::numeric_limits<int32_t>::max()); break;
        case 1: second.push_back(std::numeric_limits<int32_t>::min()); break;
        default: second.push_back(static_cast<int32_t>(r.Range(-2, 6)));
      }
    }
    Tensor t = MakeTyped<int32_t>({static_cast<int64_t>(second.size())}, second);
    if (r.Pick(10) == 0) t = MakeTensor(r, AnyType(r), Shape(r, 0, 2));
    c.inputs.push_back(std::move(t));
    inputs.push_back("second");
  }
  s.in_place = r.Pick(4) == 0;
  c.def = caffe2::CreateOperatorDef("SequenceMask", "", inputs, {s.in_place ? "input" : "output"}, args);
  return s;
}

template <typename T>
bool FillMatches(T got, float fill_val, bool grad) {
  const T want = grad ? T(0.0f) : T(fill_val);
  const double g = static_cast<double>(static_cast<float>(got));
  const double w = static_cast<double>(static_cast<float>(want));
  if constexpr (std::is_same_v<T, double>) {
    return (std::isnan(got) && std::isnan(want)) || got == want;
  }
  return (std::isnan(g) && std::isnan(w)) || g == w;
}

void CheckSequenceMask(const SequenceMaskCase& s, caffe2::Workspace& ws, const std::string& what) {
  const Tensor& in = s.c.inputs[0];
  const Tensor& out = caffe2::BlobGetTensor(*ws.GetBlob(s.in_place ? "input" : "output"));
  ExpectShape(out, in.dtype(), in.sizes(), what);
  if (!(in.IsType<float>() || in.IsType<double>() || in.IsType<float16>())) {
    Fail("SequenceMask accepted a dtype other than float, double and float16", what);
  }
  if (s.args.mode != "sequence" && s.args.repeat_from_axis) Fail("SequenceMask accepted repeat_from_axis outside sequence mode", what);
  if (s.args.batch && s.args.repeat_from_axis) Fail("SequenceMask accepted batch together with repeat_from_axis", what);
  std::vector<int32_t> second;
  // The triangle modes ignore a second input, as Caffe2 did.
  if (s.c.inputs.size() == 2 && (s.args.mode == "sequence" || s.args.mode == "window")) {
    const Tensor& t = s.c.inputs[1];
    if (!t.IsType<int32_t>()) Fail("SequenceMask accepted a second input that is not int32", what);
    second.assign(t.data<int32_t>(), t.data<int32_t>() + t.numel());
  }
  std::vector<bool> masked;
  try {
    masked = caffe2::testing::ref::SequenceMaskPattern(in.sizes(), s.args, second);
  } catch (const std::exception& e) {
    // out_of_range: fewer lengths/centers than rows; invalid_argument: an axis out of range.
    if (in.numel() == 0) return;
    Fail("SequenceMask accepted what the reference cannot evaluate", what + e.what());
  }
  VisitType(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, float16>) {
      for (int64_t e = 0; e < in.numel(); ++e) {
        const bool ok = masked[e] ? FillMatches<T>(out.data<T>()[e], s.args.fill_val, s.args.grad)
                                  : SameElement(out, e, in, e);
        if (!ok) Fail("SequenceMask: wrong value", MakeString(what, "at element ", e, masked[e] ? " (masked)" : ""));
      }
    }
  });
}

// Puts a leftover tensor in an output blob, so the operator must resize (or reuse) it correctly.
void MaybeJunkOutput(ByteReader& r, caffe2::Workspace& ws, const std::string& name) {
  if (r.Pick(4) != 0) return;
  *caffe2::BlobGetMutableTensor(ws.CreateBlob(name)) = MakeTensor(r, AnyType(r), Shape(r, 0, 3));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  caffe2::fuzz::LowerLimits();
  ByteReader r(data, size);
  const size_t op = r.Pick(5);
  SequenceMaskCase seq;
  Case c;
  switch (op) {
    case 0: c = BooleanMaskCase(r); break;
    case 1: c = BooleanMaskGradientCase(r); break;
    case 2: c = BooleanMaskLengthsCase(r); break;
    case 3: c = BooleanUnmaskCase(r); break;
    default: seq = MakeSequenceMaskCase(r); c = std::move(seq.c);
  }
  const std::string what = Describe(c.def, c.inputs);

  caffe2::Workspace ws;
  for (int i = 0; i < c.def.input_size(); ++i) {
    BlobGetMutableTensor(ws.CreateBlob(c.def.input(i)))->CopyFrom(c.inputs[i]);
  }
  for (const std::string& name : c.def.output()) MaybeJunkOutput(r, ws, name);
  const int runs = r.Bool() ? 2 : 1;
  bool succeeded = true;
  std::string error;
  try {
    for (int run = 0; run < runs; ++run) {
      // An in-place SequenceMask must see the original input on every run.
      if (run > 0 && op >= 4 && seq.in_place) BlobGetMutableTensor(ws.GetBlob("input"))->CopyFrom(c.inputs[0]);
      ws.RunOperatorOnce(c.def);
    }
  } catch (const caffe2::EnforceNotMet& e) {
    succeeded = false;
    error = e.what();
  }
  if (!succeeded) {
    if (error.empty()) Fail("an error without a message", what);
    if (c.predicts_validity && c.valid) Fail("the operator rejected an input the specification accepts", what + error);
    return 0;
  }
  if (c.predicts_validity && !c.valid) Fail("the operator accepted an input the specification rejects", what);
  switch (op) {
    case 0: CheckBooleanMask(c, ws, what); break;
    case 1: CheckBooleanMaskGradient(c, ws, what); break;
    case 2: CheckBooleanMaskLengths(c, ws, what); break;
    case 3: CheckBooleanUnmask(c, ws, what); break;
    default: seq.c = std::move(c); CheckSequenceMask(seq, ws, what);
  }
  return 0;
}
