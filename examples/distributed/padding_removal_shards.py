"""What a Dask worker runs for examples/distributed/padding_removal_dask.py: make a shard of the data
set (make_shard), run the padding-removal net on a shard through caffe2.python and return a digest of
the outputs (run_net).

The driver ships this file to every worker (Client.upload_file), so a worker of a real cluster needs
only caffe2.python importable, not a checkout. Also imported by the driver for its single-process run
and by tests/python/test_distributed_example.py.
"""
import hashlib
import os
import threading
import time

import numpy as np
from google.protobuf import text_format

from caffe2.proto import caffe2_pb2
from caffe2.python import workspace

NET_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "padding_removal", "net.pbtxt")


def load_net(path=NET_FILE):
    """The padding-removal NetDef, serialized: what is sent to the workers (they need no file)."""
    with open(path) as f:
        net = text_format.Parse(f.read(), caffe2_pb2.NetDef())
    return net.SerializeToString()


def make_shard(seed, index, sequences, max_length):
    """The net's inputs for shard `index`: tokens [sequences * max_length] float32, mask and
    padding_mask (bool, complementary), lengths [sequences] int32 (each max_length)."""
    rng = np.random.default_rng([seed, index])
    real = rng.integers(1, max_length + 1, size=sequences)
    mask = (np.arange(max_length)[None, :] < real[:, None]).reshape(-1)
    tokens = rng.standard_normal(sequences * max_length, dtype=np.float32)
    tokens[~mask] = 0.0
    lengths = np.full(sequences, max_length, dtype=np.int32)
    return {"tokens": tokens, "mask": mask, "padding_mask": ~mask, "lengths": lengths}


def digest(packed_lengths, restored):
    """A digest of the net's outputs: equal digests mean bit-identical outputs."""
    h = hashlib.sha256()
    for array in (packed_lengths, restored):
        h.update(str(array.dtype).encode())
        h.update(str(array.shape).encode())
        h.update(memoryview(np.ascontiguousarray(array)))  # the array's own bytes, not a copy
    return h.hexdigest()


class NetRunner:
    """One workspace with the net created in it; feeds a shard, runs the net, fetches the outputs.

    Uses its own caffe2.python workspace (workspace.C.Workspace, Caffe2's C.Workspace), not the
    process's current one, so that worker threads never share blobs."""

    def __init__(self, net_bytes):
        net = caffe2_pb2.NetDef()
        net.ParseFromString(net_bytes)
        self.ws = workspace.C.Workspace()
        self.name = net.name
        # Creating the net binds its operators to their input blobs, which must exist by then: feed a
        # one-token shard first.
        for blob, array in make_shard(0, 0, 1, 1).items():
            self.ws.feed_blob(blob, array)
        self.ws.create_net(net_bytes, True)

    def run(self, shard):
        """(packed_lengths, restored, seconds spent in feed + run + fetch)."""
        start = time.perf_counter()
        for blob, array in shard.items():
            self.ws.feed_blob(blob, array)
        self.ws.run_net(self.name)
        outputs = self.ws.fetch_blob("packed_lengths"), self.ws.fetch_blob("restored")
        return outputs + (time.perf_counter() - start,)


_runners = threading.local()


def run_net(net_bytes, index, shard):
    """The task a worker runs on a shard it holds: the net on it; (index, padded tokens, digest of the
    outputs, seconds in feed + run + fetch). The net is created once per worker thread and kept."""
    runner = getattr(_runners, "runner", None)
    if runner is None or runner.net_bytes != net_bytes:
        runner = NetRunner(net_bytes)
        runner.net_bytes = net_bytes
        _runners.runner = runner
    packed_lengths, restored, seconds = runner.run(shard)
    return index, shard["tokens"].size, digest(packed_lengths, restored), seconds


def numpy_reference(shard, max_length):
    """What the net computes, in NumPy: real lengths per sequence, real tokens doubled in place, 0 at
    the padding."""
    mask = shard["mask"]
    packed_lengths = mask.reshape(-1, max_length).sum(axis=1).astype(np.int32)
    restored = np.where(mask, shard["tokens"] + shard["tokens"], np.float32(0)).astype(np.float32)
    return packed_lengths, restored
