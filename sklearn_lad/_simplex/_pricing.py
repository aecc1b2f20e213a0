"""Pricing of the parametric simplex: which violated dual constraint's edge to leave along.

Steepest edge (Goldfarb & Reid 1977) with partial pricing: the violation per unit length of the
edge in ``beta``, for the most violated constraints only; on large bases the inactive columns'
lengths come from :attr:`Vertex.weights`, kept by Goldfarb & Reid's update (:mod:`._pivot`), not
computed per step. And the ratio test in the parameter, :func:`first_zero`: where the next dual
constraint reaches zero.

Goldfarb, D. and Reid, J. K. (1977). A practicable steepest-edge simplex algorithm.
Mathematical Programming 12(1), 361-371.
"""

from __future__ import annotations

import numpy as np

from ._state import Vertex

__all__ = ["FEASIBLE", "first_zero", "steepest_edge"]

# A dual constraint violated by less than this (relative to its scale) is satisfied.
FEASIBLE = 1e-12
# Violated constraints whose edge lengths the steepest-edge pricing computes per step: PRICED,
# or PRICING_BUDGET / |Z| when fewer (each length costs a |Z| x |Z| product). At |Z| = 500 the
# 32 most violated found as short a walk as all of them (6,335 vs 6,426 steps, working-set path
# n = 500, p = 20,000) at a fifth of the pricing's time; |Z| <= 64 keeps 256, and at least
# PRICED_MIN are priced.
PRICED = 256
PRICING_BUDGET = 16_384
PRICED_MIN = 16


def steepest_edge(vertex: Vertex, slack: np.ndarray, scale: np.ndarray) -> int:
    """The most violated dual constraint per unit length of its edge (steepest edge).

    The edge of a basic observation moves ``beta`` by a column of the basis inverse per unit
    of its residual, the edge of an inactive column by ``(1, -B^-1 A_Zj)`` per unit of its
    coefficient; dividing the violation by that length prefers edges that improve the
    objective most per distance travelled.

    Parameters
    ----------
    vertex : Vertex
        The current vertex.
    slack : ndarray
        Its dual constraints' values ``p + t q`` at the current ``t``.
    scale : ndarray
        What each constraint's violation is measured against.

    Returns
    -------
    int
        The constraint to leave along; ``-1`` if there is none, the least slack one if none
        is violated.
    """
    if slack.size == 0:
        return -1
    violated = np.flatnonzero(slack < -FEASIBLE * scale)
    if violated.size == 0:
        return int(np.argmin(slack))
    priced = min(PRICED, max(PRICED_MIN, PRICING_BUDGET // max(vertex.Z.size, 1)))
    if violated.size > priced:
        # Partial pricing: edge lengths only for the most violated constraints. Each
        # inactive column's length costs a |Z| x |Z| product; with hundreds violated (a
        # wide working set) that was a quarter of the path's time (n = 500, p = 20,000:
        # 40.3 s -> 27.8 s, same run).
        violated = violated[np.argpartition(slack[violated], priced)[:priced]]
    nz, inverse = vertex.Z.size, vertex.basis.inverse
    lengths = np.ones(violated.size)
    on_rows = violated < 2 * nz
    if on_rows.any():
        cols = inverse[:, violated[on_rows] % max(nz, 1)]
        lengths[on_rows] = np.sqrt(np.einsum("ij,ij->j", cols, cols))
    if not on_rows.all():
        k = vertex.inactive.size
        which = vertex.inactive[(violated[~on_rows] - 2 * nz) % k]
        lengths[~on_rows] = np.sqrt(1.0 + _column_weights(vertex, which))
    return int(violated[np.argmin(slack[violated] / lengths)])


def _column_weights(vertex: Vertex, which: np.ndarray) -> np.ndarray:
    """``||B^-1 A[Z] e_j||^2`` of the inactive columns ``which``.

    From the vertex's updated weights (:mod:`._pivot`) where known. The first time one is not
    (a vertex built from scratch) every inactive column's is computed and kept there (a cache:
    the values are the same whoever asks first): one product with many columns costs less
    than a few columns at each of the next steps.
    """
    inverse, weights = vertex.basis.inverse, vertex.weights
    if weights is None:
        fresh = which
    else:
        known = weights[which]
        if not np.isnan(known).any():
            return known
        fresh = vertex.inactive[np.isnan(weights[vertex.inactive])]
    moved = inverse @ vertex.rows_Z[:, fresh] if vertex.Z.size else np.zeros((0, fresh.size))
    lengths = np.einsum("ij,ij->j", moved, moved)
    if weights is None:
        return lengths
    weights[fresh] = lengths
    return weights[which]


def first_zero(constraints: tuple, t: float, target: float) -> tuple[float, int]:
    """The first ``t'`` from ``t`` towards ``target`` where ``p + t' q`` reaches zero.

    ``constraints = (p, q, scale)`` (:attr:`Vertex.constraints`). Returns ``(t', index of the
    constraint)``, or ``(target, -1)`` when every constraint stays satisfied all the way. A
    constraint still satisfied at ``target`` to the tolerance of
    :meth:`~sklearn_lad._simplex.ParametricSimplex.optimal` does not count: at the ends of the
    tau process every constraint reaches zero exactly at ``tau = 1`` (or 0), and rounding would
    otherwise report a breakpoint at ``1 - 4e-16`` whose pivot meets a singular basis.
    """
    p, q, scale = constraints
    way = 1.0 if target >= t else -1.0
    falling = np.flatnonzero((way * q < 0) & (p + target * q < -FEASIBLE * scale))
    if falling.size == 0:
        return target, -1
    distance = np.maximum(p[falling] + t * q[falling], 0.0) / (-way * q[falling])
    k = int(np.argmin(distance))
    if distance[k] >= abs(target - t):
        return target, -1
    return t + way * float(distance[k]), int(falling[k])
