"""One validation for estimators, path functions, CV and losses: same errors everywhere."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_lad import (
    LADLassoCV,
    QuantileLasso,
    QuantileLassoCV,
    QuantileRegressor,
    alpha_max,
    available_solvers,
    quantile_path,
)
from sklearn_lad._validation import (
    build_problem,
    check_alpha,
    check_alpha_grid,
    check_penalty_factor,
    check_sample_weight,
    check_tau,
)
from sklearn_lad.losses import pinball_loss, pinball_subgradient

from ._cases import make_regression_data

X, Y = make_regression_data(40, 3, seed=0)

# Every public entry point that takes tau, as a function of tau.
TAU_ENTRY_POINTS = {
    "check_tau": check_tau,
    "pinball_loss": lambda tau: pinball_loss([1.0], [0.0], tau=tau),
    "pinball_subgradient": lambda tau: pinball_subgradient([1.0], tau),
    "alpha_max": lambda tau: alpha_max(X, Y, tau=tau),
    "quantile_path": lambda tau: quantile_path(X, Y, tau=tau, n_alphas=2),
}


@pytest.mark.parametrize("entry", TAU_ENTRY_POINTS)
@pytest.mark.parametrize("bad", ["0.5", None, True, [0.5], 0.5j])
def test_a_tau_of_the_wrong_type_is_a_type_error(entry, bad):
    with pytest.raises(TypeError, match="tau must be a real number"):
        TAU_ENTRY_POINTS[entry](bad)


@pytest.mark.parametrize("entry", TAU_ENTRY_POINTS)
@pytest.mark.parametrize("bad", [0.0, 1.0, -0.5, 1.5, np.nan, np.inf])
def test_a_tau_out_of_range_is_a_value_error_not_a_type_error(entry, bad):
    with pytest.raises(ValueError, match="strictly between 0 and 1") as error:
        TAU_ENTRY_POINTS[entry](bad)
    assert not isinstance(error.value, TypeError)


@pytest.mark.parametrize("estimator", [QuantileRegressor, QuantileLasso, QuantileLassoCV])
def test_estimators_follow_scikit_learn_for_tau(estimator):
    # The estimators' parameter validation raises InvalidParameterError (ValueError and
    # TypeError) for both kinds, as every scikit-learn estimator does.
    for bad in ("0.5", 1.5):
        with pytest.raises(InvalidParameterError, match="tau"):
            estimator(tau=bad).fit(X, Y)


def test_numpy_scalars_are_accepted():
    assert check_tau(np.float32(0.25)) == 0.25
    assert check_alpha(np.int64(2)) == 2.0


@pytest.mark.parametrize(("bad", "error"), [(-1.0, ValueError), (np.inf, ValueError),
                                            (np.nan, ValueError), ("1", TypeError)])
def test_check_alpha(bad, error):
    with pytest.raises(error, match="alpha"):
        check_alpha(bad)


@pytest.mark.parametrize(
    ("alphas", "n_alphas", "eps", "error", "match"),
    [
        (None, 0, 1e-3, ValueError, "n_alphas"),
        (None, 2.5, 1e-3, TypeError, "n_alphas"),
        (None, True, 1e-3, TypeError, "n_alphas"),
        (None, 5, 0.0, ValueError, "eps"),
        (None, 5, "x", TypeError, "eps"),
        ([], 5, 1e-3, ValueError, "alphas"),
        ([1.0, -1.0], 5, 1e-3, ValueError, "alphas"),
        (["a"], 5, 1e-3, TypeError, "alphas"),
    ],
)
def test_check_alpha_grid(alphas, n_alphas, eps, error, match):
    with pytest.raises(error, match=match):
        check_alpha_grid(alphas, n_alphas, eps)
    with pytest.raises(error, match=match):
        quantile_path(X, Y, alphas=alphas, n_alphas=n_alphas, eps=eps)


def test_check_alpha_grid_sorts_decreasing():
    assert_array_equal(check_alpha_grid([0.1, 3, 1], 5, 0.1), [3.0, 1.0, 0.1])
    assert check_alpha_grid(None, 5, 0.1) is None


@pytest.mark.parametrize(("bad", "error", "match"), [
    (["a", "b", "c"], TypeError, "array of numbers"),
    ([1.0, 2.0], ValueError, "one entry per feature"),
    ([[1.0, 1.0, 1.0]], ValueError, "one entry per feature"),
    ([1.0, -1.0, 1.0], ValueError, "non-negative"),
    ([1.0, np.nan, 1.0], ValueError, "finite"),
])
def test_penalty_factor_everywhere(bad, error, match):
    with pytest.raises(error, match=match):
        check_penalty_factor(bad, 3)
    with pytest.raises(error, match=match):
        QuantileLasso(alpha=0.1, penalty_factor=bad).fit(X, Y)
    with pytest.raises(error, match=match):
        alpha_max(X, Y, penalty_factor=bad)


@pytest.mark.parametrize("y", [
    np.array(["1", "2"] * 20), np.array(["a", "b"] * 20), np.array([b"1", b"2"] * 20),
    ["1", "2"] * 20,
])
@pytest.mark.parametrize("call", [
    lambda y: QuantileRegressor(solver="highs").fit(X, y),
    lambda y: QuantileLassoCV(n_alphas=2, cv=2).fit(X, y),
    lambda y: alpha_max(X, y),
    lambda y: quantile_path(X, y, n_alphas=2),
])
def test_string_targets_give_a_clear_error(y, call):
    with pytest.raises(ValueError, match="y must contain numbers.*astype"):
        call(y)


def test_numeric_object_targets_still_work():
    y = np.array([str(v) for v in Y], dtype=object)
    model = QuantileRegressor(solver="highs").fit(X, y)
    assert_allclose(model.coef_, QuantileRegressor(solver="highs").fit(X, Y).coef_)


def test_sample_weight_is_rescaled_exactly_by_a_power_of_two():
    raw = np.array([3.0, 0.0, 1e-3, 2.5])
    weights, kept = check_sample_weight(raw, np.zeros((4, 1)))
    assert_array_equal(kept, [0, 2, 3])
    assert 0.5 <= weights.max() < 1.0
    factor = raw[kept] / weights
    assert np.all(factor == factor[0]) and np.log2(factor[0]) == int(np.log2(factor[0]))
    assert check_sample_weight(None, np.zeros((4, 1))) == (None, None)


@pytest.mark.parametrize(("bad", "match"), [
    ([1.0, -1.0, 1.0], "non-negative"), ([0.0, 0.0, 0.0], "sums to zero"),
    ([1.0, np.nan, 1.0], "NaN"), ([1.0, np.inf, 1.0], "infinity|NaN"),
    ([1.0, 1.0], "sample_weight"),
])
def test_sample_weight_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        check_sample_weight(bad, np.zeros((3, 1)))


@pytest.mark.parametrize("solver", available_solvers())
@pytest.mark.parametrize("scale", [1e308, 1e-300])
def test_extreme_common_weights_change_nothing(solver, scale):
    """Weights whose sum overflows (1e308 each) or that underflow fit like unit weights."""
    alpha = 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning, no ConvergenceWarning
        reference = QuantileLasso(tau=0.3, alpha=alpha, solver=solver).fit(X, Y)
        weighted = QuantileLasso(tau=0.3, alpha=alpha, solver=solver).fit(
            X, Y, sample_weight=np.full(len(Y), scale)
        )
    assert weighted.certified_
    assert_allclose(weighted.coef_, reference.coef_, rtol=1e-9, atol=1e-12)
    assert weighted.objective_ == pytest.approx(reference.objective_, rel=1e-12)


def test_huge_mixed_weights_equal_their_ratios():
    rng = np.random.default_rng(1)
    ratios = rng.integers(1, 4, size=len(Y)).astype(float)
    huge = QuantileRegressor(tau=0.7, solver="br").fit(X, Y, sample_weight=(1e308 / 3) * ratios)
    plain = QuantileRegressor(tau=0.7, solver="br").fit(X, Y, sample_weight=ratios)
    assert_allclose(huge.coef_, plain.coef_, rtol=1e-12)
    assert np.isfinite(huge.objective_)


def test_build_problem_drops_zero_weight_rows_and_casts_to_float():
    problem, zero_weight = build_problem(
        None, [[0], [1], [2]], [0, 1, 5], [1, 0, 2], tau=0.5, alpha=0.1,
        fit_intercept=False,
    )
    assert_array_equal(zero_weight.kept, [0, 2])
    assert_array_equal(zero_weight.dropped, [1])
    assert_array_equal(zero_weight.X, [[1.0]]) and zero_weight.y.tolist() == [1.0]
    assert zero_weight.n_rows == 3
    assert problem.X.dtype == problem.y.dtype == np.float64
    assert problem.n_samples == 2 and not problem.fit_intercept and problem.alpha == 0.1


def test_path_and_cv_validate_like_the_estimators():
    bad_weights = np.r_[-1.0, np.ones(len(Y) - 1)]
    for call in (
        lambda: QuantileRegressor().fit(X, Y, sample_weight=bad_weights),
        lambda: alpha_max(X, Y, sample_weight=bad_weights),
        lambda: quantile_path(X, Y, sample_weight=bad_weights, n_alphas=2),
        lambda: LADLassoCV(n_alphas=2, cv=2).fit(X, Y, sample_weight=bad_weights),
    ):
        with pytest.raises(ValueError, match="sample_weight must be non-negative"):
            call()
