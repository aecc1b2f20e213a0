"""ConformalQuantileRegressor: the conformal correction, CV+, coverage, MAPIE interop, checks."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lad import ConformalQuantileRegressor, QuantileLasso, QuantileRegressor
from sklearn_lad._conformal import conformal_rank
from sklearn_lad.metrics import coverage_score


def _hetero(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 2, size=(n, 2))
    y = X @ [1.0, -1.0] + (0.2 + X[:, 0]) * rng.normal(size=n)
    return X, y


@parametrize_with_checks([
    ConformalQuantileRegressor(),
    ConformalQuantileRegressor(cv=2, symmetric=False),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_rank():
    assert conformal_rank(9, 0.9) == 9  # 0.9 * 10 = 9.000000000000002 must not become 10
    assert conformal_rank(10, 0.9) == 10
    assert conformal_rank(100, 0.9) == 91


@pytest.mark.parametrize("symmetric", [True, False])
def test_split_correction_by_hand(symmetric):
    X, y = _hetero(200, 0)
    model = ConformalQuantileRegressor(symmetric=symmetric, random_state=3).fit(X, y)
    train, calib = train_test_split(np.arange(200), test_size=0.25, random_state=3)
    low = QuantileRegressor(tau=0.05).fit(X[train], y[train]).predict(X[calib])
    high = QuantileRegressor(tau=0.95).fit(X[train], y[train]).predict(X[calib])
    m = calib.size
    if symmetric:
        scores = np.sort(np.maximum(low - y[calib], y[calib] - high))
        k = math.ceil(0.9 * (m + 1))
        expected = [scores[k - 1]] * 2
    else:
        k = math.ceil(0.95 * (m + 1))
        expected = [np.sort(low - y[calib])[k - 1], np.sort(y[calib] - high)[k - 1]]
    assert_allclose(model.correction_, expected, rtol=1e-9)
    interval = model.predict_interval(X[:7])
    low_model, high_model = model.estimators_[0]
    assert_allclose(interval[:, 0], low_model.predict(X[:7]) - expected[0])
    assert_allclose(interval[:, 1], high_model.predict(X[:7]) + expected[1])
    assert_allclose(model.predict(X), QuantileRegressor().fit(X, y).predict(X))


def test_cv_plus_by_hand():
    X, y = _hetero(60, 1)
    model = ConformalQuantileRegressor(cv=4, random_state=0).fit(X, y)
    x_new = X[:3] + 0.1
    low_c, high_c = [], []
    for k, (low_model, high_model) in enumerate(model.estimators_):
        rows = model._fold_of == k
        low_c.append(low_model.predict(x_new)[:, None] - model.conformity_scores_[rows])
        high_c.append(high_model.predict(x_new)[:, None] + model.conformity_scores_[rows])
    low_c, high_c = np.hstack(low_c), np.hstack(high_c)
    n = 60
    expected_low = np.sort(low_c, axis=1)[:, math.floor(0.1 * (n + 1)) - 1]
    expected_high = np.sort(high_c, axis=1)[:, math.ceil(0.9 * (n + 1)) - 1]
    assert_allclose(model.predict_interval(x_new), np.column_stack([expected_low, expected_high]))
    # weights of one take the same path as no weights, and integer weights count rows
    weighted = ConformalQuantileRegressor(cv=4, random_state=0).fit(X, y, sample_weight=np.ones(60))
    assert_allclose(weighted.predict_interval(x_new), model.predict_interval(x_new))


@pytest.mark.parametrize("cv", [None, 5])
def test_coverage_over_repetitions(cv):
    # Finite-sample validity: averaged over data sets, coverage is at least the level.
    coverage = []
    for seed in range(20 if cv is None else 8):
        X, y = _hetero(300, seed)
        X_test, y_test = _hetero(2000, 1000 + seed)
        model = ConformalQuantileRegressor(confidence_level=0.8, cv=cv, random_state=seed)
        coverage.append(coverage_score(y_test, model.fit(X, y).predict_interval(X_test)))
    assert 0.79 < np.mean(coverage) < 0.85


def test_tiny_calibration_gives_infinite_interval():
    X, y = _hetero(12, 2)  # 3 calibration rows cannot certify 90%
    model = ConformalQuantileRegressor(confidence_level=0.9, random_state=0).fit(X, y)
    assert np.all(np.isinf(model.correction_))
    interval = model.predict_interval(X)
    assert np.all(interval[:, 0] == -np.inf) and np.all(interval[:, 1] == np.inf)


def test_pipeline_and_errors():
    X, y = _hetero(100, 3)
    pipe = make_pipeline(StandardScaler(), QuantileRegressor())
    model = ConformalQuantileRegressor(pipe, random_state=0).fit(X, y)
    assert model.estimators_[0][0][-1].tau == pytest.approx(0.05)
    lasso = ConformalQuantileRegressor(QuantileLasso(alpha=0.01), random_state=0).fit(X, y)
    assert lasso.estimators_[0][1].tau == pytest.approx(0.95)
    with pytest.raises(TypeError, match="no 'tau'"):
        ConformalQuantileRegressor(LinearRegression()).fit(X, y)
    with pytest.raises(ValueError, match="partition"):
        ConformalQuantileRegressor(cv=[(np.arange(50), np.arange(50, 80))]).fit(X, y)


@pytest.mark.parametrize("symmetric", [True, False])
def test_mapie_prefit_gives_the_same_intervals(symmetric):
    mapie_regression = pytest.importorskip("mapie.regression")
    X, y = _hetero(400, 4)
    ours = ConformalQuantileRegressor(confidence_level=0.9, symmetric=symmetric,
                                      random_state=7).fit(X, y)
    train, calib = train_test_split(np.arange(400), test_size=0.25, random_state=7)
    lower, upper = ours.estimators_[0]
    median = QuantileRegressor(tau=0.5).fit(X[train], y[train])
    # MAPIE wants three fitted models (lower, upper, median) and the calibration rows.
    mapie = mapie_regression.ConformalizedQuantileRegressor(
        [lower, upper, median], confidence_level=0.9, prefit=True,
    ).conformalize(X[calib], y[calib])
    _, interval = mapie.predict_interval(X, symmetric_correction=symmetric)
    assert_allclose(interval[:, :, 0], ours.predict_interval(X), rtol=1e-12, atol=1e-12)


def test_grid_search_with_interval_scorer():
    from sklearn.model_selection import GridSearchCV

    from sklearn_lad.metrics import make_interval_scorer

    X, y = _hetero(200, 5)
    search = GridSearchCV(
        ConformalQuantileRegressor(QuantileLasso(), random_state=0),
        {"estimator__alpha": [1e-4, 10.0]}, scoring=make_interval_scorer(), cv=2,
    ).fit(X, y)
    # a huge penalty flattens both quantile lines, which widens the calibrated band
    assert search.best_params_["estimator__alpha"] == 1e-4


@given(n=st.integers(4, 60), seed=st.integers(0, 2**16), level=st.floats(0.5, 0.95),
       symmetric=st.booleans(), weighted=st.booleans(), discrete=st.booleans())
def test_split_interval_covers_the_rank_on_the_calibration_rows(n, seed, level, symmetric,
                                                                weighted, discrete):
    """By construction the corrected band holds at least ``ceil(c (W + 1))`` of the
    calibration weight ``W`` per end (each end's rank for ``symmetric=False``), or everything
    when that rank exceeds ``W`` (an infinite correction); ties and weights included."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -0.5] + rng.standard_t(3, size=n)
    if discrete:
        X, y = np.round(X), np.round(y)
    w = rng.integers(1, 4, size=n).astype(float) if weighted else np.ones(n)
    model = ConformalQuantileRegressor(
        estimator=QuantileRegressor(solver="highs"), confidence_level=level,
        symmetric=symmetric, random_state=seed,
    ).fit(X, y, sample_weight=w if weighted else None)
    _, calib = train_test_split(np.arange(n), test_size=0.25, random_state=seed)
    total = w[calib].sum()
    interval = model.predict_interval(X[calib])
    a = 1.0 - level
    if symmetric:
        rank = conformal_rank(total, 1.0 - a)
        covered = w[calib][(interval[:, 0] <= y[calib]) & (y[calib] <= interval[:, 1])].sum()
        assert covered >= min(rank, total)
    else:
        rank = conformal_rank(total, 1.0 - a / 2.0)
        assert w[calib][interval[:, 0] <= y[calib]].sum() >= min(rank, total)
        assert w[calib][y[calib] <= interval[:, 1]].sum() >= min(rank, total)
