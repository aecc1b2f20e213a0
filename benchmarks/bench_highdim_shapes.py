"""The n=200, p=2,000 lasso beyond one seed: sklearn-lad against scikit-learn's HiGHS per row.

Run ``python benchmarks/bench_highdim_shapes.py [--rounds 2]``. Issue 10's target (at least 10x
faster than ``QuantileRegressor(solver="highs")``, the same objective to 1e-9 relative) must hold
on other reasonable data than ``bench_highdim.py --shapes small``: other alphas (alpha_max/2 to
/20), other quantiles (tau 0.1, 0.9), a dense truth (50 coefficients of 1.0) and correlated
columns (AR(1) with correlation 0.5^|j - k|, i.e. Toeplitz 0.5). Each row is measured in the
same run on the same data, the two fits interleaved, the minimum over ``--rounds`` rounds; the
objective is recomputed with ``sklearn_lad._objective.quantile_objective`` at both answers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np
from sklearn.linear_model import QuantileRegressor as SkQuantileRegressor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_highdim import make_data, warm_up  # noqa: E402

from sklearn_lad import QuantileLasso, alpha_max  # noqa: E402
from sklearn_lad._objective import quantile_objective  # noqa: E402

N, P = 200, 2_000
ROWS = [
    # (data, tau, alpha_max divided by)
    ("iid, 5 true", 0.5, 2), ("iid, 5 true", 0.5, 5), ("iid, 5 true", 0.5, 10),
    ("iid, 5 true", 0.5, 20), ("iid, 5 true", 0.1, 5), ("iid, 5 true", 0.9, 5),
    ("iid, 50 true", 0.5, 5), ("Toeplitz 0.5, 5 true", 0.5, 5),
]


def make(kind, seed=0):
    """``X, y`` of one row's data (t(3) noise, true coefficients 1.0)."""
    if kind == "iid, 5 true":
        return make_data(N, P, None, seed)
    rng = np.random.default_rng(seed)
    if kind == "iid, 50 true":
        X = rng.standard_normal((N, P))
        nonzero = 50
    else:
        Z = rng.standard_normal((N, P))
        X = np.empty_like(Z)
        X[:, 0] = Z[:, 0]
        for j in range(1, P):  # unit variance, corr(X_j, X_k) = 0.5^|j - k|
            X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * Z[:, j]
        nonzero = 5
    coef = np.zeros(P)
    coef[:nonzero] = 1.0
    return X, X @ coef + rng.standard_t(3, N)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def measure(X, y, tau, alpha, rounds):
    """Best seconds of HiGHS and of ours over interleaved rounds, and both fitted models."""
    best = [np.inf, np.inf]
    for _ in range(rounds):
        seconds, theirs = timed(lambda: SkQuantileRegressor(
            quantile=tau, alpha=alpha, solver="highs").fit(X, y))
        best[0] = min(best[0], seconds)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds, ours = timed(lambda: QuantileLasso(alpha=alpha, tau=tau).fit(X, y))
        best[1] = min(best[1], seconds)
    return best, theirs, ours


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    warm_up()
    print(f"\n## n={N}, p={P}: sklearn-lad against scikit-learn HiGHS (machine shared; one run, "
          f"min of {args.rounds} interleaved rounds)")
    print("| data | tau | alpha | non-zeros | HiGHS s | ours s | ratio | objective | "
          "relative difference |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |")
    for kind, tau, fraction in ROWS:
        X, y = make(kind)
        alpha = alpha_max(X, y, tau) / fraction
        best, theirs, ours = measure(X, y, tau, alpha, args.rounds)
        obj_theirs = quantile_objective(X, y, theirs.coef_, theirs.intercept_, tau, alpha)
        obj_ours = quantile_objective(X, y, ours.coef_, ours.intercept_, tau, alpha)
        print(f"| {kind} | {tau} | alpha_max/{fraction} | {np.sum(ours.coef_ != 0)} | "
              f"{best[0]:.3f} | {best[1]:.3f} | {best[0] / best[1]:.1f}x | {obj_ours:.10f} | "
              f"{abs(obj_ours - obj_theirs) / obj_theirs:.1e} |", flush=True)


if __name__ == "__main__":
    main()
