"""Coverage of ConformalQuantileRegressor against the uncalibrated quantile interval and the law.

Run ``python benchmarks/bench_conformal_coverage.py`` (``--reps``, ``--n``, ``--n-test``,
``--level``, ``--methods``, ``--first-seed``). Each repetition draws a heteroscedastic training
set of ``n`` rows,

    y = 1 + x1 - x2 + (0.25 + x1) * t(5),   x ~ U(0, 2)^2,

fits on it, and measures the coverage of the intervals on ``n_test`` fresh rows:

* ``split``: ``ConformalQuantileRegressor(confidence_level=level)`` (25% calibration);
* ``split-asym``: the same with ``symmetric=False``;
* ``cv+``: ``ConformalQuantileRegressor(cv=5)`` (every row fits and calibrates);
* ``uncalibrated``: the ``(1-level)/2`` and ``(1+level)/2`` quantile regressions fitted on
  all ``n`` rows (``QuantileProcessRegressor.predict_interval``), no correction.

It prints, per method, the mean coverage with its standard error, the mean the theory predicts,
the 5% and 95% points of the per-repetition coverage, the share of repetitions below the level,
and the mean width.

Then it compares split conformal with its exact law. Given the calibration set, the coverage of
the split interval is ``C ~ Beta(k, m + 1 - k)`` with ``m`` calibration rows and
``k = ceil(level (m + 1))`` (continuous scores; Vovk 2012, Angelopoulos and Bates 2021), so
its mean is ``k / (m + 1)``, just above ``level``. A repetition measures ``C`` on ``n_test``
fresh rows, so its coverage is ``Binomial(n_test, C) / n_test``: beta-binomial (Marques 2023).
The script prints the observed and the law's quantiles, shares below the level, a
Kolmogorov-Smirnov test (on randomised PIT values, exact for a discrete law), and the
probability, under the law, that the mean over ``reps`` repetitions falls below ``level``.
With ``symmetric=False`` each end misses with probability ``(m + 1 - k') / (m + 1)``,
``k' = ceil((1 - a/2)(m + 1))``, and the two misses are disjoint, so the mean is
``1 - 2 (m + 1 - k') / (m + 1)``; CV+ has no exact law (its guarantee is ``1 - 2a``).

References
----------
Vovk, V. (2012). Conditional validity of inductive conformal predictors. ACML, PMLR 25, 475-490.
Angelopoulos, A. N. and Bates, S. (2021). A gentle introduction to conformal prediction and
distribution-free uncertainty quantification. arXiv:2107.07511.
Marques F., P. C. (2023). Universal distribution of the empirical coverage in split conformal
prediction. Statistics & Probability Letters.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import stats

from sklearn_lad import ConformalQuantileRegressor, QuantileProcessRegressor
from sklearn_lad._conformal import conformal_rank
from sklearn_lad.metrics import coverage_score, mean_interval_width

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def draw(n: int, rng: np.random.Generator):
    X = rng.uniform(0, 2, size=(n, 2))
    y = 1.0 + X[:, 0] - X[:, 1] + (0.25 + X[:, 0]) * rng.standard_t(5, size=n)
    return X, y


def methods(level: float, seed: int):
    return {
        "split": ConformalQuantileRegressor(confidence_level=level, random_state=seed),
        "split-asym": ConformalQuantileRegressor(confidence_level=level, symmetric=False,
                                                 random_state=seed),
        "cv+": ConformalQuantileRegressor(confidence_level=level, cv=5, random_state=seed),
        "uncalibrated": QuantileProcessRegressor(taus=(0.5,), confidence_level=level),
    }


def theory_mean(name: str, level: float, m: int) -> float:
    """The expected coverage of the split intervals with ``m`` calibration rows (else nan)."""
    if name == "split":
        return conformal_rank(m, level) / (m + 1)
    if name == "split-asym":
        k = conformal_rank(m, 1.0 - (1.0 - level) / 2.0)
        return 1.0 - 2.0 * (m + 1 - k) / (m + 1)
    return math.nan


def split_law(m: int, level: float, n_test: int):
    """The beta-binomial law of the coverage count of one split repetition on ``n_test`` rows."""
    k = conformal_rank(m, level)
    return stats.betabinom(n_test, k, m + 1 - k), stats.beta(k, m + 1 - k)


def run(args) -> tuple[dict, dict, dict, float]:
    coverage: dict[str, list[float]] = {}
    width: dict[str, list[float]] = {}
    calibration: dict[str, list[int]] = {}
    start = time.perf_counter()
    for rep in range(args.first_seed, args.first_seed + args.reps):
        rng = np.random.default_rng(rep)
        X, y = draw(args.n, rng)
        X_test, y_test = draw(args.n_test, rng)
        for name, model in methods(args.level, rep).items():
            if name not in args.methods:
                continue
            interval = model.fit(X, y).predict_interval(X_test)
            coverage.setdefault(name, []).append(coverage_score(y_test, interval))
            width.setdefault(name, []).append(mean_interval_width(interval))
            scores = getattr(model, "conformity_scores_", None)
            calibration.setdefault(name, []).append(-1 if scores is None else scores.shape[-1])
    return coverage, width, calibration, time.perf_counter() - start


def print_summary(args, coverage, width, calibration) -> None:
    print(f"{'method':>13} {'mean cov':>9} {'s.e.':>7} {'theory':>7} {'5%':>7} {'95%':>7} "
          f"{'< level':>8} {'width':>7}")
    for name, values in coverage.items():
        values = np.array(values)
        m = calibration[name][0]
        expected = theory_mean(name, args.level, m) if name.startswith("split") else math.nan
        print(f"{name:>13} {values.mean():9.4f} {values.std(ddof=1) / np.sqrt(values.size):7.4f} "
              f"{expected:7.4f} {np.quantile(values, 0.05):7.4f} "
              f"{np.quantile(values, 0.95):7.4f} {np.mean(values < args.level):8.2f} "
              f"{np.mean(width[name]):7.3f}")


def print_law_comparison(args, values: np.ndarray, sizes: np.ndarray) -> None:
    """Split conformal's per-repetition coverage against its beta-binomial law."""
    m = int(np.bincount(sizes).argmax())
    count_law, beta_law = split_law(m, args.level, args.n_test)
    k = conformal_rank(m, args.level)
    below = math.ceil(args.level * args.n_test - 1e-9) - 1  # counts below the level
    print(f"\nsplit conformal against its law: m={m} calibration rows, "
          f"C ~ Beta({k:.0f}, {m + 1 - k:.0f}), coverage on {args.n_test} rows ~ beta-binomial")
    print(f"{'':>22} {'observed':>9} {'law':>9}")
    law_mean, law_sd = count_law.mean() / args.n_test, count_law.std() / args.n_test
    print(f"{'mean':>22} {values.mean():9.4f} {law_mean:9.4f}")
    print(f"{'sd':>22} {values.std(ddof=1):9.4f} {law_sd:9.4f}")
    print(f"{'share below level':>22} {np.mean(values < args.level):9.3f} "
          f"{count_law.cdf(below):9.3f}")
    print(f"{'P(C < level), no test':>22} {'':>9} {beta_law.cdf(args.level):9.3f}")
    for q in QUANTILES:
        print(f"{f'{q:.0%} point':>22} {np.quantile(values, q):9.4f} "
              f"{count_law.ppf(q) / args.n_test:9.4f}")
    # Randomised PIT: uniform on (0, 1) exactly when the counts follow the law, so the
    # Kolmogorov-Smirnov p-value is exact although the law is discrete.
    rng = np.random.default_rng(12345)
    counts = np.rint(values * args.n_test)
    lows = np.array([split_law(s, args.level, args.n_test)[0].cdf(c - 1)
                     for s, c in zip(sizes, counts)])
    highs = np.array([split_law(s, args.level, args.n_test)[0].cdf(c)
                      for s, c in zip(sizes, counts)])
    pit = lows + rng.uniform(size=values.size) * (highs - lows)
    ks = stats.kstest(pit, "uniform")
    print(f"{'KS (randomised PIT)':>22} D={ks.statistic:.4f}, p={ks.pvalue:.3f}")
    z = (values.mean() - law_mean) / (law_sd / np.sqrt(values.size))
    shortfall = stats.norm.cdf((args.level - law_mean) / (law_sd / np.sqrt(values.size)))
    print(f"{'mean - law mean':>22} {values.mean() - law_mean:+.5f} ({z:+.2f} law s.e.)")
    print(f"{f'P(mean of {values.size} < level)':>22} {shortfall:9.3f} (under the law)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--methods", nargs="+", default=list(methods(0.9, 0)),
                        choices=list(methods(0.9, 0)))
    args = parser.parse_args()
    coverage, width, calibration, elapsed = run(args)
    print(f"{args.reps} repetitions (seeds {args.first_seed}..{args.first_seed + args.reps - 1}), "
          f"n={args.n}, {args.n_test} test rows each, level {args.level}; {elapsed:.0f} s")
    print_summary(args, coverage, width, calibration)
    if "split" in coverage:
        print_law_comparison(args, np.array(coverage["split"]), np.array(calibration["split"]))


if __name__ == "__main__":
    main()
