"""Estimator behaviour beyond scikit-learn's common checks: errors, attributes, integration."""


import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lad import (
    LADLasso,
    LADRegressor,
    QuantileLasso,
    QuantileRegressor,
    available_solvers,
)
from sklearn_lad.solvers import Solver, get_solver

from ._cases import make_regression_data

ALL = [QuantileRegressor, LADRegressor, QuantileLasso, LADLasso]
X, Y = make_regression_data(60, 3, seed=0)


# How each bad input is made from good (X, y, w); each returns the new (X, y, w).
_SPOIL = {
    "nan_X": lambda X_, y_, w_: (_set(X_, (3, 1), np.nan), y_, w_),
    "inf_X": lambda X_, y_, w_: (_set(X_, (0, 0), np.inf), y_, w_),
    "nan_y": lambda X_, y_, w_: (X_, _set(y_, 5, np.nan), w_),
    "inf_y": lambda X_, y_, w_: (X_, _set(y_, 5, -np.inf), w_),
    "nan_w": lambda X_, y_, w_: (X_, y_, _set(w_, 2, np.nan)),
    "negative_w": lambda X_, y_, w_: (X_, y_, _set(w_, 2, -1.0)),
    "zero_w": lambda X_, y_, w_: (X_, y_, 0.0 * w_),
    "short_y": lambda X_, y_, w_: (X_, y_[:-1], w_),
    "short_w": lambda X_, y_, w_: (X_, y_, w_[:-1]),
    "empty": lambda X_, y_, w_: (X_[:0], y_[:0], w_[:0]),
    "y_2d": lambda X_, y_, w_: (X_, np.column_stack([y_, y_]), w_),
}


def _set(array, index, value):
    array[index] = value
    return array


def _bad(kind):
    return _SPOIL[kind](X.copy(), Y.copy(), np.ones(len(Y)))


BAD = {
    "nan_X": "NaN", "inf_X": "infinity", "nan_y": "NaN", "inf_y": "infinity",
    "nan_w": "NaN", "negative_w": "non-negative", "zero_w": "non-zero|sums to zero",
    "short_y": "inconsistent numbers of samples", "short_w": "sample_weight.shape",
    "empty": "0 sample", "y_2d": "y should be a 1d array",
}


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_input_raises_clear_error(cls, kind):
    X_, y_, w_ = _bad(kind)
    with pytest.raises(ValueError, match=BAD[kind]):
        cls(solver="highs").fit(X_, y_, sample_weight=w_)


@pytest.mark.parametrize("cls", [QuantileRegressor, QuantileLasso])
@pytest.mark.parametrize("tau", [0.0, 1.0, -0.5, 1.5])
def test_tau_outside_unit_interval(cls, tau):
    with pytest.raises(ValueError, match="tau"):
        cls(tau=tau).fit(X, Y)


@pytest.mark.parametrize("cls", [QuantileLasso, LADLasso])
def test_negative_alpha(cls):
    with pytest.raises(ValueError, match="alpha"):
        cls(alpha=-0.1).fit(X, Y)


def test_unknown_solver_names_choices():
    with pytest.raises(ValueError, match="Unknown solver 'simplex'.*highs"):
        QuantileRegressor(solver="simplex").fit(X, Y)


def test_unknown_solver_option_names_valid_keys():
    with pytest.raises(ValueError, match="valid keys"):
        QuantileRegressor(solver="highs", solver_options={"tolerance": 1}).fit(X, Y)


def test_backend_without_sparse_support_names_alternatives():
    dense_only = [s for s in available_solvers() if not get_solver(s).supports_sparse]
    if not dense_only:
        pytest.skip("every installed backend accepts sparse X")  # pragma: no cover
    with pytest.raises(ValueError, match=r"does not support sparse X.*'highs'"):
        QuantileRegressor(solver=dense_only[0]).fit(sp.csr_matrix(X), Y)


def test_penalty_factor_is_validated():
    with pytest.raises(ValueError, match="one entry per feature"):
        QuantileLasso(penalty_factor=[1.0, 2.0]).fit(X, Y)
    with pytest.raises(ValueError, match="non-negative"):
        QuantileLasso(penalty_factor=[1.0, -2.0, 1.0]).fit(X, Y)


def test_single_column_y_warns_and_fits():
    from sklearn.exceptions import DataConversionWarning

    with pytest.warns(DataConversionWarning):
        model = QuantileRegressor(solver="highs").fit(X, Y[:, None])
    assert model.coef_.shape == (3,)


@pytest.mark.parametrize("solver", available_solvers())
def test_fitted_attributes(solver):
    model = QuantileRegressor(tau=0.25, solver=solver).fit(X, Y)
    assert model.solver_ == solver
    assert model.certified_ and model.unique_
    assert model.dual_gap_ <= 1e-9
    # Every backend does some work on this problem (a simplex at least one pivot per
    # coefficient), and reports it.
    assert isinstance(model.n_iter_, int) and model.n_iter_ >= 1
    if solver == "br":
        assert model.n_iter_ >= X.shape[1] + 1
    # The basis rows are interpolated and there are as many as unknowns.
    assert len(model.basis_) == X.shape[1] + 1
    assert_allclose(model.predict(X[model.basis_]), Y[model.basis_], atol=1e-10)
    assert model.objective_ == pytest.approx(
        np.mean(np.where(Y >= model.predict(X), 0.25, -0.75) * (Y - model.predict(X)))
    )


def test_auto_resolves_into_fitted_attribute_only():
    model = QuantileRegressor().fit(X, Y)
    assert model.solver == "auto"
    assert model.solver_ in available_solvers()
    sparse_model = QuantileRegressor().fit(sp.csr_matrix(X), Y)
    assert get_solver(sparse_model.solver_).supports_sparse


def test_zero_weight_rows_are_ignored_and_basis_maps_back():
    w = np.ones(len(Y))
    w[::3] = 0.0
    full = QuantileRegressor(solver="highs").fit(X, Y, sample_weight=w)
    dropped = QuantileRegressor(solver="highs").fit(X[w > 0], Y[w > 0])
    assert_allclose(full.coef_, dropped.coef_)
    assert np.all(w[full.basis_] > 0)
    assert_allclose(full.predict(X[full.basis_]), Y[full.basis_], atol=1e-10)


def test_pandas_keeps_feature_names():
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = LADRegressor().fit(frame, pd.Series(Y))
    assert list(model.feature_names_in_) == ["a", "b", "c"]


def test_lad_is_quantile_at_half_and_lasso_at_zero_alpha():
    lad = LADRegressor(solver="highs").fit(X, Y)
    qr = QuantileRegressor(tau=0.5, solver="highs").fit(X, Y)
    lasso0 = LADLasso(alpha=0.0, solver="highs").fit(X, Y)
    assert_allclose(lad.coef_, qr.coef_)
    assert_allclose(lasso0.coef_, qr.coef_)


def test_alpha_matches_scikit_learn_scaling():
    from sklearn.linear_model import QuantileRegressor as SkQR

    for tau, alpha in [(0.5, 0.05), (0.8, 0.01)]:
        ours = QuantileLasso(tau=tau, alpha=alpha, solver="highs").fit(X, Y)
        theirs = SkQR(quantile=tau, alpha=alpha, solver="highs").fit(X, Y)
        ref = np.mean(
            np.where(Y >= theirs.predict(X), tau, tau - 1) * (Y - theirs.predict(X))
        ) + alpha * np.abs(theirs.coef_).sum()
        assert ours.objective_ == pytest.approx(ref, rel=1e-9)


def test_does_not_mutate_params_or_inputs():
    X_, y_, w_ = X.copy(), Y.copy(), np.linspace(0.1, 1, len(Y))
    pf = np.array([1.0, 0.0, 2.0])
    model = QuantileLasso(alpha=0.01, penalty_factor=pf, solver="highs")
    model.fit(X_, y_, sample_weight=w_)
    assert np.array_equal(X_, X) and np.array_equal(y_, Y)
    assert np.array_equal(pf, [1.0, 0.0, 2.0]) and model.penalty_factor is pf


def test_penalty_factor_zero_leaves_feature_unpenalized():
    model = QuantileLasso(alpha=10.0, penalty_factor=[0.0, 1.0, 1.0], solver="highs").fit(X, Y)
    assert model.coef_[0] != 0.0
    assert np.all(model.coef_[1:] == 0.0)


def test_pipeline_and_grid_search_over_tau_and_alpha():
    pipe = make_pipeline(StandardScaler(), QuantileLasso())
    grid = GridSearchCV(
        pipe,
        {"quantilelasso__tau": [0.25, 0.5], "quantilelasso__alpha": [0.001, 0.1]},
        scoring="neg_mean_absolute_error", cv=3,
    ).fit(X, Y)
    assert grid.best_params_["quantilelasso__tau"] == 0.5
    assert np.isfinite(grid.best_score_)


class _StopsEarly(Solver):
    name = "_test_stops_early"
    exact = False
    default_options = {}

    def solve(self, problem, warm_start=None):
        from sklearn_lad._problem import SolverResult, Status

        # Backends only report how they ended; run_solver turns the status into the warning.
        coef = np.zeros(problem.n_features)
        return SolverResult(coef=coef, intercept=0.0, objective=problem.objective(coef, 0.0),
                            status=Status.ITERATION_LIMIT, message="stopped at max_iter")


def test_convergence_warning_reaches_the_user():
    from sklearn_lad.solvers import _base

    _base.register_solver(_StopsEarly)
    try:
        with pytest.warns(ConvergenceWarning):
            QuantileRegressor(solver="_test_stops_early").fit(X, Y)
    finally:
        del _base._REGISTRY["_test_stops_early"]


EXACT = [name for name in available_solvers() if get_solver(name).exact]


def _assert_rank_scores(model, X_, y_, w, tau, alpha=0.0, factor=None):
    """``dual_`` is the certified dual: in the box, complementary, dual feasible, zero gap."""
    a = model.dual_
    assert a.shape == (len(y_),)
    assert np.all(a >= tau - 1.0) and np.all(a <= tau)
    residual = y_ - model.predict(X_)
    scale = 1e-9 * np.abs(y_).max()
    assert np.all(a[residual > scale] == tau) and np.all(a[residual < -scale] == tau - 1.0)
    W = w.sum()
    gradient = X_.T @ (w * a) / W  # the loss's subgradient, per column
    factor = np.ones(X_.shape[1]) if factor is None else np.asarray(factor, dtype=float)
    bound = alpha * factor
    # Free columns: X' (w a) = 0; penalised ones: inside [-alpha pf, alpha pf], and at the sign
    # of a non-zero coefficient.
    assert np.all(np.abs(gradient) <= bound + 1e-10)
    moved = model.coef_ != 0
    assert_allclose(gradient[moved], bound[moved] * np.sign(model.coef_[moved]), atol=1e-10)
    if model.fit_intercept:
        assert abs(w @ a) <= 1e-10 * W
    # Strong duality: the dual objective equals the primal one.
    penalty = alpha * factor @ np.abs(model.coef_)
    assert (w * a) @ y_ / W == pytest.approx(model.objective_, rel=1e-9)
    assert model.objective_ >= penalty


@pytest.mark.parametrize("solver", EXACT)
@pytest.mark.parametrize("tau", [0.25, 0.5])
def test_dual_is_the_regression_rank_scores(solver, tau):
    model = QuantileRegressor(tau=tau, solver=solver).fit(X, Y)
    _assert_rank_scores(model, X, Y, np.ones(len(Y)), tau)
    # The rows on the fit are the basis: there the score is strictly inside its box.
    inside = np.flatnonzero((model.dual_ > tau - 1.0) & (model.dual_ < tau))
    assert set(inside) <= set(model.basis_)


@pytest.mark.parametrize("solver", EXACT)
def test_dual_of_a_weighted_lasso(solver):
    rng = np.random.default_rng(3)
    w = rng.uniform(0.5, 2.0, size=len(Y))
    factor = [1.0, 0.0, 2.0]
    model = QuantileLasso(tau=0.7, alpha=0.05, penalty_factor=factor, solver=solver).fit(
        X, Y, sample_weight=w
    )
    _assert_rank_scores(model, X, Y, w, 0.7, alpha=0.05, factor=factor)


def test_dual_without_intercept():
    model = QuantileRegressor(tau=0.4, fit_intercept=False, solver="br").fit(X, Y)
    _assert_rank_scores(model, X, Y, np.ones(len(Y)), 0.4)
    assert abs(model.dual_.sum()) > 1e-6  # no intercept: the scores need not sum to 0


def test_dual_of_zero_weight_rows_follows_their_residual():
    w = np.ones(len(Y))
    w[::4] = 0.0
    model = QuantileRegressor(tau=0.3, solver="highs").fit(X, Y, sample_weight=w)
    reference = QuantileRegressor(tau=0.3, solver="highs").fit(X[w > 0], Y[w > 0])
    assert_allclose(model.dual_[w > 0], reference.dual_, atol=1e-12)
    residual = Y - model.predict(X)
    dropped = np.flatnonzero(w == 0)
    assert_array_equal(model.dual_[dropped], np.where(residual[dropped] > 0, 0.3, -0.7))
    # A zero-weight row exactly on the fit gets 0 (the subgradient convention of the losses).
    X_on = np.vstack([X, X[:1]])
    y_on = np.append(Y, model.predict(X[:1]))
    on_fit = QuantileRegressor(tau=0.3, solver="highs").fit(
        X_on, y_on, sample_weight=np.append(w, 0.0)
    )
    assert on_fit.dual_[-1] == 0.0
    # With the full weight vector (zeros included) the scores are still dual feasible.
    _assert_rank_scores(model, X, Y, w, 0.3)


def test_dual_is_none_when_the_fit_is_not_certified():
    from sklearn_lad.solvers import _base

    _base.register_solver(_StopsEarly)
    try:
        with pytest.warns(ConvergenceWarning):
            model = QuantileRegressor(solver="_test_stops_early").fit(X, Y)
    finally:
        del _base._REGISTRY["_test_stops_early"]
    assert not model.certified_ and model.dual_ is None


def test_quantile_lasso_doc_gives_the_quantreg_conversion_the_r_fixtures_confirm():
    """The docstring said lambda = alpha * n; R's fixtures (tools/make_r_reference.R) show
    that QuantileLasso(alpha=lambda / (2 n)) is rq(method="lasso", lambda=lambda)."""
    import json
    from pathlib import Path

    flat = " ".join(QuantileLasso.__doc__.split())
    assert "alpha = lambda / (2 * n_samples)" in flat and "alpha * n_samples" not in flat
    data = Path(__file__).parent / "data"
    record = json.loads((data / "r_rq_lasso.json").read_text())[0]
    table = np.loadtxt(data / f"{record['dataset']}.csv", delimiter=",", skiprows=1, ndmin=2)
    X_r, y_r = table[:, :-1], table[:, -1]
    alpha = record["lambda"] / (2 * len(y_r))
    model = QuantileLasso(tau=record["tau"], alpha=alpha, solver="highs").fit(X_r, y_r)
    assert model.objective_ == pytest.approx(record["objective_vertex"], rel=1e-9)
