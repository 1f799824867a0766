"""The core module: CreateOperator's arguments, BlobReference, scopes, Net sugar and gradients."""
import numpy as np
import pytest

from caffe2.proto import caffe2_pb2
from caffe2.python import core, utils, workspace


def args_of(op):
    return {a.name: a for a in op.arg}


def test_keyword_arguments_land_in_caffe2s_fields():
    op = core.CreateOperator(
        "SequenceMask", ["x"], "y", mode="sequence", axis=np.int64(2), fill_val=np.float32(-1.5),
        grad=True, batch=None, shape=[2, np.int32(3)], floats=[0.5, np.float32(1.0)],
        names=["a", b"b"], arr=np.array([1, 2], np.int64), farr=np.array([1.0], np.float32), flag=np.bool_(True))
    a = args_of(op)
    assert "batch" not in a  # None means "not given"
    assert a["mode"].s == b"sequence"
    assert a["axis"].HasField("i") and a["axis"].i == 2
    assert a["fill_val"].HasField("f") and a["fill_val"].f == -1.5
    assert a["grad"].i == 1 and a["flag"].i == 1
    assert list(a["shape"].ints) == [2, 3]
    assert list(a["floats"].floats) == [0.5, 1.0]
    assert list(a["names"].strings) == [b"a", b"b"]
    assert list(a["arr"].ints) == [1, 2] and list(a["farr"].floats) == [1.0]
    with pytest.raises(ValueError, match="do not share one Argument field"):
        core.CreateOperator("SequenceMask", ["x"], "y", mixed=[1, 0.5])
    with pytest.raises(ValueError, match="Unknown argument type"):
        core.CreateOperator("SequenceMask", ["x"], "y", bad=object())


def test_outputs_as_one_string_or_a_list_and_other_fields():
    one = core.CreateOperator("BooleanMask", ["d", "m"], "out")
    assert list(one.output) == ["out"]
    two = core.CreateOperator("BooleanMask", ("d", core.BlobReference("m")), ["out", b"idx"],
                              name="bm", engine="X", control_input="c", random_seed=7)
    assert list(two.input) == ["d", "m"] and list(two.output) == ["out", "idx"]
    assert two.name == "bm" and two.engine == "X" and list(two.control_input) == ["c"]
    assert two.device_option.random_seed == 7
    with pytest.raises(TypeError, match="unsupported type"):
        core.CreateOperator("BooleanMask", ["d", 3], "out")


def test_name_and_device_scopes():
    with core.NameScope("outer"):
        with core.NameScope("inner"):
            op = core.CreateOperator("BooleanMask", ["d", core.BlobReference("m")], "out")
        with core.NameScope("other", reset=True):
            assert core.ScopedName("z") == "other/z"
    assert list(op.input) == ["outer/inner/d", "m"] and list(op.output) == ["outer/inner/out"]
    assert core.ScopedBlobReference("x").GetNameScope() == ""
    option = core.DeviceOption(caffe2_pb2.CPU, 0, random_seed=3)
    with core.DeviceScope(option):
        scoped = core.CreateOperator("BooleanMask", ["d", "m"], "out")
    assert scoped.device_option.random_seed == 3
    assert not core.CreateOperator("BooleanMask", ["d", "m"], "out").HasField("device_option")
    assert core.IsGPUDeviceType(caffe2_pb2.CUDA) and not core.IsGPUDeviceType(caffe2_pb2.CPU)
    inputs, outputs = core.InferOpBlobDevicesAsDict(scoped)
    assert inputs["d"].random_seed == 3 and set(outputs) == {"out"}


def test_blob_reference():
    ref = core.BlobReference(b"name")
    assert ref == "name" and ref == b"name" and ref == core.BlobReference("name")
    assert hash(ref) == hash("name") and str(ref) == "name" and repr(ref) == 'BlobReference("name")'
    assert str(ref + "_grad") == "name_grad" and str("pre_" + ref) == "pre_name"
    with pytest.raises(RuntimeError, match="does not have a net source"):
        ref.BooleanMask


def test_net_sugar_returns_blob_references_and_runs():
    net = core.Net("sugar")
    data, mask = net.AddExternalInputs("data", "mask")
    masked, indices = net.BooleanMask([data, mask], ["masked", "indices"])
    assert isinstance(masked, core.BlobReference) and masked.Net() is net
    auto = net.BooleanMaskGradient([mask, masked])
    assert isinstance(auto, core.BlobReference) and str(auto).startswith("sugar/BooleanMaskGradient")
    two = net.BooleanMask([data, mask], 2)
    assert len(two) == 2 and str(two[0]) != str(two[1])
    chained = masked.BooleanMask([indices])  # blob.Op(inputs) is net.Op([blob] + inputs)
    assert list(net.Proto().op[-1].input) == ["masked", "indices"] and chained.Net() is net
    net.Proto().op.pop()  # that last one would fail: indices is not bool
    assert [op.type for op in net.Proto().op] == ["BooleanMask", "BooleanMaskGradient", "BooleanMask"]
    assert net.BlobIsDefined(masked) and net.BlobIsDefined("data") and not net.BlobIsDefined("nope")
    workspace.FeedBlob(data, np.arange(4, dtype=np.float32))
    workspace.FeedBlob(mask, np.array([True, False, True, True]))
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob(masked), [0, 2, 3])
    np.testing.assert_array_equal(workspace.FetchBlob(auto), [0, 0, 2, 3])


def test_unknown_operator_suggests_names():
    net = core.Net("typo")
    with pytest.raises(AttributeError, match=r"BoolenMask is not a registered operator.*BooleanMask"):
        net.BoolenMask(["a", "b"], "c")


def test_net_names_are_unique_and_clone_remaps():
    first, second = core.Net("same"), core.Net("same")
    assert first.Name() != second.Name() and second.Name().startswith("same_")
    first.BooleanMask(["data", "mask"], "out")
    clone = first.Clone("copy", blob_remap={"data": "other_data"})
    assert list(clone.Proto().op[0].input) == ["other_data", "mask"]
    assert list(first.Proto().op[0].input) == ["data", "mask"]
    wrapped = core.Net(first.Proto())
    assert wrapped.Name() == first.Name() and len(wrapped.Proto().op) == 1


def test_get_gradient_for_op():
    op = core.CreateOperator("BooleanMask", ["data", "mask"], ["masked", "indices"])
    grad_ops, g_input = core.GradientRegistry.GetGradientForOp(op, ["masked_grad", None])
    assert [g.type for g in grad_ops] == ["BooleanMaskGradient"]
    assert list(grad_ops[0].input) == ["mask", "masked_grad"] and list(grad_ops[0].output) == ["data_grad"]
    assert g_input == ["data_grad", None]
    # NO_GRADIENT: no operators, no input gradients.
    assert core.GradientRegistry.GetGradientForOp(
        core.CreateOperator("BooleanMaskLengths", ["l", "m"], ["o"]), ["o_grad"]) == ([], [None, None])
    with pytest.raises(ValueError, match="1 gradients given for the 2 outputs"):
        core.GradientRegistry.GetGradientForOp(op, ["masked_grad"])


def test_backward_pass_with_given_and_generated_gradients():
    ops = [core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"]),
           core.CreateOperator("SequenceMask", ["masked"], ["upper"], mode="upper", fill_val=0.0)]
    # Given gradient: no seed operator, and the caller's name is used.
    grad_ops, grad_map = core.GradientRegistry.GetBackwardPass(ops, {"upper": "my_seed"})
    assert "ConstantFill" not in [g.type for g in grad_ops]
    assert "my_seed" in grad_ops[0].input
    assert isinstance(grad_map["data"], core.BlobReference) and grad_map["upper"] == "my_seed"
    workspace.FeedBlob("data", np.arange(6, dtype=np.float32).reshape(3, 2))
    workspace.FeedBlob("mask", np.array([True, True, False]))
    workspace.RunOperatorsOnce(ops)
    workspace.FeedBlob("my_seed", np.array([[5.0, 7.0], [11.0, 13.0]], np.float32))
    workspace.RunOperatorsOnce(grad_ops)
    # Upper mode masks (i, j) with j > i, so element (0, 1) passes no gradient; row 2 was dropped.
    np.testing.assert_array_equal(workspace.FetchBlob(grad_map["data"]), [[5, 0], [11, 13], [0, 0]])
    # Listed ys are seeded with ones.
    grad_ops, grad_map = core.GradientRegistry.GetBackwardPass(ops, ["upper"])
    assert grad_ops[0].type == "ConstantFill" and list(grad_ops[0].output) == ["upper_grad"]
    workspace.RunOperatorsOnce(grad_ops)
    np.testing.assert_array_equal(workspace.FetchBlob(grad_map["data"]), [[1, 0], [1, 1], [0, 0]])
    grad_ops, _ = core.GradientRegistry.GetBackwardPass(ops, {"upper": "g"}, ys_generate_gradient=True)
    assert grad_ops[0].type == "ConstantFill" and list(grad_ops[0].output) == ["g"]


def test_net_add_gradient_operators_end_to_end():
    net = core.Net("train")
    # Two consumers of data: the builder sums their gradient parts.
    masked = net.BooleanMask(["data", "mask"], "masked")
    again = net.BooleanMask(["data", "mask"], "again")
    net.Sum([masked, again], "doubled")
    grad_map = net.AddGradientOperators(["doubled"])
    workspace.FeedBlob("data", np.array([[1, 2], [3, 4], [5, 6]], np.float32))
    workspace.FeedBlob("mask", np.array([True, False, True]))
    workspace.RunNetOnce(net)
    # d(sum of two copies)/d(data) is 2 on the kept rows and 0 on the dropped one.
    np.testing.assert_array_equal(workspace.FetchBlob(grad_map["data"]), [[2, 2], [0, 0], [2, 2]])
    assert "mask" not in grad_map


def test_utils_tensor_protos_for_every_dtype():
    for array in [np.array([True, False]), np.array([-3, 4], np.int8), np.array([1, 2], np.uint16),
                  np.array([1.5, -0.0], np.float16), np.array([[1, 2]], np.int64),
                  np.array([b"a", b"bc"], dtype=object), np.array([2.5], np.float64)]:
        back = utils.Caffe2TensorToNumpyArray(utils.NumpyArrayToCaffe2Tensor(array, name="t"))
        assert back.dtype == array.dtype and back.tobytes() == array.tobytes() or \
            (array.dtype == object and list(back) == list(array))
    args = utils.ArgsToDict(core.CreateOperator("SequenceMask", ["x"], "y", mode="upper", axis=2).arg)
    assert args == {"mode": b"upper", "axis": 2}
