"""Feature working sets agree with the full fit (HiGHS oracle) on p >> n problems."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import QuantileRegressor as SkQuantileRegressor

from sklearn_lad import QuantileLasso, _estimators, alpha_max
from sklearn_lad import _path as _path_module
from sklearn_lad import _working_set as _working_set_module
from sklearn_lad._objective import quantile_objective
from sklearn_lad._problem import QuantileProblem
from sklearn_lad._vertex_check import check_vertex
from sklearn_lad._working_set import (
    solve_with_working_set,
    use_working_set,
)
from sklearn_lad._working_set_path import use_working_set_path, working_set_path
from sklearn_lad.solvers import run_solver

EXACT = ["highs", "fn", "br", "irls"]


def _data(n=25, p=120, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[:3] = [1.5, -1.0, 0.5]
    y = X @ coef + rng.standard_t(3, n)
    if ties:
        X = np.round(X)
        y = np.round(y)
    return X, y


def _agree(problem, solver="highs"):
    oracle, _ = run_solver("highs", problem)
    result, _ = solve_with_working_set(problem, solver)
    assert result.certified
    assert result.objective == pytest.approx(oracle.objective, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(result.coef, oracle.coef, atol=1e-7)
    assert result.intercept == pytest.approx(oracle.intercept, abs=1e-7)
    assert result.unique == oracle.unique
    return result, oracle


@pytest.mark.parametrize("solver", EXACT)
def test_every_exact_backend_as_inner_solver(solver):
    X, y = _data()
    alpha = alpha_max(X, y, 0.3) / 4
    _agree(QuantileProblem(X=X, y=y, tau=0.3, alpha=alpha), solver)


def test_ties_duplicated_and_zero_columns():
    X, y = _data(ties=True, seed=1)
    X[:, 10] = X[:, 0]  # duplicate of a true feature: the optimum is not unique
    X[:, 20] = 0.0
    X[:, 30] = -X[:, 1]
    alpha = alpha_max(X, y, 0.5) / 3
    result, oracle = _agree(QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha))
    assert result.coef[20] == 0.0


def test_weights_penalty_factors_and_no_intercept():
    X, y = _data(seed=2)
    rng = np.random.default_rng(2)
    w = rng.uniform(0.2, 3.0, X.shape[0])
    pf = rng.uniform(0.5, 2.0, X.shape[1])
    pf[[5, 7]] = 0.0  # unpenalised: always in the working set
    for fit_intercept in (True, False):
        alpha = alpha_max(X, y, 0.7, w, fit_intercept, pf) / 3
        problem = QuantileProblem(
            X=X, y=y, tau=0.7, alpha=alpha, sample_weight=w, fit_intercept=fit_intercept,
            penalty_factor=pf,
        )
        _agree(problem)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_design(fmt):
    rng = np.random.default_rng(3)
    X = sp.random(40, 300, density=0.05, random_state=3, format=fmt)
    y = X @ np.r_[np.ones(5), np.zeros(295)] + rng.standard_normal(40)
    alpha = alpha_max(X, y, 0.5) / 4
    problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha)
    _agree(problem, "fn")


def test_full_dual_is_feasible_for_the_full_problem():
    X, y = _data(seed=4)
    problem = QuantileProblem(X=X, y=y, tau=0.4, alpha=alpha_max(X, y, 0.4) / 5)
    result, _ = solve_with_working_set(problem, "highs")
    design = problem.augmented()
    lower, upper = design.dual_bounds()
    assert result.dual.shape == (design.n_rows,)
    assert np.all(result.dual >= lower - 1e-9) and np.all(result.dual <= upper + 1e-9)
    # A'd = 0 for the full augmented design, and the dual value equals the objective.
    assert np.abs(design.rmatvec(result.dual)).max() < 1e-7
    assert y @ result.dual[: X.shape[0]] / problem.weight_sum == pytest.approx(
        result.objective, rel=1e-9
    )


def test_estimator_attributes_equal_the_full_fit(monkeypatch):
    X, y = _data(seed=5)
    alpha = alpha_max(X, y, 0.5) / 4
    model = QuantileLasso(alpha=alpha, solver="highs").fit(X, y)
    assert use_working_set(QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha), "highs")
    monkeypatch.setattr(_estimators, "use_working_set", lambda problem, solver: False)
    full = QuantileLasso(alpha=alpha, solver="highs").fit(X, y)  # the full fit
    for name in ("coef_", "dual_", "basis_"):
        np.testing.assert_allclose(getattr(model, name), getattr(full, name), atol=1e-9)
    assert model.objective_ == pytest.approx(full.objective_, rel=1e-12)
    assert (model.certified_, model.unique_) == (full.certified_, full.unique_)


def test_not_used_when_p_is_small_or_unpenalised():
    X, y = _data(n=50, p=20)
    assert not use_working_set(QuantileProblem(X=X, y=y, tau=0.5, alpha=0.1), "highs")
    X, y = _data()
    assert not use_working_set(QuantileProblem(X=X, y=y, tau=0.5, alpha=0.0), "highs")


def test_used_at_every_alpha_when_p_is_large():
    X, y = _data()
    amax = alpha_max(X, y, 0.5)
    for fraction in (2, 20, 1000):
        assert use_working_set(QuantileProblem(X=X, y=y, tau=0.5, alpha=amax / fraction), "fn")
    _agree(QuantileProblem(X=X, y=y, tau=0.5, alpha=amax / 1000))


@pytest.mark.parametrize("tau, fraction", [(0.5, 5), (0.2, 10), (0.8, 3)])
def test_screening_rounds_then_exact_rounds(monkeypatch, tau, fraction):
    X, y = _data(n=40, p=400, seed=6)
    problem = QuantileProblem(X=X, y=y, tau=tau, alpha=alpha_max(X, y, tau) / fraction)
    calls = []
    screen = _working_set_module._screening_rounds
    monkeypatch.setattr(_working_set_module, "_screening_rounds",
                        lambda *args: calls.append(1) or screen(*args))
    _agree(problem, "fn")
    assert calls  # a cold interior-point fit screens first
    calls.clear()
    _agree(problem, "highs")  # other backends do not
    assert not calls


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_screening_with_weights_and_unpenalised_features(fit_intercept):
    # W reaches 1.25 n penalised features: the Woodbury systems eliminate the free columns.
    X, y = _data(n=30, p=300, seed=10)
    rng = np.random.default_rng(10)
    w = rng.uniform(0.2, 3.0, X.shape[0])
    pf = rng.uniform(0.5, 2.0, X.shape[1])
    pf[[5, 7]] = 0.0
    for fraction in (2, 20):
        alpha = alpha_max(X, y, 0.7, w, fit_intercept, pf) / fraction
        _agree(QuantileProblem(X=X, y=y, tau=0.7, alpha=alpha, sample_weight=w,
                               fit_intercept=fit_intercept, penalty_factor=pf), "fn")


def test_a_poor_screen_costs_rounds_not_exactness(monkeypatch):
    X, y = _data(n=40, p=400, seed=7)
    problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha_max(X, y, 0.5) / 6)
    for keep in ([], [399], list(range(0, 400, 3))):
        def poor(problem, in_set, keep=keep):
            out = np.zeros(problem.n_features, dtype=bool)
            out[keep] = True
            return out, 0, None
        monkeypatch.setattr(_working_set_module, "_screening_rounds", poor)
        _agree(problem, "fn")


def test_few_violators_after_screening_are_walked_in(monkeypatch):
    X, y = _data(n=40, p=400, seed=9)
    problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha_max(X, y, 0.5) / 5)
    oracle, _ = run_solver("highs", problem)
    support = np.flatnonzero(oracle.coef)
    walks = []
    walk = _working_set_module.walk
    monkeypatch.setattr(_working_set_module, "walk",
                        lambda *args: walks.append(1) or walk(*args))
    # The screen misses two features of the support: the first exact vertex fails on them
    # (and on others it brings in; the cap is lifted so that the walk always runs).
    missing = support[:2]
    monkeypatch.setattr(_working_set_module, "_WALK_MAX_VIOLATED", 400)

    def screen(problem, in_set):
        out = np.zeros(problem.n_features, dtype=bool)
        out[support] = True
        out[missing] = False
        return out, 0, None

    monkeypatch.setattr(_working_set_module, "_screening_rounds", screen)
    _agree(problem, "fn")
    assert walks


def test_screening_survives_a_failed_approximate_fit(monkeypatch):
    X, y = _data(n=40, p=400, seed=8)
    problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha_max(X, y, 0.5) / 4)
    fit = _working_set_module._interior_fit
    monkeypatch.setattr(_working_set_module, "_interior_fit", lambda problem, start, tol, **kw: (
        None if tol == _working_set_module._SCREEN_TOL else fit(problem, start, tol, **kw)))
    _agree(problem, "fn")


# -- the vertex test and the path on working sets ------------------------------------------------


def test_vertex_check_certifies_the_unique_optimum_and_rejects_others():
    X, y = _data(seed=6)
    problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha_max(X, y, 0.5) / 4)
    oracle, _ = run_solver("highs", problem)
    check = check_vertex(problem, oracle.coef, oracle.intercept)
    assert check.result is not None and check.result.certified and check.result.unique
    np.testing.assert_allclose(check.result.coef, oracle.coef, atol=1e-9)
    assert check.result.objective == pytest.approx(oracle.objective, rel=1e-12)
    # The optimum at a larger alpha is a vertex but not optimal here: features are violated.
    larger, _ = run_solver("highs", QuantileProblem(X=X, y=y, tau=0.5, alpha=problem.alpha * 2))
    check = check_vertex(problem, larger.coef, larger.intercept)
    assert check.result is None
    if check.xtd is not None:
        bound = problem.penalty * problem.weight_sum
        assert np.any(np.abs(check.xtd) > bound)
    # A point that interpolates no row is no vertex.
    assert check_vertex(problem, np.zeros(X.shape[1]), 1e-3 + y.max()).result is None


@pytest.mark.parametrize("ties", [False, True])
def test_path_on_working_sets_matches_the_oracle(ties):
    X, y = _data(n=30, p=150, seed=7, ties=ties)
    if ties:
        X[:, 11] = X[:, 1]  # a duplicated true feature: non-unique optima
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    assert use_working_set_path(problem, "auto")
    amax = alpha_max(X, y, 0.5)
    alphas = np.geomspace(amax, amax / 50, 12)
    results, _ = working_set_path(problem, alphas, "auto", None)
    for alpha, result in zip(alphas, results):
        with warnings.catch_warnings():
            # On the tied data HiGHS's own point is not always certifiable near alpha = 0.
            warnings.simplefilter("ignore", ConvergenceWarning)
            oracle, _ = run_solver("highs", QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha))
        assert result.certified
        assert result.objective <= oracle.objective * (1.0 + 1e-9) + 1e-12
        if oracle.certified:
            assert result.objective == pytest.approx(oracle.objective, rel=1e-9, abs=1e-12)
            np.testing.assert_allclose(result.coef, oracle.coef, atol=1e-7)


def test_quantile_path_and_cv_use_working_sets_when_p_is_large(monkeypatch):
    from sklearn_lad import QuantileLassoCV, _working_set_path, quantile_path

    X, y = _data(n=30, p=100, seed=8)
    calls = []
    original = _working_set_path.working_set_path

    def spy(*args, **kwargs):
        calls.append(args[0].n_samples)
        return original(*args, **kwargs)

    monkeypatch.setattr(_path_module, "working_set_path", spy)
    alphas, coefs, intercepts = quantile_path(X, y, n_alphas=6, eps=0.05)
    assert calls == [30]
    for k in (1, 5):
        oracle, _ = run_solver("highs", QuantileProblem(X=X, y=y, tau=0.5, alpha=alphas[k]))
        np.testing.assert_allclose(coefs[:, k], oracle.coef, atol=1e-7)
    model = QuantileLassoCV(n_alphas=5, eps=0.05, cv=3).fit(X, y)
    assert len(calls) == 1 + 3
    oracle, _ = run_solver("highs", QuantileProblem(X=X, y=y, tau=0.5, alpha=model.alpha_))
    np.testing.assert_allclose(model.coef_, oracle.coef, atol=1e-7)


def test_path_not_on_working_sets_when_p_is_small():
    X, y = _data(n=50, p=20)
    assert not use_working_set_path(QuantileProblem(X=X, y=y, tau=0.5), "auto")


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_path_and_vertex_check(fmt):
    rng = np.random.default_rng(9)
    X = sp.random(40, 300, density=0.05, random_state=9, format=fmt)
    y = X @ np.r_[np.ones(5), np.zeros(295)] + rng.standard_normal(40)
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    amax = alpha_max(X, y, 0.5)
    alphas = np.geomspace(amax, amax / 10, 5)
    results, _ = working_set_path(problem, alphas, "auto", None)
    for alpha, result in zip(alphas, results):
        oracle, _ = run_solver("highs", QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha))
        assert result.certified
        assert result.objective == pytest.approx(oracle.objective, rel=1e-9, abs=1e-12)


def test_path_walks_the_engine_on_the_working_set(monkeypatch):
    from sklearn_lad import _working_set_path

    X, y = _data(n=30, p=150, seed=10)
    walked = []
    original = _working_set_path._walk

    def spy(*args):
        out = original(*args)
        walked.append(out[0] is not None)
        return out

    monkeypatch.setattr(_working_set_path, "_walk", spy)
    amax = alpha_max(X, y, 0.5)
    alphas = np.geomspace(amax, amax / 20, 15)
    results, _ = working_set_path(QuantileProblem(X=X, y=y, tau=0.5), alphas, "auto", None)
    assert any(walked)
    for alpha, result in zip(alphas, results):
        oracle, _ = run_solver("highs", QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha))
        assert result.certified and result.unique == oracle.unique
        assert result.objective == pytest.approx(oracle.objective, rel=1e-9, abs=1e-12)
        np.testing.assert_allclose(result.coef, oracle.coef, atol=1e-7)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_p_much_larger_than_n_uses_the_lu_basis(fmt, monkeypatch):
    # The shape of benchmarks/bench_highdim.py's sparse block scaled down (20 non-zeros per
    # column, 100 per row): at alpha_max/5 the optimum has about 0.8 n non-zeros, so the vertex
    # test's basis is large: LU factors, no explicit inverse.
    from sklearn_lad import _vertex_basis

    n, p, per_column = 400, 2_000, 20
    rng = np.random.default_rng(11)
    nnz = p * per_column
    X = sp.coo_array((rng.standard_normal(nnz), (rng.integers(0, n, nnz),
                      rng.integers(0, p, nnz))), shape=(n, p)).asformat(fmt)
    y = X @ np.r_[np.ones(5), np.zeros(p - 5)] + rng.standard_t(3, n)
    alpha = alpha_max(X, y, 0.5) / 5
    factored = []
    original = _vertex_basis.LUBasis.factor.__func__

    def spy(cls, *args, **kwargs):
        out = original(cls, *args, **kwargs)
        factored.append(out is not None)
        return out

    monkeypatch.setattr(_vertex_basis.LUBasis, "factor", classmethod(spy))
    model = QuantileLasso(alpha=alpha).fit(X, y)
    assert model.certified_ and any(factored)
    # scikit-learn's HiGHS fit is the oracle (run_solver("highs") adds our certificate on top).
    oracle = SkQuantileRegressor(quantile=0.5, alpha=alpha, solver="highs").fit(X, y)
    reference = quantile_objective(X, y, oracle.coef_, oracle.intercept_, 0.5, alpha)
    assert model.objective_ == pytest.approx(reference, rel=1e-9)
    assert quantile_objective(X, y, model.coef_, model.intercept_, 0.5, alpha) == pytest.approx(
        reference, rel=1e-9)
    assert np.count_nonzero(model.coef_) > _vertex_basis.LU_MIN_SIZE
