"""The workspace module: the table of workspaces, running operators and nets, prepared nets,
benchmarks, shape inference and error reporting."""
import numpy as np
import pytest

from caffe2.proto import caffe2_pb2
from caffe2.python import core, workspace


def feed_mask_inputs(n=6):
    workspace.FeedBlob("data", np.arange(n, dtype=np.float32))
    workspace.FeedBlob("mask", np.arange(n) % 2 == 0)


def test_workspace_table():
    assert workspace.CurrentWorkspace() == "default"
    workspace.FeedBlob("a", np.ones(1, np.float32))
    with pytest.raises(RuntimeError, match="no workspace called 'other'"):
        workspace.SwitchWorkspace("other")
    workspace.SwitchWorkspace(b"other", True)
    assert workspace.CurrentWorkspace() == "other"
    assert {"default", "other"} <= set(workspace.Workspaces())
    assert workspace.Blobs() == []
    workspace.FeedBlob("b", np.ones(1, np.float32))
    workspace.SwitchWorkspace("default")
    assert workspace.Blobs() == ["a"]
    workspace.ResetWorkspace()
    assert workspace.Blobs() == []
    workspace.SwitchWorkspace("other")
    assert workspace.Blobs() == ["b"]
    assert workspace.C.Workspace.current.blobs() == ["b"] and workspace.C.workspace("default").blobs() == []
    workspace.ResetWorkspace()


def test_run_operator_once_and_operators_once():
    feed_mask_inputs()
    ops = [core.CreateOperator("BooleanMask", ["data", "mask"], ["masked", "indices"]),
           core.CreateOperator("BooleanMaskGradient", ["mask", "masked"], "scattered")]
    assert workspace.RunOperatorsOnce(ops) is True
    np.testing.assert_array_equal(workspace.FetchBlob("masked"), [0, 2, 4])
    np.testing.assert_array_equal(workspace.FetchBlob("indices"), [0, 2, 4])
    np.testing.assert_array_equal(workspace.FetchBlob("scattered"), [0, 0, 2, 0, 4, 0])


def test_failures_raise_runtime_error_with_the_runtime_message():
    feed_mask_inputs()
    workspace.FeedBlob("mask", np.ones(2, bool))
    op = core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"])
    with pytest.raises(RuntimeError) as error:
        workspace.RunOperatorOnce(op)
    assert isinstance(error.value, workspace.EnforceNotMet)
    assert "input 1 'mask' (blob 'mask') has 2 elements but data has 6 rows" in str(error.value)
    assert "while running operator BooleanMask" in str(error.value)
    with pytest.raises(RuntimeError, match="input 0 is blob 'nowhere', which is not in the workspace"):
        workspace.RunOperatorOnce(core.CreateOperator("BooleanMask", ["nowhere", "mask"], ["m"]))
    with pytest.raises(RuntimeError, match="could not parse a OperatorDef"):
        workspace.RunOperatorOnce(b"\xff\xff\xff")


def test_prepared_net_runs_by_name():
    net = core.Net("prepared")
    net.BooleanMask(["data", "mask"], ["masked"])
    feed_mask_inputs()
    assert workspace.CreateNet(net) is True
    assert net.Name() in workspace.Nets()
    for n in (4, 8):
        feed_mask_inputs(n)
        assert workspace.RunNet(net.Name()) is True
        np.testing.assert_array_equal(workspace.FetchBlob("masked"), np.arange(0, n, 2))
    assert workspace.RunNet(net, num_iter=3)
    with pytest.raises(RuntimeError, match="already exists"):
        workspace.CreateNet(net)
    assert workspace.CreateNet(net, overwrite=True)
    workspace.DeleteNet(net)
    with pytest.raises(RuntimeError, match="no net called 'prepared'"):
        workspace.RunNet("prepared")


def test_run_net_allow_fail():
    net = core.Net("fails")
    net.BooleanMask(["data", "mask"], ["masked"])
    feed_mask_inputs()
    workspace.CreateNet(net)
    workspace.FeedBlob("mask", np.ones(1, bool))
    assert workspace.RunNet(net, allow_fail=True) is False
    with pytest.raises(RuntimeError, match=r"in net 'fails"):
        workspace.RunNet(net)


def test_create_net_checks_everything_first():
    net = core.Net("broken")
    net.BooleanMask(["data", "mask"], ["masked"])
    net.Proto().op.add().type = "NotAnOperator"
    with pytest.raises(RuntimeError) as error:
        workspace.CreateNet(net)
    message = str(error.value)
    assert "NotAnOperator" in message and "data" in message
    assert workspace.Blobs() == []


def test_create_net_input_blobs():
    net = core.Net("with_inputs")
    net.BooleanMask(["data", "mask"], ["masked"])
    workspace.CreateNet(net, input_blobs=["data", "mask"])
    assert {"data", "mask"} <= set(workspace.Blobs())


def test_run_net_once_takes_nets_and_netdefs():
    feed_mask_inputs()
    net = core.Net("once")
    net.BooleanMask(["data", "mask"], ["masked"])
    assert workspace.RunNetOnce(net)
    assert workspace.RunNetOnce(net.Proto())
    assert workspace.RunNetOnce(net.Proto().SerializeToString())
    assert workspace.Nets() == []


def test_benchmark_net():
    feed_mask_inputs()
    net = core.Net("bench")
    net.BooleanMask(["data", "mask"], ["masked"])
    net.BooleanMaskLengths(["lengths", "mask"], ["masked_lengths"])
    workspace.FeedBlob("lengths", np.array([2, 4], np.int32))
    workspace.CreateNet(net)
    whole = workspace.BenchmarkNet(net.Name(), 1, 5, False)
    assert len(whole) == 1 and whole[0] > 0
    per_op = workspace.BenchmarkNet(net.Name(), 0, 5, True)
    assert len(per_op) == 3 and all(t > 0 for t in per_op)
    with pytest.raises(RuntimeError, match="main_runs"):
        workspace.BenchmarkNet(net.Name(), 0, 0, False)


def test_infer_shapes_and_types():
    feed_mask_inputs()
    net = core.Net("shapes")
    net.BooleanMask(["data", "mask"], ["masked", "indices"])
    net.SequenceMask(["grid"], ["masked_grid"], mode="upper")
    net.Sum(["masked", "masked"], ["twice"])
    workspace.FeedBlob("grid", np.zeros((3, 4), np.float64))
    shapes, types = workspace.InferShapesAndTypes([net])
    assert shapes["data"] == [6] and types["data"] == caffe2_pb2.TensorProto.FLOAT
    assert shapes["masked"] == [-1]  # the row count depends on the mask's values
    assert types["indices"] == caffe2_pb2.TensorProto.INT64
    assert shapes["masked_grid"] == [3, 4] and types["masked_grid"] == caffe2_pb2.TensorProto.DOUBLE
    shapes, types = workspace.InferShapesAndTypes(
        [net.Proto()], blob_dimensions={"grid": [2, 5]}, nets_proto=True,
        blob_types={"grid": caffe2_pb2.TensorProto.FLOAT16})
    assert shapes == {"grid": [2, 5], "masked_grid": [2, 5]}
    assert types["masked_grid"] == caffe2_pb2.TensorProto.FLOAT16


def test_cpu_only_build_flags():
    assert workspace.has_gpu_support is False and workspace.has_cuda_support is False
    assert workspace.has_hip_support is False and workspace.NumGpuDevices() == 0
    assert workspace.GpuDeviceType == caffe2_pb2.CUDA
    assert not workspace.IsImmediate()
    assert {"BooleanMask", "BooleanMaskGradient", "BooleanMaskLengths", "BooleanUnmask",
            "SequenceMask"} <= set(workspace.RegisteredOperators())


def test_schemas():
    schema = workspace.C.schema("SequenceMask")
    assert schema["name"] == "SequenceMask"
    assert "mode" in [arg[0] for arg in schema["args"]]
    assert schema["has_shape_inference"]
    assert workspace.C.schema("NotAnOperator") is None
    assert "BooleanMask" in workspace.C.nearby_opnames("BoolenMask")
    problems = workspace.C.operator_problems(
        core.CreateOperator("BooleanMask", ["only_one"], ["out"]).SerializeToString())
    assert problems == ["BooleanMask takes 2 input(s), but the def has 1"]
