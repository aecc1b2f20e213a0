"""The package's in-memory pieces the chunked scheme calls, in one place.

The chunk kernels and the client reuse the preprocessing of ``solver="fn"`` as it is: the band
statistics, cut points, band width and globs per chunk, the rough interior-point pilot fit, and
the design operator of a chunk. The engine consolidation (``sklearn_lad._design``,
``solvers/_preprocessing.py``) moves them; until both layouts are gone but one, this module
imports whichever is present (the first branch is the consolidated one), so nothing else in
``sklearn_lad.dask`` depends on where they live.
"""

# ruff: noqa: F401
from __future__ import annotations

import numpy as np

try:
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

except ImportError:  # the layout before the engine consolidation
    from ..solvers._fn_core import (
        RowDesign,
        _band_statistics,
        _band_width,
        _cut_points,
        _globs,
        _solve_any_rank,
        _standardize,
    )
    from ..solvers.fn import _blas_controller
    from ..solvers.fn import _design as problem_design

    def single_threaded_blas():
        return _blas_controller().limit(limits=1, user_api="blas")

    def chunk_design(X, y, w, intercept: bool, tau: float = 0.5):
        q = X.shape[1] + int(intercept)
        u = np.ones(y.size) if w is None else w
        return RowDesign(X, intercept, np.empty((0, q)), y, u)

    def n_columns(design) -> int:
        return design.q

    def row_weights(design) -> np.ndarray:
        return design.u


def solve_any_rank(design, tau: float, **kwargs):
    """A rough or exact interior-point fit after dropping dependent columns."""
    return _solve_any_rank(design, tau, **kwargs)
