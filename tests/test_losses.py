"""Tests for ``sklearn_lad.losses`` against closed forms, SciPy/scikit-learn and each other."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import huber
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.dummy import DummyRegressor
from sklearn.metrics import check_scoring, mean_absolute_error, mean_pinball_loss
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lad import losses
from sklearn_lad.losses import (
    huber_gradient,
    huber_loss,
    l1_loss,
    l1_subgradient,
    neg_pinball_loss_at_own_tau,
    pinball_loss,
    pinball_scorer,
    pinball_subgradient,
    smooth_l1_gradient,
    smooth_l1_loss,
)

# The whole file must stay well under a few seconds, and the example database would otherwise
# write a .hypothesis/ directory into the shared working tree.
FAST = settings(max_examples=25, deadline=None, database=None)

residuals = arrays(
    np.float64,
    st.integers(1, 12),
    elements=st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
)
taus = st.floats(0.01, 0.99)
widths = st.floats(1e-3, 1e3)


def _elementwise(loss, residual, **params):
    """The loss of each residual alone (``y_true = r`` and ``y_pred = 0`` give residual ``r``)."""
    residual = np.atleast_1d(residual)
    return loss(residual, np.zeros_like(residual), reduction="none", **params)


# --------------------------------------------------------------------------------------------
# Hand-computed values
# --------------------------------------------------------------------------------------------

# Residuals r = y_true - y_pred = [-1, 0, 3, -2.5]; weights sum to 5.5.
Y_TRUE = [1.0, 2.0, 3.0, 4.0]
Y_PRED = [2.0, 2.0, 0.0, 6.5]
WEIGHT = [1.0, 2.0, 0.5, 2.0]

# (loss, params, elementwise losses, weighted elementwise losses), all worked out by hand.
HAND_CASES = [
    pytest.param(l1_loss, {}, [1.0, 0.0, 3.0, 2.5], [1.0, 0.0, 1.5, 5.0], id="l1"),
    # Negative residuals cost (1 - tau) = 0.75 per unit, positive ones tau = 0.25.
    pytest.param(
        pinball_loss,
        {"tau": 0.25},
        [0.75, 0.0, 0.75, 1.875],
        [0.75, 0.0, 0.375, 3.75],
        id="pinball-0.25",
    ),
    pytest.param(
        pinball_loss, {"tau": 0.5}, [0.5, 0.0, 1.5, 1.25], [0.5, 0.0, 0.75, 2.5], id="pinball-0.5"
    ),
    # |r| = 1 is inside delta = 1.5: 0.5; |r| = 3: 1.5 * (3 - 0.75); |r| = 2.5: 1.5 * (2.5 - 0.75).
    pytest.param(
        huber_loss,
        {"delta": 1.5},
        [0.5, 0.0, 3.375, 2.625],
        [0.5, 0.0, 1.6875, 5.25],
        id="huber-1.5",
    ),
    # |r| = 1 is inside beta = 2: 0.5 / 2; |r| = 3: 3 - 1; |r| = 2.5: 2.5 - 1.
    pytest.param(
        smooth_l1_loss,
        {"beta": 2.0},
        [0.25, 0.0, 2.0, 1.5],
        [0.25, 0.0, 1.0, 3.0],
        id="smooth_l1-2",
    ),
    pytest.param(
        smooth_l1_loss, {"beta": 0.0}, [1.0, 0.0, 3.0, 2.5], [1.0, 0.0, 1.5, 5.0], id="smooth_l1-0"
    ),
]


@pytest.mark.parametrize(("loss", "params", "plain", "weighted"), HAND_CASES)
def test_hand_computed_values_for_every_reduction(loss, params, plain, weighted):
    none = loss(Y_TRUE, Y_PRED, reduction="none", **params)
    assert isinstance(none, np.ndarray)
    np.testing.assert_allclose(none, plain, rtol=1e-15)
    assert loss(Y_TRUE, Y_PRED, reduction="sum", **params) == pytest.approx(sum(plain), rel=1e-15)
    assert loss(Y_TRUE, Y_PRED, reduction="mean", **params) == pytest.approx(sum(plain) / 4)
    assert loss(Y_TRUE, Y_PRED, **params) == pytest.approx(sum(plain) / 4)

    kw = {"sample_weight": WEIGHT, **params}
    np.testing.assert_allclose(loss(Y_TRUE, Y_PRED, reduction="none", **kw), weighted, rtol=1e-15)
    assert loss(Y_TRUE, Y_PRED, reduction="sum", **kw) == pytest.approx(sum(weighted))
    assert loss(Y_TRUE, Y_PRED, reduction="mean", **kw) == pytest.approx(sum(weighted) / 5.5)


def test_reduced_values_are_python_floats_and_integer_input_is_accepted():
    value = l1_loss(np.array([1, 2]), (0, 0), reduction="sum")
    assert type(value) is float
    assert value == 3.0
    assert type(pinball_loss([1], [0])) is float


def test_huber_at_the_switch_point_is_continuous():
    # Both branches give 0.5 * delta**2 at |r| = delta, and the linear branch continues from it.
    np.testing.assert_allclose(
        _elementwise(huber_loss, [-2.0, 2.0, 2.5], delta=2.0), [2.0, 2.0, 3.0], rtol=1e-15
    )
    np.testing.assert_allclose(
        _elementwise(smooth_l1_loss, [-2.0, 2.0, 2.5], beta=2.0), [1.0, 1.0, 1.5], rtol=1e-15
    )


def test_huber_does_not_overflow_on_huge_residuals():
    # Squaring 1e200 would overflow, but the linear branch applies and is finite.
    with np.errstate(over="raise"):
        assert huber_loss([1e200], [0.0], reduction="sum") == pytest.approx(1e200)
        assert smooth_l1_loss([1e200], [0.0], reduction="sum") == pytest.approx(1e200)


# --------------------------------------------------------------------------------------------
# Agreement with SciPy and scikit-learn
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.05, 0.25, 0.5, 0.9])
@pytest.mark.parametrize("weighted", [False, True])
def test_pinball_mean_matches_sklearn(tau, weighted):
    rng = np.random.default_rng(0)
    y_true = rng.exponential(size=50)
    y_pred = rng.normal(size=50)
    weight = rng.uniform(0.0, 3.0, size=50) if weighted else None
    expected = mean_pinball_loss(y_true, y_pred, alpha=tau, sample_weight=weight)
    assert pinball_loss(y_true, y_pred, tau=tau, sample_weight=weight) == pytest.approx(
        expected, rel=1e-12
    )


@FAST
@given(residual=residuals, tau=taus)
def test_pinball_mean_matches_sklearn_property(residual, tau):
    expected = mean_pinball_loss(residual, np.zeros_like(residual), alpha=tau)
    actual = pinball_loss(residual, np.zeros_like(residual), tau=tau)
    assert actual == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_l1_mean_matches_sklearn_mean_absolute_error():
    rng = np.random.default_rng(1)
    y_true, y_pred, weight = rng.normal(size=(3, 30))
    weight = np.abs(weight)
    assert l1_loss(y_true, y_pred) == pytest.approx(mean_absolute_error(y_true, y_pred))
    assert l1_loss(y_true, y_pred, sample_weight=weight) == pytest.approx(
        mean_absolute_error(y_true, y_pred, sample_weight=weight)
    )


@FAST
@given(residual=residuals, delta=widths)
def test_huber_matches_scipy_special_huber(residual, delta):
    np.testing.assert_allclose(
        _elementwise(huber_loss, residual, delta=delta), huber(delta, residual), rtol=1e-12
    )


# --------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------

LOSSES_WITH_PARAMS = [
    pytest.param(l1_loss, {}, id="l1"),
    pytest.param(pinball_loss, {"tau": 0.3}, id="pinball"),
    pytest.param(huber_loss, {"delta": 0.7}, id="huber"),
    pytest.param(smooth_l1_loss, {"beta": 0.7}, id="smooth_l1"),
    pytest.param(smooth_l1_loss, {"beta": 0.0}, id="smooth_l1-beta0"),
]


@pytest.mark.parametrize(("loss", "params"), LOSSES_WITH_PARAMS)
def test_integer_weights_equal_repeated_rows(loss, params):
    rng = np.random.default_rng(2)
    y_true, y_pred = rng.normal(size=(2, 25))
    # Zero weights are included on purpose: they must behave like dropped rows.
    weight = rng.integers(0, 5, size=25)
    weight[0] = 3
    repeated_true, repeated_pred = np.repeat(y_true, weight), np.repeat(y_pred, weight)
    for reduction in ("mean", "sum"):
        weighted = loss(y_true, y_pred, reduction=reduction, sample_weight=weight, **params)
        repeated = loss(repeated_true, repeated_pred, reduction=reduction, **params)
        assert weighted == pytest.approx(repeated, rel=1e-12)
    weighted_none = loss(y_true, y_pred, reduction="none", sample_weight=weight, **params)
    assert weighted_none.sum() == pytest.approx(
        loss(repeated_true, repeated_pred, reduction="none", **params).sum(), rel=1e-12
    )


@pytest.mark.parametrize(("loss", "params"), LOSSES_WITH_PARAMS)
def test_unit_weights_change_nothing_and_scaling_weights_keeps_the_mean(loss, params):
    rng = np.random.default_rng(3)
    y_true, y_pred, weight = rng.normal(size=(3, 20))
    weight = np.abs(weight)
    assert loss(y_true, y_pred, sample_weight=np.ones(20), **params) == pytest.approx(
        loss(y_true, y_pred, **params), rel=1e-12
    )
    assert loss(y_true, y_pred, sample_weight=7.5 * weight, **params) == pytest.approx(
        loss(y_true, y_pred, sample_weight=weight, **params), rel=1e-12
    )


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@FAST
@given(residual=residuals, delta=widths)
def test_huber_is_below_its_linear_and_quadratic_envelopes(residual, delta):
    loss = _elementwise(huber_loss, residual, delta=delta)
    # Products that underflow into subnormals round differently on the two sides (the reference
    # 0.5 * r**2 rounds twice), so allow a margin far below any normal float.
    tiny = 1e-300
    assert np.all(loss >= 0.0)
    assert np.all(loss <= delta * np.abs(residual) + tiny)
    assert np.all(loss <= 0.5 * residual**2 + tiny)


@FAST
@given(residual=residuals, beta=widths)
def test_smooth_l1_times_beta_is_huber(residual, beta):
    np.testing.assert_allclose(
        beta * _elementwise(smooth_l1_loss, residual, beta=beta),
        _elementwise(huber_loss, residual, delta=beta),
        rtol=1e-12,
        atol=1e-300,
    )


@FAST
@given(residual=residuals, beta=widths)
def test_smooth_l1_is_within_half_beta_of_l1(residual, beta):
    # This is what makes beta = 0 the limit: the gap to L1 is between 0 and beta / 2.
    gap = _elementwise(l1_loss, residual) - _elementwise(smooth_l1_loss, residual, beta=beta)
    tol = 1e-12 * (1.0 + np.abs(residual))
    assert np.all(gap >= -tol)
    assert np.all(gap <= 0.5 * beta + tol)


@FAST
@given(residual=residuals)
def test_smooth_l1_with_zero_beta_is_exactly_l1(residual):
    with np.errstate(all="raise"):
        smooth = _elementwise(smooth_l1_loss, residual, beta=0.0)
    np.testing.assert_array_equal(smooth, _elementwise(l1_loss, residual))


@FAST
@given(residual=residuals, tau=taus)
def test_pinball_closed_form_and_symmetries(residual, tau):
    loss = _elementwise(pinball_loss, residual, tau=tau)
    np.testing.assert_allclose(
        loss, np.maximum(tau * residual, (tau - 1.0) * residual), rtol=1e-15, atol=0
    )
    # rho_tau(r) + rho_tau(-r) = |r|: the two tilted halves add up to the absolute value.
    mirrored = _elementwise(pinball_loss, -residual, tau=tau)
    np.testing.assert_allclose(loss + mirrored, np.abs(residual), rtol=1e-12, atol=1e-300)
    # rho_tau(r) = rho_{1 - tau}(-r): swapping targets and predictions flips the quantile.
    swapped = pinball_loss(np.zeros_like(residual), residual, tau=1.0 - tau, reduction="none")
    np.testing.assert_allclose(loss, swapped, rtol=1e-12, atol=1e-300)


@FAST
@given(residual=residuals)
def test_pinball_at_the_median_is_half_l1(residual):
    np.testing.assert_array_equal(
        _elementwise(pinball_loss, residual, tau=0.5), 0.5 * _elementwise(l1_loss, residual)
    )


# --------------------------------------------------------------------------------------------
# (Sub)gradients
# --------------------------------------------------------------------------------------------

# (gradient, matching loss, shared parameters); the loss is called with the loss's parameter name.
GRADIENT_CASES = [
    pytest.param(lambda r: l1_subgradient(r), lambda r: _elementwise(l1_loss, r), id="l1"),
    pytest.param(
        lambda r: pinball_subgradient(r, tau=0.2),
        lambda r: _elementwise(pinball_loss, r, tau=0.2),
        id="pinball-0.2",
    ),
    pytest.param(
        lambda r: pinball_subgradient(r, 0.85),
        lambda r: _elementwise(pinball_loss, r, tau=0.85),
        id="pinball-0.85",
    ),
    pytest.param(
        lambda r: huber_gradient(r, delta=0.5),
        lambda r: _elementwise(huber_loss, r, delta=0.5),
        id="huber",
    ),
    pytest.param(
        lambda r: smooth_l1_gradient(r, beta=0.5),
        lambda r: _elementwise(smooth_l1_loss, r, beta=0.5),
        id="smooth_l1",
    ),
    pytest.param(
        lambda r: smooth_l1_gradient(r, beta=0.0),
        lambda r: _elementwise(smooth_l1_loss, r, beta=0.0),
        id="smooth_l1-beta0",
    ),
]

# Residuals at least 0.01 away from zero, where even the L1 and pinball losses are smooth; the
# grid also straddles the Huber / smooth-L1 switch points at +-0.5.
AWAY_FROM_ZERO = np.concatenate([-np.logspace(-2, 3, 41), np.logspace(-2, 3, 41), [0.5, -0.5]])


@pytest.mark.parametrize(("gradient", "loss"), GRADIENT_CASES)
def test_gradients_match_central_finite_differences(gradient, loss):
    step = 1e-6
    numeric = (loss(AWAY_FROM_ZERO + step) - loss(AWAY_FROM_ZERO - step)) / (2 * step)
    np.testing.assert_allclose(gradient(AWAY_FROM_ZERO), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("gradient", "loss"), GRADIENT_CASES)
def test_gradient_is_zero_at_a_zero_residual(gradient, loss):
    result = gradient(np.array([0.0, -0.0]))
    np.testing.assert_array_equal(result, [0.0, 0.0])


@pytest.mark.parametrize(("gradient", "loss"), GRADIENT_CASES)
def test_gradient_is_a_subgradient_of_the_convex_loss(gradient, loss):
    # g is a subgradient at r iff loss(s) >= loss(r) + g * (s - r) for every s; 0 included.
    grid = np.concatenate([np.linspace(-3.0, 3.0, 61), [0.0]])
    for r in grid:
        lower_bound = loss(r) + gradient(r) * (grid - r)
        assert np.all(loss(grid) >= lower_bound - 1e-12)


@FAST
@given(residual=arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e6, 1e6)), tau=taus)
def test_pinball_subgradient_lies_in_the_subdifferential_hull(residual, tau):
    sub = pinball_subgradient(residual, tau)
    assert np.all((sub >= tau - 1.0) & (sub <= tau))
    np.testing.assert_array_equal(sub[residual > 0], tau)
    np.testing.assert_array_equal(sub[residual < 0], tau - 1.0)


def test_gradient_hand_values_and_sign_convention():
    np.testing.assert_array_equal(l1_subgradient([-2.0, 0.0, 0.5]), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(pinball_subgradient([-2.0, 0.0, 0.5], 0.25), [-0.75, 0, 0.25])
    np.testing.assert_array_equal(huber_gradient([-3.0, -0.5, 0.0, 2.0]), [-1, -0.5, 0, 1])
    np.testing.assert_array_equal(smooth_l1_gradient([-3.0, -0.5, 2.0], 2.0), [-1, -0.25, 1])
    # Gradients are w.r.t. the residual, so increasing the prediction moves the loss the
    # opposite way: an under-prediction (r > 0) loses loss as y_pred grows.
    step = 1e-6
    slope_in_pred = (
        huber_loss([2.0], [0.3 + step], reduction="sum")
        - huber_loss([2.0], [0.3 - step], reduction="sum")
    ) / (2 * step)
    assert slope_in_pred == pytest.approx(-huber_gradient([1.7])[0], rel=1e-6)


def test_gradients_keep_the_input_shape():
    residual = np.array([[1.0, -2.0], [0.0, 3.0]])
    for result in (
        l1_subgradient(residual),
        pinball_subgradient(residual, 0.3),
        huber_gradient(residual),
        smooth_l1_gradient(residual),
    ):
        assert result.shape == (2, 2)
        assert result.dtype == np.float64
    assert l1_subgradient(-4.0).shape == ()


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

ERROR_CASES = [
    # Lengths and shapes
    (lambda: l1_loss([1, 2, 3], [1, 2]), r"len\(y_true\)=3 and len\(y_pred\)=2.*one y_pred"),
    (lambda: pinball_loss(np.ones((3, 1)), np.ones((3, 1))), r"shape \(3, 1\).*np\.ravel"),
    (lambda: huber_loss(1.0, 2.0), r"y_true must be a 1-D array.*shape \(\)"),
    (lambda: smooth_l1_loss([], []), "empty; pass at least one"),
    # Non-finite and non-numeric values
    (lambda: l1_loss([1.0, np.nan], [1.0, 2.0]), "y_true contains NaN.*remove or impute"),
    (lambda: l1_loss([1.0, 2.0], [1.0, np.inf]), "y_pred contains NaN or infinite"),
    (lambda: l1_loss([1.0, 2.0], [1.0, None]), "y_pred contains NaN"),
    (lambda: l1_loss(["a", "b"], [1.0, 2.0]), "y_true could not be converted.*pass a dense"),
    (lambda: l1_loss([1j, 2.0], [1.0, 2.0]), r"complex-valued; pass real numbers"),
    (lambda: l1_subgradient([0.0, -np.inf]), "residual contains NaN or infinite"),
    (lambda: pinball_subgradient([np.nan], 0.5), "residual contains NaN"),
    (lambda: huber_gradient([np.nan]), "residual contains NaN"),
    (lambda: smooth_l1_gradient([np.inf]), "residual contains NaN"),
    # Loss parameters
    (lambda: pinball_loss([1.0], [1.0], tau=0.0), r"strictly between 0 and 1; got tau=0\.0"),
    (lambda: pinball_loss([1.0], [1.0], tau=1.0), "strictly between 0 and 1.*e.g. tau=0.5"),
    (lambda: pinball_loss([1.0], [1.0], tau=-0.2), "strictly between 0 and 1"),
    (lambda: pinball_loss([1.0], [1.0], tau=np.nan), "strictly between 0 and 1"),
    (lambda: pinball_subgradient([1.0], 1.5), "strictly between 0 and 1"),
    (lambda: huber_loss([1.0], [1.0], delta=0.0), r"delta must be a finite number > 0.*e.g. delta"),
    (lambda: huber_loss([1.0], [1.0], delta=-1.0), "delta must be a finite number > 0"),
    (lambda: huber_loss([1.0], [1.0], delta=np.inf), "delta must be a finite number > 0"),
    (lambda: huber_gradient([1.0], delta=0), "delta must be a finite number > 0"),
    (lambda: smooth_l1_loss([1.0], [1.0], beta=-0.1), "beta must be a finite number >= 0.*beta=0"),
    (lambda: smooth_l1_loss([1.0], [1.0], beta=np.nan), "beta must be a finite number >= 0"),
    (lambda: smooth_l1_gradient([1.0], beta=-1.0), "beta must be a finite number >= 0"),
    # Weights
    (lambda: l1_loss([1, 2], [1, 2], sample_weight=[1, -1]), "non-negative.*weight of 0"),
    (lambda: l1_loss([1, 2], [1, 2], sample_weight=[0, 0]), "all zeros.*positive weight"),
    (
        lambda: pinball_loss([1, 2], [1, 2], sample_weight=[0.0, 0.0], reduction="sum"),
        "all zeros",
    ),
    (lambda: l1_loss([1, 2], [1, 2], sample_weight=[1]), r"len\(sample_weight\)=1"),
    (lambda: l1_loss([1, 2], [1, 2], sample_weight=[[1, 1]]), "sample_weight must be a 1-D"),
    (lambda: l1_loss([1, 2], [1, 2], sample_weight=[1, np.nan]), "sample_weight contains NaN"),
    # Reduction
    (lambda: l1_loss([1.0], [1.0], reduction="avg"), r"one of 'mean', 'sum', 'none'; got 'avg'"),
    (lambda: smooth_l1_loss([1.0], [1.0], reduction=None), "one of 'mean', 'sum', 'none'"),
    (lambda: huber_loss([1.0], [1.0], reduction="MEAN"), "one of 'mean', 'sum', 'none'"),
]


@pytest.mark.parametrize(("call", "message"), ERROR_CASES)
def test_invalid_input_raises_value_error_with_a_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("bad", ["0.5", True, None, [0.5]])
def test_non_numeric_parameters_raise_type_error(bad):
    with pytest.raises(TypeError, match="tau must be a real number"):
        pinball_loss([1.0], [1.0], tau=bad)
    with pytest.raises(TypeError, match="delta must be a real number"):
        huber_gradient([1.0], delta=bad)


def test_numpy_scalar_parameters_are_accepted():
    assert pinball_loss([2.0], [0.0], tau=np.float32(0.25)) == pytest.approx(0.5)
    assert huber_loss([2.0], [0.0], delta=np.int64(1)) == pytest.approx(1.5)


# --------------------------------------------------------------------------------------------
# Scorer
# --------------------------------------------------------------------------------------------


class ConstantQuantile(RegressorMixin, BaseEstimator):
    """Predicts the (weighted) ``tau``-quantile of the training targets, whatever ``X`` is."""

    def __init__(self, tau=0.5):
        self.tau = tau

    def fit(self, X, y, sample_weight=None):
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        # The inverted CDF is the exact minimiser of the weighted pinball loss.
        self.constant_ = float(np.quantile(y, self.tau, weights=weights, method="inverted_cdf"))
        return self

    def predict(self, X):
        return np.full(len(X), self.constant_)


@pytest.fixture(scope="module")
def skewed():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(90, 2))
    y = rng.exponential(scale=2.0, size=90) ** 2
    return X, y


def test_scorer_is_a_plain_callable_and_is_exported_under_both_names(skewed):
    assert pinball_scorer is neg_pinball_loss_at_own_tau
    model = ConstantQuantile(0.3).fit(*skewed)
    assert check_scoring(model, scoring=pinball_scorer) is pinball_scorer


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.75, 0.95])
def test_scorer_is_negated_mean_pinball_loss_at_the_estimator_tau(skewed, tau):
    X, y = skewed
    model = ConstantQuantile(tau=tau).fit(X, y)
    expected = -mean_pinball_loss(y, model.predict(X), alpha=tau)
    assert pinball_scorer(model, X, y) == pytest.approx(expected, rel=1e-12)
    weight = np.linspace(0.0, 2.0, len(y))
    weighted = -mean_pinball_loss(y, model.predict(X), alpha=tau, sample_weight=weight)
    assert pinball_scorer(model, X, y, sample_weight=weight) == pytest.approx(weighted, rel=1e-12)


def test_scorer_is_greater_for_better_predictions(skewed):
    X, y = skewed
    fitted = ConstantQuantile(tau=0.8).fit(X, y)
    worse = ConstantQuantile(tau=0.8).fit(X, y)
    worse.constant_ += 1.0
    assert pinball_scorer(fitted, X, y) > pinball_scorer(worse, X, y)


def test_scorer_reads_tau_from_the_final_pipeline_step(skewed):
    X, y = skewed
    pipe = make_pipeline(StandardScaler(), ConstantQuantile(tau=0.8)).fit(X, y)
    expected = -mean_pinball_loss(y, pipe.predict(X), alpha=0.8)
    assert pinball_scorer(pipe, X, y) == pytest.approx(expected, rel=1e-12)
    # 0.5 would give a different value, so this really is the step's tau.
    assert expected != pytest.approx(-mean_pinball_loss(y, pipe.predict(X), alpha=0.5))
    nested = Pipeline([("outer", make_pipeline(StandardScaler(), ConstantQuantile(0.8)))])
    assert pinball_scorer(nested.fit(X, y), X, y) == pytest.approx(expected, rel=1e-12)


def test_scorer_falls_back_to_the_median_without_tau(skewed):
    X, y = skewed
    model = DummyRegressor(strategy="quantile", quantile=0.9).fit(X, y)
    expected = -mean_pinball_loss(y, model.predict(X), alpha=0.5)
    assert pinball_scorer(model, X, y) == pytest.approx(expected, rel=1e-12)


def test_scorer_rejects_an_invalid_estimator_tau(skewed):
    X, y = skewed
    model = ConstantQuantile(tau=0.5).fit(X, y)
    model.tau = 1.5
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        pinball_scorer(model, X, y)


@pytest.mark.parametrize("in_pipeline", [False, True])
def test_grid_search_over_tau_scores_each_candidate_at_its_own_tau(skewed, in_pipeline):
    X, y = skewed
    cv = KFold(n_splits=3, shuffle=True, random_state=0)
    candidates = [0.1, 0.5, 0.9]
    if in_pipeline:
        estimator = make_pipeline(StandardScaler(), ConstantQuantile())
        grid = {"constantquantile__tau": candidates}
    else:
        estimator, grid = ConstantQuantile(), {"tau": candidates}
    search = GridSearchCV(estimator, grid, scoring=pinball_scorer, cv=cv).fit(X, y)

    mean_scores = search.cv_results_["mean_test_score"]
    # On skewed data the candidates' losses differ, so the scorer really used each one's tau.
    assert len(set(np.round(mean_scores, 10))) == len(candidates)
    for index, tau in enumerate(candidates):
        for split, (train, test) in enumerate(cv.split(X)):
            model = ConstantQuantile(tau=tau).fit(X[train], y[train])
            expected = -mean_pinball_loss(y[test], model.predict(X[test]), alpha=tau)
            actual = search.cv_results_[f"split{split}_test_score"][index]
            assert actual == pytest.approx(expected, rel=1e-12)
    assert search.best_score_ == pytest.approx(mean_scores.max())


def test_cross_val_score_accepts_the_scorer(skewed):
    X, y = skewed
    cv = KFold(n_splits=3)
    scores = cross_val_score(ConstantQuantile(tau=0.7), X, y, scoring=pinball_scorer, cv=cv)
    expected = [
        -mean_pinball_loss(
            y[test], ConstantQuantile(0.7).fit(X[train], y[train]).predict(X[test]), alpha=0.7
        )
        for train, test in cv.split(X)
    ]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Public API hygiene
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", losses.__all__)
def test_public_names_are_documented_with_examples(name):
    doc = getattr(losses, name).__doc__
    assert doc
    assert "Examples\n    --------" in doc
