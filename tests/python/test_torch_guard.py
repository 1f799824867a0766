"""caffe2.python and PyTorch in one process: an ImportError that says why, never libprotobuf's abort.

Each case runs in a fresh interpreter (the guard acts at import time). A stand-in `torch` package in a
temporary folder makes the guard's two orders testable without PyTorch; with the real torch installed
(tools/install_deps.sh --peers), the last test checks that neither order aborts.
"""
import importlib.machinery
import os
import subprocess
import sys
import textwrap

import pytest


def run_python(code, tmp_path, extra_env=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    env.pop("CAFFE2_MASK_ALLOW_TORCH", None)
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture
def fake_torch(tmp_path):
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text("LOADED = True\n")
    return tmp_path


def test_import_after_torch_raises_import_error(fake_torch):
    result = run_python("""
        import torch
        try:
            from caffe2.python import workspace
        except ImportError as error:
            print("refused:", error)
        """, fake_torch)
    assert result.returncode == 0, result.stderr
    assert "refused:" in result.stdout
    assert "cannot share a process" in result.stdout and "torch is already imported" in result.stdout


def test_torch_after_import_raises_import_error(fake_torch):
    result = run_python("""
        import importlib.util
        from caffe2.python import workspace
        print("probe finds torch:", importlib.util.find_spec("torch") is not None)
        try:
            import torch
        except ImportError as error:
            print("refused:", error)
        workspace.FeedBlob("x", [1.0])  # the package still works
        print("fetched", workspace.FetchBlob("x").tolist())
        """, fake_torch)
    assert result.returncode == 0, result.stderr
    assert "probe finds torch: True" in result.stdout
    assert "caffe2.python is already imported" in result.stdout
    assert "fetched [1.0]" in result.stdout


def test_escape_hatch_allows_a_torch_without_caffe2_proto(fake_torch):
    result = run_python("""
        import torch
        from caffe2.python import workspace
        print("both", torch.LOADED)
        """, fake_torch, {"CAFFE2_MASK_ALLOW_TORCH": "1"})
    assert result.returncode == 0, result.stderr
    assert "both True" in result.stdout


# PathFinder: the guard's own finder (caffe2.python is imported by conftest) only answers imports.
@pytest.mark.skipif(importlib.machinery.PathFinder.find_spec("torch") is None,
                    reason="PyTorch not installed (tools/install_deps.sh --peers)")
@pytest.mark.parametrize("first,second", [("torch", "caffe2.python.workspace"),
                                          ("caffe2.python.workspace", "torch")])
def test_real_torch_never_aborts(tmp_path, first, second):
    result = run_python(f"""
        import importlib
        importlib.import_module("{first}")
        try:
            importlib.import_module("{second}")
        except ImportError as error:
            print("refused")
        """, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "refused" in result.stdout
