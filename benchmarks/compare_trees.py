"""Time the same fits with two checkouts of sklearn-lad, interleaved, and print the ratios.

Usage::

    git worktree add /tmp/base main
    python benchmarks/compare_trees.py /tmp/base . --rounds 5
    python benchmarks/compare_trees.py /tmp/base . --n 100000 --p 10 --solvers irls fn
    python benchmarks/compare_trees.py /tmp/base . --n 10000 --p 100 --solvers path path-fn

``path`` is ``quantile_path`` with the homotopy (``solver="auto"``) and ``path-<solver>`` the
warm-started path of that backend, 50 alphas on ``bench_path.py``'s data (10 non-zero
coefficients); the other names are single fits of ``QuantileRegressor`` (``QuantileLasso``
when ``--alpha`` > 0) on ``bench_solvers.py``'s data.

Each round runs one worker process per tree (``PYTHONPATH`` set to the tree), alternating
which tree goes first; a worker fits every case ``--repeat`` times and reports its best time.
The table gives, per case, the minimum over rounds for each tree and ``new / base`` (below 1
means the second tree is faster). Timing on a shared machine is noisy: the minimum over
interleaved rounds is the least noisy statistic, and only the ratio is meaningful.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def _cases(args):
    for n in args.n:
        for p in args.p:
            for tau in args.tau:
                for alpha in args.alpha:
                    for solver in args.solvers:
                        if solver == "highs" and n > 20_000:
                            continue  # the dense LP is minutes there
                        if solver == "br" and n > 100_000:
                            continue
                        yield {"n": n, "p": p, "tau": tau, "alpha": alpha, "solver": solver}


def _worker(cases, repeat: int) -> dict:
    """Best time of each case with whichever sklearn_lad is on the path."""
    import warnings

    import numpy as np

    from sklearn_lad import QuantileLasso, QuantileRegressor, quantile_path

    out = {}
    for case in cases:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((case["n"], case["p"]))
        path = case["solver"].startswith("path")
        if path:
            coef = np.zeros(case["p"])
            coef[:10] = rng.standard_normal(min(10, case["p"]))
        else:
            coef = np.ones(case["p"])
        y = X @ coef + rng.standard_t(3, size=case["n"])
        if path:
            solver = "auto" if case["solver"] == "path" else case["solver"][5:]
            method = "homotopy" if solver == "auto" else "warm_start"

            class _Path:
                def fit(self, X, y, solver=solver, method=method, tau=case["tau"]):
                    quantile_path(X, y, tau=tau, n_alphas=50, solver=solver, method=method)

            model = _Path()
        elif case["alpha"] > 0:
            model = QuantileLasso(tau=case["tau"], alpha=case["alpha"], solver=case["solver"])
        else:
            model = QuantileRegressor(tau=case["tau"], solver=case["solver"])
        best = float("inf")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(repeat):
                start = time.perf_counter()
                model.fit(X, y)
                best = min(best, time.perf_counter() - start)
        out[json.dumps(case, sort_keys=True)] = best
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--n", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--p", type=int, nargs="+", default=[10])
    parser.add_argument("--tau", type=float, nargs="+", default=[0.5])
    parser.add_argument("--alpha", type=float, nargs="+", default=[0.0])
    parser.add_argument("--solvers", nargs="+", default=["fn", "irls", "br", "highs"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cases = list(_cases(args))
    if args.worker:
        print(json.dumps(_worker(cases, args.repeat)))
        return
    trees = {"base": os.path.abspath(args.base), "new": os.path.abspath(args.new)}
    best = {name: {} for name in trees}
    worker_args = [a for a in (argv if argv is not None else sys.argv[1:])
                   if a not in (args.base, args.new)]
    for round_ in range(args.rounds):
        order = list(trees) if round_ % 2 == 0 else list(trees)[::-1]
        for name in order:
            env = dict(os.environ, PYTHONPATH=trees[name])
            proc = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "x", "x", "--worker", *worker_args],
                env=env, capture_output=True, text=True, check=True,
            )
            for key, seconds in json.loads(proc.stdout.strip().splitlines()[-1]).items():
                best[name][key] = min(best[name].get(key, float("inf")), seconds)
    print(f"{'n':>9} {'p':>4} {'tau':>5} {'alpha':>7} {'solver':<8}"
          f"{'base s':>10} {'new s':>10} {'new/base':>9}")
    for case in cases:
        key = json.dumps(case, sort_keys=True)
        b, n = best["base"][key], best["new"][key]
        print(f"{case['n']:>9} {case['p']:>4} {case['tau']:>5} {case['alpha']:>7} "
              f"{case['solver']:<8}{b:>10.4f} {n:>10.4f} {n / b:>9.3f}")


if __name__ == "__main__":
    main()
