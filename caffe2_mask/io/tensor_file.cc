#include "caffe2_mask/io/tensor_file.h"

#include <algorithm>
#include <climits>
#include <optional>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/blob_serialization.h"
#include "caffe2_mask/io/file_io.h"
#include "caffe2_mask/io/internal/error_prefix.h"
#include "caffe2_mask/io/internal/input_file.h"
#include "caffe2_mask/io/internal/proto_parse.h"
#include "caffe2_mask/io/npy.h"
#include "caffe2_mask/io/tensor_proto.h"

namespace caffe2 {

using io_internal::HasUnknownFields;
using io_internal::LooksLikeText;
using io_internal::CheckTensorHeaders;
using io_internal::CheckTextTensorHeaders;
using io_internal::ParseResult;
using io_internal::TensorMessage;
using io_internal::TopLevelFieldsKnown;
using io_internal::Prefix;
using io_internal::TryParseBinary;
using io_internal::TryParseText;

const char* TensorFileFormatName(TensorFileFormat format) {
  switch (format) {
    case TensorFileFormat::kBlobProto: return "BlobProto";
    case TensorFileFormat::kTensorProto: return "TensorProto";
    case TensorFileFormat::kNpy: return "npy";
  }
  return "?";
}

TensorFileInfo TensorFromString(const std::string& content, Tensor* tensor, const std::string& source) {
  const std::string where = Prefix(source);
  TensorFileInfo info;
  CAFFE_ENFORCE(!content.empty(), where,
                "it is empty; expected a BlobProto, a TensorProto (binary or text) or a .npy file");
  if (IsNpy(content)) {
    info.format = TensorFileFormat::kNpy;
    TensorFromNpy(content, tensor, source);
    return info;
  }
  // Protobuf's binary format does not say which message it holds, so each candidate is parsed and
  // must also make a valid tensor; the first that does wins. Text format is unambiguous.
  BlobProto blob;
  TensorProto single;
  TensorProtos several;
  google::protobuf::Message* candidates[] = {&blob, &single, &several};
  const TensorMessage kinds[] = {TensorMessage::kBlobProto, TensorMessage::kTensorProto, TensorMessage::kTensorProtos};
  ParseResult text_results[3];
  // True when a candidate made a tensor; a conversion error of the first plausible candidate is kept.
  // Binary candidates with unknown fields are tried only after every candidate without them failed:
  // unknown fields tell the candidates apart, but a file from a newer writer may carry some.
  auto attempt = [&](bool as_text, std::string* conversion_error, bool allow_unknown = false) {
    for (int c = 0; c < 3; ++c) {
      google::protobuf::Message* message = candidates[c];
      if (!as_text && !allow_unknown && !TopLevelFieldsKnown(content, message->GetDescriptor())) continue;
      if (as_text) {
        // Limits first, as for binary below; a text's message type is certain once it parses, so a
        // refusal is the answer.
        CheckTextTensorHeaders(content, kinds[c], where);
      }
      if (!as_text) {
        // Limits first: a candidate whose header asks for too much is refused before its values are parsed.
        try {
          CheckTensorHeaders(content, kinds[c], where);
        } catch (const EnforceNotMet& e) {
          // Every top-level field known: the file is this message, so its refusal is the answer (trying
          // the other candidates would copy the payload into their unknown fields).
          if (!allow_unknown) throw;
          if (conversion_error->empty()) *conversion_error = e.msg();
          continue;
        }
      }
      const ParseResult parse = as_text ? TryParseText(content, message) : TryParseBinary(content, message);
      if (as_text) text_results[c] = parse;
      if (!parse.ok || (!as_text && !allow_unknown && HasUnknownFields(*message))) continue;
      try {
        if (message == &blob) {
          // Without a tensor field it is a BlobProto only if it names a type (a non-tensor blob).
          if (!blob.has_tensor() && blob.type().empty()) continue;
          info.format = TensorFileFormat::kBlobProto;
          info.stored_name = blob.name();
          TensorFromBlobProto(blob, tensor, source);
        } else if (message == &single) {
          info.format = TensorFileFormat::kTensorProto;
          info.stored_name = single.name();
          TensorFromProto(single, tensor, source);
        } else {
          if (several.protos_size() == 0) continue;
          CAFFE_ENFORCE_EQ(several.protos_size(), 1, where, "the TensorProtos holds ", several.protos_size(),
                           " tensors; an input file must hold exactly one");
          info.format = TensorFileFormat::kTensorProto;
          info.stored_name = several.protos(0).name();
          TensorFromProto(several.protos(0), tensor, source);
        }
        info.proto_format = as_text ? ProtoFormat::kText : ProtoFormat::kBinary;
        return true;
      } catch (const EnforceNotMet& e) {
        // In text format the message type is certain, so its error is the answer.
        if (as_text) throw;
        if (conversion_error->empty()) *conversion_error = e.msg();
      }
    }
    return false;
  };
  std::string conversion_error;
  if (LooksLikeText(content)) {
    if (attempt(true, &conversion_error)) return info;
    // Rarely, a binary message is all printable bytes.
    if (attempt(false, &conversion_error)) return info;
    const ParseResult* best = &text_results[0];
    int best_index = 0;
    for (int c = 0; c < 3; ++c) {
      if (text_results[c].ok || text_results[c].progress > best->progress) {
        best = &text_results[c];
        best_index = c;
      }
    }
    if (best->ok) {
      CAFFE_THROW(where, "the text holds no tensor; expected a BlobProto with a tensor field, a "
                         "TensorProto or a .npy file");
    }
    CAFFE_THROW(where, "cannot parse it as a text-format BlobProto or TensorProto: ",
                candidates[best_index]->GetTypeName(), " ", best->error);
  }
  if (attempt(false, &conversion_error)) return info;
  if (attempt(false, &conversion_error, /*allow_unknown=*/true)) return info;
  if (!conversion_error.empty()) CAFFE_THROW(conversion_error);
  CAFFE_THROW(where, "it is neither a .npy file nor a binary or text BlobProto or TensorProto (",
              content.size(), " bytes that do not parse as any of them)");
}

namespace {

// ---- Large binary BlobProto / TensorProto files: the values read in place ----
// The bytes of the one field that carries a tensor's values (raw_data, byte_data, or packed
// float_data, double_data, int32_data, int64_data) are left in the file: the rest of the message (a few bytes: dims, data_type,
// name, ...) is copied into memory without them, checked and parsed by protobuf as usual, and the
// values are then read from the file straight into the tensor. Memory: the tensor and the small rest,
// instead of the file, the parsed message and the tensor. Whenever the file is not plainly one of
// these shapes the whole-file reader decides (same answers, more memory).

struct WireField {
  int number = 0;
  int wire = 0;
  int64_t start = 0;  // the tag
  int64_t value = 0;  // the value (after the length, for length-delimited fields)
  int64_t end = 0;    // one past the field
};

enum class Scan { kOk, kMalformed, kUnsupported };

// The fields of the wire-format message in [begin, end) of `file`, read through a small window; the
// values are skipped, not read.
class WireScanner {
 public:
  explicit WireScanner(const io_internal::InputFile& file) : file_(file) {}

  Scan Fields(int64_t begin, int64_t end, std::vector<WireField>* fields) {
    fields->clear();
    int64_t pos = begin;
    while (pos < end) {
      WireField f;
      f.start = pos;
      uint64_t tag;
      if (!Varint(&pos, end, &tag) || tag > UINT32_MAX) return Scan::kMalformed;
      f.number = static_cast<int>(tag >> 3);
      f.wire = static_cast<int>(tag & 7);
      if (f.number == 0) return Scan::kMalformed;
      uint64_t v;
      switch (f.wire) {
        case 0:
          if (!Varint(&pos, end, &v)) return Scan::kMalformed;
          break;
        case 1: pos += 8; break;
        case 5: pos += 4; break;
        case 2:
          if (!Varint(&pos, end, &v) || v > static_cast<uint64_t>(end - pos)) return Scan::kMalformed;
          f.value = pos;
          pos += static_cast<int64_t>(v);
          break;
        default: return Scan::kUnsupported;  // groups: left to protobuf
      }
      if (pos > end) return Scan::kMalformed;
      f.end = pos;
      // Millions of fields (unpacked values) are no shape for this reader.
      if (fields->size() >= 4096) return Scan::kUnsupported;
      fields->push_back(f);
    }
    return Scan::kOk;
  }

  std::string Bytes(int64_t begin, int64_t end) const {
    std::string out(static_cast<size_t>(end - begin), '\0');
    if (!out.empty()) file_.ReadAt(begin, out.data(), out.size());
    return out;
  }

 private:
  bool Varint(int64_t* pos, int64_t end, uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (*pos >= end) return false;
      const uint8_t b = Byte(*pos);
      ++*pos;
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  uint8_t Byte(int64_t pos) {
    if (pos < window_start_ || pos >= window_start_ + window_size_) {
      window_start_ = pos;
      window_size_ = std::min<int64_t>(static_cast<int64_t>(sizeof window_), file_.size() - pos);
      file_.ReadAt(pos, window_, static_cast<size_t>(window_size_));
    }
    return static_cast<uint8_t>(window_[pos - window_start_]);
  }

  const io_internal::InputFile& file_;
  char window_[1 << 16];
  int64_t window_start_ = 0, window_size_ = 0;
};

// Reads [begin, end) of `file` in chunks of 1 MiB, calling `body(bytes, n)` for each.
template <typename Body>
void ForEachChunk(const io_internal::InputFile& file, int64_t begin, int64_t end, Body body) {
  std::vector<char> chunk(size_t{1} << 20);
  for (int64_t pos = begin; pos < end;) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(end - pos, static_cast<int64_t>(chunk.size())));
    file.ReadAt(pos, chunk.data(), n);
    body(reinterpret_cast<const uint8_t*>(chunk.data()), n);
    pos += static_cast<int64_t>(n);
  }
}

// The number of varints in [begin, end), or nothing when they are not well formed as protobuf reads a
// packed field (each at most 10 bytes, the last one complete).
std::optional<int64_t> CountVarints(const io_internal::InputFile& file, int64_t begin, int64_t end) {
  int64_t count = 0;
  int run = 0;  // bytes of the varint being read
  bool ok = true;
  ForEachChunk(file, begin, end, [&](const uint8_t* bytes, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      ++run;
      if ((bytes[i] & 0x80) == 0) {
        ++count;
        run = 0;
      } else if (run >= 10) {
        ok = false;
      }
    }
  });
  if (!ok || run != 0) return std::nullopt;
  return count;
}

// Decodes the (well-formed, CountVarints) varints of [begin, end) into chunks of 64 Ki values.
void DecodeVarints(const io_internal::InputFile& file, int64_t begin, int64_t end,
                   const io_internal::SplicedPayload::VarintSink& sink) {
  std::vector<uint64_t> values(size_t{1} << 16);
  size_t used = 0;
  int64_t first = 0;
  uint64_t value = 0;
  int shift = 0;
  ForEachChunk(file, begin, end, [&](const uint8_t* bytes, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      value |= static_cast<uint64_t>(bytes[i] & 0x7F) << shift;
      shift += 7;
      if ((bytes[i] & 0x80) != 0) continue;
      values[used++] = value;
      value = 0;
      shift = 0;
      if (used == values.size()) {
        sink(values.data(), first, static_cast<int64_t>(used));
        first += static_cast<int64_t>(used);
        used = 0;
      }
    }
  });
  if (used > 0) sink(values.data(), first, static_cast<int64_t>(used));
}

// The field of a TensorProto's `fields` whose bytes can stay in the file, or null: the largest
// length-delimited raw_data, byte_data or packed float_data, double_data, int32_data, int64_data, the
// only field of its number, at least `min_bytes`, a whole number of values (fixed width).
const WireField* PayloadField(const std::vector<WireField>& fields, int64_t min_bytes) {
  const WireField* best = nullptr;
  for (const auto& f : fields) {
    const bool data = f.number == TensorProto::kRawDataFieldNumber || f.number == TensorProto::kFloatDataFieldNumber ||
                      f.number == TensorProto::kDoubleDataFieldNumber || f.number == TensorProto::kByteDataFieldNumber ||
                      f.number == TensorProto::kInt32DataFieldNumber || f.number == TensorProto::kInt64DataFieldNumber;
    if (data && f.wire == 2 && (best == nullptr || f.end - f.value > best->end - best->value)) best = &f;
  }
  if (best == nullptr || best->end - best->value < min_bytes) return nullptr;
  for (const auto& f : fields) {
    if (&f != best && f.number == best->number) return nullptr;
  }
  const int64_t bytes = best->end - best->value;
  if ((best->number == TensorProto::kFloatDataFieldNumber && bytes % 4 != 0) ||
      (best->number == TensorProto::kDoubleDataFieldNumber && bytes % 8 != 0)) {
    return nullptr;
  }
  return best;
}

bool AllKnown(const std::vector<WireField>& fields, const google::protobuf::Descriptor* type) {
  for (const auto& f : fields) {
    if (!io_internal::FieldKnown(type, f.number, f.wire)) return false;
  }
  return true;
}

void AppendVarint(std::string* out, uint64_t v) {
  uint8_t bytes[10];  // a 64-bit varint's most
  const uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(v, bytes);
  out->append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(end - bytes));
}

// Reads `file` the spliced way when it has that shape; false when the whole-file reader must decide.
bool ReadLargeProtoTensorFile(const io_internal::InputFile& file, Tensor* tensor, TensorFileInfo* info,
                              int64_t min_bytes) {
  if (file.size() < min_bytes || file.size() > INT_MAX) return false;
  WireScanner scanner(file);
  std::vector<WireField> top;
  if (scanner.Fields(0, file.size(), &top) != Scan::kOk) return false;
  const std::string where = Prefix("file '" + file.path() + "'");
  // Null when the values are not well-formed packed varints (protobuf's parse decides then).
  auto payload_of = [&](const WireField& f) -> std::optional<io_internal::SplicedPayload> {
    io_internal::SplicedPayload payload;
    payload.field_number = f.number;
    payload.bytes = f.end - f.value;
    payload.values = f.number == TensorProto::kFloatDataFieldNumber    ? payload.bytes / 4
                     : f.number == TensorProto::kDoubleDataFieldNumber ? payload.bytes / 8
                                                                       : payload.bytes;
    payload.read = [&file, f](void* dst) { file.ReadAt(f.value, dst, static_cast<size_t>(f.end - f.value)); };
    if (f.number == TensorProto::kInt32DataFieldNumber || f.number == TensorProto::kInt64DataFieldNumber) {
      payload.varints = true;
      const std::optional<int64_t> count = CountVarints(file, f.value, f.end);
      if (!count) return std::nullopt;
      payload.values = *count;
      payload.read_varints = [&file, f](const io_internal::SplicedPayload::VarintSink& sink) {
        DecodeVarints(file, f.value, f.end, sink);
      };
    }
    return payload;
  };
  // Content detection takes a file for text when every byte is text: the bytes outside the payload
  // must already say binary (a control character), or the whole-file reader decides.
  auto says_binary = [](const std::string& bytes) {
    for (unsigned char c : bytes) {
      const bool text = (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
      if (!text) return true;
    }
    return false;
  };
  // The candidates in TensorFromString's order: BlobProto, then TensorProto.
  std::vector<const WireField*> tensor_fields;
  for (const auto& f : top) {
    if (f.number == BlobProto::kTensorFieldNumber) tensor_fields.push_back(&f);
  }
  if (AllKnown(top, BlobProto::descriptor()) && !tensor_fields.empty()) {
    if (tensor_fields.size() != 1) return false;  // several tensor fields merge: protobuf's business
    const WireField& t = *tensor_fields[0];
    std::vector<WireField> inner;
    const Scan scan = scanner.Fields(t.value, t.end, &inner);
    if (scan == Scan::kUnsupported) return false;
    if (scan == Scan::kOk) {
      const WireField* p = PayloadField(inner, min_bytes);
      if (p == nullptr) return false;
      const std::string before_tensor = scanner.Bytes(0, t.start);
      const std::string before_payload = scanner.Bytes(t.value, p->start);
      if (!says_binary(before_tensor + before_payload)) return false;
      const std::string rest = before_payload + scanner.Bytes(p->end, t.end);
      std::string skeleton = before_tensor;
      AppendVarint(&skeleton, google::protobuf::internal::WireFormatLite::MakeTag(
                                  BlobProto::kTensorFieldNumber,
                                  google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
      AppendVarint(&skeleton, rest.size());
      skeleton += rest;
      skeleton += scanner.Bytes(t.end, file.size());
      io_internal::CheckTensorHeaders(skeleton, TensorMessage::kBlobProto, where);
      BlobProto blob;
      const bool parsed = io_internal::TryParseBinary(skeleton, &blob).ok;
      if (parsed && HasUnknownFields(blob)) return false;  // tried again later, accepting them: theirs to say
      const auto payload = parsed ? payload_of(*p) : std::nullopt;
      if (parsed && !payload) return false;
      if (parsed) {
        try {
          io_internal::TensorFromBlobProtoWithPayload(blob, &*payload, tensor, "file '" + file.path() + "'");
        } catch (const EnforceNotMet&) {
          return false;  // another candidate may still make a tensor: the whole-file reader tries them
        }
        info->format = TensorFileFormat::kBlobProto;
        info->proto_format = ProtoFormat::kBinary;
        info->stored_name = blob.name();
        return true;
      }
    }
    // Not a BlobProto (its tensor does not parse): on to TensorProto.
  }
  if (!AllKnown(top, TensorProto::descriptor())) return false;
  const WireField* p = PayloadField(top, min_bytes);
  if (p == nullptr) return false;
  const std::string head = scanner.Bytes(0, p->start);
  if (!says_binary(head)) return false;
  const std::string skeleton = head + scanner.Bytes(p->end, file.size());
  io_internal::CheckTensorHeaders(skeleton, TensorMessage::kTensorProto, where);
  TensorProto proto;
  if (!io_internal::TryParseBinary(skeleton, &proto).ok || HasUnknownFields(proto)) return false;
  const auto payload = payload_of(*p);
  if (!payload) return false;
  try {
    io_internal::TensorFromProtoWithPayload(proto, &*payload, tensor, "file '" + file.path() + "'");
  } catch (const EnforceNotMet&) {
    return false;
  }
  info->format = TensorFileFormat::kTensorProto;
  info->proto_format = ProtoFormat::kBinary;
  info->stored_name = proto.name();
  return true;
}

}  // namespace

TensorFileInfo ReadTensorFile(const std::string& path, Tensor* tensor) {
  return ReadTensorFile(path, tensor, kInPlaceValuesMinBytes);
}

TensorFileInfo ReadTensorFile(const std::string& path, Tensor* tensor, int64_t in_place_min_bytes) {
  {
    // A .npy file is read in place, straight into the tensor, and so are the values of a large binary
    // BlobProto or TensorProto; the others go through their bytes.
    const io_internal::InputFile file(path);
    char magic[6];
    if (file.size() >= static_cast<int64_t>(sizeof magic)) {
      file.ReadAt(0, magic, sizeof magic);
      if (IsNpy(std::string(magic, sizeof magic))) {
        TensorFromNpyFile(file, tensor);
        TensorFileInfo info;
        info.format = TensorFileFormat::kNpy;
        return info;
      }
    }
    TensorFileInfo info;
    if (ReadLargeProtoTensorFile(file, tensor, &info, in_place_min_bytes)) return info;
  }
  return TensorFromString(ReadFileToString(path), tensor, "file '" + path + "'");
}

void WriteTensorFileContent(const Tensor& tensor, TensorFileFormat format, const std::string& name,
                            const ByteSink& sink) {
  switch (format) {
    case TensorFileFormat::kNpy: return WriteNpy(tensor, sink);
    case TensorFileFormat::kTensorProto: return WriteTensorProto(tensor, name, sink);
    case TensorFileFormat::kBlobProto: return WriteBlobProto(tensor, name, sink);
  }
  CAFFE_THROW("unknown tensor file format");
}

std::string TensorToFileContent(const Tensor& tensor, TensorFileFormat format, const std::string& name) {
  std::string out;
  WriteTensorFileContent(tensor, format, name, [&](const char* data, size_t size) { out.append(data, size); });
  return out;
}

void WriteTensorFile(const Tensor& tensor, const std::string& path, TensorFileFormat format,
                     const std::string& name) {
  WriteFileAtomically(path, [&](const ByteSink& sink) { WriteTensorFileContent(tensor, format, name, sink); });
}

}  // namespace caffe2
