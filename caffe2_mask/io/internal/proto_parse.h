// Internal to the io layer (not installed): one parse attempt of a protobuf message, shared by the
// message readers (proto_io) and the tensor-file detector (tensor_file), which tries several
// message types on the same bytes.
#pragma once

#include <cstdint>
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
// True when `message` or any message inside it kept fields its schema does not know.
bool HasUnknownFields(const google::protobuf::Message& message);

}  // namespace caffe2::io_internal
