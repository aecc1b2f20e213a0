"""Weighted Gram matrices ``[1, X]' diag(d) [1, X]`` of dense (C or F order) and sparse ``X``.

The kernels behind :meth:`sklearn_lad._design.RowDesign.gram`: dense ``X`` is streamed in row
blocks, so no ``n x q`` temporary is formed and the blocks stay in cache; the intercept column
is never materialised. Every Newton step of the interior point and every IRLS step costs one
of these, so each layout gets the product BLAS does fastest on it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["column_major_gram", "row_major_gram", "sparse_gram"]

# From this many columns the dense Gram matrix uses the symmetric rank-k update (half the
# flops); narrower designs do better with one general product that also yields the intercept.
_SYRK_COLUMNS = 32


def _finish(G: np.ndarray, d: np.ndarray, offset: int) -> np.ndarray:
    """Mirror the intercept column (accumulated in ``G[1:, 0]``) and set its corner."""
    if offset:
        G[0, 1:] = G[1:, 0]
        G[0, 0] = d.sum()
    return G


def sparse_gram(X, d: np.ndarray, offset: int, Xt, row_of_entry: np.ndarray) -> np.ndarray:
    """The Gram matrix of CSR ``X`` given ``Xt`` (``X.T`` as CSR) and each entry's row.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> X = sp.csr_array(np.array([[1.0, 0.0], [2.0, 3.0]]))
    >>> rows = np.repeat(np.arange(2), np.diff(X.indptr))
    >>> sparse_gram(X, np.array([1.0, 2.0]), 1, sp.csr_array(X.T), rows)
    array([[ 3.,  5.,  6.],
           [ 5.,  9., 12.],
           [ 6., 12., 18.]])
    """
    G = np.zeros((X.shape[1] + offset,) * 2)
    scaled = sp.csr_array((X.data * d[row_of_entry], X.indices, X.indptr), shape=X.shape)
    G[offset:, offset:] = (Xt @ scaled).toarray()
    if offset:
        G[1:, 0] = np.asarray(scaled.sum(axis=0)).ravel()
    return _finish(G, d, offset)


def row_major_gram(X: np.ndarray, d: np.ndarray, offset: int, block: int) -> np.ndarray:
    """The Gram matrix of C-ordered ``X``, ``block`` rows at a time.

    Examples
    --------
    >>> import numpy as np
    >>> row_major_gram(np.array([[1.0, 0.0], [2.0, 3.0]]), np.array([1.0, 2.0]), 1, 256)
    array([[ 3.,  5.,  6.],
           [ 5.,  9., 12.],
           [ 6., 12., 18.]])
    """
    n, q = X.shape[0], X.shape[1] + offset
    G = np.zeros((q, q))
    if q > _SYRK_COLUMNS and d.min(initial=0.0) >= 0:
        # Wide X: numpy calls syrk for ``B.T @ B``, which halves the flops.
        root = np.sqrt(d)
        for start in range(0, n, block):
            half = X[start : start + block] * root[start : start + block, None]
            G[offset:, offset:] += half.T @ half
            if offset:
                G[1:, 0] += root[start : start + block] @ half
        return _finish(G, d, offset)
    # Narrow X: per block one product of d * X (contiguous, the block's width) with X and one
    # of d with X for the intercept. Writing d * X into the columns of a wider [d, d * X]
    # buffer and taking one product cost a quarter more (strided stores, a wider product).
    buffer = np.empty((min(block, n), X.shape[1]))
    for start in range(0, n, block):
        Xc = X[start : start + block]
        dc = d[start : start + block]
        scaled = buffer[: Xc.shape[0]]
        np.multiply(Xc, dc[:, None], out=scaled)
        G[offset:, offset:] += scaled.T @ Xc
        if offset:
            G[1:, 0] += dc @ Xc
    return _finish(G, d, offset)


def column_major_gram(X: np.ndarray, d: np.ndarray, offset: int, block: int) -> np.ndarray:
    """The Gram matrix of F-ordered ``X``, ``block`` rows at a time.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.asfortranarray([[1.0, 0.0], [2.0, 3.0]])
    >>> column_major_gram(X, np.array([1.0, 2.0]), 1, 4096)
    array([[ 3.,  5.,  6.],
           [ 5.,  9., 12.],
           [ 6., 12., 18.]])
    """
    n, q = X.shape[0], X.shape[1] + offset
    G = np.zeros((q, q))
    Xt = X.T  # (p, n), C-contiguous: each block is p contiguous runs
    buffer = np.empty((Xt.shape[0], min(block, n)))
    wide = q > _SYRK_COLUMNS and d.min(initial=0.0) >= 0
    weight = np.sqrt(d) if wide else d
    for start in range(0, n, block):
        cols = Xt[:, start : start + block]
        scaled = buffer[:, : cols.shape[1]]
        np.multiply(cols, weight[start : start + block], out=scaled)
        if wide:
            # ``B @ B.T`` of one buffer is a symmetric rank-k update: half the flops.
            G[offset:, offset:] += scaled @ scaled.T
            if offset:
                G[1:, 0] += scaled @ weight[start : start + block]
        else:
            G[offset:, offset:] += scaled @ cols.T
            if offset:
                G[1:, 0] += scaled.sum(axis=1)
    return _finish(G, d, offset)
