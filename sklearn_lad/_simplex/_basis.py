"""The basis of the simplex engine: interpolated rows, active columns and their factorisation.

A vertex of the quantile LP (Koenker 2005, ch. 6) interpolates a set ``Z`` of rows of the design
``A`` on a set ``E`` of active columns with ``|Z| = |E|`` and ``A[Z][:, E]`` nonsingular. The
:class:`Basis` holds ``Z``, ``E`` and the inverse of ``A[Z][:, E]``: a fresh LU factorisation
(LAPACK ``getrf``, with a condition estimate) when built, rank-one updates (Sherman-Morrison for a
row or column replaced, a Schur-complement bordering when a row and a column enter together, the
inverse of a minor when they leave together) while the simplex walks, and a refresh from scratch
every ``refresh_every`` updates or when a pivot is too small to trust. The inverse is kept
explicitly: the basis is small (``q`` coefficients), and every step needs solves with it and its
transpose plus whole columns of it for the pricing.

:func:`basic_dual` is the one computation of "the dual values of the basic rows": given the
non-basic rows' dual values at their bounds (``d_i = upper_i`` above the fit, ``lower_i`` below)
and so the gradient ``g = A' d``, the basic rows' values solve ``A_ZE' d_Z = c_E - g_E`` (``c``
the penalty's subgradient on the active columns, zero without penalty). The vertex is optimal
when every ``d_Z`` lies in its box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.blas import dger
from scipy.linalg.lapack import dgecon, dgetrf, dgetri

from .._tolerances import HOMOTOPY_BASIS_RCOND

__all__ = ["Basis", "basic_dual", "dual_at_bounds"]

# Reciprocal condition number below which a basis counts as singular.
RCOND = HOMOTOPY_BASIS_RCOND
# A rank-one update whose pivot is below this fraction of the inverse's largest entry is not
# trusted: the basis is factorised afresh instead.
PIVOT_TOL = 1e-10
# Rank-one updates between two factorisations from scratch (rounding drift).
REFRESH_EVERY = 20
# A row replacement asked to overwrite does so from this basis size on (BLAS dger in place),
# and updates keep a bound on the inverse's largest entry (Basis.largest).
IN_PLACE_FROM = 128


def _inverse(matrix: np.ndarray, rcond_min: float) -> np.ndarray | None:
    """Inverse of a square matrix by LU, ``None`` when singular or ill-conditioned."""
    if matrix.size == 0:
        return np.empty((0, 0))
    # LAPACK directly: the wrappers cost more than the work on these small matrices.
    lu, piv, info = dgetrf(matrix)
    if info != 0:
        return None
    anorm = np.abs(matrix).sum(axis=0).max()
    rcond, info = dgecon(lu, anorm, norm="1")
    if info != 0 or not rcond > rcond_min:
        return None
    inverse, info = dgetri(lu, piv)
    if info != 0 or not np.all(np.isfinite(inverse)):  # pragma: no cover
        return None
    return inverse


def _minus_outer(matrix: np.ndarray, left: np.ndarray, right: np.ndarray,
                 overwrite: bool = False) -> np.ndarray:
    """``matrix - outer(left, right)``: BLAS ``dger`` on a copy, or on ``matrix`` itself.

    ``matrix - np.outer(...)`` makes two temporaries of the matrix's size; at 500 x 500 that was
    2-20x slower than the copy and the in-place rank-one update (the working-set path's
    column swaps, n = 500, p = 20,000). ``overwrite`` (a C-contiguous float ``matrix``) skips
    the copy too.
    """
    out = matrix if overwrite else np.array(matrix, dtype=float, order="C")
    if not out.size:
        return out
    # BLAS updates a column-major matrix in place: a row-major one as its transpose (a fresh
    # factorisation's inverse is column-major, an updated one row-major). f2py copies an
    # array of any other layout, so the result is what dger returns.
    if out.flags.f_contiguous:
        return dger(-1.0, left, right, a=out, overwrite_a=True)
    return dger(-1.0, right, left, a=out.T, overwrite_a=True).T


@dataclass(frozen=True)
class Basis:
    """Rows ``Z`` interpolated on columns ``E`` and the inverse of ``B = A[Z][:, E]``.

    Position ``h`` of ``rows`` is row ``h`` of ``B``, position ``k`` of ``cols`` column ``k``.
    Updates return a new ``Basis`` (``None`` when the pivot is too small, after which the
    caller factorises afresh with :meth:`factor`). Nothing is changed in place unless a row or
    column replacement is asked to ``overwrite``: the new basis then shares (and has updated)
    this one's ``inverse``, and this one must not be used again. Only an owner that no one
    else can observe may ask that (:meth:`ParametricSimplex.advance
    <sklearn_lad._simplex.ParametricSimplex.advance>` on the bases it made itself).

    Attributes
    ----------
    rows : ndarray of int
        ``Z``, the interpolated rows, in the order of ``B``'s rows.
    cols : ndarray of int
        ``E``, the active columns, in the order of ``B``'s columns.
    inverse : ndarray of shape (|Z|, |E|)
        ``B^{-1}``: its rows follow ``cols``, its columns ``rows``.
    updates : int
        Rank-one updates since the last factorisation from scratch.
    largest : float or None
        An upper bound on ``max |B^{-1}|`` (``None``: not known), which the pivot test of an
        update reads before it computes the maximum itself.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._simplex import Basis
    >>> A = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> basis = Basis.factor(np.array([0, 1]), np.array([0, 1]), A[:2])
    >>> basis.solve(np.array([1.0, 3.0]))
    array([1., 2.])
    >>> basis.replace_row(1, 2, A[2]).solve(np.array([1.0, 5.0]))
    array([1., 2.])
    """

    rows: np.ndarray
    cols: np.ndarray
    inverse: np.ndarray
    updates: int = 0
    largest: float | None = None

    @classmethod
    def factor(cls, rows, cols, matrix: np.ndarray, rcond: float = RCOND) -> Basis | None:
        """Factorise ``matrix = A[rows][:, cols]`` from scratch.

        ``None`` if it is singular: its reciprocal condition number (LAPACK's estimate) is not
        above ``rcond``.
        """
        inverse = _inverse(np.asarray(matrix, dtype=float), rcond)
        if inverse is None:
            return None
        return cls(np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp), inverse)

    @property
    def size(self) -> int:
        return int(self.rows.size)

    @property
    def stale(self) -> bool:
        """Whether enough updates accumulated that a factorisation from scratch is due."""
        return self.updates >= REFRESH_EVERY

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """``B^{-1} rhs``: the coefficients on ``cols`` interpolating values on ``rows``."""
        return self.inverse @ rhs

    def solve_transpose(self, rhs: np.ndarray) -> np.ndarray:
        """``B^{-T} rhs`` (``rhs`` may be a stack of right-hand sides, one per row)."""
        return rhs @ self.inverse

    def _tiny(self, pivot: float) -> tuple[bool, float | None]:
        """Whether ``|pivot|`` is below ``PIVOT_TOL`` times the inverse's largest entry, and
        an upper bound on that entry (``None`` when the bound alone decided)."""
        if self.largest is not None and abs(pivot) > PIVOT_TOL * max(1.0, self.largest):
            # Above the tolerance against a bound on the largest entry, so above it against
            # the entry itself: the same answer without a pass over the inverse (as costly
            # as the update at |Z| = 500).
            return False, self.largest
        # The largest |entry| from the largest and the smallest entry: no |inverse| temporary
        # (a third of replace_column's time at 500 x 500).
        inverse = self.inverse
        largest = max(float(inverse.max()), -float(inverse.min())) if inverse.size else 0.0
        return not abs(pivot) > PIVOT_TOL * max(1.0, largest), largest

    @staticmethod
    def _bound(largest: float, left: np.ndarray, right: np.ndarray) -> float | None:
        """A bound on the largest entry of ``inverse - outer(left, right)``; ``None`` on a
        small basis, whose maximum costs less than the bound's four reductions."""
        if left.size < IN_PLACE_FROM:
            return None
        return largest + float(np.abs(left).max()) * float(np.abs(right).max())

    def replace_row(self, position: int, row: int, values: np.ndarray,
                    overwrite: bool = False) -> Basis | None:
        """Row ``rows[position]`` leaves and ``row`` (``values = A[row, cols]``) takes its place.

        ``overwrite``: update this basis's inverse in place (see the class's notes).
        """
        u = values @ self.inverse
        pivot = float(u[position])
        tiny, largest = self._tiny(pivot)
        if tiny:
            return None
        u[position] -= 1.0
        left = self.inverse[:, position] / pivot
        if overwrite and self.size >= IN_PLACE_FROM:
            inverse = _minus_outer(self.inverse, left, u, overwrite)
        else:
            # The outer product by broadcasting (np.outer's arithmetic, without its wrapper):
            # on a small basis a new array costs little, and BLAS's dger would start threads
            # outside single_threaded_blas (n = 10,000, p = 100 path: 1.6x the time).
            inverse = self.inverse - left[:, None] * u
        rows = self.rows.copy()
        rows[position] = row
        bound = None if u.size < IN_PLACE_FROM else self._bound(largest, left, u)
        return Basis(rows, self.cols, inverse, self.updates + 1, bound)

    def replace_column(self, position: int, col: int, values: np.ndarray,
                       overwrite: bool = False, solved=None) -> Basis | None:
        """Column ``cols[position]`` leaves and ``col`` (``values = A[rows, col]``) enters.

        ``overwrite``: update this basis's inverse in place (see the class's notes);
        ``solved``: :meth:`solve` of ``values`` when the caller has it.
        """
        v = self.inverse @ values if solved is None else np.array(solved, dtype=float)
        pivot = float(v[position])
        tiny, largest = self._tiny(pivot)
        if tiny:
            return None
        v[position] -= 1.0
        # dger reads the pivot row while it writes it: a copy of that row.
        left, right = v / pivot, self.inverse[position].copy()
        inverse = _minus_outer(self.inverse, left, right, overwrite)
        cols = self.cols.copy()
        cols[position] = col
        return Basis(self.rows, cols, inverse, self.updates + 1,
                     self._bound(largest, left, right))

    def add(self, row: int, col: int, row_values: np.ndarray, col_values: np.ndarray,
            corner: float, solved=None) -> Basis | None:
        """Row ``row`` and column ``col`` enter together (bordering by the Schur complement).

        ``row_values = A[row, cols]``, ``col_values = A[rows, col]``, ``corner = A[row, col]``;
        both are appended last. ``solved``: :meth:`solve` of ``col_values`` if known.
        """
        m = self.size
        bc = self.inverse @ col_values if solved is None else solved
        ab = row_values @ self.inverse
        schur = corner - ab @ col_values
        if not abs(schur) > 1e-10 * max(1.0, abs(corner) + float(np.abs(ab).max(initial=0.0))):
            return None
        inverse = np.empty((m + 1, m + 1))
        inverse[:m, :m] = self.inverse + np.outer(bc, ab / schur)
        inverse[:m, m] = -bc / schur
        inverse[m, :m] = -ab / schur
        inverse[m, m] = 1.0 / schur
        return Basis(np.append(self.rows, row), np.append(self.cols, col), inverse,
                     self.updates + 1)

    def remove(self, row_position: int, col_position: int) -> Basis | None:
        """Row ``rows[row_position]`` and column ``cols[col_position]`` leave together."""
        pivot = float(self.inverse[col_position, row_position])
        if self._tiny(pivot)[0]:
            return None
        keep_c = np.delete(np.arange(self.size), col_position)
        keep_r = np.delete(np.arange(self.size), row_position)
        inverse = self.inverse[np.ix_(keep_c, keep_r)] - np.outer(
            self.inverse[keep_c, row_position], self.inverse[col_position, keep_r] / pivot
        )
        return Basis(self.rows[keep_r], self.cols[keep_c], inverse, self.updates + 1)


def dual_at_bounds(side: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Dual values of the non-basic rows: ``upper`` above the fit, ``lower`` below, 0 if basic.

    ``side`` is +1 for a row on the non-negative side of the fit, -1 on the non-positive side,
    0 for a basic row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._simplex import dual_at_bounds
    >>> dual_at_bounds(np.array([1.0, -1.0, 0.0]), -0.7 * np.ones(3), 0.3 * np.ones(3))
    array([ 0.3, -0.7,  0. ])
    """
    out = np.where(side > 0, upper, lower)
    out[side == 0] = 0.0
    return out


def basic_dual(basis: Basis, gradient: np.ndarray, cost: np.ndarray | None = None) -> np.ndarray:
    """The basic rows' dual values: ``d_Z`` solving ``A_ZE' d_Z = cost_E - gradient_E``.

    Parameters
    ----------
    basis : Basis
        The vertex's basis.
    gradient : ndarray of shape (q,) or (k, q)
        ``A' d_N`` over all columns for the non-basic rows' dual values at their bounds
        (:func:`dual_at_bounds`); a stack of ``k`` of them solves ``k`` systems at once (the
        constant and linear parts of a parametric programme).
    cost : ndarray of the same shape, default=None
        The penalty's subgradient over all columns (``alpha * pi_j * sign(b_j)`` on the active
        penalised ones); ``None`` for none.

    Returns
    -------
    ndarray of shape (|Z|,) or (k, |Z|)
        Dual values of ``basis.rows`` in their order. The vertex is optimal exactly when each
        lies in its box ``[lower_h, upper_h]`` (and every inactive column's subgradient in its).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._simplex import Basis, basic_dual
    >>> A = np.ones((3, 1))
    >>> basis = Basis.factor(np.array([1]), np.array([0]), A[[1]])
    >>> d_nonbasic = np.array([0.5, 0.0, -0.2])  # row 1 is basic
    >>> basic_dual(basis, A.T @ d_nonbasic)  # A'd = 0 over all rows
    array([-0.3])
    """
    # take(): indexing with [..., cols] costs more than the product on a small basis.
    rhs = gradient.take(basis.cols, axis=-1)
    if cost is None:  # -(g B^-1) is (-g) B^-1 exactly: one negation of the result
        return -basis.solve_transpose(rhs)
    return basis.solve_transpose(cost.take(basis.cols, axis=-1) - rhs)
