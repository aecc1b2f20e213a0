"""Problem generators shared by the conformance and estimator tests."""

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st

from sklearn_lad._problem import QuantileProblem

DESIGNS = ("gaussian", "integer", "duplicated", "collinear", "constant", "wide")


def _design(design: str, rng, n: int, p: int) -> np.ndarray:
    X = rng.standard_normal((n, p))
    if design == "integer":
        X = rng.integers(-2, 3, size=(n, p)).astype(float)
    elif design == "duplicated":
        X = np.repeat(X[: max(1, n // 3)], 3, axis=0)[:n]
    elif design == "collinear" and p >= 2:
        X[:, 1] = 2.0 * X[:, 0]
    elif design == "constant":
        X[:, 0] = 3.0
    return X


def _targets(noise: str, rng, X: np.ndarray) -> np.ndarray:
    n, p = X.shape
    coef = rng.standard_normal(p)
    if noise == "t":
        return X @ coef + rng.standard_t(2, size=n)
    if noise == "integer":
        return np.round(X @ coef + rng.standard_t(2, size=n))
    return rng.integers(0, 3, size=n).astype(float)


@st.composite
def problems(draw, sparse_ok: bool = True, l1_ok: bool = True):
    """Random small quantile-regression problems, degenerate ones on purpose."""
    design = draw(st.sampled_from(DESIGNS))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = draw(st.integers(1, 5))
    n = draw(st.integers(p + 1, 40)) if design != "wide" else draw(st.integers(1, p + 2))
    if design == "wide":
        p = p + 4
    X = _design(design, rng, n, p)
    n = X.shape[0]
    y = _targets(draw(st.sampled_from(["t", "integer", "tied"])), rng, X)
    tau = draw(st.sampled_from([0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) | st.floats(0.02, 0.98))
    weights = draw(st.sampled_from(["none", "integer", "float"]))
    sample_weight = None
    if weights == "integer":
        sample_weight = rng.integers(0, 4, size=n).astype(float)
        sample_weight[rng.integers(n)] = 1.0
        keep = sample_weight > 0
        X, y, sample_weight = X[keep], y[keep], sample_weight[keep]
    elif weights == "float":
        sample_weight = rng.uniform(0.1, 3.0, size=n)
    alpha = 0.0
    if l1_ok and draw(st.booleans()):
        alpha = draw(st.sampled_from([1e-3, 0.01, 0.1, 1.0]))
    fit_intercept = draw(st.booleans()) if design != "constant" else True
    if sparse_ok and draw(st.booleans()):
        X = sp.csr_matrix(X)
    return QuantileProblem(
        X=X, y=y, tau=float(tau), alpha=alpha, sample_weight=sample_weight,
        fit_intercept=fit_intercept,
    )


def make_regression_data(n: int, p: int, seed: int = 0, noise: str = "t"):
    """Heavy-tailed linear data: ``y = X @ 1 + t(3)`` noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    eps = rng.standard_t(3, size=n) if noise == "t" else rng.laplace(size=n)
    return X, X @ np.ones(p) + eps


# -- p >> n: the cases of issue 10's conformance item, one data set per name ---------------------

def _wide_ties(rng, X, y, w, pf):
    return np.round(X), np.round(y), w, pf  # integer data: tied residuals at every vertex


def _wide_duplicated(rng, X, y, w, pf):
    X = X.copy()
    X[:, 10] = X[:, 0]  # a duplicate of a true feature: the optimal set is not a point
    X[:, 30] = -X[:, 1]
    X[:, 40] = 2.0 * X[:, 2]
    return X, y, w, pf


def _wide_zero(rng, X, y, w, pf):
    X = X.copy()
    X[:, [20, 21, 119]] = 0.0
    return X, y, w, pf


def _wide_weights(rng, X, y, w, pf):
    return X, y, rng.uniform(0.2, 3.0, X.shape[0]), pf


def _wide_unpenalised(rng, X, y, w, pf):
    pf = rng.uniform(0.5, 2.0, X.shape[1])
    pf[[0, 5, 7]] = 0.0  # a true feature and two noise features are never shrunk
    return X, y, w, pf


def _wide_all(rng, X, y, w, pf):
    for change in (_wide_ties, _wide_duplicated, _wide_zero, _wide_weights, _wide_unpenalised):
        X, y, w, pf = change(rng, X, y, w, pf)
    return X, y, w, pf


#: ``name -> change`` applied to the base p >> n data of :func:`wide_problem`.
WIDE_CASES = {
    "ties": _wide_ties, "duplicated_columns": _wide_duplicated, "zero_columns": _wide_zero,
    "weights": _wide_weights, "penalty_factor_0": _wide_unpenalised, "all_of_them": _wide_all,
}


def wide_problem(case: str, fraction: float, tau: float = 0.5, fit_intercept: bool = True,
                 n: int = 25, p: int = 120, seed: int = 0) -> QuantileProblem:
    """A p >> n lasso problem (3 true features, t(3) noise) at ``alpha_max / fraction``."""
    from sklearn_lad import alpha_max

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, :3] @ np.array([1.5, -1.0, 0.5]) + rng.standard_t(3, n)
    X, y, w, pf = WIDE_CASES[case](rng, X, y, None, None)
    alpha = alpha_max(X, y, tau, w, fit_intercept, pf) / fraction
    return QuantileProblem(X=X, y=y, tau=tau, alpha=alpha, sample_weight=w,
                           fit_intercept=fit_intercept, penalty_factor=pf)
