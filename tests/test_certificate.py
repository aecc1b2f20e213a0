"""The certificate (``sklearn_lad._certificate``) and the canonical point (``_canonical``)."""

import time
import warnings

import numpy as np
import pytest

from sklearn_lad import QuantileLasso, QuantileRegressor, available_solvers
from sklearn_lad._certificate import certify, duality_gap
from sklearn_lad._finalize import finalize
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
    from sklearn_lad._certificate import verify
    from sklearn_lad._finalize import finalize_equilibrated
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


def _tied_integer_problem(seed):
    # Ties and rows exactly on the fit, among them rows x = 0, y = 0 (what hypothesis found).
    rng = np.random.default_rng(seed)
    p = 1 + seed % 2
    n = int(rng.integers(10, 120))
    X = np.round(rng.normal(size=(n, p)))
    y = np.round(X @ rng.normal(size=p) + rng.laplace(size=n))
    w = rng.integers(0, 4, n).astype(float) if seed % 3 else None
    return X, y, w


@pytest.mark.parametrize("seed, name", [(66, "br"), (31, "fn"), (45, "fn")])
def test_tied_integer_data_with_a_rounding_intercept_is_certified(seed, name):
    # The backend's intercept is +-1e-16 where the exact value is 0. A residual's tolerance
    # was relative to its row's terms at beta only, so a row x = 0, y = 0 (terms: the
    # intercept's 1e-16) had a tolerance of 1e-25, its residual counted as real, and the
    # certificate refused the right answer. The coefficients' own rounding now counts.
    X, y, w = _tied_integer_problem(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = QuantileRegressor(tau=0.5, solver=name).fit(X, y, sample_weight=w)
    reference = QuantileRegressor(tau=0.5, solver="highs").fit(X, y, sample_weight=w)
    assert model.certified_
    assert model.objective_ == pytest.approx(reference.objective_, rel=1e-12)


def test_single_point_face_is_solved_exactly():
    # The certified dual of br's answer put only three observations inside their boxes; LU on
    # them left -2e-17 for a coefficient whose pseudo-rows (at a bound, binding) pin it to 0.
    rng = np.random.default_rng(100)
    X = np.round(rng.normal(size=(100, 2)))
    y = np.round(X @ rng.normal(size=2) + rng.laplace(size=100))
    w = rng.integers(0, 4, 100).astype(float)
    for name in ["br", "fn", "highs"]:
        model = QuantileLasso(tau=0.5, alpha=0.05, solver=name).fit(X, y, sample_weight=w)
        assert model.certified_ and model.unique_
        assert model.coef_.tolist() == [1.0, 0.0] and model.intercept_ == 0.0


@pytest.mark.parametrize("tau", [1e-20, 1.0 - 1e-15, 1.0 - 2.0**-53])
def test_extreme_level_certificate_refuses_wrong_points(tau):
    # At an extreme level the objective is rounding (a basic residual of -1e-15 weighs
    # (1 - tau) w = w at tau = 1e-20, where the optimal loss is ~1e-20), so the gap can only
    # be judged against what rounding puts into each of its terms, slack_i |r_i|: an allowance
    # of 1e-13 w_i |terms_i| accepted any point whose residuals have the level's sign (here
    # the vertex moved by 1e-3 along the intercept), and so did the re-check of the canonical
    # step (tests/test_finish.py::test_extreme_levels_through_run_solver).
    from sklearn_lad._certificate import verify
    from sklearn_lad.solvers import run_solver

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 1.0 + rng.standard_t(3, size=300)
    problem = QuantileProblem(X=X, y=y, tau=tau)
    aug = problem.augmented()
    result = run_solver("br", problem)[0]
    cert = certify(aug, problem.join(result.coef, result.intercept))
    assert cert.certified and verify(aug, cert.beta, cert.dual) is not None
    for shift in [1.0, 1e-3]:
        wrong = cert.beta + np.array([shift if tau > 0.5 else -shift, 0.0, 0.0, 0.0])
        assert verify(aug, wrong, cert.dual) is None
        assert not certify(aug, wrong).certified
