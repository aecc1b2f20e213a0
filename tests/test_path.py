"""alpha_max and quantile_path: the start of the path, exactness along it, every backend."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import sklearn_lad._path as path_module
from sklearn_lad import (
    QuantileLasso,
    QuantileRegressor,
    alpha_max,
    available_solvers,
    quantile_path,
)
from sklearn_lad._path import _validated_problem
from sklearn_lad.solvers import get_solver, run_solver

from ._cases import make_regression_data

EXACT = [s for s in available_solvers() if get_solver(s).exact]
# The simplex of Barrodale & Roberts stops at an exact vertex; HiGHS works to 1e-7 feasibility
# tolerances, which near a breakpoint of the path can leave a vertex 1e-10 (relative) from the
# optimum. The tests that probe alpha_max itself need the exact one.
REFERENCE = "br" if "br" in available_solvers() else "highs"


def _data(kind: str, seed: int = 0, n: int = 40, p: int = 4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ np.array([1.5, -1.0, 0.0, 0.5][:p] + [0.0] * max(0, p - 4)) + rng.standard_t(3, n)
    w = None
    if kind == "ties":
        y = np.round(y)
    elif kind == "tied_quantile":
        y = rng.integers(0, 3, size=n).astype(float)
    elif kind == "even_interval":  # even n, tau=0.5: the median is a whole interval
        y = np.arange(n, dtype=float)[rng.permutation(n)]
    elif kind == "weights":
        w = rng.integers(0, 4, size=n).astype(float)
        w[0] = 1.0
    elif kind == "float_weights":
        w = rng.uniform(0.1, 3.0, size=n)
    elif kind == "duplicated":
        X = np.repeat(X[: n // 4], 4, axis=0)
        y = np.repeat(np.round(y[: n // 4]), 4)
    elif kind == "collinear":
        X[:, 1] = 2.0 * X[:, 0]
    elif kind == "wide":
        X = rng.standard_normal((8, 12))
        y = rng.integers(0, 3, size=8).astype(float)
    return X, y, w


KINDS = ["plain", "ties", "tied_quantile", "even_interval", "weights", "float_weights",
         "duplicated", "collinear", "wide"]


# ------------------------------------------------------------------------------------------
# alpha_max
# ------------------------------------------------------------------------------------------


def _assert_alpha_max(X, y, tau, w=None, fit_intercept=True, penalty_factor=None):
    a = alpha_max(X, y, tau=tau, sample_weight=w, fit_intercept=fit_intercept,
                  penalty_factor=penalty_factor)
    if a == 0.0:
        # Ties at the quantile can make the null fit optimal even unpenalised.
        free = QuantileLasso(tau=tau, alpha=0.0, fit_intercept=fit_intercept,
                             solver=REFERENCE).fit(X, y, sample_weight=w)
        null = QuantileLasso(tau=tau, alpha=1e6, fit_intercept=fit_intercept,
                             solver=REFERENCE).fit(X, y, sample_weight=w)
        assert null.objective_ == pytest.approx(free.objective_, rel=1e-12)
        return a
    penalized = np.ones(X.shape[1], dtype=bool) if penalty_factor is None else (
        np.asarray(penalty_factor) > 0
    )

    def fit(alpha):
        return QuantileLasso(
            tau=tau, alpha=alpha, fit_intercept=fit_intercept, penalty_factor=penalty_factor,
            solver=REFERENCE,
        ).fit(X, y, sample_weight=w)

    at = fit(a)
    assert at.certified_
    assert np.all(at.coef_[penalized] == 0.0), at.coef_
    below = fit(a * (1 - 1e-6))
    assert below.certified_
    assert np.any(below.coef_[penalized] != 0.0)
    return a


@pytest.mark.parametrize("kind", ["plain", "ties", "tied_quantile", "even_interval", "weights",
                                  "float_weights", "duplicated"])
@pytest.mark.parametrize("tau", [0.2, 0.5, 0.9])
def test_alpha_max_is_the_first_breakpoint(kind, tau):
    X, y, w = _data(kind)
    _assert_alpha_max(X, y, tau, w)


@pytest.mark.parametrize("tau", [0.25, 0.5])
def test_alpha_max_without_intercept(tau):
    X, y, _ = _data("ties", seed=3)
    y[:5] = 0.0  # observations on the zero fit: their dual values are free
    _assert_alpha_max(X, y, tau, fit_intercept=False)


def test_alpha_max_closed_form_without_ties():
    X, y, _ = _data("plain", n=41)
    tau = 0.3
    b0 = np.sort(y)[int(np.ceil(tau * 41)) - 1]
    # Exactly one observation at the quantile; its dual value balances the others.
    d = np.where(y > b0, tau, tau - 1.0)
    d[y == b0] = 0.0
    d[y == b0] = -d.sum()
    expected = np.max(np.abs(X.T @ d)) / 41
    assert alpha_max(X, y, tau=tau) == pytest.approx(expected, rel=1e-7)


def test_alpha_max_weighted_equals_repeated_and_sparse_equals_dense():
    X, y, w = _data("weights", seed=5)
    a_w = alpha_max(X, y, tau=0.4, sample_weight=w)
    a_r = alpha_max(np.repeat(X, w.astype(int), axis=0), np.repeat(y, w.astype(int)), tau=0.4)
    assert a_w == pytest.approx(a_r, rel=1e-12)
    assert alpha_max(sp.csr_matrix(X), y, tau=0.4, sample_weight=w) == pytest.approx(a_w,
                                                                                   rel=1e-12)


def test_alpha_max_scales_with_penalty_factor():
    X, y, _ = _data("plain", seed=1)
    a = alpha_max(X, y)
    assert alpha_max(X, y, penalty_factor=np.full(4, 2.0)) == pytest.approx(a / 2, rel=1e-12)
    # A feature with a huge factor cannot be the first to enter.
    factor = np.array([1e6, 1.0, 1.0, 1.0])
    assert alpha_max(X, y, penalty_factor=factor) <= a


@pytest.mark.parametrize("tau", [0.3, 0.5])
def test_alpha_max_with_unpenalized_features(tau):
    """Factor 0: the null fit is the quantile regression on those features."""
    X, y, _ = _data("plain", seed=2)
    factor = np.array([0.0, 1.0, 1.0, 2.0])
    _assert_alpha_max(X, y, tau, penalty_factor=factor)
    assert alpha_max(X, y, penalty_factor=np.zeros(4)) == 0.0


def test_alpha_max_with_unpenalized_features_and_ties():
    X, y, _ = _data("tied_quantile", seed=4)
    factor = np.array([0.0, 1.0, 1.0, 1.0])
    _assert_alpha_max(X, y, 0.5, penalty_factor=factor)


def test_alpha_max_of_constant_y_is_zero_and_path_is_flat():
    X, _, _ = _data("plain")
    y = np.full(X.shape[0], 3.0)
    assert alpha_max(X, y) == 0.0
    alphas, coefs, intercepts = quantile_path(X, y, n_alphas=4)
    assert np.all(alphas > 0)
    assert np.all(coefs == 0.0)
    assert_allclose(intercepts, 3.0)


# ------------------------------------------------------------------------------------------
# quantile_path
# ------------------------------------------------------------------------------------------


def test_path_shapes_grid_and_sparsity_pattern():
    X, y = make_regression_data(101, 5, seed=0)
    alphas, coefs, intercepts, n_iters = quantile_path(
        X, y, tau=0.3, n_alphas=12, eps=1e-2, return_n_iter=True
    )
    assert alphas.shape == (12,) and coefs.shape == (5, 12) and intercepts.shape == (12,)
    assert n_iters.shape == (12,)
    assert alphas[0] == pytest.approx(alpha_max(X, y, tau=0.3), rel=1e-12)
    assert alphas[-1] == pytest.approx(1e-2 * alphas[0], rel=1e-12)
    assert np.all(np.diff(np.log(alphas)) < 0)
    assert_allclose(np.diff(np.log(alphas)), np.log(1e-2) / 11)
    assert np.all(coefs[:, 0] == 0.0)
    assert np.all(coefs[:, -1] != 0.0)
    # The intercept-only fit at alpha_max is the tau-quantile of y.
    assert intercepts[0] == pytest.approx(np.quantile(y, 0.3, method="inverted_cdf"))


def test_user_alphas_are_sorted_decreasing():
    X, y = make_regression_data(60, 3, seed=1)
    alphas, coefs, _ = quantile_path(X, y, alphas=[0.01, 1.0, 0.1])
    assert_array_equal(alphas, [1.0, 0.1, 0.01])
    ref = QuantileLasso(alpha=0.1, solver=REFERENCE).fit(X, y)
    assert_allclose(coefs[:, 1], ref.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("tau", [0.25, 0.5])
def test_path_equals_independent_fits(kind, tau):
    """Every grid value gets the canonical optimum, the same point QuantileLasso returns."""
    X, y, w = _data(kind, seed=7)
    alphas, coefs, intercepts = quantile_path(X, y, tau=tau, sample_weight=w, n_alphas=15)
    problem = _validated_problem(X, y, tau, w, True, None)
    for k, alpha in enumerate(alphas):
        ref = QuantileLasso(tau=tau, alpha=alpha, solver=REFERENCE).fit(X, y, sample_weight=w)
        objective = replace(problem, alpha=alpha).objective(coefs[:, k], intercepts[k])
        assert objective == pytest.approx(ref.objective_, rel=1e-9, abs=1e-12)
        assert_allclose(coefs[:, k], ref.coef_, rtol=1e-7, atol=1e-9, err_msg=f"k={k}")
        assert intercepts[k] == pytest.approx(ref.intercept_, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_path_with_penalty_factor_sparse_and_no_intercept(fit_intercept):
    X, y = make_regression_data(50, 4, seed=3)
    factor = np.array([0.0, 0.5, 1.0, 3.0])
    alphas, coefs, intercepts = quantile_path(
        sp.csr_matrix(X), y, tau=0.7, n_alphas=10, penalty_factor=factor,
        fit_intercept=fit_intercept,
    )
    assert np.all(coefs[0] != 0.0)  # unpenalised: never zero
    assert np.all(coefs[1:, 0] == 0.0)
    if not fit_intercept:
        assert np.all(intercepts == 0.0)
    for k in (0, 4, 9):
        ref = QuantileLasso(tau=0.7, alpha=alphas[k], penalty_factor=factor,
                            fit_intercept=fit_intercept, solver=REFERENCE).fit(X, y)
        assert_allclose(coefs[:, k], ref.coef_, rtol=1e-7, atol=1e-9)


def test_path_weighted_equals_repeated():
    X, y, w = _data("weights", seed=11)
    reps = w.astype(int)
    alphas = alpha_max(X, y, sample_weight=w) * np.geomspace(1, 1e-3, 12)
    _, coefs_w, ints_w = quantile_path(X, y, alphas=alphas, sample_weight=w)
    _, coefs_r, ints_r = quantile_path(np.repeat(X, reps, axis=0), np.repeat(y, reps),
                                       alphas=alphas)
    assert_allclose(coefs_w, coefs_r, rtol=1e-9, atol=1e-12)
    assert_allclose(ints_w, ints_r, rtol=1e-9, atol=1e-12)


def test_homotopy_equals_warm_started_backend():
    X, y = make_regression_data(80, 4, seed=2)
    a1, c1, i1 = quantile_path(X, y, n_alphas=20, method="homotopy", solver=REFERENCE)
    a2, c2, i2 = quantile_path(X, y, n_alphas=20, method="warm_start", solver=REFERENCE)
    assert_array_equal(a1, a2)
    assert_allclose(c1, c2, rtol=1e-9, atol=1e-12)
    assert_allclose(i1, i2, rtol=1e-9, atol=1e-12)


def test_homotopy_needs_few_steps_per_grid_value():
    """Between neighbouring grid values the previous vertex is a few simplex steps away."""
    X, y = make_regression_data(300, 6, seed=4)
    _, _, _, n_iters = quantile_path(X, y, n_alphas=30, return_n_iter=True)
    assert n_iters.max() < 60
    assert n_iters.sum() < 300


@pytest.mark.parametrize("solver", EXACT)
@pytest.mark.parametrize("tau", [0.1, 0.5])
def test_every_exact_backend_agrees_with_highs_along_the_path(solver, tau):
    X, y, w = _data("float_weights", seed=12, n=30)
    problem = _validated_problem(X, y, tau, w, True, None)
    for method in ("warm_start", "homotopy"):
        alphas, coefs, intercepts = quantile_path(
            X, y, tau=tau, sample_weight=w, n_alphas=8, solver=solver, method=method
        )
        for k, alpha in enumerate(alphas):
            sub = replace(problem, alpha=alpha)
            oracle, _ = run_solver("highs", sub)
            ours = sub.objective(coefs[:, k], intercepts[k])
            assert ours == pytest.approx(oracle.objective, rel=1e-9, abs=1e-12), (method, k)


def test_adaptive_lasso_recipe():
    """Weights 1/|b_j| from an unpenalised fit; a factor of 0 keeps a feature in every fit."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6))
    y = 2.0 * X[:, 0] - 1.0 * X[:, 1] + 0.5 * X[:, 5] + rng.standard_t(3, 300)
    initial = QuantileRegressor(solver=REFERENCE).fit(X, y).coef_
    factor = 1.0 / np.abs(initial)
    factor[5] = 0.0  # known to matter: never penalised
    alphas, coefs, _ = quantile_path(X, y, n_alphas=30, penalty_factor=factor)
    assert np.all(coefs[5] != 0.0)
    supports = {tuple(np.flatnonzero(coefs[:, k])) for k in range(alphas.size)}
    assert (0, 1, 5) in supports  # the adaptive path passes through the true support
    assert np.all(coefs[[2, 3, 4], 0] == 0.0)


@pytest.mark.parametrize("bad, match", [
    ({"tau": 1.0}, "tau"), ({"tau": 0.0}, "tau"), ({"n_alphas": 0}, "n_alphas"),
    ({"eps": 0.0}, "eps"), ({"eps": 2.0}, "eps"), ({"alphas": [-1.0]}, "alphas"),
    ({"alphas": []}, "alphas"), ({"method": "lars"}, "method"),
    ({"penalty_factor": [1.0]}, "one entry per feature"), ({"solver": "nope"}, "Unknown solver"),
])
def test_path_validates_its_arguments(bad, match):
    X, y = make_regression_data(20, 2, seed=0)
    with pytest.raises(ValueError, match=match):
        quantile_path(X, y, **bad)


def test_path_validates_data_like_the_estimators():
    X, y = make_regression_data(20, 2, seed=0)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        quantile_path(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        alpha_max(np.ones((3, 1)), [1.0, 2.0, 3.0], sample_weight=[1.0, -1.0, 1.0])


@pytest.mark.parametrize("kind", ["plain", "ties", "weights", "duplicated"])
def test_working_set_of_observations(kind, monkeypatch):
    """Steps on a small working set, the other observations checked at each grid value."""
    import sklearn_lad._simplex._rows as rows_module

    X, y, w = _data(kind, seed=13, n=80)
    expected = quantile_path(X, y, tau=0.3, sample_weight=w, n_alphas=12)
    monkeypatch.setattr(rows_module, "WORKING_MIN", 6)
    monkeypatch.setattr(rows_module, "WORKING_PER_COLUMN", 2)
    got = quantile_path(X, y, tau=0.3, sample_weight=w, n_alphas=12)
    for a, b in zip(expected, got):
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_coefficients_are_piecewise_constant_and_the_value_concave_in_alpha():
    """What docs/lasso.md and the module docstring state: the optimal vertex changes only at
    breakpoints, and the optimal value is piecewise linear and concave in alpha."""
    X, y = make_regression_data(80, 4, seed=21)
    alphas, coefs, intercepts = quantile_path(X, y, tau=0.4, n_alphas=60, eps=1e-3)
    betas = np.vstack([intercepts, coefs]).T
    changes = int(np.sum(np.any(np.diff(betas, axis=0) != 0.0, axis=1)))
    assert 0 < changes < alphas.size - 1  # constant between breakpoints, not moving every step
    problem = _validated_problem(X, y, 0.4, None, True, None)
    value = np.array([
        replace(problem, alpha=a).objective(coefs[:, k], intercepts[k])
        for k, a in enumerate(alphas)
    ])
    # Concave: every inner point lies on or above the chord of its neighbours.
    for k in range(1, alphas.size - 1):
        t = (alphas[k] - alphas[k - 1]) / (alphas[k + 1] - alphas[k - 1])
        chord = (1 - t) * value[k - 1] + t * value[k + 1]
        assert value[k] >= chord - 1e-12 * abs(chord)
    docs = (Path(__file__).parents[1] / "docs" / "lasso.md").read_text()
    for text in (docs, path_module.__doc__):
        flat = " ".join(text.split())
        assert "piecewise *constant*" in flat and "piecewise linear and concave" in flat


# ------------------------------------------------------------------------------------------
# method="auto": the homotopy or a warm-started solve per grid value
# ------------------------------------------------------------------------------------------


def _dense_truth(n=240, p=12, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X @ rng.standard_normal(p) + rng.standard_t(3, size=n)


def _assert_exact_along(X, y, alphas, coefs, intercepts, tau=0.5, w=None):
    problem = _validated_problem(X, y, tau, w, True, None)
    for k, alpha in enumerate(alphas):
        sub = replace(problem, alpha=alpha)
        cold, _ = run_solver(REFERENCE, sub)
        ours = sub.objective(coefs[:, k], intercepts[k])
        assert ours == pytest.approx(cold.objective, rel=1e-9, abs=1e-12), k
        assert_allclose(coefs[:, k], cold.coef, rtol=1e-7, atol=1e-9, err_msg=f"k={k}")


class _ScriptedCosts(path_module.RouteCosts):
    """Routes by script: the homotopy at grid values ``k % 3 == 0`` with a tiny budget at
    ``k % 6 == 3`` (so that it gives up mid-way), the backend elsewhere."""

    made: list = []

    def __init__(self):
        super().__init__()
        self.k = 0
        _ScriptedCosts.made.append(self)

    def prefer_homotopy(self, changes):
        return self.k % 3 != 1

    def budget(self, q):
        return 1 if self.k % 6 == 3 else 10_000

    def record_homotopy(self, seconds, pivots, changes):
        super().record_homotopy(seconds, pivots, changes)
        self.k += 1

    def record_solve(self, seconds):
        super().record_solve(seconds)
        self.k += 1


@pytest.mark.parametrize("tau, weighted", [(0.5, False), (0.2, True), (0.9, False)])
def test_auto_switching_between_routes_stays_exact(tau, weighted, monkeypatch):
    """Every switch (homotopy -> solve, a budget overrun, solve -> homotopy from the solver's
    answer) gives the canonical optimum at every grid value."""
    X, y = _dense_truth()
    w = np.random.default_rng(2).uniform(0.2, 3.0, y.size) if weighted else None
    _ScriptedCosts.made.clear()
    monkeypatch.setattr(path_module, "RouteCosts", _ScriptedCosts)
    alphas, coefs, intercepts = quantile_path(X, y, tau=tau, sample_weight=w, n_alphas=18,
                                              solver="fn")
    routes = _ScriptedCosts.made[0].routes
    assert "homotopy" in routes and "solve" in routes
    # The homotopy steps given a budget of one pivot had to give up and be solved.
    assert routes.count("solve") > sum(k % 3 == 1 for k in range(18))
    _assert_exact_along(X, y, alphas, coefs, intercepts, tau, w)


def test_auto_equals_homotopy_on_dense_truth_and_sparse_x():
    X, y = _dense_truth(seed=8)
    for data in (X, sp.csr_matrix(np.where(np.abs(X) > 0.8, X, 0.0))):
        a1, c1, i1 = quantile_path(data, y, n_alphas=20, method="homotopy")
        a2, c2, i2 = quantile_path(data, y, n_alphas=20)
        assert_array_equal(a1, a2)
        assert_allclose(c1, c2, rtol=1e-9, atol=1e-12)
        assert_allclose(i1, i2, rtol=1e-9, atol=1e-12)


def test_route_costs_choose_by_measured_cost():
    costs = path_module.RouteCosts()
    assert costs.prefer_homotopy(10**6)  # nothing measured yet: the homotopy, with a budget
    assert costs.budget(11) == 2 * 11 + 50
    costs.record_homotopy(seconds=0.2, pivots=100, changes=10)  # 2 ms per pivot, ratio 7
    costs.record_solve(0.1)
    assert costs.pivot == pytest.approx(2e-3)
    assert costs.ratio == pytest.approx(0.5 * (4.0 + 10.0))
    assert costs.budget(11) == 50  # one solve's worth of pivots
    # 7 pivots per change at 2 ms: 7 changes cost 0.098 s < 0.1 s, 8 changes 0.112 s.
    assert costs.prefer_homotopy(7)
    assert not costs.prefer_homotopy(8)
    assert costs.routes == ["homotopy", "solve"]
    costs.record_solve(0.3)
    assert costs.solve == pytest.approx(0.2)


def test_fn_warm_start_band_is_exact(monkeypatch):
    """fn from a neighbouring alpha's solution solves on a band of rows around it; a band too
    narrow doubles or takes back misclassified rows, and a far-off start still ends exact."""
    import sklearn_lad.solvers.fn as fn_module

    calls = []
    band = fn_module._warm_band_solve

    def recording(*args, **kwargs):
        out = band(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(fn_module, "_warm_band_solve", recording)
    X, y = _dense_truth(n=400, p=8, seed=3)
    problem = _validated_problem(X, y, 0.3, None, True, None)
    amax = alpha_max(X, y, tau=0.3)
    near, _ = run_solver("fn", replace(problem, alpha=0.05 * amax))
    starts = [(near.coef, near.intercept), (np.zeros(8), 0.0), (10 * near.coef, 5.0)]
    for share in (0.1, 0.02):  # 0.02: the band starts at 8 rows per column and must grow
        monkeypatch.setattr(fn_module, "_WARM_BAND_SHARE", share)
        for start in starts:
            sub = replace(problem, alpha=0.04 * amax)
            got, _ = run_solver("fn", sub, warm_start=start)
            ref, _ = run_solver(REFERENCE, sub)
            assert got.objective == pytest.approx(ref.objective, rel=1e-9, abs=1e-12)
            assert_allclose(got.coef, ref.coef, rtol=1e-7, atol=1e-9)
    assert calls and calls[0]  # the neighbouring start settles on the band
    monkeypatch.setattr(fn_module, "_WARM_BAND_SHARE", 0.1)
    sub = replace(problem, alpha=0.04 * amax)
    banded, _ = run_solver("fn", sub, warm_start=starts[0])
    plain, _ = run_solver("fn", sub, {"preprocess": False}, warm_start=starts[0])
    assert banded.diagnostics.preprocessed and banded.diagnostics.preprocess_subsample == 0
    assert banded.diagnostics.preprocess_kept < 400 // 2
    assert not plain.diagnostics.preprocessed  # preprocess=False: no band either
    assert_allclose(banded.coef, plain.coef, rtol=1e-9, atol=1e-12)
