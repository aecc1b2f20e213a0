"""The path on feature working sets agrees with the HiGHS oracle at every grid value (p >> n)."""

import dataclasses

import numpy as np

from sklearn_lad import _working_set_path, alpha_max
from sklearn_lad._problem import QuantileProblem
from sklearn_lad._working_set_path import working_set_path

from .test_working_set import _data


def test_strong_rule_reads_x_d_off_the_certified_dual():
    # The path's strong rule takes X_j'd from the penalty pseudo-rows of each certified dual:
    # equal to the product over every penalised feature (unpenalised ones are always in W).
    X, y = _data(n=30, p=150, seed=11)
    factor = np.ones(150)
    factor[4] = 0.0
    problem = QuantileProblem(X=X, y=y, tau=0.3, penalty_factor=factor)
    amax = alpha_max(X, y, 0.3, penalty_factor=factor)
    alphas = np.geomspace(amax, amax / 10, 6)
    results, _ = working_set_path(problem, alphas, "auto", None)
    for alpha, result in zip(alphas[1:], results[1:]):
        sub = dataclasses.replace(problem, alpha=float(alpha))
        xtd = X.T @ result.dual[:30]
        got = _working_set_path._dual_correlations(sub, result.dual)
        np.testing.assert_allclose(got[factor > 0], xtd[factor > 0], rtol=0, atol=1e-10)
        assert got[4] == 0.0
    # Another layout falls back to the product.
    dual = results[-1].dual[:30]
    np.testing.assert_allclose(_working_set_path._dual_correlations(sub, dual), X.T @ dual)
