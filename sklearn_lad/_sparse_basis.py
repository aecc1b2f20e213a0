"""A vertex basis of a sparse design, factorised by sparse LU instead of an explicit inverse.

The engine's :class:`~sklearn_lad._simplex.Basis` keeps ``B^{-1}`` of ``B = A[Z][:, E]``
explicitly: right for the simplex walk, whose bases are small and updated by rank-one steps.
The working sets' vertex test (``_vertex_check.py``) factorises one basis once and solves with it
and its transpose a few times. On a sparse ``X`` with many more features than samples that basis
can hold thousands of rows (a lasso optimum interpolates as many observations as it has
non-zeros, which on such data is a sizeable fraction of ``n``), and its rows touch few of its
columns: a dense inverse there costs ``2 |Z|^3`` flops and ``8 |Z|^2`` bytes for nothing.
:class:`SparseBasis` factorises the sparse ``B`` with SuperLU (``scipy.sparse.linalg.splu``,
fill-reducing column ordering) and offers the two solves :func:`~sklearn_lad._simplex.basic_dual`
and the vertex test use; singularity is decided, as for the dense basis, by the reciprocal
1-norm condition number (Hager's estimate of ``||B^{-1}||_1``, Higham & Tisseur 2000, through
``scipy.sparse.linalg.onenormest``) against the same threshold.

:func:`factor_basis` picks the representation: the dense :class:`Basis` for small or dense
blocks (unchanged behaviour there), :class:`SparseBasis` for large sparse ones.

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

from ._simplex import Basis
from ._simplex._basis import RCOND

__all__ = ["SparseBasis", "factor_basis"]

#: Bases with fewer rows than this are factorised densely (LAPACK on a small block beats
#: SuperLU's setup, and the dense engine's behaviour is kept where it was tested).
SPARSE_MIN_SIZE = 300
#: A basis whose share of non-zero entries is above this is factorised densely: its LU fills in
#: to dense anyway.
SPARSE_MAX_DENSITY = 0.1


@dataclass(frozen=True)
class SparseBasis:
    """Rows ``Z`` interpolated on columns ``E`` with a sparse LU factorisation of ``A[Z][:, E]``.

    The same interface as :class:`~sklearn_lad._simplex.Basis` for solving (no updates).

    Attributes
    ----------
    rows : ndarray of int
        ``Z``, in the order of ``B``'s rows.
    cols : ndarray of int
        ``E``, in the order of ``B``'s columns.
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

    rows: np.ndarray
    cols: np.ndarray
    lu: Any

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
        inverse = spla.LinearOperator(
            (size, size), matvec=lu.solve, rmatvec=lambda v: lu.solve(v, trans="T"),
            dtype=float,
        )
        with np.errstate(all="ignore"):
            inverse_norm = float(spla.onenormest(inverse)) if size > 1 else float(
                abs(lu.solve(np.ones(1)))[0])
        if not np.isfinite(inverse_norm) or not 1.0 / (anorm * inverse_norm) > rcond:
            return None
        return cls(np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp), lu)

    @property
    def size(self) -> int:
        return int(self.rows.size)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """``B^{-1} rhs``: the coefficients on ``cols`` interpolating values on ``rows``."""
        return self.lu.solve(np.asarray(rhs, dtype=float))

    def solve_transpose(self, rhs: np.ndarray) -> np.ndarray:
        """``B^{-T} rhs`` (``rhs`` may be a stack of right-hand sides, one per row)."""
        rhs = np.asarray(rhs, dtype=float)
        if rhs.ndim == 1:
            return self.lu.solve(rhs, trans="T")
        return self.lu.solve(np.ascontiguousarray(rhs.T), trans="T").T


def factor_basis(rows, cols, matrix, rcond: float = RCOND) -> Basis | SparseBasis | None:
    """The factorised basis ``A[rows][:, cols]``: sparse LU for a large sparse block, else dense.

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
    Basis or SparseBasis or None
        ``None`` when the basis is singular.

    Examples
    --------
    >>> import numpy as np
    >>> basis = factor_basis(np.array([0, 1]), np.array([0, 1]), np.eye(2))
    >>> type(basis).__name__, basis.solve(np.array([1.0, 2.0]))
    ('Basis', array([1., 2.]))
    """
    if sp.issparse(matrix):
        size = matrix.shape[0]
        if size >= SPARSE_MIN_SIZE and matrix.nnz <= SPARSE_MAX_DENSITY * size * size:
            return SparseBasis.factor(rows, cols, matrix, rcond)
        matrix = matrix.toarray()
    return Basis.factor(rows, cols, matrix, rcond)
