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
"""
import argparse
import os
import platform
import statistics
import time

import numpy as np

from caffe2.python import _caffe2_mask as C
from caffe2.python import core, workspace

try:
    import torch
except ImportError:
    torch = None


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
    """(min, median) over `repeats` of one call, in ms."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return min(samples), statistics.median(samples)


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
    if torch is not None:
        td, tm = torch.from_numpy(data), torch.from_numpy(mask)
        rows.append(("PyTorch masked_select", per_call_ns(lambda: torch.masked_select(td, tm), calls, repeats)))
        rows.append(("PyTorch masked_fill", per_call_ns(lambda: td.masked_fill(tm, 0.0), calls, repeats)))
    np.testing.assert_array_equal(workspace.FetchBlob("masked"), data[mask])
    return rows


def bench_large(n, repeats):
    rng = np.random.default_rng(0)
    data = rng.standard_normal(n, dtype=np.float32)
    mask = rng.random(n) < 0.5
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
    ]
    if torch is not None:
        td, tm = torch.from_numpy(data), torch.from_numpy(mask)
        rows.append(("PyTorch masked_select", once_ms(lambda: torch.masked_select(td, tm), repeats)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and repeats")
    args = parser.parse_args()
    calls, repeats = (2000, 5) if args.quick else (20000, 7)

    print("CPU: {} ({} logical CPUs), load average {:.2f} {:.2f} {:.2f}".format(
        cpu_model(), os.cpu_count(), *os.getloadavg()))
    print("Python {}, NumPy {}, PyTorch {}".format(
        platform.python_version(), np.__version__, torch.__version__ if torch else "not installed"))
    print("\nPer call, 8-element float32 data and bool mask (ns; min and median of {} loops of {} calls):"
          .format(repeats, calls))
    for label, (best, median) in bench_small(calls, repeats):
        print("  {:<50} {:>9.0f} {:>9.0f}".format(label, best, median))
    print("\n16M float32, mask density 0.5 (ms; min and median of {} runs):".format(repeats))
    for label, (best, median) in bench_large(1 << 24, repeats):
        print("  {:<54} {:>8.2f} {:>8.2f}".format(label, best, median))


if __name__ == "__main__":
    main()
