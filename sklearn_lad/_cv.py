"""Cross-validated L1-penalised quantile regression: ``alpha`` chosen on the regularisation path.

For every fold the whole path (:func:`sklearn_lad.quantile_path`, one grid for all folds, from
the full data's ``alpha_max``) is fitted on the training part and scored by the weighted mean
pinball loss at the estimator's ``tau`` on the held-out part; ``alpha_`` minimises the mean over
folds and the model is refitted on all data at ``alpha_``, as scikit-learn's ``LassoCV`` does for
the squared loss.

References
----------
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
Li, Y. and Zhu, J. (2008). L1-norm quantile regression. Journal of Computational and Graphical
Statistics 17(1), 163-185.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import _fit_context
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _num_samples

from ._estimators import _FITTED_DOC, _QuantileLinearModel
from ._objective import rho
from ._path import RouteCosts, path_alphas, path_solutions
from ._tolerances import CV_TIE_RTOL, TINY_SCALE
from ._validation import build_problem
from .solvers import get_solver

__all__ = ["QuantileLassoCV", "LADLassoCV"]


def _fold_losses(problem, train, test, alphas, solver, options, costs):
    """Held-out weighted mean pinball loss of the training part's path, one per alpha.

    ``costs`` (:class:`~sklearn_lad._path.RouteCosts`) carries the route costs measured on the
    previous folds' paths, whose shape is the same: each fold starts with the right choice.
    """
    weights = problem.weights
    train_problem = replace(
        problem, X=problem.X[train], y=problem.y[train],
        sample_weight=None if problem.sample_weight is None else weights[train],
    )
    results = path_solutions(train_problem, alphas, solver, options, costs)
    coefs = np.column_stack([r.coef for r in results])
    intercepts = np.array([r.intercept for r in results])
    predictions = np.asarray(problem.X[test] @ coefs) + intercepts
    losses = rho(problem.y[test][:, None] - predictions, problem.tau)
    test_weights = weights[test]
    total = test_weights.sum()
    if not total > 0:
        return np.full(alphas.size, np.nan)
    return test_weights @ losses / total


class _QuantileLassoCVBase(_QuantileLinearModel):
    """Shared fit of the cross-validated quantile lassos."""

    _parameter_constraints: dict = {
        **_QuantileLinearModel._parameter_constraints,
        "alphas": ["array-like", None],
        "n_alphas": [Interval(Integral, 1, None, closed="left")],
        "eps": [Interval(Real, 0, 1, closed="right")],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
        "penalty_factor": ["array-like", None],
    }

    def _alpha(self) -> float:
        return self.alpha_

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose ``alpha`` by cross-validation on the path, then refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; a weight of ``k`` is the same as repeating the row ``k``
            times. They weight both the fits and the held-out losses. Only their ratios
            matter (see :meth:`QuantileRegressor.fit`).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        n_rows = _num_samples(X)
        problem, zero_weight = build_problem(
            self, X, y, sample_weight, tau=self._tau(), penalty_factor=self.penalty_factor,
            fit_intercept=self.fit_intercept,
        )
        if self.solver != "auto":
            get_solver(self.solver)  # unknown or uninstalled names fail before any work
        alphas = path_alphas(problem, self.alphas, self.n_alphas, self.eps, self.solver,
                             self.solver_options)
        # The splitter sees the rows as given; rows dropped for a zero weight are mapped out.
        position = np.arange(n_rows)
        if zero_weight is not None:
            position = np.full(n_rows, -1)
            position[zero_weight.kept] = np.arange(zero_weight.kept.size)
        cv = check_cv(self.cv, y, classifier=False)
        folds = []
        for train, test in cv.split(np.empty((n_rows, 0)), y):
            train, test = position[train], position[test]
            train, test = train[train >= 0], test[test >= 0]
            if train.size == 0:
                raise ValueError(
                    "A cross-validation fold has no training sample with a positive weight; "
                    "use fewer folds or give more samples a positive weight."
                )
            folds.append((train, test))
        costs = RouteCosts()  # shared in-process (n_jobs=None); each worker's copy otherwise
        losses = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_losses)(problem, train, test, alphas, self.solver,
                                  self.solver_options, costs)
            for train, test in folds
        )
        pinball_path = np.column_stack(losses)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # folds without held-out weight
            mean = np.nanmean(pinball_path, axis=1)
        if not np.any(np.isfinite(mean)):
            raise ValueError("No cross-validation fold has held-out samples with positive weight.")
        best = np.nanmin(mean)
        tied = np.flatnonzero(mean <= best + CV_TIE_RTOL * max(abs(best), TINY_SCALE))
        index = int(tied[0])  # alphas decrease: the first tied one is the largest
        self.alpha_ = float(alphas[index])
        self.alphas_ = alphas
        self.pinball_path_ = pinball_path
        self.cv_index_ = index

        return self._solve_and_store(replace(problem, alpha=self.alpha_), zero_weight)


_CV_DOC = """
    alpha_ : float
        The ``alpha`` chosen by cross-validation.
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    pinball_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out weighted mean pinball loss (at ``tau``) for every ``alpha`` and fold.
    cv_index_ : int
        Position of ``alpha_`` in ``alphas_``.
"""

_CV_PARAMS = """    alphas : array-like, default=None
        The grid of ``alpha`` (sorted into decreasing order). ``None`` means ``n_alphas``
        values spaced geometrically from :func:`~sklearn_lad.alpha_max` of the whole data down
        to ``eps`` times it.
    n_alphas : int, default=100
        Length of the automatic grid.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy (:func:`sklearn.model_selection.check_cv`): ``None`` is 5-fold
        ``KFold``, an integer the number of ``KFold`` folds, or a splitter or list of
        ``(train, test)`` index arrays.
    n_jobs : int, default=None
        Folds run in parallel with joblib; ``None`` means 1 unless in a
        ``joblib.parallel_backend`` context, -1 means all processors.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature multipliers of ``alpha`` (glmnet's name): 0 leaves a feature
        unpenalised; ``1 / |b_j|`` from an initial fit gives the adaptive lasso.
    solver : str, default="auto"
        Backend for the refit and for the grid values the path's homotopy does not settle:
        ``"auto"`` or one of :func:`sklearn_lad.available_solvers`.
    solver_options : dict, default=None
        Backend-specific options.
"""

_CV_NOTES = """
    Notes
    -----
    Every fold uses the same grid, computed from all the data, so the losses of a given
    ``alpha`` can be averaged over folds. The path of each fold is exact (the homotopy of
    :func:`~sklearn_lad.quantile_path`): a value of ``alpha`` gets the same coefficients as
    ``QuantileLasso(alpha=...)`` fitted on that fold. When several ``alpha`` have the same
    mean loss (the path is piecewise constant, so neighbouring grid values often share a
    solution) the largest is chosen. Sample weights weight the fits and the held-out losses,
    so a weight of ``k`` and ``k`` repeated rows give the same answer with the same splits.
"""


class QuantileLassoCV(_QuantileLassoCVBase):
    __doc__ = """L1-penalised quantile regression with ``alpha`` chosen by cross-validation.

    Fits :class:`QuantileLasso` along a path of ``alpha`` on every training fold, scores the
    held-out folds by the mean pinball loss at ``tau``, picks the ``alpha`` with the smallest
    mean loss and refits on all data.

    Parameters
    ----------
    tau : float, default=0.5
        Quantile to estimate, in (0, 1); also the level of the pinball loss used to choose
        ``alpha``.
""" + _CV_PARAMS + _FITTED_DOC + _CV_DOC + """
    See Also
    --------
    QuantileLasso : The estimator at a fixed ``alpha``.
    quantile_path : The path computed on every fold.
    LADLassoCV : The same at ``tau=0.5``.
""" + _CV_NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 6))
    >>> y = 3 * X[:, 0] - 2 * X[:, 1] + rng.standard_t(2, size=200)
    >>> model = QuantileLassoCV(tau=0.5, n_alphas=20).fit(X, y)
    >>> model.pinball_path_.shape
    (20, 5)
    >>> np.flatnonzero(model.coef_)[:2]
    array([0, 1])

    The adaptive lasso (Zou 2006): penalty factors ``1 / |b_j|`` from an unpenalised fit
    penalise small effects more; a factor of 0 keeps a feature unpenalised.

    >>> from sklearn_lad import QuantileRegressor
    >>> initial = QuantileRegressor(solver="highs").fit(X, y).coef_
    >>> adaptive = QuantileLassoCV(n_alphas=20, penalty_factor=1 / np.abs(initial)).fit(X, y)
    >>> np.flatnonzero(adaptive.coef_)
    array([0, 1])
    """

    _parameter_constraints: dict = {
        **_QuantileLassoCVBase._parameter_constraints,
        "tau": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self, tau=0.5, *, alphas=None, n_alphas=100, eps=1e-3, cv=None, n_jobs=None,
        fit_intercept=True, penalty_factor=None, solver="auto", solver_options=None,
    ):
        self.tau = tau
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.eps = eps
        self.cv = cv
        self.n_jobs = n_jobs
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.solver = solver
        self.solver_options = solver_options


class LADLassoCV(_QuantileLassoCVBase):
    __doc__ = """L1-penalised LAD regression with ``alpha`` chosen by cross-validation.

    :class:`QuantileLassoCV` at ``tau=0.5``: ``alpha`` minimises the held-out mean absolute
    error (half the pinball loss at 0.5).

    Parameters
    ----------
""" + _CV_PARAMS + _FITTED_DOC + _CV_DOC + """
    See Also
    --------
    LADLasso : The estimator at a fixed ``alpha``.
    QuantileLassoCV : Any quantile level.
""" + _CV_NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import LADLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(150, 5))
    >>> y = 2 * X[:, 2] + rng.laplace(size=150)
    >>> model = LADLassoCV(n_alphas=20, cv=3).fit(X, y)
    >>> int(np.argmax(np.abs(model.coef_)))
    2
    """

    tau = 0.5

    def __init__(
        self, *, alphas=None, n_alphas=100, eps=1e-3, cv=None, n_jobs=None,
        fit_intercept=True, penalty_factor=None, solver="auto", solver_options=None,
    ):
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.eps = eps
        self.cv = cv
        self.n_jobs = n_jobs
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.solver = solver
        self.solver_options = solver_options
