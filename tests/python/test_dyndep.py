"""dyndep.InitOpsLibrary: an operator library loaded at run time runs beside the built-in operators."""
import os

import numpy as np
import pytest

from caffe2.python import core, dyndep, workspace

LIBRARY = os.environ.get("CAFFE2_MASK_TEST_OPS_LIBRARY", "")


@pytest.mark.skipif(not LIBRARY, reason="the test operator library (tests/caffe2_compat) was not built")
def test_library_operator_runs_in_a_net_with_builtin_operators():
    dyndep.InitOpsLibrary(LIBRARY)
    assert LIBRARY in dyndep.GetImportedOpsLibraries()
    workspace.ResetWorkspace()
    workspace.FeedBlob("x", np.array([1, 2, 3, 4], dtype=np.float32))
    workspace.FeedBlob("m", np.array([True, False, False, True]))
    net = core.Net("library_and_builtin")
    y = net.LibraryAddConstant(["x"], ["y"], addend=10.0)
    net.BooleanMask([y, "m"], ["kept"])
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob("kept"), np.array([11, 14], dtype=np.float32))


@pytest.mark.skipif(not LIBRARY, reason="the test operator library (tests/caffe2_compat) was not built")
def test_loading_the_same_library_again_does_nothing():
    dyndep.InitOpsLibrary(LIBRARY)
    dyndep.InitOpsLibrary(LIBRARY)
    assert "LibraryAddConstant" in workspace.RegisteredOperators()


def test_a_missing_file_is_reported_and_ignored(tmp_path, capsys):
    missing = str(tmp_path / "missing.so")
    dyndep.InitOpsLibrary(missing)
    assert "Ignoring {} as it is not a valid file.".format(missing) in capsys.readouterr().out
    assert missing not in dyndep.GetImportedOpsLibraries()


def test_a_file_that_is_no_library_raises(tmp_path):
    not_a_library = tmp_path / "not_a_library.so"
    not_a_library.write_text("not an ELF file")
    with pytest.raises(RuntimeError, match="not_a_library.so"):
        dyndep.InitOpsLibrary(str(not_a_library))
