"""Quantile curves that do not cross: monotone rearrangement and the jointly constrained fit.

Separately fitted linear quantiles ``x'b(tau)`` are monotone in ``tau`` at the centre of the data
but may cross at its edges (or even at training points). Two remedies:

* :func:`rearrange`: the monotone rearrangement of Chernozhukov, Fernandez-Val and Galichon
  (2010). The fitted quantile function ``u -> Q(u | x)`` is replaced by the quantile function of
  the distribution of ``Q(U | x)`` with ``U`` uniform on (0, 1): for a function that is piecewise
  constant in ``u`` (a grid of fits, or the exact process) that is a weighted sort of its values.
  It is done per prediction row, so no two curves cross at any ``x``, and it can only bring the
  estimate closer to a monotone truth (their Proposition 1).
* :func:`fit_constrained`: the joint fit of Bondell, Reich and Wang (2010): all levels are fitted
  in one linear program, ``min sum_k sum_i w_i rho_{tau_k}(y_i - b0_k - x_i'b_k) / sum(w)``, with
  the ordering constraints ``b0_{k+1} + x'b_{k+1} >= b0_k + x'b_k`` imposed at every training
  point, or on the whole box ``[min x, max x]`` of the training covariates. The box constraint
  for one pair of levels is ``d0 + sum_j min(l_j d_j, u_j d_j) >= 0`` with ``d = b_{k+1} - b_k``,
  written linearly by splitting ``d_j = d_j^+ - d_j^-`` (``d^+, d^- >= 0``) into
  ``d0 + sum_j (l_j d_j^+ - u_j d_j^-) >= 0``, which is exact at the optimum. HiGHS
  (``scipy.optimize.linprog``, sparse constraint matrices) solves the LP.

References
----------
Chernozhukov, V., Fernandez-Val, I. and Galichon, A. (2010). Quantile and probability curves
without crossing. Econometrica 78(3), 1093-1125.
Bondell, H. D., Reich, B. J. and Wang, H. (2010). Noncrossing quantile regression curve
estimation. Biometrika 97(4), 825-838.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ._duplicates import merge_duplicate_rows
from ._problem import QuantileProblem, SolverResult, Status
from .solvers import check_status

__all__ = ["ConstrainedFit", "count_crossings", "fit_constrained", "rearrange"]


def rearrange(values: np.ndarray, lengths: np.ndarray | None = None,
              taus: np.ndarray | None = None) -> np.ndarray:
    """Monotone rearrangement of each row's quantile predictions.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_levels)
        Row ``i`` holds ``Q(u | x_i)`` on ``n_levels`` pieces of (0, 1), in increasing ``u``.
    lengths : ndarray of shape (n_levels,), default=None
        Lengths of the pieces (summing to 1). ``None`` means a grid of fits, each piece the same
        length, for which the rearrangement is a plain sort of each row.
    taus : ndarray of shape (n_out,), default=None
        With ``lengths``: the levels at which to evaluate the rearranged function. Ignored (and
        the output has ``n_levels`` columns) when ``lengths`` is ``None``.

    Returns
    -------
    ndarray
        The rearranged quantiles, non-decreasing along each row.
    """
    values = np.asarray(values, dtype=float)
    if lengths is None:
        return np.sort(values, axis=1)
    order = np.argsort(values, axis=1, kind="stable")
    sorted_values = np.take_along_axis(values, order, axis=1)
    # The rearranged function at u is the smallest value whose pieces, sorted by value, have
    # total length >= u: searchsorted on each row's cumulative length.
    cumulative = np.cumsum(np.asarray(lengths, dtype=float)[order], axis=1)
    cumulative[:, -1] = np.inf  # rounding must not push u = 1 - eps past the last piece
    out = np.empty((values.shape[0], len(taus)))
    for i in range(values.shape[0]):
        position = np.searchsorted(cumulative[i], taus, side="left")
        out[i] = sorted_values[i, position]
    return out


def count_crossings(values: np.ndarray, rtol: float = 1e-10) -> int:
    """Number of rows whose quantiles (in increasing level) decrease somewhere.

    A decrease counts when it exceeds ``rtol`` times the largest magnitude in the row: equal
    fits at neighbouring levels differ by rounding only.
    """
    values = np.asarray(values, dtype=float)
    scale = rtol * np.maximum(np.abs(values).max(axis=1, keepdims=True), 1.0)
    return int(np.count_nonzero(np.any(np.diff(values, axis=1) < -scale, axis=1)))


@dataclass(frozen=True)
class ConstrainedFit:
    """Solution of the jointly constrained LP: row ``k`` of ``coef`` is level ``taus[k]``."""

    coef: np.ndarray
    intercept: np.ndarray
    objective: np.ndarray
    n_iter: int
    converged: bool


def _design_with_intercept(problem: QuantileProblem) -> sp.csr_matrix:
    X = sp.csr_matrix(problem.X)
    if not problem.fit_intercept:
        return X
    return sp.hstack([sp.csr_matrix(np.ones((X.shape[0], 1))), X], format="csr")


def _box_rows(problem: QuantileProblem, n_levels: int, q: int):
    """Ordering rows for the covariate box, and the ``2 (n_levels - 1) q`` split variables."""
    X = problem.X
    low = np.asarray(X.min(axis=0).todense()).ravel() if sp.issparse(X) else X.min(axis=0)
    high = np.asarray(X.max(axis=0).todense()).ravel() if sp.issparse(X) else X.max(axis=0)
    off = int(problem.fit_intercept)
    pairs = n_levels - 1
    # Constraint for pair k: -(d0 + sum_j l_j dplus_j - u_j dminus_j) <= 0, and the split
    # dplus - dminus = b_{k+1} - b_k (slopes only) as equalities.
    coef_rows = sp.lil_matrix((pairs, n_levels * q))
    split_ineq = sp.lil_matrix((pairs, 2 * pairs * (q - off)))
    split_eq_beta = sp.lil_matrix((pairs * (q - off), n_levels * q))
    split_eq_vars = sp.lil_matrix((pairs * (q - off), 2 * pairs * (q - off)))
    p = q - off
    for k in range(pairs):
        if off:
            coef_rows[k, k * q] = 1.0
            coef_rows[k, (k + 1) * q] = -1.0
        split_ineq[k, 2 * k * p: 2 * k * p + p] = -low
        split_ineq[k, 2 * k * p + p: 2 * (k + 1) * p] = high
        for j in range(p):
            row = k * p + j
            split_eq_beta[row, (k + 1) * q + off + j] = 1.0
            split_eq_beta[row, k * q + off + j] = -1.0
            split_eq_vars[row, 2 * k * p + j] = -1.0
            split_eq_vars[row, 2 * k * p + p + j] = 1.0
    return coef_rows.tocsr(), split_ineq.tocsr(), split_eq_beta.tocsr(), split_eq_vars.tocsr()


def fit_constrained(
    problem: QuantileProblem, taus: np.ndarray, region: str = "training",
    max_iter: int | None = None,
) -> ConstrainedFit:
    """Fit all ``taus`` (increasing) jointly with non-crossing constraints, by HiGHS.

    ``problem`` carries the data, weights and intercept (its own ``tau`` is ignored); ``region``
    is ``"training"`` (ordering at every training row) or ``"box"`` (on the covariate box).
    """
    taus = np.asarray(taus, dtype=float)
    n_levels = taus.size
    # The joint LP's optimum is often a face, and which vertex HiGHS returns depends on the
    # order and multiplicity of its rows: one canonical input (duplicates merged, rows sorted)
    # makes the answer a function of the weighted data, so a weight of k is k repeated rows.
    original, (problem, _) = problem, merge_duplicate_rows(problem)
    design = _design_with_intercept(problem)
    n, q = design.shape
    w = problem.weights / problem.weight_sum
    n_split = 0
    eq_blocks = [sp.block_diag([design] * n_levels, format="csr")]
    identity = sp.identity(n * n_levels, format="csr")
    a_eq = sp.hstack([eq_blocks[0], identity, -identity], format="csr")
    b_eq = np.tile(problem.y, n_levels)
    cost = np.concatenate(
        [np.zeros(n_levels * q), np.concatenate([t * w for t in taus]),
         np.concatenate([(1.0 - t) * w for t in taus])]
    )
    n_resid = 2 * n * n_levels
    if region == "training":
        # design @ (b_k - b_{k+1}) <= 0 for each adjacent pair.
        difference = sp.diags([1.0, -1.0], [0, 1], shape=(n_levels - 1, n_levels), format="csr")
        a_ub = sp.hstack(
            [sp.kron(difference, design, format="csr"),
             sp.csr_matrix((n * (n_levels - 1), n_resid))], format="csr",
        )
        b_ub = np.zeros(n * (n_levels - 1))
    else:
        coef_rows, split_ineq, split_eq_beta, split_eq_vars = _box_rows(problem, n_levels, q)
        n_split = split_ineq.shape[1]
        a_ub = sp.hstack(
            [coef_rows, sp.csr_matrix((n_levels - 1, n_resid)), split_ineq], format="csr"
        )
        b_ub = np.zeros(n_levels - 1)
        a_eq = sp.vstack([
            sp.hstack([a_eq, sp.csr_matrix((a_eq.shape[0], n_split))]),
            sp.hstack([split_eq_beta, sp.csr_matrix((split_eq_beta.shape[0], n_resid)),
                       split_eq_vars]),
        ], format="csr")
        b_eq = np.concatenate([b_eq, np.zeros(split_eq_beta.shape[0])])
        cost = np.concatenate([cost, np.zeros(n_split)])
    bounds = [(None, None)] * (n_levels * q) + [(0.0, None)] * (n_resid + n_split)
    options = {} if max_iter is None else {"maxiter": int(max_iter)}
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                     method="highs", options=options)
    if result.x is None and result.status == 1:
        raise ValueError(
            f"the non-crossing LP reached solver_options max_iter={max_iter} before any "
            "feasible point; raise max_iter or leave it out."
        )
    status = {0: Status.OPTIMAL, 1: Status.ITERATION_LIMIT}.get(result.status,
                                                                 Status.NUMERICAL_ERROR)
    if result.x is None:
        status = Status.NUMERICAL_ERROR
    # The one place that turns a status into a warning or an error (as for every backend).
    check_status(SolverResult(np.zeros(0), 0.0, 0.0, status=status, message=result.message),
                 "highs (non-crossing LP)")
    converged = status is Status.OPTIMAL
    beta = result.x[: n_levels * q].reshape(n_levels, q)
    off = int(problem.fit_intercept)
    intercept = beta[:, 0].copy() if off else np.zeros(n_levels)
    coef = beta[:, off:].copy()
    objective = np.array([
        dataclasses.replace(original, tau=float(t)).objective(coef[k], intercept[k])
        for k, t in enumerate(taus)
    ])
    return ConstrainedFit(coef, intercept, objective, int(getattr(result, "nit", 0)), converged)
