"""The operators' documented examples (the worked examples of the operator spec), written the way
Caffe2's operator docs wrote them: feed, run one operator, fetch and print. Each test checks the
printed text, so the example and its shown output cannot drift apart."""
import numpy as np
import pytest

from caffe2.python import core, workspace


def run_example(op_type, inputs, outputs, **args):
    """Feeds `inputs` ({name: array}), runs the operator and prints each output as the docs show it."""
    for name, value in inputs.items():
        workspace.FeedBlob(name, value)
    op = core.CreateOperator(op_type, list(inputs), outputs, **args)
    workspace.RunOperatorOnce(op)
    for name in outputs:
        prefix = "{}: ".format(name)
        print(prefix + np.array2string(workspace.FetchBlob(name), separator=", ", prefix=prefix))


def printed(capsys):
    return capsys.readouterr().out.strip().splitlines()


def test_boolean_mask(capsys):
    run_example("BooleanMask",
                {"data": np.array([1, 2, 3, 4, 5, 6], np.int32),
                 "mask": np.array([True, False, False, True, True, False])},
                ["masked_data", "masked_indices"])
    assert printed(capsys) == ["masked_data: [1, 4, 5]", "masked_indices: [0, 3, 4]"]


def test_boolean_mask_strings(capsys):
    run_example("BooleanMask",
                {"data": np.array(["pad", "the", "cat", "pad"], dtype=object),
                 "mask": np.array([False, True, True, False])},
                ["masked_data"])
    assert printed(capsys) == ["masked_data: [b'the', b'cat']"]


def test_boolean_mask_gradient(capsys):
    run_example("BooleanMaskGradient",
                {"mask": np.array([True, False, True]),
                 "masked_data_grad": np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)},
                ["data_grad"])
    assert printed(capsys) == ["data_grad: [[1., 2.],", "            [0., 0.],", "            [3., 4.]]"]


def test_boolean_mask_lengths(capsys):
    run_example("BooleanMaskLengths",
                {"lengths": np.array([1, 3, 2], np.int32),
                 "mask": np.array([False, True, True, False, True, True])},
                ["masked_lengths"])
    assert printed(capsys) == ["masked_lengths: [0, 2, 2]"]


def test_boolean_unmask_three_pairs(capsys):
    run_example("BooleanUnmask",
                {"mask1": np.array([True, False, True, False, False]), "values1": np.array([1, 3], np.int32),
                 "mask2": np.array([False, True, False, False, False]), "values2": np.array([2], np.int32),
                 "mask3": np.array([False, False, False, True, True]), "values3": np.array([4, 5], np.int32)},
                ["unmasked_data"])
    assert printed(capsys) == ["unmasked_data: [1, 2, 3, 4, 5]"]


def test_boolean_unmask_two_pairs(capsys):
    run_example("BooleanUnmask",
                {"mask1": np.array([True, False, False, True, True, False]),
                 "data1": np.array([1, 4, 5], np.int32),
                 "mask2": np.array([False, True, True, False, False, True]),
                 "data2": np.array([2, 3, 6], np.int32)},
                ["unmasked_data"])
    assert printed(capsys) == ["unmasked_data: [1, 2, 3, 4, 5, 6]"]


def test_boolean_unmask_first_true_wins(capsys):
    run_example("BooleanUnmask",
                {"mask1": np.array([True, False]), "values1": np.array([1], np.int32),
                 "mask2": np.array([True, True]), "values2": np.array([2], np.int32)},
                ["unmasked_data"])
    assert printed(capsys) == ["unmasked_data: [1, 2]"]


def test_boolean_unmask_empty_values(capsys):
    # Caffe2's own C++ test: an empty float values tensor for an all-false mask.
    run_example("BooleanUnmask",
                {"mask1": np.array([False]), "values1": np.array([], np.float32),
                 "mask2": np.array([True]), "values2": np.array([1.0], np.float32)},
                ["unmasked_data"])
    assert printed(capsys) == ["unmasked_data: [1.]"]


def test_boolean_unmask_rejects_an_uncovered_position():
    with pytest.raises(RuntimeError, match="all masks have False at position 1"):
        run_example("BooleanUnmask",
                    {"mask1": np.array([True, False]), "values1": np.array([1], np.int32),
                     "mask2": np.array([False, False]), "values2": np.array([], np.int32)},
                    ["unmasked_data"])


def test_boolean_unmask_rejects_unconsumed_values():
    with pytest.raises(RuntimeError, match="not all consumed"):
        run_example("BooleanUnmask",
                    {"mask1": np.array([True, False]), "values1": np.array([1], np.int32),
                     "mask2": np.array([True, True]), "values2": np.array([2, 2], np.int32)},
                    ["unmasked_data"])


def test_sequence_mask_sequence_mode(capsys):
    run_example("SequenceMask",
                {"input": np.ones((2, 4), np.float32), "sequence_lengths": np.array([1, 3], np.int32)},
                ["masked"], mode="sequence", axis=1)
    assert printed(capsys) == ["masked: [[  1., -inf, -inf, -inf],", "         [  1.,   1.,   1., -inf]]"]


def test_sequence_mask_window_mode(capsys):
    run_example("SequenceMask",
                {"input": np.ones((2, 5), np.float32), "window_centers": np.array([0, 3], np.int32)},
                ["masked"], mode="window", radius=1, fill_val=0.0)
    assert printed(capsys) == ["masked: [[1., 1., 0., 0., 0.],", "         [0., 0., 1., 1., 1.]]"]


@pytest.mark.parametrize("mode, rows", [
    ("upper", ["[[ 1., -9., -9.],", "[ 1.,  1., -9.],", "[ 1.,  1.,  1.]]"]),
    ("lower", ["[[ 1.,  1.,  1.],", "[-9.,  1.,  1.],", "[-9., -9.,  1.]]"]),
    ("upperdiag", ["[[-9., -9., -9.],", "[ 1., -9., -9.],", "[ 1.,  1., -9.]]"]),
    ("lowerdiag", ["[[-9.,  1.,  1.],", "[-9., -9.,  1.],", "[-9., -9., -9.]]"]),
])
def test_sequence_mask_triangles(capsys, mode, rows):
    run_example("SequenceMask", {"input": np.ones((3, 3), np.float32)}, ["masked"], mode=mode,
                fill_val=-9.0)
    assert [line.replace("masked: ", "").strip() for line in printed(capsys)] == rows


def test_sequence_mask_batch(capsys):
    # batch=0, axis=2 on [2, 2, 2]: the lower rule (j < i) inside each [2, 2] slice.
    run_example("SequenceMask", {"input": np.ones((2, 2, 2), np.float32)}, ["masked"], mode="lower",
                batch=0, axis=2, fill_val=0.0)
    assert printed(capsys) == ["masked: [[[1., 1.],", "          [0., 1.]],", "",
                               "         [[1., 1.],", "          [0., 1.]]]"]


def test_sequence_mask_repeat_from_axis(capsys):
    # Lengths count whole [2]-element groups: row 0 keeps one group, row 1 keeps two.
    run_example("SequenceMask",
                {"input": np.ones((2, 3, 2), np.float32), "sequence_lengths": np.array([1, 2], np.int32)},
                ["masked"], mode="sequence", axis=1, repeat_from_axis=2, fill_val=0.0)
    assert printed(capsys) == ["masked: [[[1., 1.],", "          [0., 0.],", "          [0., 0.]],", "",
                               "         [[1., 1.],", "          [1., 1.],", "          [0., 0.]]]"]
