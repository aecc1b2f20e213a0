"""Tests specific to ``solver="fn"`` (Frisch-Newton interior point with preprocessing)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from sklearn_lad._certificate import certify
from sklearn_lad._design import RowDesign
from sklearn_lad._problem import QuantileProblem
from sklearn_lad.solvers import get_solver, run_solver
from sklearn_lad.solvers._interior_point import (
    _box_widths,
    _centring_weights,
    independent_columns,
    solve_exact,
    vertex_check,
)
from sklearn_lad.solvers._preprocessing import _band_width

from ._cases import make_regression_data


def _fit(problem, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return run_solver("fn", problem, options)[0]


def _assert_same(a, b, rtol=1e-10):
    assert a.certified and b.certified
    assert a.objective == pytest.approx(b.objective, rel=rtol)
    scale = 1.0 + np.abs(b.coef).max()
    assert_allclose(a.coef, b.coef, atol=1e-8 * scale)
    assert abs(a.intercept - b.intercept) <= 1e-8 * scale


@pytest.fixture(scope="module")
def large():
    X, y = make_regression_data(30_000, 5, seed=11)
    return X, y


@pytest.mark.parametrize("tau", [0.5, 0.9])
def test_preprocessing_gives_the_same_optimum(large, tau):
    X, y = large
    problem = QuantileProblem(X=X, y=y, tau=tau)
    pre = _fit(problem, preprocess=True)
    plain = _fit(problem, preprocess=False)
    assert pre.diagnostics.preprocessed and not plain.diagnostics.preprocessed
    assert pre.diagnostics.preprocess_kept < X.shape[0] // 5
    _assert_same(pre, plain)
    # The answer is proved optimal on the full problem, not only on the reduced one.
    cert = certify(problem.augmented(), problem.join(pre.coef, pre.intercept))
    assert cert.certified


def test_preprocessing_threshold_option(large):
    X, y = large
    problem = QuantileProblem(X=X[:5000], y=y[:5000], tau=0.3)
    assert not _fit(problem).diagnostics.preprocessed  # below the default threshold
    assert _fit(problem, preprocess_min_n=1000).diagnostics.preprocessed


def test_preprocessing_with_weights_penalty_and_ties():
    rng = np.random.default_rng(12)
    X, y = make_regression_data(2500, 4, seed=12)
    y = np.round(y)  # many ties: degenerate vertices
    w = rng.uniform(0.2, 3.0, size=y.size)
    problem = QuantileProblem(X=X, y=y, tau=0.25, alpha=1e-3, sample_weight=w)
    pre = _fit(problem, preprocess=True)
    oracle = run_solver("highs", problem)[0]
    assert pre.diagnostics.preprocessed
    assert pre.certified
    assert pre.objective == pytest.approx(oracle.objective, rel=1e-9)


def test_preprocessing_recovers_from_a_bad_pilot(large):
    """A warm start off the optimum misclassifies many rows: the band is re-centred and widened
    (or, far off, the warm start is dropped for a pilot fit); the result is still exact."""
    X, y = large
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    good = _fit(problem, preprocess=False)
    solver = get_solver("fn")(preprocess=True)
    first = solver.solve(problem, warm_start=(good.coef, good.intercept))
    first = first.diagnostics.preprocess_kept
    off = solver.solve(problem, warm_start=(good.coef + 0.1, good.intercept - 0.1))
    assert off.diagnostics.preprocessed and off.diagnostics.preprocess_rounds >= 2
    assert off.diagnostics.preprocess_kept > 1.5 * first
    assert off.objective == pytest.approx(good.objective, rel=1e-12)
    far = solver.solve(problem, warm_start=(good.coef + 0.3, good.intercept - 0.5))
    assert far.diagnostics.preprocessed
    assert far.objective == pytest.approx(good.objective, rel=1e-12)


def test_sparse_equals_dense_with_preprocessing():
    rng = np.random.default_rng(13)
    X = sp.random(8000, 12, density=0.3, random_state=13, format="csc")
    y = X @ rng.standard_normal(12) + rng.standard_t(3, size=8000)
    for alpha in (0.0, 1e-3):
        dense = _fit(QuantileProblem(X=X.toarray(), y=y, tau=0.6, alpha=alpha), preprocess=True)
        sparse = _fit(QuantileProblem(X=X, y=y, tau=0.6, alpha=alpha), preprocess=True)
        assert dense.diagnostics.preprocessed and sparse.diagnostics.preprocessed
        _assert_same(sparse, dense)


def test_warm_start_is_used_and_harmless(large):
    X, y = large
    problem = QuantileProblem(X=X[:3000], y=y[:3000], tau=0.7)
    cold = _fit(problem)
    assert get_solver("fn").supports_warm_start
    warm = run_solver("fn", problem, warm_start=(cold.coef, cold.intercept))[0]
    _assert_same(warm, cold)
    # With preprocessing the warm start replaces the pilot fit: no pilot iterations.
    big = QuantileProblem(X=X, y=y, tau=0.7)
    cold_big = _fit(big, preprocess=True)
    warm_big = run_solver("fn", big, {"preprocess": True},
                          warm_start=(cold_big.coef, cold_big.intercept))[0]
    _assert_same(warm_big, cold_big)
    assert warm_big.n_iter < cold_big.n_iter


def test_random_state_does_not_change_the_answer(large):
    X, y = large
    problem = QuantileProblem(X=X, y=y, tau=0.2)
    a = _fit(problem, preprocess=True, random_state=0)
    b = _fit(problem, preprocess=True, random_state=123)
    _assert_same(a, b, rtol=1e-12)


def test_max_iter_warns():
    X, y = make_regression_data(500, 3, seed=14)
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        result = run_solver("fn", problem, {"max_iter": 2})[0]
    assert not result.converged


@pytest.mark.parametrize(
    "options, match",
    [({"preprocess": "yes"}, "preprocess"), ({"max_iter": 0}, "max_iter"),
     ({"tolerance": 1.0}, "does not accept")],
)
def test_invalid_options(options, match):
    X, y = make_regression_data(50, 2, seed=15)
    with pytest.raises(ValueError, match=match):
        run_solver("fn", QuantileProblem(X=X, y=y, tau=0.5), options)


def test_dependent_columns_are_dropped_then_canonicalised():
    X, y = make_regression_data(400, 3, seed=16)
    X = np.column_stack([X, X[:, 0] - X[:, 1], np.full(400, 2.0)])  # collinear + constant
    problem = QuantileProblem(X=X, y=y, tau=0.4)
    design = RowDesign(np.asarray(X), y, tau=0.4)
    assert independent_columns(design).sum() == 4
    result, oracle = _fit(problem), run_solver("highs", problem)[0]
    assert result.certified
    assert result.objective == pytest.approx(oracle.objective, rel=1e-12)
    assert_allclose(result.coef, oracle.coef, atol=1e-9)


def test_interior_point_ends_on_a_proved_vertex():
    X, y = make_regression_data(2000, 4, seed=17)
    design = RowDesign(X, y, tau=0.35)
    fit = solve_exact(design, 0.35)
    assert fit.status == "vertex" and fit.basis.size == 5
    assert_allclose(design.matvec(fit.beta)[fit.basis], y[fit.basis], atol=1e-12)
    verdict, beta, dual = vertex_check(design, 0.35, fit.basis)
    assert verdict == "optimal"
    # The basic dual is a certificate: in its box, A'd = 0, zero duality gap.
    assert np.all(dual >= -0.65 - 1e-12) and np.all(dual <= 0.35 + 1e-12)
    assert np.abs(design.rmatvec(dual)).max() <= 1e-9 * np.abs(X).sum()
    residual = y - design.matvec(beta)
    loss = np.sum(np.where(residual >= 0, 0.35 * residual, -0.65 * residual))
    assert y @ dual == pytest.approx(loss, rel=1e-12)
    # A wrong basis is rejected.
    verdict, _, _ = vertex_check(design, 0.35, np.arange(5))
    assert verdict == "not optimal"


def test_band_width_grows_slowly_with_the_expected_misses_budget():
    widths = [_band_width(s, 0.5) for s in (1e2, 1e4, 1e6)]
    assert widths == sorted(widths)
    assert 2.5 < widths[0] < widths[-1] < 6.0
    assert _band_width(1e4, 0.5) > _band_width(1e4, 0.05)


def _hostile_weight_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 1.0 + rng.standard_t(3, size=60)


_ROW = np.arange(60)
HOSTILE_WEIGHTS = {
    "half at 1e-200": np.where(_ROW % 2, 1.0, 1e-200),
    "most at 1e-200": np.where(_ROW % 10 < 7, 1e-200, 1.0),
    "subnormal": np.where(_ROW % 3 == 0, 5e-320, 1.0),
}


@pytest.mark.parametrize("label", HOSTILE_WEIGHTS)
@pytest.mark.parametrize("tau", [0.3, 0.5])
def test_weights_spanning_hundreds_of_orders_give_the_certified_optimum(label, tau):
    # With the unweighted centring target a row of weight 1e-200 next to rows of weight 1 needs
    # z_i ~ 1e198 and z_i / x_i overflowed to NaN (a RuntimeError); subnormal weights made
    # 1 / x_i overflow. The answer must be br's certified one.
    X, y = _hostile_weight_data()
    problem = QuantileProblem(X=X, y=y, tau=tau, sample_weight=HOSTILE_WEIGHTS[label])
    result = _fit(problem)
    _assert_same(result, run_solver("br", problem)[0])


def test_centring_is_plain_except_for_rows_far_below_the_typical_weight():
    # Only rows lighter than 2**-20 of the typical (weighted-median) observation weight get a
    # target scaled by their weight; unweighted fits, weights spread over a few orders of
    # magnitude, heavy pseudo-rows and globbed rows keep Mehrotra's plain target.
    plain = _centring_weights(np.array([1.0, 1e-4, 2.0, 50.0]), n_samples=3)
    assert np.array_equal(plain, np.ones(4))
    mixed = _centring_weights(np.array([1e-200, 1e-200, 1e-200, 1.0, 1.0, 1e-3]), n_samples=5)
    assert np.array_equal(mixed, [2.0**20 * 1e-200] * 3 + [1.0, 1.0, 1.0])
    assert _box_widths(np.array([1.0, 5e-320]))[1] == np.ldexp(1.0, -900)


@pytest.mark.parametrize("eps", [1e-7, 1e-8])
@pytest.mark.parametrize("seed", [0, 2])
@pytest.mark.parametrize("tau", [0.3, 0.5])
def test_nearly_collinear_columns_are_finished_on_the_simplex_engine(eps, seed, tau):
    # x_3 = x_0 + eps z is dropped by the interior point's rank test (its normal equations
    # square the condition number), but the optimum uses it (coefficients near 1e6); the
    # engine's simplex steps from the reduced vertex bring it back, and fn certifies br's point.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((200, 3))
    X = np.column_stack([X, X[:, 0] + eps * rng.standard_normal(200)])
    y = X[:, :3] @ [1.0, -2.0, 0.5] + 1.0 + rng.standard_t(3, size=200)
    problem = QuantileProblem(X=X, y=y, tau=tau)
    result = _fit(problem)
    reference = run_solver("br", problem)[0]
    assert result.certified and result.objective <= reference.objective * (1 + 1e-12)
    assert result.objective == pytest.approx(reference.objective, rel=1e-12)


def test_nearly_collinear_columns_in_a_penalised_fit():
    # Unpenalised (penalty_factor 0) nearly collinear columns with a penalised third one.
    rng = np.random.default_rng(4)
    X = rng.standard_normal((200, 3))
    X = np.column_stack([X, X[:, 0] + 1e-7 * rng.standard_normal(200)])
    y = X[:, :3] @ [1.0, -2.0, 0.5] + 1.0 + rng.standard_t(3, size=200)
    problem = QuantileProblem(X=X, y=y, tau=0.4, alpha=0.01,
                              penalty_factor=np.array([0.0, 1.0, 1.0, 0.0]))
    result = _fit(problem)
    reference = run_solver("br", problem)[0]
    assert result.objective == pytest.approx(reference.objective, rel=1e-12)
