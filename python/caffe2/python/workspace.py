"""Workspaces, blobs and running (Caffe2's caffe2.python.workspace).

The process has a table of named workspaces, one of them current ("default" at start); the functions
here act on the current one. Blobs go in and out as NumPy arrays, copied once. Operators and nets are
passed to the runtime as serialized protos and run with the GIL released; a failure raises
C.EnforceNotMet, a RuntimeError subclass carrying the runtime's message.

This build runs on the CPU only, like a Caffe2 build without CUDA or HIP: has_gpu_support is False,
NumGpuDevices() is 0, and a GPU device option is rejected with a RuntimeError.
"""
import os

import numpy as np
from google.protobuf.message import Message

from caffe2.proto import caffe2_pb2
from caffe2.python import _caffe2_mask as C
from caffe2.python import utils

EnforceNotMet = C.EnforceNotMet

Blobs = C.blobs
CreateBlob = lambda name: C.create_blob(StringifyBlobName(name))  # noqa: E731
CurrentWorkspace = C.current_workspace
Workspaces = C.workspaces
RegisteredOperators = C.registered_operators
Nets = C.nets

has_cuda_support = False
has_hip_support = False
has_gpu_support = False
is_asan = False
# Caffe2 names CUDA the GPU device type on builds without GPUs, so code can still build GPU options.
GpuDeviceType = caffe2_pb2.CUDA


def NumGpuDevices():
    return 0


NumCudaDevices = NumGpuDevices


def GetCUDAVersion():
    return 0


def IsImmediate():
    """Caffe2's immediate mode is not supported: operators run only when asked to."""
    return False


def GlobalInit(args):
    """Accepts Caffe2's `[program, --flag=value, ...]`. The caffe2 flags (log level, OpenMP threads)
    have no counterpart in this runtime, so they are checked for form and otherwise ignored."""
    for flag in list(args)[1:]:
        if not str(flag).startswith("--"):
            raise ValueError("GlobalInit: '{}' is not a --flag".format(flag))
    return True


def SwitchWorkspace(ws_name, create_if_missing=False):
    if isinstance(ws_name, bytes):
        ws_name = ws_name.decode("utf-8")
    return C.switch_workspace(str(ws_name), bool(create_if_missing))


def ResetWorkspace(root_folder=None):
    """Empties the current workspace (blobs and nets). `root_folder` is created as in Caffe2; nothing
    in this runtime reads or writes it."""
    if root_folder is not None and not os.path.exists(root_folder):
        os.makedirs(root_folder)
    return C.reset_workspace()


def StringifyProto(obj):
    """The binary serialization of a proto, of an object with Proto(), or bytes/str as they are."""
    if isinstance(obj, bytes):
        return obj
    if isinstance(obj, str):
        return obj.encode("utf-8")
    if isinstance(obj, Message):
        return obj.SerializeToString()
    if hasattr(obj, "Proto"):
        return obj.Proto().SerializeToString()
    raise ValueError("Unexpected argument to StringifyProto of type " + type(obj).__name__)


def _StringifyName(name, expected_type):
    if isinstance(name, str):
        return name
    if isinstance(name, bytes):
        return name.decode("utf-8")
    if type(name).__name__ != expected_type:
        raise TypeError("Expected a string or {}, got {}".format(expected_type, type(name).__name__))
    return str(name)


def StringifyBlobName(name):
    return _StringifyName(name, "BlobReference")


def StringifyNetName(name):
    if isinstance(name, caffe2_pb2.NetDef):
        return name.name
    return _StringifyName(name, "Net")


def GetNetName(net):
    if isinstance(net, (str, bytes)):
        return StringifyNetName(net)
    if type(net).__name__ == "Net":
        return net.Name()
    if isinstance(net, caffe2_pb2.NetDef):
        return net.name
    raise TypeError("Not a Net object: {}".format(net))


def _CheckDeviceOption(device_option, what):
    if device_option is not None and device_option.device_type != caffe2_pb2.CPU:
        raise RuntimeError(
            "{}: device type {} is not available; this build runs on the CPU only (no CUDA or HIP)"
            .format(what, device_option.device_type))


def _AsFeedableArray(name, arr):
    if isinstance(arr, caffe2_pb2.TensorProto):
        return utils.Caffe2TensorToNumpyArray(arr)
    if isinstance(arr, (str, bytes, Message)):
        raise TypeError(
            "FeedBlob '{}': got a {}; this runtime's blobs hold tensors only, so feed a NumPy array "
            "(an object array for strings)".format(name, type(arr).__name__))
    return arr if isinstance(arr, np.ndarray) else np.asarray(arr)


def FeedBlob(name, arr, device_option=None):
    """Copies `arr` (a NumPy array, anything np.asarray takes, or a TensorProto) into blob `name`."""
    name = StringifyBlobName(name)
    _CheckDeviceOption(device_option, "FeedBlob '{}'".format(name))
    C.feed_blob(name, _AsFeedableArray(name, arr))
    return True


def FetchBlob(name):
    """The tensor in blob `name` (a string or a BlobReference) as a new NumPy array; string tensors
    come back as object arrays of bytes, as in Caffe2."""
    return C.fetch_blob(StringifyBlobName(name))


def FetchBlobs(names):
    return [FetchBlob(name) for name in names]


def HasBlob(name):
    return C.has_blob(StringifyBlobName(name))


def RemoveBlob(name):
    return C.remove_blob(StringifyBlobName(name))


def SerializeBlob(name):
    """Blob `name` as a binary BlobProto."""
    return C.serialize_blob(StringifyBlobName(name))


def DeserializeBlob(name, serialized_blob):
    return C.deserialize_blob(StringifyBlobName(name), serialized_blob)


def RunOperatorOnce(operator):
    return C.run_operator_once(StringifyProto(operator))


def RunOperatorsOnce(operators):
    for op in operators:
        if not RunOperatorOnce(op):
            return False
    return True


def RunNetOnce(net):
    return C.run_net_once(StringifyProto(net))


def CreateNet(net, overwrite=False, input_blobs=None):
    """Creates the net (checking all of it first) and keeps it in the workspace under its name."""
    for input_blob in input_blobs or []:
        C.create_blob(StringifyBlobName(input_blob))
    return C.create_net(StringifyProto(net), overwrite)


def RunNet(name, num_iter=1, allow_fail=False):
    """Runs a net created with CreateNet `num_iter` times. A failure raises, or returns False with
    allow_fail."""
    return C.run_net(StringifyNetName(name), num_iter, allow_fail)


def DeleteNet(name):
    return C.delete_net(StringifyNetName(name))


def BenchmarkNet(name, warmup_runs, main_runs, run_individual):
    """[milliseconds per run of the net] + ([milliseconds per run of each operator] if run_individual)."""
    return C.benchmark_net(StringifyNetName(name), warmup_runs, main_runs, run_individual)


def InferShapesAndTypes(nets, blob_dimensions=None, nets_proto=False, blob_types=None):
    """({blob: dims}, {blob: TensorProto.DataType}) for the blobs whose shapes are known after the
    nets' operators, starting from the workspace's blobs or from `blob_dimensions` / `blob_types`."""
    protos = [StringifyProto(n) if nets_proto else StringifyProto(n.Proto()) for n in nets]
    if blob_dimensions is None:
        if blob_types is not None:
            raise ValueError("InferShapesAndTypes: blob_types needs blob_dimensions")
        serialized = C.infer_shapes_and_types_from_workspace(protos)
    else:
        dims = {StringifyBlobName(k): [int(d) for d in v] for k, v in blob_dimensions.items()}
        types = {StringifyBlobName(k): int(v) for k, v in (blob_types or {}).items()}
        serialized = C.infer_shapes_and_types_from_map(protos, dims, types)
    shapes_proto = caffe2_pb2.TensorShapes()
    shapes_proto.ParseFromString(serialized)
    shapes, types = {}, {}
    for shape in shapes_proto.shapes:
        if not shape.unknown_shape:
            shapes[shape.name] = list(shape.dims)
            types[shape.name] = shape.data_type
    return shapes, types


def GetLimits():
    """This runtime's limits (not in Caffe2): max_rank, max_bytes, max_file_bytes, max_proto_depth,
    max_string_bytes."""
    return C.get_limits()


def SetLimits(**limits):
    C.set_limits({k: int(v) for k, v in limits.items()})


class _BlobDict:
    """workspace.blobs: the current workspace's blobs as a dict of NumPy arrays (Caffe2's
    workspace.blobs)."""

    def __getitem__(self, key):
        return FetchBlob(key)

    def __setitem__(self, key, value):
        FeedBlob(key, value)

    def __contains__(self, key):
        return HasBlob(key)

    def __len__(self):
        return len(Blobs())

    def __iter__(self):
        return iter(Blobs())

    def keys(self):
        return Blobs()

    def items(self):
        return [(name, FetchBlob(name)) for name in Blobs()]


blobs = _BlobDict()
