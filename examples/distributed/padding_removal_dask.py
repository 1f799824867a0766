#!/usr/bin/python3
"""The padding-removal net (examples/padding_removal/net.pbtxt) over a sharded data set, on Dask's
distributed scheduler: every worker process runs the net through caffe2.python.

  PYTHONPATH=build/python /usr/bin/python3 examples/distributed/padding_removal_dask.py
  PYTHONPATH=build/python /usr/bin/python3 examples/distributed/padding_removal_dask.py --scheduler tcp://HOST:8786

Without --scheduler it starts a LocalCluster of worker processes on this machine (as many as the
largest of --workers, one thread each); with it, it uses the cluster behind that scheduler, whose
workers must import caffe2.python (PYTHONPATH set for `dask worker`, or the package installed). The
task module (padding_removal_shards.py) is shipped to the workers by the script.

The data set: --shards shards of --sequences variable-length sequences each (lengths 1..--max-length,
padded to --max-length and stored flat, as in examples/padding_removal). Each shard is made from
(--seed, its index) by a worker and kept in that worker's memory (standing in for loading it from
shared storage); the timed pass then runs the net on every shard where it is held and brings back
only a digest of the outputs.

What it checks and prints:
1. A single-process run in this process (the same net through caffe2.python, on the same shards)
   gives every shard's digest; the NumPy definition of the net checks it on a few shards.
2. For each worker count in --workers: the shards are loaded onto that many of the cluster's
   workers, one untimed pass creates the net in each worker, then --repeats timed passes each run the
   net on every shard and gather the digests, which must equal the single-process ones. The best
   pass's throughput (padded tokens per second over the wall time of map + gather) is printed.
The exit status is 0 only when every digest matches.

Threads: Dask's nanny starts worker processes with OMP_NUM_THREADS=1, so this process runs its
reference pass with the same setting (unless OMP_NUM_THREADS is set already); each worker count is
then compared at one thread per worker.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before the runtime (and its OpenMP) is loaded
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import padding_removal_shards as tasks  # noqa: E402  (what the workers run; shipped to them below)


def single_process(net_bytes, args):
    """Every shard's digest from this process, checked against NumPy on a few shards; (digests, wall
    seconds of the pass, seconds in the net)."""
    shards = [tasks.make_shard(args.seed, index, args.sequences, args.max_length) for index in range(args.shards)]
    tasks.run_net(net_bytes, 0, shards[0])  # creates the net, as the workers' untimed pass does
    start = time.perf_counter()
    results = [tasks.run_net(net_bytes, index, shard) for index, shard in enumerate(shards)]
    seconds = time.perf_counter() - start
    digests = {index: d for index, _, d, _ in results}
    for index in range(min(args.shards, 4)):
        if tasks.digest(*tasks.numpy_reference(shards[index], args.max_length)) != digests[index]:
            raise SystemExit("shard {}: the single-process run differs from the NumPy definition".format(index))
    return digests, seconds, sum(r[3] for r in results)


def load_shards(client, workers, args):
    """The data set made on `workers` (addresses) and held there: one future per shard."""
    from dask.distributed import wait
    shards = client.map(tasks.make_shard, [args.seed] * args.shards, range(args.shards),
                        [args.sequences] * args.shards, [args.max_length] * args.shards,
                        workers=workers, allow_other_workers=False, pure=False)
    wait(shards)  # all made before a pass is timed; they stay on the workers
    return shards


def run_pass(client, workers, net_bytes, shards):
    """The net on every held shard; ({index: digest}, padded tokens, seconds in the net summed over the
    shards)."""
    futures = client.map(tasks.run_net, [net_bytes] * len(shards), range(len(shards)), shards,
                         workers=workers, allow_other_workers=False, pure=False)
    results = client.gather(futures)
    return ({index: d for index, _, d, _ in results}, sum(r[1] for r in results), sum(r[3] for r in results))


def parse_worker_counts(text):
    try:
        counts = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        counts = []
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError("takes positive worker counts, comma-separated, e.g. 1,2")
    return counts


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scheduler", help="address of a running scheduler (tcp://host:8786); "
                        "default: a LocalCluster of worker processes on this machine")
    parser.add_argument("--workers", type=parse_worker_counts, default=[1, 2],
                        help="worker counts to measure, comma-separated (default 1,2)")
    parser.add_argument("--shards", type=int, default=64)
    parser.add_argument("--sequences", type=int, default=4096, help="sequences per shard")
    parser.add_argument("--max-length", type=int, default=128, help="padded length of every sequence")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per worker count (the best is printed)")
    parser.add_argument("--wait", type=float, default=60,
                        help="seconds to wait for the scheduler to have as many workers as --workers asks for")
    args = parser.parse_args(argv)
    if min(args.shards, args.sequences, args.max_length, args.repeats) < 1:
        parser.error("--shards, --sequences, --max-length and --repeats must be at least 1")

    try:
        from dask.distributed import Client, LocalCluster, TimeoutError as DaskTimeoutError
    except ImportError as error:
        raise SystemExit("this example needs Dask's distributed scheduler ({}); on Debian: "
                         "tools/install_deps.sh --distributed (python3-distributed)".format(error))

    net_bytes = tasks.load_net()
    total_tokens = args.shards * args.sequences * args.max_length
    print("data set: {} shards x {} sequences x {} tokens = {} padded tokens ({:.1f} MiB of float32)".format(
        args.shards, args.sequences, args.max_length, total_tokens, total_tokens * 4 / 2**20))
    print("CPU: {} ({} logical CPUs), load average {:.2f} {:.2f} {:.2f}; OMP_NUM_THREADS={}".format(
        cpu_model(), os.cpu_count(), *os.getloadavg(), os.environ["OMP_NUM_THREADS"]))

    expected, seconds, in_net = single_process(net_bytes, args)
    print("single process (this process, no Dask): {:8.1f} M tokens/s  ({:.3f} s, {:.3f} s of it in the net)"
          .format(total_tokens / seconds / 1e6, seconds, in_net))

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=max(args.workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    ok = True
    try:
        try:
            client.wait_for_workers(max(args.workers), timeout=args.wait)
        except DaskTimeoutError:
            raise SystemExit("the scheduler has {} workers after {} s; --workers asks for {}".format(
                len(client.scheduler_info()["workers"]), args.wait, max(args.workers)))
        client.upload_file(tasks.__file__)  # the workers import the task module by its name
        addresses = sorted(client.scheduler_info()["workers"])
        print("scheduler {} with {} workers".format(client.scheduler.address, len(addresses)))
        for count in args.workers:
            workers = addresses[:count]
            shards = load_shards(client, workers, args)
            run_pass(client, workers, net_bytes, shards)  # untimed: creates the net in each worker
            best = None
            for _ in range(args.repeats):
                start = time.perf_counter()
                digests, tokens, in_net = run_pass(client, workers, net_bytes, shards)
                elapsed = time.perf_counter() - start
                if best is None or elapsed < best[0]:
                    best = (elapsed, in_net)
                wrong = sorted(i for i in expected if digests.get(i) != expected[i])
                if tokens != total_tokens or wrong:
                    ok = False
                    print("  {} workers: shards {} differ from the single-process run".format(count, wrong))
            del shards  # frees the shards on the workers before the next count loads its own
            print("{} worker{}: {:8.1f} M tokens/s  (best of {}: {:.3f} s, {:.3f} s in the net summed over "
                  "the shards){}".format(count, "" if count == 1 else "s", total_tokens / best[0] / 1e6,
                                         args.repeats, best[0], best[1], "" if ok else "  MISMATCH"))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print("results match the single-process run" if ok else "RESULTS DIFFER from the single-process run")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
