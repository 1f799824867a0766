#include "caffe2_mask/io/blob_serialization.h"

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/internal/error_prefix.h"
#include "caffe2_mask/io/internal/proto_parse.h"
#include "caffe2_mask/io/proto_io.h"
#include "caffe2_mask/io/tensor_proto.h"

namespace caffe2 {

using io_internal::Prefix;

BlobProto TensorToBlobProto(const Tensor& tensor, const std::string& name) {
  BlobProto blob;
  blob.set_name(name);
  blob.set_type("Tensor");
  TensorToProto(tensor, blob.mutable_tensor(), name);
  return blob;
}

void TensorFromBlobProto(const BlobProto& blob, Tensor* tensor, const std::string& source) {
  io_internal::TensorFromBlobProtoWithPayload(blob, nullptr, tensor, source);
}

namespace io_internal {

void TensorFromBlobProtoWithPayload(const BlobProto& blob, const SplicedPayload* payload, Tensor* tensor,
                                    const std::string& source) {
  std::string where = Prefix(source);
  if (!blob.name().empty()) where += "blob '" + blob.name() + "': ";
  CAFFE_ENFORCE(blob.type().empty() || blob.type() == "Tensor", where, "the BlobProto holds a '",
                blob.type(), "', not a 'Tensor'; only tensors can be read");
  CAFFE_ENFORCE(blob.has_tensor(), where, "the BlobProto has no tensor field",
                blob.has_content() ? " (it carries opaque 'content' bytes, which only the writer's "
                                     "serializer understands)"
                                   : "");
  TensorFromProtoWithPayload(blob.tensor(), payload, tensor, where.empty() ? "" : where.substr(0, where.size() - 2));
}

}  // namespace io_internal

std::string SerializeBlob(const Blob& blob, const std::string& name) {
  CAFFE_ENFORCE(blob.IsType<Tensor>(), "blob '", name, "' holds ", blob.TypeName(),
                ", not a tensor; only tensors can be serialized");
  std::string out;
  WriteBlobProto(blob.Get<Tensor>(), name, [&](const char* data, size_t size) { out.append(data, size); });
  return out;
}

void DeserializeBlob(const std::string& content, Blob* result, const std::string& source) {
  CAFFE_ENFORCE(result != nullptr, "DeserializeBlob needs a blob");
  BlobProto proto;
  ParseProtoFromString(content, &proto, source);
  Tensor tensor;
  TensorFromBlobProto(proto, &tensor, source);
  *BlobGetMutableTensor(result) = std::move(tensor);
}

}  // namespace caffe2
