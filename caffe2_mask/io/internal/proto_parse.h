// Internal to the io layer (not installed): one parse attempt of a protobuf message, shared by the
// message readers (proto_io) and the tensor-file detector (tensor_file), which tries several
// message types on the same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <google/protobuf/message.h>

namespace caffe2::io_internal {

struct ParseResult {
  bool ok = false;
  std::string error;      // without the source prefix
  int64_t progress = -1;  // how far text parsing got (line * 1e6 + column), to pick the best error
};

// Text if every byte is printable ASCII, whitespace or part of a UTF-8 sequence.
bool LooksLikeText(const std::string& content);
// Parses `content` into `message` (cleared first), honouring GetSerializationLimits().
ParseResult TryParseText(const std::string& content, google::protobuf::Message* message);
ParseResult TryParseBinary(const std::string& content, google::protobuf::Message* message);
// The messages a binary tensor file may hold.
enum class TensorMessage { kBlobProto, kTensorProto, kTensorProtos };
// Reads, from the wire format alone, the dims and data_type of every tensor `content` would hold as a
// `message`, and throws when one is no DataType or exceeds GetTensorLimits(): the limits are checked
// before the values are parsed or anything is allocated. Returns quietly when the bytes are not
// well-formed as that message (the parse reports it).
void CheckTensorHeaders(const std::string& content, TensorMessage message, const std::string& where);
// The same for text format: the `dims` and `data_type` of every tensor the text would hold, read by a
// walk over its tokens before it is parsed (so a text whose dims ask for too much is refused before
// protobuf builds its values). Returns quietly when the text is not well-formed.
void CheckTextTensorHeaders(const std::string& content, TensorMessage message, const std::string& where);
// Whether every top-level field of the binary `content` is a field of `type` with a wire type it
// accepts: what HasUnknownFields says of the top level after a parse, found without parsing (a parse
// copies the payload of each mismatched field, a GiB of raw_data, into the unknown fields).
bool TopLevelFieldsKnown(const std::string& content, const google::protobuf::Descriptor* type);
// Whether field `number` arriving with `wire_type` is a field of `type` (the rule TopLevelFieldsKnown
// applies to each field).
bool FieldKnown(const google::protobuf::Descriptor* type, int number, int wire_type);
// True when `message` or any message inside it kept fields its schema does not know.
bool HasUnknownFields(const google::protobuf::Message& message);

// The values of a TensorProto left out of the parsed message and read from the file straight into the
// tensor: field `field_number` (raw_data 13, byte_data 5, packed float_data 3, double_data 9, int32_data
// 4 or int64_data 10), `bytes` long, holding `values` values (bytes for raw_data and byte_data).
// Fixed-width fields: `read(dst)` copies the bytes to `dst`. Varint fields (`varints`): `read_varints`
// decodes them in order and calls `sink(values, first, count)` for each chunk (the raw 64-bit varints).
struct SplicedPayload {
  int field_number = 0;
  int64_t bytes = 0;
  int64_t values = 0;
  bool varints = false;
  std::function<void(void* dst)> read;
  using VarintSink = std::function<void(const uint64_t* values, int64_t first, int64_t count)>;
  std::function<void(const VarintSink& sink)> read_varints;
};
}  // namespace caffe2::io_internal

namespace caffe2 {
class Tensor;
class TensorProto;
class BlobProto;
namespace io_internal {
// TensorFromProto, with the values of `payload` (if not null) counted and read as if they were in `proto`.
void TensorFromProtoWithPayload(const TensorProto& proto, const SplicedPayload* payload, Tensor* tensor,
                                const std::string& source);
// TensorFromBlobProto, the same way for the BlobProto's tensor.
void TensorFromBlobProtoWithPayload(const BlobProto& blob, const SplicedPayload* payload, Tensor* tensor,
                                    const std::string& source);
}  // namespace io_internal
}  // namespace caffe2
