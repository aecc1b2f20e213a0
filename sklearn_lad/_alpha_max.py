"""The start of the regularisation path: ``alpha_max``, where every penalised coefficient is 0.

``alpha_max`` comes from the subgradient of the loss at the *null fit* (every penalised
coefficient at zero): the smallest ``alpha`` at which some dual point of the null fit satisfies
``|X_j' d| <= alpha W pi_j`` for every penalised feature. Without ties at the null fit that dual
point is determined (a closed form); with ties it is a small LP (Koenker 2005, ch. 6; the
quantile lasso's optimality conditions, Li & Zhu 2008).

References
----------
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
Li, Y. and Zhu, J. (2008). L1-norm quantile regression. Journal of Computational and Graphical
Statistics 17(1), 163-185.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from ._problem import QuantileProblem, SolverResult
from ._simplex import Basis, basic_dual
from ._tolerances import ALPHA_MAX_MARGIN, is_zero_residual, residual_scale
from ._validation import validated_problem
from .solvers import run_solver

__all__ = ["alpha_max"]


def _weighted_quantile(y: np.ndarray, w: np.ndarray, tau: float) -> float:
    """A minimiser of ``sum_i w_i rho_tau(y_i - c)``: an order statistic of ``y``.

    The smallest ``y_(k)`` whose cumulative weight reaches ``tau * W``. When the cumulative
    weight hits ``tau * W`` exactly the whole interval ``[y_(k), y_(k+1)]`` is optimal and
    rounding may pick either end; both are optimal, which is all :func:`alpha_max` needs.
    """
    order = np.argsort(y, kind="stable")
    cumulative = np.cumsum(w[order])
    k = int(np.searchsorted(cumulative, tau * cumulative[-1], side="left"))
    return float(y[order[min(k, y.size - 1)]])


def _free_features(problem: QuantileProblem) -> np.ndarray:
    if problem.penalty_factor is None:
        return np.zeros(problem.n_features, dtype=bool)
    return problem.penalty_factor == 0


def null_fit(problem: QuantileProblem, solver: str, options) -> SolverResult:
    """The optimum with every penalised coefficient at zero (the fit at ``alpha >= alpha_max``)."""
    free = _free_features(problem)
    coef = np.zeros(problem.n_features)
    if free.any():
        X_free = problem.X[:, np.flatnonzero(free)]
        sub = QuantileProblem(
            X=X_free, y=problem.y, tau=problem.tau, alpha=0.0,
            sample_weight=problem.sample_weight, fit_intercept=problem.fit_intercept,
        )
        result, _ = run_solver(solver, sub, options)
        coef[free] = result.coef
        intercept = result.intercept
    elif problem.fit_intercept:
        intercept = _weighted_quantile(problem.y, problem.weights, problem.tau)
    else:
        intercept = 0.0
    return SolverResult(coef=coef, intercept=float(intercept),
                        objective=problem.objective(coef, intercept))


def _zero_residuals(y: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    # The finisher's notion of a zero residual (see _certificate._zero_set).
    return is_zero_residual(y - fitted, residual_scale(y, fitted))


def alpha_max_at(problem: QuantileProblem, null: SolverResult) -> float:
    """The breakpoint ``min_d max_j |X_j' d| / (W pi_j)`` over the optimal duals of the null fit.

    ``d_i = w_i rho_tau'(r_i)`` is fixed where the null fit's residual is non-zero and free in
    ``[-(1 - tau) w_i, tau w_i]`` where it is zero, subject to ``A_U' d = 0`` for the unpenalised
    columns ``A_U`` (intercept and features with factor 0). All-zero penalised coefficients are
    optimal exactly when ``alpha`` is at least this value.
    """
    free = _free_features(problem)
    penalized = np.flatnonzero(~free)
    if penalized.size == 0:
        return 0.0
    factor = np.ones(problem.n_features) if problem.penalty_factor is None else (
        problem.penalty_factor
    )
    y, w, tau = problem.y, problem.weights, problem.tau
    design = problem.augmented()  # only its observation rows are used here
    off = design.offset
    fitted = design.fitted(problem.join(null.coef, null.intercept))
    zero = _zero_residuals(y, fitted)
    residual = y - fitted
    d = np.where(residual > 0, tau * w, -(1.0 - tau) * w)
    d[zero] = 0.0
    products = design.rmatvec(d)  # A'd = [sum(d), X'd]
    fixed_products = products[off + penalized]
    pi = factor[penalized]
    W = problem.weight_sum
    zero_rows = np.flatnonzero(zero)
    if zero_rows.size == 0:
        return float(np.max(np.abs(fixed_products) / pi)) / W
    # Equality constraints A_U' d = 0 on the unpenalised columns.
    X_zero = design.rows(zero_rows)[:, off:]
    free_idx = np.flatnonzero(free)
    eq_rows = [X_zero[:, free_idx].T] if free_idx.size else []
    eq_rhs = [-products[off + free_idx]] if free_idx.size else []
    if problem.fit_intercept:
        eq_rows.insert(0, np.ones((1, zero_rows.size)))
        eq_rhs.insert(0, np.array([-products[0]]))
    lower, upper = -(1.0 - tau) * w[zero_rows], tau * w[zero_rows]
    M = X_zero[:, penalized].T  # |P| x |Z|
    if eq_rows:
        a_eq = np.vstack(eq_rows)
        b_eq = np.concatenate(eq_rhs)
        if a_eq.shape[0] == a_eq.shape[1]:
            # A square system (the usual case: one observation at the quantile) leaves no
            # freedom: the dual values are the basic dual of the null fit's vertex, no LP.
            vertex = Basis.factor(zero_rows, np.arange(b_eq.size), a_eq.T, rcond=0.0)
            d_zero = None if vertex is None else basic_dual(vertex, -b_eq)
            slack = 1e-9 * (upper - lower)
            if d_zero is not None and np.all(d_zero >= lower - slack) and np.all(
                d_zero <= upper + slack
            ):
                return float(np.max(np.abs(fixed_products + M @ d_zero) / pi)) / W
    else:
        a_eq = b_eq = None
    # Ties at the fit: minimise t subject to |c_j + M_j d_Z| <= t pi_j, d_Z in its box.
    k = zero_rows.size
    cost = np.zeros(k + 1)
    cost[-1] = 1.0
    a_ub = np.vstack([
        np.hstack([M, -pi[:, None]]),
        np.hstack([-M, -pi[:, None]]),
    ])
    b_ub = np.concatenate([-fixed_products, fixed_products])
    if a_eq is not None:
        a_eq = np.hstack([a_eq, np.zeros((a_eq.shape[0], 1))])
    bounds = [(lo, hi) for lo, hi in zip(lower, upper)] + [(0.0, None)]
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                  method="highs")
    if res.status != 0:  # pragma: no cover - the null fit is optimal, so the LP is feasible
        raise RuntimeError(f"alpha_max: the dual LP at the null fit failed ({res.message}).")
    return float(res.x[-1]) / W


def alpha_max(
    X, y, tau: float = 0.5, sample_weight=None, fit_intercept: bool = True,
    penalty_factor=None,
) -> float:
    """Smallest ``alpha`` at which every penalised coefficient of the quantile lasso is zero.

    With ``W = sum(w)``, the fit with every penalised coefficient at zero (the *null fit*: the
    weighted ``tau``-quantile of ``y`` when only the intercept is free, the zero fit without an
    intercept, the unpenalised quantile regression on the features with ``penalty_factor == 0``
    otherwise) is optimal exactly when some ``d`` in the subdifferential of the loss at that fit
    satisfies ``|X_j' d| <= alpha * W * pi_j`` for every penalised feature. Hence::

        alpha_max = min_d max_j |X_j' d| / (W * pi_j),

    where ``d_i = w_i * tau`` above the null fit, ``-w_i * (1 - tau)`` below it and, for the
    observations exactly on it (ties in ``y``), free in ``[-(1 - tau) w_i, tau w_i]`` subject to
    ``A_U' d = 0`` for the unpenalised columns (intercept and features with factor 0). Without
    such ties ``d`` is determined and this is a closed form; with ties it is a small LP.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Target values.
    tau : float, default=0.5
        Quantile level in (0, 1).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights (a weight of ``k`` is the same as ``k`` repeated rows).
    fit_intercept : bool, default=True
        Whether the model has an (unpenalised) intercept.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature multipliers of ``alpha``. Features with factor 0 are never
        penalised: they are part of the null fit and do not count in the maximum.

    Returns
    -------
    float
        ``alpha_max``, returned a relative ``1e-8`` above the exact breakpoint: at the breakpoint
        itself the optimal set is an edge that also contains non-zero coefficients, so the
        canonical point returned by the estimators need not be the zero fit. At the returned
        value every penalised coefficient is exactly zero; at ``alpha_max * (1 - 1e-6)`` at least
        one is not. 0.0 when no feature is penalised or the null fit already has a zero
        subgradient.

    See Also
    --------
    quantile_path : The solutions on a grid from ``alpha_max`` down.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileLasso, alpha_max
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> y = X[:, 0] + rng.normal(size=50)
    >>> a = alpha_max(X, y, tau=0.5)
    >>> QuantileLasso(alpha=a).fit(X, y).coef_
    array([0., 0., 0.])
    >>> bool(np.any(QuantileLasso(alpha=0.99 * a).fit(X, y).coef_ != 0))
    True
    """
    problem = validated_problem(X, y, tau, sample_weight, fit_intercept, penalty_factor)
    return alpha_max_of(problem)


def alpha_max_of(problem: QuantileProblem, solver: str = "auto", options=None) -> float:
    """:func:`alpha_max` (with its margin) of a validated problem."""
    return alpha_max_at(problem, null_fit(problem, solver, options)) * (1.0 + ALPHA_MAX_MARGIN)
