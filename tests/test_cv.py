"""QuantileLassoCV / LADLassoCV, and tuning tau and alpha with scikit-learn's model selection."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import shuffle

from sklearn_lad import (
    LADLassoCV,
    QuantileLasso,
    QuantileLassoCV,
    QuantileRegressor,
    alpha_max,
    quantile_path,
)
from sklearn_lad._objective import rho
from sklearn_lad.losses import neg_pinball_loss_at_own_tau

from ._cases import make_regression_data


def _sparse_truth(n=120, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = 3.0 * X[:, 0] - 2.0 * X[:, 1] + rng.standard_t(2, size=n)
    return X, y


def test_fitted_attributes_and_refit():
    X, y = _sparse_truth()
    model = QuantileLassoCV(tau=0.3, n_alphas=15, cv=4).fit(X, y)
    assert model.alphas_.shape == (15,)
    assert model.pinball_path_.shape == (15, 4)
    assert model.alphas_[0] == pytest.approx(alpha_max(X, y, tau=0.3), rel=1e-12)
    assert model.alpha_ == model.alphas_[model.cv_index_]
    mean = model.pinball_path_.mean(axis=1)
    assert mean[model.cv_index_] == pytest.approx(mean.min(), rel=1e-9)
    refit = QuantileLasso(tau=0.3, alpha=model.alpha_, solver=model.solver_).fit(X, y)
    assert_allclose(model.coef_, refit.coef_, rtol=1e-10, atol=1e-12)
    assert model.intercept_ == pytest.approx(refit.intercept_)
    assert model.certified_ and model.n_features_in_ == 6
    for name in ("objective_", "dual_gap_", "unique_", "basis_", "n_iter_", "solver_"):
        assert hasattr(model, name)
    assert set(np.flatnonzero(model.coef_)) >= {0, 1}


def test_pinball_path_is_the_held_out_loss_of_each_fold_path():
    X, y = _sparse_truth(n=60, p=3, seed=1)
    rng = np.random.default_rng(1)
    w = rng.uniform(0.5, 2.0, size=60)
    model = QuantileLassoCV(tau=0.7, n_alphas=6, cv=3).fit(X, y, sample_weight=w)
    for fold, (train, test) in enumerate(KFold(3).split(X)):
        _, coefs, intercepts = quantile_path(
            X[train], y[train], tau=0.7, alphas=model.alphas_, sample_weight=w[train]
        )
        pred = X[test] @ coefs + intercepts
        loss = w[test] @ rho(y[test][:, None] - pred, 0.7) / w[test].sum()
        assert_allclose(model.pinball_path_[:, fold], loss, rtol=1e-10)


def test_lad_lasso_cv_is_quantile_lasso_cv_at_median():
    X, y = _sparse_truth(seed=2)
    lad = LADLassoCV(n_alphas=10, cv=3).fit(X, y)
    qlc = QuantileLassoCV(tau=0.5, n_alphas=10, cv=3).fit(X, y)
    assert lad.alpha_ == qlc.alpha_
    assert_allclose(lad.coef_, qlc.coef_)
    assert_allclose(lad.pinball_path_, qlc.pinball_path_)


def test_given_alphas_cv_objects_and_n_jobs():
    X, y = _sparse_truth(seed=3)
    alphas = [0.5, 0.01, 0.1]
    a = QuantileLassoCV(alphas=alphas, cv=KFold(3, shuffle=True, random_state=0)).fit(X, y)
    assert_array_equal(a.alphas_, [0.5, 0.1, 0.01])
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    b = QuantileLassoCV(alphas=alphas, cv=splits, n_jobs=2).fit(X, y)
    assert_allclose(a.pinball_path_, b.pinball_path_)
    assert a.alpha_ == b.alpha_


@pytest.mark.parametrize("seed", range(6))
def test_weighted_equals_repeated_with_explicit_splits(seed):
    """scikit-learn's check, on more seeds: weights act as repetitions in fits and losses."""
    rng = np.random.RandomState(seed)
    n = 15
    X = rng.rand(n, 4)
    y = rng.randint(0, 3, size=n).astype(float)
    sw = rng.randint(0, 4, size=n)
    sw[0] = max(sw[0], 1)
    X_rep, y_rep = X.repeat(sw, axis=0), y.repeat(sw)
    X_w, y_w, sw_w = shuffle(X, y, sw, random_state=seed)
    # Group 0 holds the weighted (or repeated) rows, groups 1 and 2 copies of the data.
    X_w, y_w = np.vstack([X_w, X, X]), np.concatenate([y_w, y, y])
    sw_w = np.concatenate([sw_w, np.ones(2 * n)])
    X_rep, y_rep = np.vstack([X_rep, X, X]), np.concatenate([y_rep, y, y])

    def splits(m):
        groups = np.concatenate([np.zeros(m), np.ones(n), np.full(n, 2)])
        return [(np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in range(3)]

    weighted = QuantileLassoCV(tau=0.4, n_alphas=20, cv=splits(n)).fit(
        X_w, y_w, sample_weight=sw_w
    )
    repeated = QuantileLassoCV(tau=0.4, n_alphas=20, cv=splits(sw.sum())).fit(X_rep, y_rep)
    assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-9)
    assert_allclose(weighted.pinball_path_, repeated.pinball_path_, rtol=1e-9, atol=1e-12)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-7, atol=1e-9)


def test_zero_weight_rows_are_left_out_of_fits_and_losses():
    X, y = _sparse_truth(n=40, p=3, seed=4)
    w = np.ones(40)
    w[::4] = 0.0
    keep = w > 0
    splits = list(KFold(4).split(X))
    kept_index = np.cumsum(keep) - 1
    splits_kept = [(kept_index[tr[keep[tr]]], kept_index[te[keep[te]]]) for tr, te in splits]
    full = QuantileLassoCV(n_alphas=8, cv=splits).fit(X, y, sample_weight=w)
    dropped = QuantileLassoCV(n_alphas=8, cv=splits_kept).fit(X[keep], y[keep])
    assert_allclose(full.pinball_path_, dropped.pinball_path_, rtol=1e-10)
    assert_allclose(full.coef_, dropped.coef_)
    assert np.all(w[full.basis_] > 0)


def test_penalty_factor_and_adaptive_lasso_in_cv():
    """The adaptive lasso: 1 / |b_j| from an unpenalised fit; factor 0 never penalised."""
    X, y = _sparse_truth(n=200, p=6, seed=0)
    initial = QuantileRegressor().fit(X, y).coef_
    factor = 1.0 / np.abs(initial)
    adaptive = QuantileLassoCV(n_alphas=20, penalty_factor=factor).fit(X, y)
    assert_array_equal(np.flatnonzero(adaptive.coef_), [0, 1])
    factor[4] = 0.0
    kept = QuantileLassoCV(n_alphas=20, penalty_factor=factor).fit(X, y)
    assert kept.coef_[4] != 0.0


def test_cv_errors():
    X, y = _sparse_truth(n=20, p=2)
    with pytest.raises(ValueError, match="n_alphas"):
        QuantileLassoCV(n_alphas=0).fit(X, y)
    with pytest.raises(ValueError, match="alphas"):
        QuantileLassoCV(alphas=[-1.0]).fit(X, y)
    with pytest.raises(ValueError, match="tau"):
        QuantileLassoCV(tau=1.5).fit(X, y)
    with pytest.raises(ValueError, match="Unknown solver"):
        QuantileLassoCV(solver="nope").fit(X, y)
    w = np.ones(20)
    w[:10] = 0.0
    splits = [(np.arange(10), np.arange(10, 20))]
    with pytest.raises(ValueError, match="no training sample"):
        QuantileLassoCV(cv=splits).fit(X, y, sample_weight=w)


# ------------------------------------------------------------------------------------------
# Tuning tau and alpha with GridSearchCV (the flow of examples/tune_tau_alpha.py)
# ------------------------------------------------------------------------------------------


def _grid(scoring):
    pipe = Pipeline([("scale", StandardScaler()), ("model", QuantileLasso())])
    grid = {"model__tau": [0.25, 0.5, 0.75], "model__alpha": [1e-3, 1e-2, 1e-1]}
    return GridSearchCV(pipe, grid, scoring=scoring, cv=3)


def test_grid_search_over_tau_and_alpha_with_mae_prefers_the_median():
    X, y = make_regression_data(150, 4, seed=0, noise="laplace")
    search = _grid("neg_mean_absolute_error").fit(X, y)
    assert search.best_params_["model__tau"] == 0.5
    assert search.cv_results_["mean_test_score"].shape == (9,)


def test_grid_search_with_pinball_loss_at_each_candidates_own_tau():
    X, y = make_regression_data(150, 4, seed=1)
    search = _grid(neg_pinball_loss_at_own_tau).fit(X, y)
    best = search.best_estimator_
    # The score of the refitted best pipeline is its pinball loss at its own tau.
    tau = best.named_steps["model"].tau
    residual = y - best.predict(X)
    assert neg_pinball_loss_at_own_tau(best, X, y) == pytest.approx(-rho(residual, tau).mean())
    # Each candidate is scored at its own level: a tau=0.25 candidate's fold score is the
    # pinball loss at 0.25 of that candidate, refitted here on the fold by hand.
    results = search.cv_results_
    for k, params in enumerate(results["params"]):
        for fold, (train, test) in enumerate(KFold(3).split(X)):
            model = clone(search.estimator).set_params(**params).fit(X[train], y[train])
            own = -rho(y[test] - model.predict(X[test]), params["model__tau"]).mean()
            assert results[f"split{fold}_test_score"][k] == pytest.approx(own, rel=1e-9)


def test_cv_estimator_inside_pipeline_and_grid_over_tau():
    X, y = _sparse_truth(n=90, p=4, seed=6)
    pipe = Pipeline([("scale", StandardScaler()), ("model", QuantileLassoCV(n_alphas=8, cv=3))])
    search = GridSearchCV(pipe, {"model__tau": [0.3, 0.7]}, scoring=neg_pinball_loss_at_own_tau,
                          cv=3).fit(X, y)
    model = search.best_estimator_.named_steps["model"]
    # The refitted CV estimator picked the grid value with the smallest mean held-out loss,
    # at the tau the outer search chose (the best mean score among the two).
    taus = [params["model__tau"] for params in search.cv_results_["params"]]
    assert model.tau == taus[int(np.argmax(search.cv_results_["mean_test_score"]))]
    mean = model.pinball_path_.mean(axis=1)
    assert model.alpha_ == model.alphas_[int(np.argmin(mean))]
    assert model.alphas_[0] == pytest.approx(
        alpha_max(StandardScaler().fit_transform(X), y, tau=model.tau), rel=1e-9
    )


@pytest.mark.parametrize("cls", [QuantileLassoCV, LADLassoCV])
def test_default_grid_and_folds(cls):
    """The defaults (100 alphas, 5 folds), which the common checks replace by a small grid."""
    X, y = _sparse_truth(n=60, p=3, seed=9)
    model = cls().fit(X, y)
    assert model.alphas_.shape == (100,) and model.pinball_path_.shape == (100, 5)
    assert model.alphas_[-1] == pytest.approx(1e-3 * model.alphas_[0], rel=1e-12)
    assert model.certified_ and model.alpha_ == model.alphas_[model.cv_index_]


def test_folds_share_route_costs_and_switching_routes_keeps_the_losses(monkeypatch):
    """The folds' paths choose routes from one RouteCosts; forcing the backend at every other
    grid value (the dense-truth case) changes no held-out loss."""
    import sklearn_lad._cv as cv_module
    import sklearn_lad._path as path_module

    made = []

    class Alternating(path_module.RouteCosts):
        def __init__(self):
            super().__init__()
            made.append(self)

        def prefer_homotopy(self, changes):
            return len(self.routes) % 2 == 0

    rng = np.random.default_rng(4)
    X = rng.standard_normal((90, 5))
    y = X @ rng.standard_normal(5) + rng.standard_t(3, size=90)
    expected = QuantileLassoCV(tau=0.4, n_alphas=10, cv=3).fit(X, y)
    monkeypatch.setattr(cv_module, "RouteCosts", Alternating)
    model = QuantileLassoCV(tau=0.4, n_alphas=10, cv=3).fit(X, y)
    assert len(made) == 1  # one for all folds
    routes = made[0].routes
    assert len(routes) == 30 and {"homotopy", "solve"} <= set(routes)
    assert_allclose(model.pinball_path_, expected.pinball_path_, rtol=1e-10, atol=1e-14)
    assert model.alpha_ == expected.alpha_
