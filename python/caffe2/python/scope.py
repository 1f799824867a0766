"""Name and device scopes (Caffe2's caffe2.python.scope).

NameScope prefixes blob names created by core.ScopedBlobReference (and so by CreateOperator and Net
sugar given plain strings); DeviceScope sets the device option CreateOperator uses when none is given.
Both are per thread, as in Caffe2.
"""
import contextlib
import threading

from caffe2.proto import caffe2_pb2

_NAMESCOPE_SEPARATOR = "/"

_state = threading.local()


def CurrentNameScope():
    return getattr(_state, "namescope", "")


def CurrentDeviceScope():
    return getattr(_state, "devicescope", None)


@contextlib.contextmanager
def NameScope(prefix, reset=False):
    """Appends `prefix` + '/' to the current name scope (or replaces it when `reset`)."""
    if isinstance(prefix, bytes):
        prefix = prefix.decode("utf-8")
    prefix = "" if prefix is None else str(prefix)
    if prefix and not prefix.endswith(_NAMESCOPE_SEPARATOR):
        prefix += _NAMESCOPE_SEPARATOR
    old = CurrentNameScope()
    _state.namescope = prefix if reset else old + prefix
    try:
        yield
    finally:
        _state.namescope = old


@contextlib.contextmanager
def DeviceScope(scope, node_name=None):
    """Makes `scope` (a DeviceOption) the device of operators created inside the block."""
    if scope is not None and not isinstance(scope, caffe2_pb2.DeviceOption):
        raise TypeError("DeviceScope takes a caffe2_pb2.DeviceOption, not {}".format(type(scope).__name__))
    new_scope = caffe2_pb2.DeviceOption()
    if scope is not None:
        new_scope.CopyFrom(scope)
    if node_name:
        new_scope.node_name = node_name
    old = CurrentDeviceScope()
    _state.devicescope = new_scope
    try:
        yield
    finally:
        _state.devicescope = old
