"""The observation rows ``A = [1, X]`` as the parametric simplex reads them, with a working set.

Every product goes through the design operator (:class:`sklearn_lad._design.RowDesign`); this
module only adds the *working set*: the parametric simplex prices and steps on the observations
nearest to the fit (the idea of Portnoy & Koenker's 1997 preprocessing), and the other
observations are checked once a vertex is optimal on it, any on the wrong side joining it.

Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise: computability
of squared-error versus absolute-error estimators. Statistical Science 12(4), 279-300.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .._design import RowDesign

# The working set holds this many observations per column of A, and at least WORKING_MIN.
WORKING_PER_COLUMN = 20
WORKING_MIN = 1000


class ObservationRows:
    """The observation rows of a :class:`~sklearn_lad._design.RowDesign` (no pseudo-rows).

    The penalty is priced by the parametric simplex itself, not as pseudo-rows, so the design
    must have none.

    Parameters
    ----------
    design : RowDesign
        The design; column-major (``order="F"``) is fastest for the products with column
        subsets the steps use.
    """

    def __init__(self, design: RowDesign) -> None:
        if design.n_rows != design.n_samples:
            raise ValueError("ObservationRows needs a design without pseudo or extra rows.")
        self.design = design
        self.off = design.offset
        self.n, self.q = design.n_samples, design.n_columns

    @classmethod
    def of(cls, X, y, fit_intercept: bool) -> ObservationRows:
        """The rows of ``[1, X]`` (the intercept column when ``fit_intercept``)."""
        return cls(RowDesign(X, y, tau=0.5, fit_intercept=fit_intercept, order="F"))

    def matvec(self, beta: np.ndarray) -> np.ndarray:
        return self.design.fitted(beta)

    def matvec_on(self, beta: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``A @ beta`` for a ``beta`` that is zero outside the columns ``cols``."""
        return self.design.fitted(beta, cols)

    def rmatvec(self, d: np.ndarray) -> np.ndarray:
        """``A' d`` for values ``d`` on every observation."""
        return self.design.rmatvec(d)

    def rmatvec_rows(self, index: np.ndarray, d: np.ndarray) -> np.ndarray:
        """``A[index]' d`` for values ``d`` on a few observations."""
        return self.design.rmatvec(d, rows=index)

    @cached_property
    def row_norms(self) -> np.ndarray:
        """``||a_i||_2`` of every observation: ``|a_i (b - b0)| <= ||a_i|| ||b - b0||``."""
        out = np.empty(self.n)
        for start, stop, block in self.design.blocks():
            if sp.issparse(block):
                squares = np.asarray(abs(block).power(2).sum(axis=1)).ravel()
            else:
                block = np.asarray(block, dtype=float)
                squares = np.einsum("ij,ij->i", block, block)
            out[start:stop] = squares
        return np.sqrt(out + (1.0 if self.off else 0.0))

    def radius(self, residual: np.ndarray, side: np.ndarray, working: WorkingSet) -> float:
        """How far ``beta`` may move (2-norm) from where ``residual`` was computed (every row,
        all on their ``side``) before a row outside ``working`` can reach its wrong side.

        Row ``i``'s residual moves by ``|a_i (b - beta)| <= ||a_i|| ||b - beta||``: the radius
        is ``min_i side_i r_i / ||a_i||`` over those rows. The check's own tolerance is not
        added; it is headroom for rounding, so a shortcut taken inside the radius is exact.
        """
        if working.all_rows:
            return np.inf
        outside = np.ones(self.n, dtype=bool)
        outside[working.index] = False
        norms = self.row_norms[outside]
        # A zero row's residual never moves: it cannot limit the radius.
        margin = np.divide(side[outside] * residual[outside], norms,
                           out=np.full(norms.size, np.inf), where=norms > 0)
        return float(margin.min(initial=np.inf))

    def rows(self, index) -> np.ndarray:
        """Dense rows ``A[index]`` (all columns)."""
        return self.design.rows(index)

    def working_set(self, index: np.ndarray) -> WorkingSet:
        index = np.asarray(index, dtype=np.intp)
        if index.size == self.n:
            return WorkingSet(index, self.design, True)
        return WorkingSet(index, self.design.subset(index), False)

    def nearest(self, residual: np.ndarray, basic: np.ndarray) -> WorkingSet:
        """The observations with the smallest residuals (and the basic ones) as working set."""
        size = max(WORKING_MIN, WORKING_PER_COLUMN * self.q)
        if self.n <= 2 * size:
            return self.working_set(np.arange(self.n))
        near = np.argpartition(np.abs(residual), size)[:size]
        return self.working_set(np.union1d(near, basic))


@dataclass(frozen=True)
class WorkingSet:
    """The observations ``index`` the steps look at, and their design."""

    index: np.ndarray
    design: RowDesign
    all_rows: bool

    def matvec(self, beta: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``A[index] @ beta`` for a ``beta`` that is zero outside the columns ``cols``."""
        return self.design.fitted(beta, cols)

    def matvec_at(self, beta: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """``A[index[positions]] @ beta`` for a few positions of the working set."""
        if self.design.sparse:
            return self.design.rows(positions) @ beta
        return self._row_major[positions] @ beta

    @cached_property
    def _row_major(self) -> np.ndarray:
        """``A[index]`` dense and row-major: a few of its rows are then contiguous (in a
        column-major ``X`` each row's entries lie ``n`` apart; gathering them cost as much as
        the whole product). Made on first use only: when the basis holds most of the working
        set's rows, so that this is at most a few times the basis inverse's size."""
        return np.ascontiguousarray(self.design.rows(np.arange(self.index.size)))
