"""The observation rows ``A = [1, X]`` as the parametric simplex reads them, with a working set.

The parametric simplex prices and steps on a *working set* of the observations nearest to the
fit (the idea of Portnoy & Koenker's 1997 preprocessing); the other observations are checked once
a vertex is optimal on it, and any on the wrong side join it.

Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise: computability
of squared-error versus absolute-error estimators. Statistical Science 12(4), 279-300.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# The working set holds this many observations per column of A, and at least WORKING_MIN.
WORKING_PER_COLUMN = 20
WORKING_MIN = 1000


class ObservationRows:
    """Products with ``A = [1, X]`` (intercept column first when fitted), dense or sparse."""

    def __init__(self, X, fit_intercept: bool) -> None:
        # Column-major for the products with column subsets, row-major for rows.
        self.X = X if sp.issparse(X) else np.asfortranarray(X)
        self.X_rows = X if sp.issparse(X) else np.ascontiguousarray(X)
        self.off = 1 if fit_intercept else 0
        self.n, p = X.shape
        self.q = p + self.off

    def matvec(self, beta: np.ndarray) -> np.ndarray:
        out = np.asarray(self.X @ beta[self.off:]).ravel()
        return out + beta[0] if self.off else out

    def matvec_on(self, beta: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``A @ beta`` for a ``beta`` that is zero outside the columns ``cols``."""
        feats = cols[cols >= self.off] - self.off
        if sp.issparse(self.X) or 2 * feats.size >= self.X.shape[1]:
            return self.matvec(beta)
        out = self.X[:, feats] @ beta[feats + self.off]
        return out + beta[0] if self.off else out

    def rmatvec(self, d: np.ndarray) -> np.ndarray:
        """``A' d`` for values ``d`` on every observation."""
        out = np.asarray(self.X.T @ d).ravel()
        return np.concatenate([[d.sum()], out]) if self.off else out

    def rmatvec_rows(self, index: np.ndarray, d: np.ndarray) -> np.ndarray:
        """``A[index]' d`` for values ``d`` on a few observations."""
        out = np.asarray(self.X_rows[index].T @ d).ravel()
        return np.concatenate([[d.sum()], out]) if self.off else out

    def rows(self, index) -> np.ndarray:
        """Dense rows ``A[index]`` (all columns)."""
        block = self.X_rows[index]
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        block = np.atleast_2d(block)
        if self.off:
            block = np.hstack([np.ones((block.shape[0], 1)), block])
        return block

    def working_set(self, index: np.ndarray) -> WorkingSet:
        index = np.asarray(index, dtype=np.intp)
        if index.size == self.n:
            return WorkingSet(index, self.X, True, self.off)
        XW = self.X_rows[index] if sp.issparse(self.X) else np.asfortranarray(self.X_rows[index])
        return WorkingSet(index, XW, False, self.off)

    def nearest(self, residual: np.ndarray, basic: np.ndarray) -> WorkingSet:
        """The observations with the smallest residuals (and the basic ones) as working set."""
        size = max(WORKING_MIN, WORKING_PER_COLUMN * self.q)
        if self.n <= 2 * size:
            return self.working_set(np.arange(self.n))
        near = np.argpartition(np.abs(residual), size)[:size]
        return self.working_set(np.union1d(near, basic))


@dataclass(frozen=True)
class WorkingSet:
    """The observations ``index`` the steps look at, and their rows of ``X``."""

    index: np.ndarray
    XW: object
    all_rows: bool
    off: int

    def matvec(self, beta: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``A[index] @ beta`` for a ``beta`` that is zero outside the columns ``cols``."""
        feats = cols[cols >= self.off] - self.off
        if sp.issparse(self.XW) or 2 * feats.size >= self.XW.shape[1]:
            out = np.asarray(self.XW @ beta[self.off:]).ravel()
        else:
            out = self.XW[:, feats] @ beta[feats + self.off]
        return out + beta[0] if self.off else out
