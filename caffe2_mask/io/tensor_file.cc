#include "caffe2_mask/io/tensor_file.h"

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

TensorFileInfo ReadTensorFile(const std::string& path, Tensor* tensor) {
  {
    // A .npy file is read in place, straight into the tensor; the others go through their bytes.
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
  }
  return TensorFromString(ReadFileToString(path), tensor, "file '" + path + "'");
}

std::string TensorToFileContent(const Tensor& tensor, TensorFileFormat format, const std::string& name) {
  switch (format) {
    case TensorFileFormat::kNpy: return TensorToNpy(tensor);
    case TensorFileFormat::kTensorProto: return ProtoToString(TensorToProto(tensor, name), ProtoFormat::kBinary);
    case TensorFileFormat::kBlobProto:
      return ProtoToString(TensorToBlobProto(tensor, name), ProtoFormat::kBinary);
  }
  CAFFE_THROW("unknown tensor file format");
}

void WriteTensorFile(const Tensor& tensor, const std::string& path, TensorFileFormat format,
                     const std::string& name) {
  WriteFileAtomically(path, TensorToFileContent(tensor, format, name));
}

}  // namespace caffe2
