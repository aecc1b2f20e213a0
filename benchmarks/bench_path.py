"""Timing of the regularisation path and of QuantileLassoCV.

Run ``python benchmarks/bench_path.py`` (``--n``, ``--p``, ``--n-alphas`` to change the size,
``--max-cold`` to bound the time spent on a backend's cold fits). It prints, in one run:

1. ``quantile_path`` (``method="auto"``: the homotopy, warm-started solves where they pay) for
   ``n_alphas`` values against ``n_alphas`` independent cold fits of
   ``QuantileLasso(solver="auto")`` (target: >= 3x);
2. per installed exact backend, the path with ``method="warm_start"`` (one backend solve per
   grid value, warm-started) against that backend's cold fits; a backend whose cold fit is slow
   is timed on a few grid values and the total extrapolated (marked ``~``);
3. ``QuantileLassoCV`` (5 folds x ``n_alphas``) against one fit of scikit-learn's
   ``QuantileRegressor(alpha=0.01, solver="highs")`` on the same data (target: CV faster).

BLAS runs single-threaded throughout (``threadpoolctl``), so that the figures do not depend on
how busy the machine's other cores are; scikit-learn's HiGHS fit does not use BLAS.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import QuantileRegressor as SkQuantileRegressor
from threadpoolctl import threadpool_limits

from sklearn_lad import QuantileLasso, QuantileLassoCV, available_solvers, quantile_path
from sklearn_lad.solvers import get_solver


def make_data(n: int, p: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:10] = rng.standard_normal(min(10, p))
    return X, X @ beta + rng.standard_t(3, size=n)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def cold_fits(X, y, alphas, solver, max_seconds):
    """Total time of a cold fit at every alpha; extrapolated from a subset when slow."""
    spent, done = 0.0, 0
    order = np.linspace(0, alphas.size - 1, alphas.size).astype(int)
    # Visit the grid spread out, so that an extrapolation covers sparse and dense fits alike.
    order = np.concatenate([order[::10], np.setdiff1d(order, order[::10])])
    for k in order:
        seconds, _ = timed(lambda a=alphas[k]: QuantileLasso(alpha=a, solver=solver).fit(X, y))
        spent += seconds
        done += 1
        if spent > max_seconds and done < alphas.size:
            return spent * alphas.size / done, True
    return spent, False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--p", type=int, default=100)
    parser.add_argument("--n-alphas", type=int, default=50)
    parser.add_argument("--max-cold", type=float, default=60.0,
                        help="seconds of cold fits per backend before extrapolating")
    args = parser.parse_args()
    X, y = make_data(args.n, args.p)
    m = args.n_alphas
    print(f"n={args.n}, p={args.p}, {m} alphas from alpha_max down to 1e-3 alpha_max, tau=0.5")
    print(f"backends: {', '.join(available_solvers())}; BLAS single-threaded\n")
    warnings.simplefilter("ignore", ConvergenceWarning)

    with threadpool_limits(limits=1):
        t_path, (alphas, coefs, _, n_iter) = timed(
            lambda: quantile_path(X, y, n_alphas=m, return_n_iter=True)
        )
        t_cold, est = cold_fits(X, y, alphas, "auto", args.max_cold)
        print("1. path vs cold fits, solver='auto'")
        print(f"   path (auto)     {t_path:8.2f} s  ({n_iter.sum()} steps and iterations)")
        print(f"   {m} cold fits   {'~' if est else ' '}{t_cold:7.2f} s  -> "
              f"path is {t_cold / t_path:.1f}x faster (target >= 3x)\n")

        print("2. per backend: warm-started path (one solve per alpha) vs cold fits")
        print(f"   {'backend':8s} {'warm path s':>12s} {'cold fits s':>12s} {'ratio':>6s}")
        for name in available_solvers():
            if not get_solver(name).exact:
                continue
            probe, _ = timed(lambda s=name: QuantileLasso(alpha=alphas[m // 2], solver=s)
                             .fit(X, y))
            if probe * m > 5 * args.max_cold:
                print(f"   {name:8s} {'skipped':>12s} {'~' + format(probe * m, '.1f'):>12s} "
                      f"{'':>6s} (one cold fit takes {probe:.1f} s)")
                continue
            t_warm, _ = timed(lambda s=name: quantile_path(X, y, alphas=alphas, solver=s,
                                                           method="warm_start"))
            t_cold_b, est_b = cold_fits(X, y, alphas, name, args.max_cold)
            cold_txt = ("~" if est_b else "") + f"{t_cold_b:.2f}"
            print(f"   {name:8s} {t_warm:12.2f} {cold_txt:>12s} {t_cold_b / t_warm:6.1f}")
        print()

        t_cv, cv = timed(lambda: QuantileLassoCV(n_alphas=m, cv=5).fit(X, y))
        t_sk, _ = timed(lambda: SkQuantileRegressor(quantile=0.5, alpha=0.01, solver="highs")
                        .fit(X, y))
        print(f"3. QuantileLassoCV (5 folds x {m} alphas) vs one scikit-learn fit")
        print(f"   QuantileLassoCV                 {t_cv:8.2f} s  (alpha_={cv.alpha_:.3g}, "
              f"{int(np.sum(cv.coef_ != 0))} non-zero)")
        print(f"   sklearn QuantileRegressor highs {t_sk:8.2f} s  -> CV/sklearn = "
              f"{t_cv / t_sk:.2f} (target < 1)")


if __name__ == "__main__":
    main()
