"""Run by the python_install test: the installed caffe2 package imports from the given folder and
runs an operator."""
import os
import sys

import numpy as np

from caffe2.proto import caffe2_pb2
from caffe2.python import _caffe2_mask, core, workspace

package_dir = os.path.realpath(sys.argv[1])
for module in (caffe2_pb2, _caffe2_mask, workspace):
    path = os.path.realpath(module.__file__)
    if not path.startswith(package_dir + os.sep):
        sys.exit("{} was imported from {}, not from the install in {}".format(module.__name__, path, package_dir))

workspace.FeedBlob("data", np.array([1, 2, 3, 4, 5, 6], np.float32))
workspace.FeedBlob("mask", np.array([True, False, False, True, True, False]))
workspace.RunOperatorOnce(core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"]))
masked = workspace.FetchBlob("masked")
if masked.tolist() != [1.0, 4.0, 5.0]:
    sys.exit("BooleanMask gave {}".format(masked))
print("installed caffe2 package OK:", package_dir)
