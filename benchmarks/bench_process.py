"""Several quantile levels at once: sklearn-lad against R quantreg, timed in the same run.

Run ``python benchmarks/bench_process.py`` (``--n``, ``--p``, ``--repeats``; ``--skip-r`` to
time sklearn-lad alone). It prints, with every timing taken in this run, interleaved:

1. 19 levels (0.05, ..., 0.95) at ``n=50,000``, ``p=10`` (heteroscedastic t(3) data):
   ``QuantileProcessRegressor`` (each level warm-started from the extrapolated neighbours, the
   Frisch-Newton backend's preprocessing around the start), 19 cold ``QuantileRegressor`` fits,
   and R's ``rq(..., method="ppro")`` (Chernozhukov, Fernandez-Val and Melly's preprocessing
   along the grid) timed inside R by ``benchmarks/rq_process_time.R``; the largest relative
   objective difference to the best answer shows that every answer is exact.
2. The whole process (``taus="all"``) at ``n=5,000``, ``p=5`` against R ``rq(tau=-1)``, when
   ``sklearn_lad.quantile_process`` exists.

Each entry is the minimum over ``--repeats`` runs. The machine may be shared: compare ratios,
not seconds. ``--clock cpu`` times CPU instead of elapsed time on both sides (Python's
``process_time``, R's user + system time), so that waiting for a core on a loaded machine does
not count; CPU time adds up the threads of a multi-threaded BLAS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np

import sklearn_lad
from sklearn_lad import QuantileProcessRegressor, QuantileRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
TAUS = np.round(np.arange(0.05, 0.951, 0.05), 2)


def make_data(n: int, p: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ np.ones(p) + (1.0 + 0.5 * np.abs(X[:, 0])) * rng.standard_t(3, size=n)
    return X, y


def objective(X, y, coef, intercept, tau) -> float:
    r = y - X @ coef - intercept
    return float(np.mean(np.where(r >= 0, tau * r, (tau - 1.0) * r)))


def time_r(X, y, taus: str, method: str, repeats: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as handle:
        path = handle.name
    try:
        n, p = X.shape
        np.concatenate([[n, p], X.ravel(order="F"), y]).astype("<f8").tofile(path)
        out = subprocess.run(
            ["Rscript", os.path.join(HERE, "rq_process_time.R"), path, taus, method,
             str(repeats)], capture_output=True, text=True, check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        os.unlink(path)


CLOCKS = {"wall": (time.perf_counter, "seconds"), "cpu": (time.process_time, "cpu_seconds")}
CLOCK = "wall"


def best_of(repeats: int, fit):
    clock = CLOCKS[CLOCK][0]
    best, result = np.inf, None
    for _ in range(repeats):
        start = clock()
        result = fit()
        best = min(best, clock() - start)
    return best, result


def r_seconds(r: dict) -> float:
    """R's time on the chosen clock."""
    return r[CLOCKS[CLOCK][1]]


def grid_case(n: int, p: int, repeats: int, skip_r: bool) -> None:
    X, y = make_data(n, p)
    print(f"== 19 levels 0.05..0.95, n={n}, p={p} (min of {repeats}, {CLOCK} clock) ==")
    rows = {}
    for _ in range(repeats):  # interleaved: one of each per round
        t, model = best_of(1, lambda: QuantileProcessRegressor(taus=TAUS).fit(X, y))
        rows.setdefault("QuantileProcessRegressor (warm)", []).append(
            (t, [objective(X, y, model.coef_[k], model.intercept_[k], tau)
                 for k, tau in enumerate(TAUS)]))
        t, fits = best_of(1, lambda: [QuantileRegressor(tau=tau).fit(X, y) for tau in TAUS])
        rows.setdefault("19 x QuantileRegressor (cold)", []).append(
            (t, [f.objective_ for f in fits]))
        if not skip_r:
            r = time_r(X, y, ",".join(str(t) for t in TAUS), "ppro", 1)
            rows.setdefault("R rq(method='ppro')", []).append((r_seconds(r), r["objective"]))
    report(rows, "R rq(method='ppro')" if not skip_r else "19 x QuantileRegressor (cold)")


def report(rows: dict, reference: str) -> None:
    best = np.min([np.array(runs[0][1]) for runs in rows.values()], axis=0)
    ref_time = min(t for t, _ in rows[reference])
    print(f"{'method':>34} {'seconds':>9} {'ratio to ' + reference:>28} {'max rel obj diff':>17}")
    for name, runs in rows.items():
        seconds = min(t for t, _ in runs)
        diff = np.max(np.abs(np.array(runs[0][1]) - best) / best)
        print(f"{name:>34} {seconds:9.3f} {seconds / ref_time:28.3f} {diff:17.2e}")


def process_case(n: int, p: int, repeats: int, skip_r: bool) -> None:
    if not hasattr(sklearn_lad, "quantile_process"):
        print("== taus='all': sklearn_lad.quantile_process is not available; skipped ==")
        return
    X, y = make_data(n, p, seed=1)
    print(f"== whole process, n={n}, p={p} (min of {repeats}, {CLOCK} clock) ==")
    ours, theirs = [], []
    for _ in range(repeats):
        t, process = best_of(1, lambda: sklearn_lad.quantile_process(X, y))
        ours.append(t)
        if not skip_r:
            r = time_r(X, y, "all", "process", 1)
            theirs.append(r_seconds(r))
    print(f"sklearn-lad quantile_process: {min(ours):.3f} s, {len(process.taus)} breakpoints")
    if theirs:
        print(f"R rq(tau=-1): {min(theirs):.3f} s, {r['n_breakpoints'] - 2} breakpoints "
              "(R's count without 0 and 1, including basis changes without a new solution)")
        print(f"ratio sklearn-lad / R: {min(ours) / min(theirs):.3f}")
        compare_with_r(process, r)


def compare_with_r(process, r: dict) -> None:
    """R's breakpoints where its solution changes, against ours."""
    taus = np.array(r["taus"])
    beta = np.array(r["coef"]).reshape(taus.size, -1)
    scale = np.abs(beta).max()
    changed = [k for k in range(1, taus.size - 1)
               if np.max(np.abs(beta[k] - beta[k - 1])) > 1e-9 * scale]
    r_breaks = taus[changed]
    ours = np.column_stack([process.intercept, process.coef])
    if r_breaks.size != process.taus.size:
        print(f"breakpoints where the solution changes: R {r_breaks.size}, "
              f"sklearn-lad {process.taus.size}")
        return
    pieces = np.vstack([beta[0], beta[changed]])
    print(f"breakpoints where the solution changes: {r_breaks.size} in both; largest "
          f"difference {np.max(np.abs(r_breaks - process.taus)):.1e} in tau, "
          f"{np.max(np.abs(pieces - ours)) / scale:.1e} (relative) in the coefficients")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--p", type=int, default=10)
    parser.add_argument("--n-process", type=int, default=5_000)
    parser.add_argument("--p-process", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="'cpu' times CPU on both sides: waiting for a core does not count")
    args = parser.parse_args()
    global CLOCK
    CLOCK = args.clock
    skip_r = args.skip_r or shutil.which("Rscript") is None
    grid_case(args.n, args.p, args.repeats, skip_r)
    process_case(args.n_process, args.p_process, args.repeats, skip_r)


if __name__ == "__main__":
    main()
