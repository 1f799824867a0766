"""unittest base class for Caffe2 tests (Caffe2's caffe2.python.test_util)."""
import unittest

import numpy as np

from caffe2.python import workspace


def rand_array(*dims):
    """A float32 array of `dims` with values in [-0.5, 0.5) (a 0-d array when no dims)."""
    return np.array(np.random.rand(*dims) - 0.5).astype(np.float32)


class TestCase(unittest.TestCase):
    """Every test starts and ends with an empty current workspace."""

    @classmethod
    def setUpClass(cls):
        workspace.GlobalInit(["caffe2", "--caffe2_log_level=0", "--caffe2_omp_num_threads=1"])

    def setUp(self):
        self.ws = workspace.C.Workspace()
        workspace.ResetWorkspace()

    def tearDown(self):
        workspace.ResetWorkspace()
