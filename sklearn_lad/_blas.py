"""BLAS threading for the thin products and small factorisations of the solvers."""

from __future__ import annotations

from functools import cache

from threadpoolctl import ThreadpoolController

__all__ = ["single_threaded_blas"]


@cache
def _blas_controller() -> ThreadpoolController:
    # Built once: scanning the loaded libraries costs milliseconds, the limit itself does not.
    return ThreadpoolController()


def single_threaded_blas():
    """A context manager in which BLAS runs on one thread.

    The products of a tall, narrow design are memory-bound: a second BLAS thread does not
    speed them up, while threads spinning on a shared machine slowed whole fits several-fold
    in our measurements (and small factorisations up to 100x).

    Examples
    --------
    >>> from sklearn_lad._blas import single_threaded_blas
    >>> with single_threaded_blas():
    ...     pass
    """
    return _blas_controller().limit(limits=1, user_api="blas")
