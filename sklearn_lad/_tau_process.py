"""The quantile process: the exact solution at every ``tau`` in (0, 1), by parametric programming.

The quantile-regression LP ``min sum_i w_i rho_tau(y_i - a_i b)`` has a feasible set free of
``tau``; only the costs move, and they are affine in it: a positive residual costs ``tau w_i``, a
negative one ``(1 - tau) w_i``, so the dual box is ``[(tau - 1) w_i, tau w_i]``. The optimal
vertex is therefore piecewise constant in ``tau`` (Koenker and d'Orey 1987; Koenker 2005, section
6.3): finitely many breakpoints ``0 < tau_1 < ... < tau_m < 1``, one vertex ``b(tau)`` on each
piece between them, both neighbours optimal at a breakpoint. The dual solution (the regression
rank scores of Gutenbrunner and Jureckova 1992, here in sklearn-lad's convention
``d_i = a_i - (1 - tau) w_i`` in ``[(tau - 1) w_i, tau w_i]``) is piecewise linear and
continuous in ``tau``, zero at both ends.

:func:`quantile_process` starts from the exact fit at a small ``tau`` (any exact backend) and
walks every breakpoint down to 0 and up to 1 with the shared simplex engine's
:meth:`~sklearn_lad._simplex.ParametricSimplex.walk` (with
:meth:`~sklearn_lad._simplex.AffineCosts.tau_process` costs): at each breakpoint the dual
constraint that reaches its bound is pivoted on, giving the vertex of the next piece. It owns
no simplex and no driver loop of its own.

References
----------
Koenker, R. and d'Orey, V. (1987). Algorithm AS 229: Computing regression quantiles. Journal of
the Royal Statistical Society, Series C 36(3), 383-393.
Gutenbrunner, C. and Jureckova, J. (1992). Regression rank scores and regression quantiles.
Annals of Statistics 20(1), 305-330.
Koenker, R. (2005). Quantile Regression. Cambridge University Press, section 6.3.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike
from sklearn.utils.validation import _num_samples

from ._duplicates import merge_duplicate_rows
from ._multi_quantile import _check_levels
from ._problem import QuantileProblem
from ._simplex import AffineCosts, ObservationRows, ParametricSimplex, walk_light
from ._tolerances import GRAM_RANK_RTOL, is_zero_residual, residual_scale
from ._validation import build_problem
from .solvers import run_solver

__all__ = ["QuantileProcess", "process_of_problem", "quantile_process"]


@dataclass(frozen=True)
class _DualPieces:
    """The dual on every piece of the walk (pivots without a new solution included).

    On piece ``k`` (``knots[k]`` to ``knots[k+1]``) a non-basic observation's dual value is at
    the bound of its side, ``tau w_i`` above the fit and ``(tau - 1) w_i`` below (``sides``,
    packed bits, 1 = above); the basic observations ``rows[k]`` have ``values[k][0] + tau *
    values[k][1]``. This takes ``O(n / 8 + p)`` bytes per piece, not ``O(n)`` floats.
    """

    knots: np.ndarray
    sides: np.ndarray
    rows: tuple
    values: tuple
    merged_weights: np.ndarray  # of the walked problem (duplicate rows merged)
    inverse: np.ndarray         # caller's kept row -> walked row
    share: np.ndarray           # caller's kept row's share of its walked row's weight
    kept: np.ndarray            # caller's rows with positive weight
    weights: np.ndarray         # the caller's weights (zeros where dropped)

    def at(self, tau: float) -> np.ndarray:
        k = int(np.clip(np.searchsorted(self.knots, tau, side="right") - 1, 0,
                        len(self.rows) - 1))
        w = self.merged_weights
        above = np.unpackbits(self.sides[k], count=w.size).astype(bool)
        merged = np.where(above, tau * w, (tau - 1.0) * w)
        merged[self.rows[k]] = self.values[k][0] + tau * self.values[k][1]
        # A merged row's dual value is shared among its copies in proportion to their
        # weights: each copy's box scales with its weight and A'd is unchanged.
        full = np.zeros(self.weights.size)
        full[self.kept] = merged[self.inverse] * self.share
        return full


@dataclass(frozen=True)
class QuantileProcess:
    """The exact quantile-regression solution for every ``tau`` in (0, 1).

    Returned by :func:`quantile_process`; not meant to be built by hand.

    Parameters
    ----------
    taus : ndarray of shape (n_breakpoints,)
        The breakpoints (see Attributes).
    coef : ndarray of shape (n_breakpoints + 1, n_features)
        The solution on each piece.
    intercept : ndarray of shape (n_breakpoints + 1,)
        The intercept on each piece.
    n_iter : int
        Pivots of the walk.
    _dual : _DualPieces
        The dual on every piece of the walk (private).

    Attributes
    ----------
    taus : ndarray of shape (n_breakpoints,)
        The breakpoints, increasing, where the solution changes.
    coef : ndarray of shape (n_breakpoints + 1, n_features)
        Row ``k`` is the solution on ``(taus[k-1], taus[k])`` (with ``taus[-1] = 0`` and
        ``taus[n_breakpoints] = 1``); at a breakpoint both neighbouring rows are optimal.
    intercept : ndarray of shape (n_breakpoints + 1,)
        The intercepts, likewise (zeros without an intercept).
    n_iter : int
        Simplex pivots of the walk (degenerate ones included).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import quantile_process
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    >>> y = np.array([0.0, 2.0, 1.0, 4.0, 3.0])
    >>> process = quantile_process(X, y)
    >>> process.taus.size + 1 == process.coef.shape[0]
    True
    >>> coef, intercept = process.coef_at([0.5])
    >>> process.rank_scores(0.5).shape
    (5,)
    """

    taus: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    _dual: _DualPieces

    @property
    def piece_lengths(self) -> np.ndarray:
        """Length of each piece of (0, 1), one per row of :attr:`coef`."""
        return np.diff(np.concatenate([[0.0], self.taus, [1.0]]))

    def piece_of(self, taus: ArrayLike) -> np.ndarray:
        """Row of :attr:`coef` optimal at each level (the left piece at a breakpoint).

        Parameters
        ----------
        taus : array-like of float
            Levels in (0, 1).

        Returns
        -------
        ndarray of int of shape (len(taus),)
            Row indices into :attr:`coef` and :attr:`intercept`.
        """
        return np.searchsorted(self.taus, _check_levels(taus), side="left")

    def coef_at(self, taus: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """The solution at any levels.

        Parameters
        ----------
        taus : array-like of float
            Levels in (0, 1).

        Returns
        -------
        coef : ndarray of shape (len(taus), n_features)
            The coefficients at each level.
        intercept : ndarray of shape (len(taus),)
            The intercepts at each level.
        """
        rows = self.piece_of(taus)
        return self.coef[rows], self.intercept[rows]

    def predict(self, X: ArrayLike, taus: ArrayLike) -> np.ndarray:
        """Predicted conditional quantiles at any levels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        taus : array-like of float
            Levels in (0, 1).

        Returns
        -------
        ndarray of shape (n_samples, len(taus))
            Column ``k`` holds the quantiles at ``taus[k]``.
        """
        coef, intercept = self.coef_at(taus)
        return np.asarray(X @ coef.T).reshape(-1, coef.shape[0]) + intercept

    def dual_at(self, tau: float) -> np.ndarray:
        """A dual solution at ``tau``, in ``[(tau - 1) w_i, tau w_i]`` per training row.

        Continuous and piecewise linear in ``tau``, zero at 0 and 1; unique where the primal
        vertex is not degenerate.

        Parameters
        ----------
        tau : float
            Level in (0, 1).

        Returns
        -------
        ndarray of shape (n_samples,)
            The dual value of each training row (0 for rows with zero weight).
        """
        return self._dual.at(float(_check_levels([tau])[0]))

    def rank_scores(self, tau: float) -> np.ndarray:
        """Regression rank scores ``a_i(tau)`` in [0, 1] (Gutenbrunner and Jureckova 1992).

        ``a_i = dual_i / w_i + 1 - tau``: 1 above the fit, 0 below, in between on it; R's
        ``rq(tau=-1)$dsol``.

        Parameters
        ----------
        tau : float
            Level in (0, 1).

        Returns
        -------
        ndarray of shape (n_samples,)
            The rank score of each training row (``nan`` for rows with zero weight).
        """
        tau = float(_check_levels([tau])[0])
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = self._dual.at(tau) / self._dual.weights + 1.0 - tau
        scores[self._dual.weights == 0] = np.nan
        return scores


# Two neighbouring pieces whose coefficients differ by less than this (relative) are one piece:
# a degenerate pivot changes the basis but not the solution.
_SAME = 1e-12
# About n log n breakpoints, plus pivots that do not change the solution.
_MAX_PIVOTS = 1_000_000
# The walk starts at the exact fit of the first of these levels that is a unique vertex.
_STARTS = (0.5, 0.4812, 0.5277, 0.3141, 0.6931)


def _start_vertex(engine, problem: QuantileProblem, solver: str):
    """An optimal vertex to start the walk from, and its level."""
    first = None
    for tau in _STARTS:
        result, _ = run_solver(solver, dataclasses.replace(problem, tau=tau))
        first = first or (result, tau)
        if not result.unique:
            continue  # the canonical point of a face is not a vertex
        beta = problem.join(result.coef, result.intercept)
        vertex = engine.vertex_from_point(beta, tau, result.dual)
        if vertex is not None:
            return vertex, tau
    # Optimal faces at every start (e.g. n = p + 1 rows whose dual line meets the box in a
    # corner at every tau): walk from a vertex of the first face instead.
    result, tau = first
    beta = _vertex_of_face(engine.rows, engine.y,
                           problem.join(result.coef, result.intercept))
    vertex = None if beta is None else engine.vertex_from_point(beta, tau, result.dual)
    if vertex is None:
        raise RuntimeError(
            "no level near the median has an optimal vertex to start the quantile process "
            "from; the design may be degenerate (collinear columns?)."
        )
    return vertex, tau


def _vertex_of_face(rows, y: np.ndarray, beta: np.ndarray) -> np.ndarray | None:
    """A vertex of the optimal face through ``beta`` (an optimal point), or ``None``.

    Moving ``beta`` along a direction that keeps its zero-residual rows at zero changes no
    other residual's sign for a while, so the objective is linear there; as ``beta`` is optimal
    it is constant, and the move stays optimal until another residual reaches zero (a ratio
    test). Each move adds a row to the zero set, so at most ``q`` moves reach a vertex
    ("purification"). ``None`` when a direction meets no row (rank-deficient design).
    """
    beta = np.array(beta, dtype=float)
    q = beta.size
    for _ in range(q + 1):
        residual = y - rows.matvec(beta)
        zero = np.flatnonzero(is_zero_residual(residual, residual_scale(y, y - residual)))
        Z = rows.rows(zero) if zero.size else np.zeros((0, q))
        null = scipy.linalg.null_space(Z) if zero.size else np.eye(q)
        if null.shape[1] == 0:
            return beta
        direction = null[:, 0]
        change = rows.rows(np.arange(y.size)) @ direction  # residuals move by -t * change
        change[zero] = 0.0
        moving = np.abs(change) > 1e-12 * np.abs(change).max(initial=0.0)
        if not moving.any():
            return None
        steps = residual[moving] / change[moving]  # the t at which each residual is zero
        ahead = steps[steps > 0]
        # Either way is optimal: take the nearer blocking row on the side that has one.
        t = ahead.min() if ahead.size else steps.max()
        beta = beta + t * direction
    return None


def _merge(pieces: list) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints where the solution changes and the solution on each merged piece.

    A degenerate pivot changes the basis (and the dual's slope) but not the solution; such
    breakpoints are dropped from ``taus`` (the dual keeps them).
    """
    betas = np.array([piece.beta for piece in pieces])
    starts = np.array([piece.start for piece in pieces])
    scale = np.maximum(1.0, np.abs(betas[:-1]).max(axis=1, initial=0.0))
    changed = np.flatnonzero(np.abs(np.diff(betas, axis=0)).max(axis=1, initial=0.0)
                             > _SAME * scale) + 1
    return starts[changed], betas[np.r_[0, changed]]


def _dual_pieces(pieces: list, merged: QuantileProblem, inverse, problem: QuantileProblem,
                 kept, n_samples: int, weight_scale: float) -> _DualPieces:
    knots = np.array([0.0] + [p.start for p in pieces[1:]] + [1.0])
    sides = np.array([p.above for p in pieces])
    rows = tuple(p.rows for p in pieces)
    # The engine's costs are normalised by sum(w); the dual values scale with the weights.
    # The validation rescaled the weights by a power of two (weight_scale undoes it), so that
    # the dual's box is the caller's [(tau - 1) w, tau w].
    unit = merged.weight_sum * weight_scale
    values = tuple(p.basic * unit for p in pieces)
    kept = np.arange(problem.n_samples) if kept is None else np.asarray(kept)
    weights = np.zeros(n_samples)
    weights[kept] = problem.weights * weight_scale
    share = problem.weights / merged.weights[inverse]
    return _DualPieces(knots, sides, rows, values, merged.weights * weight_scale, inverse,
                       share, kept, weights)


def _walk(problem: QuantileProblem, solver: str):
    """The walk's pieces in increasing ``tau``."""
    penalty = np.zeros(problem.n_features + int(problem.fit_intercept))
    engine = ParametricSimplex(
        ObservationRows.of(problem.X, problem.y, problem.fit_intercept), problem.y,
        AffineCosts.tau_process(problem.weights / problem.weight_sum, penalty),
    )
    start, tau = _start_vertex(engine, problem, solver)
    down = walk_light(engine, start, tau, 0.0, _MAX_PIVOTS)
    up = walk_light(engine, start, tau, 1.0, _MAX_PIVOTS)
    # The downward walk's pieces reversed, each with its start and end swapped.
    return [dataclasses.replace(p, start=p.end, end=p.start) for p in reversed(down)] + up


def process_of_problem(problem: QuantileProblem, solver: str = "auto",
                       kept: np.ndarray | None = None, n_samples: int | None = None,
                       weight_scale: float = 1.0) -> QuantileProcess:
    """The quantile process of a validated problem (its ``tau`` is ignored).

    For the dual: ``kept`` maps the problem's rows to the caller's (rows of zero weight
    removed), ``n_samples`` is the caller's row count and ``weight_scale`` the caller's weights
    over the problem's.
    """
    merged, inverse = merge_duplicate_rows(problem)
    try:
        pieces = _walk(merged, solver)
    except RuntimeError as exc:
        keep = _independent_columns(problem)
        if not keep.all():
            return _process_on_columns(problem, keep, solver, kept, n_samples, weight_scale)
        raise RuntimeError(
            f"the quantile process could not be computed ({exc}). Fit a grid of levels with "
            "QuantileProcessRegressor(taus=...) instead."
        ) from exc
    taus, beta = _merge(pieces)
    off = int(problem.fit_intercept)
    intercept = beta[:, 0].copy() if off else np.zeros(beta.shape[0])
    total = problem.n_samples if n_samples is None else n_samples
    dual = _dual_pieces(pieces, merged, inverse, problem, kept, total, weight_scale)
    return QuantileProcess(taus, beta[:, off:].copy(), intercept, len(pieces), dual)


def _independent_columns(problem: QuantileProblem) -> np.ndarray:
    """Which columns of ``X`` are independent of the intercept and the columns before them.

    Greedy, in the metric of the Gram matrix ``A'A`` (``A = [1, X]``): column ``j`` is kept
    when its squared distance to the span of the kept ones exceeds ``GRAM_RANK_RTOL`` times its
    squared norm.
    """
    X = problem.X
    gram = X.T @ X
    gram = np.asarray(gram.toarray() if hasattr(gram, "toarray") else gram, dtype=float)
    offset = int(problem.fit_intercept)
    if offset:
        sums = np.asarray(X.sum(axis=0), dtype=float).ravel()
        gram = np.block([[np.array([[float(X.shape[0])]]), sums[None, :]],
                         [sums[:, None], gram]])
    chosen = list(range(offset))
    keep = np.zeros(X.shape[1], dtype=bool)
    for j in range(offset, gram.shape[0]):
        norm = gram[j, j]
        if chosen:
            block = gram[np.ix_(chosen, chosen)]
            cross = gram[chosen, j]
            norm = norm - cross @ np.linalg.solve(block, cross)
        if norm > GRAM_RANK_RTOL * max(gram[j, j], 1e-300):
            chosen.append(j)
            keep[j - offset] = True
    return keep


def _process_on_columns(problem, keep, solver, kept, n_samples, weight_scale) -> QuantileProcess:
    """The process of a rank-deficient design on its independent columns, the others at 0.

    Every solution of the full problem's fit is reached with the dropped columns at zero (they
    only repeat what the kept ones span), so each piece is optimal for the full problem; it is
    a vertex there, not the minimum-norm point that a single fit returns.
    """
    factor = problem.penalty_factor
    reduced = dataclasses.replace(
        problem, X=problem.X[:, np.flatnonzero(keep)],
        penalty_factor=None if factor is None else np.asarray(factor)[keep],
    )
    process = process_of_problem(reduced, solver, kept, n_samples, weight_scale)
    coef = np.zeros((process.coef.shape[0], keep.size))
    coef[:, keep] = process.coef
    return dataclasses.replace(process, coef=coef)


def quantile_process(
    X: ArrayLike,
    y: ArrayLike,
    sample_weight: ArrayLike | None = None,
    fit_intercept: bool = True,
) -> QuantileProcess:
    """The exact linear quantile regression for every ``tau`` in (0, 1) at once.

    The solution is piecewise constant in ``tau``; this returns every breakpoint and the
    solution on every piece, computed by the parametric simplex of the shared engine from one
    exact fit near the median (Koenker and d'Orey 1987; R's ``rq(tau=-1)``).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; a weight of ``k`` is ``k`` repeated rows.
    fit_intercept : bool, default=True
        Whether to fit an intercept.

    Returns
    -------
    QuantileProcess
        ``taus`` (breakpoints), ``coef`` and ``intercept`` (one row per piece), and
        ``coef_at``, ``predict``, ``dual_at`` and ``rank_scores`` to evaluate the solution and
        the dual (rank-score) process at any level.

    Raises
    ------
    ValueError
        On invalid input (as the estimators).
    RuntimeError
        When the engine meets a singular basis it cannot pivot out of (degenerate designs).

    See Also
    --------
    QuantileProcessRegressor : ``taus="all"`` wraps this as an estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import quantile_process
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(50, 1))
    >>> y = X[:, 0] + rng.normal(size=50)
    >>> process = quantile_process(X, y)
    >>> bool(np.all(np.diff(process.taus) > 0))
    True
    >>> process.coef.shape == (process.taus.size + 1, 1)
    True
    """
    problem, zero_weight_rows = build_problem(None, X, y, sample_weight, tau=0.5,
                                              fit_intercept=bool(fit_intercept))
    scale = 1.0
    if sample_weight is not None:
        # Validation scaled the weights by a power of two; the dual is in the caller's units.
        scale = float(np.max(np.asarray(sample_weight, dtype=float))) / float(
            problem.weights.max())
    if zero_weight_rows is None:
        return process_of_problem(problem, weight_scale=scale)
    return process_of_problem(problem, kept=zero_weight_rows.kept, n_samples=_num_samples(y),
                              weight_scale=scale)
