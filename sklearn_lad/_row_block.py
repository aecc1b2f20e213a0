"""Rows of an augmented design: :class:`RowBlock` and the greedy choice of independent rows.

A vertex of the quantile LP is pinned by ``q`` linearly independent rows of the augmented design
(observations and penalty pseudo-rows ``+-e_j``; Koenker 2005, ch. 6); the certificate, the
canonical point and IRLS's exchanges choose them greedily in order of how near each row is to
interpolation. Gram-Schmidt with a second orthogonalisation pass (Björck 1994) decides each row;
the pseudo-rows, which are unit rows, are tested and accepted without forming them.

References
----------
Koenker, R. (2005). Quantile Regression, ch. 6. Cambridge University Press.
Björck, Å. (1994). Numerics of Gram-Schmidt orthogonalization. Linear Algebra and its
Applications 197-198, 297-316.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["RowBlock", "independent_rows", "independent_rows_of"]

# A row is independent of those chosen when its part outside their span exceeds this fraction
# of its norm.
_INDEPENDENT_RTOL = 1e-9
# Below this, 1 - ||B e_j||^2 is recomputed as the residual's norm (see _accept_unit).
_NEAR_SPAN = 1e-8

def _orthogonal_rest(basis: np.ndarray, row: np.ndarray) -> np.ndarray:
    """``row`` minus its projection on the orthonormal rows of ``basis``, twice (one pass of
    Gram-Schmidt loses orthogonality)."""
    rest = row - basis.T @ (basis @ row)
    return rest - basis.T @ (basis @ rest)


def independent_rows(rows: np.ndarray, index: np.ndarray, limit: int | None = None) -> np.ndarray:
    """The first (at most ``limit``) linearly independent rows, in the given order.

    Greedy Gram-Schmidt with a second orthogonalisation pass; the orthonormal basis is filled
    in place (no copy per row kept). Returns the entries of ``index`` for the rows kept.
    """
    m, q = rows.shape
    limit = q if limit is None else min(limit, q)
    basis = np.zeros((min(limit, m), q))
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    chosen: list[int] = []
    for i in range(m):
        rest = _orthogonal_rest(basis[: len(chosen)], rows[i])
        norm = math.sqrt(float(rest @ rest))
        if norm > _INDEPENDENT_RTOL * max(float(norms[i]), 1e-300):
            basis[len(chosen)] = rest / norm
            chosen.append(i)
            if len(chosen) == limit:
                break
    return np.asarray(index, dtype=np.intp)[np.asarray(chosen, dtype=np.intp)]


class RowBlock:
    """Rows ``index`` of an augmented design (``RowDesign``), split by their structure.

    A penalty pseudo-row is a *unit row* ``s e_j``: it pins coefficient ``j`` and enters ``A'd``
    in column ``j`` alone. Kept as (column, sign) pairs, only the *dense* rows (observations,
    extra rows, dropped pseudo-rows, which are zero) are formed, and every factorisation works
    on the dense rows and the columns no unit row pins: with ``p >> n`` the zero set of a lasso
    vertex holds thousands of pseudo-rows but few observations, and ``A_Z`` as a dense
    ``q x q`` matrix would make the certificate ``O(q^3)``.

    Parameters
    ----------
    aug : RowDesign
    index : array-like of int
        Rows of ``aug``.

    Attributes
    ----------
    index : ndarray of int
    unit, dense : ndarray of int
        Positions (into ``index``) of the unit and of the dense rows.
    unit_col : ndarray of int
        Column of ``A`` of each unit row; ``unit_sign`` its sign (+-1).
    rows : ndarray of shape (len(dense), n_columns)
        The dense rows.
    """

    def __init__(self, aug, index) -> None:
        index = np.asarray(index, dtype=np.intp).ravel()
        n, k = aug.n_samples, aug.penalized.size
        self.index, self.q = index, aug.n_columns
        if k == 0:  # no pseudo-rows (the usual unpenalised fit): every row is dense
            self.unit = self.unit_col = np.empty(0, dtype=np.intp)
            self.unit_sign = np.empty(0)
            self.dense = np.arange(index.size)
            self.rows = aug.rows(index)
            return
        pos = index - n
        col = np.full(index.size, -1, dtype=np.intp)
        pseudo = np.flatnonzero((pos >= 0) & (pos < 2 * k))
        col[pseudo] = aug.penalized[pos[pseudo] % k]
        unit = col >= 0
        self.unit = np.flatnonzero(unit)
        self.unit_col = aug.offset + col[unit]
        self.unit_sign = np.where(pos[unit] < k, 1.0, -1.0)
        self.dense = np.flatnonzero(~unit)
        self.rows = aug.rows(index[self.dense])

    @property
    def size(self) -> int:
        """Number of rows."""
        return self.index.size

    def pinned(self) -> tuple[np.ndarray, np.ndarray]:
        """``(columns, positions)``: the columns unit rows pin, and each one's first unit row."""
        cols, first = np.unique(self.unit_col, return_index=True)
        return cols, self.unit[first]

    def matvec(self, beta: np.ndarray) -> np.ndarray:
        """``A_Z @ beta``."""
        out = np.empty(self.size)
        out[self.dense] = self.rows @ beta
        out[self.unit] = self.unit_sign * beta[self.unit_col]
        return out

    def abs_matvec(self, abs_beta: np.ndarray) -> np.ndarray:
        """``|A_Z| @ abs_beta``."""
        out = np.empty(self.size)
        out[self.dense] = np.abs(self.rows) @ abs_beta
        out[self.unit] = abs_beta[self.unit_col]
        return out

    def times(self, matrix: np.ndarray) -> np.ndarray:
        """``A_Z @ matrix`` for a ``(n_columns, r)`` matrix."""
        out = np.empty((self.size, matrix.shape[1]))
        out[self.dense] = self.rows @ matrix
        out[self.unit] = self.unit_sign[:, None] * matrix[self.unit_col]
        return out

    def rmatvec(self, d: np.ndarray, absolute: bool = False) -> np.ndarray:
        """``A_Z' d`` (``|A_Z|' d`` with ``absolute``) for ``d`` of length ``len(index)``."""
        rows = np.abs(self.rows) if absolute else self.rows
        out = rows.T @ d[self.dense]
        unit = d[self.unit] if absolute else self.unit_sign * d[self.unit]
        np.add.at(out, self.unit_col, unit)
        return out


def independent_rows_of(aug, index, limit: int | None = None) -> np.ndarray:
    """:func:`independent_rows` for rows of an augmented design, exploiting its unit rows.

    The same greedy choice in the given order, with the orthonormal basis kept on the columns
    no accepted unit row pins: a unit row ``e_j`` is independent when ``1 - ||B e_j||^2`` is
    not ~0, and accepting it zeroes column ``j`` of the basis and re-orthonormalises it by a
    rank-one correction. Cost ``O(m r q)`` for ``r`` accepted dense rows, where Gram-Schmidt
    on the dense rows of ``A`` costs ``O(m q^2)`` once thousands of pseudo-rows are among them.
    """
    block = RowBlock(aug, index)
    q = block.q
    if block.unit.size == 0:
        return independent_rows(block.rows, block.index, limit)
    limit = q if limit is None else min(limit, q)
    is_unit = np.zeros(block.size, dtype=bool)
    is_unit[block.unit] = True
    where = np.zeros(block.size, dtype=np.intp)
    where[block.unit] = np.arange(block.unit.size)
    where[block.dense] = np.arange(block.dense.size)
    basis = np.zeros((min(limit, block.dense.size), q))
    free = np.ones(q)
    chosen: list[int] = []
    r = 0
    for i in range(block.size):
        if is_unit[i]:
            j = int(block.unit_col[where[i]])
            if free[j] == 0.0 or not _accept_unit(basis[:r], j):
                continue
            free[j] = 0.0
        else:
            row = block.rows[where[i]]
            rest = _orthogonal_rest(basis[:r], row * free)
            norm = math.sqrt(float(rest @ rest))
            if not norm > _INDEPENDENT_RTOL * max(math.sqrt(float(row @ row)), 1e-300):
                continue
            basis[r] = rest / norm
            r += 1
        chosen.append(i)
        if len(chosen) == limit:
            break
    return block.index[np.asarray(chosen, dtype=np.intp)]


def _accept_unit(basis: np.ndarray, j: int) -> bool:
    """Whether ``e_j`` is independent of the orthonormal rows ``basis``; if so, column ``j`` of
    ``basis`` is zeroed and its rows made orthonormal again (in place)."""
    b = basis[:, j].copy()
    nb = float(b @ b)
    if not 1.0 - nb > _NEAR_SPAN:
        # 1 - ||b||^2 carries a rounding error of about 1e-16, so near the span it cannot tell
        # a residual of 1e-9 (independent) from 0 (e_j in the span: a duplicated column's
        # pseudo-row, which made IRLS's exchange bases singular). The residual itself, by two
        # projections as for a dense row, can.
        rest = -(basis.T @ b)
        rest[j] += 1.0
        rest -= basis.T @ (basis @ rest)
        if not math.sqrt(float(rest @ rest)) > _INDEPENDENT_RTOL:
            return False
    if nb == 0.0:
        return True
    basis[:, j] = 0.0
    if 1.0 - nb > 1e-4:
        # (B - b e_j') has Gram matrix I - b b', whose inverse square root is I + c b b'.
        c = (1.0 / np.sqrt(1.0 - nb) - 1.0) / nb
        basis += c * np.outer(b, b @ basis)
    else:  # nearly dependent: a fresh orthonormalisation is more accurate
        basis[:] = np.linalg.qr(basis.T)[0].T
    return True
