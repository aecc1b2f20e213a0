"""Time the same cases with two source trees of sklearn-lad, interleaved, in one run.

A change must not make a benchmark row slower; machines drift and are shared, so the only fair
comparison is the two versions measured side by side, alternating, with the minimum over
several rounds. Each tree runs in its own worker process (``PYTHONPATH`` set to the tree), and
the cases are the rows of ``bench_solvers.py`` and ``bench_path.py``.

Usage::

    git worktree add /tmp/base <commit>      # the version to compare against
    python benchmarks/bench_compare.py --base /tmp/base --head . [--rounds 5] [--only path]
        [--skip cv_dense] [--clock cpu]

It prints, per case, the best seconds of each tree and ``head / base`` (above 1.10 means the
head is more than 10% slower).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CASES = [
    # (kind, solver, n, p, tau, alpha)
    *[("fit", s, n, 10, 0.5, 0.0) for s in ("fn", "br", "irls") for n in (1_000, 10_000)],
    *[("fit", s, 100_000, 10, 0.5, 0.0) for s in ("fn", "irls")],
    ("fit", "br", 100_000, 10, 0.5, 0.0),
    *[("fit", s, 10_000, 10, 0.9, 0.0) for s in ("fn", "br", "irls")],
    *[("fit", s, 10_000, 10, 0.5, 0.01) for s in ("fn", "br", "irls")],
    ("fit", "highs", 1_000, 10, 0.5, 0.0),
    ("fit", "cvxpy", 1_000, 10, 0.5, 0.0),
    ("path", "auto", 10_000, 100, 0.5, 0.0),
    ("path_warm", "fn", 10_000, 100, 0.5, 0.0),
    ("cv", "auto", 10_000, 100, 0.5, 0.0),
    # Dense truth (every coefficient non-zero, benchmarks/bench_path_routes.py's data), where
    # the homotopy alone was slower than cold fits.
    ("path_dense", "auto", 8_000, 100, 0.5, 0.0),
    ("path_warm_dense", "fn", 8_000, 100, 0.5, 0.0),
    ("cv_dense", "auto", 10_000, 100, 0.5, 0.0),
]


def _data(kind: str, n: int, p: int):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    if kind == "fit":  # bench_solvers.py's data
        return X, X @ np.ones(p) + rng.standard_t(3, size=n)
    if kind.endswith("_dense"):  # bench_path_routes.py's dense truth
        return X, X @ rng.standard_normal(p) + rng.standard_t(3, size=n)
    beta = np.zeros(p)  # bench_path.py's data
    beta[:10] = rng.standard_normal(min(10, p))
    return X, X @ beta + rng.standard_t(3, size=n)


#: ``--clock``: wall time, or the worker's CPU time (all its threads; BLAS is limited to one).
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _run_case(case, clock=time.perf_counter) -> float:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    import sklearn_lad as sl

    kind, solver, n, p, tau, alpha = case
    X, y = _data(kind, n, p)
    warnings.simplefilter("ignore", ConvergenceWarning)
    with threadpool_limits(limits=1):
        start = clock()
        if kind == "fit" and alpha > 0:
            sl.QuantileLasso(tau=tau, alpha=alpha, solver=solver).fit(X, y)
        elif kind == "fit":
            sl.QuantileRegressor(tau=tau, solver=solver).fit(X, y)
        elif kind in ("path", "path_dense"):
            sl.quantile_path(X, y, n_alphas=50, solver=solver)
        elif kind in ("path_warm", "path_warm_dense"):
            sl.quantile_path(X, y, n_alphas=50, solver=solver, method="warm_start")
        else:
            sl.QuantileLassoCV(n_alphas=50, cv=5).fit(X, y)
        return clock() - start


def _worker(clock_name: str) -> None:
    clock = CLOCKS[clock_name]
    for line in sys.stdin:
        seconds = _run_case(tuple(json.loads(line)), clock)
        print(json.dumps(seconds), flush=True)


def _start(tree: str, clock_name: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(tree)}
    return subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--worker", "--clock", clock_name],
        env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        cwd=os.path.abspath(tree),
    )


def _time(worker: subprocess.Popen, case) -> float:
    worker.stdin.write(json.dumps(case) + "\n")
    worker.stdin.flush()
    return json.loads(worker.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base", default=None)
    parser.add_argument("--head", default=".")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="+", default=None, help="kinds or solvers to keep")
    parser.add_argument("--skip", nargs="+", default=(), help="kinds to leave out (exact names)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="'cpu' times the worker's CPU (process_time): on a machine shared "
                             "with other jobs, waiting for a core then does not count")
    args = parser.parse_args()
    if args.worker:
        return _worker(args.clock)
    # "--only path" keeps the path rows of every data set (path, path_warm, path_dense, ...).
    cases = [c for c in CASES if args.only is None
             or {c[0], c[0].split("_")[0], c[1]} & set(args.only)]
    cases = [c for c in cases if c[0] not in args.skip]
    workers = {"base": _start(args.base, args.clock), "head": _start(args.head, args.clock)}
    print(f"{'case':<42}{'base s':>10}{'head s':>10}{'head/base':>11}")
    worst = 0.0
    for case in cases:
        best = {"base": float("inf"), "head": float("inf")}
        _time(workers["base"], case)  # warm-up: imports, caches, first allocation
        _time(workers["head"], case)
        rounds = args.rounds if case[0] == "fit" else max(2, args.rounds // 2)
        for _ in range(rounds):
            for tree in ("base", "head"):  # interleaved, so drift hits both
                best[tree] = min(best[tree], _time(workers[tree], case))
        ratio = best["head"] / best["base"]
        worst = max(worst, ratio)
        label = " ".join(str(v) for v in case)
        print(f"{label:<42}{best['base']:>10.4f}{best['head']:>10.4f}{ratio:>11.2f}", flush=True)
    for worker in workers.values():
        worker.stdin.close()
    print(f"\nworst head/base ratio: {worst:.2f}")


if __name__ == "__main__":
    main()
