"""One vertex basis factorised for a few solves: LU factors instead of an explicit inverse.

The engine's :class:`~sklearn_lad._simplex.Basis` keeps ``B^{-1}`` of ``B = A[Z][:, E]``
explicitly: right for the simplex walk, whose bases are small and updated by rank-one steps.
The working sets' vertex test (``_vertex_check.py``) factorises one basis once and solves with it
and its transpose a handful of times. On ``p >> n`` data that basis is large (a lasso optimum
interpolates as many observations as it has non-zeros; at alpha_max/5 that was 0.8-0.87 n on
every ``p >> n`` benchmark shape, dense or sparse), and the explicit inverse
(``getrf`` + ``getri``) costs about 2.5 times the LU alone (measured on a 1,583-row basis of the
sparse benchmark scaled to n = 2,000: ``getrf`` 0.13 s, ``getrf`` + ``getri`` 0.32 s, SuperLU
0.32-0.49 s with any of its orderings: on these random sparse rows the LU fills in to 75% of
a dense one, so sparse LU saves nothing).

* :class:`LUBasis`: LAPACK ``getrf`` with ``gecon``'s condition estimate (the same test and
  threshold as the dense engine's basis) and ``getrs`` for both solves;
* :class:`SparseBasis`: SuperLU (``scipy.sparse.linalg.splu``), with Hager's estimate of
  ``||B^{-1}||_1`` (Higham & Tisseur 2000, ``scipy.sparse.linalg.onenormest``), for a sparse
  basis too large to hold densely;
* :func:`factor_basis` picks one: the engine's :class:`Basis` below :data:`LU_MIN_SIZE` rows
  (behaviour and speed unchanged there), :class:`SparseBasis` for a sparse block above
  :data:`DENSE_MAX_SIZE`, :class:`LUBasis` otherwise.

References
----------
Higham, N. J. and Tisseur, F. (2000). A block algorithm for matrix 1-norm estimation, with an
application to 1-norm pseudospectra. SIAM Journal on Matrix Analysis and Applications 21(4),
1185-1201.
Li, X. S. (2005). An overview of SuperLU: algorithms, implementation, and user interface. ACM
Transactions on Mathematical Software 31(3), 302-325.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.linalg.lapack import dgecon, dgetrf, dgetrs

from ._simplex import Basis
from ._simplex._basis import RCOND

__all__ = ["LUBasis", "SparseBasis", "factor_basis"]

#: Bases with fewer rows than this keep the engine's explicit inverse (cheap at that size, and
#: the behaviour the dense engine was tested with).
LU_MIN_SIZE = 300
#: A sparse basis with more rows than this is factorised by SuperLU: its dense LU would need
#: more than ``8 * DENSE_MAX_SIZE**2`` bytes (1.8 GB).
DENSE_MAX_SIZE = 15_000


@dataclass(frozen=True)
class _OneOffBasis:
    """Rows ``Z`` interpolated on columns ``E`` and a factorisation of ``B = A[Z][:, E]``.

    The solving interface of :class:`~sklearn_lad._simplex.Basis` (no updates); subclasses
    provide :meth:`factor` and ``_apply(rhs, transpose)`` for ``(m,)`` or ``(m, k)`` ``rhs``.

    Attributes
    ----------
    rows : ndarray of int
        ``Z``, in the order of ``B``'s rows.
    cols : ndarray of int
        ``E``, in the order of ``B``'s columns.
    """

    rows: np.ndarray
    cols: np.ndarray

    @property
    def size(self) -> int:
        return int(self.rows.size)

    def _apply(self, rhs: np.ndarray, transpose: bool) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """``B^{-1} rhs``: the coefficients on ``cols`` interpolating values on ``rows``."""
        return self._apply(np.asarray(rhs, dtype=float), False)

    def solve_transpose(self, rhs: np.ndarray) -> np.ndarray:
        """``B^{-T} rhs`` (``rhs`` may be a stack of right-hand sides, one per row)."""
        rhs = np.asarray(rhs, dtype=float)
        if rhs.ndim == 1:
            return self._apply(rhs, True)
        return self._apply(np.ascontiguousarray(rhs.T), True).T


@dataclass(frozen=True)
class LUBasis(_OneOffBasis):
    """A vertex basis with the LU factors of dense ``B = A[Z][:, E]`` (``rows``, ``cols`` as in
    :class:`_OneOffBasis`).

    Attributes
    ----------
    lu : ndarray
        LAPACK's packed LU factors of ``B``.
    piv : ndarray of int
        Its row interchanges.

    Examples
    --------
    >>> import numpy as np
    >>> basis = LUBasis.factor(np.array([4, 7]), np.array([0, 1]),
    ...                        np.array([[2.0, 0.0], [1.0, 1.0]]))
    >>> basis.solve(np.array([2.0, 3.0]))
    array([1., 2.])
    >>> basis.solve_transpose(np.array([2.0, 1.0]))
    array([0.5, 1. ])
    """

    lu: np.ndarray = None
    piv: np.ndarray = None

    @classmethod
    def factor(cls, rows, cols, matrix, rcond: float = RCOND) -> LUBasis | None:
        """Factorise the square ``matrix = A[rows][:, cols]``; ``None`` if it is singular
        (LAPACK's reciprocal condition estimate not above ``rcond``)."""
        matrix = np.asarray(matrix, dtype=float)
        lu, piv, info = dgetrf(matrix)
        if info != 0:
            return None
        rc, info = dgecon(lu, float(np.abs(matrix).sum(axis=0).max(initial=0.0)), norm="1")
        if info != 0 or not rc > rcond:
            return None
        return cls(np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp), lu, piv)

    def _apply(self, rhs: np.ndarray, transpose: bool) -> np.ndarray:
        out, info = dgetrs(self.lu, self.piv, rhs, trans=int(transpose))
        if info != 0:  # pragma: no cover - invalid argument, cannot happen for a valid factor
            raise RuntimeError("dgetrs failed")
        return out


@dataclass(frozen=True)
class SparseBasis(_OneOffBasis):
    """A vertex basis with a SuperLU factorisation of sparse ``B = A[Z][:, E]`` (``rows``,
    ``cols`` as in :class:`_OneOffBasis`).

    Attributes
    ----------
    lu : scipy.sparse.linalg.SuperLU
        The factorisation of ``B``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> B = sp.csc_array(np.array([[2.0, 0.0], [1.0, 1.0]]))
    >>> basis = SparseBasis.factor(np.array([4, 7]), np.array([0, 1]), B)
    >>> basis.solve(np.array([2.0, 3.0]))
    array([1., 2.])
    >>> basis.solve_transpose(np.array([2.0, 1.0]))
    array([0.5, 1. ])
    """

    lu: Any = None

    @classmethod
    def factor(cls, rows, cols, matrix, rcond: float = RCOND) -> SparseBasis | None:
        """Factorise the sparse square ``matrix = A[rows][:, cols]``.

        ``None`` if it is singular: SuperLU meets a zero pivot, or the estimated reciprocal
        condition number is not above ``rcond``.
        """
        B = sp.csc_array(matrix, dtype=float)
        try:
            lu = spla.splu(B, permc_spec="COLAMD")
        except RuntimeError:  # "Factor is exactly singular"
            return None
        anorm = float(abs(B).sum(axis=0).max(initial=0.0))
        size = B.shape[0]
        if size == 1:
            inverse_norm = float(abs(lu.solve(np.ones(1)))[0])
        else:
            inverse = spla.LinearOperator(
                (size, size), matvec=lu.solve, rmatvec=lambda v: lu.solve(v, trans="T"),
                dtype=float,
            )
            with np.errstate(all="ignore"):
                inverse_norm = float(spla.onenormest(inverse))
        if not np.isfinite(inverse_norm) or not 1.0 / (anorm * inverse_norm) > rcond:
            return None
        return cls(np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp), lu)

    def _apply(self, rhs: np.ndarray, transpose: bool) -> np.ndarray:
        return self.lu.solve(rhs, trans="T" if transpose else "N")


def factor_basis(rows, cols, matrix, rcond: float = RCOND) -> Basis | LUBasis | SparseBasis | None:
    """The factorised basis ``A[rows][:, cols]`` for a few solves (see the module docstring).

    Parameters
    ----------
    rows, cols : ndarray of int
        ``Z`` and ``E``.
    matrix : ndarray or sparse matrix of shape (len(rows), len(cols))
        ``A[rows][:, cols]``.
    rcond : float, default=HOMOTOPY_BASIS_RCOND
        Reciprocal condition number at or below which the basis counts as singular.

    Returns
    -------
    Basis or LUBasis or SparseBasis or None
        ``None`` when the basis is singular.

    Examples
    --------
    >>> import numpy as np
    >>> basis = factor_basis(np.array([0, 1]), np.array([0, 1]), np.eye(2))
    >>> type(basis).__name__, basis.solve(np.array([1.0, 2.0]))
    ('Basis', array([1., 2.]))
    """
    size = matrix.shape[0]
    if sp.issparse(matrix):
        if size > DENSE_MAX_SIZE:
            return SparseBasis.factor(rows, cols, matrix, rcond)
        matrix = matrix.toarray()
    if size < LU_MIN_SIZE:
        return Basis.factor(rows, cols, matrix, rcond)
    return LUBasis.factor(rows, cols, matrix, rcond)
