"""How many features a duality-gap-safe rule could discard for the quantile lasso (issue 10).

The dual of the penalised LP (``sklearn_lad/_working_set.py``, weights 1, sum form) is
``max y'd`` over ``d_i in [-(1 - tau), tau]``, ``1'd = 0``, ``|X_j'd| <= lambda_j``. It is not
strongly concave, so the usual gap-safe sphere does not exist. What is valid: every dual optimum
``d*`` has ``y'd* = P* >= L`` for any dual-feasible value ``L`` (a *lower* bound on the optimum:
``y'd*`` is not ``>= P(beta)`` for a primal value ``P(beta) >= P*``), so ``d*`` lies in

    C_K = {d in the box, 1'd = 0, |X_k'd| <= lambda_k for k in K, y'd >= L}

for any kept set ``K``, and ``max_{d in C_K} |X_j'd| < lambda_j`` proves ``b_j = 0`` at every
optimum. By LP duality, with ``K`` empty,

    max_{d in C} X_j'd = min_{mu >= 0, nu} sum_i rho_tau(X_ij + mu y_i + nu) - mu L,

which is below ``lambda_j`` only if a fit of ``y`` on the intercept and ``X_j`` alone has a loss
within ``lambda_j |b_j|`` of ``L``: near ``alpha_max`` only. Keeping constraints (``K`` = the
support) makes the rule sharp but costs one LP with ``2 |K|`` rows per feature.

This script evaluates both bounds exactly (``scipy.optimize.linprog``) with the best possible
``L = P*`` (from the certified fit) on the ``small`` data of ``benchmarks/bench_highdim.py``::

    python tools/measure_safe_screening.py [--sample 100] [--oracle-sample 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from scipy.optimize import linprog

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks"))

from bench_highdim import make_data  # noqa: E402

from sklearn_lad import QuantileLasso, alpha_max  # noqa: E402
from sklearn_lad._objective import quantile_objective  # noqa: E402


def bound(X, y, tau, lam, L, K, j):
    """``max |X_j'd|`` over ``C_K`` (two LPs)."""
    n = X.shape[0]
    A_ub = np.vstack([-y[None, :], X[:, K].T, -X[:, K].T])
    b_ub = np.concatenate([[-L], np.full(2 * K.size, lam)])
    box = [(-(1.0 - tau), tau)] * n
    best = 0.0
    for sign in (1.0, -1.0):
        res = linprog(-sign * X[:, j], A_ub=A_ub, b_ub=b_ub, A_eq=np.ones((1, n)), b_eq=[0.0],
                      bounds=box, method="highs")
        best = max(best, -res.fun if res.status == 0 else np.inf)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--oracle-sample", type=int, default=20)
    args = parser.parse_args()
    X, y = make_data(200, 2_000, None)
    n, tau = X.shape[0], 0.5
    print("| alpha | non-zeros | rule | zero features screened (sampled) | median bound / lambda "
          "| seconds per feature |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for fraction in (1.1, 1.5, 2.0, 5.0):
        alpha = alpha_max(X, y, tau) / fraction
        model = QuantileLasso(alpha=alpha, tau=tau).fit(X, y)
        lam = alpha * n
        L = quantile_objective(X, y, model.coef_, model.intercept_, tau, alpha) * n
        support = np.flatnonzero(model.coef_)
        zero = np.flatnonzero(model.coef_ == 0)
        rng = np.random.default_rng(0)
        for label, K, size in (("box, 1'd = 0, y'd >= P*", support[:0], args.sample),
                               ("... and |X_S'd| <= lambda (S = support)", support,
                                args.oracle_sample)):
            sample = rng.choice(zero, size=min(size, zero.size), replace=False)
            start = time.perf_counter()
            B = np.array([bound(X, y, tau, lam, L * (1 - 1e-12), K, j) for j in sample])
            seconds = (time.perf_counter() - start) / sample.size
            print(f"| alpha_max/{fraction:g} | {support.size} | {label} | "
                  f"{np.mean(B < lam):.0%} of {sample.size} | {np.median(B) / lam:.2f} | "
                  f"{seconds:.3f} |", flush=True)


if __name__ == "__main__":
    main()
