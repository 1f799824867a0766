"""Argument and tensor helpers (Caffe2's caffe2.python.utils).

MakeArgument puts a Python value in the Argument field Caffe2 puts it in: NumPy scalars count as the
Python value they hold (numpy.int64 -> i, numpy.float32 -> f), bool goes to i, lists go to the repeated
field of their element kind.
"""
import numbers

import numpy as np
from google.protobuf import text_format
from google.protobuf.message import DecodeError, Message

from caffe2.proto import caffe2_pb2


def _is_int(v):
    return isinstance(v, (bool, np.bool_, numbers.Integral))


def _is_float(v):
    return isinstance(v, (float, np.floating))


def _is_text(v):
    return isinstance(v, (bytes, str))


def MakeArgument(key, value):
    """An Argument called `key` holding `value` in the field Caffe2 uses for its type."""
    return FillArgument(caffe2_pb2.Argument(), key, value)


def FillArgument(argument, key, value):
    """MakeArgument into an existing (empty) Argument, e.g. op.arg.add(), saving a copy."""
    argument.name = key
    if isinstance(value, np.ndarray):
        if value.dtype == np.float32:
            # One dtype for the whole array: no per-element check needed.
            argument.floats.extend(value.ravel().tolist())
            return argument
        value = value.ravel().tolist()
    elif isinstance(value, np.generic):
        value = value.item()

    if isinstance(value, float):
        argument.f = value
    elif _is_int(value):
        argument.i = int(value)
    elif isinstance(value, bytes):
        argument.s = value
    elif isinstance(value, str):
        argument.s = value.encode("utf-8")
    elif isinstance(value, caffe2_pb2.NetDef):
        argument.n.CopyFrom(value)
    elif isinstance(value, Message):
        argument.s = value.SerializeToString()
    elif isinstance(value, (list, tuple, range)) or hasattr(value, "__iter__"):
        values = list(value)
        if all(_is_float(v) for v in values):
            argument.floats.extend(float(v) for v in values)
        elif all(_is_int(v) for v in values):
            argument.ints.extend(int(v) for v in values)
        elif all(_is_text(v) for v in values):
            argument.strings.extend(v.encode("utf-8") if isinstance(v, str) else v for v in values)
        elif all(isinstance(v, caffe2_pb2.NetDef) for v in values):
            argument.nets.extend(values)
        elif all(isinstance(v, Message) for v in values):
            argument.strings.extend(v.SerializeToString() for v in values)
        else:
            raise ValueError(
                "Unknown iterable argument type: key={} value={}: element types {} do not share one "
                "Argument field".format(key, value, sorted({type(v).__name__ for v in values})))
    else:
        raise ValueError("Unknown argument type: key={} value={}, value type={}".format(
            key, value, type(value).__name__))
    return argument


def ArgsToDict(args):
    """{name: value} for a list of Arguments; an Argument with no value set maps to None."""
    result = {}
    for arg in args:
        if not arg.HasField("name"):
            continue
        value = None
        for field in ("f", "i", "s", "n", "t"):
            if arg.HasField(field):
                value = getattr(arg, field)
                break
        else:
            for field in ("floats", "ints", "strings", "nets", "tensors"):
                if len(getattr(arg, field)) > 0:
                    value = list(getattr(arg, field))
                    break
        result[arg.name] = value
    return result


# TensorProto.DataType <-> NumPy dtype, and the TensorProto field each dtype's values live in.
_DATA_TYPES = [
    (caffe2_pb2.TensorProto.FLOAT, np.float32, "float_data"),
    (caffe2_pb2.TensorProto.DOUBLE, np.float64, "double_data"),
    (caffe2_pb2.TensorProto.INT32, np.int32, "int32_data"),
    (caffe2_pb2.TensorProto.INT64, np.int64, "int64_data"),
    (caffe2_pb2.TensorProto.INT16, np.int16, "int32_data"),
    (caffe2_pb2.TensorProto.INT8, np.int8, "int32_data"),
    (caffe2_pb2.TensorProto.UINT16, np.uint16, "int32_data"),
    (caffe2_pb2.TensorProto.UINT8, np.uint8, "int32_data"),
    (caffe2_pb2.TensorProto.BOOL, np.bool_, "int32_data"),
    (caffe2_pb2.TensorProto.FLOAT16, np.float16, "int32_data"),  # the 16 bits, as Caffe2 writes them
    (caffe2_pb2.TensorProto.STRING, object, "string_data"),
]


def NumpyDtypeForDataType(data_type):
    for number, dtype, _ in _DATA_TYPES:
        if number == data_type:
            return np.dtype(dtype)
    raise RuntimeError("TensorProto data type {} has no NumPy dtype here".format(data_type))


def DataTypeForNumpyDtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "OUS":
        return caffe2_pb2.TensorProto.STRING
    for number, candidate, _ in _DATA_TYPES:
        if candidate is not object and np.dtype(candidate) == dtype:
            return number
    raise RuntimeError("NumPy dtype {} has no TensorProto data type".format(dtype))


def Caffe2TensorToNumpyArray(tensor):
    """The values of a TensorProto as a NumPy array (typed fields or raw_data)."""
    for number, dtype, field in _DATA_TYPES:
        if number != tensor.data_type:
            continue
        dims = list(tensor.dims)
        if dtype is object:
            return np.array(list(tensor.string_data), dtype=object).reshape(dims)
        if tensor.HasField("raw_data"):
            return np.frombuffer(tensor.raw_data, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(dims)
        values = getattr(tensor, field)
        if number == caffe2_pb2.TensorProto.FLOAT16:
            return np.asarray(values, dtype=np.uint16).view(np.float16).reshape(dims)
        if number == caffe2_pb2.TensorProto.BOOL:
            return (np.asarray(values) != 0).reshape(dims)
        return np.asarray(values, dtype=dtype).reshape(dims)
    raise RuntimeError("Tensor data type not supported: {}".format(tensor.data_type))


def NumpyArrayToCaffe2Tensor(arr, name=None):
    """A TensorProto holding `arr`, in the typed field Caffe2 uses for its dtype."""
    arr = np.asarray(arr)
    tensor = caffe2_pb2.TensorProto()
    tensor.dims.extend(arr.shape)
    if name:
        tensor.name = name
    tensor.data_type = DataTypeForNumpyDtype(arr.dtype)
    flat = arr.ravel()
    if tensor.data_type == caffe2_pb2.TensorProto.STRING:
        tensor.string_data.extend(v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in flat)
    elif tensor.data_type == caffe2_pb2.TensorProto.FLOAT16:
        tensor.int32_data.extend(flat.view(np.uint16).tolist())
    else:
        field = next(f for number, _, f in _DATA_TYPES if number == tensor.data_type)
        getattr(tensor, field).extend(flat.tolist())
    return tensor


def TryReadProtoWithClass(cls, s):
    """A `cls` message read from text format, or from binary when `s` is not valid text format."""
    obj = cls()
    try:
        text_format.Parse(s, obj)
        return obj
    except (text_format.ParseError, UnicodeDecodeError, TypeError):
        obj = cls()
        obj.ParseFromString(s if isinstance(s, bytes) else s.encode("utf-8"))
        return obj


def GetContentFromProtoString(s, function_map):
    for cls, func in function_map.items():
        try:
            return func(TryReadProtoWithClass(cls, s))
        except DecodeError:
            continue
    raise DecodeError("Cannot find a fit protobuffer class.")


def OpAlmostEqual(op_a, op_b, ignore_fields=None):
    """True when the two OperatorDefs are equal except for the fields in `ignore_fields`."""
    ignore_fields = ignore_fields or []
    if not isinstance(ignore_fields, list):
        ignore_fields = [ignore_fields]

    def cleaned(op):
        op = type(op).FromString(op.SerializeToString())
        for field in ignore_fields:
            op.ClearField(field)
        return op

    return cleaned(op_a) == cleaned(op_b)
