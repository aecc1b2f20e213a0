"""The rows of the augmented design after the observations: penalty pseudo-pairs, extra rows.

Part of :class:`sklearn_lad._design.RowDesign`: for each penalised feature ``j`` the pseudo-rows
``+e_j`` and ``-e_j`` (which add ``alpha * penalty_factor_j * |b_j|`` to the objective; Koenker
2005, section 6.2), then the dense *extra rows* (the globbed observations of Portnoy & Koenker's
1997 preprocessing), with the products the design needs from them.

References
----------
Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise:
computability of squared-error versus absolute-error estimators. Statistical Science 12(4),
279-300.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TailRows"]


class TailRows:
    """The rows after the observations: penalty pseudo-pairs ``+-e_j``, then dense extra rows.

    Kept structured (a column index per pair, ``-1`` for a zero pair) rather than as a sparse
    matrix: building scipy matrices costs more than every product here on small problems.
    """

    def __init__(self, pseudo_columns: np.ndarray, extra: np.ndarray, q: int) -> None:
        self.cols = pseudo_columns
        self.live = np.flatnonzero(pseudo_columns >= 0)
        self.k = pseudo_columns.size
        self.extra = extra
        self.q = q
        self.size = 2 * self.k + extra.shape[0]

    def matvec(self, beta: np.ndarray) -> np.ndarray:
        pen = np.zeros(self.k)
        pen[self.live] = beta[self.cols[self.live]]
        return np.concatenate([pen, -pen, self.extra @ beta])

    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        k, live = self.k, self.live
        out = self.extra.T @ v[2 * k :]
        # Each column has at most one pair, so the indexed update has no repeated index.
        out[self.cols[live]] += v[live] - v[k + live]
        return out

    def gram(self, d: np.ndarray) -> np.ndarray:
        k, live = self.k, self.live
        extra = self.extra
        G = extra.T @ (extra * d[2 * k :, None])
        cols = self.cols[live]
        G[cols, cols] += d[live] + d[k + live]
        return G

    def rows(self, index: np.ndarray) -> np.ndarray:
        k = self.k
        out = np.zeros((index.size, self.q))
        pseudo = np.flatnonzero(index < 2 * k)
        if pseudo.size:
            pair = index[pseudo] % k
            col = self.cols[pair]
            live = col >= 0
            out[pseudo[live], col[live]] = np.where(index[pseudo[live]] < k, 1.0, -1.0)
        rest = np.flatnonzero(index >= 2 * k)
        out[rest] = self.extra[index[rest] - 2 * k]
        return out

    def column_max_abs(self) -> np.ndarray:
        out = np.abs(self.extra).max(axis=0, initial=0.0)
        out[self.cols[self.live]] = np.maximum(out[self.cols[self.live]], 1.0)
        return out
