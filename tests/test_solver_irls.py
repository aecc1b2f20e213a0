"""Backend-specific tests of ``solver="irls"`` (agreement with HiGHS is in test_solvers.py)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sklearn_lad._problem import QuantileProblem, Status
from sklearn_lad.solvers import run_solver
from sklearn_lad.solvers.irls import IrlsSolver

from ._cases import make_regression_data


def _oracle(problem):
    return run_solver("highs", problem)[0]


def test_result_is_certified_with_counts():
    X, y = make_regression_data(400, 5, seed=0)
    problem = QuantileProblem(X=X, y=y, tau=0.3)
    result = IrlsSolver().solve(problem)
    assert result.certified and result.status is Status.OPTIMAL
    assert result.gap <= 1e-9 * result.objective
    assert result.n_iter == result.diagnostics.irls_steps + result.diagnostics.exchange_steps
    assert result.diagnostics.certificate_attempts >= 1
    # The basis interpolates: zero residuals on the rows it names.
    aug = problem.augmented()
    beta = problem.join(result.coef, result.intercept)
    assert np.abs(aug.residual(beta)[result.basis]).max() <= 1e-9 * np.abs(y).max()
    assert result.objective == pytest.approx(_oracle(problem).objective, rel=1e-12)


def test_max_iter_warns_and_reports_not_converged():
    X, y = make_regression_data(2000, 8, seed=1)
    problem = QuantileProblem(X=X, y=y, tau=0.2)
    raw = IrlsSolver(max_iter=1, max_exchange=0).solve(problem)  # reports, does not warn
    assert raw.status is Status.ITERATION_LIMIT
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        result = run_solver("irls", problem, {"max_iter": 1, "max_exchange": 0})[0]
    assert result.status is Status.ITERATION_LIMIT
    assert not result.converged and not result.certified
    assert result.diagnostics.irls_steps == 1
    assert result.objective > _oracle(problem).objective


def test_exchanges_alone_reach_the_optimum():
    # No IRLS step at all: the exchanges walk from the least-squares fit to the optimum.
    X, y = make_regression_data(300, 4, seed=2)
    problem = QuantileProblem(X=X, y=y, tau=0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = IrlsSolver(max_iter=0, max_exchange=500).solve(problem)
    assert result.certified and result.diagnostics.irls_steps == 0
    assert result.objective == pytest.approx(_oracle(problem).objective, rel=1e-12)


@pytest.mark.parametrize("options", [{"floor": 1e-1}, {"floor": 1e-6, "floor_shrink": 1.0},
                                     {"floor_min": 1e-4}, {"max_exchange": 0}])
def test_floor_and_exchange_options_keep_the_optimum(options):
    X, y = make_regression_data(500, 3, seed=3)
    problem = QuantileProblem(X=X, y=y, tau=0.6, alpha=0.01)
    result = run_solver("irls", problem, options)[0]
    assert result.certified
    assert result.objective == pytest.approx(_oracle(problem).objective, rel=1e-12)


def test_floor_min_bounds_the_floor():
    X, y = make_regression_data(500, 3, seed=4)
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    design = np.c_[np.ones(500), X]
    scale = np.mean(np.abs(y - design @ np.linalg.lstsq(design, y, rcond=None)[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = IrlsSolver(floor=0.1, floor_min=1e-2, max_iter=5, max_exchange=0).solve(problem)
    # The floor starts at 0.1 * (mean absolute least-squares residual) and shrinks to 1e-2 * it.
    assert result.diagnostics.residual_floor == pytest.approx(1e-2 * scale, rel=1e-9)


@pytest.mark.parametrize(
    "options", [{"floor": 0.0}, {"floor_shrink": 1.5}, {"floor_min": -1.0}, {"max_iter": -1},
                {"tol": -1.0}, {"max_exchange": -2}, {"nonsense": 1}],
)
def test_invalid_options(options):
    X, y = make_regression_data(30, 2, seed=5)
    with pytest.raises(ValueError, match="solver_options") as error:
        run_solver("irls", QuantileProblem(X=X, y=y, tau=0.5), options)
    assert next(iter(options)) in str(error.value)  # the message names the option


def test_warm_start_cuts_iterations_along_an_alpha_path():
    X, y = make_regression_data(400, 8, seed=6)
    y = X[:, 0] * 2 - X[:, 1] + np.random.default_rng(6).laplace(size=400)
    cold = warm = 0
    previous = None
    for alpha in np.geomspace(0.2, 0.005, 25):  # a path grid: consecutive optima are close
        problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha)
        a = run_solver("irls", problem)[0]
        b = run_solver("irls", problem, warm_start=previous)[0]
        assert a.certified and b.certified
        assert b.objective == pytest.approx(a.objective, rel=1e-12)
        cold, warm = cold + a.n_iter, warm + b.n_iter
        previous = (b.coef, b.intercept)
    assert warm < 0.6 * cold  # measured: 93 vs 199


def test_warm_start_at_the_optimum_needs_no_iteration():
    X, y = make_regression_data(300, 4, seed=7)
    problem = QuantileProblem(X=X, y=y, tau=0.4, alpha=0.01)
    first = run_solver("irls", problem)[0]
    again = IrlsSolver().solve(problem, warm_start=(first.coef, first.intercept))
    assert again.certified and again.n_iter == 0
    with pytest.raises(ValueError, match="warm_start"):
        IrlsSolver().solve(problem, warm_start=(first.coef[:2], 0.0))


def test_penalty_gives_exact_zeros_before_the_finisher():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((300, 8))
    y = 3 * X[:, 0] - 2 * X[:, 1] + rng.laplace(size=300)
    problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=0.05)
    result = IrlsSolver().solve(problem)  # the backend's own answer, not the shared finisher's
    oracle = _oracle(problem)
    assert result.certified
    assert np.sum(oracle.coef == 0.0) >= 4
    np.testing.assert_array_equal(result.coef == 0.0, oracle.coef == 0.0)
    assert result.objective == pytest.approx(oracle.objective, rel=1e-12)


@pytest.mark.parametrize("case", ["collinear", "duplicated", "integer", "wide", "tau_extreme"])
def test_degenerate_designs_are_certified(case):
    rng = np.random.default_rng(9)
    X = rng.standard_normal((150, 4))
    y = X @ np.array([1.0, -1.0, 0.5, 0.0]) + rng.standard_t(2, size=150)
    tau = 0.5
    if case == "collinear":
        X[:, 1] = 2.0 * X[:, 0]
        X[:, 3] = 1.0
    elif case == "duplicated":
        X, y = np.repeat(X[:50], 3, axis=0), np.repeat(np.round(y[:50]), 3)
    elif case == "integer":
        X, y = rng.integers(-2, 3, size=(150, 4)).astype(float), np.round(y)
    elif case == "wide":
        X, y = rng.standard_normal((5, 9)), rng.standard_normal(5)
    else:
        tau = 0.003
    for alpha in (0.0, 0.02):
        problem = QuantileProblem(X=X, y=y, tau=tau, alpha=alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = run_solver("irls", problem)[0]
        assert result.certified, result.message
        oracle = _oracle(problem)
        assert result.objective == pytest.approx(oracle.objective, rel=1e-9, abs=1e-12)


def test_sparse_design_and_weights():
    rng = np.random.default_rng(10)
    X = sp.random(300, 6, density=0.3, random_state=10, format="csc")
    y = X @ rng.standard_normal(6) + rng.laplace(size=300)
    w = rng.uniform(0.2, 3.0, size=300)
    for alpha in (0.0, 0.01):
        sparse = QuantileProblem(X=X, y=y, tau=0.35, alpha=alpha, sample_weight=w)
        dense = QuantileProblem(X=X.toarray(), y=y, tau=0.35, alpha=alpha, sample_weight=w)
        a, b = run_solver("irls", sparse)[0], run_solver("irls", dense)[0]
        assert a.certified and b.certified
        np.testing.assert_allclose(a.coef, b.coef, atol=1e-10)
        assert a.objective == pytest.approx(_oracle(dense).objective, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearly_dependent_column_reaches_the_optimum_that_uses_it(seed, monkeypatch):
    # x3 = x0 + 1e-7 z: the Gram eigenvalues (GRAM_RANK_RTOL) call the design rank deficient,
    # and the exchanges' optimum without one of the pair is 1% above the optimum that uses
    # both (coefficients near 1e5). finish_on_engine brings the dropped column in.
    import sklearn_lad.solvers.irls as irls_module

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.standard_t(3, size=60)
    X = np.column_stack([X, X[:, 0] + 1e-7 * rng.standard_normal(60)])
    calls = []
    finish = irls_module.finish_on_engine
    monkeypatch.setattr(irls_module, "finish_on_engine",
                        lambda *args: calls.append(1) or finish(*args))
    problem = QuantileProblem(X=X, y=y, tau=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_solver("irls", problem)[0]
    assert calls and result.certified, result.message
    expected = run_solver("fn", problem)[0]
    assert expected.certified
    assert result.objective == pytest.approx(expected.objective, rel=1e-9)


def test_exactly_dependent_column_skips_the_engine_finish(monkeypatch):
    # A duplicated column is balanced by the reduced fit's dual: nothing to bring in.
    import sklearn_lad.solvers.irls as irls_module

    X, y = make_regression_data(200, 3, seed=4)
    X = np.column_stack([X, X[:, 1]])
    monkeypatch.setattr(irls_module, "finish_on_engine",
                        lambda *args: pytest.fail("finish_on_engine called"))
    problem = QuantileProblem(X=X, y=y, tau=0.6)
    result = run_solver("irls", problem)[0]
    assert result.certified
    assert result.objective == pytest.approx(_oracle(problem).objective, rel=1e-9)
