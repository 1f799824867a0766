"""FeedBlob / FetchBlob: every dtype round-trips exactly, copies are independent of the arrays they
came from, and bad input is refused with a message naming the blob and the problem."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from caffe2.proto import caffe2_pb2
from caffe2.python import core, utils, workspace

NUMERIC = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.float16, np.float32,
           np.float64]


@given(array=st.sampled_from(NUMERIC).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))))
def test_numeric_round_trip_is_bit_exact(array):
    workspace.FeedBlob("x", array)
    fetched = workspace.FetchBlob("x")
    assert fetched.dtype == array.dtype
    assert fetched.shape == array.shape
    # Compare bytes, so NaN payloads and -0.0 count too.
    assert fetched.tobytes() == array.tobytes()


@given(strings=st.lists(st.one_of(st.text(max_size=8), st.binary(max_size=8)), max_size=12))
def test_strings_round_trip_as_bytes(strings):
    array = np.empty(len(strings), dtype=object)
    array[:] = strings
    workspace.FeedBlob("s", array)
    fetched = workspace.FetchBlob("s")
    assert fetched.dtype == object
    # As in Caffe2, string tensors come back as bytes; str went in as UTF-8.
    assert list(fetched) == [s.encode("utf-8") if isinstance(s, str) else s for s in strings]


def test_fixed_width_string_arrays_are_strings():
    workspace.FeedBlob("u", np.array([["ab", "c"], ["", "déf"]]))
    workspace.FeedBlob("b", np.array([b"x", b"yz"], dtype="|S"))
    np.testing.assert_array_equal(workspace.FetchBlob("u"),
                                  np.array([[b"ab", b"c"], [b"", "déf".encode()]], dtype=object))
    np.testing.assert_array_equal(workspace.FetchBlob("b"), np.array([b"x", b"yz"], dtype=object))


def test_float16_keeps_its_bits():
    bits = np.array([0x0000, 0x8000, 0x3C00, 0x7BFF, 0x0001, 0x7C00, 0xFC00, 0x7E01], dtype=np.uint16)
    workspace.FeedBlob("h", bits.view(np.float16))
    np.testing.assert_array_equal(workspace.FetchBlob("h").view(np.uint16), bits)


def test_bool_bytes_are_normalised():
    # A bool view of other bytes may hold 2 or 255; the runtime's bool tensors hold only 0 and 1, so
    # counting and selecting agree.
    mask = np.array([0, 2, 255, 1], dtype=np.uint8).view(np.bool_)
    workspace.FeedBlob("mask", mask)
    assert workspace.FetchBlob("mask").view(np.uint8).tolist() == [0, 1, 1, 1]
    workspace.FeedBlob("data", np.arange(4, dtype=np.float32))
    workspace.RunOperatorOnce(core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"]))
    np.testing.assert_array_equal(workspace.FetchBlob("masked"), [1.0, 2.0, 3.0])


def test_feed_and_fetch_copy():
    source = np.arange(6, dtype=np.float32)
    workspace.FeedBlob("x", source)
    source[0] = 100.0
    first = workspace.FetchBlob("x")
    assert first[0] == 0.0
    first[1] = 100.0
    assert workspace.FetchBlob("x")[1] == 1.0


def test_large_feed_into_kept_storage_copies_every_byte():
    # A feed of at least the kernels' streaming threshold (24 MiB by default) into storage the tensor
    # keeps is copied with streaming stores of whole lines and ordinary stores at both ends: a size that
    # is no multiple of a line, a source 4 bytes off alignment, and a smaller feed into the same storage.
    n = (24 << 20) // 4 + 13
    base = np.arange(n + 1, dtype=np.float32)
    workspace.FeedBlob("big", np.zeros(n, dtype=np.float32))  # first feed: fresh storage
    for source in (base[1:], -base[:n - 5]):
        workspace.FeedBlob("big", source)
        fetched = workspace.FetchBlob("big")
        assert fetched.shape == source.shape
        assert fetched.tobytes() == source.tobytes()


def test_non_contiguous_and_lists():
    base = np.arange(24, dtype=np.int32).reshape(4, 6)
    workspace.FeedBlob("t", base.T)
    np.testing.assert_array_equal(workspace.FetchBlob("t"), base.T)
    workspace.FeedBlob("l", [[1.5, 2.5]])
    assert workspace.FetchBlob("l").dtype == np.float64


def test_tensor_proto_feed():
    proto = utils.NumpyArrayToCaffe2Tensor(np.array([[1, 2], [3, 4]], dtype=np.int16))
    workspace.FeedBlob("p", proto)
    np.testing.assert_array_equal(workspace.FetchBlob("p"), np.array([[1, 2], [3, 4]], dtype=np.int16))


def test_names_may_be_blob_references_or_bytes():
    ref = core.BlobReference("ref")
    workspace.FeedBlob(ref, np.ones(2, np.float32))
    assert workspace.HasBlob("ref") and workspace.HasBlob(ref)
    np.testing.assert_array_equal(workspace.FetchBlob(ref), [1.0, 1.0])
    workspace.FeedBlob(b"bytes_name", np.zeros(1, np.int64))
    assert workspace.FetchBlobs([ref, "bytes_name"])[1].dtype == np.int64
    workspace.blobs["via_dict"] = np.array([7], np.int8)
    assert "via_dict" in workspace.blobs and workspace.blobs["via_dict"][0] == 7


@pytest.mark.parametrize("array, message", [
    (np.zeros(2, np.uint32), "NumPy dtype uint32 has no tensor type"),
    (np.zeros(2, np.complex64), "NumPy dtype complex64 has no tensor type"),
    (np.zeros(2, dtype=">i4"), "not in native byte order"),
])
def test_unsupported_arrays(array, message):
    with pytest.raises(RuntimeError, match=message):
        workspace.FeedBlob("bad", array)
    assert not workspace.HasBlob("bad")


def test_object_array_with_a_non_string():
    with pytest.raises(TypeError, match="element 1 of the object array is a int"):
        workspace.FeedBlob("bad", np.array([b"a", 3], dtype=object))


def test_values_that_are_not_arrays():
    for value in ("text", b"bytes", caffe2_pb2.NetDef()):
        with pytest.raises(TypeError, match="blobs hold tensors only"):
            workspace.FeedBlob("bad", value)


def test_fetch_errors():
    with pytest.raises(RuntimeError, match="Can't find blob: 'missing'"):
        workspace.FetchBlob("missing")
    workspace.CreateBlob("empty")
    with pytest.raises(RuntimeError, match="blob 'empty' holds nothing"):
        workspace.FetchBlob("empty")


def test_tensor_limits_apply_to_feeds():
    limits = workspace.GetLimits()
    try:
        workspace.FeedBlob("kept", np.arange(4, dtype=np.float32))
        workspace.SetLimits(max_bytes=1024, max_rank=3)
        with pytest.raises(RuntimeError, match="needs 4000 bytes, more than the limit of 1024 bytes"):
            workspace.FeedBlob("big", np.zeros(1000, np.float32))
        assert not workspace.HasBlob("big")
        # A refused feed leaves the blob it would have replaced as it was.
        with pytest.raises(RuntimeError, match="more than the limit"):
            workspace.FeedBlob("kept", np.zeros(1000, np.float32))
        with pytest.raises(RuntimeError, match="more dims than the rank limit"):
            workspace.FeedBlob("kept", np.zeros((1, 1, 1, 1), np.float32))
        np.testing.assert_array_equal(workspace.FetchBlob("kept"), [0, 1, 2, 3])
        workspace.FeedBlob("small", np.zeros(256, np.float32))
    finally:
        workspace.SetLimits(**limits)
    assert workspace.GetLimits() == limits
    with pytest.raises(RuntimeError, match="no limit called 'max_cats'"):
        workspace.SetLimits(max_cats=3)


def test_serialize_blob_round_trip():
    workspace.FeedBlob("x", np.array([[1.5, -2.0]], np.float64))
    serialized = workspace.SerializeBlob("x")
    proto = caffe2_pb2.BlobProto.FromString(serialized)
    assert proto.name == "x" and proto.tensor.data_type == caffe2_pb2.TensorProto.DOUBLE
    workspace.DeserializeBlob("y", serialized)
    np.testing.assert_array_equal(workspace.FetchBlob("y"), [[1.5, -2.0]])
    with pytest.raises(RuntimeError):
        workspace.DeserializeBlob("y", b"\xff\xff not a proto")
    np.testing.assert_array_equal(workspace.FetchBlob("y"), [[1.5, -2.0]])
