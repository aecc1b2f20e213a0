"""Speed of sklearn_lad.inference, measured against references in the same run.

1. ``summary(se="nid")`` at n=100,000, p=10 against the fit itself (target: within 3x): both
   timed interleaved, ``--repeats`` times each, medians and the ratio printed.
2. ``summary(se="rank")`` at n=5,000, p=5 against R quantreg's ``summary(rq(...), se="rank")``
   (timed inside R by ``benchmarks/rq_rank_time.R``, no start-up or I/O), interleaved: one R
   call (one repeat) and one Python repeat alternately. The intervals are compared too.

Run:  python benchmarks/bench_inference.py [--repeats 5]
The machine may be shared: read the ratios, not the absolute times.
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

from sklearn_lad import QuantileRegressor
from sklearn_lad.inference import summary

HERE = os.path.dirname(os.path.abspath(__file__))


def _data(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = 1.0 + X @ np.linspace(1.0, -1.0, p) + (1.0 + 0.5 * np.abs(X[:, 0])) * rng.standard_t(
        3, size=n)
    return X, y


def bench_nid(repeats: int) -> None:
    X, y = _data(100_000, 10, 0)
    est = QuantileRegressor().fit(X, y)
    fit_times, nid_times = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        QuantileRegressor().fit(X, y)
        fit_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        summary(est, X, y, se="nid")
        nid_times.append(time.perf_counter() - t0)
    fit, nid = np.median(fit_times), np.median(nid_times)
    print(f"nid  n=100000 p=10  solver={est.solver_}: fit {fit:.3f} s, summary(se='nid') "
          f"{nid:.3f} s, ratio {nid / fit:.2f}x (target <= 3x)")


def _r_rank(path: str, tau: float) -> dict:
    args = ["Rscript", os.path.join(HERE, "rq_rank_time.R"), path, repr(tau), "1"]
    proc = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_rank(repeats: int) -> None:
    n, p, tau = 5_000, 5, 0.5
    X, y = _data(n, p, 1)
    est = QuantileRegressor(tau=tau).fit(X, y)
    if shutil.which("Rscript") is None:
        print("rank: Rscript not found; skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "data.bin")
        np.concatenate([[n, p], X.ravel(order="F"), y]).astype("<f8").tofile(path)
        r_times, py_times = [], []
        for _ in range(repeats):
            r = _r_rank(path, tau)
            r_times.extend(r["rank_seconds"])
            t0 = time.perf_counter()
            s = summary(est, X, y, se="rank")
            py_times.append(time.perf_counter() - t0)
    ref = np.column_stack([r["lower"], r["upper"]])
    rel = np.max(np.abs(s.conf_int - ref) / np.abs(ref))
    r_med, py_med = np.median(r_times), np.median(py_times)
    print(f"rank n=5000 p=5 tau=0.5: R summary(se='rank') {r_med:.3f} s, sklearn_lad "
          f"{py_med:.3f} s, speed-up {r_med / py_med:.1f}x (target > 1); max relative "
          f"difference of the intervals {rel:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    bench_nid(args.repeats)
    bench_rank(args.repeats)


if __name__ == "__main__":
    main()
