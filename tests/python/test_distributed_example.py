"""examples/distributed/: the workers' task (padding_removal_shards.py) against the NumPy definition
of the net, and the whole script (padding_removal_dask.py), small, on a LocalCluster of two worker
processes when Dask's distributed scheduler is installed (tools/install_deps.sh --distributed)."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
EXAMPLE = os.path.join(ROOT, "examples", "distributed")
SCRIPT = os.path.join(EXAMPLE, "padding_removal_dask.py")


def load_example():
    spec = importlib.util.spec_from_file_location("padding_removal_shards",
                                                  os.path.join(EXAMPLE, "padding_removal_shards.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("sequences,max_length", [(1, 1), (3, 4), (17, 9)])
def test_shard_task_matches_numpy(sequences, max_length):
    example = load_example()
    net_bytes = example.load_net()
    for index in range(3):
        shard = example.make_shard(7, index, sequences, max_length)
        got_index, tokens, digest, _ = example.run_net(net_bytes, index, shard)
        assert got_index == index
        assert tokens == sequences * max_length
        assert digest == example.digest(*example.numpy_reference(shard, max_length))


def test_shards_are_deterministic_and_differ():
    example = load_example()
    a, b = example.make_shard(3, 0, 5, 6), example.make_shard(3, 0, 5, 6)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["tokens"], example.make_shard(3, 1, 5, 6)["tokens"])
    np.testing.assert_array_equal(a["padding_mask"], ~a["mask"])


def test_runs_on_a_local_cluster_and_matches_single_process():
    if importlib.util.find_spec("distributed") is None:
        pytest.skip("Dask's distributed scheduler is not installed for {} (Debian: python3-distributed, "
                    "tools/install_deps.sh --distributed)".format(sys.executable))
    result = subprocess.run(
        [sys.executable, SCRIPT, "--shards", "6", "--sequences", "8", "--max-length", "5", "--workers", "1,2",
         "--repeats", "1"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 worker:" in result.stdout and "2 workers:" in result.stdout, result.stdout
    assert "results match the single-process run" in result.stdout, result.stdout
