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

import numpy as np

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
