"""The Woodbury Newton systems equal the plain normal equations on wide penalised designs."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_lad._problem import QuantileProblem
from sklearn_lad._wide_normal import woodbury_normal
from sklearn_lad.solvers._interior_point import solve_exact


def _problem(n=30, p=80, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, 0] + rng.standard_normal(n)
    return QuantileProblem(X=X, y=y, tau=0.3, alpha=0.05, **kwargs)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("free", [[], [3, 7]])
def test_solves_the_normal_equations(fit_intercept, free):
    rng = np.random.default_rng(1)
    factor = np.ones(80)
    factor[free] = 0.0  # unpenalised: eliminated with the intercept through the Schur block
    problem = _problem(fit_intercept=fit_intercept, penalty_factor=factor,
                       sample_weight=rng.uniform(0.5, 2.0, 30))
    design = problem.augmented()
    # Row weights over many orders of magnitude, as near the end of a loose fit.
    D = np.exp(rng.uniform(-6.0, 6.0, design.n_rows))
    r = rng.standard_normal(design.n_columns)
    v = woodbury_normal(design)(D)(r)
    np.testing.assert_allclose(design.gram(D) @ v, r, rtol=1e-7, atol=1e-7)


def test_only_where_it_pays():
    assert woodbury_normal(_problem(n=30, p=30).augmented()) is None  # q <= 1.25 n
    problem = _problem()
    sparse = QuantileProblem(X=sp.csr_array(problem.X), y=problem.y, tau=0.3, alpha=0.05)
    assert woodbury_normal(sparse.augmented()) is None


def test_loose_interior_point_fit_unchanged():
    design = _problem(n=40, p=200, seed=2).augmented()
    plain = solve_exact(design, 0.3, tol=1e-2, exact=False)
    wood = solve_exact(design, 0.3, tol=1e-2, exact=False, normal=woodbury_normal(design))
    assert wood.n_iter == plain.n_iter
    np.testing.assert_allclose(wood.beta, plain.beta, atol=1e-6)
    np.testing.assert_allclose(wood.dual, plain.dual, atol=1e-6)
