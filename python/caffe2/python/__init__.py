"""caffe2.python: Caffe2's Python API (core, workspace, test utilities) over the caffe2_mask runtime."""
import os
import sys

# PyTorch's libtorch (Debian's python3-torch 1.13 among others) has Caffe2's caffe2.proto compiled in,
# as this runtime has, and libprotobuf aborts the whole process at the second registration of the same
# messages, whichever library loads second. Both orders are turned into an ImportError here instead:
# this package refuses to load after torch, and torch refuses to load after this package. A torch
# build without caffe2.proto can be allowed with CAFFE2_MASK_ALLOW_TORCH=1.
_TORCH_CONFLICT = (
    "caffe2.python (caffe2_mask) and PyTorch cannot share a process: libtorch registers Caffe2's "
    "caffe2.proto with protobuf as this runtime does, and libprotobuf aborts the process at the second "
    "registration. Run them in separate processes (README, 'Python'), or set CAFFE2_MASK_ALLOW_TORCH=1 "
    "if your torch build has no caffe2.proto.")

if os.environ.get("CAFFE2_MASK_ALLOW_TORCH") != "1":
    if "torch" in sys.modules:
        raise ImportError(_TORCH_CONFLICT + " (torch is already imported)")

    import importlib.abc
    import importlib.machinery

    class _RefuseTorch(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        """Finds torch where it is installed, and fails its loading with the explanation instead of
        libprotobuf's abort. Probes (importlib.util.find_spec) still see torch as installed."""

        def find_spec(self, name, path=None, target=None):
            if name != "torch":
                return None
            found = importlib.machinery.PathFinder.find_spec(name, path)
            if found is None:
                return None
            return importlib.machinery.ModuleSpec(name, self, origin=found.origin, is_package=True)

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            raise ImportError(_TORCH_CONFLICT + " (caffe2.python is already imported)")

    sys.meta_path.insert(0, _RefuseTorch())
