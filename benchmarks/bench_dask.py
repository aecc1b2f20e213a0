"""Passes, time and client memory of ``sklearn_lad.dask`` against one plain pass over the data.

Usage::

    python benchmarks/bench_dask.py --n 1000000 2000000 --check        # exactness vs fn
    python benchmarks/bench_dask.py --n 10000000 --scheduler local     # 2-worker LocalCluster
    python benchmarks/bench_dask.py --n 100000000 --p 10 --scheduler local --seeds 0 1 2 3 4

The data are generated lazily (``dask.array.random``, ``--chunk`` rows per chunk): ``X`` normal,
``y = X @ beta + t(3) noise``, optional exponential weights, so nothing of size ``n`` exists on
the client. Each fit is timed between two plain passes ``(X * X).sum(axis=0).compute()`` over
the same data (interleaved, so a busy machine affects both alike); ``x pass`` is the fit's time
divided by their mean. ``client MiB`` is the peak rise of the client process's resident memory
during the fit (sampled every 20 ms; with ``--scheduler threads`` the chunk computations run in
the client process and are included); ``--tracemalloc`` adds the peak of Python allocations
traced during a second, untimed fit. ``--check`` also fits the materialised data in memory with
``QuantileLasso(solver="fn")`` and prints the largest coefficient difference and the relative
objective difference.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
import tracemalloc

import dask
import dask.array as da
import numpy as np
import psutil

from sklearn_lad import QuantileLasso
from sklearn_lad.dask import DaskQuantileRegressor


def lazy_data(n: int, p: int, chunk: int, seed: int, weighted: bool):
    """``(X, y, w)`` as lazy dask arrays; the same values every time they are computed."""
    rng = da.random.default_rng(seed)
    X = rng.normal(size=(n, p), chunks=(chunk, p))
    beta = np.linspace(-1.0, 2.0, p)
    y = X @ beta + rng.standard_t(3, size=n, chunks=chunk)
    w = rng.exponential(size=n, chunks=chunk) if weighted else None
    return X, y, w


class PeakRSS:
    """Peak rise of this process's resident memory while the block runs."""

    def __enter__(self):
        self._process = psutil.Process()
        self.base = self._process.memory_info().rss
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)
        self.rise = self.peak - self.base


def plain_pass(X) -> float:
    start = time.perf_counter()
    (X * X).sum(axis=0).compute()
    return time.perf_counter() - start


def run_case(args, n, tau, alpha, weighted, seed, before):
    """Fit once; ``before`` is the plain pass just timed, the one after is timed here."""
    X, y, w = lazy_data(n, args.p, args.chunk, seed, weighted)
    model = DaskQuantileRegressor(tau=tau, alpha=alpha, random_state=seed)
    with PeakRSS() as rss:
        start = time.perf_counter()
        model.fit(X, y, sample_weight=w)
        seconds = time.perf_counter() - start
    after = plain_pass(X)
    row = {
        "n": n, "tau": tau, "alpha": alpha, "w": "yes" if weighted else "no", "seed": seed,
        "passes": model.n_passes_, "cert": model.certified_, "sample": model.n_subsample_,
        "reduced": model.n_reduced_, "fit s": seconds, "pass s": 0.5 * (before + after),
        "x pass": seconds / (0.5 * (before + after)), "client MiB": rss.rise / 2**20,
    }
    if args.tracemalloc:
        tracemalloc.start()
        DaskQuantileRegressor(tau=tau, alpha=alpha, random_state=seed).fit(
            X, y, sample_weight=w
        )
        row["traced MiB"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    if args.check:
        Xm, ym = dask.compute(X, y)
        wm = None if w is None else w.compute()
        ref = QuantileLasso(tau=tau, alpha=alpha, solver="fn").fit(Xm, ym, sample_weight=wm)
        row["max |dcoef|"] = float(np.max(np.abs(model.coef_ - ref.coef_)))
        row["rel dobj"] = abs(model.objective_ - ref.objective_) / abs(ref.objective_)
    return row, after


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.4g}"
    return str(value)


def print_rows(rows):
    keys = list(dict.fromkeys(k for row in rows for k in row))
    width = {k: max(len(k), *(len(_cell(r.get(k, ""))) for r in rows)) for k in keys}
    print("  ".join(k.rjust(width[k]) for k in keys))
    for r in rows:
        print("  ".join(_cell(r.get(k, "")).rjust(width[k]) for k in keys), flush=True)


@contextlib.contextmanager
def scheduler(kind: str, workers: int, memory_limit: str):
    if kind == "threads":
        with dask.config.set(scheduler="threads"):
            yield "threaded scheduler"
        return
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, memory_limit=memory_limit,
                      processes=True, dashboard_address=":0") as cluster, Client(cluster):
        yield f"LocalCluster, {workers} workers x 1 thread, memory limit {memory_limit}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, nargs="+", default=[1e6, 2e6])
    parser.add_argument("--p", type=int, default=10)
    parser.add_argument("--chunk", type=float, default=1e6)
    parser.add_argument("--tau", type=float, nargs="+", default=[0.5])
    parser.add_argument("--alpha", type=float, nargs="+", default=[0.0])
    parser.add_argument("--weights", choices=["no", "yes", "both"], default="no")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--scheduler", choices=["threads", "local"], default="threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args(argv)
    args.chunk = int(args.chunk)
    weights = {"no": [False], "yes": [True], "both": [False, True]}[args.weights]
    with scheduler(args.scheduler, args.workers, args.memory_limit) as where:
        print(f"# p={args.p}, chunks of {args.chunk} rows, {where}", flush=True)
        rows = []
        for n in args.n:
            # The data of every seed has the same shape and distribution, so the plain pass
            # timed after one fit is also the one before the next.
            before = plain_pass(lazy_data(int(n), args.p, args.chunk, 0, False)[0])
            for tau in args.tau:
                for alpha in args.alpha:
                    for weighted in weights:
                        for seed in args.seeds:
                            row, before = run_case(args, int(n), tau, alpha, weighted, seed,
                                                   before)
                            rows.append(row)
                            print_rows(rows[-1:])
    print()
    print_rows(rows)
    for n in args.n:
        mine = [r for r in rows if r["n"] == int(n)]
        print(f"# n={int(n)}: mean passes {np.mean([r['passes'] for r in mine]):.2f}, "
              f"mean x pass {np.mean([r['x pass'] for r in mine]):.2f}, all certified: "
              f"{all(r['cert'] for r in mine)}, max client MiB "
              f"{max(r['client MiB'] for r in mine):.0f}")


if __name__ == "__main__":
    main()
