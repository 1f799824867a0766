"""Operators, blob references, nets and gradients (Caffe2's caffe2.python.core).

CreateOperator builds an OperatorDef, turning keyword arguments into Arguments (utils.MakeArgument);
Net wraps a NetDef and adds operators through method sugar (net.BooleanMask([...], [...])), returning
BlobReferences; GradientRegistry reaches the runtime's gradient makers and its backward-pass builder.
"""
import collections

from caffe2.proto import caffe2_pb2
from caffe2.python import _caffe2_mask as C
from caffe2.python import scope, utils, workspace

DeviceScope = scope.DeviceScope
NameScope = scope.NameScope


class DataType:
    """TensorProto.DataType values by name: DataType.FLOAT, DataType.INT32, ..."""


for _name, _value in caffe2_pb2.TensorProto.DataType.items():
    setattr(DataType, _name, _value)
del _name, _value


def _RegisteredOperators():
    return set(workspace.RegisteredOperators())


_REGISTERED_OPERATORS = _RegisteredOperators()


def RefreshRegisteredOperators():
    global _REGISTERED_OPERATORS
    _REGISTERED_OPERATORS = _RegisteredOperators()


def IsOperator(op_type):
    return op_type in _REGISTERED_OPERATORS


def IsOperatorWithEngine(op_type, engine):
    # One implementation per operator: every engine name resolves to it, as a missing engine does in
    # Caffe2.
    return IsOperator(op_type)


def GlobalInit(args):
    return workspace.GlobalInit(args)


def DeviceOption(device_type, device_id=0, random_seed=None, node_name=None, numa_node_id=None,
                 extra_info=None):
    option = caffe2_pb2.DeviceOption()
    option.device_type = device_type
    option.device_id = device_id
    if node_name is not None:
        option.node_name = node_name
    if random_seed is not None:
        option.random_seed = random_seed
    if numa_node_id is not None:
        if device_type != caffe2_pb2.CPU:
            raise ValueError("numa_node_id is for CPU device options only")
        option.numa_node_id = numa_node_id
    if extra_info is not None:
        option.extra_info.extend(extra_info)
    return option


def IsGPUDeviceType(device_type):
    return device_type in (caffe2_pb2.CUDA, caffe2_pb2.HIP)


def device_option_equal(opt1, opt2, ignore_node_name=True, ignore_random_seed=True):
    if not opt1 or not opt2:
        return opt1 == opt2
    if not ignore_node_name and opt1.node_name != opt2.node_name:
        return False
    if not ignore_random_seed and opt1.random_seed != opt2.random_seed:
        return False
    if not opt1.device_type or not opt2.device_type:
        return not opt1.device_type and not opt2.device_type
    return opt1.device_id == opt2.device_id


def InferOpBlobDevices(op):
    """([device of each input], [device of each output]). Every operator here keeps its blobs on its
    own device (none copies across devices), so each blob is on the operator's device option."""
    device = caffe2_pb2.DeviceOption()
    if op.HasField("device_option"):
        device.CopyFrom(op.device_option)
    return [device] * len(op.input), [device] * len(op.output)


def InferOpBlobDevicesAsDict(op):
    inputs, outputs = InferOpBlobDevices(op)
    return dict(zip(op.input, inputs)), dict(zip(op.output, outputs))


GradientSlice = collections.namedtuple("GradientSlice", ["indices", "values"])


class BlobReference:
    """A blob name, and the net it came from (for blob.Op(...) sugar). Equal to its name as a str."""

    def __init__(self, name, net=None):
        if isinstance(name, bytes):
            name = name.decode("utf-8")
        self._name = str(name)
        self._from_net = net
        self.meta = {}

    def __hash__(self):
        return hash(self._name)

    def __eq__(self, other):
        if isinstance(other, str):
            return self._name == other
        if isinstance(other, bytes):
            return self._name == other.decode("utf-8")
        if isinstance(other, BlobReference):
            return self._name == other._name
        return False

    def __ne__(self, other):
        return not self == other

    def __str__(self):
        return self._name

    def __repr__(self):
        return 'BlobReference("{}")'.format(self._name)

    def __add__(self, other):
        if not isinstance(other, str):
            raise RuntimeError("Cannot add BlobReference to a non-string.")
        return BlobReference(self._name + other, self._from_net)

    def __radd__(self, other):
        if not isinstance(other, str):
            raise RuntimeError("Cannot add a non-string to BlobReference.")
        return BlobReference(other + self._name, self._from_net)

    def Net(self):
        return self._from_net

    def GetNameScope(self):
        return self._name[:self._name.rfind(scope._NAMESCOPE_SEPARATOR) + 1]

    def __getattr__(self, op_type):
        """blob.Op(inputs, ...) is net.Op([blob] + inputs, ...) on the net the blob came from."""
        if op_type.startswith("__"):
            raise AttributeError(op_type)
        if self._from_net is None:
            raise RuntimeError(
                "You cannot use a blob reference that does not have a net source to create operators. "
                "Create the operator from an explicit net object.")
        method = getattr(self._from_net, op_type)

        def create(inputs=None, *args, **kwargs):
            inputs = [] if inputs is None else inputs
            if isinstance(inputs, (str, bytes, BlobReference)):
                inputs = [inputs]
            return method([self] + list(inputs), *args, **kwargs)

        return create


def ScopedName(name):
    """`name` with the current name scope in front."""
    if isinstance(name, bytes):
        name = name.decode("utf-8")
    return scope.CurrentNameScope() + name


def ScopedBlobReference(name, *args, **kwargs):
    return BlobReference(ScopedName(name), *args, **kwargs)


def _ListOfBlobs(blobs):
    """One name, one BlobReference or a list/tuple of them, as a list (elements type-checked)."""
    if isinstance(blobs, (str, bytes, BlobReference)):
        return [blobs]
    if not isinstance(blobs, (list, tuple)):
        raise TypeError("Unknown input/output type: {} of type {}.".format(blobs, type(blobs).__name__))
    for i, blob in enumerate(blobs):
        if not isinstance(blob, (str, bytes, BlobReference)):
            raise TypeError("I/O blob #{} of unsupported type: {} of type {}".format(
                i, blob, type(blob).__name__))
    return blobs


def _BlobNames(blobs):
    """The blob names of _ListOfBlobs(blobs); plain strings get the current name scope."""
    prefix = scope.CurrentNameScope()
    return [str(b) if isinstance(b, BlobReference) else prefix + (b.decode("utf-8") if isinstance(b, bytes) else b)
            for b in _ListOfBlobs(blobs)]


def _RectifyInputOutput(blobs, net=None):
    """_BlobNames as BlobReferences (of `net` for the plain strings)."""
    return [b if isinstance(b, BlobReference) else BlobReference(name, net)
            for b, name in zip(_ListOfBlobs(blobs), _BlobNames(blobs))]


def CreateOperator(operator_type, inputs, outputs, name="", control_input=None, device_option=None,
                   arg=None, engine=None, debug_info=None, **kwargs):
    """An OperatorDef of `operator_type`. Keyword arguments whose value is None are left out; the
    device option is `device_option`, else the current DeviceScope's, else unset."""
    operator = caffe2_pb2.OperatorDef()
    operator.type = operator_type
    operator.name = name
    operator.input.extend(_BlobNames(inputs))
    operator.output.extend(_BlobNames(outputs))
    if control_input:
        operator.control_input.extend(_BlobNames(control_input))
    if device_option is not None:
        operator.device_option.CopyFrom(device_option)
    elif scope.CurrentDeviceScope() is not None:
        operator.device_option.CopyFrom(scope.CurrentDeviceScope())
    if engine is not None:
        operator.engine = engine
    if debug_info is not None:
        operator.debug_info = debug_info
    # The random seed lives in the device option, not in an argument (as in Caffe2).
    if "random_seed" in kwargs:
        operator.device_option.random_seed = kwargs.pop("random_seed")
    if arg is not None:
        operator.arg.extend(arg)
    for key, value in kwargs.items():
        if value is not None:
            utils.FillArgument(operator.arg.add(), key, value)
    return operator


def _GradientNames(g):
    """A gradient as the runtime's (dense, indices, values) triple."""
    if g is None:
        return ("", "", "")
    if isinstance(g, GradientSlice):
        return ("", str(g.indices), str(g.values))
    return (str(g), "", "")


def _GradientFromNames(names):
    dense, indices, values = names
    if dense:
        return dense
    if indices or values:
        return GradientSlice(indices, values)
    return None


class GradientRegistry:
    """The runtime's gradient makers (registered in C++ with REGISTER_GRADIENT)."""

    @classmethod
    def GetGradientForOp(cls, op, g_output):
        """(gradient OperatorDefs, gradient of each input) for `op`, given the gradient of each of its
        outputs (a name, a GradientSlice or None). Input gradients are names, GradientSlices or None."""
        if len(g_output) != len(op.output):
            raise ValueError("GetGradientForOp: {} gradients given for the {} outputs of {}".format(
                len(g_output), len(op.output), op.type))
        serialized_ops, g_input = C.get_gradient_for_op(
            op.SerializeToString(), [_GradientNames(g) for g in g_output])
        ops = [caffe2_pb2.OperatorDef.FromString(s) for s in serialized_ops]
        return ops, [_GradientFromNames(g) for g in g_input]

    @classmethod
    def GetBackwardPass(cls, operators, ys, ys_generate_gradient=False):
        """(gradient operators, {blob: gradient BlobReference}) for the forward `operators`.

        `ys` lists the blobs to differentiate: a list (each seeded with ones by a ConstantFill), or a
        dict {blob: gradient blob name, or None to seed it with ones}. With ys_generate_gradient, every
        y is seeded with ones under its given gradient name."""
        if not isinstance(ys, dict):
            ys = {str(y): None for y in ys}
        ys = {str(y): (None if g is None else str(g)) for y, g in ys.items()}
        net = caffe2_pb2.NetDef()
        net.op.extend(operators)
        serialized, grad_names = C.add_gradient_operators(net.SerializeToString(), list(ys))
        built = caffe2_pb2.NetDef.FromString(serialized)
        gradient_ops = list(built.op)[len(operators):]

        # The builder seeds every y with ConstantFill(y) -> y + "_grad", first and in the order of ys.
        # Keep a seed only where a gradient is to be generated, and use the caller's gradient names.
        seeds, gradient_ops = gradient_ops[:len(ys)], gradient_ops[len(ys):]
        renames = {}
        kept_seeds = []
        for (y, given), seed in zip(ys.items(), seeds):
            if given is not None and given != seed.output[0]:
                renames[seed.output[0]] = given
            if given is None or ys_generate_gradient:
                kept_seeds.append(seed)
        gradient_ops = kept_seeds + gradient_ops
        for op in gradient_ops:
            for field in (op.input, op.output):
                for i, blob in enumerate(field):
                    field[i] = renames.get(blob, blob)
        grad_map = {blob: BlobReference(renames.get(g, g)) for blob, g in grad_names.items()}
        return gradient_ops, grad_map


class Net:
    """A NetDef under construction. Net("name") makes the name unique in the process, as Caffe2
    does (a second Net("n") is called "n_1"); Net(netdef) wraps a copy of that NetDef."""

    _net_names_used = set()

    @staticmethod
    def _get_next_net_name(basename):
        name = basename
        next_idx = 1
        while name in Net._net_names_used:
            name = "{}_{}".format(basename, next_idx)
            next_idx += 1
        Net._net_names_used.add(name)
        return name

    def __init__(self, name_or_proto, inputs=None):
        self._net = caffe2_pb2.NetDef()
        if isinstance(name_or_proto, caffe2_pb2.NetDef):
            self._net.CopyFrom(name_or_proto)
            Net._net_names_used.add(self._net.name)
        else:
            if isinstance(name_or_proto, bytes):
                name_or_proto = name_or_proto.decode("utf-8")
            self._net.name = Net._get_next_net_name(str(name_or_proto))
        self._next_name_index = 0
        if inputs is not None:
            self.AddExternalInputs(*(inputs if isinstance(inputs, (list, tuple)) else [inputs]))

    def Proto(self):
        return self._net

    def Name(self):
        return self._net.name

    def __str__(self):
        return self.Name()

    def NextName(self, prefix=None, output_id=None):
        """A blob name not used by this net yet: `<net>/<prefix>_<n>[_<output_id>]`, in the name scope."""
        used = self._UsedBlobNames()
        while True:
            base = "{}/{}".format(self._net.name, prefix or "_blob")
            name = "{}_{}".format(base, self._next_name_index)
            if output_id is not None:
                name += "_{}".format(output_id)
            name = ScopedName(name)
            self._next_name_index += 1
            if name not in used:
                return BlobReference(name, self)

    def _UsedBlobNames(self):
        names = set(self._net.external_input) | set(self._net.external_output)
        for op in self._net.op:
            names.update(op.input)
            names.update(op.output)
        return names

    def BlobIsDefined(self, blob):
        name = str(blob)
        return name in self._net.external_input or any(name in op.output for op in self._net.op)

    def GetBlobRef(self, blob_name):
        blob_name = str(blob_name)
        if not self.BlobIsDefined(blob_name):
            raise KeyError("Net {} does not define blob {}".format(self.Name(), blob_name))
        return BlobReference(blob_name, self)

    def AddExternalInput(self, *inputs):
        refs = []
        for blob in inputs:
            ref = blob if isinstance(blob, BlobReference) else BlobReference(blob, self)
            if str(ref) in self._net.external_input:
                raise ValueError("Net {}: {} is already an external input".format(self.Name(), ref))
            self._net.external_input.append(str(ref))
            refs.append(ref)
        return refs[0] if len(refs) == 1 else refs

    def AddExternalInputs(self, *inputs):
        result = self.AddExternalInput(*inputs)
        return result if isinstance(result, list) else [result]

    def AddExternalOutput(self, *outputs):
        for blob in outputs:
            self._net.external_output.append(str(blob))
        return outputs[0] if len(outputs) == 1 else list(outputs)

    def AddExternalOutputs(self, *outputs):
        self.AddExternalOutput(*outputs)
        return list(outputs)

    @property
    def external_inputs(self):
        return [BlobReference(b, self) for b in self._net.external_input]

    @property
    def external_outputs(self):
        return [BlobReference(b, self) for b in self._net.external_output]

    def Clone(self, name, blob_remap=None, op_id_mask=None, keep_schema=True, update_external_list=False):
        """A copy of this net called `name` (made unique), with blobs renamed by `blob_remap` and only
        the operators whose positions are in `op_id_mask`, when given."""
        blob_remap = {str(k): str(v) for k, v in (blob_remap or {}).items()}
        proto = caffe2_pb2.NetDef()
        proto.CopyFrom(self._net)
        proto.name = Net._get_next_net_name(str(name))
        if op_id_mask is not None:
            kept = [op for i, op in enumerate(self._net.op) if i in set(op_id_mask)]
            del proto.op[:]
            proto.op.extend(kept)
        for op in proto.op:
            for field in (op.input, op.output):
                for i, blob in enumerate(field):
                    field[i] = blob_remap.get(blob, blob)
        for field in (proto.external_input, proto.external_output):
            for i, blob in enumerate(field):
                field[i] = blob_remap.get(blob, blob)
        clone = Net.__new__(Net)
        clone._net = proto
        clone._next_name_index = self._next_name_index
        return clone

    def AddGradientOperators(self, ys, skip=0):
        """Appends the backward pass of this net's operators (after the first `skip`) for `ys` (see
        GradientRegistry.GetBackwardPass); returns {blob: gradient BlobReference}."""
        grad_ops, input_to_grad = GradientRegistry.GetBackwardPass(list(self._net.op)[skip:], ys)
        self._net.op.extend(grad_ops)
        return input_to_grad

    def _CreateAndAddToSelf(self, op_type, inputs, outputs=None, **kwargs):
        inputs = _RectifyInputOutput(inputs, net=self)
        if outputs is None:
            outputs = [self.NextName(prefix=op_type)]
        elif isinstance(outputs, int):
            outputs = [self.NextName(prefix=op_type, output_id=i) for i in range(outputs)]
        outputs = _RectifyInputOutput(outputs, net=self)
        op = CreateOperator(op_type, inputs, outputs, **kwargs)
        self._net.op.extend([op])
        refs = [BlobReference(str(o), self) for o in outputs]
        return refs[0] if len(refs) == 1 else tuple(refs)

    def __getattr__(self, op_type):
        """net.Op(inputs, outputs=None, **arguments) appends an `Op` operator and returns its output
        BlobReference (a tuple of them for several outputs); outputs may be a name, a list, a count or
        None (names made with NextName)."""
        if op_type.startswith("__") or op_type.startswith("_"):
            raise AttributeError(op_type)
        if not IsOperator(op_type):
            raise AttributeError("Method {} is not a registered operator. Did you mean: [{}]".format(
                op_type, ",".join(C.nearby_opnames(op_type))))
        return lambda *args, **kwargs: self._CreateAndAddToSelf(op_type, *args, **kwargs)

    def __dir__(self):
        return sorted(set(dir(type(self))) | set(self.__dict__) | _REGISTERED_OPERATORS)
