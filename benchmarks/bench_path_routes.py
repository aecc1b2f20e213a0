"""The path's routes (``method="auto"``) against cold fits, on dense and sparse truth, in one run.

Run ``python benchmarks/bench_path_routes.py`` (``--n``, ``--p``, ``--n-alphas``; ``--cv-n`` for
the cross-validation block, ``--skip-sklearn`` to leave out scikit-learn's slow HiGHS fit,
``--clock cpu`` to time process CPU instead of wall time on a shared machine, ``--cv-rounds`` to
repeat the cross-validation block, interleaved, keeping each side's minimum, ``--cv-only`` to run
that block alone). It prints, all measured in the same run:

1. dense truth (every coefficient N(0, 1)), t(3) noise, ``n_alphas`` values down to
   ``alpha_max / 1000``: ``quantile_path`` with ``method="auto"`` (the default),
   ``"homotopy"`` and ``"warm_start"`` against ``n_alphas`` cold ``QuantileLasso(solver="fn")``
   fits (target: auto at least as fast as the cold fits), with the routes auto took
   (``h`` homotopy, ``S`` warm-started solve per grid value) and the largest objective
   difference to the cold fits (relative; target 1e-9);
2. the same for sparse truth (10 non-zeros; auto must keep the homotopy's win), tau=0.1 and
   0.9, sample weights and a sparse X (auto only);
3. ``QuantileLassoCV`` (5 folds x ``n_alphas``) at ``--cv-n`` rows on dense truth against one
   scikit-learn ``QuantileRegressor(alpha=0.01, solver="highs")`` fit on the same data,
   scikit-learn measured first (target: CV faster).

BLAS runs single-threaded throughout (``threadpoolctl``).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import QuantileRegressor as SkQuantileRegressor
from threadpoolctl import threadpool_limits

import sklearn_lad._path as path_module
from sklearn_lad import QuantileLasso, QuantileLassoCV, quantile_path


def make_data(n: int, p: int, dense: bool, seed: int = 0, sparse_x: bool = False):
    rng = np.random.default_rng(seed)
    if sparse_x:
        X = sp.random(n, p, density=0.1, format="csr", random_state=seed,
                      data_rvs=rng.standard_normal)
    else:
        X = rng.standard_normal((n, p))
    beta = rng.standard_normal(p)
    if not dense:
        beta[10:] = 0.0
    return X, np.asarray(X @ beta).ravel() + rng.standard_t(3, size=n)


#: ``--clock``: wall time, or this process's CPU time (all its threads; BLAS is limited to one).
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


def timed(fn):
    start = clock()
    out = fn()
    return clock() - start, out


class _Recorder(path_module.RouteCosts):
    """RouteCosts that remembers its last instance, to print the routes taken."""

    last = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _Recorder.last = self


def _objectives(X, y, coefs, intercepts, alphas, tau, weights):
    w = np.ones(y.size) if weights is None else weights
    r = y[:, None] - np.asarray(X @ coefs) - intercepts
    loss = w @ np.where(r >= 0, tau * r, (tau - 1) * r) / w.sum()
    return loss + alphas * np.abs(coefs).sum(axis=0)


def path_block(label, X, y, m, tau=0.5, weights=None, methods=("auto",)):
    """One data set: each method's path and the cold fits, with the worst objective gap."""
    kw = dict(tau=tau, sample_weight=weights, n_alphas=m)
    rows = {}
    for method in methods:
        seconds, (alphas, coefs, intercepts) = timed(
            lambda meth=method: quantile_path(X, y, method=meth, **kw))
        rows[method] = (seconds, coefs, intercepts)
        if method == "auto":
            routes = "".join("h" if r == "homotopy" else "S" for r in _Recorder.last.routes)
    cold_coefs, cold_icpt = [], []
    start = clock()
    for alpha in alphas:
        fit = QuantileLasso(tau=tau, alpha=alpha, solver="fn").fit(X, y, sample_weight=weights)
        cold_coefs.append(fit.coef_)
        cold_icpt.append(fit.intercept_)
    t_cold = clock() - start
    cold = _objectives(X, y, np.column_stack(cold_coefs), np.array(cold_icpt), alphas, tau,
                       weights)
    for method, (seconds, coefs, intercepts) in rows.items():
        obj = _objectives(X, y, coefs, intercepts, alphas, tau, weights)
        gap = np.max(np.abs(obj - cold) / np.maximum(np.abs(cold), 1e-300))
        print(f"   {label:<26s} {method:<11s} {seconds:8.2f} {t_cold:8.2f} "
              f"{t_cold / seconds:6.2f}x  {gap:.1e}")
    print(f"   {'':<26s} routes: {routes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8_000)
    parser.add_argument("--p", type=int, default=100)
    parser.add_argument("--n-alphas", type=int, default=50)
    parser.add_argument("--cv-n", type=int, default=10_000)
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument("--cv-rounds", type=int, default=1)
    parser.add_argument("--cv-only", action="store_true")
    args = parser.parse_args()
    global clock  # timed() and path_block() read it
    clock = CLOCKS[args.clock]
    n, p, m = args.n, args.p, args.n_alphas
    warnings.simplefilter("ignore", ConvergenceWarning)
    path_module.RouteCosts = _Recorder
    with threadpool_limits(limits=1):
        if not args.cv_only:
            path_blocks(n, p, m)
        cv_block(args.cv_n, p, m, args.skip_sklearn, args.cv_rounds, args.clock)


def path_blocks(n: int, p: int, m: int) -> None:
    """Blocks 1 and 2: each data set's path against its cold fits."""
    print(f"n={n}, p={p}, {m} alphas from alpha_max to alpha_max/1000, t(3) noise; "
          "BLAS single-threaded")
    print(f"   {'data':<26s} {'method':<11s} {'path s':>8s} {'cold s':>8s} {'cold/path':>7s}"
          "  objective gap")
    X, y = make_data(n, p, dense=True)
    path_block("dense truth, tau=0.5", X, y, m,
               methods=("auto", "homotopy", "warm_start"))
    Xs, ys = make_data(n, p, dense=False)
    path_block("sparse truth, tau=0.5", Xs, ys, m, methods=("auto", "homotopy"))
    for tau in (0.1, 0.9):
        path_block(f"dense truth, tau={tau}", X, y, m, tau=tau)
    weights = np.random.default_rng(1).exponential(size=n)
    path_block("dense truth, weights", X, y, m, weights=weights)
    Xsp, ysp = make_data(n, p, dense=True, sparse_x=True)
    path_block("dense truth, sparse X 10%", Xsp, ysp, m)


def cv_block(n: int, p: int, m: int, skip_sklearn: bool, rounds: int, clock_name: str) -> None:
    """Block 3: cross-validation against one scikit-learn HiGHS fit (minimum over rounds)."""
    X, y = make_data(n, p, dense=True)
    print(f"\nQuantileLassoCV (5 folds x {m} alphas), n={n}, p={p}, dense truth; "
          f"{clock_name} clock, best of {rounds}")
    t_sk = t_cv = float("inf")
    for _ in range(rounds):  # interleaved, scikit-learn first, so drift hits both
        if not skip_sklearn:
            seconds, _ = timed(lambda: SkQuantileRegressor(quantile=0.5, alpha=0.01,
                                                           solver="highs").fit(X, y))
            t_sk = min(t_sk, seconds)
        seconds, cv = timed(lambda: QuantileLassoCV(n_alphas=m, cv=5).fit(X, y))
        t_cv = min(t_cv, seconds)
    if not skip_sklearn:
        print(f"   sklearn QuantileRegressor(alpha=0.01, highs)  {t_sk:8.2f} s")
    print(f"   QuantileLassoCV                              {t_cv:8.2f} s  "
          f"(alpha_={cv.alpha_:.3g})")
    if not skip_sklearn:
        print(f"   CV / sklearn = {t_cv / t_sk:.3f} (target < 1)")


if __name__ == "__main__":
    main()
