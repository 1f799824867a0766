"""Property tests of every mask operator, mode and argument, written as Caffe2 wrote operator tests:
hypothesis strategies from hypothesis_test_util, NumPy references (assertReferenceChecks),
numerical gradients (assertGradientChecks) and failures (assertRunOpRaises).

The references are written from the operator spec (docs/mask-operators.md in ../shared), not from
the C++ code: each one computes the result a different way (NumPy indexing, explicit loops).
"""
import hypothesis.strategies as st
import numpy as np
from hypothesis import assume, given, settings

import caffe2.python.hypothesis_test_util as hu
import caffe2.python.serialized_test.serialized_test_util as serial
from caffe2.python import core, workspace

# Every dtype a tensor can hold; strings are object arrays.
ALL_DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.float16,
              np.float32, np.float64, object]
FLOAT_DTYPES = [np.float16, np.float32, np.float64]
MODES = ["sequence", "window", "upper", "lower", "upperdiag", "lowerdiag"]


def values_of(dtype, shape, rng):
    """Random values of `dtype` (distinct enough to tell rows apart)."""
    n = int(np.prod(shape))
    if dtype is object:
        return np.array(["s{}".format(v).encode() for v in rng.integers(0, 1000, n)],
                        dtype=object).reshape(shape)
    if dtype is np.bool_:
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    return rng.integers(0, 100, n).astype(dtype).reshape(shape)


def masks(n):
    return hu.arrays([n], dtype=np.bool_)


class TestBooleanMask(serial.SerializedTestCase):
    @given(shape=st.lists(hu.dims(0, 5), min_size=1, max_size=4), dtype=st.sampled_from(ALL_DTYPES),
           with_indices=st.booleans(), seed=st.integers(0, 2**31 - 1), **hu.gcs)
    def test_every_dtype_and_rank(self, shape, dtype, with_indices, seed, gc, dc):
        rng = np.random.default_rng(seed)
        data = values_of(dtype, shape, rng)
        mask = rng.integers(0, 2, shape[0]).astype(bool)
        outputs = ["masked_data", "masked_indices"] if with_indices else "masked_data"
        op = core.CreateOperator("BooleanMask", ["data", "mask"], outputs)

        def ref(data, mask):
            rows = [i for i in range(len(mask)) if mask[i]]
            selected = (data[rows] if rows else data[:0],)
            return selected + ((np.array(rows, dtype=np.int64),) if with_indices else ())

        self.assertReferenceChecks(gc, op, [data, mask], ref)
        self.assertDeviceChecks(dc, op, [data, mask], [0])

    @given(x=hu.tensor(min_dim=1, max_dim=3, elements=hu.floats(-1.0, 1.0)), **hu.gcs_cpu_only)
    def test_gradient_nd(self, x, gc, dc):
        # Caffe2's gradient was only right for 1-D data; N-D rows are scattered whole here.
        mask = np.arange(x.shape[0]) % 2 == 0
        op = core.CreateOperator("BooleanMask", ["data", "mask"], ["masked_data"])
        self.assertGradientChecks(gc, op, [x, mask], 0, [0])

    @given(n=hu.dims(1, 8), **hu.gcs_cpu_only)
    def test_mask_size_must_match_rows(self, n, gc, dc):
        op = core.CreateOperator("BooleanMask", ["data", "mask"], ["masked_data"])
        self.assertRunOpRaises(gc, op, [np.zeros(n, np.float32), np.ones(n + 1, bool)],
                               exception=RuntimeError,
                               regexp="has {} elements but data has {} rows".format(n + 1, n))

    def test_mask_must_be_bool_and_1d(self):
        op = core.CreateOperator("BooleanMask", ["data", "mask"], ["masked_data"])
        self.assertRunOpRaises(hu.cpu_do, op, [np.zeros(3, np.float32), np.ones(3, np.int32)],
                               exception=RuntimeError, regexp="must be bool, but is int32")
        self.assertRunOpRaises(hu.cpu_do, op, [np.zeros(3, np.float32), np.ones((3, 1), bool)],
                               exception=RuntimeError, regexp=r"must be 1-D, but has shape \[3, 1\]")


class TestBooleanMaskGradient(serial.SerializedTestCase):
    @given(mask=st.integers(1, 8).flatmap(masks), inner=st.lists(hu.dims(1, 3), max_size=2),
           dtype=st.sampled_from([np.bool_, np.int32, np.int64, np.float16, np.float32, np.float64]),
           seed=st.integers(0, 2**31 - 1), **hu.gcs)
    def test_scatters_rows(self, mask, inner, dtype, seed, gc, dc):
        rng = np.random.default_rng(seed)
        dy = values_of(dtype, [int(mask.sum())] + inner, rng)
        op = core.CreateOperator("BooleanMaskGradient", ["mask", "dY"], ["dX"])

        def ref(mask, dy):
            dx = np.zeros((len(mask),) + dy.shape[1:], dtype=dy.dtype)
            dx[mask] = dy
            return (dx,)

        self.assertReferenceChecks(gc, op, [mask, dy], ref)

    @given(**hu.gcs_cpu_only)
    def test_rows_must_match_true_count(self, gc, dc):
        op = core.CreateOperator("BooleanMaskGradient", ["mask", "dY"], ["dX"])
        self.assertRunOpRaises(gc, op, [np.array([1, 0, 1], bool), np.ones(3, np.float32)],
                               exception=RuntimeError, regexp="has 3 rows but .* has 2 true values")


class TestBooleanMaskLengths(serial.SerializedTestCase):
    @given(lengths=hu.dims(0, 12).flatmap(lambda n: hu.lengths(n)), ltype=st.sampled_from([np.int32, np.int64]),
           seed=st.integers(0, 2**31 - 1), **hu.gcs)
    def test_counts_per_segment(self, lengths, ltype, seed, gc, dc):
        lengths = lengths.astype(ltype)
        mask = np.random.default_rng(seed).integers(0, 2, int(lengths.sum())).astype(bool)
        op = core.CreateOperator("BooleanMaskLengths", ["lengths", "mask"], ["masked_lengths"])

        def ref(lengths, mask):
            ends = np.cumsum(lengths)
            starts = ends - lengths
            return (np.array([mask[s:e].sum() for s, e in zip(starts, ends)], dtype=ltype),)

        self.assertReferenceChecks(gc, op, [lengths, mask], ref)
        self.assertDeviceChecks(dc, op, [lengths, mask], [0])

    def test_negative_length_and_sum_mismatch(self):
        op = core.CreateOperator("BooleanMaskLengths", ["lengths", "mask"], ["masked_lengths"])
        # Caffe2 accepted [-1, 3] with a 2-element mask and read past the mask.
        self.assertRunOpRaises(hu.cpu_do, op, [np.array([-1, 3], np.int32), np.ones(2, bool)],
                               exception=RuntimeError, regexp="negative length at index 0")
        self.assertRunOpRaises(hu.cpu_do, op, [np.array([1, 3], np.int64), np.ones(2, bool)],
                               exception=RuntimeError, regexp="sums to 4 but .* has 2 elements")


class TestBooleanUnmask(serial.SerializedTestCase):
    @serial.given(n=hu.dims(1, 12), pieces=hu.dims(1, 4), inner=st.lists(hu.dims(1, 3), max_size=2),
           dtype=st.sampled_from(ALL_DTYPES), seed=st.integers(0, 2**31 - 1), **hu.gcs)
    def test_merges_pairs(self, n, pieces, inner, dtype, seed, gc, dc):
        rng = np.random.default_rng(seed)
        expected = values_of(dtype, [n] + inner, rng)
        owner = rng.integers(0, pieces, n)  # which pair supplies each position
        inputs, names = [], []
        for i in range(pieces):
            inputs += [owner == i, expected[owner == i]]
            names += ["mask%d" % i, "values%d" % i]
        op = core.CreateOperator("BooleanUnmask", names, "unmasked_data")
        self.assertReferenceChecks(gc, op, inputs, lambda *args: (expected,))
        self.assertDeviceChecks(dc, op, inputs, [0])

    def test_first_true_mask_wins_and_errors(self):
        op = core.CreateOperator("BooleanUnmask", ["m1", "v1", "m2", "v2"], ["out"])
        t, f = True, False
        overlap = [np.array([t, f]), np.array([1.0], np.float32), np.array([t, t]), np.array([2.0], np.float32)]
        self.assertReferenceChecks(hu.cpu_do, op, overlap,
                                   lambda *a: (np.array([1.0, 2.0], np.float32),))
        self.assertRunOpRaises(hu.cpu_do, op, overlap[:3] + [np.array([2.0, 2.0], np.float32)],
                               exception=RuntimeError, regexp="not all consumed")
        self.assertRunOpRaises(hu.cpu_do, op, [np.array([t, f]), np.array([1.0], np.float32),
                                               np.array([f, f]), np.array([], np.float32)],
                               exception=RuntimeError, regexp="all masks have False at position 1")
        # Caffe2 copied by the first dtype's item size here and corrupted memory.
        self.assertRunOpRaises(hu.cpu_do, op, [np.array([t, f]), np.array([1.0], np.float32),
                                               np.array([f, t]), np.array([2], np.int32)],
                               exception=RuntimeError, regexp="all values must share one dtype")


def sequence_mask_ref(x, second, mode, axis=1, batch=None, radius=10, fill_val=-np.inf, grad=False,
                      repeat_from_axis=None):
    """SequenceMask by explicit loops over the [N, M] (or [B, N, M], or [N, M/D, D]) view."""
    ndim = x.ndim
    axis = axis + ndim if axis < 0 else axis
    value = 0 if grad else fill_val
    out = x.copy()

    def masked(i, j):
        if mode == "sequence":
            return j >= second[i]
        if mode == "window":
            return j > int(second[i]) + radius or j < int(second[i]) - radius
        return {"upper": j > i, "lower": j < i, "upperdiag": j >= i, "lowerdiag": j <= i}[mode]

    if batch is not None:
        batch = batch + ndim if batch < 0 else batch
        view = out.reshape(int(np.prod(x.shape[:batch + 1])), int(np.prod(x.shape[batch + 1:axis])),
                           int(np.prod(x.shape[axis:])))
        for b in range(view.shape[0]):
            for i in range(view.shape[1]):
                for j in range(view.shape[2]):
                    if masked(i, j):
                        view[b, i, j] = value
    elif repeat_from_axis is not None:
        repeat = repeat_from_axis + ndim if repeat_from_axis < 0 else repeat_from_axis
        view = out.reshape(int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:repeat])),
                           int(np.prod(x.shape[repeat:])))
        for i in range(view.shape[0]):
            for j in range(view.shape[1]):
                if masked(i, j):
                    view[i, j, :] = value
    else:
        view = out.reshape(int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))
        for i in range(view.shape[0]):
            for j in range(view.shape[1]):
                if masked(i, j):
                    view[i, j] = value
    return out


@st.composite
def sequence_mask_cases(draw, with_batch=False, with_repeat=False):
    """(x, mode, axis, batch, repeat_from_axis): a shape with axis (and batch / repeat) in range,
    axis given as negative or positive."""
    mode = draw(st.sampled_from(["sequence"] if with_repeat else MODES))
    min_dim = 3 if (with_batch or with_repeat) else 1
    shape = draw(st.lists(hu.dims(1, 4), min_size=min_dim, max_size=4))
    ndim = len(shape)
    batch = repeat = None
    if with_batch:
        batch = draw(st.integers(0, ndim - 2))
        axis = draw(st.integers(batch + 1, ndim - 1))
    elif with_repeat:
        axis = draw(st.integers(0, ndim - 2))
        repeat = draw(st.integers(axis + 1, ndim - 1))
        repeat -= ndim * draw(st.booleans())
    else:
        axis = draw(st.integers(0, ndim - 1))
    axis -= ndim * draw(st.booleans())
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    x = draw(hu.arrays(shape, dtype=dtype, elements=st.floats(0.5, 1.0, width=16)))
    return x, mode, axis, batch, repeat


def second_input(x, mode, axis, batch, rng):
    """The lengths or centers for `mode` (None for the triangle modes): one entry per row of the
    view, with values from before the row's start to past its end."""
    if mode not in ("sequence", "window"):
        return None
    canonical = axis + x.ndim if axis < 0 else axis
    rows = int(np.prod(x.shape[batch + 1:canonical])) if batch is not None else int(np.prod(x.shape[:canonical]))
    cols = int(np.prod(x.shape[canonical:]))
    low = 0 if mode == "sequence" else -3
    return rng.integers(low, cols + 3, rows).astype(np.int32)


class TestSequenceMask(serial.SerializedTestCase):
    def _check(self, x, mode, axis, batch, repeat, fill_val, grad, radius, seed, gc, dc):
        rng = np.random.default_rng(seed)
        second = second_input(x, mode, axis, batch, rng)
        names = ["input"] + ([] if second is None else ["second"])
        inputs = [x] + ([] if second is None else [second])
        op = core.CreateOperator("SequenceMask", names, ["masked"], mode=mode, axis=np.int64(axis),
                                 batch=batch, repeat_from_axis=repeat, fill_val=np.float32(fill_val),
                                 grad=grad, radius=radius)
        ref = sequence_mask_ref(x, second, mode, axis=axis, batch=batch, radius=radius,
                                fill_val=fill_val, grad=grad, repeat_from_axis=repeat)
        self.assertReferenceChecks(gc, op, inputs, lambda *a: (ref,))
        self.assertDeviceChecks(dc, op, inputs, [0])

    @given(case=sequence_mask_cases(), fill_val=st.sampled_from([-np.inf, -7.0, 1e-3]), grad=st.booleans(),
           radius=st.integers(0, 3), seed=st.integers(0, 2**31 - 1), **hu.gcs)
    def test_every_mode(self, case, fill_val, grad, radius, seed, gc, dc):
        x, mode, axis, batch, repeat = case
        self._check(x, mode, axis, batch, repeat, fill_val, grad, radius, seed, gc, dc)

    @given(case=sequence_mask_cases(with_batch=True), fill_val=st.sampled_from([-np.inf, 2.5]),
           radius=st.integers(0, 2), seed=st.integers(0, 2**31 - 1), **hu.gcs)
    def test_every_mode_with_batch(self, case, fill_val, radius, seed, gc, dc):
        x, mode, axis, batch, repeat = case
        self._check(x, mode, axis, batch, repeat, fill_val, False, radius, seed, gc, dc)

    @given(case=sequence_mask_cases(with_repeat=True), seed=st.integers(0, 2**31 - 1), **hu.gcs)
    def test_repeat_from_axis(self, case, seed, gc, dc):
        x, mode, axis, batch, repeat = case
        self._check(x, mode, axis, batch, repeat, -1.0, False, 10, seed, gc, dc)

    @given(mode=st.sampled_from(MODES), x=hu.tensor(min_dim=2, max_dim=3, elements=hu.floats(0.5, 1.0)),
           seed=st.integers(0, 2**31 - 1), **hu.gcs_cpu_only)
    @settings(deadline=None)
    def test_gradient(self, mode, x, seed, gc, dc):
        axis = x.ndim - 1
        second = second_input(x, mode, axis, None, np.random.default_rng(seed))
        names = ["input"] + ([] if second is None else ["second"])
        op = core.CreateOperator("SequenceMask", names, ["masked"], mode=mode, axis=axis, fill_val=1e-9,
                                 radius=1)
        self.assertGradientChecks(gc, op, [x] + ([] if second is None else [second]), 0, [0])

    @given(**hu.gcs_cpu_only)
    def test_gradient_maker_replaces_grad(self, gc, dc):
        # Caffe2 appended a second `grad` argument and then failed on the duplicate.
        op = core.CreateOperator("SequenceMask", ["input"], ["masked"], mode="upper", grad=False)
        grad_ops, g_input = core.GradientRegistry.GetGradientForOp(op, ["masked_grad"])
        self.assertEqual(len(grad_ops), 1)
        self.assertEqual([a.name for a in grad_ops[0].arg].count("grad"), 1)
        self.assertEqual(g_input, ["input_grad"])

    def test_zero_size_dim_gives_empty_output(self):
        for mode in MODES:
            x = np.zeros((0, 3), np.float32)
            second = np.zeros(0, np.int32)
            inputs = [x] + ([second] if mode in ("sequence", "window") else [])
            op = core.CreateOperator("SequenceMask", ["input", "second"][:len(inputs)], ["masked"], mode=mode)
            self.assertReferenceChecks(hu.cpu_do, op, inputs, lambda *a: (x,))

    def test_errors(self):
        x = np.ones((2, 3), np.float32)
        short = np.array([1], np.int32)
        cases = [
            (dict(), [x], "needs argument 'mode'"),
            (dict(mode="diag"), [x], "unknown mode 'diag'"),
            (dict(mode="sequence"), [x], "mode 'sequence' needs a second input"),
            (dict(mode="window"), [x], "mode 'window' needs a second input"),
            (dict(mode="sequence"), [x, short], "has 1 entries but the input has 2 rows"),
            # Caffe2 read past the end of the centers here.
            (dict(mode="window"), [x, short], "has 1 entries but the input has 2 rows"),
            (dict(mode="upper", axis=2), [x], r"axis 2 is out of range .* with 2 dims \(valid: -2 to 1\)"),
            (dict(mode="upper", batch=1, axis=1), [x], "batch axis must be below the canonical axis"),
            (dict(mode="window", repeat_from_axis=1), [x, np.ones(2, np.int32)],
             "repeat_from_axis is only valid in mode 'sequence'"),
            (dict(mode="sequence", axis=1, repeat_from_axis=0), [x, np.ones(2, np.int32)],
             "repeat_from_axis must not be below the canonical axis"),
            (dict(mode="upper"), [x.astype(np.int32)], "accepted dtypes: float, double, float16"),
        ]
        for args, inputs, message in cases:
            op = core.CreateOperator("SequenceMask", ["input", "second"][:len(inputs)], ["masked"], **args)
            self.assertRunOpRaises(hu.cpu_do, op, inputs, exception=RuntimeError, regexp=message)


class TestGpuOptionsAreRejected(hu.HypothesisTestCase):
    def test_cuda_device_option(self):
        # As on a Caffe2 build without CUDA: the GPU device option is refused, not silently run on CPU.
        op = core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"], device_option=hu.cuda_do)
        workspace.FeedBlob("data", np.ones(2, np.float32))
        workspace.FeedBlob("mask", np.ones(2, bool))
        with self.assertRaisesRegex(RuntimeError, "BooleanMask"):
            workspace.RunOperatorOnce(op)
        with self.assertRaisesRegex(RuntimeError, "CPU only"):
            workspace.FeedBlob("data", np.ones(2, np.float32), device_option=hu.cuda_do)

    @given(x=hu.tensor1d(min_len=1, max_len=4), dtype=st.sampled_from([np.float32, np.float16]), **hu.gcs)
    def test_float16_filter_idiom(self, x, dtype, gc, dc):
        # Caffe2's tests skip float16 SequenceMask unless on a GPU; that idiom must keep working.
        if dtype == np.float16:
            assume(core.IsGPUDeviceType(gc.device_type))
        self.assertFalse(core.IsGPUDeviceType(gc.device_type))
        self.assertEqual(dtype, np.float32)
