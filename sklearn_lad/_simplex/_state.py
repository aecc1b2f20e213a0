"""Explicit state of the parametric simplex: the costs as functions of ``t``, vertices, pieces.

Everything here is immutable: a simplex step makes a new :class:`Vertex` (sharing the arrays it
does not change), so no step changes the state another one holds. Two exceptions no caller can
observe: :meth:`~sklearn_lad._simplex.ParametricSimplex.advance` updates in place the basis
inverse and ``A[Z]`` of the vertices it made itself and has not returned (it copies the vertex
it was given first), and :attr:`Vertex.weights` is a cache filled in as the pricing needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from ._basis import Basis
from ._rows import WorkingSet

__all__ = ["AffineCosts", "Event", "Piece", "Vertex"]


class Event(Enum):
    """What happens at a simplex step or a breakpoint."""

    ROW_LEAVES = "a basic row's dual value reaches a bound: the row leaves the fit"
    COLUMN_ENTERS = "an inactive column's subgradient reaches its bound: the column enters"
    ROW_ENTERS = "a non-basic row's residual reaches zero: the row joins the fit"
    COLUMN_LEAVES = "an active penalised coefficient reaches zero: the column leaves"


@dataclass(frozen=True)
class AffineCosts:
    """Costs affine in ``t``: each field is a pair ``(constant, slope)``.

    ``upper`` (per observation) is the cost of a positive residual per unit, ``lower`` (<= 0)
    minus the cost of a negative one, so the dual value of observation ``i`` lies in
    ``[lower_i(t), upper_i(t)]``; ``penalty`` (per column of ``A``) is the cost of ``|b_j|``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._simplex import AffineCosts
    >>> costs = AffineCosts.tau_process(np.ones(3), np.zeros(2))
    >>> costs.at(0.25)[0]  # the dual box's upper end, tau * w
    array([0.25, 0.25, 0.25])
    """

    upper: tuple[np.ndarray, np.ndarray]
    lower: tuple[np.ndarray, np.ndarray]
    penalty: tuple[np.ndarray, np.ndarray]

    @classmethod
    def alpha_path(cls, weights, tau: float, penalty_per_alpha) -> AffineCosts:
        """The regularisation path: ``t = alpha``, ``penalty_per_alpha = pi_j * sum(w)``."""
        w, zero = np.asarray(weights, float), np.zeros(len(weights))
        pen = np.asarray(penalty_per_alpha, float)
        return cls((tau * w, zero), (-(1.0 - tau) * w, zero), (np.zeros(pen.size), pen))

    @classmethod
    def tau_process(cls, weights, penalty) -> AffineCosts:
        """The quantile process: ``t = tau``, box ``[(tau - 1) w, tau w]``, fixed penalty."""
        w = np.asarray(weights, float)
        pen = np.asarray(penalty, float)
        return cls((np.zeros(w.size), w), (-w, w), (pen, np.zeros(pen.size)))

    def at(self, t: float):
        """``(upper, lower, penalty)`` at ``t``."""
        return tuple(c + t * s for c, s in (self.upper, self.lower, self.penalty))

    @property
    def rows_vary(self) -> bool:
        return bool(np.any(self.upper[1]) or np.any(self.lower[1]))

    @property
    def free(self) -> np.ndarray:
        """Columns never penalised: always in the basis."""
        return (self.penalty[0] == 0) & (self.penalty[1] == 0)


@dataclass(frozen=True)
class Vertex:
    """A vertex of the LP and its dual constraints as functions of ``t``.

    ``constraints = (p, q, scale)``: the vertex is dual feasible where ``p + t q >= 0``, one entry
    per bound: the upper then lower bounds of the basic rows' duals (in ``basis.rows`` order),
    then ``pen_j - s_j`` and ``s_j + pen_j`` for the inactive columns' subgradients ``s_j``.
    """

    basis: Basis
    rows_Z: np.ndarray     # A[Z] over all columns, in basis.rows order
    beta: np.ndarray
    residual: np.ndarray   # on working.index only (sorted; contains Z): the rows the steps read
    side: np.ndarray       # +1 / -1 per non-basic observation (bookkept at zero); 0 on Z
    csign: np.ndarray      # sign of each active penalised coefficient (bookkept at zero)
    degenerate: bool
    g: np.ndarray          # (2, q): A' d, d the dual values at the bounds (engine.duals)
    inactive: np.ndarray   # penalised columns at zero
    constraints: tuple
    working: WorkingSet
    scale: float           # of the data, for zero residuals
    since_refresh: int = 0
    # (beta at the last check of every row, radius): while ||beta - that beta||_2 < radius no
    # row outside the working set can have reached its wrong side (see _check_all_rows).
    checked: tuple | None = None
    # ||B^-1 A[Z] e_j||^2 per column (NaN: not known yet), the steepest-edge pricing's column
    # lengths kept by Goldfarb & Reid's update (_pivot.py); None on small bases.
    weights: np.ndarray | None = None

    @property
    def Z(self) -> np.ndarray:
        return self.basis.rows

    @property
    def E(self) -> np.ndarray:
        return self.basis.cols

    def slack(self, t: float) -> np.ndarray:
        p, q, _ = self.constraints
        return p + t * q


@dataclass(frozen=True)
class Piece:
    """The vertex optimal for ``t`` in ``[start, end]`` (a piece of the parametric solution)."""

    start: float
    end: float
    vertex: Vertex
