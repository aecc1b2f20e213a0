"""Exact quantile regression on data larger than memory, with Dask.

:class:`DaskQuantileRegressor` and :class:`DaskLADRegressor` fit dask arrays and dask
DataFrames chunked by rows in a few passes over the data (Portnoy & Koenker's preprocessing,
distributed; see ``docs/dask.md``). Needs the optional extra: ``pip install "sklearn-lad[dask]"``.
"""

try:
    import dask.array  # noqa: F401
    import dask.dataframe  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "sklearn_lad.dask needs dask with its array and dataframe parts. Install them with: "
        'pip install "sklearn-lad[dask]"'
    ) from error

from ._estimators import DaskLADRegressor, DaskQuantileRegressor

__all__ = ["DaskQuantileRegressor", "DaskLADRegressor"]
