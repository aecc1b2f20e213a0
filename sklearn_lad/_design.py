"""The augmented design of a quantile regression and its products, in one operator.

Every problem sklearn-lad solves is a weighted quantile regression

    min_beta  sum_i w_i rho_tau(y_i - a_i beta)

on an *augmented design* ``A`` (Koenker 2005, section 6.2; Koenker & d'Orey 1987): the ``n``
observation rows ``[1, x_i]`` (the leading one only with an intercept), then for each penalised
feature ``j`` the pseudo-row ``+e_j`` and after all of those the pseudo-rows ``-e_j``, with
target 0 and weight ``alpha * penalty_factor_j * sum(w)`` (together they add
``alpha * penalty_factor_j * |b_j|`` to the objective), then optionally further *extra rows*
with their own targets and weights (the "globbed" observations of Portnoy & Koenker's 1997
preprocessing). :class:`RowDesign` holds that design without ever forming it: ``X`` is kept as
given (dense in C or F order, or sparse), the intercept column is implied and the pseudo and
extra rows are a small structured block. Every backend, the optimality certificate and the
regularisation path compute ``A beta``, ``A' v``, ``A' diag(d) A`` and rows of ``A`` through it.
The products of ``X`` are in ``_gram.py``, those of the pseudo and extra rows in
``_tail_rows.py``; :func:`single_threaded_blas` (from ``_blas.py``) is re-exported here.

References
----------
Koenker, R. and d'Orey, V. (1987). Algorithm AS 229: Computing regression quantiles. Journal of
the Royal Statistical Society, Series C (Applied Statistics) 36(3), 383-393.
Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise:
computability of squared-error versus absolute-error estimators. Statistical Science 12(4),
279-300.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from ._blas import single_threaded_blas
from ._gram import column_major_gram, row_major_gram, sparse_gram
from ._tail_rows import TailRows

__all__ = ["RowDesign", "column_max", "single_threaded_blas"]

# Elements per row block of a pass over X that needs a (rows x q) temporary: the temporaries
# stay in cache and memory use does not grow with n.
_BLOCK_ELEMENTS = 1 << 16


def _as_layout(X, order):
    """``X`` as float64 CSR or dense array in ``order``, copying at most once."""
    if sp.issparse(X):
        return sp.csr_array(X, dtype=np.float64) if X.format != "csr" or X.dtype != np.float64 \
            else X
    X = np.asarray(X, dtype=np.float64)
    if order is not None:
        return np.asarray(X, order=order)
    if X.flags.c_contiguous or X.flags.f_contiguous:
        return X
    return np.ascontiguousarray(X)


def column_max(values: np.ndarray) -> np.ndarray:
    """``values.max(axis=0, initial=0.0)`` of a dense 2-D array (non-negative values).

    numpy reduces a tall, narrow C-ordered array along axis 0 one row at a time (3 ms for
    100,000 x 10, ten times a contiguous pass): blocks of rows are transposed into contiguous
    copies. Wide or column-major arrays are reduced as they are.
    """
    if values.flags.f_contiguous or values.shape[0] <= 64 or values.shape[1] > 32:
        return values.max(axis=0, initial=0.0)
    out = np.zeros(values.shape[1])
    size = max(64, _BLOCK_ELEMENTS // max(values.shape[1], 1))
    for start in range(0, values.shape[0], size):
        block = np.ascontiguousarray(values[start : start + size].T)
        np.maximum(out, block.max(axis=1), out=out)
    return out


def _column_sums(v: np.ndarray):
    """``v.sum(axis=0)``. numpy sums a tall C-ordered ``(n, c)`` array along axis 0 one row at a
    time (1.4 ms for ``n = 100,000, c = 2``); a few columns are summed one by one instead (0.05
    ms, pairwise)."""
    if v.ndim == 2 and v.shape[1] <= 4 and v.shape[0] > 64 and not v.flags.f_contiguous:
        return np.array([v[:, j].sum() for j in range(v.shape[1])])
    return v.sum(axis=0)


class RowDesign:
    """The augmented design ``A`` of a weighted quantile regression, as an operator.

    ``A`` has ``n_samples`` observation rows, ``2 * len(penalized)`` penalty pseudo-rows
    (``+e_j`` for every penalised feature ``j``, then ``-e_j`` for each) and ``n_extra`` extra
    rows, in that order; its columns are the intercept (first, when ``fit_intercept``) and the
    features. Nothing ``n x n`` or ``n x 2n`` is ever formed, and ``X`` is not copied unless
    ``order`` asks for a layout it does not have (then once).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Observations. Dense arrays are kept in their order (C or F); sparse ones as CSR.
    y : ndarray of shape (n_samples,)
        Targets of the observation rows.
    tau : float
        Quantile level in (0, 1); it sets the dual box and the loss.
    weights : ndarray of shape (n_samples,), default=None
        Observation weights (ones when ``None``).
    fit_intercept : bool, default=True
        Whether ``A`` has a leading column of ones.
    penalized : ndarray of int, default=None
        Features (columns of ``X``) that get the pseudo-rows ``+-e_j``.
    penalty_weights : ndarray of shape (len(penalized),), default=None
        Weight of both pseudo-rows of each penalised feature.
    weight_sum : float, default=None
        The divisor of the sklearn-lad objective (``sum(weights)`` when ``None``): :meth:`loss`
        is ``sum_i w_i rho_tau(r_i) / weight_sum``.
    extra_rows : {ndarray, sparse matrix} of shape (n_extra, n_columns), default=None
        Rows appended after the pseudo-rows, in the columns of ``A`` (intercept included).
    extra_y, extra_weights : ndarray of shape (n_extra,), default=None
        Their targets and weights.
    order : {"C", "F"}, default=None
        Layout wanted for dense ``X``: ``"F"`` streams the blocked Gram matrix and column
        subsets fastest, ``"C"`` row subsets. ``None`` keeps ``X`` as it is.

    Attributes
    ----------
    X : ndarray or csr_array
        The observations in the layout used.
    y : ndarray of shape (n_rows,)
        Targets of every row of ``A`` (0 on the pseudo-rows).
    weights : ndarray of shape (n_rows,)
        Weights of every row of ``A``.
    penalized : ndarray of int
        The feature of each pair of pseudo-rows (``-1`` where :meth:`take_columns` dropped it;
        its pseudo-rows are then zero rows).
    weight_sum : float
        Divisor of the objective in :meth:`loss`.

    Notes
    -----
    **Chunked designs.** Everything that touches ``X`` goes through seven methods:
    :meth:`_x_matvec`, :meth:`_x_rmatvec`, :meth:`_x_gram`, :meth:`_x_rows`, :meth:`_x_subset`,
    :meth:`_x_columns` and :meth:`blocks`, plus :attr:`n_samples` and :attr:`n_features`. A
    chunked (e.g. Dask) or streamed design subclasses :class:`RowDesign` and overrides exactly
    these (returning in-memory results: vectors of length ``n``, ``q x q`` matrices, a few
    dense rows, and in-memory blocks for a row or a column subset); the pseudo and extra
    rows, ``y``, ``weights``, :meth:`matvec`, :meth:`rmatvec`, :meth:`gram`, :meth:`rows`,
    :meth:`residual`, :meth:`loss`, :meth:`dual_bounds`, :meth:`column_max_abs`,
    :meth:`take_columns` and :meth:`subset` are built on them and need nothing more
    (:meth:`toarray` and :meth:`tocsr` materialise ``A``, for the LP backends only).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._design import RowDesign
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> A = RowDesign(X, np.array([1.0, 2.0, 4.0]), tau=0.5, penalized=np.array([0]),
    ...               penalty_weights=np.array([0.3]))
    >>> A.shape
    (5, 2)
    >>> A.rows(np.arange(5))
    array([[ 1.,  0.],
           [ 1.,  1.],
           [ 1.,  2.],
           [ 0.,  1.],
           [ 0., -1.]])
    >>> A.matvec(np.array([1.0, 1.0]))
    array([ 1.,  2.,  3.,  1., -1.])
    """

    def __init__(
        self, X, y, *, tau: float, weights=None, fit_intercept: bool = True, penalized=None,
        penalty_weights=None, weight_sum: float | None = None, extra_rows=None, extra_y=None,
        extra_weights=None, order: str | None = None,
    ) -> None:
        self.X = _as_layout(X, order)
        self.sparse = sp.issparse(self.X)
        self.tau = float(tau)
        self.fit_intercept = bool(fit_intercept)
        n, p = self.X.shape
        q = p + self.offset
        w_obs = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        self.penalized = np.asarray(
            [] if penalized is None else penalized, dtype=np.intp
        ).ravel()
        k = self.penalized.size
        pen_w = np.zeros(k) if penalty_weights is None else np.asarray(penalty_weights, float)
        extra = np.zeros((0, q)) if extra_rows is None else extra_rows
        extra = extra.toarray() if sp.issparse(extra) else np.asarray(extra, dtype=float)
        g = extra.shape[0]
        pseudo_columns = np.where(self.penalized >= 0, self.offset + self.penalized, -1)
        self._tail = TailRows(pseudo_columns, extra.reshape(g, q), q)
        self.y = np.concatenate([
            np.asarray(y, dtype=float).ravel(), np.zeros(2 * k),
            np.zeros(g) if extra_y is None else np.asarray(extra_y, dtype=float).ravel(),
        ])
        self.weights = np.concatenate([
            w_obs, pen_w, pen_w,
            np.ones(g) if extra_weights is None else np.asarray(extra_weights, float).ravel(),
        ])
        self.weight_sum = float(w_obs.sum() if weight_sum is None else weight_sum)

    # -- shape ----------------------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        """Number of observation rows ``n``."""
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        """Number of columns of ``X``."""
        return self.X.shape[1]

    @property
    def offset(self) -> int:
        """1 when column 0 of ``A`` is the intercept, else 0."""
        return int(self.fit_intercept)

    @property
    def n_pseudo(self) -> int:
        """Number of penalty pseudo-rows (``2 * len(penalized)``)."""
        return 2 * self.penalized.size

    @property
    def n_extra(self) -> int:
        """Number of extra (e.g. globbed) rows after the pseudo-rows."""
        return self._tail.extra.shape[0]

    @property
    def n_rows(self) -> int:
        """Number of rows of ``A``."""
        return self.n_samples + self._tail.size

    @property
    def n_columns(self) -> int:
        """Number of columns of ``A`` (features plus the intercept)."""
        return self.n_features + self.offset

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_columns)``."""
        return (self.n_rows, self.n_columns)

    @property
    def block_rows(self) -> int:
        """Rows per block in passes over ``X`` that need a ``(rows x q)`` temporary."""
        return max(256, _BLOCK_ELEMENTS // max(self.n_columns, 1))

    # -- the six methods a chunked design overrides ------------------------------------------
    def _x_matvec(self, coef: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        """``X @ coef`` (length ``n``); with ``features``, ``X[:, features] @ coef[features]``."""
        X = self.X
        if features is not None and not self.sparse and 2 * features.size < X.shape[1]:
            return X[:, features] @ coef[features]
        if features is not None and features.size < X.shape[1]:
            kept = np.zeros_like(coef)
            kept[features] = coef[features]
            coef = kept
        return np.asarray(X @ coef).ravel()

    def _x_rmatvec(self, v: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        """``X.T @ v`` for ``v`` of shape ``(n,)`` or ``(n, c)``; ``features`` selects rows."""
        X = self.X
        if features is not None and not self.sparse:
            return X[:, features].T @ v
        out = np.asarray(X.T @ v)
        return out if features is None else out[features]

    def _x_gram(self, d: np.ndarray) -> np.ndarray:
        """``[1, X]' diag(d) [1, X]`` over the observation rows (``q x q``)."""
        if self.sparse:
            return sparse_gram(self.X, d, self.offset, *self._sparse_parts)
        if self.X.flags.f_contiguous and not self.X.flags.c_contiguous:
            return column_major_gram(self.X, d, self.offset, max(self.block_rows, 4096))
        return row_major_gram(self.X, d, self.offset, self.block_rows)

    def _x_rows(self, index: np.ndarray) -> np.ndarray:
        """Dense ``X[index]``."""
        block = self.X[index]
        return block.toarray() if self.sparse else np.asarray(block)

    def _x_subset(self, index: np.ndarray):
        """``X[index]`` as an in-memory array (CSR, or dense in this design's order)."""
        block = self.X[index]
        if self.sparse:
            return sp.csr_array(block)
        column_major = self.X.flags.f_contiguous and not self.X.flags.c_contiguous
        return np.asfortranarray(block) if column_major else np.ascontiguousarray(block)

    def _x_columns(self, features: np.ndarray):
        """``X[:, features]`` as an in-memory array (for :meth:`take_columns`; a column working
        set is small). All columns: ``X`` itself."""
        if features.size == self.n_features:
            return self.X
        block = self.X[:, features]
        return sp.csr_array(block) if self.sparse else block

    def blocks(self, size: int | None = None) -> Iterator[tuple[int, int, object]]:
        """Consecutive row blocks ``(start, stop, X[start:stop])`` of the observations.

        Parameters
        ----------
        size : int, optional
            Rows per block (default :attr:`block_rows`).

        Yields
        ------
        start, stop : int
        block : ndarray or sparse matrix of shape (stop - start, n_features)
        """
        size = self.block_rows if size is None else int(size)
        for start in range(0, self.n_samples, size):
            stop = min(start + size, self.n_samples)
            yield start, stop, self.X[start:stop]

    @cached_property
    def _sparse_parts(self):
        # X' in CSR once, so that every X' D X is a CSR x CSR product with no conversion, and
        # the row of every stored entry.
        return sp.csr_array(self.X.T), np.repeat(np.arange(self.n_samples), np.diff(self.X.indptr))

    # -- products of A ---------------------------------------------------------------------------
    def _split_columns(self, columns):
        """``(features, whether the intercept column is among them)`` of columns of ``A``."""
        if columns is None:
            return None, self.fit_intercept
        columns = np.asarray(columns, dtype=np.intp)
        if not self.offset:
            return columns, False
        # Called at every simplex step of the path: ndarray methods, not numpy's wrappers.
        return columns[columns >= 1] - 1, bool((columns == 0).any())

    def fitted(self, beta: np.ndarray, columns=None) -> np.ndarray:
        """``A[:n_samples] @ beta``: the fitted values of the observations.

        Parameters
        ----------
        beta : ndarray of shape (n_columns,)
        columns : ndarray of int, optional
            Columns of ``A`` where ``beta`` may be non-zero (the rest are taken as 0); few
            columns of a dense ``X`` are then multiplied alone.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        features, intercept = self._split_columns(columns)
        out = self._x_matvec(beta[self.offset:], features)
        if intercept:
            out += beta[0]
        return out

    def matvec(self, beta: np.ndarray, columns=None) -> np.ndarray:
        """``A @ beta``.

        Parameters
        ----------
        beta : ndarray of shape (n_columns,)
        columns : ndarray of int, optional
            As in :meth:`fitted`.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        if not self._tail.size:
            return self.fitted(beta, columns)  # a new array already: no copy
        n = self.n_samples
        out = np.empty(self.n_rows)
        out[:n] = self.fitted(beta, columns)
        if columns is not None:
            kept = np.zeros_like(beta)
            kept[columns] = beta[columns]
            beta = kept
        out[n:] = self._tail.matvec(beta)
        return out

    def rmatvec(self, v: np.ndarray, columns=None, rows=None) -> np.ndarray:
        """``A.T @ v``, or ``A[rows][:, columns].T @ v``.

        Parameters
        ----------
        v : ndarray of shape (n_rows,) or (n_rows, c)
            One value per row of ``A`` (per row in ``rows`` when given); with only
            ``n_samples`` values, the observation rows alone.
        columns : ndarray of int, optional
            Only these entries of the product are computed (in this order).
        rows : ndarray of int, optional
            ``v`` lives on these rows of ``A`` only.

        Returns
        -------
        ndarray of shape (n_columns,) or (len(columns),), with a second axis ``c`` if ``v``
        has one.
        """
        if rows is not None:
            return self._rmatvec_rows(np.asarray(rows, dtype=np.intp), v, columns)
        n, off = self.n_samples, self.offset
        head = v[:n]
        out = np.empty((self.n_columns,) + v.shape[1:])
        out[off:] = self._x_rmatvec(head)
        if off:
            out[0] = _column_sums(head)
        if v.shape[0] > n:
            out += self._tail.rmatvec(v[n:])
        return out if columns is None else out[np.asarray(columns, dtype=np.intp)]

    def _rmatvec_rows(self, rows: np.ndarray, v: np.ndarray, columns) -> np.ndarray:
        n, off = self.n_samples, self.offset
        out = np.empty((self.n_columns,) + v.shape[1:])
        if rows.size == 0 or rows.max() < n:  # observations only: the usual case, no masks
            out[off:] = np.asarray(self._x_subset(rows).T @ v)
            if off:
                out[0] = _column_sums(v)
        else:
            out[:] = self.rows(rows).T @ v
        return out if columns is None else out[np.asarray(columns, dtype=np.intp)]

    def gram(self, d: np.ndarray) -> np.ndarray:
        """``A' diag(d) A`` as a dense ``(n_columns, n_columns)`` array.

        Dense ``X`` is streamed in row blocks (no ``n x q`` temporary), sparse ``X`` is one
        sparse product.

        Parameters
        ----------
        d : ndarray of shape (n_rows,) or (n_samples,)
            Row weights; with ``n_samples`` entries only the observation rows count.

        Returns
        -------
        ndarray of shape (n_columns, n_columns)
        """
        n = self.n_samples
        G = self._x_gram(np.asarray(d[:n], dtype=float))
        if d.shape[0] > n and self._tail.size:
            G += self._tail.gram(np.asarray(d[n:], dtype=float))
        return G

    def rows(self, index) -> np.ndarray:
        """Dense rows ``A[index]``.

        Parameters
        ----------
        index : array-like of int
            Rows of ``A`` (observations first, then pseudo and extra rows).

        Returns
        -------
        ndarray of shape (len(index), n_columns)
        """
        index = np.asarray(index, dtype=np.intp).ravel()
        n, off = self.n_samples, self.offset
        out = np.empty((index.size, self.n_columns))
        obs = index < n
        if obs.any():
            out[obs, off:] = self._x_rows(index[obs])
            if off:
                out[obs, 0] = 1.0
        if not obs.all():
            out[~obs] = self._tail.rows(index[~obs] - n)
        return out

    def column_max_abs(self) -> np.ndarray:
        """``max_i |A_ij|`` for every column ``j`` of ``A`` (0 for an all-zero column)."""
        off = self.offset
        out = np.zeros(self.n_columns)
        for _, _, block in self.blocks():
            top = abs(block).max(axis=0).toarray().ravel() if self.sparse else column_max(
                np.abs(block))
            out[off:] = np.maximum(out[off:], top)
        if off and self.n_samples:
            out[0] = 1.0
        if self._tail.size:
            out = np.maximum(out, self._tail.column_max_abs())
        return out

    def toarray(self) -> np.ndarray:
        """``A`` as a dense array (copies ``X``; for dense backends)."""
        n, off = self.n_samples, self.offset
        out = np.empty(self.shape)
        for start, stop, block in self.blocks():
            out[start:stop, off:] = block.toarray() if self.sparse else block
        if off:
            out[:n, 0] = 1.0
        out[n:] = self._tail.rows(np.arange(self._tail.size))
        return out

    def tocsr(self) -> sp.csr_array:
        """``A`` as a CSR array (for sparse LP backends)."""
        n, off = self.n_samples, self.offset
        top = sp.vstack([sp.csr_array(block) for _, _, block in self.blocks()]
                        or [sp.csr_array((0, self.n_features))], format="csr")
        if off:
            top = sp.hstack([sp.csr_array(np.ones((n, 1))), top], format="csr")
        tail = sp.csr_array(self._tail.rows(np.arange(self._tail.size)))
        return sp.csr_array(sp.vstack([top, tail], format="csr"))

    # -- restricted designs ----------------------------------------------------------------------
    def take_columns(self, columns) -> RowDesign:
        """The same rows on a subset of the columns of ``A``.

        Parameters
        ----------
        columns : ndarray of bool of shape (n_columns,) or of int
            Columns kept (a mask, or indices in increasing order). Dropping the intercept
            column gives a design without intercept; a dropped penalised feature leaves its
            pseudo-rows in place as zero rows, so row numbers do not change.

        Returns
        -------
        RowDesign
            Coefficients of the restricted design are ``beta[columns]``.
        """
        keep = np.zeros(self.n_columns, dtype=bool)
        keep[columns] = True
        off = self.offset
        features = np.flatnonzero(keep[off:])
        X = self._x_columns(features)
        new_index = np.full(self.n_features, -1, dtype=np.intp)
        new_index[features] = np.arange(features.size)
        penalized = np.where(self.penalized >= 0, new_index[np.maximum(self.penalized, 0)], -1)
        k, n = self.penalized.size, self.n_samples
        return RowDesign(
            X, self.y[:n], tau=self.tau, weights=self.weights[:n],
            fit_intercept=bool(off and keep[0]), penalized=penalized,
            penalty_weights=self.weights[n : n + k], weight_sum=self.weight_sum,
            extra_rows=self._tail.extra[:, keep], extra_y=self.y[n + 2 * k :],
            extra_weights=self.weights[n + 2 * k :],
        )

    def subset(self, index, extra_rows=None, extra_y=None, extra_weights=None) -> RowDesign:
        """The observations ``index`` with this design's pseudo and extra rows, plus new rows.

        This is the reduced problem of Portnoy & Koenker's preprocessing: a subset of the
        observations and "globs" standing for the rest. The result is an in-memory design
        (``X[index]`` copied, in this design's layout) whatever this one is.

        Parameters
        ----------
        index : ndarray of int
            Observation rows kept, in this order.
        extra_rows : array-like of shape (g, n_columns), optional
            Rows appended after this design's extra rows.
        extra_y, extra_weights : array-like of shape (g,), optional
            Their targets and weights.

        Returns
        -------
        RowDesign
        """
        index = np.asarray(index, dtype=np.intp)
        n, k = self.n_samples, self.penalized.size
        tail = slice(n + 2 * k, None)
        rows, ys, ws = self._tail.extra, self.y[tail], self.weights[tail]
        if extra_rows is not None and len(extra_rows):
            rows = np.vstack([rows, np.asarray(extra_rows, dtype=float)])
            ys = np.concatenate([ys, np.asarray(extra_y, dtype=float)])
            ws = np.concatenate([ws, np.asarray(extra_weights, dtype=float)])
        return RowDesign(
            self._x_subset(index), self.y[index], tau=self.tau, weights=self.weights[index],
            fit_intercept=self.fit_intercept, penalized=self.penalized,
            penalty_weights=self.weights[n : n + k], weight_sum=self.weight_sum,
            extra_rows=rows, extra_y=ys, extra_weights=ws,
        )

    # -- the objective ---------------------------------------------------------------------------
    def residual(self, beta: np.ndarray) -> np.ndarray:
        """``y - A @ beta`` over every row."""
        return self.y - self.matvec(beta)

    def loss(self, beta: np.ndarray | None = None, residual: np.ndarray | None = None) -> float:
        """``sum_i w_i rho_tau(r_i) / weight_sum``: the sklearn-lad objective.

        Parameters
        ----------
        beta : ndarray of shape (n_columns,), optional
            Coefficients; ``r = y - A @ beta``.
        residual : ndarray of shape (n_rows,) or (n_samples,), optional
            The residuals instead of ``beta``; with ``n_samples`` entries only the observation
            rows count.

        Returns
        -------
        float
        """
        r = self.residual(beta) if residual is None else residual
        rho = np.where(r >= 0, self.tau * r, (self.tau - 1.0) * r)
        return float(self.weights[: r.shape[0]] @ rho) / self.weight_sum

    def dual_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The box ``[-(1 - tau) w_i, tau w_i]`` of the LP's dual variables, per row."""
        return -(1.0 - self.tau) * self.weights, self.tau * self.weights
