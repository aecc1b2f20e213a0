"""Coverage of sklearn_lad.inference's 95% intervals on heteroscedastic data (a simulation).

Model: x1 ~ U(0, 2), x2 ~ N(0, 1), y = 1 + x1 + x2 + (0.5 + 0.5 x1) e with e ~ N(0, 1), so the
conditional tau-quantile is linear with true coefficients
(1 + 0.5 q, 1 + 0.5 q, 1), q = Phi^{-1}(tau): the slope of x1 carries the heteroscedasticity
(iid standard errors are not valid for it), x2 does not.

For each replication and method the 95% interval of every coefficient is checked against the
truth; the table gives the share that covers, per method, n and coefficient, with the
Monte-Carlo standard error sqrt(c (1 - c) / R) (about 0.7 points at R = 1000).

Run:  python benchmarks/coverage_inference.py [--reps 1000] [--boot-reps 200] [--n 200 2000]
      [--tau 0.5] [--jobs 2] [--out docs/inference_coverage.csv] [--methods "boot wild" ...]
      [--log cov.jsonl]       (each replication appended as it finishes)
      python benchmarks/coverage_inference.py --table-from cov.jsonl ...   (table of the logs)
"""

from __future__ import annotations

import argparse
import csv
import json
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from scipy import stats

from sklearn_lad import QuantileRegressor
from sklearn_lad.inference import summary

NAMES = ["(Intercept)", "x1", "x2"]
METHODS = [
    ("iid", {"se": "iid"}),
    ("nid", {"se": "nid"}),
    ("ker", {"se": "ker"}),
    ("rank (iid)", {"se": "rank", "iid": True}),
    ("rank (nid)", {"se": "rank", "iid": False}),
]
BOOT = [
    ("boot xy", {"se": "boot", "boot_method": "xy"}),
    ("boot wild", {"se": "boot", "boot_method": "wild"}),
    ("boot pwy", {"se": "boot", "boot_method": "pwy"}),
]


def simulate(n, rng):
    x1 = rng.uniform(0, 2, n)
    x2 = rng.normal(size=n)
    y = 1 + x1 + x2 + (0.5 + 0.5 * x1) * rng.normal(size=n)
    return np.column_stack([x1, x2]), y


def one_replication(n, tau, seed, methods, n_boot):
    rng = np.random.default_rng(seed)
    X, y = simulate(n, rng)
    q = stats.norm.ppf(tau)
    truth = np.array([1 + 0.5 * q, 1 + 0.5 * q, 1.0])
    est = QuantileRegressor(tau=tau).fit(X, y)
    out = {}
    for name, kwargs in methods:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = summary(est, X, y, level=0.95, n_boot=n_boot, random_state=seed, **kwargs)
        out[name] = (s.conf_int[:, 0] <= truth) & (truth <= s.conf_int[:, 1])
    return out


def run(n, tau, reps, methods, n_boot, jobs, seed0, log=None, first=0):
    """Coverage per method; with ``log``, each replication is appended to it as it finishes
    (one JSON line per replication and method), so an interrupted run still counts."""
    results = []
    for res in Parallel(n_jobs=jobs, verbose=5, return_as="generator")(
        delayed(one_replication)(n, tau, seed0 + r, methods, n_boot) for r in range(first, reps)
    ):
        results.append(res)
        if log is not None:
            with open(log, "a") as fh:
                for name, covered in res.items():
                    fh.write(json.dumps({"method": name, "n": n, "tau": tau, "n_boot": n_boot,
                                         "covered": covered.astype(int).tolist()}) + "\n")
    return {name: np.mean([res[name] for res in results], axis=0) for name, _ in methods}


def table_from_logs(paths):
    """The coverage table of the replications recorded in the JSON-lines ``paths``."""
    groups = {}
    for path in paths:
        with open(path) as fh:
            for line in fh:
                rec = json.loads(line)
                key = (rec["method"], rec["n"], rec["n_boot"])
                groups.setdefault(key, []).append(rec["covered"])
    print("| method | n | replications (bootstrap samples) | " + " | ".join(NAMES) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in NAMES) + " |")
    for (name, n, n_boot), covered in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        cover = 100 * np.mean(covered, axis=0)
        print(f"| {name} | {n} | {len(covered)} ({n_boot}) | "
              + " | ".join(f"{c:.1f}" for c in cover) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--boot-reps", type=int, default=200)
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--n", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--tau", type=float, default=0.5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="docs/inference_coverage.csv")
    parser.add_argument("--only", choices=["all", "asymptotic", "boot"], default="all",
                        help="run only the asymptotic/rank methods or only the bootstraps")
    parser.add_argument("--methods", nargs="+", default=None,
                        help="only these methods (names as in the table, e.g. 'boot wild')")
    parser.add_argument("--first-rep", type=int, default=0,
                        help="start at this replication (its seed): continue an interrupted "
                             "--log run without repeating the replications it holds")
    parser.add_argument("--log", default=None,
                        help="append each replication to this JSON-lines file as it finishes")
    parser.add_argument("--table-from", nargs="+", default=None,
                        help="only print the table of the replications in these --log files")
    args = parser.parse_args()
    if args.table_from:
        table_from_logs(args.table_from)
        return
    rows = []
    for n in args.n:
        for methods, reps in ((METHODS, args.reps), (BOOT, args.boot_reps)):
            wanted = {"all": True, "asymptotic": methods is METHODS, "boot": methods is BOOT}
            if args.methods is not None:
                methods = [m for m in methods if m[0] in args.methods]
            if reps <= 0 or not wanted[args.only] or not methods:
                continue
            t0 = time.perf_counter()
            cover = run(n, args.tau, reps, methods, args.n_boot, args.jobs, 1000 * n, args.log,
                        args.first_rep)
            seconds = time.perf_counter() - t0
            for name, _ in methods:
                rows.append([name, n, args.tau, reps, *np.round(100 * cover[name], 1)])
                print(f"n={n:5d} {name:11s} reps={reps:4d} coverage % "
                      f"{np.round(100 * cover[name], 1)}  ({seconds:.0f} s for this block)",
                      flush=True)
    with open(args.out, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["method", "n", "tau", "replications", *NAMES])
        writer.writerows(rows)
    print(f"wrote {args.out}")
    print("\n| method | n | replications | " + " | ".join(NAMES) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in NAMES) + " |")
    for name, n, _, reps, *cov in rows:
        print(f"| {name} | {n} | {reps} | " + " | ".join(f"{c:.1f}" for c in cov) + " |")


if __name__ == "__main__":
    main()
