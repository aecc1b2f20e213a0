"""Interval and multi-quantile metrics, and their scorers in scikit-learn's search tools."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import GridSearchCV

from sklearn_lad.losses import pinball_loss
from sklearn_lad.metrics import (
    average_pinball_loss,
    coverage_score,
    interval_score,
    make_interval_scorer,
    make_pinball_scorer,
    mean_interval_width,
)


def _data(n=50, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    centre = rng.normal(scale=0.3, size=n)
    half = rng.uniform(0.5, 2.0, size=n)
    return y, np.column_stack([centre - half, centre + half])


def test_coverage_and_width_by_hand():
    y, interval = _data()
    inside = (interval[:, 0] <= y) & (y <= interval[:, 1])
    assert coverage_score(y, interval) == pytest.approx(inside.mean())
    assert mean_interval_width(interval) == pytest.approx(np.mean(interval[:, 1] - interval[:, 0]))
    # end points count as covered
    assert coverage_score([0.0, 1.0], [[0.0, 1.0], [0.0, 1.0]]) == 1.0


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95])
def test_interval_score_is_scaled_pinball_of_its_ends(level):
    y, interval = _data(seed=1)
    a = 1.0 - level
    expected = (2.0 / a) * (
        pinball_loss(y, interval[:, 0], tau=a / 2) + pinball_loss(y, interval[:, 1], tau=1 - a / 2)
    )
    assert_allclose(interval_score(y, interval, confidence_level=level), expected, rtol=1e-12)


def test_interval_score_prefers_true_quantiles():
    rng = np.random.default_rng(2)
    y = rng.normal(size=20000)
    ones = np.ones_like(y)
    true = np.column_stack([-1.6448536 * ones, 1.6448536 * ones])
    assert interval_score(y, true) < interval_score(y, 0.8 * true)
    assert interval_score(y, true) < interval_score(y, 1.25 * true)


def test_weighted_equals_repeated():
    y, interval = _data(n=30, seed=3)
    w = np.random.default_rng(3).integers(0, 4, size=30)
    w[0] = 2
    rep = np.repeat(np.arange(30), w)
    q = np.column_stack([interval[:, 0], interval.mean(axis=1), interval[:, 1]])
    for metric, args in [
        (coverage_score, (y, interval)),
        (interval_score, (y, interval)),
        (lambda *a, **k: mean_interval_width(a[1], **k), (y, interval)),
        (lambda *a, **k: average_pinball_loss(*a, taus=[0.1, 0.5, 0.9], **k), (y, q)),
    ]:
        weighted = metric(*args, sample_weight=w)
        repeated = metric(*(arg[rep] for arg in args))
        assert weighted == pytest.approx(repeated, rel=1e-12)


def test_average_pinball_loss():
    y, interval = _data(seed=4)
    q = np.column_stack([interval[:, 0], interval[:, 1]])
    expected = 0.5 * (pinball_loss(y, q[:, 0], tau=0.2) + pinball_loss(y, q[:, 1], tau=0.7))
    assert average_pinball_loss(y, q, taus=[0.2, 0.7]) == pytest.approx(expected)
    # one column may be passed as a vector
    assert average_pinball_loss(y, q[:, 0], taus=[0.2]) == pytest.approx(
        pinball_loss(y, q[:, 0], tau=0.2)
    )


@pytest.mark.parametrize("call, match", [
    (lambda: coverage_score([1.0, 2.0], [[0.0, 1.0]]), "same length"),
    (lambda: coverage_score([1.0], [0.0, 1.0]), "shape"),
    (lambda: coverage_score([1.0], [[2.0, 1.0]]), "lower > upper"),
    (lambda: coverage_score([np.nan], [[0.0, 1.0]]), "NaN"),
    (lambda: interval_score([1.0], [[0.0, 1.0]], confidence_level=1.0), "confidence_level"),
    (lambda: average_pinball_loss([1.0], [[0.0, 1.0]], taus=[0.5]), "one tau per column"),
    (lambda: average_pinball_loss([1.0], [[0.0]], taus=[1.5]), "tau"),
    (lambda: coverage_score([1.0], [[0.0, 1.0]], sample_weight=[-1.0]), "non-negative"),
    (lambda: make_interval_scorer("nope"), "metric"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


class _ShiftInterval(RegressorMixin, BaseEstimator):
    """Predicts [median - half_width, median + half_width] and the quantiles of a shift."""

    def __init__(self, half_width=1.0):
        self.half_width = half_width

    def fit(self, X, y):
        self.centre_ = float(np.median(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.centre_)

    def predict_interval(self, X):
        centre = self.predict(X)
        return np.column_stack([centre - self.half_width, centre + self.half_width])

    def predict_quantiles(self, X):
        centre = self.predict(X)
        return np.column_stack([centre - self.half_width, centre + self.half_width])


def test_scorers_in_grid_search():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 1))
    y = rng.normal(size=400)
    grid = {"half_width": [0.5, 1.6448536, 4.0]}
    # The interval score is minimised by the true 5% and 95% quantiles (+-1.645).
    search = GridSearchCV(_ShiftInterval(), grid, scoring=make_interval_scorer(), cv=3).fit(X, y)
    assert search.best_params_["half_width"] == pytest.approx(1.6448536)
    # Coverage alone prefers the widest interval, width the narrowest.
    search = GridSearchCV(_ShiftInterval(), grid, scoring=make_interval_scorer("coverage"), cv=3)
    assert search.fit(X, y).best_params_["half_width"] == 4.0
    search = GridSearchCV(_ShiftInterval(), grid, scoring=make_interval_scorer("width"), cv=3)
    assert search.fit(X, y).best_params_["half_width"] == 0.5
    # The pinball scorer at (0.05, 0.95) also picks the true quantiles.
    scorer = make_pinball_scorer((0.05, 0.95))
    search = GridSearchCV(_ShiftInterval(), grid, scoring=scorer, cv=3).fit(X, y)
    assert search.best_params_["half_width"] == pytest.approx(1.6448536)
    model = _ShiftInterval().fit(X, y)
    assert scorer(model, X, y) == pytest.approx(
        -average_pinball_loss(y, model.predict_quantiles(X), taus=(0.05, 0.95))
    )
