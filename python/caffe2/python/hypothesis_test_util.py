"""Property-test helpers (Caffe2's caffe2.python.hypothesis_test_util).

Strategies for NumPy inputs (dims, arrays, tensor, tensors, lengths, segmented tensors, ...), the
device strategies gcs / gcs_cpu_only (CPU only on this build), and HypothesisTestCase with the
checks Caffe2's operator tests call: assertReferenceChecks, assertGradientChecks,
assertDeviceChecks, assertValidationChecks and assertRunOpRaises.

Hypothesis profiles: "dev" (10 examples, the default), "debug" (1000), "sandcastle" (100,
derandomized) as in Caffe2, and "ci" (derandomized, 25 examples, no deadline) for the test suite. Pick
one with the environment variable CAFFE2_HYPOTHESIS_PROFILE.
"""
import contextlib
import copy
import functools
import os

import hypothesis
import hypothesis.extra.numpy
import hypothesis.strategies as st
import numpy as np

from caffe2.proto import caffe2_pb2
from caffe2.python import core, device_checker, gradient_checker, test_util, utils, workspace


def is_sandcastle():
    return os.getenv("SANDCASTLE") == "1" or os.getenv("TW_JOB_USER") == "sandcastle"


def is_travis():
    return "TRAVIS" in os.environ


_quiet = dict(suppress_health_check=list(hypothesis.HealthCheck), database=None)
hypothesis.settings.register_profile(
    "sandcastle", hypothesis.settings(derandomize=True, max_examples=100, **_quiet))
hypothesis.settings.register_profile("dev", hypothesis.settings(max_examples=10, **_quiet))
hypothesis.settings.register_profile("debug", hypothesis.settings(max_examples=1000, **_quiet))
hypothesis.settings.register_profile(
    "ci", hypothesis.settings(derandomize=True, max_examples=25, deadline=None, print_blob=True, **_quiet))
hypothesis.settings.load_profile(
    "sandcastle" if is_sandcastle() else os.getenv("CAFFE2_HYPOTHESIS_PROFILE", "dev"))


def to_float32(value):
    return float(np.float32(value))


def floats(*args, **kwargs):
    """st.floats of float32 width by default, with the bounds rounded to float32, so every value fits
    a float32 array exactly."""
    if "width" not in kwargs:
        kwargs["width"] = 32
        for bound in ("min_value", "max_value"):
            if kwargs.get(bound) is not None:
                kwargs[bound] = to_float32(kwargs[bound])
    return st.floats(*args, **kwargs)


def dims(min_value=1, max_value=5):
    return st.integers(min_value=min_value, max_value=max_value)


_FLOAT_WIDTH = {np.dtype(np.float16): 16, np.dtype(np.float32): 32, np.dtype(np.float64): 64}


def elements_of_type(dtype=np.float32, filter_=None):
    """Default elements for `dtype`: floats in [-1, 1], non-negative integers of the type's range,
    booleans."""
    dt = np.dtype(dtype)
    if dt in _FLOAT_WIDTH:
        elems = st.floats(min_value=-1.0, max_value=1.0, width=_FLOAT_WIDTH[dt])
    elif dt.kind in "iu":
        elems = st.integers(min_value=0, max_value=int(np.iinfo(dt).max))
    elif dt.kind == "b":
        elems = st.booleans()
    else:
        raise ValueError("Unexpected dtype without elements provided")
    return elems if filter_ is None else elems.filter(filter_)


def arrays(dims, dtype=np.float32, elements=None, unique=False):
    if elements is None:
        elements = elements_of_type(dtype)
    return hypothesis.extra.numpy.arrays(dtype, dims, elements=elements, unique=unique)


def tensor(min_dim=1, max_dim=4, dtype=np.float32, elements=None, unique=False, **kwargs):
    """An array of `dtype` with between min_dim and max_dim dims, each of size dims(**kwargs)."""
    shapes = st.lists(dims(**kwargs), min_size=min_dim, max_size=max_dim)
    return shapes.flatmap(lambda shape: arrays(shape, dtype, elements, unique=unique))


def tensor1d(min_len=1, max_len=64, dtype=np.float32, elements=None):
    return tensor(1, 1, dtype, elements, min_value=min_len, max_value=max_len)


def segment_ids(size, is_sorted):
    if size == 0:
        return st.just(np.empty(shape=[0], dtype=np.int32))
    if is_sorted:
        # Sorted ids starting at 0: a running count of "new segment here" flags.
        return arrays([size], dtype=np.int32, elements=st.booleans()).map(
            lambda starts: np.cumsum(starts, dtype=np.int32) - starts[0])
    return arrays([size], dtype=np.int32, elements=st.integers(min_value=0, max_value=2 * size))


def lengths(size, min_segments=None, max_segments=None, **kwargs):
    """int32 segment lengths (zeros allowed) that sum to `size`."""
    min_segments = 0 if min_segments is None else min_segments
    max_segments = size if max_segments is None else max_segments
    if not 0 <= min_segments <= max_segments:
        raise ValueError("lengths: need 0 <= min_segments <= max_segments")
    if size == 0 and max_segments == 0:
        return st.just(np.empty(shape=[0], dtype=np.int32))
    if max_segments <= 0:
        raise ValueError("lengths: size {} needs at least one segment".format(size))

    # k - 1 cut points in [0, size] make k segments.
    def from_cuts(cuts):
        bounds = np.sort(np.concatenate([np.asarray(cuts, dtype=np.int32), [0, size]]))
        return np.diff(bounds).astype(np.int32)

    return st.integers(min_value=max(min_segments - 1, 0), max_value=max_segments - 1).flatmap(
        lambda n_cuts: hypothesis.extra.numpy.arrays(
            np.int32, n_cuts, elements=st.integers(min_value=0, max_value=size))).map(from_cuts)


def segmented_tensor(min_dim=1, max_dim=4, dtype=np.float32, is_sorted=True, elements=None,
                     segment_generator=segment_ids, allow_empty=False, **kwargs):
    """(data, segments) where segments (ids or lengths) describe data's first dim."""
    empty_first = st.booleans() if allow_empty else st.just(False)
    shapes = st.tuples(empty_first, st.lists(dims(**kwargs), min_size=min_dim, max_size=max_dim)).map(
        lambda pair: ([0] if pair[0] else []) + pair[1])
    return shapes.flatmap(lambda shape: st.tuples(
        arrays(shape, dtype, elements), segment_generator(shape[0], is_sorted=is_sorted)))


def lengths_tensor(min_segments=None, max_segments=None, *args, **kwargs):
    generator = functools.partial(lengths, min_segments=min_segments, max_segments=max_segments)
    return segmented_tensor(*args, segment_generator=generator, **kwargs)


def sparse_segmented_tensor(min_dim=1, max_dim=4, dtype=np.float32, is_sorted=True, elements=None,
                            allow_empty=False, segment_generator=segment_ids, itype=np.int64, **kwargs):
    """(data, indices into data's first dim, segments of the indices)."""
    empty = st.booleans() if allow_empty else st.just(False)
    shapes = st.tuples(empty, st.lists(dims(**kwargs), min_size=min_dim, max_size=max_dim)).flatmap(
        lambda pair: st.tuples(
            st.just(pair[1]),
            st.just(0) if pair[0] else st.integers(min_value=1, max_value=pair[1][0])))
    return shapes.flatmap(lambda shape_and_n: st.tuples(
        arrays(shape_and_n[0], dtype, elements),
        arrays(shape_and_n[1], dtype=itype,
               elements=st.integers(min_value=0, max_value=shape_and_n[0][0] - 1)),
        segment_generator(shape_and_n[1], is_sorted=is_sorted)))


def sparse_lengths_tensor(**kwargs):
    return sparse_segmented_tensor(segment_generator=lengths, **kwargs)


def tensors(n, min_dim=1, max_dim=4, dtype=np.float32, elements=None, **kwargs):
    """`n` arrays of one shape."""
    shapes = st.lists(dims(**kwargs), min_size=min_dim, max_size=max_dim)
    return shapes.flatmap(lambda shape: st.lists(arrays(shape, dtype, elements), min_size=n, max_size=n))


def ntensors(min_n, max_n, min_dim=1, max_dim=4, dtype=np.float32, elements=None, **kwargs):
    """Between min_n and max_n arrays of one shape."""
    shapes = st.lists(dims(**kwargs), min_size=min_dim, max_size=max_dim)
    return shapes.flatmap(
        lambda shape: st.lists(arrays(shape, dtype, elements), min_size=min_n, max_size=max_n))


def tensors1d(n, min_len=1, max_len=64, dtype=np.float32, elements=None):
    return tensors(n, 1, 1, dtype, elements, min_value=min_len, max_value=max_len)


cpu_do = caffe2_pb2.DeviceOption()
cuda_do = caffe2_pb2.DeviceOption(device_type=caffe2_pb2.CUDA)
hip_do = caffe2_pb2.DeviceOption(device_type=caffe2_pb2.HIP)
gpu_do = caffe2_pb2.DeviceOption(device_type=workspace.GpuDeviceType)
_device_options_no_hip = [cpu_do] + ([cuda_do] if workspace.has_cuda_support else [])
device_options = _device_options_no_hip + ([hip_do] if workspace.has_hip_support else [])
expanded_device_options = [cpu_do] + [
    caffe2_pb2.DeviceOption(device_type=workspace.GpuDeviceType, device_id=i)
    for i in range(workspace.NumGpuDevices())]


def device_checker_device_options():
    return st.just(device_options)


def gradient_checker_device_option():
    return st.sampled_from(device_options)


gcs = dict(gc=gradient_checker_device_option(), dc=device_checker_device_options())
gcs_cpu_only = dict(gc=st.sampled_from([cpu_do]), dc=st.just([cpu_do]))
# GPU strategies exist so tests that name them import; on this CPU-only build a test drawing from
# them fails with the runtime's "no such device" error, as on a Caffe2 build without CUDA.
gcs_cuda_only = dict(gc=st.sampled_from([cuda_do]), dc=st.just([cuda_do]))
gcs_gpu_only = dict(gc=st.sampled_from([gpu_do]), dc=st.just([gpu_do]))
gcs_no_hip = dict(gc=st.sampled_from(_device_options_no_hip), dc=st.just(_device_options_no_hip))


@contextlib.contextmanager
def temp_workspace(name=b"temp_ws"):
    """Runs the block in workspace `name`, then empties it and switches back."""
    old_ws_name = workspace.CurrentWorkspace()
    workspace.SwitchWorkspace(name, True)
    try:
        yield
    finally:
        workspace.ResetWorkspace()
        workspace.SwitchWorkspace(old_ws_name)


def _FeedInputs(op, inputs, device_option, input_device_options):
    if len(op.input) > len(inputs):
        raise ValueError("must supply an input for each input on the op: {} vs {}".format(
            list(op.input), inputs))
    devices = input_device_options or core.InferOpBlobDevicesAsDict(op)[0]
    for name, value in zip(op.input, inputs):
        workspace.FeedBlob(name, value, device_option=devices.get(name, device_option))


def _WithDevice(op, device_option):
    op = copy.deepcopy(op)
    op.device_option.CopyFrom(device_option)
    return op


def runOpBenchmark(device_option, op, inputs, input_device_options=None, iterations=10):
    op = _WithDevice(op, device_option)
    net = caffe2_pb2.NetDef()
    net.op.extend([op])
    net.name = op.name if op.name else "test"
    with temp_workspace():
        _FeedInputs(op, inputs, device_option, input_device_options)
        workspace.CreateNet(net)
        return workspace.BenchmarkNet(net.name, 1, iterations, True)


def runOpOnInput(device_option, op, inputs, input_device_options=None):
    op = _WithDevice(op, device_option)
    with temp_workspace():
        _FeedInputs(op, inputs, device_option, input_device_options)
        workspace.RunOperatorOnce(op)
        return [workspace.FetchBlob(name) for name in op.output]


class HypothesisTestCase(test_util.TestCase):
    """A TestCase with Caffe2's operator checks."""

    def assertDeviceChecks(self, device_options, op, inputs, outputs_to_check, input_device_options=None,
                           threshold=0.01):
        """The operator gives the same outputs on every device option."""
        checker = device_checker.DeviceChecker(threshold, device_options=device_options)
        self.assertTrue(checker.CheckSimple(op, inputs, outputs_to_check, input_device_options))

    def assertGradientChecks(self, device_option, op, inputs, outputs_to_check, outputs_with_grads,
                             grad_ops=None, threshold=0.005, stepsize=0.05, input_device_options=None):
        """The registered gradient of input `outputs_to_check` (an input index, named as in Caffe2)
        matches central differences of sum(y**2)/2 over the outputs `outputs_with_grads`."""
        checker = gradient_checker.GradientChecker(
            stepsize=stepsize, threshold=threshold, device_option=device_option,
            workspace_name=str(device_option), input_device_options=input_device_options)
        res, grad, grad_estimated = checker.CheckSimple(
            op, inputs, outputs_to_check, outputs_with_grads, grad_ops=grad_ops,
            input_device_options=input_device_options)
        self.assertEqual(grad.shape, grad_estimated.shape)
        self.assertTrue(res, "Gradient check failed for input " + str(op.input[outputs_to_check]))

    def _assertGradReferenceChecks(self, op, inputs, ref_outputs, output_to_grad, grad_reference,
                                   threshold=1e-4):
        grad_blob_name = output_to_grad + "_grad"
        grad_ops, grad_map = core.GradientRegistry.GetBackwardPass([op], {output_to_grad: grad_blob_name})
        output_grad = workspace.FetchBlob(output_to_grad)
        grad_ref_outputs = grad_reference(output_grad, ref_outputs, inputs)
        workspace.FeedBlob(grad_blob_name, output_grad)
        workspace.RunOperatorsOnce(grad_ops)
        self.assertEqual(len(grad_ref_outputs), len(inputs))
        for name, ref in zip(op.input, grad_ref_outputs):
            grad_names = grad_map.get(name)
            if not grad_names:
                self.assertIsNone(ref)
                continue
            if isinstance(grad_names, core.BlobReference):
                ref_vals, ref_indices, val_name = ref, None, grad_names
            else:
                (ref_vals, ref_indices), val_name = ref, grad_names.values
            np.testing.assert_allclose(
                workspace.FetchBlob(str(val_name)), ref_vals, atol=threshold, rtol=threshold,
                err_msg="Gradient {} (x) is not matching the reference (y)".format(val_name))
            if ref_indices is not None:
                np.testing.assert_allclose(workspace.FetchBlob(str(grad_names.indices)), ref_indices,
                                           atol=1e-4, rtol=1e-4)

    def _assertInferTensorChecks(self, name, shapes, types, output, ensure_output_is_inferred=False):
        """The inferred shape and type of `name` match the output actually computed. A dim inferred
        as -1 is one the schema cannot know before running (BooleanMask's row count) and matches any
        size. Caffe2 only logged mismatches here; this runtime's schemas are held to them."""
        self.assertTrue(not ensure_output_is_inferred or name in shapes,
                        "Shape for {} was not inferred".format(name))
        if name not in shapes:
            return
        inferred = list(shapes[name])
        actual = list(output.shape)
        self.assertEqual(len(inferred), len(actual),
                         "Shape {} mismatch: inferred {} vs. computed {}".format(name, inferred, actual))
        for dim, (want, got) in enumerate(zip(inferred, actual)):
            if want != -1:
                self.assertEqual(want, got, "Shape {} mismatch at dim {}: inferred {} vs. computed {}"
                                 .format(name, dim, inferred, actual))
        self.assertEqual(types[name], utils.DataTypeForNumpyDtype(output.dtype),
                         "Type {} mismatch".format(name))

    def assertReferenceChecks(self, device_option, op, inputs, reference, input_device_options=None,
                              threshold=1e-4, output_to_grad=None, grad_reference=None, atol=None,
                              outputs_to_check=None, ensure_outputs_are_inferred=False):
        """The operator's outputs equal reference(*inputs) (a tuple or list of arrays) within
        `threshold`; inferred shapes and types, where the schema infers them, match the outputs."""
        op = _WithDevice(op, device_option)
        with temp_workspace():
            _FeedInputs(op, inputs, device_option, input_device_options)
            net = core.Net("opnet")
            net.Proto().op.extend([op])
            shapes, types = workspace.InferShapesAndTypes([net])
            workspace.RunNetOnce(net)
            reference_outputs = reference(*inputs)
            if not isinstance(reference_outputs, (tuple, list)):
                raise RuntimeError(
                    "You are providing a wrong reference implementation. A proper one should return a "
                    "tuple/list of numpy arrays.")
            if not outputs_to_check:
                self.assertEqual(len(reference_outputs), len(op.output))
                outputs_to_check = list(range(len(op.output)))
            outs = []
            for output_index, ref in zip(outputs_to_check, reference_outputs):
                name = op.output[output_index]
                output = workspace.FetchBlob(name)
                if output.dtype.kind in ("S", "O"):
                    np.testing.assert_array_equal(output, ref)
                else:
                    np.testing.assert_allclose(
                        output, ref, atol=threshold if atol is None else atol, rtol=threshold,
                        err_msg="Output {} is not matching the reference".format(name))
                self._assertInferTensorChecks(name, shapes, types, output,
                                              ensure_output_is_inferred=ensure_outputs_are_inferred)
                outs.append(output)
            if grad_reference is not None:
                if output_to_grad is None:
                    raise ValueError("If grad_reference is set, output_to_grad has to be set as well")
                with core.DeviceScope(device_option):
                    self._assertGradReferenceChecks(op, inputs, reference_outputs, output_to_grad,
                                                    grad_reference, threshold=threshold)
            return outs

    def assertValidationChecks(self, device_option, op, inputs, validator, input_device_options=None,
                               as_kwargs=True, init_net=None):
        """Runs the operator and calls validator(**{blob name: value}) (or inputs=, outputs=)."""
        if as_kwargs and len(set(op.input) | set(op.output)) != len(op.input) + len(op.output):
            raise ValueError("in-place ops are not supported in as_kwargs mode")
        op = _WithDevice(op, device_option)
        with temp_workspace():
            _FeedInputs(op, inputs, device_option, input_device_options)
            if init_net:
                workspace.RunNetOnce(init_net)
            workspace.RunOperatorOnce(op)
            outputs = [workspace.FetchBlob(n) for n in op.output]
            if as_kwargs:
                validator(**dict(zip(list(op.input) + list(op.output), list(inputs) + outputs)))
            else:
                validator(inputs=inputs, outputs=outputs)

    def assertRunOpRaises(self, device_option, op, inputs, input_device_options=None,
                          exception=(Exception,), regexp=None):
        """Running the operator raises `exception` (with a message matching `regexp`, if given)."""
        op = _WithDevice(op, device_option)
        with temp_workspace():
            _FeedInputs(op, inputs, device_option, input_device_options)
            if regexp is None:
                self.assertRaises(exception, workspace.RunOperatorOnce, op)
            else:
                self.assertRaisesRegex(exception, regexp, workspace.RunOperatorOnce, op)

