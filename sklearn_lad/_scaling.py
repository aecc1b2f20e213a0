"""Equilibration: one rescaling of every problem before any backend sees it, undone after.

The quantile-regression LP is equivariant (Koenker 2005, sec. 2.2): for ``y -> (y - c) / s_y``,
``x_j -> (x_j - m_j) / s_j`` and ``w -> w / s_w`` the optimal coefficients map as
``b_j' = b_j s_j / s_y`` and the intercept as ``b_0' = (b_0 + m.b - c) / s_y``, the objective
as ``F' = F / s_y``, and the penalty ``alpha pi_j |b_j|`` stays equivalent when ``pi_j`` becomes
``pi_j / s_j``. Solvers, however, are not scale-free in floating point: interior points and
HiGHS stop on absolute tolerances, simplex codes decide "zero" with them, and the certificate's
sums lose digits to offsets such as ``y + 1e9``. So every problem is brought to unit scale once,
here, and every backend benefits without knowing:

* every scale is a power of two, so scaling and unscaling are exact in binary floating point
  (a vertex found on integer data stays exactly integer after the round trip);
* ``y`` and the columns of a dense ``X`` are centred (at a data value, the end of their range
  nearer zero) only when a model intercept can absorb the shift and the offset dominates the
  spread: centring rounds every entry once and copies ``X``, which pays only when it removes
  cancellation;
* sparse ``X`` is scaled column-wise through its stored values, never densified or centred;
* weights are scaled by a power of two near their largest value, so their sum cannot overflow.

The canonical (minimum-norm) point is defined in the user's coordinates:
:meth:`Equilibration.metric` gives the affine map from scaled to original coefficients whose
norm the canonical step minimises.

References
----------
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from ._problem import QuantileProblem, SolverResult

__all__ = ["Equilibration", "equilibrate"]

# Rows read to find the columns' range (see ``equilibrate``).
_SAMPLE_ROWS = 2048


def _power_of_two(magnitude):
    """The power of two ``2**(e-1)`` with ``magnitude / 2**(e-1)`` in ``[1, 2)``; 1 for 0."""
    if isinstance(magnitude, float):  # a scalar: math's frexp, not numpy's 0-d arrays
        scale = math.ldexp(1.0, math.frexp(magnitude)[1] - 1) if magnitude > 0 else 1.0
        return scale if math.isfinite(scale) and scale > 0 else 1.0
    magnitude = np.asarray(magnitude, dtype=float)
    exponent = np.frexp(magnitude)[1]
    scale = np.ldexp(1.0, np.where(magnitude > 0, exponent - 1, 0))
    return np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)


@dataclass(frozen=True)
class Equilibration:
    """The scales and shifts applied to a problem; maps results both ways.

    Attributes
    ----------
    y_shift, y_scale : float
        ``y' = (y - y_shift) / y_scale``.
    col_shift : ndarray or None
        ``m_j`` of the centred columns (0 elsewhere); ``None`` when no column is centred.
    col_scale : ndarray of shape (n_features,)
        ``s_j`` (powers of two).
    weight_scale : float
        ``w' = w / weight_scale``.
    fit_intercept : bool
    """

    y_shift: float
    y_scale: float
    col_shift: np.ndarray | None
    col_scale: np.ndarray
    weight_scale: float
    fit_intercept: bool

    @property
    def is_identity(self) -> bool:
        return (
            self.y_shift == 0.0 and self.y_scale == 1.0 and self.col_shift is None
            and bool(np.all(self.col_scale == 1.0)) and self.weight_scale == 1.0
        )

    def to_scaled(self, coef, intercept: float) -> tuple[np.ndarray, float]:
        """Original ``(coef, intercept)`` -> scaled coordinates."""
        coef = np.asarray(coef, dtype=float)
        shift = 0.0 if self.col_shift is None else float(self.col_shift @ coef)
        return coef * self.col_scale / self.y_scale, (intercept + shift - self.y_shift) / (
            self.y_scale
        )

    def to_original(self, coef, intercept: float) -> tuple[np.ndarray, float]:
        """Scaled ``(coef, intercept)`` -> original coordinates."""
        coef = np.asarray(coef, dtype=float) * self.y_scale / self.col_scale
        intercept = float(intercept) * self.y_scale + self.y_shift
        if self.col_shift is not None:
            intercept -= float(self.col_shift @ coef)
        return coef, intercept

    def metric(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(T, e)`` with ``beta = T @ beta' + e`` up to one common factor, or ``None`` when
        that map is a multiple of the identity (the minimum-norm point is then the same in both
        coordinates). ``beta`` is the augmented vector, intercept first when fitted."""
        ratio = 1.0 / self.col_scale
        off = int(self.fit_intercept)
        diagonal = np.concatenate([[1.0] * off, ratio])
        if self.col_shift is None and self.y_shift == 0.0 and np.all(diagonal == diagonal[:1]):
            return None
        T = np.diag(diagonal)
        e = np.zeros(T.shape[0])
        if off:
            e[0] = self.y_shift / self.y_scale
            if self.col_shift is not None:
                T[0, 1:] = -self.col_shift * ratio
        return T, e

    def undo(self, problem: QuantileProblem, scaled: QuantileProblem, result: SolverResult
             ) -> SolverResult:
        """A new result in ``problem``'s coordinates from one on the equilibrated problem."""
        if self.is_identity:
            return result
        coef, intercept = self.to_original(result.coef, result.intercept)
        coef = coef + 0.0  # -0.0 -> 0.0
        # Without shifts the scaled objective maps back exactly (powers of two); with them it
        # is recomputed on the user's data, whose rounding is the one the user sees.
        objective = float(result.objective) * self.y_scale
        if self.y_shift != 0.0 or self.col_shift is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                direct = problem.objective(coef, intercept)
            if np.isfinite(direct):  # weights whose sum overflows keep the scaled value
                objective = direct
        dual = result.dual
        penalized = np.flatnonzero(scaled.penalty > 0)
        n, k = scaled.n_samples, penalized.size
        # (n + 2k rows: the augmented design's; unchanged without pseudo-rows or weight scale.)
        if dual is not None and np.shape(dual) == (n + 2 * k,) and (k or self.weight_scale != 1):
            factor = np.full(dual.shape, self.weight_scale)
            factor[n:n + k] *= self.col_scale[penalized]
            factor[n + k:] *= self.col_scale[penalized]
            dual = dual * factor
        return replace(
            result, coef=coef, intercept=intercept, objective=objective,
            gap=float(result.gap) * self.y_scale, dual=dual,
        )


def _scale_columns(X, scale: np.ndarray, shift: np.ndarray | None):
    if sp.issparse(X):
        # Scaling the stored values keeps the sparsity pattern (no densifying, no centring).
        return (X @ sp.diags(1.0 / scale)).asformat(X.format)
    if shift is not None:
        X = X - shift
    return X / scale


def _offset(low, high):
    """Where the values' offset dominates their spread, a data value (the end nearer zero) to
    centre at; 0 elsewhere. Found from the range alone: no sort, no temporary copy."""
    spread = high - low
    if isinstance(spread, float):  # scalars (y's range)
        return low if low > spread else (high if -high > spread else 0.0)
    return np.where(low > spread, low, np.where(-high > spread, high, 0.0))


def _target_scale(y: np.ndarray, intercept: bool) -> tuple[float, float]:
    """``(shift, scale)`` of ``y``: centred only when an intercept absorbs a dominant offset."""
    if not y.size:
        return 0.0, 1.0
    low, high = float(np.min(y)), float(np.max(y))
    shift = float(_offset(low, high)) if intercept and math.isfinite(high - low) else 0.0
    return shift, _power_of_two(float(max(high - shift, shift - low)))


def _column_scales(X, intercept: bool, sample_rows: int):
    """``(shift or None, scale)`` per column of ``X`` (sparse: scale only)."""
    if sp.issparse(X):
        magnitude = abs(X).max(axis=0).toarray().ravel() if X.nnz else np.zeros(X.shape[1])
        shift = None
    elif X.size:
        # Any power of two and any shift give an equivalent problem, so the range is read off
        # evenly spaced rows when X is tall (the full pass cost ~10% of a fit); a scaled copy
        # that would overflow is caught in `equilibrate` and redone from every row.
        sample = X[:: max(1, X.shape[0] // sample_rows)]
        # Transposed into a contiguous copy: numpy reduces a narrow C-ordered array along
        # axis 0 one row at a time (6x slower than the copy and two contiguous passes).
        columns = np.ascontiguousarray(sample.T)
        low, high = np.min(columns, axis=1), np.max(columns, axis=1)
        magnitude, shift = np.maximum(high, -low), None
        if intercept and X.shape[0] > 1 and np.all(np.isfinite(high - low)):
            offset = _offset(low, high)
            if np.any(offset != 0.0):
                shift = offset
                magnitude = np.maximum(high - shift, shift - low)
    else:
        magnitude, shift = np.zeros(X.shape[1]), None
    scale = _power_of_two(magnitude).reshape(-1)
    # Columns within a factor 2**8 of unit scale are left alone: rescaling them buys no
    # conditioning and would cost a copy of X on every fit.
    scale[(scale >= 2.0**-8) & (scale <= 2.0**8)] = 1.0
    return shift, scale


def equilibrate(problem: QuantileProblem, sample_rows: int = _SAMPLE_ROWS
                ) -> tuple[QuantileProblem, Equilibration]:
    """Rescale (and where useful centre) a problem to unit scale.

    Returns the equilibrated problem and the :class:`Equilibration` that maps its results back;
    when nothing needs changing the problem itself is returned. ``sample_rows`` bounds the rows
    read to find each column's range (a tall ``X`` is sampled evenly).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> X = np.array([[1e-9], [2e-9], [3e-9]])
    >>> scaled, scaling = equilibrate(QuantileProblem(X=X, y=np.array([1e9, 1e9 + 1, 1e9 + 5]),
    ...                                               tau=0.5))
    >>> float(scaling.y_shift), float(np.abs(scaled.X).max()) <= 2.0
    (1000000000.0, True)
    >>> scaling.to_original(*scaling.to_scaled(np.array([2e9]), 1e9 - 1.0))
    (array([2.e+09]), 999999999.0)
    """
    X, y, intercept = problem.X, problem.y, problem.fit_intercept
    y_shift, y_scale = _target_scale(y, intercept)
    col_shift, col_scale = _column_scales(X, intercept, sample_rows)
    weight_scale = 1.0
    if problem.sample_weight is not None:
        weight_scale = _power_of_two(float(np.max(problem.sample_weight)))
    scaling = Equilibration(y_shift, y_scale, col_shift, col_scale, weight_scale, intercept)
    if scaling.is_identity:
        return problem, scaling
    penalty_factor = problem.penalty_factor
    if problem.alpha > 0:
        base = np.ones(X.shape[1]) if penalty_factor is None else penalty_factor
        penalty_factor = base / col_scale
    weights = problem.sample_weight
    X_scaled = X
    if col_shift is not None or np.any(col_scale != 1.0):
        X_scaled = _scale_columns(X, col_scale, col_shift)
        if not sp.issparse(X) and X.shape[0] > sample_rows and not np.all(
                np.isfinite(X_scaled)):
            return equilibrate(problem, sample_rows=X.shape[0])
    scaled = replace(
        problem,
        X=X_scaled,
        y=(y - y_shift) / y_scale if (y_shift or y_scale != 1.0) else y,
        sample_weight=None if weights is None else weights / weight_scale,
        penalty_factor=penalty_factor,
    )
    return scaled, scaling
