"""The path on feature working sets agrees with the HiGHS oracle at every grid value (p >> n)."""

import dataclasses
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sklearn_lad import _path as _path_module
from sklearn_lad import _working_set_path, alpha_max
from sklearn_lad._problem import QuantileProblem
from sklearn_lad._working_set_path import use_working_set_path, working_set_path
from sklearn_lad.solvers import run_solver


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
    from sklearn_lad import QuantileLassoCV, quantile_path

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
    X, y = _data(n=30, p=150, seed=10)
    walked = []
    original = _working_set_path._walk

    def spy(*args):
        out = original(*args)
        walked.append(out is not None)
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
