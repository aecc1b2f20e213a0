"""The certificate (``sklearn_lad._certificate``) and the canonical point (``_canonical``)."""

import time
import warnings

import numpy as np
import pytest

from sklearn_lad import QuantileRegressor, available_solvers
from sklearn_lad._certificate import certify, duality_gap, finalize
from sklearn_lad._problem import QuantileProblem, SolverResult
from sklearn_lad.solvers import get_solver

EXACT = [name for name in available_solvers() if get_solver(name).exact]


@pytest.mark.parametrize("name", EXACT)
def test_canonical_vertex_is_exact(name):
    # The unique optimum is the vertex through rows 0 and 2: exactly (1, 10).
    model = QuantileRegressor(tau=0.51, solver=name).fit([[0], [1], [1]], [1, 2, 11])
    assert model.coef_[0] == 10.0 and model.intercept_ == 1.0
    assert model.certified_ and model.unique_


@pytest.mark.parametrize("name", EXACT)
def test_minimum_norm_point_lies_exactly_on_the_face(name):
    # At tau=0.5 the optimal face is intercept 1, slope in [1, 10]; its minimum-norm point is
    # its end (1, 1), which must not come out as 0.9999999999999999 (outside the face).
    model = QuantileRegressor(tau=0.5, solver=name).fit([[0], [1], [1]], [1, 2, 11])
    assert model.coef_[0] == 1.0 and model.intercept_ == 1.0
    assert model.certified_ and model.unique_ is False


def test_finalize_returns_a_new_result():
    problem = QuantileProblem(X=np.array([[0.0], [1.0], [1.0]]), y=np.array([1.0, 2.0, 11.0]),
                              tau=0.51)
    raw = SolverResult(coef=np.array([10.0 - 1e-12]), intercept=1.0, objective=-1.0,
                       message="raw")
    done = finalize(problem, raw)
    assert done is not raw and done.certified and done.coef[0] == 10.0
    assert raw.coef[0] == 10.0 - 1e-12 and raw.objective == -1.0 and not raw.certified
    assert raw.message == "raw"


def test_tiny_column_is_checked():
    # Column 1 times 1e-10: dropping it (coef 0) is far from optimal, and the certificate must
    # say so however small the column's entries are.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.standard_t(3, size=60)
    X[:, 1] *= 1e-10
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    keep = np.c_[np.ones(60), X[:, [0, 2]]]
    partial = np.linalg.lstsq(keep, y, rcond=None)[0]
    wrong = np.array([partial[0], partial[1], 0.0, partial[2]])
    assert not certify(problem.augmented(), wrong).certified


def test_gap_has_no_cancellation():
    # y + 1e9 at tau != 0.5: loss - y'd would lose every digit of a gap of order 1e-16.
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 2))
    y = np.round((X @ np.array([1.0, 2.0]) + rng.laplace(size=50)) * 2.0**20) / 2.0**20
    base = QuantileProblem(X=X, y=y, tau=0.3)
    shifted = QuantileProblem(X=X, y=y + 1e9, tau=0.3)
    cert = certify(base.augmented(), base.join(*_highs(base)))
    coef, intercept = _highs(base)
    moved = certify(shifted.augmented(), shifted.join(coef, intercept + 1e9))
    assert cert.certified and moved.certified, moved.message
    gap, feasible = duality_gap(shifted.augmented(), moved.beta, moved.dual)
    assert feasible and 0.0 <= gap <= 1e-9 * moved.loss


def _highs(problem):
    from sklearn_lad.solvers import run_solver

    result = run_solver("highs", problem)[0]
    return result.coef, result.intercept


def test_exact_fit_certificate_is_fast_and_interior():
    # Every residual zero: the dual 0 is inside every box, so no LP is needed.
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20_000, 5))
    y = X @ np.arange(1.0, 6.0) + 3.0
    problem = QuantileProblem(X=X, y=y, tau=0.4)
    start = time.perf_counter()
    cert = certify(problem.augmented(), problem.join(np.arange(1.0, 6.0), 3.0))
    elapsed = time.perf_counter() - start
    assert cert.certified and np.all(cert.dual == 0.0)
    assert elapsed < 2.0  # the degenerate margin LP took seconds here


@pytest.mark.parametrize("name", EXACT)
def test_small_penalised_coefficient_is_not_rounded_away(name):
    # LADLasso(alpha=1e-3, penalty_factor=[1e-8, 1, 1]) on X * [1e-8, 1e5, 1] is the problem
    # on X with penalty factors [1, 1e-5, 1]: coef_[1] (about 1e-5) must not be zeroed.
    from sklearn_lad import LADLasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 1.0 + rng.standard_t(3, size=60)
    s = np.array([1e-8, 1e5, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hostile = LADLasso(alpha=1e-3, penalty_factor=[1e-8, 1, 1], solver=name).fit(X * s, y)
    plain = LADLasso(alpha=1e-3, penalty_factor=[1, 1e-5, 1], solver="highs").fit(X, y)
    assert hostile.certified_ and hostile.coef_[1] != 0.0
    assert hostile.objective_ == pytest.approx(plain.objective_, rel=1e-9)
    np.testing.assert_allclose(hostile.coef_ * s, plain.coef_, rtol=1e-8)


def _wide_lasso(n=60, p=400, seed=0):
    from sklearn_lad._alpha_max import alpha_max

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, :3] @ np.array([2.0, -1.0, 1.0]) + rng.standard_t(3, size=n)
    return QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha_max(X, y) / 4)


def test_structured_zero_rows_match_dense_algebra():
    # RowBlock keeps the pseudo-rows +-e_j as (column, sign); its products, its solve and its
    # choice of independent rows must be those of the dense rows A_Z.
    from sklearn_lad._canonical import (
        RowBlock,
        independent_rows,
        independent_rows_of,
        solve_block,
        solve_rows,
    )

    problem = _wide_lasso(n=30, p=50)
    aug = problem.augmented()
    rng = np.random.default_rng(1)
    index = rng.permutation(aug.shape[0])[:45]
    block, dense = RowBlock(aug, index), aug.rows(index)
    beta, d = rng.standard_normal(aug.shape[1]), rng.standard_normal(index.size)
    np.testing.assert_allclose(block.matvec(beta), dense @ beta, atol=1e-12)
    np.testing.assert_allclose(block.rmatvec(d), dense.T @ d, atol=1e-12)
    np.testing.assert_allclose(block.rmatvec(np.abs(d), absolute=True),
                               np.abs(dense).T @ np.abs(d), atol=1e-12)
    assert np.array_equal(independent_rows_of(aug, index), independent_rows(dense, index))
    assert np.array_equal(independent_rows_of(aug, index, 7), independent_rows(dense, index, 7))
    target = aug.y[index]
    particular, null = solve_block(block, target)
    reference, ref_null = solve_rows(dense, target)
    np.testing.assert_allclose(particular, reference, atol=1e-10)
    assert null.shape == ref_null.shape
    np.testing.assert_allclose(null @ null.T, ref_null @ ref_null.T, atol=1e-10)


def test_wide_lasso_certificate_refuses_wrong_points():
    # p >> n: the zero set holds hundreds of pseudo-rows; the certificate works on the few
    # observation rows (O(n k^2)) and still refuses a point that is not optimal.
    from sklearn_lad._certificate import finalize_equilibrated, verify
    from sklearn_lad.solvers import run_solver

    problem = _wide_lasso(n=100, p=800)
    result = run_solver("highs", problem)[0]
    aug = problem.augmented()
    beta = problem.join(result.coef, result.intercept)
    cert = certify(aug, beta)
    assert cert.certified and 0 < np.count_nonzero(result.coef) < 100
    assert verify(aug, cert.beta, cert.dual) is not None
    wrong = cert.beta.copy()
    wrong[1 + np.flatnonzero(result.coef)[0]] *= 1.01
    assert not certify(aug, wrong).certified
    assert verify(aug, wrong, cert.dual) is None
    # A result claiming a certificate is verified, not trusted: a wrong point goes through the
    # whole certificate, whose polish onto the claimed zero set moves it back to the optimum.
    claimed = SolverResult(coef=problem.split(wrong)[0], intercept=wrong[0], objective=0.0,
                           certified=True, dual=cert.dual, basis=cert.zero_set)
    done = finalize_equilibrated(problem, claimed)
    assert done.certified and done.objective == pytest.approx(cert.loss, rel=1e-12)
    np.testing.assert_allclose(done.coef, problem.split(cert.beta)[0], atol=1e-12)
