"""The test utilities must be able to fail: a wrong reference, a wrong gradient, an operator that does
not raise and an inferred shape that disagrees are all reported. And the strategies generate what
they promise."""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import caffe2.python.hypothesis_test_util as hu
from caffe2.python import core, gradient_checker, workspace


class Checks(hu.HypothesisTestCase):
    """A TestCase instance to call the checks on (the method name only satisfies unittest)."""

    def runTest(self):
        pass


@pytest.fixture
def checks():
    case = Checks()
    case.setUp()
    yield case
    case.tearDown()


def boolean_mask_op():
    return core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"])


INPUTS = [np.array([1.0, 2.0, 3.0], np.float32), np.array([True, False, True])]


def test_reference_checks_pass_and_fail(checks):
    outs = checks.assertReferenceChecks(hu.cpu_do, boolean_mask_op(), INPUTS, lambda d, m: (d[m],))
    np.testing.assert_array_equal(outs[0], [1.0, 3.0])
    with pytest.raises(AssertionError, match="Output masked is not matching the reference"):
        checks.assertReferenceChecks(hu.cpu_do, boolean_mask_op(), INPUTS, lambda d, m: (d[m] + 1,))
    with pytest.raises(AssertionError):  # wrong number of outputs
        checks.assertReferenceChecks(hu.cpu_do, boolean_mask_op(), INPUTS, lambda d, m: (d[m], d))
    with pytest.raises(RuntimeError, match="wrong reference implementation"):
        checks.assertReferenceChecks(hu.cpu_do, boolean_mask_op(), INPUTS, lambda d, m: d[m])
    with pytest.raises(ValueError, match="must supply an input for each input"):
        checks.assertReferenceChecks(hu.cpu_do, boolean_mask_op(), INPUTS[:1], lambda d: (d,))


def test_reference_checks_compare_inferred_shapes(checks):
    # BooleanMaskGradient infers dX's shape as [mask.size] + dY.dims[1:]: it must match the output.
    op = core.CreateOperator("BooleanMaskGradient", ["mask", "dY"], ["dX"])
    inputs = [np.array([True, False]), np.ones((1, 3), np.float32)]
    checks.assertReferenceChecks(hu.cpu_do, op, inputs, lambda m, dy: (np.array([[1, 1, 1], [0, 0, 0]], np.float32),))
    shapes = {"dX": [2, 4]}
    types = {"dX": 1}
    with pytest.raises(AssertionError, match="Shape dX mismatch at dim 1"):
        checks._assertInferTensorChecks("dX", shapes, types, np.zeros((2, 3), np.float32))
    with pytest.raises(AssertionError, match="Type dX mismatch"):
        checks._assertInferTensorChecks("dX", {"dX": [2, 3]}, types, np.zeros((2, 3), np.float64))
    checks._assertInferTensorChecks("dX", {"dX": [-1, 3]}, types, np.zeros((5, 3), np.float32))


def test_gradient_checks_pass_and_fail(checks):
    x = np.array([[0.5, -1.0], [2.0, 0.25], [1.5, 1.0]], np.float32)
    mask = np.array([True, False, True])
    checks.assertGradientChecks(hu.cpu_do, boolean_mask_op(), [x, mask], 0, [0])
    # Gradient operators that scatter with the wrong mask give the wrong gradient.
    wrong = [core.CreateOperator("BooleanMaskGradient", ["wrong_mask", "masked_grad"], ["data_grad"])]
    workspace.FeedBlob("wrong_mask", np.array([True, True, False]))
    checker = gradient_checker.GradientChecker(stepsize=0.05, threshold=0.005,
                                               workspace_name=workspace.CurrentWorkspace())
    passed, grad, estimate = checker.CheckSimple(boolean_mask_op(), [x, mask], 0, [0], grad_ops=wrong)
    assert not passed
    np.testing.assert_allclose(estimate, [[0.5, -1.0], [0, 0], [1.5, 1.0]], atol=1e-3)
    with pytest.raises(RuntimeError, match="has no gradient"):
        checks.assertGradientChecks(hu.cpu_do, boolean_mask_op(), [x, mask], 1, [0])


def test_run_op_raises_fails_when_nothing_raises(checks):
    checks.assertRunOpRaises(hu.cpu_do, boolean_mask_op(), [INPUTS[0], np.array([True])],
                             exception=RuntimeError, regexp="has 1 elements")
    with pytest.raises(AssertionError):
        checks.assertRunOpRaises(hu.cpu_do, boolean_mask_op(), INPUTS, exception=RuntimeError)


def test_validation_checks_see_inputs_and_outputs(checks):
    seen = {}
    checks.assertValidationChecks(hu.cpu_do, boolean_mask_op(), INPUTS, lambda **blobs: seen.update(blobs))
    assert sorted(seen) == ["data", "mask", "masked"]
    np.testing.assert_array_equal(seen["masked"], [1.0, 3.0])


def test_device_checks_compare_every_device():
    from caffe2.python import device_checker
    checker = device_checker.DeviceChecker(0.01, [hu.cpu_do, hu.cpu_do])
    assert checker.CheckSimple(boolean_mask_op(), INPUTS, [0])
    assert checker._Compare([[np.array([1.0])], [np.array([1.5])]], ["out"]) is False
    assert checker._Compare([[np.array([b"a"], object)], [np.array([b"b"], object)]], ["out"]) is False


def test_checks_leave_the_current_workspace_alone(checks):
    workspace.FeedBlob("mine", np.ones(1, np.float32))
    checks.assertReferenceChecks(hu.cpu_do, boolean_mask_op(), INPUTS, lambda d, m: (d[m],))
    assert workspace.CurrentWorkspace() == "default" and workspace.Blobs() == ["mine"]


@given(data=st.data(), size=hu.dims(0, 20))
def test_lengths_sum_to_size(data, size):
    lengths = data.draw(hu.lengths(size, max_segments=max(size, 1)))
    assert lengths.dtype == np.int32 and lengths.sum() == size and (lengths >= 0).all()


@given(pair=hu.segmented_tensor(min_dim=1, max_dim=2))
def test_sorted_segment_ids(pair):
    data, ids = pair
    assert len(ids) == data.shape[0] and ids[0] == 0 and (np.diff(ids) >= 0).all()


@given(x=hu.tensor(min_dim=2, max_dim=3, elements=hu.floats(min_value=0.1, max_value=0.7)),
       arrays=hu.tensors(n=3, min_dim=1, max_dim=2), ints=hu.tensor1d(dtype=np.int64, max_len=4))
def test_tensor_strategies(x, arrays, ints):
    assert 2 <= x.ndim <= 3 and x.dtype == np.float32
    assert ((x >= np.float32(0.1)) & (x <= np.float32(0.7))).all()
    assert len(arrays) == 3 and len({a.shape for a in arrays}) == 1
    assert ints.dtype == np.int64 and (ints >= 0).all()


def test_device_strategies_are_cpu_only():
    assert hu.device_options == [hu.cpu_do] and hu.expanded_device_options == [hu.cpu_do]
    assert set(hu.gcs) == {"gc", "dc"} and set(hu.gcs_cpu_only) == {"gc", "dc"}
