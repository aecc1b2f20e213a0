"""``QuantileProcessRegressor``: several quantile levels in one estimator, optionally non-crossing.

Each level of a grid is the exact quantile regression of ``sklearn_lad._objective`` at that
``tau``. The levels are fitted outwards from the median, each one warm-started from a linear
extrapolation of its two predecessors' coefficients: ``b(tau)`` is piecewise constant but close
to smooth on a grid, so the extrapolation predicts most residual signs, which lets the
Frisch-Newton backend's preprocessing (Portnoy and Koenker 1997) keep only a thin band of
observations around the start (the idea of Chernozhukov, Fernandez-Val and Melly's ``ppro``).
Every level still ends at the backend's certified exact optimum, so the answers do not depend on
the order or the starts. ``benchmarks/bench_process.py`` measures the gain against cold fits.

References
----------
Koenker, R. (2005). Quantile Regression. Cambridge University Press, section 6.
Chernozhukov, V., Fernandez-Val, I. and Melly, B. (2013). Inference on counterfactual
distributions. Econometrica 81(6), 2205-2268 (the preprocessing over a grid of quantiles).
Chernozhukov, V., Fernandez-Val, I. and Galichon, A. (2010). Quantile and probability curves
without crossing. Econometrica 78(3), 1093-1125.
Bondell, H. D., Reich, B. J. and Wang, H. (2010). Noncrossing quantile regression curve
estimation. Biometrika 97(4), 825-838.
"""

from __future__ import annotations

import dataclasses
from numbers import Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._estimators import _QuantileLinearModel
from ._noncrossing import fit_constrained, rearrange
from ._problem import QuantileProblem
from ._validation import build_problem
from .solvers import run_solver

__all__ = ["QuantileProcessRegressor"]

_MEDIAN = 0.5
# Two levels closer than this are the same level (a user's 0.1 and np.arange's 0.1000...02).
_TAU_MATCH = 1e-9


def _check_taus(taus) -> np.ndarray:
    """Sorted distinct levels in (0, 1), or a ValueError naming the fix."""
    try:
        levels = np.asarray(taus, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(
            f"taus must be 'all' or a sequence of levels in (0, 1); got {taus!r}."
        ) from None
    if levels.size == 0 or not np.all((levels > 0.0) & (levels < 1.0)):
        raise ValueError(
            f"taus must be a non-empty sequence of levels strictly between 0 and 1; got "
            f"{taus!r}. Pass e.g. taus=(0.1, 0.5, 0.9), or taus='all' for the whole process."
        )
    levels = np.sort(levels)
    if np.any(np.diff(levels) <= _TAU_MATCH):
        raise ValueError(f"taus must be distinct; got {taus!r}.")
    return levels


def _interval_levels(confidence_level: float) -> np.ndarray:
    """The two levels ``(1 -+ c) / 2`` of a central interval of coverage ``c``."""
    return np.array([(1.0 - confidence_level) / 2.0, (1.0 + confidence_level) / 2.0])


def _fit_grid_levels(levels: np.ndarray, confidence_level: float | None) -> np.ndarray:
    """``levels`` plus the median and the interval's two levels, sorted, without repeats."""
    extra = [_MEDIAN]
    if confidence_level is not None:
        extra.extend(_interval_levels(confidence_level))
    grid = levels
    for level in extra:
        if not np.any(np.abs(grid - level) <= _TAU_MATCH):
            grid = np.sort(np.append(grid, level))
    return grid


def _check_levels(taus) -> np.ndarray:
    """Levels in (0, 1) to predict or evaluate at, any order, or a ValueError."""
    levels = np.atleast_1d(np.asarray(taus, dtype=float))
    if levels.ndim != 1 or not np.all((levels > 0.0) & (levels < 1.0)):
        raise ValueError(f"taus must be levels strictly between 0 and 1; got {taus!r}.")
    return levels


def _fit_order(grid: np.ndarray) -> list[list[int]]:
    """Indices from the level nearest the median outwards: one run upwards, one downwards."""
    start = int(np.argmin(np.abs(grid - _MEDIAN)))
    return [list(range(start, grid.size)), list(range(start, -1, -1))]


def _extrapolated_start(fits: dict, run: list[int], position: int, grid: np.ndarray):
    """A warm start for ``grid[run[position]]`` from the previous one or two fits of its run."""
    if position == 0:
        return None
    last = fits[run[position - 1]]
    beta = np.concatenate([[last.intercept], last.coef])
    if position >= 2:
        before = fits[run[position - 2]]
        step = (grid[run[position]] - grid[run[position - 1]]) / (
            grid[run[position - 1]] - grid[run[position - 2]]
        )
        beta = beta + step * (beta - np.concatenate([[before.intercept], before.coef]))
    return beta[1:], float(beta[0])


def _fit_grid(problem: QuantileProblem, grid: np.ndarray, solver: str, options) -> tuple:
    """Exact fits at every level of ``grid``, warm-started along the grid."""
    fits: dict = {}
    names = set()
    for run in _fit_order(grid):
        for position, index in enumerate(run):
            if index in fits:
                continue
            start = _extrapolated_start(fits, run, position, grid)
            level = dataclasses.replace(problem, tau=float(grid[index]))
            result, name = run_solver(solver, level, options, warm_start=start)
            fits[index] = result
            names.add(name)
    ordered = [fits[k] for k in range(grid.size)]
    return ordered, sorted(names)


class QuantileProcessRegressor(_QuantileLinearModel):
    """Linear quantile regression at several levels at once, optionally without crossing.

    Fits the exact quantile regression at every level of ``taus``, warm-starting each level
    from its neighbours, which is faster than separate fits on large data. Two kinds of level
    are fitted too when they are not among ``taus``, and kept apart from ``coef_``: the median,
    which ``predict`` returns, and the two ends ``(1 -+ confidence_level) / 2`` of the interval
    that ``predict_interval`` returns. Optionally the fitted quantiles are made monotone in the
    level (non-crossing); the extra levels then take part in the ordering too.

    Parameters
    ----------
    taus : array-like of float or "all", default=(0.1, 0.5, 0.9)
        Quantile levels in (0, 1), distinct; stored sorted in ``taus_``. ``"all"`` computes the
        exact solution at every level (:func:`quantile_process`); any level can then be
        predicted.
    fit_intercept : bool, default=True
        Whether to fit an intercept per level.
    solver : str, default="auto"
        Backend for the separate fits (``non_crossing=None`` or ``"rearrange"``): ``"auto"`` or
        one of :func:`sklearn_lad.available_solvers`. Backends with warm starts (``"fn"``,
        ``"irls"``) use the neighbouring level's fit. ``"constrained"`` always uses HiGHS.
    non_crossing : {None, "rearrange", "constrained"}, default=None
        ``None``: separate exact fits, which may cross away from the centre of the data.
        ``"rearrange"``: the same fits, with each prediction row's quantiles monotonely
        rearranged (Chernozhukov, Fernandez-Val and Galichon 2010) over the fitted grid
        (including the median), so predicted quantiles never cross at any ``X``; ``coef_``
        stays the separate fits'. ``"constrained"``: one joint LP with the ordering constraints
        of Bondell, Reich and Wang (2010) on ``non_crossing_region``; ``coef_`` is that fit.
    non_crossing_region : {"training", "box"}, default="training"
        Where ``"constrained"`` imposes the ordering: at every training row, or on the whole
        box ``[min(X), max(X)]`` of the training covariates (stronger, costs more fit).
    confidence_level : float or None, default=0.9
        Nominal coverage ``c`` of ``predict_interval``'s default interval: the levels
        ``(1 - c) / 2`` and ``(1 + c) / 2`` are fitted as well (0.05 and 0.95 at the default),
        so ``predict_interval(X)`` works with the default ``taus``. ``None`` fits no extra
        level; ``predict_interval`` then needs an explicit ``confidence_level`` whose levels
        are among ``taus``. With ``taus="all"`` every level is fitted anyway, and this only
        sets ``predict_interval``'s default.
    solver_options : dict, default=None
        Options of the backend (for ``"constrained"``: ``{"max_iter": int}`` for HiGHS).

    Attributes
    ----------
    taus_ : ndarray of shape (n_taus,)
        The fitted levels, increasing. After ``taus="all"``: the breakpoints of the process.
    coef_ : ndarray of shape (n_taus, n_features)
        Coefficients, row ``k`` for level ``taus_[k]``. After ``taus="all"``: one row more,
        row ``k`` the solution on ``(taus_[k-1], taus_[k])``.
    intercept_ : ndarray of shape (n_taus,)
        Intercepts (zeros when ``fit_intercept=False``), likewise.
    objective_ : ndarray of shape (n_taus,)
        The objective of each level at its coefficients (after ``taus="all"``: of each piece,
        at its midpoint).
    process_ : QuantileProcess or None
        The whole process after ``taus="all"``, else ``None``.
    n_iter_ : ndarray of shape (n_taus,)
        Backend iterations per level (for ``"constrained"``: the LP's, on every entry).
    solver_ : str
        The backend(s) that ran, comma-separated (``"highs"`` for ``"constrained"``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    QuantileRegressor : One level.
    ConformalQuantileRegressor : Intervals with guaranteed coverage.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileProcessRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 2, size=(200, 1))
    >>> y = X[:, 0] + (0.5 + X[:, 0]) * rng.normal(size=200)
    >>> model = QuantileProcessRegressor(taus=(0.1, 0.5, 0.9), non_crossing="rearrange")
    >>> model = model.fit(X, y)
    >>> model.coef_.shape, model.predict_quantiles([[0.0], [2.0]]).shape
    ((3, 1), (2, 3))
    >>> bool(np.all(np.diff(model.predict_quantiles([[-50.0], [50.0]]), axis=1) >= 0))
    True
    """

    _parameter_constraints: dict = {
        **_QuantileLinearModel._parameter_constraints,
        "taus": ["array-like", Real, StrOptions({"all"})],
        "non_crossing": [None, StrOptions({"rearrange", "constrained"})],
        "non_crossing_region": [StrOptions({"training", "box"})],
        "confidence_level": [None, Interval(Real, 0.0, 1.0, closed="neither")],
    }

    def __init__(
        self, taus=(0.1, 0.5, 0.9), *, fit_intercept=True, solver="auto", non_crossing=None,
        non_crossing_region="training", confidence_level=0.9, solver_options=None,
    ):
        self.taus = taus
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.non_crossing = non_crossing
        self.non_crossing_region = non_crossing_region
        self.confidence_level = confidence_level
        self.solver_options = solver_options

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit every level.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; a weight of ``k`` is the same as repeating the row ``k``
            times.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        problem, _ = build_problem(self, X, y, sample_weight, tau=_MEDIAN,
                                   fit_intercept=self.fit_intercept)
        if isinstance(self.taus, str):
            return self._fit_process(problem)
        levels = _check_taus(self.taus)
        grid = _fit_grid_levels(levels, self.confidence_level)
        if self.non_crossing == "constrained":
            options = dict(self.solver_options or {})
            max_iter = options.pop("max_iter", None)
            if options:
                raise ValueError(
                    f"non_crossing='constrained' accepts solver_options {{'max_iter'}} only; got "
                    f"{sorted(options)}."
                )
            fit = fit_constrained(problem, grid, self.non_crossing_region, max_iter)
            coef, intercept, objective = fit.coef, fit.intercept, fit.objective
            n_iter = np.full(grid.size, fit.n_iter)
            self.solver_ = "highs"
        else:
            fits, names = _fit_grid(problem, grid, self.solver, self.solver_options)
            coef = np.array([np.asarray(f.coef, dtype=float) for f in fits])
            intercept = np.array([float(f.intercept) for f in fits])
            objective = np.array([float(f.objective) for f in fits])
            n_iter = np.array([int(f.n_iter) for f in fits])
            self.solver_ = ",".join(names)
        self.process_ = None
        self._grid = grid
        self._grid_coef = coef.reshape(grid.size, -1)
        self._grid_intercept = intercept
        requested = self._columns(levels)
        self.taus_ = levels
        self.coef_ = self._grid_coef[requested]
        self.intercept_ = intercept[requested]
        self.objective_ = objective[requested]
        self.n_iter_ = n_iter[requested]
        return self

    def _fit_process(self, problem: QuantileProblem):
        """``taus="all"``: the exact process by the shared engine's parametric simplex."""
        if self.non_crossing == "constrained":
            raise ValueError(
                "non_crossing='constrained' needs a finite grid of levels; pass taus=(...) or "
                "use non_crossing='rearrange' with taus='all'."
            )
        from ._tau_process import process_of_problem  # the engine is only needed here

        process = process_of_problem(problem, self.solver)
        self.process_ = process
        self.taus_ = process.taus
        self.coef_ = process.coef
        self.intercept_ = process.intercept
        self.objective_ = np.array([
            dataclasses.replace(problem, tau=float(t)).objective(c, b)
            for t, c, b in zip(self._piece_levels(process), process.coef, process.intercept)
        ])
        self.n_iter_ = np.full(process.coef.shape[0], process.n_iter)
        self.solver_ = "simplex"
        return self

    @staticmethod
    def _piece_levels(process) -> np.ndarray:
        knots = np.concatenate([[0.0], process.taus, [1.0]])
        return 0.5 * (knots[:-1] + knots[1:])

    def _columns(self, taus: np.ndarray, fix: str = "refit with them in taus=") -> np.ndarray:
        """Grid columns of ``taus``, or a ValueError (ending in ``fix``) for an unfitted one."""
        distance = np.abs(self._grid[None, :] - taus[:, None])
        columns = np.argmin(distance, axis=1)
        missing = taus[distance[np.arange(taus.size), columns] > _TAU_MATCH]
        if missing.size:
            raise ValueError(
                f"levels {missing.tolist()} were not fitted (fitted: {self._grid.tolist()}); "
                f"{fix}, or use taus='all'."
            )
        return columns

    def _quantiles(self, X, levels: np.ndarray | None, fix: str | None = None) -> np.ndarray:
        """Predicted quantiles at ``levels`` (``None``: ``taus_``), rearranged if asked."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=np.float64, reset=False)
        process = getattr(self, "process_", None)
        if process is not None:
            if levels is None:
                raise ValueError(
                    "with taus='all' every level is available: pass the levels to predict, "
                    "e.g. predict_quantiles(X, taus=[0.1, 0.5, 0.9])."
                )
            levels = _check_levels(levels)
            if self.non_crossing != "rearrange":
                return process.predict(X, levels)
            pieces = np.asarray(X @ process.coef.T).reshape(X.shape[0], -1) + process.intercept
            return rearrange(pieces, process.piece_lengths, levels)
        levels = self.taus_ if levels is None else np.asarray(levels, dtype=float).ravel()
        columns = self._columns(levels) if fix is None else self._columns(levels, fix)
        values = np.asarray(X @ self._grid_coef.T).reshape(X.shape[0], -1) + self._grid_intercept
        if self.non_crossing == "rearrange":
            values = rearrange(values)
        return values[:, columns]

    def predict(self, X):
        """Predict the conditional median.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            The predicted conditional median of each sample.
        """
        return self._quantiles(X, np.array([_MEDIAN]))[:, 0]

    def predict_quantiles(self, X, taus=None):
        """Predict conditional quantiles.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        taus : array-like of float, default=None
            Levels to predict: any in (0, 1) after ``taus="all"``, else fitted levels (or the
            median). ``None`` means ``taus_`` (required after ``taus="all"``).

        Returns
        -------
        ndarray of shape (n_samples, n_taus)
            Column ``k`` is the quantile at level ``taus[k]``.
        """
        return self._quantiles(X, taus)

    def predict_interval(self, X, confidence_level=None):
        """Predict a central interval from two fitted quantiles.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        confidence_level : float, default=None
            Nominal coverage ``c``: the interval runs from the ``(1 - c) / 2`` to the
            ``(1 + c) / 2`` quantile. ``None`` means the estimator's ``confidence_level``
            (0.9 by default), whose two levels were fitted. Another ``c`` needs both levels
            among ``taus`` (any ``c`` after ``taus="all"``); else a ValueError says how to
            refit.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            ``[lower, upper]`` per row (the two quantiles' minimum and maximum, should they
            cross without ``non_crossing``). Its coverage is not guaranteed; see
            :class:`ConformalQuantileRegressor` for that.
        """
        level = self.confidence_level if confidence_level is None else confidence_level
        if level is None:
            raise ValueError(
                "this model was fitted with confidence_level=None: pass "
                "predict_interval(X, confidence_level=c) with both (1 -+ c) / 2 among taus, or "
                "refit with QuantileProcessRegressor(confidence_level=c)."
            )
        level = float(level)
        if not 0.0 < level < 1.0:
            raise ValueError(
                f"confidence_level must lie strictly between 0 and 1; got {confidence_level!r}."
            )
        levels = _interval_levels(level)
        fix = (f"refit with QuantileProcessRegressor(confidence_level={level:g}) or with "
               f"{levels.round(12).tolist()} in taus=")
        ends = self._quantiles(X, levels, fix)
        return np.column_stack([ends.min(axis=1), ends.max(axis=1)])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()  # sparse input as the backend declares
        if self.non_crossing == "constrained":
            tags.input_tags.sparse = True
        return tags
