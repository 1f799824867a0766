"""pytest set-up for the Python front end's tests.

The tests import the caffe2 package from the build tree: ctest runs them with
PYTHONPATH=<build>/python and Debian's /usr/bin/python3 (see python/CMakeLists.txt). By hand:
    PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python -q
"""
import os
import tempfile

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis caches data (its unicode tables) in ./.hypothesis; keep it out of the source tree.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "caffe2_mask_hypothesis"))

try:
    from caffe2.python import workspace
    # Loads the hypothesis profiles (CAFFE2_HYPOTHESIS_PROFILE; none keeps an example database) for
    # every test file, also those that use hypothesis without this module.
    import caffe2.python.hypothesis_test_util  # noqa: F401
except ImportError as error:  # a clear message instead of a collection error in every file
    raise pytest.UsageError(
        "cannot import caffe2.python ({}): build the project and run with "
        "PYTHONPATH=<build>/python /usr/bin/python3".format(error))


@pytest.fixture(autouse=True)
def fresh_default_workspace():
    """Every test starts in an empty workspace called "default" and leaves it empty."""
    workspace.SwitchWorkspace("default", True)
    workspace.ResetWorkspace()
    yield
    workspace.SwitchWorkspace("default", True)
    workspace.ResetWorkspace()
