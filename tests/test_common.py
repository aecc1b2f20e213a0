"""scikit-learn's estimator checks for every public estimator with every available backend."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.utils import shuffle
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lad import (
    LADLasso,
    LADLassoCV,
    LADRegressor,
    QuantileLasso,
    QuantileLassoCV,
    QuantileRegressor,
    available_solvers,
)

ESTIMATORS = [QuantileRegressor, LADRegressor, QuantileLasso, LADLasso, QuantileLassoCV, LADLassoCV]


# Like scikit-learn's own test-instance generator (sklearn.utils._test_common.instance_generator
# sets e.g. a small max_iter or n_estimators), the CV estimators get a small grid and three folds
# for the common checks: the same code runs (alpha_max, the grid, every fold's path, the
# selection and the refit), on 5 x 3 instead of 100 x 5 fits per `fit`. Their defaults are
# exercised in tests/test_cv.py.
SMALL_CHECK_PARAMS = {
    QuantileLassoCV: {"n_alphas": 5, "cv": 3},
    LADLassoCV: {"n_alphas": 5, "cv": 3},
}


def _instances():
    for solver in ["auto", *available_solvers()]:
        for cls in ESTIMATORS:
            yield cls(solver=solver, **SMALL_CHECK_PARAMS.get(cls, {}))


@parametrize_with_checks(list(_instances()))
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("solver", ["auto", *available_solvers()])
@pytest.mark.parametrize("make", [
    lambda s: QuantileRegressor(solver=s),
    lambda s: QuantileRegressor(tau=0.3, solver=s),
    lambda s: QuantileLasso(tau=0.7, alpha=0.01, solver=s),
    lambda s: LADLasso(alpha=1.0, solver=s),
], ids=["median", "tau0.3", "lasso0.7", "ladlasso"])
@pytest.mark.parametrize("shape", [(15, 30), (40, 3)], ids=["wide", "tall"])
def test_weighted_equals_repeated_on_many_seeds(solver, make, shape):
    """scikit-learn's weighted-vs-repeated check, on 20 seeds instead of its one.

    The optimum is often a whole face here (n < p, integer y with ties), so this only holds
    because every backend returns the same canonical point of the optimal set.
    """
    n_samples, n_features = shape
    for seed in range(20):
        rng = np.random.RandomState(seed)
        X = rng.rand(n_samples, n_features)
        y = rng.randint(0, 3, size=n_samples).astype(float)
        sw = rng.randint(0, 5, size=n_samples)
        if sw.sum() == 0:
            sw[0] = 1
        X_rep, y_rep = X.repeat(sw, axis=0), y.repeat(sw)
        X_w, y_w, sw_w = shuffle(X, y, sw, random_state=seed)
        repeated = make(solver).fit(X_rep, y_rep)
        weighted = make(solver).fit(X_w, y_w, sample_weight=sw_w)
        assert_allclose(
            repeated.predict(X), weighted.predict(X), rtol=1e-7, atol=1e-9,
            err_msg=f"seed={seed}",
        )
