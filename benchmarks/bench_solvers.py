"""Time every sklearn-lad backend against scikit-learn, statsmodels and R on the same data.

Usage::

    python benchmarks/bench_solvers.py                      # the default grid
    python benchmarks/bench_solvers.py --n 100000 --p 10 --solvers fn irls --refs r-fn statsmodels

Every row is measured in this run; ``x sklearn`` is scikit-learn's time divided by the row's
time (how many times faster), ``/ R`` the row's time divided by the best R quantreg time (at
most 1 means at least as fast as R), and ``rel obj`` the row's objective relative to the
best objective of the group (all exact methods should print ~1e-16).
"""

from __future__ import annotations

import argparse

import numpy as np
from _adapters import make_data, r_quantreg, sklearn_highs, sklearn_lad, statsmodels_quantreg

from sklearn_lad import available_solvers

REFERENCES = {
    "sklearn": sklearn_highs,
    "statsmodels": statsmodels_quantreg,
    "r-br": r_quantreg("br"),
    "r-fn": r_quantreg("fn"),
    "r-pfn": r_quantreg("pfn"),
    "r-lasso": r_quantreg("lasso"),
}
# Slow references are skipped above these sizes unless named explicitly with --refs.
LIMITS = {"sklearn": 20_000, "statsmodels": 200_000, "r-br": 200_000, "cvxpy": 200_000,
          "highs": 20_000}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--p", type=int, nargs="+", default=[10])
    parser.add_argument("--tau", type=float, nargs="+", default=[0.5])
    parser.add_argument("--alpha", type=float, nargs="+", default=[0.0])
    parser.add_argument("--solvers", nargs="+", default=None)
    parser.add_argument("--refs", nargs="+", default=None, choices=sorted(REFERENCES))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    solvers = args.solvers or available_solvers()
    header = (f"{'n':>9} {'p':>4} {'tau':>5} {'alpha':>7}  {'method':<24}"
              f"{'seconds':>10} {'x sklearn':>10} {'/ R':>8} {'objective':>20} {'rel obj':>9}")
    print(header)
    print("-" * len(header))
    for n in args.n:
        for p in args.p:
            X, y = make_data(n, p)
            for tau in args.tau:
                for alpha in args.alpha:
                    rows = _reference_rows(args, X, y, tau, alpha)
                    for solver in solvers:
                        if args.solvers is None and n > LIMITS.get(solver, np.inf):
                            continue
                        run = sklearn_lad(solver)
                        rows.append((run.label, *run(X, y, tau, alpha, args.repeat)))
                    _print_rows(rows, n, p, tau, alpha)


def _reference_rows(args, X, y, tau, alpha) -> list:
    """Time the references that apply at this size (all named ones with --refs)."""
    n = X.shape[0]
    rows = []
    for name, run in REFERENCES.items():
        explicit = args.refs is not None
        if explicit and name not in args.refs:
            continue
        if not explicit and n > LIMITS.get(name, np.inf):
            continue
        if name == "r-pfn" and not explicit and n < 100_000:
            continue
        out = run(X, y, tau, alpha, 1 if name == "sklearn" else args.repeat)
        if out is not None:
            rows.append((run.label, *out))
    return rows


def _print_rows(rows, n, p, tau, alpha) -> None:
    sk = next((t for label, t, _ in rows if label == "scikit-learn highs"), None)
    r_times = [t for label, t, _ in rows if label.startswith("R ")]
    r_best = min(r_times) if r_times else None
    best = min(obj for _, _, obj in rows)
    for label, seconds, obj in rows:
        speedup = f"{sk / seconds:10.1f}" if sk else f"{'':>10}"
        vs_r = f"{seconds / r_best:8.2f}" if r_best else f"{'':>8}"
        rel = (obj - best) / max(abs(best), 1e-12)
        print(f"{n:>9} {p:>4} {tau:>5} {alpha:>7}  {label:<24}{seconds:>10.4f}"
              f"{speedup} {vs_r} {obj:>20.12f} {rel:>9.1e}")
    print()


if __name__ == "__main__":
    main()
