"""Certify a vertex of the full penalised problem from its own basis (no canonical search).

The working sets (``_working_set.py``) end with a point that is optimal for the problem restricted
to a few features. When that point is a non-degenerate vertex, one linear solve on its basis
proves it the *unique* optimum of the full problem, without the shared certificate's search for
the optimal face (``_certificate.py``), whose cost grows with the restricted problem:

* ``Z`` = the observations the point interpolates, ``E`` = its active columns (intercept,
  unpenalised features, non-zero coefficients), ``|Z| = |E|`` and ``A_ZE`` nonsingular;
* the non-basic observations' dual values sit at the bound of their side
  (:func:`~sklearn_lad._simplex.dual_at_bounds`), the basic ones solve
  ``A_ZE' d_Z = c_E - A_NE' d_N`` with ``c`` the penalty's subgradient
  (:func:`~sklearn_lad._simplex.basic_dual`);
* the vertex is the unique optimum when every ``d_Z`` lies strictly inside its box and every
  zero feature strictly satisfies ``|X_j'd| < lambda_j`` (strict complementarity with a
  nonsingular basis: Koenker 2005, Thm 2.1; the engine's ``unique_optimum`` is the same test).

This composes the engine's :class:`~sklearn_lad._simplex.Basis` and :func:`basic_dual` on the
columns of ``E`` only, so nothing of size ``|Z| x p`` is formed and a sparse ``X`` stays sparse:
the one product over all features is ``X'd``. On a sparse ``X`` the columns of ``E`` stay
sparse too, so every step is ``O(nnz)`` but the basis factorisation, which for a large basis
is an LU without the explicit inverse (:func:`~sklearn_lad._vertex_basis.factor_basis`). A
point that fails (degenerate, tight, or not a vertex) is left to the shared certificate, which
handles every case.

When the restricted fit is an interior point's centre of the optimal face rather than a vertex,
:func:`check_vertex` first rounds it: the interpolated rows are kept and the largest
coefficients (by ``|b_j| ||A_j||``) chosen as ``E``; the test above then proves or refutes the
rounded vertex, so rounding can cost a fallback, never a wrong answer.

References
----------
Koenker, R. (2005). Quantile Regression, Thm 2.1 and ch. 6. Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._objective import quantile_objective
from ._problem import QuantileProblem, SolverResult, pseudo_row_duals
from ._simplex import basic_dual, dual_at_bounds
from ._tolerances import HOMOTOPY_STRICT_DUAL_RTOL, is_zero_residual, residual_scale
from ._vertex_basis import factor_basis

__all__ = ["VertexCheck", "check_basis", "check_vertex"]


@dataclass(frozen=True)
class VertexCheck:
    """What :func:`check_vertex` found.

    Attributes
    ----------
    result : SolverResult or None
        The certified unique optimum of the full problem, or ``None``.
    xtd : ndarray or None
        ``X_j'd`` for every feature at the vertex's dual when that dual is feasible on the
        vertex's own columns (the rows' boxes hold), else ``None``. With ``result`` ``None`` it
        tells which features outside the working set are violated or tight.
    support : ndarray of int or None
        The features of the rounded vertex's ``E`` (with ``xtd``).
    vertex : tuple of (ndarray, float) or None
        The rounded vertex's ``(coef, intercept)`` over all features (with ``xtd``): a start
        for simplex steps when it is not optimal.
    """

    result: SolverResult | None
    xtd: np.ndarray | None
    support: np.ndarray | None = None
    vertex: tuple[np.ndarray, float] | None = None


def _active_columns(problem: QuantileProblem, features: np.ndarray, columns=None):
    """``[1, X[:, features]]`` (``n x |E|``): dense for a dense ``X``, CSC for a sparse one.

    A sparse ``X`` stays sparse: at ``p >> n`` the vertex can have thousands of non-zeros, and a
    dense ``n x |E|`` copy would cost more than everything else in the test. ``columns``:
    ``X[:, features]`` when the caller holds it.
    """
    X = problem.X[:, features] if columns is None else columns
    if sp.issparse(X):
        if problem.fit_intercept:
            X = sp.hstack([sp.csc_array(np.ones((problem.n_samples, 1))), X])
        return sp.csc_array(X, dtype=float)
    X = np.asarray(X, dtype=float)
    if problem.fit_intercept:
        return np.hstack([np.ones((problem.n_samples, 1)), X])
    return X


def _column_norms(A) -> np.ndarray:
    """Euclidean norm of every column of a dense or sparse ``A``."""
    if sp.issparse(A):
        return np.sqrt(np.asarray(A.multiply(A).sum(axis=0)).ravel())
    return np.linalg.norm(A, axis=0)


def _round(problem, coef, intercept, free):
    """``(features of E, A_E, interpolated rows)`` of the vertex nearest the point, or ``None``."""
    y = problem.y
    features = np.flatnonzero(free | (coef != 0))
    A = _active_columns(problem, features)
    off = int(problem.fit_intercept)
    beta = np.concatenate([[intercept], coef[features]]) if off else coef[features]
    fitted = A @ beta
    zero = np.flatnonzero(is_zero_residual(y - fitted, residual_scale(y, fitted)))
    if zero.size > A.shape[1] or zero.size < off + int(free.sum()):
        return None  # degenerate (more zero rows than columns) or too few rows for the free ones
    if zero.size < A.shape[1]:
        # An interior point's centre of the face: keep the zero rows, and as many penalised
        # columns as they can carry, the largest first.
        penal = np.flatnonzero(~free[features])
        size = np.abs(beta[off + penal]) * _column_norms(A[:, off + penal])
        keep = penal[np.argsort(-size, kind="stable")[: zero.size - A.shape[1] + penal.size]]
        cols = np.sort(np.concatenate([np.flatnonzero(free[features]), keep]))
        features = features[cols]
        A = A[:, np.concatenate([np.arange(off), off + cols])]
    return features, A, zero


def check_vertex(problem: QuantileProblem, coef: np.ndarray, intercept: float) -> VertexCheck:
    """Whether ``(coef, intercept)`` (rounded to a vertex) is the full problem's unique optimum.

    Parameters
    ----------
    problem : QuantileProblem
        A penalised problem.
    coef : ndarray of shape (n_features,)
        Coefficients over all features (zero outside the working set).
    intercept : float
        Intercept (ignored without ``fit_intercept``).

    Returns
    -------
    VertexCheck
        The certified result, or ``None`` with ``X'd`` when the dual is feasible on the
        vertex's columns.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> X = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 2.0], [5.0, 1.0]])
    >>> y = np.array([1.1, 2.3, 2.9, 4.2, 5.1])
    >>> problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=0.05)
    >>> check = check_vertex(problem, np.array([1.0, 0.0]), 0.0)
    >>> check.result is None, check.xtd is None  # (0, 1, 0) interpolates no row
    (True, True)
    """
    coef = np.asarray(coef, dtype=float)
    free = problem.penalty <= 0
    rounded = _round(problem, coef, float(intercept), free)
    if rounded is None:
        return VertexCheck(None, None)
    return _check(problem, *rounded)


def check_basis(problem: QuantileProblem, features: np.ndarray, rows: np.ndarray,
                columns=None) -> VertexCheck:
    """Whether the vertex interpolating ``rows`` on ``features`` is the unique optimum.

    :func:`check_vertex` without the rounding: the basis is known (a simplex vertex's), so no
    residual is computed to find it. The test is the same, on a fresh factorisation.

    Parameters
    ----------
    problem : QuantileProblem
        A penalised problem.
    features : ndarray of int
        The vertex's active features (every unpenalised one among them).
    rows : ndarray of int
        The observations it interpolates, as many as ``features`` plus the intercept.
    columns : ndarray or sparse matrix, optional
        ``X[:, features]``, when the caller holds it (gathered from ``X`` otherwise).

    Returns
    -------
    VertexCheck
        As :func:`check_vertex`'s.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> X = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 2.0], [5.0, 1.0]])
    >>> y = np.array([1.1, 2.3, 2.9, 4.2, 5.1])
    >>> problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=1.0)
    >>> check = check_basis(problem, np.array([], dtype=int), np.array([2]))
    >>> check.result.intercept, check.result.coef  # the median, unique at this alpha
    (2.9, array([0., 0.]))
    """
    features = np.asarray(features, dtype=np.intp)
    rows = np.asarray(rows, dtype=np.intp)
    A = _active_columns(problem, features, columns)
    if rows.size != A.shape[1]:
        return VertexCheck(None, None)
    return _check(problem, features, A, rows)


def _check(problem: QuantileProblem, features, A, zero) -> VertexCheck:
    """The test of :func:`check_vertex` on the basis ``(zero, [intercept,] features)``."""
    lam = problem.penalty * problem.weight_sum
    free = lam <= 0
    basis = factor_basis(zero, np.arange(A.shape[1]), A[zero])
    if basis is None:
        return VertexCheck(None, None)
    y, tau, w = problem.y, problem.tau, problem.weights
    beta = basis.solve(y[zero])
    fitted = A @ beta
    residual = y - fitted
    residual[zero] = 0.0
    small = is_zero_residual(residual, residual_scale(y, fitted))
    small[zero] = False
    if small.any():
        return VertexCheck(None, None)  # degenerate: the shared certificate decides
    side = np.sign(residual)
    d = dual_at_bounds(side, -(1.0 - tau) * w, tau * w)
    off = int(problem.fit_intercept)
    sign = np.sign(beta)
    sign[:off] = 0.0
    if np.any(sign[off:][~free[features]] == 0.0):
        return VertexCheck(None, None)  # a basic coefficient at zero: degenerate
    cost = np.concatenate([np.zeros(off), lam[features]]) * sign
    d[zero] = basic_dual(basis, A.T @ d, cost)
    margin = HOMOTOPY_STRICT_DUAL_RTOL * w[zero]
    if np.any(d[zero] >= tau * w[zero] - margin) or np.any(d[zero] <= -(1.0 - tau) * w[zero]
                                                          + margin):
        return VertexCheck(None, None)
    xtd = np.asarray(problem.X.T @ d).ravel()
    inactive = np.ones(lam.size, dtype=bool)
    inactive[features] = False
    full = np.zeros(lam.size)
    full[features] = beta[off:]
    out_intercept = float(beta[0]) if off else 0.0
    if np.any(np.abs(xtd[inactive]) >= lam[inactive] * (1.0 - HOMOTOPY_STRICT_DUAL_RTOL)):
        return VertexCheck(None, xtd, features, (full, out_intercept))
    return VertexCheck(SolverResult(
        coef=full + 0.0, intercept=out_intercept + 0.0,
        objective=_objective(problem, features, A[:, off:], beta[off:], out_intercept),
        gap=0.0, message="optimal vertex (working-set basis dual certificate)", certified=True,
        unique=True, basis=np.sort(zero), dual=_augmented_dual(problem, d, xtd, lam),
    ), xtd, features)


def _objective(problem: QuantileProblem, features, X_E, coef_E, intercept: float) -> float:
    """The objective at a point whose non-zeros are on ``features``: on those columns only
    (the product over every feature cost as much as the test's ``X'd``)."""
    factor = None if problem.penalty_factor is None else problem.penalty_factor[features]
    return quantile_objective(X_E, problem.y, coef_E, intercept, problem.tau, problem.alpha,
                              problem.sample_weight, factor)


def _augmented_dual(problem: QuantileProblem, d: np.ndarray, xtd: np.ndarray, lam) -> np.ndarray:
    """The augmented LP's dual: observations, then the ``+e_j`` and ``-e_j`` pseudo-rows.

    Pseudo-rows need ``d+_j - d-_j = -X_j'd`` inside ``[-(1 - tau), tau] lambda_j``
    (:func:`~sklearn_lad._problem.pseudo_row_duals`).
    """
    penalized = np.flatnonzero(lam > 0)
    return np.concatenate([d, *pseudo_row_duals(-xtd[penalized], lam[penalized], problem.tau)])
