"""The package's in-memory pieces the chunked scheme calls, in one place.

The chunk kernels and the client reuse the preprocessing of ``solver="fn"``
(``solvers/_preprocessing.py``) as it is: the band statistics, cut points, band width and globs
per chunk, the rough interior-point pilot fit, and the design operator (``_design.py``) of a
chunk. Nothing else in ``sklearn_lad.dask`` needs to know where they live.
"""

from __future__ import annotations

import numpy as np

from .._design import RowDesign, single_threaded_blas
from ..solvers._preprocessing import (
    _band_statistics,
    _band_width,
    _cut_points,
    _globs,
    _standardize,
    solve_any_rank,
)

__all__ = [
    "_band_statistics", "_band_width", "_cut_points", "_globs", "_standardize",
    "chunk_design", "n_columns", "problem_design", "row_weights", "single_threaded_blas",
    "solve_any_rank",
]


def chunk_design(X, y, w, intercept: bool, tau: float = 0.5) -> RowDesign:
    """The design operator of one chunk's observations (no penalty rows)."""
    return RowDesign(X, y, tau=tau, weights=w, fit_intercept=intercept)


def problem_design(problem) -> RowDesign:
    """The augmented design (observations and penalty rows) of a ``QuantileProblem``."""
    return problem.augmented()


def n_columns(design: RowDesign) -> int:
    return design.n_columns


def row_weights(design: RowDesign) -> np.ndarray:
    return design.weights
