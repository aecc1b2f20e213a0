"""The parametric walk when every column is free: bases of rows only, kept in a few arrays.

Without a penalised column (the quantile process: :meth:`AffineCosts.tau_process` with a zero
penalty) every vertex interpolates ``q`` rows on all ``q`` columns, and every breakpoint is one
exchange of rows (Koenker and d'Orey 1987): the basic row whose dual value reaches a bound
leaves to that side, and the first non-basic row whose residual reaches zero along the edge
enters (the first kink: :func:`~sklearn_lad._simplex.line_minimum` with ``need = 0``).
:meth:`ParametricSimplex.walk` makes that pivot with the general step (columns, long steps, a
new :class:`Vertex` per step, the working rows recomputed after each); with ``q = 6`` its cost
is Python overhead, about 150 numpy calls per breakpoint. :func:`walk_light` makes the same
pivot on a few arrays updated in place (the residuals on the working set, the sides, ``A'd`` by
the two rows that changed), refreshes them from scratch every ``REFRESH`` pivots, and checks
the rows outside the working set only when ``beta`` leaves the radius of the last check
(:meth:`ObservationRows.radius`), as the general engine does. Anything uncommon (a tie at a
breakpoint, a pivot too small to trust, a row on its wrong side) is handed to the general
engine at that breakpoint, and the walk resumes from its vertex.

Each piece keeps its solution, basis, basic dual values and sides as packed bits: ``n / 8``
bytes, not the ``8 n`` of a :class:`Vertex`'s sides.

References
----------
Koenker, R. and d'Orey, V. (1987). Algorithm AS 229: Computing regression quantiles. Journal of
the Royal Statistical Society, Series C (Applied Statistics) 36(3), 383-393.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ._basis import Basis, basic_dual
from ._parametric import DEGENERATE, REFRESH, ParametricSimplex
from ._pricing import FEASIBLE, first_zero
from ._state import Piece, Vertex

__all__ = ["LightPiece", "walk_light"]

# Up to this many columns the breakpoint test runs in Python floats (see _RowBasis.scan).
_SCALAR_Q = 32


@dataclass(frozen=True)
class LightPiece:
    """The solution on one piece of a walk, without the walk's state.

    Attributes
    ----------
    start, end : float
        The piece's ends, in the order walked.
    beta : ndarray of shape (q,)
        The solution (intercept first).
    rows : ndarray of int
        The basic observations ``Z``.
    basic : ndarray of shape (2, len(rows))
        Their dual values, ``basic[0] + t * basic[1]`` (:func:`basic_dual`).
    above : ndarray of uint8
        ``np.packbits(side > 0)``: the observations above the fit (the others, basic rows
        excepted, are below it).
    """

    start: float
    end: float
    beta: np.ndarray
    rows: np.ndarray
    basic: np.ndarray
    above: np.ndarray

    @classmethod
    def of(cls, piece: Piece, engine: ParametricSimplex) -> LightPiece:
        """The light form of a :class:`Piece` of ``engine``'s walk."""
        vertex, pen = piece.vertex, engine.costs.penalty
        cost = np.stack([pen[0] * vertex.csign, pen[1] * vertex.csign])
        basic = basic_dual(vertex.basis, vertex.g, cost) if vertex.Z.size else np.zeros((2, 0))
        return cls(piece.start, piece.end, vertex.beta, vertex.Z.copy(), basic,
                   np.packbits(vertex.side > 0))


class _Status(Enum):
    STAYED = "the pivot failed before changing anything"
    LOOSE = "the pivot was made but the vertex may not be optimal on every row"
    DONE = "the pivot was made and the vertex is optimal at the breakpoint"


class _RowBasis:
    """A vertex whose basis is rows only, changed in place by pivots (see the module)."""

    def __init__(self, engine: ParametricSimplex) -> None:
        self.engine, self.y = engine, engine.y
        costs = engine.costs
        # One fancy index per pivot gives every bound and scale of the basic rows.
        self.bounds = np.stack([costs.upper[0], costs.upper[1], costs.lower[0], costs.lower[1],
                                engine.box_scale])
        self.width = engine.width
        self.cols = np.arange(engine.q)
        self.dense = (None, None)
        self.saved = None
        self.inside = False  # whether the last step stayed in the radius of the last check

    def load(self, vertex: Vertex) -> None:
        basis = vertex.basis
        if not np.array_equal(basis.cols, self.cols):
            order = np.argsort(basis.cols)  # the inverse's rows follow the columns
            basis = Basis(basis.rows, basis.cols[order], basis.inverse[order], basis.updates)
        self.basis, self.beta, self.csign = basis, vertex.beta, vertex.csign
        self.side = vertex.side.copy()
        self.above = self.side > 0
        self.working, W = vertex.working, vertex.working.index
        if self.dense[0] is not vertex.working:
            self.dense = (vertex.working, self.engine.rows.rows(W))
        self.AW, self.W = self.dense[1], W
        self.side_w = self.side[W]
        self.zpos = np.searchsorted(W, basis.rows)
        self.r, self.g, self.scale = vertex.residual, vertex.g, vertex.scale
        self.tol = DEGENERATE * vertex.scale
        self.checked = vertex.checked if vertex.checked is not None else (vertex.beta, 0.0)
        self.since = vertex.since_refresh
        self.a = -(self.g @ self.basis.inverse)

    def scan(self, t: float, end: float) -> bool:
        """The basic dual values :attr:`a`; whether the vertex is optimal at ``t``; and
        :attr:`upcoming`, the next breakpoint towards ``end`` (:func:`first_zero`).

        The ``2q`` constraints ``p + t q >= 0`` are a :class:`Vertex`'s (upper bounds of the
        basic rows' duals, then lower ones). For a small basis they are tested in Python
        floats, with the same arithmetic in the same order as :func:`first_zero`: numpy's cost
        per call exceeds the work there.
        """
        self.a = a = -(self.g @ self.basis.inverse)
        b = self.bounds[:, self.basis.rows]
        if self.cols.size <= _SCALAR_Q:
            optimal, self.upcoming = _scan_scalar(a.tolist(), b.tolist(), t, end)
            return optimal
        p = np.concatenate([b[0] - a[0], a[0] - b[2]])
        slope = np.concatenate([b[1] - a[1], a[1] - b[3]])
        scale = np.concatenate([b[4], b[4]])
        self.upcoming = first_zero((p, slope, scale), t, end)
        return not (p + t * slope < -FEASIBLE * scale).any()

    def vertex(self) -> Vertex:
        """The state as the general engine's :class:`Vertex`."""
        degenerate = bool(np.count_nonzero(np.abs(self.r) <= self.tol) > self.cols.size)
        return self.engine._finish(self.basis, self.AW[self.zpos], self.beta, self.csign,
                                   self.r, self.side.copy(), degenerate, self.g, self.working,
                                   self.scale, self.since, self.checked)

    def piece(self, start: float, end: float) -> LightPiece:
        return LightPiece(start, end, self.beta, self.basis.rows, self.a,
                          np.packbits(self.above))

    def _entering(self, t: float, delta: np.ndarray):
        """The row entering along the edge ``beta + s delta``: ``(position in W, step length,
        A[W] delta)``, ``None`` if no row's residual reaches zero along it.

        The first kink on the working set, unless the step would take ``beta`` out of the
        radius of the last check of every row (a row outside the working set could then be
        crossed first): then the first kink over every row; a row outside the working set
        joins it, made afresh around the residuals (:meth:`_rework`).
        """
        direction = self.AW @ delta
        first = _first_kink(self.side_w, direction, self.r, self.W, self.width, t)
        near, radius = self.checked
        if first is not None:
            after = self.beta + first[1] * delta - near
            self.inside = float(after @ after) < radius * radius
            if self.inside:  # both ends of the step in the ball: all of it
                return first[0], first[1], direction
        self.inside, rows = False, self.engine.rows
        residual = self.y - rows.matvec(self.beta)
        residual[self.basis.rows] = 0.0
        first = _first_kink(self.side, rows.matvec(delta), residual, None, self.width, t)
        if first is None:
            return None
        pos = int(np.searchsorted(self.W, first[0]))
        if pos == self.W.size or self.W[pos] != first[0]:
            self._rework(residual, first[0])
            direction = self.AW @ delta
            pos = int(np.searchsorted(self.W, first[0]))
        return pos, first[1], direction

    def _rework(self, residual: np.ndarray, row: int) -> None:
        """A working set around ``residual`` (every row's, at ``beta``) holding ``row``."""
        working = self.engine.rows.nearest(residual, np.append(self.basis.rows, row))
        self.working, self.W = working, working.index
        self.dense = (working, self.engine.rows.rows(working.index))
        self.AW = self.dense[1]
        self.side_w = self.side[self.W]
        self.zpos = np.searchsorted(self.W, self.basis.rows)
        self.r = residual[self.W]
        self.checked = (self.beta, self.engine.rows.radius(residual, self.side, working))

    def pivot(self, t: float, index: int, end: float) -> _Status:
        """The classical pivot on constraint ``index`` at breakpoint ``t`` of a walk to
        ``end``."""
        q = self.cols.size
        h, sign = index % q, (1.0 if index < q else -1.0)
        entering = self._entering(t, -sign * self.basis.inverse[:, h])
        if entering is None:
            return _Status.STAYED
        pos, length, direction = entering
        hit, row = int(self.W[pos]), self.AW[pos]
        zpos = self.zpos.copy()
        zpos[h] = pos
        basis = self.basis.replace_row(h, hit, row)
        refresh = basis is None or self.since + 1 >= REFRESH
        if refresh:
            # A pivot too small to trust, or time to refresh against rounding drift.
            rows = self.basis.rows.copy()
            rows[h] = hit
            basis = Basis.factor(rows, self.cols, self.AW[zpos])
            if basis is None:
                return _Status.STAYED
        self._commit(basis, zpos, h, sign, pos, length, direction)
        return self._settle(t, end, refresh)

    def _commit(self, basis, zpos, h, sign, pos, length, direction) -> None:
        leaving, hit, old = int(self.basis.rows[h]), int(self.W[pos]), float(self.side_w[pos])
        self.saved = (self.basis, self.beta, self.r, self.g, self.zpos, self.checked,
                      self.since, self.a, (leaving, hit, old, self.zpos[h], pos))
        self.side[leaving], self.side[hit] = sign, 0.0
        self.side_w[self.zpos[h]], self.side_w[pos] = sign, 0.0
        self.above[leaving], self.above[hit] = sign > 0, False
        # A'd moves by the two rows whose dual values changed: the leaving row's from 0 to the
        # bound of its new side, the entering row's from the bound of its old side to 0.
        i, j = (0 if sign > 0 else 2), (0 if old > 0 else 2)
        bl, bh = self.bounds[:, leaving], self.bounds[:, hit]
        change = np.array(((bl[i], -bh[j]), (bl[i + 1], -bh[j + 1])))
        self.g = self.g + change @ self.AW[[self.zpos[h], pos]]
        r = self.r - length * direction
        r[zpos] = 0.0
        self.basis, self.zpos, self.r = basis, zpos, r
        self.beta = basis.solve(self.y[basis.rows])
        self.since += 1

    def _settle(self, t: float, end: float, refresh: bool) -> _Status:
        """After a pivot: refresh if due, check the rows outside the working set if ``beta``
        left the radius, whether the vertex is optimal at ``t``, and the next breakpoint."""
        if refresh:
            self.r = self.y[self.W] - self.AW @ self.beta
            self.r[self.zpos] = 0.0
            self.r[np.abs(self.r) <= self.tol] = 0.0
            self.g = self.engine._gradient(self.engine._duals(self.side, slice(None)))
            self.since = 0
            if (self.side_w * self.r < -self.tol).any():
                return _Status.LOOSE
        near, radius = self.checked
        moved = self.beta - near
        if not (self.inside or float(moved @ moved) < radius * radius):
            full = self.y - self.engine.rows.matvec(self.beta)
            full[self.basis.rows] = 0.0
            if (self.side * full < -self.tol).any():
                return _Status.LOOSE
            self.checked = (self.beta, self.engine.rows.radius(full, self.side, self.working))
        return _Status.DONE if self.scan(t, end) else _Status.LOOSE

    def undo(self) -> None:
        """Back to the state before the last pivot."""
        (self.basis, self.beta, self.r, self.g, self.zpos, self.checked, self.since, self.a,
         (leaving, hit, old, zpos_h, pos)) = self.saved
        self.side[leaving], self.side[hit] = 0.0, old
        self.side_w[zpos_h], self.side_w[pos] = 0.0, old
        self.above[leaving], self.above[hit] = False, old > 0


def _first_kink(side, direction, residual, ids, width, t):
    """The first row whose residual reaches zero along a direction (ties: the largest slope
    increase, as :func:`line_minimum` with ``need = 0``): ``(its index into the arrays, the
    step length)``, ``None`` if there is none. ``ids`` maps indices to rows (``None``: the
    arrays cover every row)."""
    cand = np.flatnonzero(side * direction > 0)
    if cand.size == 0:
        return None
    along = direction[cand]
    kinks = residual[cand] / along
    k = int(kinks.argmin())
    first = float(kinks[k])
    if not math.isfinite(first):
        return None
    stop = max(first, 0.0)  # a negative kink is a zero residual, rounded
    if np.count_nonzero(kinks <= stop) > 1:
        ties = np.flatnonzero(kinks <= stop)
        rows = cand[ties] if ids is None else ids[cand[ties]]
        slope = width[0][rows] if width[1] is None else width[0][rows] + t * width[1][rows]
        k = ties[np.argmax(slope * np.abs(along[ties]))]
    return int(cand[k]), stop


def _scan_scalar(a: list, b: list, t: float, end: float) -> tuple[bool, tuple[float, int]]:
    """:meth:`_RowBasis.scan` in Python floats: ``a`` the basic dual values (constant, slope),
    ``b`` the basic rows' bounds (upper constant and slope, lower ones, scale)."""
    upper0, upper1, lower0, lower1, box = b
    a0, a1 = a
    q = len(a0)
    way = 1.0 if end >= t else -1.0
    best, index, optimal = abs(end - t), -1, True
    for k in range(2 * q):
        if k < q:
            h, p, s = k, upper0[k] - a0[k], upper1[k] - a1[k]
        else:
            h = k - q
            p, s = a0[h] - lower0[h], a1[h] - lower1[h]
        floor = -FEASIBLE * box[h]
        now = p + t * s
        optimal = optimal and now >= floor
        if way * s < 0 and p + end * s < floor:
            distance = max(now, 0.0) / (-way * s)
            if distance < best:
                best, index = distance, k
    return optimal, ((end, -1) if index < 0 else (t + way * best, index))


def _by_engine(engine: ParametricSimplex, state: _RowBasis, status: _Status, t: float,
               index: int, end: float):
    """Breakpoint ``t`` by the general engine (:meth:`ParametricSimplex.walk`'s steps), from
    the state after a pivot of ``status``: ``(vertex or None at the end, t, upcoming, piece
    or None)``."""
    moved = None if status is _Status.STAYED else state.vertex()
    if status is not _Status.STAYED:
        state.undo()
    before = state.vertex()
    if status is _Status.STAYED:
        moved = engine.pivot_at(before, t, index)
    elif status is _Status.LOOSE:
        moved, _ = engine.advance(moved, t, *engine._limits)
    upcoming = None if moved is None else engine.next_breakpoint(moved, t, end)
    if moved is not None and upcoming[0] != t:
        return moved, t, upcoming, None
    piece, moved, t, upcoming = engine.past_degenerate(before, moved, t, end)
    return moved, t, upcoming, LightPiece.of(piece, engine)


def walk_light(engine: ParametricSimplex, vertex: Vertex, start: float, end: float,
               max_pivots: int = 100_000) -> list[LightPiece]:
    """:meth:`ParametricSimplex.walk` with :class:`LightPiece` results.

    The same pieces (breakpoints, vertices, dual values), computed by pivots on a few arrays
    when no column is penalised (see the module); otherwise the general walk's pieces, made
    light.

    Parameters
    ----------
    engine : ParametricSimplex
        The engine.
    vertex : Vertex
        A vertex optimal at ``start``.
    start, end : float
        The walk's ends (``end < start`` walks down).
    max_pivots : int, default=100_000
        Raise ``RuntimeError`` past this many pivots.

    Returns
    -------
    list of LightPiece
        In the order walked; at each breakpoint both neighbouring pieces are optimal.
    """
    if not engine.free.all():
        return [LightPiece.of(p, engine) for p in engine.walk(vertex, start, end, max_pivots)]
    vertex, upcoming = engine.walk_start(vertex, start, end)
    state = _RowBasis(engine)
    state.load(vertex)
    pieces, t = [], float(start)
    for _ in range(max_pivots):
        t_next, index = upcoming
        if t_next != t or index < 0:
            pieces.append(state.piece(t, t_next))
        if index < 0:
            return pieces
        t = t_next
        status = state.pivot(t, index, end)
        if status is _Status.DONE:
            upcoming = state.upcoming
            if upcoming[0] != t:
                continue
        moved, t, upcoming, piece = _by_engine(engine, state, status, t, index, end)
        if piece is not None:
            pieces.append(piece)
        if moved is None:
            return pieces
        state.load(moved)
    raise RuntimeError(f"the parametric simplex did not finish in {max_pivots} pivots")
