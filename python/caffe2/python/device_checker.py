"""Cross-device consistency checks (Caffe2's caffe2.python.device_checker).

With the CPU as the only device, CheckSimple runs the operator once per device option given (each in
a fresh workspace) and compares every run with the first: it checks that the operator runs, and
that runs on the same inputs agree.
"""
import copy

import numpy as np

from caffe2.python import workspace
from caffe2.python.core import InferOpBlobDevicesAsDict


def _Equal(x, y, threshold):
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind in "OSUb":
        return np.array_equal(x, y)
    return np.allclose(x, y, atol=threshold, rtol=threshold, equal_nan=True)


class DeviceChecker:
    def __init__(self, threshold, device_options):
        self._threshold = threshold
        self._device_options = device_options

    def _Compare(self, results, names):
        success = True
        for i in range(1, len(results)):
            for j, name in enumerate(names):
                if not _Equal(results[i][j], results[0][j], self._threshold):
                    print("Failure in checking device option {} and output {}: {} vs {}".format(
                        i, name, results[i][j].ravel(), results[0][j].ravel()))
                    success = False
        return success

    def CheckSimple(self, op, inputs, outputs_to_check, input_device_options=None):
        op = copy.deepcopy(op)
        old_ws_name = workspace.CurrentWorkspace()
        results = []
        workspace.SwitchWorkspace("_device_check_", True)
        try:
            for device_option in self._device_options:
                op.device_option.CopyFrom(device_option)
                devices = input_device_options or InferOpBlobDevicesAsDict(op)[0]
                for name, arr in zip(op.input, inputs):
                    workspace.FeedBlob(name, np.array(arr), devices.get(name, device_option))
                workspace.RunOperatorOnce(op)
                results.append([workspace.FetchBlob(op.output[idx]) for idx in outputs_to_check])
                workspace.ResetWorkspace()
        finally:
            workspace.SwitchWorkspace(old_ws_name)
        return self._Compare(results, [op.output[idx] for idx in outputs_to_check])

    def CheckNet(self, net, inputs=None, blobs_to_check=None, ignore=None):
        inputs = inputs or {}
        ignore = set(ignore or ())
        if blobs_to_check is None:
            blobs_to_check = [b for op in net.op for b in op.output]
        blobs_to_check = [b for b in blobs_to_check if b not in ignore]
        old_ws_name = workspace.CurrentWorkspace()
        results = []
        workspace.SwitchWorkspace("_device_check_", True)
        try:
            for device_option in self._device_options:
                for name, arr in inputs.items():
                    workspace.FeedBlob(name, arr, device_option)
                for op in net.op:
                    op.device_option.CopyFrom(device_option)
                workspace.RunNetOnce(net)
                results.append([workspace.FetchBlob(name) for name in blobs_to_check])
                workspace.ResetWorkspace()
        finally:
            workspace.SwitchWorkspace(old_ws_name)
        return self._Compare(results, blobs_to_check)
