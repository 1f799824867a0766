#include "caffe2_mask/io/npy.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/internal/error_prefix.h"
#include "caffe2_mask/io/internal/input_file.h"
#include "caffe2_mask/io/internal/utf8.h"
#include "caffe2_mask/io/limits.h"

namespace caffe2 {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              ".npy data is read as little-endian; a big-endian host needs byte swapping here");

using io_internal::AppendUtf8;
using io_internal::DecodeUtf8;
using io_internal::Prefix;
using io_internal::WithPrefix;

namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicLength = 6;

struct NpyDtype {
  TypeMeta meta;
  char kind = 0;          // 'f', 'i', 'u', 'b', 'U', 'S'
  int64_t itemsize = 0;   // bytes per element in the file
  int64_t chars = 0;      // for 'U' and 'S': characters per element
};

// The little parser for the header dict NumPy writes: {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), }.
class NpyHeaderParser {
 public:
  NpyHeaderParser(const std::string& text, const std::string& where) : text_(text), where_(where) {}

  void Parse(std::string* descr, bool* fortran_order, std::vector<int64_t>* shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    Expect('{');
    while (true) {
      SkipSpace();
      if (Peek() == '}') {
        ++pos_;
        break;
      }
      const std::string key = ParseString();
      Expect(':');
      SkipSpace();
      if (key == "descr") {
        if (Peek() == '[') {
          Fail("has a structured dtype (descr is a list of fields), which is not supported; save "
               "each field as its own array");
        }
        *descr = ParseString();
        have_descr = true;
      } else if (key == "fortran_order") {
        *fortran_order = ParseBool();
        have_order = true;
      } else if (key == "shape") {
        *shape = ParseShape();
        have_shape = true;
      } else {
        Fail("has an unexpected header key '" + key + "'");
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      Expect('}');
      break;
    }
    if (!have_descr || !have_order || !have_shape) {
      Fail("has a header without 'descr', 'fortran_order' and 'shape'");
    }
  }

 private:
  [[noreturn]] void Fail(const std::string& what) {
    CAFFE_THROW(where_, "the .npy file ", what, " (header: ", text_, ")");
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void Expect(char c) {
    SkipSpace();
    if (Peek() != c) Fail(std::string("has a malformed header: expected '") + c + "' at offset " +
                          std::to_string(pos_));
    ++pos_;
  }
  std::string ParseString() {
    SkipSpace();
    const char quote = Peek();
    if (quote != '\'' && quote != '"') Fail("has a malformed header: expected a quoted string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) Fail("has a malformed header: unterminated string");
    std::string s = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return s;
  }
  bool ParseBool() {
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    Fail("has a malformed header: fortran_order is neither True nor False");
  }
  std::vector<int64_t> ParseShape() {
    std::vector<int64_t> shape;
    Expect('(');
    while (true) {
      SkipSpace();
      if (Peek() == ')') {
        ++pos_;
        return shape;
      }
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
        Fail("has a malformed shape: expected a non-negative integer");
      }
      int64_t value = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, Peek() - '0', &value)) {
          Fail("has a shape dim that does not fit 64 bits");
        }
        ++pos_;
      }
      if (Peek() == 'L') ++pos_;  // Python 2 long suffix
      shape.push_back(value);
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ')') {
        Fail("has a malformed shape: expected ',' or ')'");
      }
    }
  }

  const std::string& text_;
  const std::string& where_;
  size_t pos_ = 0;
};

NpyDtype ParseNpyDescr(const std::string& descr, const std::string& where) {
  const std::string supported =
      "supported: <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 |b1, <U<n> (str) and |S<n> (bytes)";
  CAFFE_ENFORCE(descr.size() >= 2, where, "the .npy dtype '", descr, "' is not understood; ", supported);
  const char order = descr[0];
  const char kind = descr[1];
  CAFFE_ENFORCE(order == '<' || order == '>' || order == '|' || order == '=', where, "the .npy dtype '",
                descr, "' is not understood; ", supported);
  if (kind == 'O') {
    CAFFE_THROW(where, "the .npy file holds Python objects (dtype '", descr,
                "'), which cannot be read without running Python; save a numeric or fixed-width "
                "string array instead (for strings: arr.astype(str))");
  }
  int64_t size = 0;
  const std::string digits = descr.substr(2);
  bool digits_ok = !digits.empty() && digits.size() <= 12;
  for (char c : digits) digits_ok = digits_ok && std::isdigit(static_cast<unsigned char>(c));
  CAFFE_ENFORCE(digits_ok, where, "the .npy dtype '", descr, "' is not supported; ", supported);
  size = std::stoll(digits);
  NpyDtype dtype;
  dtype.kind = kind;
  if (kind == 'U' || kind == 'S') {
    // Checked before 4 * size, which must not overflow.
    CAFFE_ENFORCE_LE(size, GetSerializationLimits().max_string_bytes, where, "the .npy dtype '", descr,
                     "' has strings longer than the string limit (caffe2_mask_run --max_string_bytes)");
    dtype.meta = TypeMeta::Make<std::string>();
    dtype.chars = size;
    dtype.itemsize = kind == 'U' ? 4 * size : size;
  } else {
    dtype.itemsize = size;
    const std::string key = std::string(1, kind) + digits;
    if (key == "f2") dtype.meta = TypeMeta::Make<float16>();
    else if (key == "f4") dtype.meta = TypeMeta::Make<float>();
    else if (key == "f8") dtype.meta = TypeMeta::Make<double>();
    else if (key == "i1") dtype.meta = TypeMeta::Make<int8_t>();
    else if (key == "i2") dtype.meta = TypeMeta::Make<int16_t>();
    else if (key == "i4") dtype.meta = TypeMeta::Make<int32_t>();
    else if (key == "i8") dtype.meta = TypeMeta::Make<int64_t>();
    else if (key == "u1") dtype.meta = TypeMeta::Make<uint8_t>();
    else if (key == "u2") dtype.meta = TypeMeta::Make<uint16_t>();
    else if (key == "b1") dtype.meta = TypeMeta::Make<bool>();
    else CAFFE_THROW(where, "the .npy dtype '", descr, "' has no tensor type here; ", supported);
  }
  if (order == '>' && dtype.itemsize > 1 && kind != 'S') {
    CAFFE_THROW(where, "the .npy file is big-endian (dtype '", descr,
                "'); save it little-endian: arr.astype(arr.dtype.newbyteorder('<'))");
  }
  return dtype;
}

uint32_t ReadLE32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

const char* NpyDescrFor(TypeMeta meta) {
  if (meta.Match<float>()) return "<f4";
  if (meta.Match<double>()) return "<f8";
  if (meta.Match<float16>()) return "<f2";
  if (meta.Match<int8_t>()) return "|i1";
  if (meta.Match<int16_t>()) return "<i2";
  if (meta.Match<int32_t>()) return "<i4";
  if (meta.Match<int64_t>()) return "<i8";
  if (meta.Match<uint8_t>()) return "|u1";
  if (meta.Match<uint16_t>()) return "<u2";
  if (meta.Match<bool>()) return "|b1";
  return nullptr;
}

}  // namespace

bool IsNpy(const std::string& content) {
  return content.size() >= kNpyMagicLength && content.compare(0, kNpyMagicLength, kNpyMagic) == 0;
}

namespace {

// Where a .npy file's bytes come from: a string in memory or a file read in place.
using ReadBytes = std::function<void(int64_t offset, void* dst, size_t n)>;

// The .npy reader, for bytes of `total` size that `read` fetches: the preamble and header first, every
// check on them (limits included, through the tensor's resize) before the data is allocated, then the
// data straight into the tensor (strings through one transient buffer, converted element by element).
void TensorFromNpyBytes(int64_t total, const ReadBytes& read, Tensor* tensor, const std::string& where) {
  CAFFE_ENFORCE(tensor != nullptr, "TensorFromNpy needs an output tensor");
  char preamble[12];
  CAFFE_ENFORCE_GE(total, int64_t{10}, where, "the .npy file is truncated inside its preamble");
  read(0, preamble, 10);
  CAFFE_ENFORCE(std::memcmp(preamble, kNpyMagic, kNpyMagicLength) == 0, where,
                "not a .npy file (it does not start with \\x93NUMPY)");
  const int major = static_cast<unsigned char>(preamble[6]);
  const int minor = static_cast<unsigned char>(preamble[7]);
  int64_t header_start, header_len;
  if (major == 1) {
    header_start = 10;
    header_len = static_cast<unsigned char>(preamble[8]) | (static_cast<unsigned char>(preamble[9]) << 8);
  } else if (major == 2 || major == 3) {
    CAFFE_ENFORCE_GE(total, int64_t{12}, where, "the .npy file is truncated inside its preamble");
    read(10, preamble + 10, 2);
    header_start = 12;
    header_len = ReadLE32(preamble + 8);
  } else {
    CAFFE_THROW(where, "the .npy format version ", major, ".", minor,
                " is not supported (supported: 1.0, 2.0, 3.0)");
  }
  CAFFE_ENFORCE(header_len <= total - header_start, where, "the .npy file is truncated: its header says ",
                header_len, " bytes, but only ", total - header_start, " follow");
  std::string header(static_cast<size_t>(header_len), '\0');
  read(header_start, header.data(), header.size());
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  NpyHeaderParser(header, where).Parse(&descr, &fortran_order, &shape);
  const NpyDtype dtype = ParseNpyDescr(descr, where);
  const int64_t numel = WithPrefix(where, [&] { return CheckedNumel(shape, ".npy shape"); });
  if (fortran_order) {
    int big_dims = 0;
    for (int64_t d : shape) big_dims += d > 1;
    CAFFE_ENFORCE(big_dims <= 1, where, "the .npy file is in Fortran (column-major) order, shape ",
                  ShapeString(shape), "; save it in C order: np.save(path, np.ascontiguousarray(arr))");
  }
  int64_t data_bytes = 0;
  CAFFE_ENFORCE(!__builtin_mul_overflow(numel, dtype.itemsize, &data_bytes), where, "the .npy shape ",
                ShapeString(shape), " of '", descr, "' needs more bytes than 64 bits can count");
  const int64_t data_start = header_start + header_len;
  const int64_t available = total - data_start;
  CAFFE_ENFORCE(available >= data_bytes, where, "the .npy data is truncated: shape ", ShapeString(shape),
                " of '", descr, "' needs ", data_bytes, " bytes, but the file holds ", available);
  CAFFE_ENFORCE(available == data_bytes, where, "the .npy file has ", available - data_bytes,
                " bytes after the data of shape ", ShapeString(shape), " of '", descr,
                "' (several arrays in one file are not supported)");

  Tensor result;
  WithPrefix(where, [&] {
    result.Resize(shape);
    result.raw_mutable_data(dtype.meta);
  });
  if (numel > 0) {
    void* out = result.raw_mutable_data(dtype.meta);
    if (dtype.kind == 'U' || dtype.kind == 'S') {
      std::string buffer(static_cast<size_t>(data_bytes), '\0');
      read(data_start, buffer.data(), buffer.size());
      const char* data = buffer.data();
      auto* strings = static_cast<std::string*>(out);
      for (int64_t i = 0; i < numel; ++i) {
        const char* item = data + i * dtype.itemsize;
        std::string& s = strings[i];
        if (dtype.kind == 'S') {
          size_t len = static_cast<size_t>(dtype.chars);
          while (len > 0 && item[len - 1] == '\0') --len;
          s.assign(item, len);
        } else {
          int64_t len = dtype.chars;
          while (len > 0 && ReadLE32(item + 4 * (len - 1)) == 0) --len;
          for (int64_t k = 0; k < len; ++k) {
            const uint32_t cp = ReadLE32(item + 4 * k);
            CAFFE_ENFORCE(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF), where, "the .npy string ", i,
                          " holds an invalid code point ", cp);
            AppendUtf8(&s, cp);
          }
        }
      }
    } else {
      read(data_start, out, static_cast<size_t>(data_bytes));
      if (dtype.kind == 'b') {
        auto* bytes = static_cast<uint8_t*>(out);
        for (int64_t i = 0; i < numel; ++i) bytes[i] = bytes[i] != 0;
      }
    }
  }
  *tensor = std::move(result);
}

}  // namespace

void TensorFromNpy(const std::string& content, Tensor* tensor, const std::string& source) {
  const std::string where = Prefix(source);
  CAFFE_ENFORCE(IsNpy(content), where, "not a .npy file (it does not start with \\x93NUMPY)");
  TensorFromNpyBytes(static_cast<int64_t>(content.size()),
                     [&](int64_t offset, void* dst, size_t n) { std::memcpy(dst, content.data() + offset, n); },
                     tensor, where);
}

void TensorFromNpyFile(const io_internal::InputFile& file, Tensor* tensor) {
  TensorFromNpyBytes(file.size(), [&](int64_t offset, void* dst, size_t n) { file.ReadAt(offset, dst, n); },
                     tensor, "file '" + file.path() + "': ");
}

void WriteNpy(const Tensor& tensor, const ByteSink& sink) {
  CAFFE_ENFORCE(tensor.dtype().defined(), "tensor ", tensor.DebugString(),
                " has no dtype (it was never written), so it cannot be saved as .npy");
  const int64_t n = tensor.numel();
  std::string descr;
  // Strings: '<U' (NumPy str) when every string is valid UTF-8 without NUL, otherwise '|S' (bytes);
  // the widths come from a first pass, and each element is encoded on its own as it is written.
  bool unicode = true;
  size_t max_chars = 1, max_bytes = 1;
  const bool is_string = tensor.IsType<std::string>();
  if (is_string) {
    const std::string* strings = tensor.data<std::string>();
    std::vector<uint32_t> decoded;
    for (int64_t i = 0; i < n; ++i) {
      max_bytes = std::max(max_bytes, strings[i].size());
      if (unicode) {
        unicode = DecodeUtf8(strings[i], &decoded);
        for (uint32_t cp : decoded) unicode = unicode && cp != 0;
        max_chars = std::max(max_chars, decoded.size());
      }
    }
    descr = unicode ? "<U" + std::to_string(max_chars) : "|S" + std::to_string(max_bytes);
  } else {
    const char* d = NpyDescrFor(tensor.dtype());
    CAFFE_ENFORCE(d != nullptr, "dtype ", tensor.dtype().name(), " has no .npy equivalent");
    descr = d;
  }
  std::string shape = "(";
  for (size_t i = 0; i < tensor.sizes().size(); ++i) {
    shape += std::to_string(tensor.sizes()[i]);
    shape += tensor.sizes().size() == 1 ? "," : (i + 1 < tensor.sizes().size() ? ", " : "");
  }
  shape += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces and a newline so the data starts at a multiple of 64 bytes, as NumPy does.
  size_t preamble = 10;
  size_t total = preamble + header.size() + 1;
  bool v2 = false;
  if (total + (64 - total % 64) % 64 - preamble > 65535) {
    v2 = true;
    preamble = 12;
    total = preamble + header.size() + 1;
  }
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string head(kNpyMagic, kNpyMagicLength);
  head.push_back(static_cast<char>(v2 ? 2 : 1));
  head.push_back('\0');
  const uint32_t len = static_cast<uint32_t>(header.size());
  head.push_back(static_cast<char>(len & 0xFF));
  head.push_back(static_cast<char>((len >> 8) & 0xFF));
  if (v2) {
    head.push_back(static_cast<char>((len >> 16) & 0xFF));
    head.push_back(static_cast<char>((len >> 24) & 0xFF));
  }
  head += header;
  sink(head.data(), head.size());
  if (!is_string) {
    // The tensor's own buffer, as it is: no copy.
    if (tensor.nbytes() > 0) sink(static_cast<const char*>(tensor.raw_data()), static_cast<size_t>(tensor.nbytes()));
    return;
  }
  const std::string* strings = tensor.data<std::string>();
  const size_t item_bytes = unicode ? max_chars * 4 : max_bytes;
  // Elements gathered into chunks of about 1 MiB, so a million short strings are not a million writes.
  const size_t per_chunk = std::max<size_t>(1, (size_t{1} << 20) / item_bytes);
  std::string chunk;
  std::vector<uint32_t> decoded;
  for (int64_t i = 0; i < n;) {
    const int64_t end = std::min<int64_t>(n, i + static_cast<int64_t>(per_chunk));
    chunk.assign(static_cast<size_t>(end - i) * item_bytes, '\0');
    for (int64_t k = i; k < end; ++k) {
      char* item = chunk.data() + static_cast<size_t>(k - i) * item_bytes;
      if (unicode) {
        DecodeUtf8(strings[k], &decoded);
        for (size_t c = 0; c < decoded.size(); ++c) std::memcpy(item + 4 * c, &decoded[c], 4);
      } else {
        std::memcpy(item, strings[k].data(), strings[k].size());
      }
    }
    sink(chunk.data(), chunk.size());
    i = end;
  }
}

std::string TensorToNpy(const Tensor& tensor) {
  std::string out;
  WriteNpy(tensor, [&](const char* data, size_t size) { out.append(data, size); });
  return out;
}

}  // namespace caffe2
