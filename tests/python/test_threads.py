"""Operators run with the GIL released, and workspaces are safe to share between threads.

The GIL test does not compare durations. It makes the interpreter switch threads only when a thread
gives the GIL up by itself (sys.setswitchinterval with a huge interval): then, if running an operator
kept the GIL, the second thread could not even record its start time before the first thread's
operator returned, and the two [start, end] intervals could not overlap. They overlap only if the
GIL is released inside the run.
"""
import sys
import threading
import time

import numpy as np
import pytest

from caffe2.python import _caffe2_mask as C
from caffe2.python import core, workspace

ROWS = 1 << 20


def prepared_workspace(name):
    ws = C.Workspace()
    ws.feed_blob("data", np.ones((ROWS, 4), np.float32))
    ws.feed_blob("mask", np.arange(ROWS) % 3 == 0)
    net = core.Net(name)
    net.BooleanMask(["data", "mask"], ["masked"])
    ws.create_net(net.Proto().SerializeToString())
    return ws, net.Name()


@pytest.fixture
def switch_only_when_released():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    yield
    sys.setswitchinterval(old)


def run_threads(count, body):
    """Runs body(i) for i < count, each in its own thread; fails with any thread's exception."""
    errors = []

    def guarded(i):
        try:
            body(i)
        except Exception as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def run_in_two_threads(work):
    """Runs work(i) in two threads released together; returns each thread's (start, end)."""
    barrier = threading.Barrier(2)
    spans = [None, None]

    def body(i):
        barrier.wait()  # waiting releases the GIL, so both threads get here
        start = time.perf_counter()
        work(i)
        spans[i] = (start, time.perf_counter())

    run_threads(2, body)
    return spans


def overlap(spans):
    (s0, e0), (s1, e1) = spans
    return max(s0, s1) < min(e0, e1)


# With the GIL released, the second thread still needs a core within the first one's run to record
# its start in time, which a loaded machine may not give it on every try; with the GIL held, no try
# can overlap. So a few tries, of which one overlapping proves the release.
TRIES = 8


def overlaps_in_some_try(work):
    tried = [run_in_two_threads(work)]
    while not overlap(tried[-1]) and len(tried) < TRIES:
        tried.append(run_in_two_threads(work))
    return overlap(tried[-1]), tried


def test_run_net_releases_the_gil(switch_only_when_released):
    prepared = [prepared_workspace("gil_net_0"), prepared_workspace("gil_net_1")]
    overlapped, tried = overlaps_in_some_try(lambda i: prepared[i][0].run_net(prepared[i][1]))
    assert overlapped, tried


def test_run_operator_once_releases_the_gil(switch_only_when_released):
    prepared = [prepared_workspace("gil_op_0")[0], prepared_workspace("gil_op_1")[0]]
    op = core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"]).SerializeToString()
    overlapped, tried = overlaps_in_some_try(lambda i: prepared[i].run_operator_once(op))
    assert overlapped, tried


def test_the_check_detects_a_held_gil(switch_only_when_released):
    # The control: pure-Python work holds the GIL throughout, and the same check sees no overlap.
    def hold_the_gil(i):
        total = 0
        for k in range(200000):
            total += k

    overlapped, tried = overlaps_in_some_try(hold_the_gil)
    assert not overlapped and len(tried) == TRIES, tried


def test_threads_sharing_one_workspace_take_turns():
    # The current workspace from several threads at once: every call holds the workspace, so each
    # thread's feed, run and fetch see consistent blobs (names are per thread).
    op_defs = [core.CreateOperator("BooleanMask", ["data%d" % i, "mask%d" % i], ["out%d" % i]) for i in range(4)]
    ws = C.workspace()

    def body(i):
        for n in range(1, 200):
            ws.feed_blob("data%d" % i, np.arange(n, dtype=np.int64) + i)
            ws.feed_blob("mask%d" % i, np.arange(n) % 2 == 1)
            ws.run_operator_once(op_defs[i].SerializeToString())
            np.testing.assert_array_equal(ws.fetch_blob("out%d" % i), np.arange(1, n, 2) + i)

    run_threads(4, body)
    assert set(workspace.Blobs()) >= {"out0", "out1", "out2", "out3"}

