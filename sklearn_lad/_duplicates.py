"""Rows repeated exactly, merged into one row with the summed weight.

The quantile objective of the merged problem is the original's, so every exact answer is
unchanged; but repeated rows make every vertex through them degenerate, which simplex walks
(the constrained non-crossing LP, the quantile process) handle worse than one heavier row.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from ._problem import QuantileProblem

__all__ = ["merge_duplicate_rows"]

# A sparse X with more entries than this is not densified to find its duplicate rows.
_DENSE_LIMIT = 2_000_000


def merge_duplicate_rows(problem: QuantileProblem) -> tuple[QuantileProblem, np.ndarray]:
    """``(merged problem, inverse)``: row ``i`` of the original is row ``inverse[i]`` merged.

    The merged rows are sorted (lexicographically by ``x`` then ``y``), so the merged problem
    depends on the weighted data only: not on row order or on weights written as repeats.
    """
    if sp.issparse(problem.X) and problem.X.shape[0] * problem.X.shape[1] > _DENSE_LIMIT:
        # Too large to compare rows densely: leave the rows as they are (still exact).
        return problem, np.arange(problem.n_samples)
    X = problem.X.toarray() if sp.issparse(problem.X) else np.asarray(problem.X)
    rows, inverse = np.unique(np.column_stack([X, problem.y]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    weights = np.bincount(inverse, weights=problem.weights, minlength=rows.shape[0])
    features = rows[:, :-1]
    if sp.issparse(problem.X):
        features = sp.csr_matrix(features)
    merged = dataclasses.replace(problem, X=features, y=rows[:, -1], sample_weight=weights)
    return merged, inverse
