#!/usr/bin/python3
"""Costs of the Python front end, side by side with NumPy (and PyTorch when it is installed).

  PYTHONPATH=build/python /usr/bin/python3 tools/benchmarks/python_frontend.py [--quick]

1. Per call, on 8-element inputs: workspace.RunNet on a prepared one-operator BooleanMask net (and the
   extension's run_net called directly), the same net's per-run time measured inside C++
   (BenchmarkNet), workspace.RunOperatorOnce (building and serializing the OperatorDef each call,
   and with the bytes prepared), NumPy x[mask], PyTorch masked_select / masked_fill.
2. 16M float32 at mask density 0.5: FeedBlob + FeedBlob + RunNet + FetchBlob end to end, each stage
   alone, against NumPy x[mask] and x[np.where(mask)[0]], and FeedBlob / FetchBlob against a
   same-size NumPy copy (np.copyto, i.e. memcpy).

Each figure is given as the minimum and the median of several repeats; the per-call figures divide a
timed loop by its count.

PyTorch (torch.set_num_threads(1)) is timed in a child process of the same run, on the same inputs:
Debian's libtorch has Caffe2's caffe2.proto compiled in, as this runtime does, and the two cannot be
loaded into one process (libprotobuf aborts: "Symbol name "caffe2.TensorProto" conflicts with the
existing symbol"), in either order.
"""
import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

# Imported in main() (caffe2.python) or in the PyTorch child (torch), never both: see above.
C = core = workspace = torch = None


def per_call_ns(fn, calls, repeats):
    """(min, median) over `repeats` of the mean time of one call in a loop of `calls`, in ns. On a
    loaded machine the minimum is the least disturbed figure."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter_ns() - start) / calls)
    return min(samples), statistics.median(samples)


def once_ms(fn, repeats):
    """(min, median) over `repeats` of one call's wall time, in ms; the minimum of its CPU time (all
    threads of the process, user + system, in ms); the median count of minor page faults a call took
    (a copy into memory never touched before pays one per page or huge page). On a loaded machine the
    CPU time is the steadier figure: time spent waiting for a CPU is not in it."""
    samples, cpu, faults = [], [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        cpu_start = time.process_time()
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.process_time() - cpu_start) * 1e3)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
        del result  # freed before the next call, as a caller that drops the result would
    return min(samples), statistics.median(samples), min(cpu), statistics.median(faults)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def small_inputs():
    data = np.arange(8, dtype=np.float32)
    mask = np.array([True, False, False, True, True, False, True, False])
    return data, mask


def prepared_net(label, data, mask):
    """An empty workspace holding data and mask, and a created one-operator BooleanMask net; its name."""
    workspace.ResetWorkspace()
    workspace.FeedBlob("data", data)
    workspace.FeedBlob("mask", mask)
    net = core.Net(label)
    net.BooleanMask(["data", "mask"], ["masked"])
    workspace.CreateNet(net)
    return net.Name()


def bench_small(calls, repeats):
    data, mask = small_inputs()
    name = prepared_net("small", data, mask)
    op = core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"])
    op_bytes = op.SerializeToString()

    rows = []
    cpp_ns = [workspace.BenchmarkNet(name, 1000, calls, False)[0] * 1e6 for _ in range(repeats)]
    rows.append(("RunNet, measured inside C++ (BenchmarkNet)", (min(cpp_ns), statistics.median(cpp_ns))))
    rows.append(("workspace.RunNet(name)", per_call_ns(lambda: workspace.RunNet(name), calls, repeats)))
    rows.append(("C.run_net(name) (the extension directly)", per_call_ns(lambda: C.run_net(name), calls, repeats)))
    rows.append(("workspace.RunOperatorOnce(prepared bytes)",
                 per_call_ns(lambda: workspace.RunOperatorOnce(op_bytes), calls, repeats)))
    rows.append(("workspace.RunOperatorOnce(CreateOperator(...))", per_call_ns(
        lambda: workspace.RunOperatorOnce(core.CreateOperator("BooleanMask", ["data", "mask"], ["masked"])),
        calls, repeats)))
    rows.append(("NumPy x[mask]", per_call_ns(lambda: data[mask], calls, repeats)))
    np.testing.assert_array_equal(workspace.FetchBlob("masked"), data[mask])
    return rows


def bench_large(n, repeats):
    data, mask = large_inputs(n)
    name = prepared_net("large", data, mask)

    def end_to_end():
        workspace.FeedBlob("data", data)
        workspace.FeedBlob("mask", mask)
        workspace.RunNet(name)
        return workspace.FetchBlob("masked")

    expected = data[mask]
    np.testing.assert_array_equal(end_to_end(), expected)
    copy_target = np.empty_like(data)
    rows = [
        ("FeedBlob(data) + FeedBlob(mask) + RunNet + FetchBlob", once_ms(end_to_end, repeats)),
        ("  FeedBlob(data), 64 MiB", once_ms(lambda: workspace.FeedBlob("data", data), repeats)),
        ("  FeedBlob(mask), 16 MiB of bool", once_ms(lambda: workspace.FeedBlob("mask", mask), repeats)),
        ("  RunNet", once_ms(lambda: workspace.RunNet(name), repeats)),
        ("  FetchBlob(masked), {:.1f} MiB".format(expected.nbytes / 2**20),
         once_ms(lambda: workspace.FetchBlob("masked"), repeats)),
        ("NumPy x[mask]", once_ms(lambda: data[mask], repeats)),
        ("NumPy x[np.where(mask)[0]]", once_ms(lambda: data[np.where(mask)[0]], repeats)),
        ("np.copyto of the 64 MiB data (memcpy)", once_ms(lambda: np.copyto(copy_target, data), repeats)),
        ("np.copyto of FetchBlob's bytes (memcpy)",
         once_ms(lambda: np.copyto(copy_target[:expected.size], expected), repeats)),
        # FetchBlob returns a new array, whose pages may be touched for the first time: compare with
        # NumPy's own allocate-and-copy of the same array.
        ("np.copy of FetchBlob's result (new array + memcpy)", once_ms(lambda: np.copy(expected), repeats)),
        ("np.copy of the 64 MiB data (new array + memcpy)", once_ms(lambda: np.copy(data), repeats)),
    ]
    return rows


def large_inputs(n):
    rng = np.random.default_rng(0)
    data = rng.standard_normal(n, dtype=np.float32)
    mask = rng.random(n) < 0.5
    return data, mask


def bench_torch(calls, repeats, n):
    """The PyTorch rows (run in the child process): per call on the 8-element inputs, then the 16M case."""
    data, mask = small_inputs()
    td, tm = torch.from_numpy(data), torch.from_numpy(mask)
    small = [
        ("PyTorch masked_select", per_call_ns(lambda: torch.masked_select(td, tm), calls, repeats)),
        ("PyTorch masked_fill", per_call_ns(lambda: td.masked_fill(tm, 0.0), calls, repeats)),
        ("PyTorch x[mask]", per_call_ns(lambda: td[tm], calls, repeats)),
    ]
    data, mask = large_inputs(n)
    td, tm = torch.from_numpy(data), torch.from_numpy(mask)
    assert np.array_equal(torch.masked_select(td, tm).numpy(), data[mask])
    large = [("PyTorch masked_select", once_ms(lambda: torch.masked_select(td, tm), repeats))]
    return {"version": torch.__version__, "threads": torch.get_num_threads(), "small": small, "large": large}


def torch_rows(args):
    """The PyTorch figures from a child process of this run, or None when torch is not installed."""
    if importlib.util.find_spec("torch") is None:
        return None
    command = [sys.executable, os.path.abspath(__file__), "--torch-child"] + (["--quick"] if args.quick else [])
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit("the PyTorch child failed:\n" + result.stderr)
    return json.loads(result.stdout)


def main():
    global C, core, workspace, torch
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and repeats")
    parser.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    calls, repeats = (2000, 5) if args.quick else (20000, 7)
    n = 1 << 24
    if args.torch_child:
        import torch
        torch.set_num_threads(1)
        print(json.dumps(bench_torch(calls, repeats, n)))
        return

    from caffe2.python import _caffe2_mask as C
    from caffe2.python import core, workspace
    print("CPU: {} ({} logical CPUs), load average {:.2f} {:.2f} {:.2f}".format(
        cpu_model(), os.cpu_count(), *os.getloadavg()))
    small = bench_small(calls, repeats)
    large = bench_large(n, repeats)
    peer = torch_rows(args)
    if peer is not None:
        small += [(label, tuple(row)) for label, row in peer["small"]]
        large += [(label + " (child process)", tuple(row)) for label, row in peer["large"]]
    print("Python {}, NumPy {}, PyTorch {}; OMP_NUM_THREADS={}".format(
        platform.python_version(), np.__version__,
        "{} on {} thread(s), in a child process".format(peer["version"], peer["threads"]) if peer else "not installed",
        os.environ.get("OMP_NUM_THREADS", "unset")))
    print("\nPer call, 8-element float32 data and bool mask (ns; min and median of {} loops of {} calls):"
          .format(repeats, calls))
    for label, (best, median) in small:
        print("  {:<50} {:>9.0f} {:>9.0f}".format(label, best, median))
    print("\n16M float32, mask density 0.5 (ms over {} runs: wall min and median, CPU min; median minor page "
          "faults a call):".format(repeats))
    print("  {:<54} {:>8} {:>8} {:>8} {:>7}".format("", "min", "median", "CPU min", "faults"))
    for label, (best, median, cpu, faults) in large:
        print("  {:<54} {:>8.2f} {:>8.2f} {:>8.2f} {:>7.0f}".format(label, best, median, cpu, faults))
    print("load average at the end {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
