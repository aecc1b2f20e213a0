"""The regularisation path on feature working sets: p >> n, every grid value certified.

Each grid value of :func:`working_set_path` is an exact penalised fit on a working set ``W`` of
features (``_working_set.py`` explains why a restricted optimum whose dual passes the full
check ``|X_j'd| <= lambda_j`` is the full problem's). Along the path the previous grid value's
vertex is re-tested first (the optimal vertex is piecewise constant in ``alpha``), then walked
to the new ``alpha`` by the engine's simplex steps restricted to ``W``
(:class:`~sklearn_lad._homotopy.Homotopy`), with ``W`` seeded by the sequential strong rule
(Tibshirani et al. 2012, JRSS-B 74(2)); the interior-point rounds of
:func:`~sklearn_lad._working_set.solve_with_working_set` only run where the walk gives up.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ._design import single_threaded_blas
from ._problem import QuantileProblem, SolverResult
from ._vertex_check import check_vertex
from ._walk import RestrictedWalk, walk
from ._working_set import WORKING_SET_MIN_RATIO, _correlations, solve_with_working_set
from .solvers._base import resolve_solver

__all__ = ["use_working_set_path", "working_set_path"]

#: The path starts ``W`` at ``|X_j'd_prev| >= alpha - _STRONG_MARGIN (alpha_prev - alpha)``
#: (1: the sequential strong rule); 0.25-1 measured within 10% of each other in Newton flops.
#: For the walk (n = 500, p = 20,000): 0.25 and 0.5 took 6,855 and 6,753 simplex steps to
#: 1's 6,202 (more rounds); 1.5-2 within the timing noise of 1, 3 slower (a wider W).
_STRONG_MARGIN = 1.0


def use_working_set_path(problem: QuantileProblem, solver: str) -> bool:
    """Whether the path and the cross-validation should solve every grid value on working sets.

    Penalised problems with ``p >= 2n`` and an exact backend, at every ``alpha``: there the
    homotopy's steps and certificates cost ``O(p)`` each, and the path reuses each grid value's
    working set for the next (``benchmarks/bench_highdim.py``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> problem = QuantileProblem(X=np.ones((4, 40)), y=np.arange(4.0), tau=0.5)
    >>> use_working_set_path(problem, "auto")
    True
    """
    if problem.n_features < WORKING_SET_MIN_RATIO * problem.n_samples:
        return False
    if problem.penalty_factor is not None and not np.any(problem.penalty_factor > 0):
        return False
    return resolve_solver(solver, dataclasses.replace(problem, alpha=1.0)).exact


def working_set_path(
    problem: QuantileProblem, alphas: np.ndarray, solver: str, options: dict[str, Any] | None
) -> tuple[list[SolverResult], str]:
    """The certified solutions on a decreasing grid, each on a working set of features.

    At each grid value the previous solution is tested first (the path is piecewise constant
    in ``alpha``: one ``X'd`` product proves it still optimal); otherwise the working set
    starts from the previous support and the sequential strong rule (Tibshirani et al. 2012,
    JRSS-B 74(2)): features with ``|X_j'd| >= (2 alpha - alpha_prev) pi_j sum(w)`` at the
    previous dual ``d``. The rule is a guess; the vertex test or the certified rounds decide.

    Parameters
    ----------
    problem : QuantileProblem
        The problem (its ``alpha`` is ignored).
    alphas : ndarray
        The grid, decreasing.
    solver : str
        ``"auto"`` or an exact backend for the restricted fits.
    options : dict or None
        The backend's ``solver_options``.

    Returns
    -------
    results : list of SolverResult
        One certified result per grid value.
    resolved_name : str
        The backend that ran the restricted fits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 100))
    >>> y = X[:, 0] + 0.1 * rng.standard_normal(20)
    >>> problem = QuantileProblem(X=X, y=y, tau=0.5)
    >>> results, _ = working_set_path(problem, np.array([0.2, 0.1, 0.05]), "auto", None)
    >>> [r.certified for r in results]
    [True, True, True]
    """
    results: list[SolverResult] = []
    name = resolve_solver(solver, dataclasses.replace(problem, alpha=1.0)).name
    previous = strong = walker = None
    last_alpha = None
    for alpha in np.asarray(alphas, dtype=float):
        sub = dataclasses.replace(problem, alpha=float(alpha))
        initial = None if strong is None else (
            strong >= alpha - _STRONG_MARGIN * (last_alpha - alpha))
        walking = previous is not None and initial is not None and previous.unique
        result = None
        if previous is not None and not walking:
            # A walk starts with the same test (its vertex, still optimal on W, is checked on
            # every feature): testing here too would cost a second X'd product and basis.
            with single_threaded_blas():
                result = check_vertex(sub, previous.coef, previous.intercept).result
            if result is not None:
                result = dataclasses.replace(result, message="previous grid value still optimal")
        if result is None and walking:
            result, walker = _walk(sub, previous, initial | (previous.coef != 0), walker)
        else:
            walker = None  # its vertex is not this grid value's answer
        if result is None:
            walker = None
            warm = None if previous is None else (previous.coef, previous.intercept)
            result, name = solve_with_working_set(sub, solver, options, warm, initial)
        results.append(result)
        previous, last_alpha = result, float(alpha)
        if result.dual is not None:
            unit = np.where(sub.penalty > 0, sub.penalty / alpha, 1.0) * sub.weight_sum
            strong = np.abs(_dual_correlations(sub, result.dual)) / unit
        else:
            strong = None
    return results, name


def _dual_correlations(problem: QuantileProblem, dual: np.ndarray) -> np.ndarray:
    """``X_j'd`` at a full augmented dual: the penalised features' from their pseudo-rows.

    A feasible dual balances each penalised column, ``X_j'd + d+_j - d-_j = 0``, so the
    certified results carry ``X'd`` already (the vertex test computed it): reading it off saves
    the strong rule an ``X'd`` product per grid value. Unpenalised features (always in ``W``)
    get 0; a dual of another layout falls back to the product.
    """
    n = problem.n_samples
    penalized = np.flatnonzero(problem.penalty > 0)
    k = penalized.size
    if dual.size != n + 2 * k:
        return _correlations(problem, dual[:n])
    out = np.zeros(problem.n_features)
    out[penalized] = dual[n + k :] - dual[n : n + k]
    return out


def _walk(problem: QuantileProblem, previous: SolverResult, in_set: np.ndarray,
          walker: RestrictedWalk | None):
    """The previous grid value's vertex walked to ``problem.alpha`` on ``W = in_set``.

    ``walker`` holds that vertex when the previous grid value was walked: it moves to the new
    ``W`` without being rebuilt (:meth:`~sklearn_lad._walk.RestrictedWalk.moved_to`).
    Returns ``(result or None, walker for the next grid value or None)``.
    """
    if walker is None:
        return walk(problem, previous, in_set)
    with single_threaded_blas():
        return walker.moved_to(in_set).solve(problem)
