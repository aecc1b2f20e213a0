"""Tests specific to ``solver="br"`` (Barrodale-Roberts simplex): options, pivots, the basis,
degenerate and rank-deficient designs, the penalty, and the long-step line search."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from sklearn_lad._problem import QuantileProblem, Status
from sklearn_lad.solvers import get_solver, run_solver

from ._cases import make_regression_data

BR = get_solver("br")


def raw_solve(problem, **options):
    """The backend's own answer, before the shared finisher touches it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return BR(**options).solve(problem)


def finished(problem):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return run_solver("br", problem)[0]


def oracle(problem):
    return run_solver("highs", problem)[0]


def assert_matches_oracle(problem):
    result, reference = finished(problem), oracle(problem)
    assert result.certified, result.message
    floor = max(abs(reference.objective), 1e-3)
    assert abs(result.objective - reference.objective) <= 1e-10 * floor
    return result


def assert_vertex(problem, result, rank=None):
    """``basis`` holds ``rank`` independent rows that ``result`` interpolates, and ``dual`` is
    a dual-feasible point with zero duality gap (so the raw vertex is optimal)."""
    aug = problem.augmented()
    beta = problem.join(result.coef, result.intercept)
    rows = aug.rows(result.basis)
    rank = aug.shape[1] if rank is None else rank
    assert result.basis.size == rank
    assert np.linalg.matrix_rank(rows) == rank
    scale = 1.0 + np.abs(aug.y).max() + np.abs(aug.matvec(beta)).max()
    assert np.abs(aug.residual(beta)[result.basis]).max(initial=0.0) <= 1e-12 * scale
    lower, upper = aug.dual_bounds()
    slack = 1e-9 * aug.weights
    assert np.all(result.dual >= lower - slack) and np.all(result.dual <= upper + slack)
    assert np.abs(aug.rmatvec(result.dual)).max() <= 1e-9 * aug.weight_sum
    assert float(aug.y @ result.dual) / aug.weight_sum == pytest.approx(
        aug.loss(beta), rel=1e-10, abs=1e-13
    )


def test_capabilities_and_options():
    assert BR.name == "br" and BR.exact and BR.supports_l1
    assert not BR.supports_sparse and not BR.supports_warm_start
    assert set(BR.default_options) == {"max_iter", "tol"}
    with pytest.raises(ValueError, match="does not accept"):
        BR(maxiter=3)
    X, y = make_regression_data(30, 2)
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    with pytest.raises(ValueError, match="max_iter"):
        BR(max_iter=-1).solve(problem)
    with pytest.raises(ValueError, match="tol"):
        BR(tol=-1.0).solve(problem)


def test_sparse_input_is_refused_with_alternatives():
    X, y = make_regression_data(30, 3)
    with pytest.raises(ValueError, match="sparse"):
        run_solver("br", QuantileProblem(X=sp.csr_matrix(X), y=y, tau=0.5))


@pytest.mark.parametrize("tau", [0.01, 0.1, 0.5, 0.9, 0.99])
def test_vertex_basis_and_dual(tau):
    X, y = make_regression_data(400, 4, seed=11)
    problem = QuantileProblem(X=X, y=y, tau=tau)
    result = raw_solve(problem)
    # Optimal by the basis's own dual (not by the fallback certificate at a degenerate vertex).
    assert result.status is Status.OPTIMAL and result.dual is not None
    assert_vertex(problem, result)
    assert_matches_oracle(problem)


def test_pivot_count_is_small_and_deterministic():
    X, y = make_regression_data(3000, 5, seed=12)
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    first, second = raw_solve(problem), raw_solve(problem)
    # Stage 1 takes one pivot per coefficient; the long step keeps stage 2 short (a plain
    # one-vertex-per-pivot simplex needs hundreds of pivots here).
    assert 6 <= first.n_iter <= 150
    assert first.n_iter == second.n_iter
    assert_allclose(first.coef, second.coef, rtol=0, atol=0)


def test_max_iter_warns_and_reports():
    X, y = make_regression_data(500, 5, seed=13)
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    needed = raw_solve(problem).n_iter
    for limit in (0, 3, needed - 1):
        result = raw_solve(problem, max_iter=limit)  # the backend reports, it does not warn
        assert result.status is Status.ITERATION_LIMIT and not result.converged
        assert result.n_iter == limit
        assert result.objective == pytest.approx(problem.objective(result.coef, result.intercept))
        with pytest.warns(ConvergenceWarning, match="max_iter"):
            result = run_solver("br", problem, {"max_iter": limit})[0]
        assert result.status is Status.ITERATION_LIMIT and not result.certified
    assert raw_solve(problem, max_iter=needed).converged


def test_weights_scale_rows():
    # rho_tau(w r) = w rho_tau(r): integer weights are repeated rows, exactly.
    rng = np.random.default_rng(14)
    X, y = make_regression_data(80, 3, seed=14)
    w = rng.integers(1, 4, size=80).astype(float)
    weighted = QuantileProblem(X=X, y=y, tau=0.3, sample_weight=w)
    repeated = QuantileProblem(
        X=np.repeat(X, w.astype(int), axis=0), y=np.repeat(y, w.astype(int)), tau=0.3
    )
    a, b = raw_solve(weighted), raw_solve(repeated)
    assert a.objective == pytest.approx(b.objective, rel=1e-12)
    assert_vertex(weighted, a)
    assert_matches_oracle(QuantileProblem(X=X, y=y, tau=0.7, sample_weight=w * 0.37))


def test_penalty_through_pseudo_rows():
    X, y = make_regression_data(200, 6, seed=15)
    y = 3.0 * X[:, 0] + np.random.default_rng(15).laplace(size=200)
    problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=0.1)
    result = raw_solve(problem)
    assert_vertex(problem, result)
    n = problem.n_samples
    # Every exact zero coefficient is a basic pseudo-observation (+e_j or -e_j).
    pseudo = result.basis[result.basis >= n] - n
    assert np.sum(result.coef == 0.0) >= 3
    assert set(np.flatnonzero(result.coef == 0.0)) == set(pseudo % 6)
    assert_matches_oracle(problem)
    # A large alpha zeroes every coefficient; an unpenalised feature is kept.
    big = raw_solve(QuantileProblem(X=X, y=y, tau=0.5, alpha=100.0))
    assert np.all(big.coef == 0.0)
    factor = np.array([0.0, 1, 1, 1, 1, 1])
    assert_matches_oracle(QuantileProblem(X=X, y=y, tau=0.2, alpha=1.0, penalty_factor=factor))


@pytest.mark.parametrize("alpha", [1e-3, 0.05])
@pytest.mark.parametrize("tau", [0.1, 0.9])
def test_penalty_with_weights_matches_oracle(alpha, tau):
    rng = np.random.default_rng(16)
    X, y = make_regression_data(150, 5, seed=16)
    problem = QuantileProblem(
        X=X, y=y, tau=tau, alpha=alpha, sample_weight=rng.uniform(0.2, 3.0, 150)
    )
    assert_matches_oracle(problem)


def test_rank_deficient_designs():
    rng = np.random.default_rng(17)
    X = rng.standard_normal((60, 4))
    X[:, 1] = 2.0 * X[:, 0]
    X[:, 3] = 0.0
    y = X[:, 0] + rng.standard_t(3, size=60)
    problem = QuantileProblem(X=X, y=y, tau=0.4)
    result = raw_solve(problem)
    assert result.diagnostics.basis_rank == 3
    assert_vertex(problem, result, rank=3)
    assert result.coef[3] == 0.0
    assert assert_matches_oracle(problem).coef[3] == 0.0
    # A constant column duplicates the intercept.
    Xc = rng.standard_normal((50, 2))
    Xc[:, 0] = 3.0
    yc = Xc[:, 1] + rng.laplace(size=50)
    result = raw_solve(QuantileProblem(X=Xc, y=yc, tau=0.5))
    assert result.basis.size == 2
    assert_matches_oracle(QuantileProblem(X=Xc, y=yc, tau=0.5))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_more_features_than_rows(fit_intercept):
    rng = np.random.default_rng(18)
    X, y = rng.standard_normal((4, 9)), rng.standard_normal(4)
    problem = QuantileProblem(X=X, y=y, tau=0.5, fit_intercept=fit_intercept)
    result = raw_solve(problem)
    assert result.basis.size == 4  # every row interpolated
    assert result.objective == pytest.approx(0.0, abs=1e-12)
    assert_matches_oracle(problem)
    assert_matches_oracle(QuantileProblem(X=X, y=y, tau=0.5, alpha=0.01))


@pytest.mark.parametrize(
    "case", ["integer_ties", "duplicated", "all_equal", "single_row", "exact_fit", "binary"]
)
@pytest.mark.parametrize("tau", [0.1, 0.5, 0.99])
def test_degenerate_problems(case, tau):
    rng = np.random.default_rng(19)
    n, p = 120, 3
    X = rng.standard_normal((n, p))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.standard_t(2, size=n)
    if case == "integer_ties":
        X = rng.integers(-2, 3, size=(n, p)).astype(float)
        y = rng.integers(0, 3, size=n).astype(float)
    elif case == "duplicated":
        X, y = np.repeat(X[:20], 6, axis=0), np.repeat(y[:20], 6)
    elif case == "all_equal":
        y = np.full(n, 2.5)
    elif case == "single_row":
        X, y = X[:1], y[:1]
    elif case == "exact_fit":
        y = X @ np.array([1.0, -2.0, 0.5]) + 1.0
    elif case == "binary":
        X = rng.integers(0, 2, size=(n, p)).astype(float)
        y = X.sum(axis=1) + rng.integers(0, 2, size=n)
    problem = QuantileProblem(X=X, y=y, tau=tau)
    result = raw_solve(problem)
    assert result.converged
    assert_vertex(problem, result, rank=min(X.shape[0], p + 1))
    finished_result = assert_matches_oracle(problem)
    if case == "exact_fit":
        assert_allclose(finished_result.coef, [1.0, -2.0, 0.5], atol=1e-10)
        assert finished_result.objective <= 1e-12


def test_massive_degeneracy_is_resolved_by_perturbation():
    # Integer y in {0, 1, 2} at tau = 0.99: the optimal vertex interpolates about a third of
    # the rows, where plain simplex pivoting stalls. The perturbed problem does not.
    rng = np.random.default_rng(20)
    X = rng.integers(-2, 3, size=(2000, 4)).astype(float)
    y = rng.integers(0, 3, size=2000).astype(float)
    problem = QuantileProblem(X=X, y=y, tau=0.99)
    result = raw_solve(problem)
    assert result.converged and result.diagnostics.perturbations >= 1
    assert result.n_iter < 200
    assert_vertex(problem, result)
    assert_matches_oracle(problem)


