"""Operator libraries loaded at run time, as Caffe2's caffe2.python.dyndep.

InitOpsLibrary(path) loads a shared library of operators (built, for example, with the CMake function
caffe2_mask_add_operator_library) into this process's one operator registry, through the runtime's
caffe2::LoadOperatorLibrary: its operators then run like the built-in ones. As in Caffe2, a path that
is not an existing file is reported and ignored, so that the failure shows where the operator is used.
Unlike Caffe2 (which loaded with ctypes and let a duplicate registration abort), a library whose
registrations clash with ones already made raises EnforceNotMet naming both origins, and none of its
registrations stay.
"""
import os

from caffe2.python import _caffe2_mask as C

_IMPORTED_DYNDEPS = set()


def InitOpsLibrary(name, trigger_lazy=True):
    """Loads the operator library at `name`; `trigger_lazy` is accepted for Caffe2's signature and
    has no effect (there is no lazy loading to trigger)."""
    del trigger_lazy
    if not os.path.exists(name):
        print("Ignoring {} as it is not a valid file.".format(name))
        return
    C.load_operator_library(name)
    _IMPORTED_DYNDEPS.add(name)
    # As in Caffe2: core caches the operator names for net.Op(...) sugar.
    from caffe2.python import core
    core.RefreshRegisteredOperators()


def GetImportedOpsLibraries():
    """The libraries InitOpsLibrary has loaded."""
    return _IMPORTED_DYNDEPS
