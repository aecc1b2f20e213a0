"""Scikit-learn estimators for least absolute deviations and quantile regression.

All four estimators minimise the one objective of ``sklearn_lad._objective``; they differ only in
which of its parameters they expose. Fitting is thin: validate, build a
:class:`~sklearn_lad._problem.QuantileProblem`, hand it to the backend named by ``solver``
(``sklearn_lad.solvers``), store what it returns.

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
Gutenbrunner, C. and Jureckova, J. (1992). Regression rank scores and regression quantiles.
Annals of Statistics 20(1), 305-330.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._problem import QuantileProblem, SolverResult
from ._tolerances import is_zero_residual, residual_scale
from ._validation import ZeroWeightRows, build_problem
from ._working_set import solve_with_working_set, use_working_set
from .solvers import get_solver, run_solver

__all__ = ["QuantileRegressor", "LADRegressor", "QuantileLasso", "LADLasso"]


def _rank_scores(
    problem: QuantileProblem, result: SolverResult, zero_weight: ZeroWeightRows | None
) -> np.ndarray | None:
    """The regression rank scores ``a_i = d_i / w_i`` of every training row, or ``None``.

    ``d`` is the certified dual of the augmented LP (``_certificate.py``): ``d_i`` lies in
    ``[-(1 - tau) w_i, tau w_i]``, so ``a_i`` lies in ``[tau - 1, tau]`` (clipped there against
    the certificate's rounding slack); the penalty's pseudo-rows are left out. A row dropped for
    its zero weight has an empty box; it gets the value its residual's sign implies, ``tau``
    above the fit and ``tau - 1`` below, and 0 (the subgradient convention of
    ``sklearn_lad.losses``; any value in the box is consistent) on the fit.
    """
    if not result.certified or result.dual is None:
        return None
    tau, n = problem.tau, problem.n_samples
    scores = np.clip(np.asarray(result.dual[:n]) / problem.weights, tau - 1.0, tau)
    if zero_weight is None:
        return scores
    full = np.empty(zero_weight.n_rows)
    full[zero_weight.kept] = scores
    fitted = np.asarray(zero_weight.X @ result.coef).ravel() + result.intercept
    residual = zero_weight.y - fitted
    sign_score = np.where(residual > 0, tau, tau - 1.0)
    zero = is_zero_residual(residual, residual_scale(zero_weight.y, fitted))
    full[zero_weight.dropped] = np.where(zero, 0.0, sign_score)
    return full


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
            times, a weight of 0 the same as removing it. Only ratios of weights matter (the
            objective divides by ``sum(w)``), so they are first rescaled, exactly, by the power
            of two that brings the largest into [0.5, 1): weights like 1e308, whose sum
            overflows, fit like any others.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        problem, zero_weight = build_problem(
            self, X, y, sample_weight, tau=self._tau(), alpha=self._alpha(),
            penalty_factor=self._penalty_factor(), fit_intercept=self.fit_intercept,
        )
        return self._solve_and_store(problem, zero_weight)

    def _solve_and_store(self, problem: QuantileProblem, zero_weight: ZeroWeightRows | None):
        """Run the backend on ``problem`` and store the fitted attributes; returns ``self``."""
        # run_solver warns (ConvergenceWarning) when the backend stopped early or its point
        # could not be certified.
        if use_working_set(problem, self.solver):
            # p >> n with a penalty: exact fits on a working set of features, certified for
            # the full problem (_working_set.py); same answer as the full fit, faster.
            result, solver_name = solve_with_working_set(problem, self.solver, self.solver_options)
        else:
            result, solver_name = run_solver(self.solver, problem, self.solver_options)
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
            if zero_weight is not None:
                basis = zero_weight.kept[basis]
        self.basis_ = basis
        self.dual_ = _rank_scores(problem, result, zero_weight)
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
    dual_ : ndarray of shape (n_samples,) or None
        The regression rank scores (Gutenbrunner & Jureckova 1992): the certified optimal dual
        of the LP, divided by each row's weight, one value per training row, in
        ``[tau - 1, tau]``. A row above the fit has ``tau``, a row below ``tau - 1``, a row on
        the fit (in ``basis_``) a value in between. They are dual feasible:
        ``X.T @ (sample_weight * dual_)`` is 0 on the unpenalised columns, at most
        ``alpha * penalty_factor_j * sum(sample_weight)`` in absolute value on the penalised
        ones, and ``sample_weight @ dual_ = 0`` with an intercept. Rows of weight 0 take the
        value their residual's sign implies (0 on the fit). ``None`` when the fit is not
        certified.
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
    scikit-learn's ``QuantileRegressor``'s, so ``alpha`` values carry over. R's
    ``quantreg::rq(method="lasso", lambda=lambda)`` minimises the unscaled
    ``sum_i rho_tau(r_i) + (lambda / 2) * sum_j |b_j|``, so it matches
    ``alpha = lambda / (2 * n_samples)`` (with unit weights).

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
