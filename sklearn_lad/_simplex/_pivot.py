"""One step's pivot in the parametric simplex: the basis, the basic rows, the edges' lengths.

:func:`pivot` updates the basis and ``A[Z]`` (in place when the caller owns them: the vertices
:meth:`~sklearn_lad._simplex.ParametricSimplex.advance` makes for itself, after
:func:`private` copied the one it was given) and factorises afresh when an updated inverse has
drifted (:func:`_fresh_enough`); :func:`edge_direction` is how the residuals move along an edge,
computed on the non-basic rows only when the basis holds most rows.

A pivot changes the basis ``B = A[Z][:, E]`` by one of four rank-one changes (a row replaces a
row, a column replaces a column, a row and a column enter or leave together:
:class:`~sklearn_lad._simplex.Basis`). The steepest-edge pricing
(:func:`~sklearn_lad._simplex._pricing.steepest_edge`) needs the length of the edge of an
inactive column ``j``, ``sqrt(1 + ||T_j||^2)`` with ``T = B^{-1} A[Z]``; computing it afresh
costs a ``|Z| x |Z|`` product per priced column. Goldfarb & Reid (1977) update the squared
norms ``w_j = ||T_j||^2`` instead: every pivot changes each column of ``T`` by a multiple of one
vector, ``T'_j = T_j + c_j f``, so

    ``w'_j = w_j + 2 c_j f'T_j + c_j^2 ||f||^2``,

where ``c_j`` and ``f'T_j = (f' B^{-1}) A[Z] e_j`` are two vector-matrix products with ``A[Z]``
for all columns at once (``O(|Z| q)``, no ``O(|Z|^2)`` per column). The four pivots' ``f`` and
``c`` follow from the Sherman-Morrison forms of the basis updates (``M = B^{-1}``, ``A = A[Z]``
before the pivot, ``a`` a new row over all columns):

* column ``c`` replaces the column at position ``r``: ``v = M A e_c``, ``f = -(v - e_r) / v_r``,
  ``c_j = M[r] A e_j``;
* row ``a`` replaces the row at position ``h``: ``u = a_E M``, ``f = M e_h``,
  ``c_j = (a_j - u A e_j) / u_h``;
* row ``a`` and column ``c`` enter: ``v = M A e_c``, ``b = a_E M``, ``s = a_c - b A e_c``;
  ``T`` gains a last row, ``f = (-v, 1)``, ``c_j = (a_j - b A e_j) / s``;
* the row at position ``h`` and the column at position ``k`` leave: ``f = -M e_h / M_kh``,
  ``c_j = M[k] A e_j`` (the ``k``-th entry of ``T'_j`` is then zero and is dropped).

Unknown lengths are ``NaN`` (the pricing computes and keeps them when it first needs them); a
factorisation from scratch forgets them all, so rounding in the updates cannot accumulate.
An active column's ``T_j`` is a unit vector: its ``w_j`` is set to 1.

Goldfarb, D. and Reid, J. K. (1977). A practicable steepest-edge simplex algorithm.
Mathematical Programming 12(1), 361-371.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._basis import Basis
from ._state import Event, Vertex

__all__ = ["UPDATE_FROM", "Pending", "edge", "edge_direction", "pivot", "private", "renumbered"]

# Bases of at least this many rows keep their columns' edge lengths by the update above; on
# smaller ones computing the priced few afresh costs less than the update's products.
UPDATE_FROM = 64
# A large basis's updated inverse is tested for drift instead of factorised afresh on schedule
# (:func:`_fresh_enough`): this much is tolerated, for at most PROBES times the schedule.
DRIFT = 1e-11
PROBES = 4


def edge(index: int, nz: int, inactive: np.ndarray) -> tuple[Event, int, float]:
    """The edge of violated constraint ``index``: ``(event, position or column, side)``."""
    if index < nz:
        return Event.ROW_LEAVES, index, 1.0          # dual above its box: residual turns > 0
    if index < 2 * nz:
        return Event.ROW_LEAVES, index - nz, -1.0    # below its box: residual turns < 0
    if index < 2 * nz + inactive.size:
        return Event.COLUMN_ENTERS, int(inactive[index - 2 * nz]), 1.0
    return Event.COLUMN_ENTERS, int(inactive[index - 2 * nz - inactive.size]), -1.0


def private(vertex: Vertex) -> Vertex:
    """``vertex`` with its own copies of the arrays a step may update in place."""
    basis = replace(vertex.basis, inverse=vertex.basis.inverse.copy())
    weights = None if vertex.weights is None else vertex.weights.copy()
    return replace(vertex, basis=basis, rows_Z=vertex.rows_Z.copy(), weights=weights)


def renumbered(engine, vertex: Vertex, **columns) -> Vertex:
    """``vertex`` with its column data replaced and its dual constraints recomputed from them.

    ``columns`` holds the fields that follow a new numbering of the columns (``basis``,
    ``rows_Z``, ``beta``, ``csign``, ``g``, ``working``, ``checked``, ``weights``); the
    constraints ``p + t q >= 0`` then come from the engine's own formula
    (:meth:`~sklearn_lad._simplex.ParametricSimplex._finish`), so a vertex carried onto other
    columns (the working-set walk, ``sklearn_lad/_walk.py``) cannot drift from one built there.
    """
    v = replace(vertex, **columns)
    return engine._finish(v.basis, v.rows_Z, v.beta, v.csign, v.residual, v.side, v.degenerate,
                          v.g, v.working, v.scale, v.since_refresh, v.checked, v.weights)


# The direction of an edge is computed on the non-basic rows alone when they are at most this
# fraction of the working set.
NONBASIC_SHARE = 0.25


def edge_direction(vertex: Vertex, delta, moved, leaving: int, sign: float) -> np.ndarray:
    """``A delta`` on the working set: how the residuals move along the edge.

    On the basic rows it is known: zero, but ``-sign`` on the row at position ``leaving`` (if
    any) of ``Z``, since ``A[Z] delta`` is what the edge asks of them. With few non-basic rows
    (a basis of nearly ``n`` rows, the wide working-set path) only theirs are computed.
    """
    working = vertex.working
    nonbasic = np.flatnonzero(vertex.side[working.index])
    if nonbasic.size > NONBASIC_SHARE * working.index.size:
        return working.matvec(delta, moved)
    direction = np.zeros(working.index.size)
    direction[nonbasic] = working.matvec_at(delta, nonbasic)
    if leaving >= 0:
        direction[np.searchsorted(working.index, vertex.Z[leaving])] = -sign
    return direction


class Pending:
    """An edge-weight update waiting for its two products with the new ``A[Z]``.

    The vertex's own product (its dual values times ``A[Z]``,
    :meth:`~sklearn_lad._simplex.ParametricSimplex._finish`) reads ``A[Z]`` anyway: the
    update's two rows ride along in it, one pass over ``A[Z]`` instead of two. ``left`` holds
    them aligned with the new ``A[Z]``'s rows, ``extra`` what the change of ``A[Z]`` adds.
    """

    def __init__(self, weights, left, f_norm2: float, extra=None, fold=None) -> None:
        self.weights, self.left, self.f_norm2, self.extra = weights, left, f_norm2, extra
        self.fold = fold

    def rows(self, solved: np.ndarray | None) -> np.ndarray:
        """``left``, given ``solved = v' B'^{-1}`` (the new inverse) when :attr:`fold` is set.

        A column replacement's ``f' B^{-1} = (M[r] - v' M) / v_r`` needs a pass over the old
        inverse ``M``; with ``M' = M - (v - e_r) M[r] / v_r``, ``v' M = v' M' + ((v'v - v_r) /
        v_r) M[r]``, and ``v' M'`` rides along with the new vertex's dual values' solve.
        """
        if self.fold is not None:
            v, row, vr = self.fold
            self.left[1] = (row - solved - ((float(v @ v) - vr) / vr) * row) / vr
        return self.left

    def complete(self, product: np.ndarray) -> np.ndarray:
        """``w + 2 c (f'T) + c^2 ||f||^2`` from ``product = left @ A[Z]`` (new)."""
        if self.extra is not None:
            product = product + self.extra
        c = product[0]
        out = self.weights + c * (2.0 * product[1] + c * self.f_norm2)
        # Rounding must not make a squared norm negative.
        return np.maximum(out, 0.0, out=out)


def _column_weights(weights, inverse, position: int, v: np.ndarray):
    """Column ``j`` (``v = B^-1 A[Z] e_j``) replaces the one at ``position``."""
    vr = float(v[position])
    if vr == 0.0:
        return None
    row = inverse[position].copy()  # the inverse may be updated in place next
    f_norm2 = (float(v @ v) - 2.0 * vr + 1.0) / (vr * vr)
    left = np.empty((2, row.size))
    left[0] = row
    return Pending(weights, left, f_norm2, fold=(v, row, vr))


def _row_weights(weights, inverse, rows_Z, E, position: int, row: np.ndarray):
    """``row`` (over all columns) replaces the row at ``position`` of ``A[Z]``."""
    u = row[E] @ inverse
    uh = float(u[position])
    if uh == 0.0:
        return None
    s = inverse[:, position]
    left = np.stack([-u / uh, s @ inverse])
    # left @ (old A[Z]) = left @ (new A[Z]) + left[:, position] (old row - new row).
    extra = np.outer(left[:, position], rows_Z[position] - row)
    extra[0] += row / uh
    return Pending(weights, left, float(s @ s), extra)


def _added_weights(weights, inverse, E, row: np.ndarray, col: int, v: np.ndarray, rows_Z):
    """``row`` and column ``col`` (``v = B^-1 A[Z] e_col``) enter together."""
    b = row[E] @ inverse
    schur = float(row[col] - b @ rows_Z[:, col])
    if schur == 0.0:
        return None
    # The new A[Z] has ``row`` last: zeros there in ``left`` leave the old rows' product.
    left = np.zeros((2, b.size + 1))
    left[0, :-1], left[1, :-1] = -b / schur, -(v @ inverse)
    extra = np.zeros((2, row.size))
    extra[0] = row / schur
    return Pending(weights, left, float(v @ v) + 1.0, extra)


def _removed_weights(weights, inverse, rows_Z, position: int, col_position: int):
    """The row at ``position`` and the column at ``col_position`` leave together."""
    pivot = float(inverse[col_position, position])
    if pivot == 0.0:
        return None
    s = inverse[:, position] / pivot
    left = np.stack([inverse[col_position], -(s @ inverse)])
    # The new A[Z] lacks the row at ``position``: its share of the product is added back.
    extra = np.outer(left[:, position], rows_Z[position])
    return Pending(weights, np.delete(left, position, axis=1), float(s @ s), extra)


def _weights(weights, basis: Basis, rows_Z, row_leaves: bool, which: int, hit: int, row,
             position: int, solved):
    """The edge weights' update (:class:`Pending`, before the basis changes), or ``None``."""
    if weights is None:
        return None
    inverse, E = basis.inverse, basis.cols
    if row_leaves and hit >= 0:
        return _row_weights(weights, inverse, rows_Z, E, which, row)
    if row_leaves:
        return _removed_weights(weights, inverse, rows_Z, which, position)
    if hit >= 0:
        return _added_weights(weights, inverse, E, row, which, solved, rows_Z)
    return _column_weights(weights, inverse, position, solved)


def _fresh_enough(basis: Basis, rows_Z: np.ndarray, refresh: tuple[int, int]) -> bool:
    """Whether the updated inverse may go on without a factorisation from scratch.

    Below ``due = max(refresh[0], size // refresh[1])`` updates it may. A basis of more than
    ``refresh[0] * refresh[1]`` rows (where ``due`` grows with the size) is then tested every
    ``due`` updates, up to ``PROBES`` times: ``B (B^-1 x)`` and ``(x' B^-1) B`` against ``x``
    for a fixed ``x``, two ``O(|Z|^2)`` products where a factorisation costs ``O(|Z|^3)``. At
    |Z| = 500 the drift grew from 6.5e-13 after 10 updates to 1.3e-12 after 40 (medians,
    working-set path n = 500, p = 20,000), far below ``DRIFT``.
    """
    due = max(refresh[0], basis.size // refresh[1])
    if basis.updates < due:
        return True
    if due == refresh[0] or basis.updates >= PROBES * due:
        return False
    if basis.updates % due:
        return True
    B = rows_Z[:, basis.cols]
    x = np.cos(np.arange(basis.size))
    solved = basis.solve(x)
    scale = max(1.0, float(np.abs(solved).max()) * float(np.abs(B).max()))
    drift = max(float(np.abs(B @ solved - x).max()),
                float(np.abs(basis.solve_transpose(x) @ B - x).max()))
    return drift <= DRIFT * scale


def pivot(basis: Basis, rows_Z: np.ndarray, weights, row_leaves: bool, which: int, hit: int,
          row, owned: bool, refresh: tuple[int, int], solved=None):
    """The basis and ``A[Z]`` after a pivot: ``(basis or None, rows_Z, pending)``.

    ``row_leaves``: the edge is a basic row's (position ``which``) leaving, else inactive
    column ``which`` entering; ``hit`` is the row that stops the step (``row`` its values over
    all columns), or ``-1 - column`` for an active column reaching zero; ``solved`` is
    ``B^-1 A[Z] e_which`` for an entering column. ``owned``: the
    caller alone holds ``basis`` and ``rows_Z``, which are then updated in place where the
    pivot allows it. The basis is factorised afresh when a pivot is too small to trust, or
    once it has had ``max(refresh[0], size // refresh[1])`` updates (rounding drift); ``None``
    if it is then singular. ``pending`` is the edge weights' update (:class:`Pending`), or
    ``None`` when ``weights`` is.
    """
    Z, E = basis.rows, basis.cols
    position = -1 if hit >= 0 else int(np.flatnonzero(E == -1 - hit)[0])
    if not row_leaves and solved is None:
        solved = basis.solve(rows_Z[:, which])
    new_weights = _weights(weights, basis, rows_Z, row_leaves, which, hit, row, position,
                           solved)
    if row_leaves and hit >= 0:                   # a row replaces a row
        new = basis.replace_row(which, hit, row[E], overwrite=owned)
        Z = Z.copy()
        Z[which] = hit
        rows_Z = rows_Z if owned else rows_Z.copy()
        rows_Z[which] = row
    elif row_leaves:                              # a row and a column leave together
        new = basis.remove(which, position)
        Z, E, rows_Z = np.delete(Z, which), np.delete(E, position), np.delete(rows_Z, which, 0)
    elif hit >= 0:                                # a column and a row enter together
        new = basis.add(hit, which, row[E], rows_Z[:, which], row[which], solved)
        Z, E, rows_Z = np.append(Z, hit), np.append(E, which), np.vstack([rows_Z, row])
    else:                                         # a column replaces a column
        new = basis.replace_column(position, which, rows_Z[:, which], owned, solved)
        E = E.copy()
        E[position] = which
    if new is None or not _fresh_enough(new, rows_Z, refresh):
        # A pivot too small to trust, or time to refresh against rounding drift. The edge
        # weights go on: they only steer the pricing, and computing them afresh would cost
        # as much as the factorisation.
        new = Basis.factor(Z, E, rows_Z[:, E]) if Z.size == E.size else None
    return new, rows_Z, new_weights
