"""QuantileProcessRegressor: several levels, non-crossing, intervals, weights, estimator checks."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lad import QuantileProcessRegressor, QuantileRegressor
from sklearn_lad._noncrossing import count_crossings, rearrange

from ._cases import problems

STACKLOSS_TAUS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def _stackloss():
    data = pd.read_csv("tests/data/stackloss.csv")
    return data.iloc[:, :3].to_numpy(), data["y"].to_numpy()


def _hetero(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 2, size=(n, 2))
    y = X @ [1.0, -0.5] + (0.3 + X[:, 0]) * rng.standard_t(4, size=n)
    return X, y


@parametrize_with_checks([
    QuantileProcessRegressor(),
    QuantileProcessRegressor(non_crossing="rearrange", solver="highs"),
    QuantileProcessRegressor(taus=(0.25, 0.75), non_crossing="constrained"),
    QuantileProcessRegressor(non_crossing="constrained", non_crossing_region="box"),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("solver", ["auto", "fn", "irls", "highs"])
def test_each_level_equals_a_separate_fit(solver):
    X, y = _hetero()
    taus = (0.1, 0.3, 0.6, 0.9)
    model = QuantileProcessRegressor(taus=taus, solver=solver).fit(X, y)
    assert_allclose(model.taus_, taus)
    assert model.coef_.shape == (4, 2) and model.intercept_.shape == (4,)
    for k, tau in enumerate(taus):
        single = QuantileRegressor(tau=tau, solver="highs").fit(X, y)
        assert_allclose(model.objective_[k], single.objective_, rtol=1e-10)
        assert_allclose(model.coef_[k], single.coef_, rtol=1e-8, atol=1e-10)
    # predict is the median even when 0.5 is not among taus
    median = QuantileRegressor(solver="highs").fit(X, y)
    assert_allclose(model.predict(X), median.predict(X), rtol=1e-8, atol=1e-8)


def test_stackloss_crossings_and_constrained_objective():
    X, y = _stackloss()
    separate = QuantileProcessRegressor(taus=STACKLOSS_TAUS).fit(X, y)
    assert count_crossings(X @ separate.coef_.T + separate.intercept_) == 13  # as R's fits
    constrained = QuantileProcessRegressor(taus=STACKLOSS_TAUS, non_crossing="constrained")
    constrained.fit(X, y)
    fitted = X @ constrained.coef_.T + constrained.intercept_
    assert count_crossings(fitted) == 0
    increase = constrained.objective_.sum() / separate.objective_.sum() - 1.0
    assert 0.005 < increase < 0.015  # +0.95%: constraints cost a little fit, never nothing
    box = QuantileProcessRegressor(taus=STACKLOSS_TAUS, non_crossing="constrained",
                                   non_crossing_region="box").fit(X, y)
    corners = np.array(np.meshgrid(*[[X[:, j].min(), X[:, j].max()] for j in range(3)]))
    corners = corners.reshape(3, -1).T
    assert count_crossings(corners @ box.coef_.T + box.intercept_) == 0
    assert box.objective_.sum() >= constrained.objective_.sum() - 1e-12


def test_rearrange_never_crosses_anywhere():
    X, y = _stackloss()
    model = QuantileProcessRegressor(taus=STACKLOSS_TAUS, non_crossing="rearrange").fit(X, y)
    far = np.random.default_rng(0).normal(scale=100.0, size=(500, 3)) + X.mean(axis=0)
    for Z in (X, far):
        assert count_crossings(model.predict_quantiles(Z)) == 0
    # rearrangement permutes each row's values: the set of predictions is unchanged
    raw = X @ model.coef_.T + model.intercept_
    assert_allclose(np.sort(raw, axis=1), model.predict_quantiles(X))


def test_rearrange_weighted_pieces():
    values = np.array([[3.0, 1.0, 2.0]])
    # pieces of length .5, .25, .25 with values 3, 1, 2: sorted 1 (.25), 2 (.25), 3 (.5)
    out = rearrange(values, lengths=np.array([0.5, 0.25, 0.25]), taus=np.array([0.1, 0.3, 0.9]))
    assert_allclose(out, [[1.0, 2.0, 3.0]])


def test_predict_quantiles_and_interval():
    X, y = _hetero()
    model = QuantileProcessRegressor(taus=(0.05, 0.25, 0.75, 0.95)).fit(X, y)
    q = model.predict_quantiles(X[:5])
    assert q.shape == (5, 4)
    assert_allclose(model.predict_quantiles(X[:5], taus=[0.95, 0.05]), q[:, [3, 0]])
    assert_allclose(model.predict_interval(X[:5], confidence_level=0.9), q[:, [0, 3]])
    assert_allclose(model.predict_interval(X[:5]), q[:, [0, 3]])
    assert_allclose(model.predict_interval(X[:5], confidence_level=0.5), q[:, [1, 2]])
    with pytest.raises(ValueError, match="not fitted"):
        model.predict_quantiles(X[:5], taus=[0.3])
    with pytest.raises(ValueError, match=r"confidence_level=0\.8\) or with \[0\.1, 0\.9\]"):
        model.predict_interval(X[:5], confidence_level=0.8)


@pytest.mark.parametrize("non_crossing", [None, "rearrange"])
def test_default_interval_levels_are_fitted_apart(non_crossing):
    """The default taus lack 0.05/0.95; the 0.9 interval fits them without touching coef_."""
    X, y = _hetero()
    model = QuantileProcessRegressor(non_crossing=non_crossing).fit(X, y)
    assert_allclose(model.taus_, [0.1, 0.5, 0.9])
    assert model.coef_.shape == (3, 2) and model.objective_.shape == (3,)
    ends = [QuantileRegressor(tau=t, solver="highs").fit(X, y).predict(X) for t in (0.05, 0.95)]
    expected = np.sort(np.column_stack(ends), axis=1)
    assert_allclose(model.predict_interval(X), expected, rtol=1e-8, atol=1e-8)
    assert_allclose(model.predict_interval(X, confidence_level=0.9), expected,
                    rtol=1e-8, atol=1e-8)
    assert_allclose(model.predict_interval(X, confidence_level=0.8),
                    model.predict_quantiles(X)[:, [0, 2]])
    # the extra levels are not quantiles one may ask for by name
    with pytest.raises(ValueError, match="not fitted"):
        model.predict_quantiles(X, taus=[0.3])
    for k, tau in enumerate(model.taus_):
        single = QuantileRegressor(tau=tau, solver="highs").fit(X, y)
        assert_allclose(model.objective_[k], single.objective_, rtol=1e-10)


def test_confidence_level_parameter():
    X, y = _hetero()
    model = QuantileProcessRegressor(taus=(0.2, 0.8), confidence_level=0.5).fit(X, y)
    quartiles = [QuantileRegressor(tau=t, solver="highs").fit(X, y).predict(X) for t in (.25, .75)]
    assert_allclose(model.predict_interval(X), np.column_stack(quartiles), rtol=1e-8, atol=1e-8)
    assert_allclose(model.predict_interval(X, confidence_level=0.6), model.predict_quantiles(X))
    with pytest.raises(ValueError, match=r"QuantileProcessRegressor\(confidence_level=0\.9\)"):
        model.predict_interval(X, confidence_level=0.9)
    bare = QuantileProcessRegressor(taus=(0.1, 0.9), confidence_level=None).fit(X, y)
    with pytest.raises(ValueError, match="confidence_level=None"):
        bare.predict_interval(X)
    assert_allclose(bare.predict_interval(X, confidence_level=0.8), bare.predict_quantiles(X))
    assert_allclose(bare._grid, [0.1, 0.5, 0.9])  # only the median was added
    with pytest.raises(ValueError, match="confidence_level"):
        QuantileProcessRegressor(confidence_level=1.0).fit(X, y)


def test_interval_of_the_whole_process():
    X, y = _hetero(120)
    model = QuantileProcessRegressor(taus="all").fit(X, y)
    for level in (0.9, 0.8, 0.37):
        ends = model.predict_quantiles(X, taus=[(1 - level) / 2, (1 + level) / 2])
        assert_allclose(model.predict_interval(X, confidence_level=level), np.sort(ends, axis=1))
    assert_allclose(model.predict_interval(X), model.predict_interval(X, confidence_level=0.9))


@pytest.mark.parametrize("region", ["training", "box"])
def test_constrained_orders_the_interval_levels_too(region):
    """The joint LP's ordering includes the median and the interval's levels."""
    X, y = _stackloss()
    model = QuantileProcessRegressor(taus=(0.1, 0.3, 0.7, 0.9), non_crossing="constrained",
                                     non_crossing_region=region, confidence_level=0.95).fit(X, y)
    assert_allclose(model._grid, [0.025, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975])
    fitted = X @ model._grid_coef.T + model._grid_intercept
    assert count_crossings(fitted) == 0
    interval, quantiles = model.predict_interval(X), model.predict_quantiles(X)
    assert np.all(interval[:, 0] <= quantiles[:, 0] + 1e-9)
    assert np.all(quantiles[:, -1] <= interval[:, 1] + 1e-9)


@pytest.mark.parametrize("taus, match", [
    ((0.0, 0.5), "between 0 and 1"), ((), "non-empty"), ((0.3, 0.3), "distinct"),
    ("median", "taus"),
])
def test_bad_taus(taus, match):
    X, y = _hetero(50)
    with pytest.raises(ValueError, match=match):
        QuantileProcessRegressor(taus=taus).fit(X, y)


@pytest.mark.parametrize("non_crossing", [None, "rearrange", "constrained"])
def test_weighted_equals_repeated(non_crossing):
    X, y = _hetero(40, seed=3)
    w = np.random.default_rng(3).integers(0, 4, size=40)
    w[0] = 1
    rep = np.repeat(np.arange(40), w)
    taus = (0.2, 0.5, 0.8)
    weighted = QuantileProcessRegressor(taus=taus, non_crossing=non_crossing).fit(
        X, y, sample_weight=w)
    repeated = QuantileProcessRegressor(taus=taus, non_crossing=non_crossing).fit(X[rep], y[rep])
    assert_allclose(weighted.objective_, repeated.objective_, rtol=1e-9)
    if non_crossing != "constrained":  # separate fits are the canonical (unique) points
        assert_allclose(weighted.predict_quantiles(X), repeated.predict_quantiles(X),
                        rtol=1e-8, atol=1e-8)


def test_constrained_iteration_limit():
    X, y = _hetero(100, seed=5)
    with pytest.raises(ValueError, match="max_iter"):
        QuantileProcessRegressor(non_crossing="constrained",
                                 solver_options={"max_iter": 3}).fit(X, y)
    with pytest.raises(ValueError, match="max_iter"):
        QuantileProcessRegressor(non_crossing="constrained",
                                 solver_options={"tol": 3}).fit(X, y)


@given(problem=problems(sparse_ok=False, l1_ok=False),
       taus=st.lists(st.sampled_from([0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95]),
                     min_size=1, max_size=4, unique=True),
       non_crossing=st.sampled_from([None, "rearrange", "constrained"]))
def test_levels_and_ordering_on_degenerate_problems(problem, taus, non_crossing):
    """Separate levels are HiGHS's optima; rearranged fans never cross; the constrained LP
    orders every fitted level (the median and interval levels too) at the training rows and
    costs no less than the separate fits. Ties, duplicates, collinear and wide designs."""
    from sklearn_lad.solvers import run_solver

    X, y, w = problem.X, problem.y, problem.sample_weight
    model = QuantileProcessRegressor(taus=taus, non_crossing=non_crossing,
                                     fit_intercept=problem.fit_intercept).fit(X, y, w)
    oracle = np.array([run_solver("highs", dataclasses.replace(problem, tau=float(t)))[0]
                       .objective for t in model.taus_])
    floor = 1e-9 * np.maximum(np.abs(oracle), 1e-3)
    if non_crossing == "constrained":
        fitted = X @ model._grid_coef.T + model._grid_intercept
        assert count_crossings(fitted, rtol=1e-8) == 0
        assert np.all(model.objective_ >= oracle - floor)
    else:
        assert np.all(np.abs(model.objective_ - oracle) <= floor)
    if non_crossing == "rearrange":
        far = np.random.default_rng(0).normal(scale=50.0, size=(20, X.shape[1]))
        assert count_crossings(model.predict_quantiles(far)) == 0
    assert model.predict_interval(X).shape == (X.shape[0], 2)
