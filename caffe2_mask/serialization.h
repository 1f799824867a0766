// Tensors and protobuf messages to and from bytes and files: TensorProto, BlobProto, TensorProtos,
// NumPy .npy, and NetDef files in binary or text format, told apart by their content, never by their
// name. Every reader checks what it is given (dims, element counts, sizes, limits) before it
// allocates, and every error is an EnforceNotMet naming the file or the source it came from.
#pragma once

#include <cstdint>
#include <string>

#include "caffe2_mask/blob.h"
#include "caffe2_mask/tensor.h"
#include "proto/caffe2.pb.h"

namespace caffe2 {

// Limits on what a reader accepts, process-wide (the runner exposes them as flags). Tensor rank and
// byte size are limited by GetTensorLimits().
struct SerializationLimits {
  // Largest file a reader opens. Protobuf messages are also capped at 2 GiB - 1 by protobuf itself.
  int64_t max_file_bytes = int64_t{2} << 30;  // 2 GiB
  // Deepest nesting of protobuf messages (a NetDef argument holding a net holding ... ).
  int max_proto_depth = 100;
  // Longest single string element of a tensor (TensorProto string_data, a .npy 'U'/'S' item).
  int64_t max_string_bytes = int64_t{64} << 20;  // 64 MiB
};
SerializationLimits& GetSerializationLimits();

// ---- TensorProto <-> Tensor ----

// Fills `tensor` from `proto`. The values come from the field Caffe2 uses for the dtype (float_data,
// double_data, int32_data for int32/int16/int8/uint16/uint8/bool/float16 bits, int64_data,
// string_data, byte_data for BYTE and UINT8) or from raw_data (little-endian, any non-string dtype).
// The element count must equal the product of dims. Bool values are normalised: non-zero -> 1.
// `source` names where the proto came from ("file 'x.pb'") in errors.
void TensorFromProto(const TensorProto& proto, Tensor* tensor, const std::string& source = "");
Tensor TensorFromProto(const TensorProto& proto, const std::string& source = "");
// Writes `tensor` the way Caffe2 does (typed fields, float16 as bits in int32_data).
void TensorToProto(const Tensor& tensor, TensorProto* proto, const std::string& name = "");
TensorProto TensorToProto(const Tensor& tensor, const std::string& name = "");

// ---- BlobProto ----

// A BlobProto {name, type "Tensor", tensor}.
BlobProto TensorToBlobProto(const Tensor& tensor, const std::string& name);
// The tensor of a BlobProto; a blob of another type, or with no tensor, is an error.
void TensorFromBlobProto(const BlobProto& blob, Tensor* tensor, const std::string& source = "");

// Caffe2's names: a blob holding a tensor as a binary BlobProto, and back.
std::string SerializeBlob(const Blob& blob, const std::string& name);
void DeserializeBlob(const std::string& content, Blob* result, const std::string& source = "");

// ---- NumPy .npy ----

// True when `content` starts with the .npy magic string.
bool IsNpy(const std::string& content);
// A .npy file (format 1.0, little-endian, C order). Strings are written as '<U<n>' when they are all
// valid UTF-8 without NUL characters, otherwise as '|S<n>'.
std::string TensorToNpy(const Tensor& tensor);
// Reads .npy formats 1.0, 2.0 and 3.0 with dtypes f2 f4 f8 i1 i2 i4 i8 u1 u2 b1, '<U<n>' and '|S<n>'
// (trailing NULs dropped, as NumPy does). Fortran order, object arrays, big-endian data, other dtypes,
// truncated data and bytes after the data are errors naming `source`.
void TensorFromNpy(const std::string& content, Tensor* tensor, const std::string& source = "");

// ---- protobuf messages ----

enum class ProtoFormat { kBinary, kText };
const char* ProtoFormatName(ProtoFormat format);

// Parses `content` into `message`, as text format when the content is text (printable UTF-8) and
// text parsing succeeds, otherwise as binary. Unknown fields are kept in binary; in text format they
// are an error (text has no way to keep them). Honours GetSerializationLimits(). Returns the format.
ProtoFormat ParseProtoFromString(const std::string& content, google::protobuf::Message* message,
                                 const std::string& source = "");
ProtoFormat ReadProtoFromFile(const std::string& path, google::protobuf::Message* message);
std::string ProtoToString(const google::protobuf::Message& message, ProtoFormat format);
// Written atomically (see WriteFileAtomically).
void WriteProtoToFile(const google::protobuf::Message& message, const std::string& path,
                      ProtoFormat format);

// ---- tensor files ----

enum class TensorFileFormat { kBlobProto, kTensorProto, kNpy };
const char* TensorFileFormatName(TensorFileFormat format);

struct TensorFileInfo {
  TensorFileFormat format = TensorFileFormat::kBlobProto;
  ProtoFormat proto_format = ProtoFormat::kBinary;  // for the protobuf formats
  std::string stored_name;                          // BlobProto name or TensorProto name, if any
};

// Reads a tensor from a BlobProto holding a TensorProto (binary or text), a bare TensorProto
// (binary or text) or a .npy file, detected from the content.
TensorFileInfo TensorFromString(const std::string& content, Tensor* tensor, const std::string& source);
TensorFileInfo ReadTensorFile(const std::string& path, Tensor* tensor);
// The bytes of `tensor` in `format` (protobuf formats are binary); `name` goes into the proto.
std::string TensorToFileContent(const Tensor& tensor, TensorFileFormat format, const std::string& name);
// Written atomically.
void WriteTensorFile(const Tensor& tensor, const std::string& path, TensorFileFormat format,
                     const std::string& name);

// ---- files ----

// The whole file; missing, unreadable, not a regular file or over the size limit are errors naming it.
std::string ReadFileToString(const std::string& path);
// A fresh name for a temporary file next to `path` (same directory, so rename is atomic), hidden and
// unique in this process: "<dir>/.<name>.tmp.<pid>.<n>".
std::string TemporaryPathFor(const std::string& path);
// Creates `path` (which must not exist), writes `content` and fsyncs it. On failure nothing is left.
void WriteNewFileSynced(const std::string& path, const std::string& content);
// rename(from, to), then fsync of the directory.
void RenameFile(const std::string& from, const std::string& to);
// Writes a temporary file next to `path`, fsyncs it and renames it over `path`: readers see the old
// file or the complete new one, never a partial one. On failure the temporary file is removed.
void WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace caffe2
