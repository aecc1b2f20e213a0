"""Confidence intervals by inverting the regression rank-score test.

For coefficient ``j`` the hypothesis ``beta_j = b`` is tested with the regression rank scores
``a(b)`` of the restricted problem ``min_g sum_i rho_tau(y_i - b x_ij - z_i'g)`` (``Z`` the other
columns): the scores are its dual solution in ``[tau - 1, tau]``, and

    T(b) = sum_i xt_i a_i(b) / sqrt(tau (1 - tau) sum_i xt_i^2),

with ``xt`` the residual of ``x_j`` after projecting on ``Z`` (least squares under iid errors,
weighted by the local densities ``f_i`` otherwise). The interval is ``{b : |T(b)| <= c}`` with
``c`` the ``t(n - p)`` critical value (Gutenbrunner, Jureckova, Koenker and Portnoy 1993;
Koenker 1994).

``a(b)`` is piecewise constant in ``b``: the restricted problem is a linear programme whose
right-hand side ``y - b x_j`` moves linearly in ``b``, so its optimal basis changes only at
finitely many breakpoints. Starting from the fit's optimal basis at ``b = beta_j``, a
parametric (dual) simplex walks the breakpoints outwards in each direction, one basis change at
a time, until ``|T|`` exceeds ``c``; the endpoint is interpolated linearly in ``|T|`` between the
last accepted and the first rejected breakpoint, which is what R's ``rq(..., ci = TRUE)``
reports (Koenker and d'Orey 1994).

The walk is a parametric simplex over the right-hand side built on the package's simplex
engine: the basic rows and the inverse of ``Z_B`` are an engine :class:`~sklearn_lad._simplex.Basis`
(LU factorisation, a Sherman-Morrison row replacement at each pivot, a fresh factorisation when
an update is untrustworthy or ``REFRESH_EVERY`` updates have accumulated), and the dual values of
the basic rows come from :func:`~sklearn_lad._simplex.basic_dual` whenever the basis is
refactorised, so rounding does not accumulate in them along long walks.

References
----------
Gutenbrunner, C., Jureckova, J., Koenker, R. and Portnoy, S. (1993). Tests of linear
hypotheses based on regression rank scores. Journal of Nonparametric Statistics 2, 307-331.
Koenker, R. (1994). Confidence intervals for regression quantiles. In Asymptotic Statistics,
Proceedings of the 5th Prague Symposium, 349-359. Physica-Verlag.
Koenker, R. and d'Orey, V. (1994). Remark AS R92: Computing regression quantiles and
regression rank scores. Applied Statistics 43, 410-414.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, stats
from scipy.optimize import linprog

from .._simplex import Basis, basic_dual
from ._common import FitData
from ._sparsity import nid_density

# Relative size under which a residual counts as zero (a basic row) and a direction as flat.
_ZERO = 1e-10


class _RestrictedPath:
    """Parametric simplex for ``min_g sum rho_tau(y - b x - Z g)`` as ``b`` moves.

    State: the basic rows ``basis`` (``Z.shape[1]`` of them), the residuals at the current
    ``b`` and the dual ``score`` (in ``[tau - 1, tau]``, ``Z' score = 0``).
    """

    def __init__(self, Z, x, y, tau, beta_j, gamma):
        self.Z, self.x, self.y, self.tau = Z, x, y, tau
        self.b = beta_j
        self.residual = y - beta_j * x - Z @ gamma
        self.columns = np.arange(Z.shape[1])
        self.lu = Basis.factor(np.empty(0, dtype=np.intp), self.columns[:0], np.empty((0, 0)))
        self.score = np.zeros(y.shape[0])

    @property
    def basis(self) -> np.ndarray:
        """The basic rows, in the order of the factorised ``Z_B``."""
        return self.lu.rows

    def _bounds(self):
        return self.tau - 1.0, self.tau

    def start(self, direction: int, zero_rows: np.ndarray) -> None:
        """Choose the restricted basis at ``b = beta_j`` that is optimal moving ``direction``.

        The restricted optimal duals at ``beta_j`` sit at the residual's bound on every row
        with a non-zero residual and satisfy ``Z' a = 0``; the zero-residual rows are free in
        ``[tau - 1, tau]``. The right derivative of the restricted objective in ``direction``
        is attained at the dual maximising ``-direction * x'a`` over that set: a small LP in
        the zero-residual rows (``p`` of them unless the fit is degenerate). Its vertex gives
        the basis: the rows strictly inside the bounds, completed to ``p - 1`` independent rows.
        """
        lo, hi = self._bounds()
        S = np.asarray(zero_rows, dtype=np.intp)
        others = np.setdiff1d(np.arange(self.Z.shape[0]), S)
        self.score[others] = np.where(self.residual[others] > 0, hi, lo)
        rhs = -self.Z[others].T @ self.score[others]
        values = self._segment_end(direction, S, rhs) if S.size == self.Z.shape[1] + 1 else None
        if values is None:
            result = linprog(direction * self.x[S], A_eq=self.Z[S].T, b_eq=rhs,
                             bounds=[(lo, hi)] * S.size, method="highs-ds")
            if result.status != 0:
                raise RuntimeError(
                    f"rank inversion: no optimal restricted dual ({result.message}).")
            values = result.x
        # Snap to the bounds: a row's side is read off "score == bound" below.
        values = np.clip(values, lo, hi)
        values[values - lo <= _ZERO] = lo
        values[hi - values <= _ZERO] = hi
        self.score[S] = values
        self.residual[S] = 0.0
        inside = np.minimum(values - lo, hi - values) > _ZERO
        order = np.concatenate([S[inside], S[~inside]])
        self._factor(_independent_rows(self.Z, order, self.Z.shape[1]))
        self.side = np.where(self.score >= hi, 1.0, -1.0)
        self._flat = _ZERO * (1 + np.abs(self.x))
        self._slope = None

    def _factor(self, rows: np.ndarray) -> None:
        """Factorise ``Z_B`` from scratch (the start, untrustworthy updates, refreshes)."""
        lu = Basis.factor(rows, self.columns, self.Z[rows], rcond=0.0)
        if lu is None:
            raise RuntimeError("rank inversion: the restricted basis became singular.")
        self.lu = lu

    def _segment_end(self, direction, S, rhs):
        """The LP of :meth:`start` when the fit is a non-degenerate vertex (``p`` zero rows).

        The free duals ``a_S`` (``p`` unknowns, ``p - 1`` equations ``Z_S' a_S = rhs``) form a
        segment ``a0 + t v`` with ``v`` solving ``[Z_S x_S]' v = e_last`` (so ``x_S'v = 1``);
        ``direction * x'a`` is smallest at the segment's end ``t = -direction * inf`` clipped
        to the box. Returns None when the rows are not independent (then the LP is solved).
        """
        lo, hi = self._bounds()
        square = np.column_stack([self.Z[S], self.x[S]]).T
        target = np.zeros(S.size)
        target[-1] = 1.0
        try:
            v = np.linalg.solve(square, target)
            a0 = np.linalg.lstsq(self.Z[S].T, rhs, rcond=None)[0]
        except np.linalg.LinAlgError:
            return None
        if np.linalg.cond(square) > 1e12:
            return None
        # Project a0 into the box along v: the feasible t form an interval [t_lo, t_hi].
        with np.errstate(divide="ignore", invalid="ignore"):
            t1, t2 = (lo - a0) / v, (hi - a0) / v
        big = np.abs(v) <= _ZERO
        if np.any(big & ((a0 < lo - 1e-12) | (a0 > hi + 1e-12))):
            return None
        t_lo = np.max(np.where(big, -np.inf, np.minimum(t1, t2)))
        t_hi = np.min(np.where(big, np.inf, np.maximum(t1, t2)))
        if not t_lo <= t_hi + 1e-12:
            return None
        return a0 + (t_lo if direction > 0 else t_hi) * v

    def _direction(self, direction: int) -> np.ndarray:
        """Residual change per unit move of ``b``; constant while the basis stays.

        ``r(b) = y - b x - Z Z_B^{-1} (y_B - b x_B)``, so ``dr/db = Z Z_B^{-1} x_B - x``.
        """
        if self._slope is None or self._slope[0] != direction:
            B = self.basis
            slope = direction * (self.Z @ self.lu.solve(self.x[B]) - self.x)
            slope[B] = 0.0
            self._slope = (direction, slope)
        return self._slope[1]

    def step(self, direction: int):
        """Advance ``b`` to the next breakpoint in ``direction``; returns the new ``b``.

        Returns ``None`` when no residual ever changes sign (the interval is unbounded).
        """
        slope = self._direction(direction)
        # A nonbasic row sits on the side its dual says (tau: residual >= 0, tau - 1: <= 0); it
        # is hit when the residual moves towards the other side. Rows tied at zero (several
        # residuals vanishing at one breakpoint) are hit at once, one zero-length step each.
        side = self.side
        approach = side * slope
        toward = approach < -self._flat
        toward[self.basis] = False
        candidates = np.flatnonzero(toward)
        if candidates.size == 0:
            return None
        times = np.maximum(side[candidates] * self.residual[candidates], 0.0) / (
            -approach[candidates])
        k = int(np.argmin(times))
        e, t = int(candidates[k]), float(times[k])
        self.residual += t * slope
        self.residual[e] = 0.0
        self.b += direction * t
        self._pivot(e)
        return self.b

    def _pivot(self, e: int) -> None:
        """Row ``e``'s dual leaves its bound; the first basic dual to reach a bound leaves.

        If none does before ``e``'s dual reaches the other bound, ``e`` just changes sides
        (a bound flip) and the basis stays.
        """
        lo, hi = self._bounds()
        B = self.basis
        delta = (lo - hi) if self.side[e] > 0 else (hi - lo)
        if len(B) == 0:
            self.score[e] += delta
            self.side[e] = -self.side[e]
            return
        # Basic duals keep Z' score = 0: Z_B' d_B = -z_e delta.
        move = self.lu.solve_transpose(-self.Z[e] * delta)
        current = self.score[B]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(move > _ZERO, (hi - current) / move,
                             np.where(move < -_ZERO, (lo - current) / move, np.inf))
        k = int(np.argmin(ratio))
        if ratio[k] >= 1.0:
            self.score[B] = current + move
            self.score[e] += delta
            self.side[e] = -self.side[e]
            return
        share = max(ratio[k], 0.0)
        self.score[B] = current + share * move
        self.score[e] += share * delta
        leaving = B[k]
        self.score[leaving] = hi if move[k] > 0 else lo
        self.side[leaving] = 1.0 if move[k] > 0 else -1.0
        self._slope = None
        lu = None if self.lu.stale else self.lu.replace_row(k, e, self.Z[e])
        if lu is None:
            rows = self.lu.rows.copy()
            rows[k] = e
            self._factor(rows)
            self._refresh_basic_dual()
        else:
            self.lu = lu

    def _refresh_basic_dual(self) -> None:
        """Recompute the basic duals from the non-basic ones (``Z' score = 0``) after a refresh."""
        B = self.basis
        nonbasic = self.score.copy()
        nonbasic[B] = 0.0
        self.score[B] = basic_dual(self.lu, self.Z.T @ nonbasic)


def _independent_rows(Z, order, k):
    """The first ``k`` rows of ``Z`` in ``order`` that are linearly independent."""
    order = np.asarray(order, dtype=np.intp)
    if k == 0:
        return order[:0]
    if len(order) >= k and np.linalg.matrix_rank(Z[order[:k]]) == k:
        return order[:k]  # the usual, non-degenerate case: one rank check
    chosen = []
    for i in order:
        if len(chosen) == k:
            break
        trial = chosen + [int(i)]
        if np.linalg.matrix_rank(Z[trial]) == len(trial):
            chosen = trial
    return np.asarray(chosen, dtype=np.intp)


def rank_trace(fd: FitData, j: int, direction: int, projected, critical, max_steps=None):
    """Walk the breakpoints of coefficient ``j`` in ``direction``; returns ``[(b, T), ...]``.

    ``T`` after each breakpoint is the statistic on the interval beyond it.
    """
    design, response, tau = fd.design, fd.response, fd.tau
    fitted = design @ fd.beta
    residual = response - fitted
    scale = np.max(np.abs(response)) + np.max(np.abs(fitted)) + 1e-300
    zero_rows = np.flatnonzero(np.abs(residual) <= 1e-9 * scale)
    others = np.delete(np.arange(fd.p), j)
    Z, x = design[:, others], design[:, j]
    path = _RestrictedPath(Z, x, response, tau, fd.beta[j], fd.beta[others])
    path.start(direction, zero_rows)
    norm = np.sqrt(tau * (1 - tau) * (projected @ projected))
    trace = [(path.b, float(projected @ path.score) / norm)]
    for _ in range(max_steps or 10 * fd.n):
        previous_b, previous_t = trace[-1]
        b = path.step(direction)
        # Stop at the first rejected breakpoint, once every row tied at it has been pivoted
        # (the statistic beyond a breakpoint is the one after its last zero-length step).
        if abs(previous_t) > critical and b != previous_b:
            break
        if b is None:
            trace.append((direction * np.inf, np.nan))
            break
        trace.append((b, float(projected @ path.score) / norm))
    return trace


def _projected(fd: FitData, j: int, density) -> np.ndarray:
    """``x_j`` minus its (density-weighted, when given) least-squares projection on the rest."""
    x = fd.design[:, j]
    Z = np.delete(fd.design, j, axis=1)
    if Z.shape[1] == 0:
        return x.copy()
    if density is None:
        coef = linalg.lstsq(Z, x)[0]
    else:
        root = np.sqrt(density)
        coef = linalg.lstsq(root[:, None] * Z, root * x)[0]
    return x - Z @ coef


def _breakpoints(trace) -> list[tuple[float, float]]:
    """The trace's ``(b, T)`` points with one statistic per ``b``.

    Zero-length steps (several rows tied at one breakpoint) leave several statistics at one
    ``b``; the last one is the statistic beyond that breakpoint and is the one that counts.
    """
    points: list[tuple[float, float]] = []
    for b, t in trace:
        if points and b == points[-1][0]:
            points[-1] = (b, t)
        else:
            points.append((b, t))
    return points


def _endpoint(trace, critical: float) -> float:
    """Interpolate ``b`` at ``|T| = critical`` between the last accepted and first rejected
    point of :func:`_breakpoints`."""
    points = _breakpoints(trace)
    if not np.isfinite(points[-1][0]):
        return points[-1][0]
    if len(points) < 2 or abs(points[-1][1]) <= critical:
        return points[-1][0]
    (b_in, t_in), (b_out, t_out) = points[-2], points[-1]
    return b_in + (b_out - b_in) * (critical - abs(t_in)) / (abs(t_out) - abs(t_in))


def rank_intervals(fd: FitData, level: float = 0.9, iid: bool = True,
                   hs: bool = True) -> np.ndarray:
    """Rank-score test inversion intervals, one row ``(lower, upper)`` per coefficient."""
    critical = stats.t.ppf(0.5 + level / 2.0, fd.n - fd.p)
    density = None if iid else nid_density(fd, hs=hs)
    out = np.empty((fd.p, 2))
    for j in range(fd.p):
        projected = _projected(fd, j, density)
        for col, direction in enumerate((-1, 1)):
            trace = rank_trace(fd, j, direction, projected, critical)
            out[j, col] = _endpoint(trace, critical)
    return out
