"""Parametric simplex over costs affine in a parameter: ``c(t) = c0 + t * c1``.

The quantile LP ``min_b sum_i f_i(y_i - a_i b) + sum_j pen_j |b_j|`` with ``f_i(r) = upper_i r``
for ``r >= 0`` and ``lower_i r`` for ``r <= 0`` has a feasible set that does not depend on the
costs ``upper``, ``lower`` and ``pen``, so when they are affine in ``t`` the optimal vertex is a
piecewise constant function of ``t`` (Gass & Saaty 1955). Two instances matter here
(:class:`AffineCosts`):

* the regularisation path (Li & Zhu 2008): ``upper = tau w``, ``lower = -(1 - tau) w``,
  ``pen = t * pi * W`` with ``t = alpha``;
* the quantile process (Koenker & d'Orey 1987; Koenker 2005, ch. 6): ``upper = t w``,
  ``lower = (t - 1) w`` with ``t = tau``, and a fixed penalty.

A vertex is a :class:`~sklearn_lad._simplex.Basis` (observations ``Z`` interpolated on active
columns ``E``, the unpenalised columns always among them); every other observation sits on one
side of the fit and every other column is zero. Its dual values are affine in ``t``: the
non-basic ones at their bounds, the basic ones from :func:`~sklearn_lad._simplex.basic_dual`, so
every dual constraint reads ``p + t q >= 0`` (:attr:`Vertex.constraints`). One linear solve tells
where the vertex is optimal (an interval of ``t``), where it is the unique optimum (every
constraint strict), and at which ``t`` it stops being optimal: the next breakpoint.

Two ways to move:

* :meth:`ParametricSimplex.advance` to a given ``t``: simplex steps at that ``t`` along the edge of
  the most violated constraint (steepest edge, Bland's rule after a run of zero-length steps) to
  the minimum along the edge (Barrodale & Roberts' 1973 long step,
  :func:`~sklearn_lad._simplex.line_minimum`). The path does this from grid value to grid value.
* :meth:`ParametricSimplex.walk` through every breakpoint between two values: at each, the
  constraint that reaches zero is pivoted on (a step with zero slope: one classical pivot), which
  yields the vertex optimal on the next piece (Gass & Saaty's algorithm). The tau process is this.

A right-hand side affine in ``t`` (rank-score test inversion, Koenker 1994: ``y - t x_j`` with
column ``j`` removed from ``A``) is the same programme seen from the dual; it composes from the
same pieces, without new linear algebra:

1. ``basis = Basis.factor(Z, E, A[Z][:, E])`` at the optimal vertex of ``t0``; then
   ``beta(t) = basis.solve(y[Z]) - t * basis.solve(x_j[Z])`` and every non-basic residual is
   affine in ``t``, ``r_i(t) = r0_i + t r1_i``, while the dual values do not depend on ``t``;
2. the breakpoint is the first ``t`` at which some ``r_i(t)`` reaches zero (``side_i r_i(t) >= 0``
   stops holding): a ratio test over the rows, ``min (side_i r0_i) / (-side_i r1_i)``;
3. there row ``i`` must join the fit: its dual value leaves its bound, and moving it by ``delta``
   moves the basic duals by ``-delta * basis.solve_transpose(A[i, E])``. The row that leaves is
   the first basic row whose dual value reaches a bound: with ``kinks`` the distances to the
   bounds over those rates, ``line_minimum(kinks, rates, 0.0)`` (the first kink, a classical
   ratio test); if row ``i``'s own dual value reaches its other bound first, row ``i`` only
   changes side. Then ``basis.replace_row(h, i, A[i, E])`` and the basic duals again from
   :func:`basic_dual`;
4. repeat until the rank-score statistic (a linear function of the duals) crosses its critical
   value, interpolating within the last piece as R's ``rq(..., ci=TRUE)`` does.

References
----------
Gass, S. and Saaty, T. (1955). The computational algorithm for the parametric objective
function. Naval Research Logistics Quarterly 2(1-2), 39-45.
Barrodale, I. and Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. SIAM Journal on Numerical Analysis 10(5), 839-848.
Koenker, R. and d'Orey, V. (1987). Algorithm AS 229: Computing regression quantiles. Journal of
the Royal Statistical Society, Series C (Applied Statistics) 36(3), 383-393.
Koenker, R. (1994). Confidence intervals for regression quantiles. Asymptotic Statistics,
Physica, 349-359.
Li, Y. and Zhu, J. (2008). L1-norm quantile regression. Journal of Computational and Graphical
Statistics 17(1), 163-185.
Koenker, R. (2005). Quantile Regression, ch. 6. Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.linalg import qr

from .._tolerances import (
    HOMOTOPY_DEGENERATE_RTOL,
    HOMOTOPY_STRICT_DUAL_RTOL,
    is_zero_residual,
    residual_scale,
)
from ._basis import Basis, basic_dual, dual_at_bounds
from ._linesearch import line_minimum
from ._pivot import UPDATE_FROM, Pending, edge, edge_direction, pivot, private
from ._pricing import FEASIBLE, first_zero, steepest_edge
from ._rows import ObservationRows
from ._state import AffineCosts, Event, Piece, Vertex

__all__ = ["AffineCosts", "Event", "ParametricSimplex", "Piece", "Vertex"]

# Dual constraints must hold with this relative slack for the vertex to be the unique optimum.
STRICT = HOMOTOPY_STRICT_DUAL_RTOL
# A non-basic residual this small (relative to the data's scale) makes a vertex degenerate.
DEGENERATE = HOMOTOPY_DEGENERATE_RTOL
# Past a degenerate breakpoint the walk resumes this far (relative) beyond it; a piece
# shorter than this is skipped.
NUDGE = 1e-12
# Residuals and dual gradient are updated incrementally and recomputed this often.
REFRESH = 20
# The basis is factorised afresh after REFRESH rank-one updates, or after |Z| / REFRESH_PER
# when that is more (bases above 200 columns only): a factorisation costs about |Z| updates,
# and at |Z| = 500 refreshing every 20 steps was a sixth of the working-set path's time
# (n = 500, p = 20,000); that path certifies every answer on a fresh factorisation of its basis
# (_vertex_check.py), and the rows' check (_check_all_rows) rebuilds a drifted vertex.
REFRESH_PER = 10


class ParametricSimplex:
    """Simplex steps on the quantile LP with costs affine in ``t``; ``None`` means "give up".

    Parameters
    ----------
    rows : ObservationRows
        The observations' design ``A = [1, X]``.
    y : ndarray of shape (n,)
        Targets.
    costs : AffineCosts
        The costs as functions of ``t``.

    Examples
    --------
    The quantile process of a small problem, from the median's vertex up to ``tau = 0.9``:

    >>> import numpy as np
    >>> from sklearn_lad._simplex import AffineCosts, ObservationRows, ParametricSimplex
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(30, 1)), rng.normal(size=30)
    >>> engine = ParametricSimplex(ObservationRows.of(X, y, True), y,
    ...                            AffineCosts.tau_process(np.ones(30), np.zeros(2)))
    >>> from sklearn_lad import QuantileRegressor
    >>> fit = QuantileRegressor(tau=0.5, solver="br").fit(X, y)
    >>> start = engine.vertex_from_point(np.r_[fit.intercept_, fit.coef_], 0.5)
    >>> pieces = engine.walk(start, 0.5, 0.9)
    >>> pieces[0].start, pieces[-1].end
    (0.5, 0.9)
    """

    def __init__(self, rows: ObservationRows, y: np.ndarray, costs: AffineCosts) -> None:
        self.rows, self.y, self.costs = rows, y, costs
        self.n, self.q = rows.n, rows.q
        self.free = costs.free
        self.no_columns = bool(self.free.all())  # no column ever enters or leaves
        self.rows_vary = costs.rows_vary
        # upper - lower: the slope's jump where a residual crosses zero (constant and slope).
        self.width = (costs.upper[0] - costs.lower[0],
                      costs.upper[1] - costs.lower[1] if self.rows_vary else None)
        # What "strictly inside" a basic row's dual box is measured against.
        self.box_scale = sum(np.abs(part) for part in (*costs.upper, *costs.lower))

    # -- building a vertex ---------------------------------------------------------------------
    def vertex_from_point(self, beta, t: float, dual=None) -> Vertex | None:
        """The basis of an optimal vertex ``beta`` (e.g. a backend's answer) at ``t``.

        ``None`` if ``beta`` is not a vertex (the minimum-norm point inside a face, say).
        ``dual`` (observations first) puts the zero-residual observations left out of the basis
        on the side their dual value leans to.
        """
        beta = np.asarray(beta, dtype=float)
        fitted = self.rows.matvec(beta)
        zero = np.flatnonzero(is_zero_residual(self.y - fitted, residual_scale(self.y, fitted)))
        E = np.flatnonzero(self.free | (beta != 0))
        if zero.size < E.size:
            return None
        Z = zero
        if zero.size > E.size:
            if E.size == 0:
                Z = zero[:0]
            else:
                # The best-conditioned subset of the zero rows: QR with column pivoting.
                _, _, piv = qr(self.rows.rows(zero)[:, E].T, mode="economic", pivoting=True)
                Z = np.sort(zero[piv[: E.size]])
        residual = self.y - fitted
        side = np.where(residual >= 0, 1.0, -1.0)
        if dual is not None and zero.size > Z.size:
            upper, lower, _ = self.costs.at(t)
            extra = np.setdiff1d(zero, Z)
            dual = np.asarray(dual)[: self.n]
            side[extra] = np.where(dual[extra] - lower[extra] >= upper[extra] - dual[extra],
                                   1.0, -1.0)
        side[Z] = 0.0
        return self.vertex(Z, E, side, np.sign(beta))

    def vertex(self, Z, E, side, csign, rows_Z=None) -> Vertex | None:
        """The vertex of basis ``(Z, E)`` built from scratch; ``None`` if it is singular."""
        if Z.size != E.size:
            return None
        rows_Z = self.rows.rows(Z) if rows_Z is None else rows_Z
        basis = Basis.factor(Z, E, rows_Z[:, E])
        if basis is None:
            return None
        coefficients = self._coefficients(basis, csign)
        if coefficients is None:
            return None
        beta, csign, tiny = coefficients
        fitted = self.rows.matvec_on(beta, E)
        residual = self.y - fitted
        scale = float(np.max(np.abs(self.y), initial=0.0) + np.max(np.abs(fitted), initial=0.0))
        residual[Z] = 0.0
        small = np.abs(residual) <= DEGENERATE * scale
        residual[small] = 0.0
        # A zero residual outside Z keeps the side it came with: bookkeeping, as in Barrodale &
        # Roberts' method, not its sign.
        side = np.where(small, side, np.where(residual > 0, 1.0, -1.0))
        side[Z] = 0.0
        d = self._duals(side, slice(None))
        working = self.rows.nearest(residual, Z)
        return self._finish(
            basis, rows_Z, beta, csign, residual[working.index], side,
            bool(np.count_nonzero(small) > Z.size or tiny), self._gradient(d),
            working, scale, 0, (beta, self.rows.radius(residual, side, working)),
            self._weights(Z.size, None),
        )

    def _weights(self, size: int, weights):
        """The edge weights a basis of ``size`` rows keeps (:mod:`._pivot`): ``weights`` (all
        unknown if ``None``), or ``None`` on a basis too small to keep them."""
        if size < UPDATE_FROM or self.no_columns:
            return None
        return np.full(self.q, np.nan) if weights is None else weights

    def _coefficients(self, basis: Basis, csign: np.ndarray):
        """``beta`` of the basis, its penalised signs, and whether a basic one is zero."""
        E = basis.cols
        beta = np.zeros(self.q)
        beta[E] = basis.solve(self.y[basis.rows])
        # A basic coefficient at zero (a degenerate step) keeps the sign it entered with.
        active_pen = E[~self.free[E]]
        tiny = np.abs(beta[active_pen]) <= DEGENERATE * max(1.0, np.abs(beta).max(initial=0.0))
        beta[active_pen[tiny]] = 0.0
        sign = np.zeros(self.q)
        sign[active_pen] = np.where(tiny, csign[active_pen], np.sign(beta[active_pen]))
        if np.any(sign[active_pen] == 0.0):
            return None
        return beta, sign, bool(tiny.any())

    def _duals(self, side: np.ndarray, index) -> tuple[np.ndarray, np.ndarray | None]:
        """Constant and slope in ``t`` of the dual values at the bounds on ``index``.

        ``side`` holds the sides of the rows ``index`` only. The slope is ``None`` where the
        rows' costs do not depend on ``t`` (the alpha path).
        """
        upper, lower = self.costs.upper, self.costs.lower
        d0 = dual_at_bounds(side, lower[0][index], upper[0][index])
        if not self.rows_vary:
            return d0, None
        return d0, dual_at_bounds(side, lower[1][index], upper[1][index])

    def duals(self, vertex: Vertex) -> tuple[np.ndarray, np.ndarray | None]:
        """Constant and slope in ``t`` of the dual values at the bounds (0 on ``Z``), from the
        sides: a vertex stores no other length-``n`` array than its sides."""
        return self._duals(vertex.side, slice(None))

    def _gradient(self, d) -> np.ndarray:
        """(2, q): ``A' d`` for the constant and the slope of the dual values."""
        g0 = self.rows.rmatvec(d[0])
        return np.stack([g0, np.zeros_like(g0) if d[1] is None else self.rows.rmatvec(d[1])])

    def _finish(self, basis, rows_Z, beta, csign, residual, side, degenerate, g, working,
                scale, since_refresh, checked, weights=None) -> Vertex:
        """The vertex with its dual constraints ``p + t q >= 0``."""
        Z, E = basis.rows, basis.cols
        pen = self.costs.penalty
        cost = np.stack([pen[0] * csign, pen[1] * csign])
        if isinstance(weights, Pending) and weights.fold is not None:
            # basic_dual's solve, with the edge weights' vector along (one pass over B^-1).
            v = weights.fold[0]
            solved = np.concatenate([cost.take(E, axis=1) - g.take(E, axis=1), v[None]])
            solved = basis.solve_transpose(solved)
            a, solved = solved[:2], solved[2]
        else:
            a, solved = basic_dual(basis, g, cost), None  # (2, |Z|): d_Z(t) = a[0] + t a[1]
        in_E = np.zeros(self.q, dtype=bool)
        in_E[E] = True
        inactive = np.flatnonzero(~in_E)
        # Subgradients s_j(t) = e[0] + t e[1]; the product over every column, then the inactive
        # ones taken: gathering the inactive columns of the row-major A[Z] first cost 70% of
        # this method at |Z| = 500, q = 950 (working-set path, n = 500, p = 20,000). A pending
        # update of the edge weights shares the pass over A[Z].
        if isinstance(weights, Pending):
            product = np.concatenate([a, weights.rows(solved)]) @ rows_Z
            weights = weights.complete(product[2:])
            product = product[:2]
        else:
            product = a @ rows_Z
        if weights is not None:
            weights[E] = 1.0  # an active column's B^-1 A[Z] e_j is a unit vector
        e = g[:, inactive] + product[:, inactive]
        upper, lower = self.costs.upper, self.costs.lower
        pen_i = (pen[0][inactive], pen[1][inactive])
        p = np.concatenate([upper[0][Z] - a[0], a[0] - lower[0][Z], pen_i[0] - e[0],
                            e[0] + pen_i[0]])
        if self.rows_vary:
            q_up, q_lo = upper[1][Z] - a[1], a[1] - lower[1][Z]
        else:
            q_up, q_lo = -a[1], a[1]
        q = np.concatenate([q_up, q_lo, pen_i[1] - e[1], e[1] + pen_i[1]])
        width = self.box_scale[Z]
        col = np.abs(pen_i[0]) + np.abs(pen_i[1]) + np.abs(e[0]) + np.abs(e[1])
        scale_c = np.concatenate([width, width, col, col])
        return Vertex(basis, rows_Z, beta, residual, side, csign, degenerate, g, inactive,
                      (p, q, scale_c), working, scale, since_refresh, checked, weights)

    def _moved(self, previous: Vertex, basis: Basis, rows_Z, side, csign, length: float,
               direction: np.ndarray, weights=None) -> Vertex | None:
        """The vertex reached by a step of ``length`` along ``direction`` (on the working set).

        Residuals, sides and dual values change on the working set only (the basic observations
        are in it); the dual gradient is updated by the rows whose dual value changed. Both
        are recomputed from scratch every ``REFRESH`` steps.
        """
        coefficients = self._coefficients(basis, csign)
        if coefficients is None:
            return None
        beta, csign, tiny = coefficients
        Z, E, working = basis.rows, basis.cols, previous.working
        W = working.index
        since = previous.since_refresh + 1
        # Residuals live on the working set only (sorted, holding Z): no length-n copy per step.
        if since < REFRESH:
            r_w = previous.residual - length * direction
        else:
            r_w = self.y[W] - working.matvec(beta, E)
        on_z = np.searchsorted(W, Z)
        r_w[on_z] = 0.0
        # Exact vertices leave residuals of order 1e-16 of the scale; anything this small is a
        # zero (a degenerate vertex), whose side is bookkeeping, not the sign.
        small = np.abs(r_w) <= DEGENERATE * previous.scale
        r_w[small] = 0.0
        now = np.sign(r_w)
        keep = np.flatnonzero(now == 0)
        now[keep] = side[W[keep]]
        now[on_z] = 0.0
        side[W] = now
        if since < REFRESH:
            # The dual values follow from the sides (:meth:`duals`): only rows of W whose side
            # changed move A'd.
            was = previous.side[W]
            changed = np.flatnonzero(was != now)
            rows = W[changed]
            g = previous.g.copy()
            for k, (new, old) in enumerate(zip(self._duals(now[changed], rows),
                                               self._duals(was[changed], rows))):
                if new is not None:
                    g[k] += self.rows.rmatvec_rows(rows, new - old)
        else:
            since = 0
            g = self._gradient(self._duals(side, slice(None)))
        degenerate = bool(np.count_nonzero(small) > Z.size or tiny)
        return self._finish(basis, rows_Z, beta, csign, r_w, side, degenerate, g,
                            working, previous.scale, since, previous.checked,
                            self._weights(Z.size, weights))

    # -- optimality ----------------------------------------------------------------------------
    @staticmethod
    def optimal(vertex: Vertex, t: float) -> bool:
        """Whether the vertex is optimal at ``t``: every dual constraint satisfied."""
        return bool(np.all(vertex.slack(t) >= -FEASIBLE * vertex.constraints[2]))

    @staticmethod
    def unique_optimum(vertex: Vertex, t: float) -> bool:
        """Whether the vertex is the unique optimum at ``t``: every dual constraint strict.

        Then every optimal point interpolates ``Z`` and has the inactive coefficients at zero;
        with ``A_ZE`` nonsingular that is one point (Koenker 2005, Thm 2.1). Zero residuals
        outside ``Z`` (a degenerate vertex) do not change this.
        """
        return bool(np.all(vertex.slack(t) > STRICT * np.maximum(vertex.constraints[2], 1e-300)))

    def _check_all_rows(self, vertex: Vertex) -> tuple[Vertex | None, bool]:
        """``(vertex, True)`` if every observation is on its side, else the vertex rebuilt.

        Rows outside the working set are recomputed only once ``beta`` has left the radius of
        :attr:`Vertex.checked` (:meth:`ObservationRows.radius`): inside it none can be on its
        wrong side, so the working set's rows alone decide, as a full check would.
        """
        Z, W, working = vertex.Z, vertex.working.index, vertex.working
        tol = DEGENERATE * vertex.scale
        near, radius = vertex.checked
        inside = np.linalg.norm(vertex.beta - near) < radius
        residual = None if inside else self._residual(vertex)
        fresh = self._residual(vertex, working) if inside else residual[W]
        wrong = np.any(vertex.side[W] * fresh < -tol) if inside else np.any(
            vertex.side * residual < -tol)
        if not wrong and np.abs(fresh - vertex.residual).max(initial=0.0) <= 1e-9 * vertex.scale:
            checked = vertex.checked if inside else (
                vertex.beta, self.rows.radius(residual, vertex.side, working))
            return replace(vertex, residual=fresh, since_refresh=0, checked=checked), True
        residual = self._residual(vertex) if inside else residual
        # Rebuild from scratch with the true sides (d and A'd recomputed exactly) and a working
        # set around the new residuals.
        side = np.where(np.abs(residual) <= tol, vertex.side, np.where(residual > 0, 1.0, -1.0))
        side[Z] = 0.0
        return self.vertex(Z, vertex.E, side, vertex.csign, vertex.rows_Z), False

    def _residual(self, vertex: Vertex, working=None) -> np.ndarray:
        """``y - A beta`` (0 on ``Z``) on every row, or on the (sorted) working set's rows."""
        if working is None:
            out = self.y - self.rows.matvec_on(vertex.beta, vertex.E)
            out[vertex.Z] = 0.0
            return out
        out = self.y[working.index] - working.matvec(vertex.beta, vertex.E)
        out[np.searchsorted(working.index, vertex.Z)] = 0.0
        return out

    # -- moving --------------------------------------------------------------------------------
    def _edge_direction(self, vertex: Vertex, event: Event, which: int, sign: float):
        """``(delta, side, csign, columns moved, entering column)`` of the edge."""
        E, inverse = vertex.E, vertex.basis.inverse
        side, csign = vertex.side.copy(), vertex.csign.copy()
        delta = np.zeros(self.q)
        if event is Event.ROW_LEAVES:
            # Observation Z[which] leaves to the side of the violated bound; the other basic
            # observations stay on the fit.
            delta[E] = -sign * inverse[:, which]
            side[vertex.Z[which]] = sign
            return delta, side, csign, E, -1
        delta[which] = sign
        csign[which] = sign
        if E.size:
            delta[E] = -sign * (inverse @ vertex.rows_Z[:, which])
        return delta, side, csign, np.append(E, which), which

    def _kinks(self, vertex: Vertex, t, delta, direction, csign, moved, entering):
        """Kinks along the edge: ``(position, slope increase, id)``; ids < 0 mark columns.

        A non-basic observation whose residual moves against its side (at ``r_i / (A delta)_i``,
        zero for a degenerate one) raises the slope by its box width times ``|a_i delta|``; a
        penalised coefficient crossing zero by twice its penalty times ``|delta_k|``.
        """
        W = vertex.working.index
        local = np.flatnonzero(vertex.side[W] * direction > 0)
        rows = W[local]
        cols = moved[~self.free[moved] & (moved != entering)]
        cols = cols[csign[cols] * delta[cols] < 0]
        kinks = np.concatenate([vertex.residual[local] / direction[local],
                                -vertex.beta[cols] / delta[cols]])
        pen = self.costs.penalty[0][cols] + t * self.costs.penalty[1][cols]
        width = self.width[0][rows] if self.width[1] is None else (
            self.width[0][rows] + t * self.width[1][rows])
        inc = np.concatenate([width * np.abs(direction[local]),
                              2.0 * pen * np.abs(delta[cols])])
        return np.maximum(kinks, 0.0), inc, np.concatenate([rows, -1 - cols])

    def step(self, vertex: Vertex, t: float, index: int, need: float, owned: bool = False):
        """Leave ``vertex`` along the edge of dual constraint ``index``, at parameter ``t``.

        ``need`` is minus the edge's slope (the violation). Goes to the minimum of the objective
        along the edge; ``need = 0`` takes the first kink (one classical pivot). Returns
        ``(vertex, step length)``, ``(None, 0.0)`` when the step fails. ``owned``: no one else
        holds ``vertex``, whose basis inverse and ``rows_Z`` may then be updated in place (it
        must not be used afterwards).
        """
        event, which, sign = edge(index, vertex.Z.size, vertex.inactive)
        delta, side, csign, moved, entering = self._edge_direction(vertex, event, which, sign)
        direction = edge_direction(vertex, delta, moved, which if entering < 0 else -1, sign)
        kinks, inc, ids = self._kinks(vertex, t, delta, direction, csign, moved, entering)
        if kinks.size == 0 or not np.all(np.isfinite(kinks)):
            return None, 0.0
        stop, passed = line_minimum(kinks, inc, need)
        if passed.size == kinks.size - 1 and float(inc.sum()) < need * (1.0 - 1e-12):
            return None, 0.0  # the slope never turns: only rounding can cause this here
        length = float(kinks[stop])
        passed = ids[passed]
        side[passed[passed >= 0]] *= -1.0
        csign[-1 - passed[passed < 0]] *= -1.0
        hit = int(ids[stop])
        if hit >= 0:
            row = self.rows.rows([hit])[0]
            side[hit] = 0.0
        else:
            row = None
            csign[-1 - hit] = 0.0
        # An entering column's B^-1 A[Z] e_j is minus its edge's direction on E.
        solved = None if entering < 0 else -sign * delta[vertex.E]
        basis, rows_Z, weights = pivot(
            vertex.basis, vertex.rows_Z, vertex.weights, event is Event.ROW_LEAVES, which, hit,
            row, owned, (REFRESH, REFRESH_PER), solved)
        if basis is None:
            return None, length
        return self._moved(vertex, basis, rows_Z, side, csign, length, direction,
                           weights), length

    def advance(self, vertex: Vertex, t: float, patience: int, max_steps: int):
        """Simplex steps at fixed ``t`` from ``vertex`` to a vertex optimal at ``t``.

        Each step leaves along the edge of the most violated dual constraint (steepest edge) to
        the minimum along it. At a degenerate vertex steps can have zero length; after a run of
        ``patience // 2`` Bland's rule (the violated constraint of smallest index) takes over,
        and after ``patience`` of them, or ``max_steps`` steps, the engine gives up.

        Returns ``(vertex or None, steps taken)``.
        """
        steps = stalled = 0
        while True:
            slack, scale = vertex.slack(t), vertex.constraints[2]
            if stalled > patience // 2:
                if stalled > patience:
                    return None, steps
                violated = np.flatnonzero(slack < -FEASIBLE * scale)
                worst = int(violated[0]) if violated.size else int(np.argmin(slack))
            else:
                worst = steepest_edge(vertex, slack, scale)
            if worst < 0 or slack[worst] >= -FEASIBLE * scale[worst]:
                if vertex.working.all_rows and vertex.since_refresh == 0:
                    return vertex, steps
                # Optimal on the working set: every observation must be on its side.
                vertex, fine = self._check_all_rows(vertex)
                if fine or vertex is None:
                    return vertex, steps
                continue
            steps += 1
            if steps > max_steps:
                return None, steps
            if steps == 1:
                # The caller keeps its vertex: the steps update a copy of its basis in place.
                vertex = private(vertex)
            vertex, length = self.step(vertex, t, worst, -float(slack[worst]), owned=True)
            if vertex is None:
                return None, steps
            stalled = stalled + 1 if length == 0.0 else 0

    @staticmethod
    def next_breakpoint(vertex: Vertex, t: float, target: float) -> tuple[float, int]:
        """The first ``t'`` from ``t`` towards ``target`` where a dual constraint reaches zero.

        Returns ``(t', index of the constraint)``, or ``(target, -1)`` when the vertex stays
        optimal all the way (:func:`first_zero` on :attr:`Vertex.constraints`).
        """
        return first_zero(vertex.constraints, t, target)

    def walk(self, vertex: Vertex, start: float, end: float, max_pivots: int = 100_000):
        """Every piece of the parametric solution between ``start`` and ``end``.

        From a vertex optimal at ``start``: the next breakpoint, a pivot on the constraint that
        reaches zero there (zero slope along its edge: the first kink), repeated (Gass & Saaty
        1955). At a degenerate breakpoint (the pivot's vertex breaks again at the same ``t``)
        simplex steps at ``t + NUDGE`` give the next piece's vertex, so pivots cannot cycle; a
        piece shorter than ``NUDGE`` is skipped. Returns the list of :class:`Piece`; at each
        breakpoint both neighbouring pieces' vertices are optimal. Raises ``RuntimeError`` if
        the engine cannot continue.
        """
        vertex, upcoming = self.walk_start(vertex, start, end)
        pieces, t = [], float(start)
        for _ in range(max_pivots):
            t_next, index = upcoming
            if t_next != t or index < 0:
                pieces.append(Piece(t, t_next, vertex))
            if index < 0:
                return pieces
            t = t_next
            moved = self.pivot_at(vertex, t, index)
            if moved is not None:
                upcoming = self.next_breakpoint(moved, t, end)
            if moved is None or upcoming[0] == t:
                piece, moved, t, upcoming = self.past_degenerate(vertex, moved, t, end)
                pieces.append(piece)
                if moved is None:
                    return pieces
            vertex = moved
        raise RuntimeError(f"the parametric simplex did not finish in {max_pivots} pivots")

    @property
    def _limits(self) -> tuple[int, int]:
        """``(patience, max_steps)`` of :meth:`advance` during a walk."""
        return 3 * self.q + 30, 5 * (self.n + self.q) + 50

    def walk_start(self, vertex: Vertex, start: float, end: float):
        """The walk's first vertex (optimal at ``start``) and its next breakpoint."""
        vertex, _ = self.advance(vertex, start, *self._limits)
        if vertex is None:
            raise RuntimeError(f"the parametric simplex met a singular basis at t={start}")
        return vertex, self.next_breakpoint(vertex, float(start), end)

    def pivot_at(self, vertex: Vertex, t: float, index: int) -> Vertex | None:
        """The vertex past breakpoint ``t``: a pivot on constraint ``index``, then simplex steps
        at ``t`` if it is not optimal there; ``None`` if either fails."""
        moved, _ = self.step(vertex, t, index, 0.0)
        if moved is not None:
            moved, _ = self.advance(moved, t, *self._limits)
        return moved

    def past_degenerate(self, vertex: Vertex, moved: Vertex | None, t: float, end: float):
        """Past a degenerate breakpoint ``t``: ``(piece, vertex, t, upcoming)``.

        Several constraints reach zero at ``t`` together and the pivot led to a vertex
        (``moved``) that breaks again at ``t`` (pivots there can cycle), or to a singular basis
        (``moved`` is ``None``). Simplex steps at ``t + NUDGE`` (Bland's rule after a stall)
        find the vertex optimal just past ``t`` instead: the next piece's. ``vertex`` is the
        one before the pivot; the returned ``vertex`` is ``None`` when ``t + NUDGE`` is past
        ``end`` (``piece`` is then the last one).
        """
        way = 1.0 if end >= t else -1.0
        nudged = t + way * NUDGE * max(1.0, abs(t))
        if way * (end - nudged) <= 0:
            return Piece(t, end, vertex), None, t, None
        moved, _ = self.advance(vertex if moved is None else moved, nudged, *self._limits)
        if moved is None:
            raise RuntimeError(f"the parametric simplex met a singular basis at t={t}")
        return Piece(t, nudged, moved), moved, nudged, self.next_breakpoint(moved, nudged, end)

