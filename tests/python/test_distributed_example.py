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


def need_distributed():
    if importlib.util.find_spec("distributed") is None:
        pytest.skip("Dask's distributed scheduler is not installed for {} (Debian: python3-distributed, "
                    "tools/install_deps.sh --distributed)".format(sys.executable))


def run_example(*args):
    return subprocess.run([sys.executable, SCRIPT, "--shards", "6", "--sequences", "8", "--max-length", "5",
                           "--repeats", "1"] + list(args), capture_output=True, text=True, timeout=300)


def test_runs_on_a_local_cluster_and_matches_single_process():
    need_distributed()
    result = run_example("--workers", "1,2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 worker:" in result.stdout and "2 workers:" in result.stdout, result.stdout
    assert "results match the single-process run" in result.stdout, result.stdout


# Tornado 6.2, under distributed 2022.12 in this process, warns about its own event-loop set-up.
@pytest.mark.filterwarnings("ignore:make_current is deprecated:DeprecationWarning")
def test_runs_on_a_cluster_given_by_its_scheduler_address():
    need_distributed()
    from distributed import LocalCluster
    # A cluster the script did not start, as a real one would be: it ships the task module itself.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_example("--scheduler", cluster.scheduler_address, "--workers", "1")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "scheduler {} with 1 workers".format(cluster.scheduler_address) in result.stdout, result.stdout
        assert "results match the single-process run" in result.stdout, result.stdout
        # More workers than the cluster has: a clear message after --wait seconds, not a hang.
        result = run_example("--scheduler", cluster.scheduler_address, "--workers", "2", "--wait", "1")
        assert result.returncode != 0
        assert "the scheduler has 1 workers after 1.0 s; --workers asks for 2" in result.stderr, result.stderr
