"""The exact finish of ``solver="irls"``: basis exchanges from a candidate vertex.

IRLS approaches a vertex of the quantile LP only linearly. Its finish takes the linearly
independent rows nearest to interpolation as a basis (:func:`candidate_basis`), solves the square
system exactly and, while some basic dual value lies outside its box ``[-(1 - tau) w_i, tau w_i]``,
moves along the edge that frees that row to the exact minimum along the edge and swaps the row
that stops it into the basis (:func:`exchange`): the descent step of Barrodale & Roberts (1973),
on the simplex engine's basis and line search. Rank-deficient designs (collinear or constant
columns, ``n < p``) get a basis of ``rank`` rows on as many independent columns, which span the
same fits.

References
----------
Barrodale, I. and Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. SIAM Journal on Numerical Analysis 10(5), 839-848.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import qr

from .._canonical import independent_rows_of
from .._design import RowDesign
from .._simplex import Basis, basic_dual, dual_at_bounds, line_search
from .._tolerances import IRLS_EXCHANGE_DUAL_RTOL

__all__ = ["candidate_basis", "exchange"]

# Reciprocal condition number below which an exchange basis counts as singular.
_EXCHANGE_RCOND = 1e-14


def candidate_basis(rows: RowDesign, score: np.ndarray, rank: int) -> np.ndarray:
    """Up to ``rank`` linearly independent rows with the smallest ``score``.

    The scan is bounded: if a numerically rank-deficient design yields fewer independent rows
    within the first ``max(20 q, 2000)`` candidates, those are returned.
    """
    m, q = rows.shape
    limit = min(rank, m)
    take = min(m, 2 * q + 8)
    cap = min(m, max(20 * q, 2000))
    while True:
        if take < m:
            order = np.argpartition(score, take - 1)[:take]
        else:
            order = np.arange(m)
        order = order[np.argsort(score[order], kind="stable")]
        chosen = independent_rows_of(rows, order, limit)
        if chosen.size == limit or take >= cap:
            return chosen
        take = min(cap, 4 * take)


def _exchange_basis(rows: RowDesign, basis: np.ndarray) -> Basis | None:
    """The factorised basis of linearly independent rows ``basis``.

    With fewer rows than ``q`` (a rank-deficient design) it is taken on as many linearly
    independent columns (QR with column pivoting), which span the same fits.
    """
    full = rows.rows(basis)
    if basis.size < rows.n_columns:
        pivots = qr(full, mode="r", pivoting=True, check_finite=False)[1]
        columns = np.sort(pivots[: basis.size])
    else:
        columns = np.arange(rows.n_columns)
    return Basis.factor(basis, columns, full[:, columns], rcond=_EXCHANGE_RCOND)


def _basic_boxes(basis, lower, upper, w, n: int, k: int):
    """The basic rows' dual boxes ``(lo, hi)``, which are pseudo-rows, and their mirrors.

    The mirror row of a basic pseudo-row also has residual 0. The pair's dual values enter
    ``A'd`` only through their difference, which ranges over ``[-w, w]``: the whole range goes
    to the basic row and 0 to its mirror.
    """
    lo, hi = lower[basis], upper[basis]
    pseudo = basis >= n
    mirror = np.where(basis[pseudo] < n + k, basis[pseudo] + k, basis[pseudo] - k)
    lo[pseudo], hi[pseudo] = -w[basis[pseudo]], w[basis[pseudo]]
    return lo, hi, pseudo, mirror


def _vertex_dual(rows: RowDesign, tau: float, basis: np.ndarray, factor: Basis, r: np.ndarray):
    """The dual of the vertex of ``basis``: non-basic rows at the bound their residual's sign
    picks, basic rows from the basis. Returns ``(d, d_basis, boxes, excess)`` with ``boxes``
    from :func:`_basic_boxes` and ``excess`` how far (relative to ``w_h``) each basic value
    lies outside its box."""
    w, n, k = rows.weights, rows.n_samples, rows.penalized.size
    lower, upper = -(1.0 - tau) * w, tau * w
    r[basis] = 0.0
    side = np.where(r > 0, 1.0, -1.0)
    side[basis] = 0.0
    d = dual_at_bounds(side, lower, upper)
    boxes = _basic_boxes(basis, lower, upper, w, n, k)
    lo, hi, _, mirror = boxes
    d[mirror] = 0.0
    d_basis = basic_dual(factor, rows.rmatvec(d))
    excess = np.maximum(d_basis - hi, lo - d_basis) / w[basis]
    return d, d_basis, boxes, excess


def _feasible_dual(rows: RowDesign, tau: float, basis, d, d_basis, boxes) -> np.ndarray:
    """``d`` with the basic values clipped into their boxes, a pair's difference split over its
    two pseudo-rows (both inside their boxes)."""
    lo, hi, pseudo, mirror = boxes
    w = rows.weights[basis]
    d_basis = np.clip(d_basis, lo, hi)
    d[basis] = np.clip(d_basis, -(1.0 - tau) * w, tau * w)
    if pseudo.any():
        d[mirror] = d[basis[pseudo]] - d_basis[pseudo]
    return d


def _edge(rows: RowDesign, tau: float, basis, factor: Basis, r, push, hint):
    """The exchange step freeing basic row ``push[0]`` towards the side ``push[1]`` (+1: its
    residual turns negative): ``(t, entering row, delta, u)``, or ``None`` when neither a
    descent nor a degenerate pivot is left."""
    worst, direction = push
    w, q = rows.weights, rows.n_columns
    e = np.zeros(basis.size)
    e[worst] = direction
    delta = np.zeros(q)
    delta[factor.cols] = factor.solve(e)
    u = rows.matvec(delta)
    u[basis] = e  # exact zeros on the rows that stay interpolated
    t, enter = line_search(r, u, w, tau, hint=hint)
    if enter < 0 or np.isin(enter, basis):
        # No descent along the edge: the violation comes from the arbitrary dual values
        # given to degenerate rows (zero residual, outside the basis). Swap one of them in
        # (a degenerate pivot); the step cap guards against cycling.
        degenerate = np.flatnonzero((r == 0) & (u != 0))
        degenerate = degenerate[~np.isin(degenerate, basis)]
        if degenerate.size == 0:
            return None
        t, enter = 0.0, int(degenerate[np.argmax(w[degenerate] * np.abs(u[degenerate]))])
    return t, enter, delta, u


def exchange(
    rows: RowDesign, tau: float, basis: np.ndarray, max_steps: int, max_violated: int | None = None
):
    """Descend from the vertex of ``basis`` by basis exchanges until its dual is feasible.

    ``basis`` holds linearly independent rows; when there are fewer than ``q`` (a rank-deficient
    design) the vertex is computed on as many linearly independent columns, which span the same
    fits. Returns ``(beta, basis, steps, dual)``; ``dual`` is ``None`` unless the basic dual
    values lie in their box, in which case it is a dual-feasible point with zero gap: the vertex
    is optimal (up to rounding; ``certify`` confirms it independently). With ``max_violated``,
    a starting basis with more basic dual values outside their box is left alone (0 steps).
    """
    q = rows.n_columns
    max_violated = q if max_violated is None else max_violated
    basis = basis.copy()
    factor = _exchange_basis(rows, basis)
    if factor is None:
        return None, basis, 0, None
    beta = np.zeros(q)
    beta[factor.cols] = factor.solve(rows.y[basis])
    r = rows.y - rows.matvec(beta)
    hint = None  # the previous step length: the next edge's minimum is usually near it
    for step in range(max_steps + 1):
        d, d_basis, boxes, excess = _vertex_dual(rows, tau, basis, factor, r)
        if basis.size == 0:
            # A design of rank 0 (all-zero X, no intercept): beta = 0 is the only vertex and
            # every dual at its bounds is feasible (A'd = 0 for A = 0).
            return beta, basis, step, d
        worst = int(np.argmax(excess))
        if step == 0 and np.count_nonzero(excess > IRLS_EXCHANGE_DUAL_RTOL) > max_violated:
            return beta, basis, 0, None
        if excess[worst] <= IRLS_EXCHANGE_DUAL_RTOL:
            return beta, basis, step, _feasible_dual(rows, tau, basis, d, d_basis, boxes)
        if step == max_steps:
            return beta, basis, step, None
        # Free basic row `worst` towards the side its dual value asks for: below the box means
        # its residual should turn negative (A_h delta = +e), above means positive.
        push = (worst, 1.0 if d_basis[worst] < boxes[0][worst] else -1.0)
        edge = _edge(rows, tau, basis, factor, r, push, hint)
        if edge is None:
            return beta, basis, step, None
        t, enter, delta, u = edge
        beta, r = beta + t * delta, r - t * u
        hint = abs(t) if t != 0.0 else hint
        basis[worst] = enter
        factor = _replace_row(rows, factor, basis, worst, enter)
        if factor is None:
            return beta, basis, step + 1, None
    return beta, basis, max_steps, None


def _replace_row(rows: RowDesign, factor: Basis, basis, position: int, enter: int):
    """``factor`` with row ``enter`` at ``position``: a rank-one update, or a factorisation from
    scratch after a small pivot or to clear rounding drift; ``None`` if singular."""
    columns = factor.cols
    updated = factor.replace_row(position, enter, rows.rows(np.array([enter]))[0, columns])
    if updated is None or updated.stale:
        updated = Basis.factor(basis, columns, rows.rows(basis)[:, columns],
                               rcond=_EXCHANGE_RCOND)
    return updated
