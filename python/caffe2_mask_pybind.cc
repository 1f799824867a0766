// caffe2.python._caffe2_mask: the runtime seen from Python. Workspaces (a process-wide table of named
// workspaces with a current one, as in Caffe2), blobs fed from and fetched to NumPy arrays with one
// copy, operators and nets run from serialized protos, gradients, schemas, shape inference and limits.
//
// Threads: every workspace has a mutex, held for the whole of any call that touches it, so two
// threads on one workspace take turns and two threads on different workspaces run at the same time.
// Operators and nets run with the GIL released. The mutex is never waited for while holding the GIL
// (see WorkspaceLock), so a thread that holds a workspace and needs the GIL cannot deadlock with one
// that holds the GIL and wants the workspace.
//
// Errors: caffe2::EnforceNotMet becomes caffe2.python._caffe2_mask.EnforceNotMet, a RuntimeError
// subclass carrying the runtime's message unchanged.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "ops/kernels/mask_kernels.h"

namespace py = pybind11;

namespace caffe2::python {
namespace {

// Copies at least this large run with the GIL released; below it, releasing costs more than it frees.
constexpr int64_t kReleaseGilBytes = int64_t{1} << 16;

struct WorkspaceHandle {
  std::mutex mutex;
  // Replaced (under the mutex) by ResetWorkspace, so a reset also drops the nets.
  std::unique_ptr<Workspace> workspace = std::make_unique<Workspace>();
};
using HandlePtr = std::shared_ptr<WorkspaceHandle>;

// Holds a workspace's mutex. Constructed with the GIL held: it tries the lock, and only if another
// thread has it releases the GIL while waiting. The handle is kept alive for as long as the lock is
// held, so removing a workspace from the table while another thread runs in it is safe.
class WorkspaceLock {
 public:
  explicit WorkspaceLock(HandlePtr handle) : handle_(std::move(handle)), lock_(handle_->mutex, std::defer_lock) {
    if (!lock_.try_lock()) {
      py::gil_scoped_release release;
      lock_.lock();
    }
  }
  Workspace& ws() { return *handle_->workspace; }
  void Reset() { handle_->workspace = std::make_unique<Workspace>(); }

 private:
  HandlePtr handle_;
  std::unique_lock<std::mutex> lock_;
};

// ---- the process-wide table of workspaces (touched only with the GIL held) ----

struct WorkspaceTable {
  std::map<std::string, HandlePtr> by_name;
  std::string current = "default";
  WorkspaceTable() { by_name[current] = std::make_shared<WorkspaceHandle>(); }
};
WorkspaceTable& Table() {
  // Never destroyed: Python may tear the module down in any order at exit.
  static auto* table = new WorkspaceTable();
  return *table;
}
HandlePtr CurrentHandle() { return Table().by_name.at(Table().current); }

void SwitchWorkspace(const std::string& name, bool create_if_missing) {
  auto& table = Table();
  if (table.by_name.count(name) == 0) {
    CAFFE_ENFORCE(create_if_missing, "no workspace called '", name,
                  "'; pass create_if_missing=True to create it");
    table.by_name[name] = std::make_shared<WorkspaceHandle>();
  }
  table.current = name;
}

std::vector<std::string> WorkspaceNames() {
  std::vector<std::string> names;
  for (const auto& entry : Table().by_name) names.push_back(entry.first);
  return names;
}

// ---- protos ----

template <class Message>
Message ParseMessage(const py::bytes& bytes, const char* what) {
  const std::string_view view(bytes);
  Message message;
  CAFFE_ENFORCE(message.ParseFromArray(view.data(), static_cast<int>(view.size())), "could not parse a ",
                what, " from ", view.size(), " bytes of binary protobuf");
  return message;
}

py::bytes SerializeMessage(const google::protobuf::Message& message) {
  return py::bytes(message.SerializeAsString());
}

// ---- NumPy dtypes <-> tensor dtypes ----

// The tensor dtype for a NumPy dtype; strings ('O', 'U', 'S') map to std::string.
TypeMeta TypeMetaForNumpy(const py::dtype& dtype) {
  const char kind = dtype.kind();
  const auto size = dtype.itemsize();
  if (kind == 'O' || kind == 'U' || kind == 'S') return TypeMeta::Make<std::string>();
  if (kind == 'b' && size == 1) return TypeMeta::Make<bool>();
  if (kind == 'f') {
    if (size == 2) return TypeMeta::Make<float16>();
    if (size == 4) return TypeMeta::Make<float>();
    if (size == 8) return TypeMeta::Make<double>();
  }
  if (kind == 'i') {
    if (size == 1) return TypeMeta::Make<int8_t>();
    if (size == 2) return TypeMeta::Make<int16_t>();
    if (size == 4) return TypeMeta::Make<int32_t>();
    if (size == 8) return TypeMeta::Make<int64_t>();
  }
  if (kind == 'u') {
    if (size == 1) return TypeMeta::Make<uint8_t>();
    if (size == 2) return TypeMeta::Make<uint16_t>();
  }
  CAFFE_THROW("NumPy dtype ", py::str(static_cast<const py::handle&>(dtype)).cast<std::string>(),
              " has no tensor type here; the supported dtypes are bool, int8, int16, int32, int64, "
              "uint8, uint16, float16, float32, float64 and strings (object arrays of str or bytes)");
}

py::dtype NumpyDtypeFor(TypeMeta meta) {
  if (meta.Match<bool>()) return py::dtype("bool");
  if (meta.Match<float16>()) return py::dtype("float16");
  if (meta.Match<float>()) return py::dtype("float32");
  if (meta.Match<double>()) return py::dtype("float64");
  if (meta.Match<int8_t>()) return py::dtype("int8");
  if (meta.Match<int16_t>()) return py::dtype("int16");
  if (meta.Match<int32_t>()) return py::dtype("int32");
  if (meta.Match<int64_t>()) return py::dtype("int64");
  if (meta.Match<uint8_t>()) return py::dtype("uint8");
  if (meta.Match<uint16_t>()) return py::dtype("uint16");
  if (meta.Match<std::string>()) return py::dtype("O");
  CAFFE_THROW("a tensor of ", meta.name(), " has no NumPy dtype");
}

// The one copy of FeedBlob and FetchBlob: kernels::CopyBytes (threads above the parallel threshold,
// streaming stores into memory written before when large; docs/performance.md, "Python front end"),
// without the GIL when large.
void CopyBytes(void* dst, const void* src, int64_t bytes, bool dst_written_before) {
  if (bytes <= 0) return;
  if (bytes < kReleaseGilBytes) {
    std::memcpy(dst, src, static_cast<size_t>(bytes));
    return;
  }
  py::gil_scoped_release release;
  kernels::CopyBytes(dst, src, bytes, dst_written_before);
}

// The element `i` of an object array as bytes: bytes as they are, str as UTF-8.
std::string StringElement(PyObject* item, const std::string& name, int64_t i) {
  char* data = nullptr;
  Py_ssize_t size = 0;
  if (item != nullptr && PyBytes_Check(item)) {
    if (PyBytes_AsStringAndSize(item, &data, &size) != 0) throw py::error_already_set();
    return std::string(data, static_cast<size_t>(size));
  }
  if (item != nullptr && PyUnicode_Check(item)) {
    const char* utf8 = PyUnicode_AsUTF8AndSize(item, &size);
    if (utf8 == nullptr) throw py::error_already_set();
    return std::string(utf8, static_cast<size_t>(size));
  }
  const std::string type_name = item == nullptr ? "NULL" : Py_TYPE(item)->tp_name;
  throw py::type_error(MakeString("FeedBlob '", name, "': element ", i, " of the object array is a ",
                                  type_name, "; a string tensor takes only str or bytes elements"));
}

// ---- blobs ----

void FeedBlob(const HandlePtr& handle, const std::string& name, py::array array) {
  TypeMeta meta = TypeMetaForNumpy(array.dtype());
  const bool is_string = meta.Match<std::string>();
  if (is_string && array.dtype().kind() != 'O') array = py::array(array.attr("astype")("O"));
  CAFFE_ENFORCE(is_string || array.dtype().attr("isnative").cast<bool>(), "FeedBlob '", name,
                "': the array is not in native byte order; convert it with arr.astype(arr.dtype.newbyteorder('='))");
  // A C-contiguous array is used as it is; any other is made contiguous first (NumPy's copy).
  array = py::array::ensure(array, py::array::c_style);
  if (!array) throw py::error_already_set();
  std::vector<int64_t> dims(array.shape(), array.shape() + array.ndim());
  // Validate first: a feed the tensor limits refuse must leave the blob as it was, and Resize would
  // already have given up the blob's storage before the allocation was refused.
  const int64_t numel = CheckedNumel(dims, "FeedBlob array");
  const int64_t max_bytes = GetTensorLimits().max_bytes;
  CAFFE_ENFORCE_LE(numel, max_bytes / static_cast<int64_t>(meta.itemsize()), "FeedBlob '", name, "': the ",
                   meta.name(), " array ", ShapeString(dims), " needs ", numel * static_cast<int64_t>(meta.itemsize()),
                   " bytes, more than the limit of ", max_bytes, " bytes");

  WorkspaceLock lock(handle);
  Tensor* tensor = BlobGetMutableTensor(lock.ws().CreateBlob(name));
  // Resize and raw_mutable_data keep a plain-bytes buffer of the same dtype that is big enough.
  const bool keeps_storage = meta.is_pod() && tensor->dtype() == meta &&
                             static_cast<uint64_t>(numel) * meta.itemsize() <= tensor->capacity_nbytes();
  tensor->Resize(dims);
  void* dst = tensor->raw_mutable_data(meta);
  const int64_t n = numel;
  if (is_string) {
    auto* strings = static_cast<std::string*>(dst);
    auto* const* items = static_cast<PyObject* const*>(array.data());
    for (int64_t i = 0; i < n; ++i) strings[i] = StringElement(items[i], name, i);
  } else if (meta.Match<bool>()) {
    // A bool tensor holds only 0 and 1 (the runtime's rule); a NumPy bool array viewed from other
    // bytes may hold any value, so normalise while copying.
    const auto* src = static_cast<const uint8_t*>(array.data());
    auto* out = static_cast<bool*>(dst);
    for (int64_t i = 0; i < n; ++i) out[i] = src[i] != 0;
  } else {
    CopyBytes(dst, array.data(), tensor->nbytes(), keeps_storage);
  }
}

py::object FetchBlob(const HandlePtr& handle, const std::string& name) {
  WorkspaceLock lock(handle);
  const Blob* blob = lock.ws().GetBlob(name);
  CAFFE_ENFORCE(blob != nullptr, "Can't find blob: '", name, "' is not in workspace");
  CAFFE_ENFORCE(BlobIsTensorType(*blob), "blob '", name, "' holds ", blob->TypeName(),
                ", not a tensor: only tensors can be fetched");
  const Tensor& tensor = BlobGetTensor(*blob);
  CAFFE_ENFORCE(tensor.dtype().defined(), "blob '", name, "' holds a tensor ", ShapeString(tensor.sizes()),
                " that was never written (no dtype): nothing to fetch");
  std::vector<py::ssize_t> shape(tensor.sizes().begin(), tensor.sizes().end());
  py::array out(NumpyDtypeFor(tensor.dtype()), shape);
  if (tensor.IsType<std::string>()) {
    const std::string* strings = tensor.data<std::string>();
    auto** items = static_cast<PyObject**>(out.mutable_data());
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      PyObject* item = PyBytes_FromStringAndSize(strings[i].data(), static_cast<Py_ssize_t>(strings[i].size()));
      if (item == nullptr) throw py::error_already_set();
      Py_XSETREF(items[i], item);
    }
  } else if (tensor.numel() > 0) {
    CopyBytes(out.mutable_data(), tensor.raw_data(), tensor.nbytes(), /*dst_written_before=*/false);
  }
  return std::move(out);
}

// ---- running ----

bool RunOperatorOnce(const HandlePtr& handle, const py::bytes& def_bytes) {
  const auto def = ParseMessage<OperatorDef>(def_bytes, "OperatorDef");
  WorkspaceLock lock(handle);
  py::gil_scoped_release release;
  return lock.ws().RunOperatorOnce(def);
}

bool RunNetOnce(const HandlePtr& handle, const py::bytes& def_bytes) {
  const auto def = ParseMessage<NetDef>(def_bytes, "NetDef");
  WorkspaceLock lock(handle);
  py::gil_scoped_release release;
  return lock.ws().RunNetOnce(def);
}

bool CreateNet(const HandlePtr& handle, const py::bytes& def_bytes, bool overwrite) {
  const auto def = ParseMessage<NetDef>(def_bytes, "NetDef");
  WorkspaceLock lock(handle);
  py::gil_scoped_release release;
  lock.ws().CreateNet(def, overwrite);
  return true;
}

NetBase* FindNet(Workspace& ws, const std::string& name) {
  NetBase* net = ws.GetNet(name);
  CAFFE_ENFORCE(net != nullptr, "no net called '", name, "' in this workspace; create it with CreateNet first");
  return net;
}

// Caffe2's run_net: `allow_fail` turns a failure into a False result instead of an exception.
bool RunNet(const HandlePtr& handle, const std::string& name, int num_iter, bool allow_fail) {
  CAFFE_ENFORCE_GE(num_iter, 0, "RunNet '", name, "': num_iter must not be negative");
  WorkspaceLock lock(handle);
  NetBase* net = FindNet(lock.ws(), name);
  py::gil_scoped_release release;
  try {
    for (int i = 0; i < num_iter; ++i) net->Run();
  } catch (const EnforceNotMet&) {
    if (allow_fail) return false;
    throw;
  }
  return true;
}

// Caffe2's benchmark_net: milliseconds per iteration of the whole net, then (with run_individual)
// milliseconds per iteration of each operator run on its own.
std::vector<double> BenchmarkNet(const HandlePtr& handle, const std::string& name, int warmup_runs,
                                 int main_runs, bool run_individual) {
  CAFFE_ENFORCE_GE(warmup_runs, 0, "BenchmarkNet '", name, "': warmup_runs");
  CAFFE_ENFORCE_GT(main_runs, 0, "BenchmarkNet '", name, "': main_runs");
  WorkspaceLock lock(handle);
  NetBase* net = FindNet(lock.ws(), name);
  py::gil_scoped_release release;
  using Clock = std::chrono::steady_clock;
  auto ms_per_run = [&](auto&& body) {
    const auto start = Clock::now();
    for (int i = 0; i < main_runs; ++i) body();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / main_runs;
  };
  for (int i = 0; i < warmup_runs; ++i) net->Run();
  std::vector<double> result{ms_per_run([&] { net->Run(); })};
  if (run_individual) {
    for (const auto& op : net->operators()) result.push_back(ms_per_run([&] { op->Run(); }));
  }
  return result;
}

// ---- shape inference ----

TensorShape UnknownShape(const std::string& name) {
  TensorShape shape;
  shape.set_name(name);
  shape.set_unknown_shape(true);
  return shape;
}

// Caffe2's InferShapesAndTypes: walks the nets' operators in order, starting from `known` shapes,
// and returns every blob whose shape became known, as a serialized TensorShapes. An operator with no
// shape inference, or with an input of unknown shape, leaves its outputs unknown.
py::bytes InferShapesAndTypes(const std::vector<py::bytes>& nets, std::map<std::string, TensorShape> known) {
  for (const auto& bytes : nets) {
    const auto net = ParseMessage<NetDef>(bytes, "NetDef");
    for (const auto& op : net.op()) {
      std::vector<TensorShape> inputs;
      bool all_known = true;
      for (const auto& input : op.input()) {
        auto it = known.find(input);
        all_known = all_known && it != known.end();
        inputs.push_back(it != known.end() ? it->second : UnknownShape(input));
      }
      const OpSchema* schema = OpSchemaRegistry::Schema(op.type());
      std::vector<TensorShape> outputs;
      if (all_known && schema != nullptr && schema->has_shape_inference()) {
        outputs = schema->InferTensor(op, inputs);
      }
      for (int j = 0; j < op.output_size(); ++j) {
        if (j < static_cast<int>(outputs.size()) && !outputs[j].unknown_shape()) {
          known[op.output(j)] = outputs[j];
          known[op.output(j)].set_name(op.output(j));
        } else {
          known.erase(op.output(j));
        }
      }
    }
  }
  TensorShapes result;
  for (auto& [name, shape] : known) {
    shape.set_name(name);
    *result.add_shapes() = shape;
  }
  return SerializeMessage(result);
}

std::map<std::string, TensorShape> WorkspaceShapes(const HandlePtr& handle) {
  std::map<std::string, TensorShape> known;
  WorkspaceLock lock(handle);
  for (const auto& name : lock.ws().Blobs()) {
    const Blob& blob = *lock.ws().GetBlob(name);
    if (!BlobIsTensorType(blob) || !BlobGetTensor(blob).dtype().defined()) continue;
    const Tensor& tensor = BlobGetTensor(blob);
    TensorShape shape;
    for (int64_t d : tensor.sizes()) shape.add_dims(d);
    shape.set_data_type(static_cast<TensorProto::DataType>(DataTypeOf(tensor.dtype())));
    known[name] = shape;
  }
  return known;
}

std::map<std::string, TensorShape> MapShapes(const std::map<std::string, std::vector<int64_t>>& dims,
                                            const std::map<std::string, int>& types) {
  std::map<std::string, TensorShape> known;
  for (const auto& [name, blob_dims] : dims) {
    TensorShape shape;
    for (int64_t d : blob_dims) shape.add_dims(d);
    auto type = types.find(name);
    const int data_type = type == types.end() ? TensorProto::FLOAT : type->second;
    DataTypeToTypeMeta(data_type);  // rejects a number that names no dtype, with its message
    shape.set_data_type(static_cast<TensorProto::DataType>(data_type));
    known[name] = shape;
  }
  return known;
}

// ---- gradients ----

using WrapperTuple = std::tuple<std::string, std::string, std::string>;  // (dense, indices, values)

py::tuple GradientForOp(const py::bytes& def_bytes, const std::vector<WrapperTuple>& g_output) {
  const auto def = ParseMessage<OperatorDef>(def_bytes, "OperatorDef");
  std::vector<GradientWrapper> wrappers;
  for (const auto& [dense, indices, values] : g_output) wrappers.push_back({dense, indices, values});
  const GradientOpsMeta meta = GetGradientForOp(def, wrappers);
  py::list ops;
  for (const auto& op : meta.ops_) ops.append(SerializeMessage(op));
  py::list g_input;
  for (const auto& g : meta.g_input_) g_input.append(py::make_tuple(g.dense_, g.indices_, g.values_));
  return py::make_tuple(ops, g_input);
}

py::tuple AddGradientOperators(const py::bytes& net_bytes, const std::vector<std::string>& seeds) {
  auto net = ParseMessage<NetDef>(net_bytes, "NetDef");
  const auto names = caffe2::AddGradientOperators(&net, seeds);
  return py::make_tuple(SerializeMessage(net), names);
}

// ---- schemas ----

py::object SchemaInfo(const std::string& type) {
  const OpSchema* schema = OpSchemaRegistry::Schema(type);
  if (schema == nullptr) return py::none();
  py::dict info;
  info["name"] = schema->name();
  info["doc"] = schema->doc();
  info["summary"] = schema->Summary();
  info["file"] = schema->file();
  info["line"] = schema->line();
  py::list inputs, outputs, args;
  for (const auto& doc : schema->input_docs()) inputs.append(py::make_tuple(doc.name, doc.description));
  for (const auto& doc : schema->output_docs()) outputs.append(py::make_tuple(doc.name, doc.description));
  for (const auto& arg : schema->args()) args.append(py::make_tuple(arg.name, arg.description, arg.required));
  info["inputs"] = inputs;
  info["outputs"] = outputs;
  info["args"] = args;
  info["input_count"] = schema->InputCountText();
  info["output_count"] = schema->OutputCountText();
  info["has_shape_inference"] = schema->has_shape_inference();
  info["describe"] = schema->Describe();
  return std::move(info);
}

std::vector<std::string> OperatorProblems(const py::bytes& def_bytes) {
  return OperatorDefProblems(ParseMessage<OperatorDef>(def_bytes, "OperatorDef"));
}

// ---- limits ----

py::dict GetLimits() {
  const auto& tensor = GetTensorLimits();
  const auto& serialization = GetSerializationLimits();
  py::dict limits;
  limits["max_rank"] = tensor.max_rank;
  limits["max_bytes"] = tensor.max_bytes;
  limits["max_file_bytes"] = serialization.max_file_bytes;
  limits["max_proto_depth"] = serialization.max_proto_depth;
  limits["max_string_bytes"] = serialization.max_string_bytes;
  return limits;
}

// Sets the limits named in `changes` (the keys of GetLimits()); an unknown name or a value below 1
// is an error and changes nothing.
void SetLimits(const std::map<std::string, int64_t>& changes) {
  auto tensor = GetTensorLimits();
  auto serialization = GetSerializationLimits();
  for (const auto& [name, value] : changes) {
    CAFFE_ENFORCE_GE(value, 1, "limit '", name, "' must be at least 1");
    if (name == "max_rank") tensor.max_rank = value;
    else if (name == "max_bytes") tensor.max_bytes = value;
    else if (name == "max_file_bytes") serialization.max_file_bytes = value;
    else if (name == "max_proto_depth") serialization.max_proto_depth = static_cast<int>(value);
    else if (name == "max_string_bytes") serialization.max_string_bytes = value;
    else CAFFE_THROW("no limit called '", name, "'; the limits are max_rank, max_bytes, max_file_bytes, "
                     "max_proto_depth and max_string_bytes");
  }
  SetTensorLimits(tensor);
  SetSerializationLimits(serialization);
}

// ---- the Workspace class and the module functions on the current workspace ----

// Binds `method(handle, args...)` both as a Workspace method and as a module function that acts on
// the current workspace, so the two never drift apart.
template <typename Return, typename... Args, typename... Extra>
void BindBoth(py::module_& m, py::class_<WorkspaceHandle, HandlePtr>& cls, const char* method_name,
              const char* function_name, Return (*method)(const HandlePtr&, Args...), const Extra&... extra) {
  cls.def(method_name, [method](const HandlePtr& self, Args... args) { return method(self, std::forward<Args>(args)...); },
          extra...);
  m.def(function_name, [method](Args... args) { return method(CurrentHandle(), std::forward<Args>(args)...); },
        extra...);
}

bool HasBlob(const HandlePtr& handle, const std::string& name) {
  WorkspaceLock lock(handle);
  return lock.ws().HasBlob(name);
}
std::vector<std::string> Blobs(const HandlePtr& handle) {
  WorkspaceLock lock(handle);
  return lock.ws().Blobs();
}
bool CreateBlob(const HandlePtr& handle, const std::string& name) {
  WorkspaceLock lock(handle);
  lock.ws().CreateBlob(name);
  return true;
}
bool RemoveBlob(const HandlePtr& handle, const std::string& name) {
  WorkspaceLock lock(handle);
  return lock.ws().RemoveBlob(name);
}
std::vector<std::string> Nets(const HandlePtr& handle) {
  WorkspaceLock lock(handle);
  return lock.ws().Nets();
}
bool DeleteNet(const HandlePtr& handle, const std::string& name) {
  WorkspaceLock lock(handle);
  lock.ws().DeleteNet(name);
  return true;
}
bool ResetWorkspace(const HandlePtr& handle) {
  WorkspaceLock lock(handle);
  lock.Reset();
  return true;
}
py::bytes SerializeBlobBytes(const HandlePtr& handle, const std::string& name) {
  WorkspaceLock lock(handle);
  const Blob* blob = lock.ws().GetBlob(name);
  CAFFE_ENFORCE(blob != nullptr, "Can't find blob: '", name, "' is not in workspace");
  return py::bytes(SerializeBlob(*blob, name));
}
bool DeserializeBlobBytes(const HandlePtr& handle, const std::string& name, const py::bytes& content) {
  const std::string bytes(content);
  WorkspaceLock lock(handle);
  // Into a fresh blob first, so a bad proto leaves the workspace's blob as it was.
  Blob parsed;
  DeserializeBlob(bytes, &parsed, "the BlobProto given for '" + name + "'");
  *lock.ws().CreateBlob(name) = std::move(parsed);
  return true;
}
py::bytes InferFromWorkspace(const HandlePtr& handle, const std::vector<py::bytes>& nets) {
  return InferShapesAndTypes(nets, WorkspaceShapes(handle));
}

}  // namespace
}  // namespace caffe2::python

PYBIND11_MODULE(_caffe2_mask, m) {
  using namespace caffe2::python;
  namespace c2 = caffe2;
  m.doc() = "caffe2_mask runtime: workspaces, blobs, operators, nets, gradients and schemas";

  static py::exception<c2::EnforceNotMet> enforce_not_met(m, "EnforceNotMet", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const c2::EnforceNotMet& e) {
      enforce_not_met(e.what());
    }
  });

  py::class_<WorkspaceHandle, HandlePtr> workspace(m, "Workspace",
      "A workspace: named blobs and nets. Independent of the process-wide table unless obtained from "
      "it with workspace(name); every method holds the workspace for the call.");
  workspace.def(py::init<>());
  // Caffe2's C.Workspace.current: the current workspace of the table.
  workspace.def_property_readonly_static("current", [](const py::object&) { return CurrentHandle(); });

  BindBoth(m, workspace, "feed_blob", "feed_blob", &FeedBlob, py::arg("name"), py::arg("array"));
  BindBoth(m, workspace, "fetch_blob", "fetch_blob", &FetchBlob, py::arg("name"));
  BindBoth(m, workspace, "has_blob", "has_blob", &HasBlob, py::arg("name"));
  BindBoth(m, workspace, "blobs", "blobs", &Blobs);
  BindBoth(m, workspace, "create_blob", "create_blob", &CreateBlob, py::arg("name"));
  BindBoth(m, workspace, "remove_blob", "remove_blob", &RemoveBlob, py::arg("name"));
  BindBoth(m, workspace, "serialize_blob", "serialize_blob", &SerializeBlobBytes, py::arg("name"));
  BindBoth(m, workspace, "deserialize_blob", "deserialize_blob", &DeserializeBlobBytes, py::arg("name"),
           py::arg("content"));
  BindBoth(m, workspace, "run_operator_once", "run_operator_once", &RunOperatorOnce, py::arg("op_def"));
  BindBoth(m, workspace, "run_net_once", "run_net_once", &RunNetOnce, py::arg("net_def"));
  BindBoth(m, workspace, "create_net", "create_net", &CreateNet, py::arg("net_def"), py::arg("overwrite") = false);
  BindBoth(m, workspace, "run_net", "run_net", &RunNet, py::arg("name"), py::arg("num_iter") = 1,
           py::arg("allow_fail") = false);
  BindBoth(m, workspace, "benchmark_net", "benchmark_net", &BenchmarkNet, py::arg("name"),
           py::arg("warmup_runs"), py::arg("main_runs"), py::arg("run_individual"));
  BindBoth(m, workspace, "nets", "nets", &Nets);
  BindBoth(m, workspace, "delete_net", "delete_net", &DeleteNet, py::arg("name"));
  BindBoth(m, workspace, "reset", "reset_workspace", &ResetWorkspace);
  BindBoth(m, workspace, "infer_shapes_and_types", "infer_shapes_and_types_from_workspace", &InferFromWorkspace,
           py::arg("nets"));

  m.def("switch_workspace", &SwitchWorkspace, py::arg("name"), py::arg("create_if_missing") = false);
  m.def("current_workspace", [] { return Table().current; });
  m.def("workspaces", &WorkspaceNames);
  m.def(
      "workspace",
      [](const std::optional<std::string>& name) {
        if (!name) return CurrentHandle();
        auto it = Table().by_name.find(*name);
        CAFFE_ENFORCE(it != Table().by_name.end(), "no workspace called '", *name, "'");
        return it->second;
      },
      py::arg("name") = py::none(), "The Workspace object called `name` (the current one by default).");

  m.def(
      "infer_shapes_and_types_from_map",
      [](const std::vector<py::bytes>& nets, const std::map<std::string, std::vector<int64_t>>& dims,
         const std::map<std::string, int>& types) { return InferShapesAndTypes(nets, MapShapes(dims, types)); },
      py::arg("nets"), py::arg("blob_dimensions"), py::arg("blob_types") = std::map<std::string, int>());

  m.def(
      "load_operator_library",
      [](const std::string& path) {
        py::gil_scoped_release unlocked;  // the library's static registrations may take a while
        c2::LoadOperatorLibrary(path);
      },
      py::arg("path"), "Loads an operator library (caffe2::LoadOperatorLibrary); errors raise EnforceNotMet.");
  m.def("loaded_operator_libraries", &c2::LoadedOperatorLibraries);
  m.def("registered_operators", [] { return c2::CPUOperatorRegistry()->Keys(); });
  m.def("nearby_opnames", [](const std::string& name) {
    return c2::CloseNames(name, c2::CPUOperatorRegistry()->Keys());
  });
  m.def("schema", &SchemaInfo, py::arg("op_type"),
        "The operator's schema as a dict (doc, inputs, outputs, args, counts), or None.");
  m.def("operator_problems", &OperatorProblems, py::arg("op_def"),
        "Everything wrong with a serialized OperatorDef that can be told without running it.");
  m.def("has_gradient", [](const std::string& type) { return c2::GradientRegistry()->Has(type); });
  m.def("get_gradient_for_op", &GradientForOp, py::arg("op_def"), py::arg("g_output"),
        "(serialized gradient ops, [(dense, indices, values)] per input) for a serialized OperatorDef and "
        "the (dense, indices, values) gradient names of its outputs.");
  m.def("add_gradient_operators", &AddGradientOperators, py::arg("net_def"), py::arg("seeds"),
        "(serialized net with its backward pass appended, {blob: gradient blob}).");
  m.def("get_limits", &GetLimits);
  m.def("set_limits", &SetLimits, py::arg("changes"));
}
