"""``solver="irls"`` against statsmodels' ``QuantReg`` (also IRLS), timed interleaved in one run.

Usage::

    python benchmarks/bench_irls_statsmodels.py                 # n=100,000, p=10
    python benchmarks/bench_irls_statsmodels.py --n 20000 --repeat 5

Data: X standard normal, ``y = X @ b + t(3)`` noise, with ``b`` a dense standard-normal vector
("dense") or three non-zero entries ("sparse"). statsmodels stops when no coefficient moves by
more than 1e-6 (its default), which on this data takes tens to a few hundred iterations
(printed). Each repeat fits statsmodels then sklearn-lad; the minimum over repeats is kept and
``ratio`` is statsmodels' time divided by irls's (how many times faster irls is). ``rel obj``
is statsmodels' objective minus irls's (irls is the exact optimum, so it is >= 0).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from sklearn_lad import QuantileRegressor
from sklearn_lad._objective import quantile_objective


def make_data(n: int, p: int, truth: str, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = rng.standard_normal(p)
    if truth == "sparse":
        coef[3:] = 0.0
    return X, X @ coef + rng.standard_t(3, size=n)


def main(argv=None):
    import statsmodels.api as sm

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--p", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cases = [("dense", 0.5), ("dense", 0.9), ("dense", 0.1), ("sparse", 0.5)]
    print(f"{'truth':<7} {'tau':>4} {'sm iters':>9} {'statsmodels s':>14} {'irls s':>8} "
          f"{'ratio':>7} {'rel obj':>9}")
    for truth, tau in cases:
        X, y = make_data(args.n, args.p, truth, args.seed)
        design = sm.add_constant(X, has_constant="add")
        t_sm = t_irls = np.inf
        for _ in range(args.repeat):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit_sm = sm.QuantReg(y, design).fit(q=tau)
            t_sm = min(t_sm, time.perf_counter() - start)
            start = time.perf_counter()
            model = QuantileRegressor(tau=tau, solver="irls").fit(X, y)
            t_irls = min(t_irls, time.perf_counter() - start)
        params = np.asarray(fit_sm.params)
        obj_sm = quantile_objective(X, y, params[1:], params[0], tau)
        obj = quantile_objective(X, y, model.coef_, model.intercept_, tau)
        print(f"{truth:<7} {tau:>4} {fit_sm.iterations:>9} {t_sm:>14.3f} {t_irls:>8.4f} "
              f"{t_sm / t_irls:>7.1f} {(obj_sm - obj) / obj:>9.1e}")


if __name__ == "__main__":
    main()
