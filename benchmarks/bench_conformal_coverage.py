"""Coverage of ConformalQuantileRegressor against the uncalibrated quantile interval.

Run ``python benchmarks/bench_conformal_coverage.py`` (``--reps``, ``--n``, ``--n-test``,
``--level``). Each repetition draws a heteroscedastic training set of ``n`` rows,

    y = 1 + x1 - x2 + (0.25 + x1) * t(5),   x ~ U(0, 2)^2,

fits on it, and measures the coverage of the 90% intervals on ``n_test`` fresh rows:

* ``split``: ``ConformalQuantileRegressor(confidence_level=level)`` (25% calibration);
* ``split-asym``: the same with ``symmetric=False``;
* ``cv+``: ``ConformalQuantileRegressor(cv=5)`` (every row fits and calibrates);
* ``uncalibrated``: the ``(1-level)/2`` and ``(1+level)/2`` quantile regressions fitted on
  all ``n`` rows (``QuantileProcessRegressor.predict_interval``), no correction.

It prints, per method, the mean coverage with its standard error, the 5% and 95% points of the
per-repetition coverage, the share of repetitions below the level, and the mean width.
Split conformal's coverage given the calibration set is Beta-distributed around
``ceil(level (m + 1)) / (m + 1)``, so single repetitions fall below the level about half the
time; the guarantee is on the mean, which must not be below ``level``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sklearn_lad import ConformalQuantileRegressor, QuantileProcessRegressor
from sklearn_lad.metrics import coverage_score, mean_interval_width


def draw(n: int, rng: np.random.Generator):
    X = rng.uniform(0, 2, size=(n, 2))
    y = 1.0 + X[:, 0] - X[:, 1] + (0.25 + X[:, 0]) * rng.standard_t(5, size=n)
    return X, y


def methods(level: float, seed: int):
    tail = (1.0 - level) / 2.0
    return {
        "split": ConformalQuantileRegressor(confidence_level=level, random_state=seed),
        "split-asym": ConformalQuantileRegressor(confidence_level=level, symmetric=False,
                                                 random_state=seed),
        "cv+": ConformalQuantileRegressor(confidence_level=level, cv=5, random_state=seed),
        "uncalibrated": QuantileProcessRegressor(taus=(tail, 0.5, 1.0 - tail)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--level", type=float, default=0.9)
    args = parser.parse_args()
    coverage: dict[str, list[float]] = {}
    width: dict[str, list[float]] = {}
    start = time.perf_counter()
    for rep in range(args.reps):
        rng = np.random.default_rng(rep)
        X, y = draw(args.n, rng)
        X_test, y_test = draw(args.n_test, rng)
        for name, model in methods(args.level, rep).items():
            interval = model.fit(X, y).predict_interval(X_test)
            coverage.setdefault(name, []).append(coverage_score(y_test, interval))
            width.setdefault(name, []).append(mean_interval_width(interval))
    elapsed = time.perf_counter() - start
    print(f"{args.reps} repetitions, n={args.n}, {args.n_test} test rows each, level "
          f"{args.level}; {elapsed:.0f} s")
    print(f"{'method':>13} {'mean cov':>9} {'s.e.':>7} {'5%':>7} {'95%':>7} "
          f"{'< level':>8} {'width':>7}")
    for name, values in coverage.items():
        values = np.array(values)
        print(f"{name:>13} {values.mean():9.4f} {values.std(ddof=1) / np.sqrt(values.size):7.4f} "
              f"{np.quantile(values, 0.05):7.4f} {np.quantile(values, 0.95):7.4f} "
              f"{np.mean(values < args.level):8.2f} {np.mean(width[name]):7.3f}")


if __name__ == "__main__":
    main()
