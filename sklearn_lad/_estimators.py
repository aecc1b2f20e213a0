"""Scikit-learn estimators for least absolute deviations and quantile regression.

All four estimators minimise the one objective of ``sklearn_lad._objective``; they differ only in
which of its parameters they expose. Fitting is thin: validate, build a
:class:`~sklearn_lad._problem.QuantileProblem`, hand it to the backend named by ``solver``
(``sklearn_lad.solvers``), store what it returns.

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._problem import QuantileProblem
from .solvers import get_solver, run_solver

__all__ = ["QuantileRegressor", "LADRegressor", "QuantileLasso", "LADLasso"]


def check_penalty_factor(penalty_factor, n_features: int) -> np.ndarray | None:
    """Validate ``penalty_factor`` against the number of features; ``None`` stays ``None``."""
    if penalty_factor is None:
        return None
    factor = np.asarray(penalty_factor, dtype=float)
    if factor.ndim != 1 or factor.shape[0] != n_features:
        raise ValueError(
            f"penalty_factor must have one entry per feature: expected shape ({n_features},), "
            f"got {factor.shape}."
        )
    if not np.all(np.isfinite(factor)) or np.any(factor < 0):
        raise ValueError("penalty_factor must be finite and non-negative.")
    return factor


def build_problem(estimator, X, y, sample_weight, tau: float, alpha: float, penalty_factor):
    """Validate data and weights and build the problem; returns ``(problem, kept_rows)``.

    Rows with zero weight are dropped here (they do not change the objective and must not
    change the answer), so backends only ever see strictly positive weights.
    """
    X, y = validate_data(
        estimator, X, y, accept_sparse=["csr", "csc"], dtype=np.float64, y_numeric=True,
        multi_output=False,
    )
    kept = None
    weights = None
    if sample_weight is not None:
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if np.any(weights < 0):
            raise ValueError(
                f"sample_weight must be non-negative (smallest is {weights.min():g}); a weight "
                "is a count of repetitions, so use 0 to drop a sample."
            )
        if not weights.sum() > 0:
            raise ValueError(
                "sample_weight sums to zero; give at least one sample a positive weight."
            )
        kept = np.flatnonzero(weights > 0)
        if kept.size < X.shape[0]:
            X, y, weights = X[kept], y[kept], weights[kept]
        else:
            kept = None
    problem = QuantileProblem(
        X=X, y=y, tau=float(tau), alpha=float(alpha), sample_weight=weights,
        fit_intercept=bool(estimator.fit_intercept),
        penalty_factor=check_penalty_factor(penalty_factor, X.shape[1]),
    )
    return problem, kept


class _QuantileLinearModel(RegressorMixin, BaseEstimator):
    """Shared fit/predict of every linear quantile estimator in sklearn-lad."""

    _parameter_constraints: dict = {
        "fit_intercept": ["boolean"],
        "solver": [str],
        "solver_options": [dict, None],
    }

    # Set by subclasses that fix tau or alpha instead of exposing them.
    def _tau(self) -> float:
        return self.tau

    def _alpha(self) -> float:
        return getattr(self, "alpha", 0.0)

    def _penalty_factor(self):
        return getattr(self, "penalty_factor", None)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse input needs a backend that accepts it (``solver="auto"``
            picks one).
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; a weight of ``k`` is the same as repeating the row ``k``
            times, a weight of 0 the same as removing it.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        problem, kept = build_problem(
            self, X, y, sample_weight, self._tau(), self._alpha(), self._penalty_factor()
        )
        return self._solve_and_store(problem, kept)

    def _solve_and_store(self, problem: QuantileProblem, kept):
        """Run the backend on ``problem`` and store the fitted attributes; returns ``self``."""
        result, solver_name = run_solver(self.solver, problem, self.solver_options)
        if get_solver(solver_name).exact and result.converged and not result.certified:
            warnings.warn(
                f"solver={solver_name!r} returned a point whose optimality could not be "
                f"certified ({result.message}). Try solver='highs' or tighter solver_options.",
                ConvergenceWarning, stacklevel=3,
            )
        self.coef_ = result.coef
        self.intercept_ = float(result.intercept)
        self.n_iter_ = int(result.n_iter)
        self.solver_ = solver_name
        self.objective_ = float(result.objective)
        self.dual_gap_ = float(result.gap)
        self.certified_ = bool(result.certified)
        self.unique_ = result.unique
        basis = None
        if result.basis is not None:
            basis = np.asarray(result.basis, dtype=np.intp)
            basis = basis[basis < problem.n_samples]  # drop penalty pseudo-observations
            if kept is not None:
                basis = kept[basis]
        self.basis_ = basis
        return self

    def predict(self, X):
        """Predict the conditional ``tau``-quantile.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to predict.

        Returns
        -------
        ndarray of shape (n_samples,)
            ``intercept_ + X @ coef_``, the estimated ``tau``-quantile of ``y`` given ``X``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=np.float64, reset=False)
        return np.asarray(X @ self.coef_).ravel() + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            cls = get_solver(self.solver) if self.solver != "auto" else None
        except (ValueError, ImportError):
            cls = None
        tags.input_tags.sparse = cls is None or cls.supports_sparse
        return tags


_FITTED_DOC = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Estimated coefficients.
    intercept_ : float
        Estimated intercept (0.0 when ``fit_intercept=False``).
    n_iter_ : int
        Iterations the backend ran (pivots, Newton steps, reweightings, ...).
    solver_ : str
        The backend that ran (``"auto"`` resolved).
    objective_ : float
        The objective at the solution.
    dual_gap_ : float
        Duality gap of the returned point's certificate (``nan`` when not certified).
    certified_ : bool
        Whether optimality was proved by a dual certificate.
    unique_ : bool or None
        Whether the optimum is unique. When it is not, the minimum-norm point of the set of
        optimal solutions is returned, so the answer does not depend on the backend or on
        whether rows were weighted or repeated. ``None`` when undecided.
    basis_ : ndarray of int or None
        Indices of the training samples the fit interpolates (zero residual).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
"""


class QuantileRegressor(_QuantileLinearModel):
    __doc__ = """Linear quantile regression.

    Minimises ``(1 / sum(w)) * sum_i w_i * rho_tau(y_i - b0 - x_i . b)``, the check-function
    loss of Koenker & Bassett (1978), exactly.

    Parameters
    ----------
    tau : float, default=0.5
        Quantile to estimate, in (0, 1). ``tau=0.5`` is median (LAD) regression.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    solver : str, default="auto"
        Backend: ``"auto"`` or one of :func:`sklearn_lad.available_solvers`.
    solver_options : dict, default=None
        Backend-specific options (see each backend's documentation).
""" + _FITTED_DOC + """
    See Also
    --------
    LADRegressor : The same with ``tau=0.5``.
    QuantileLasso : The same with an L1 penalty.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0.0, 1.0, 2.0, 30.0])
    >>> model = QuantileRegressor(tau=0.5, solver="highs").fit(X, y)
    >>> model.predict([[4.0]]).round(6)
    array([4.])
    """

    _parameter_constraints: dict = {
        **_QuantileLinearModel._parameter_constraints,
        "tau": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(self, tau=0.5, *, fit_intercept=True, solver="auto", solver_options=None):
        self.tau = tau
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.solver_options = solver_options


class LADRegressor(_QuantileLinearModel):
    __doc__ = """Least absolute deviations (median) regression.

    Minimises ``(1 / sum(w)) * sum_i w_i * |y_i - b0 - x_i . b| / 2``, i.e.
    :class:`QuantileRegressor` at ``tau=0.5``.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    solver : str, default="auto"
        Backend: ``"auto"`` or one of :func:`sklearn_lad.available_solvers`.
    solver_options : dict, default=None
        Backend-specific options.
""" + _FITTED_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import LADRegressor
    >>> X = np.arange(5.0).reshape(-1, 1)
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 100.0])
    >>> LADRegressor(solver="highs").fit(X, y).coef_.round(6)
    array([2.])
    """

    tau = 0.5

    def __init__(self, *, fit_intercept=True, solver="auto", solver_options=None):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.solver_options = solver_options


class QuantileLasso(_QuantileLinearModel):
    __doc__ = """L1-penalised linear quantile regression.

    Minimises ``(1 / sum(w)) * sum_i w_i * rho_tau(y_i - b0 - x_i . b)
    + alpha * sum_j penalty_factor_j * |b_j|`` (the intercept is not penalised). The scaling is
    scikit-learn's ``QuantileRegressor``'s, so ``alpha`` values carry over; R's
    ``quantreg::rq(method="lasso")`` penalises the unscaled sum, so its ``lambda`` is
    ``alpha * n_samples``.

    Parameters
    ----------
    tau : float, default=0.5
        Quantile to estimate, in (0, 1).
    alpha : float, default=1.0
        Penalty strength, >= 0.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature multipliers of ``alpha`` (glmnet's name): 0 leaves a feature
        unpenalised; weights from an initial fit give the adaptive lasso.
    solver : str, default="auto"
        Backend: ``"auto"`` or one of :func:`sklearn_lad.available_solvers`.
    solver_options : dict, default=None
        Backend-specific options.
""" + _FITTED_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 5))
    >>> y = X[:, 0] + 0.1 * rng.standard_t(3, size=100)
    >>> model = QuantileLasso(tau=0.5, alpha=0.1, solver="highs").fit(X, y)
    >>> int(np.sum(model.coef_ != 0))
    1
    """

    _parameter_constraints: dict = {
        **_QuantileLinearModel._parameter_constraints,
        "tau": [Interval(Real, 0, 1, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self, tau=0.5, *, alpha=1.0, fit_intercept=True, penalty_factor=None, solver="auto",
        solver_options=None,
    ):
        self.tau = tau
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.solver = solver
        self.solver_options = solver_options


class LADLasso(_QuantileLinearModel):
    __doc__ = """L1-penalised least absolute deviations regression (:class:`QuantileLasso` at 0.5).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature multipliers of ``alpha``.
    solver : str, default="auto"
        Backend: ``"auto"`` or one of :func:`sklearn_lad.available_solvers`.
    solver_options : dict, default=None
        Backend-specific options.
""" + _FITTED_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import LADLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 5))
    >>> y = 2 * X[:, 1] + rng.laplace(size=100)
    >>> model = LADLasso(alpha=0.1, solver="highs").fit(X, y)
    >>> float(model.coef_[1].round(1))
    1.9
    """

    tau = 0.5

    _parameter_constraints: dict = {
        **_QuantileLinearModel._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self, *, alpha=1.0, fit_intercept=True, penalty_factor=None, solver="auto",
        solver_options=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.solver = solver
        self.solver_options = solver_options
