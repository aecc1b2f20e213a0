"""The shared finish (``_finalize.py``): every exact backend ends at the same canonical point."""

import numpy as np
import pytest

from sklearn_lad._problem import QuantileProblem
from sklearn_lad.solvers import run_solver

from ._cases import DESIGNS, _design


def _tied_collinear_problem(seed: int) -> QuantileProblem:
    # The generator of the tied-response sweep that found these cases (800 problems, seeds
    # 10,000 + s): y in {0, 1, 2} on collinear columns, so the optimal faces are not points.
    s = seed
    rng = np.random.default_rng(10_000 + s)
    design = DESIGNS[s % len(DESIGNS)]
    assert design == "collinear"
    p = int(rng.integers(1, 6))
    n = int(rng.integers(p + 1, 41))
    X = _design(design, rng, n, p)
    n = X.shape[0]
    y = rng.integers(0, 3, size=n).astype(float)
    tau = float(rng.choice([0.1, 0.25, 0.5, 0.75, 0.9, rng.uniform(0.02, 0.98)]))
    kind = s % 3
    w = None if kind == 0 else (
        rng.integers(1, 4, size=n).astype(float) if kind == 1 else rng.uniform(0.1, 3, n))
    alpha = float(rng.choice([0.0, 0.0, 0.01, 0.1]))
    fit_intercept = bool(rng.integers(2))
    return QuantileProblem(X=X, y=y, tau=tau, alpha=alpha, sample_weight=w,
                           fit_intercept=fit_intercept)


@pytest.mark.parametrize("seed", [111, 129, 321])
def test_simplex_dual_on_a_tied_face_gives_the_same_canonical_point(seed):
    # br hands over its simplex dual, which sits on its bounds; the canonical step with it kept
    # br at its own vertex (up to 5e-16 from the others). The finish now retries with the
    # certificate's own dual, and every backend returns the same point, bit for bit.
    problem = _tied_collinear_problem(seed)
    points = {}
    for name in ("highs", "fn", "br"):
        result = run_solver(name, problem)[0]
        assert result.certified
        points[name] = np.concatenate([[result.intercept], result.coef])
    np.testing.assert_array_equal(points["br"], points["highs"])
    np.testing.assert_array_equal(points["fn"], points["highs"])
