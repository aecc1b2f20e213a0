"""The package's in-memory pieces the chunked scheme calls, in one place.

The chunk kernels and the client reuse the preprocessing of ``solver="fn"`` as it is: the band
statistics, cut points, band width and globs per chunk, the rough interior-point pilot fit, and
the design operator of a chunk. They live in ``sklearn_lad._design`` and
``solvers/_preprocessing.py``; importing them here only keeps the rest of ``sklearn_lad.dask``
independent of where they live.
"""

# ruff: noqa: F401
from __future__ import annotations

import numpy as np

from .._design import RowDesign, single_threaded_blas
from ..solvers._preprocessing import (
    _band_statistics,
    _band_width,
    _cut_points,
    _globs,
    _standardize,
)
from ..solvers._preprocessing import solve_any_rank as _solve_any_rank


def chunk_design(X, y, w, intercept: bool, tau: float = 0.5):
    """The design operator of one chunk's observations (no penalty rows)."""
    return RowDesign(X, y, tau=tau, weights=w, fit_intercept=intercept)

def problem_design(problem):
    """The augmented design (observations and penalty rows) of a ``QuantileProblem``."""
    return problem.augmented()

def n_columns(design) -> int:
    return design.n_columns

def row_weights(design) -> np.ndarray:
    return design.weights


def solve_any_rank(design, tau: float, **kwargs):
    """A rough or exact interior-point fit after dropping dependent columns."""
    return _solve_any_rank(design, tau, **kwargs)
