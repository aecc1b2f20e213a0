"""Regularisation paths of the L1-penalised quantile regression.

The objective of ``sklearn_lad._objective``,

    F_alpha(b0, b) = (1/W) sum_i w_i rho_tau(y_i - b0 - x_i b) + alpha sum_j pi_j |b_j|,

is a linear programme whose feasible set does not depend on ``alpha`` (only the costs do), so the
optimal vertex is a piecewise *constant* function of ``alpha`` with finitely many breakpoints
(parametric linear programming, Gass & Saaty 1955; Li & Zhu 2008 follow the whole path of the
L1-norm quantile regression vertex by vertex), and the optimal value, the minimum over the
vertices of functions linear in ``alpha``, is piecewise linear and concave.
:func:`quantile_path` walks down a grid of ``alpha`` carrying one simplex basis along:

* a vertex is a basis: observations ``Z`` interpolated by the fit and active columns ``E``
  (the intercept and unpenalised features always among them), ``|Z| = |E|``. The dual values of
  ``Z`` and the subgradients of the inactive coefficients are affine in ``alpha``, so one linear
  solve tells at once whether the vertex is optimal at a grid value, and whether it is the
  *unique* optimum there (every dual constraint strict: a dual certificate, Koenker 2005,
  Thm 2.1), in which case it is the answer without further work;
* otherwise simplex steps at the new ``alpha`` leave the vertex along the edge of the most
  violated dual constraint and go to the minimum of the objective along it, passing every kink
  at which the slope is still negative (Barrodale & Roberts' 1973 long step). From the
  previous grid value's vertex a handful of steps suffices;
* the steps only look at a working set of the observations nearest to the fit; once a vertex is
  optimal on it, all observations are checked and any on the wrong side join it (the idea of
  Portnoy & Koenker's 1997 preprocessing);
* zero residuals outside ``Z`` (ties, repeated rows) make a vertex degenerate; as in Barrodale &
  Roberts' method each such observation keeps the side it came from. Where the optimum is not
  unique, the shared finisher (``_face.finalize``) moves the vertex to the canonical point of
  the optimal set, and where the homotopy cannot continue (a singular basis, too many steps)
  the backend named by ``solver`` solves the grid value, warm-started, and the homotopy resumes
  from its answer.

``alpha_max``, the start of the path, comes from the subgradient of the loss at the fit with
every penalised coefficient at zero.

References
----------
Gass, S. and Saaty, T. (1955). The computational algorithm for the parametric objective
function. Naval Research Logistics Quarterly 2(1-2), 39-45.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
Li, Y. and Zhu, J. (2008). L1-norm quantile regression. Journal of Computational and Graphical
Statistics 17(1), 163-185.
Barrodale, I. and Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. SIAM Journal on Numerical Analysis 10(5), 839-848.
Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise: computability
of squared-error versus absolute-error estimators. Statistical Science 12(4), 279-300.
Friedman, J., Hastie, T. and Tibshirani, R. (2010). Regularization paths for generalized linear
models via coordinate descent. Journal of Statistical Software 33(1) (the geometric grid).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.linalg import qr
from scipy.linalg.lapack import dgecon, dgetrf, dgetri
from scipy.optimize import linprog

from ._design import RowDesign
from ._face import finalize
from ._problem import QuantileProblem, SolverResult
from ._tolerances import (
    ALPHA_MAX_MARGIN,
    HOMOTOPY_BASIS_RCOND,
    HOMOTOPY_DEGENERATE_RTOL,
    HOMOTOPY_STRICT_DUAL_RTOL,
    is_zero_residual,
    residual_scale,
)
from ._validation import check_alpha_grid as _check_grid_params
from ._validation import validated_problem as _validated_problem
from .solvers import resolve_solver, run_solver

__all__ = ["alpha_max", "quantile_path"]

# Tolerances (ALPHA_MAX_MARGIN, HOMOTOPY_*) are named and documented in _tolerances.py.
_STRICT = HOMOTOPY_STRICT_DUAL_RTOL
_RCOND = HOMOTOPY_BASIS_RCOND
_DEGENERATE = HOMOTOPY_DEGENERATE_RTOL
# Residuals and dual gradient are updated incrementally and recomputed this often.
_REFRESH = 20
# The working set of observations holds this many per column of A, and at least _WORKING_MIN.
_WORKING_PER_COLUMN = 20
_WORKING_MIN = 1000


# ------------------------------------------------------------------------------------------
# The alpha grid (arguments are validated in _validation.py)
# ------------------------------------------------------------------------------------------


def _alpha_grid(amax: float, n_alphas: int, eps: float) -> np.ndarray:
    if amax <= np.finfo(float).resolution:
        # Nothing is left to fit once the penalised features are at zero (e.g. y constant), so
        # the whole path is one point; keep the grid's shape and make it strictly positive.
        return np.full(n_alphas, np.finfo(float).resolution)
    if n_alphas == 1:
        return np.array([amax])
    return np.geomspace(amax, amax * eps, num=n_alphas)


# ------------------------------------------------------------------------------------------
# alpha_max
# ------------------------------------------------------------------------------------------


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


def _null_fit(problem: QuantileProblem, solver: str, options) -> SolverResult:
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
    # The finisher's notion of a zero residual (see _face._zero_set).
    return is_zero_residual(y - fitted, residual_scale(y, fitted))


def _alpha_max_at(problem: QuantileProblem, null: SolverResult) -> float:
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
            # freedom: the dual values are determined, no LP needed.
            try:
                d_zero = np.linalg.solve(a_eq, b_eq)
            except np.linalg.LinAlgError:
                d_zero = None
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
    problem = _validated_problem(X, y, tau, sample_weight, fit_intercept, penalty_factor)
    return _alpha_max_problem(problem)


# ------------------------------------------------------------------------------------------
# The homotopy
# ------------------------------------------------------------------------------------------


@dataclass
class _Vertex:
    """A vertex of the LP (a basis) and its dual constraints as functions of ``alpha``."""

    Z: np.ndarray          # basic (interpolated) observations, |Z| = |E|
    E: np.ndarray          # active columns of A = [1, X] (intercept first when fitted)
    beta: np.ndarray       # all columns
    residual: np.ndarray
    side: np.ndarray       # +1 / -1: the check-function slope of each non-basic row; 0 on Z
    csign: np.ndarray      # sign of each active penalised coefficient (bookkept when at 0)
    degenerate: bool       # a non-basic observation has a zero residual
    d: np.ndarray          # w_i rho_tau'(r_i) on the side of each non-basic row, 0 on Z
    g: np.ndarray          # A' d
    binv: np.ndarray       # inverse of the basis A[Z][:, E]
    rows_Z: np.ndarray     # A[Z], all columns
    inactive: np.ndarray   # penalised columns at zero
    constraints: tuple     # (p, q, scale): the basis is dual feasible where p + alpha q >= 0


def _first_reaching(t: np.ndarray, inc: np.ndarray, need: float):
    """Order of the kinks and the position where the running slope first reaches zero.

    The slope starts at ``-need`` and rises by ``inc[i]`` at ``t[i]``; only the smallest kinks
    are sorted (the window grows until it holds the stopping kink). Returns ``None`` when the
    slope never turns, which a bounded problem rules out.
    """
    size = min(t.size, 64)
    while True:
        if size < t.size:
            window = np.argpartition(t, size - 1)[:size]
        else:
            window = np.arange(t.size)
        order = window[np.argsort(t[window], kind="stable")]
        cumulative = np.cumsum(inc[order])
        stop = int(np.searchsorted(cumulative, need * (1.0 - 1e-12), side="left"))
        if stop < order.size:
            return order, stop
        if size >= t.size:
            return None
        size = min(4 * size, t.size)


class _Homotopy:
    """Simplex steps on the LP for a decreasing sequence of ``alpha``; ``None`` means "give up".

    The state is a basis: ``|E|`` interpolated observations ``Z`` and the active columns ``E``
    (the intercept and unpenalised features always among them). Every other observation sits
    on one side of the fit (``side``, which for a zero residual of a degenerate vertex is
    bookkeeping, as in Barrodale & Roberts' method) and every other column is at zero.
    """

    def __init__(self, problem: QuantileProblem, max_steps: int):
        self.problem = problem
        # The observation rows of A = [1, X] (the penalty is priced here, not as pseudo-rows);
        # column-major X for the products with column subsets.
        self.design = RowDesign(problem.X, problem.y, tau=problem.tau, weights=problem.weights,
                                fit_intercept=problem.fit_intercept, order="F")
        self.y = problem.y
        self.w = problem.weights
        self.tau = problem.tau
        self.off = 1 if problem.fit_intercept else 0
        self.n, p = problem.X.shape
        self.q = p + self.off
        factor = np.ones(p) if problem.penalty_factor is None else problem.penalty_factor
        # Per unit of alpha, the weight of |b_j| in the unscaled objective sum_i w_i rho + ...
        self.lam = np.concatenate([np.zeros(self.off), factor * problem.weight_sum])
        self.free = self.lam == 0
        self.max_steps = max_steps
        self.steps = 0
        self.since_refresh = 0
        self.last_step = 0.0
        self.scale = float(np.max(np.abs(self.y), initial=0.0)) or 1.0
        # Working set of observations (Portnoy & Koenker 1997): the steps only look at the
        # observations nearest to the fit; the others are checked once a vertex is optimal
        # on the working set, and any on the wrong side join it.
        self.d_up = self.tau * self.w
        self.d_lo = -(1.0 - self.tau) * self.w
        self.working_size = max(_WORKING_MIN, _WORKING_PER_COLUMN * self.q)
        self.set_working(np.arange(self.n))

    # -- linear algebra on A = [1, X]: the design operator's products ---------------------
    def matvec(self, beta):
        return self.design.fitted(beta)

    def matvec_on(self, beta, cols):
        """``A @ beta`` for a ``beta`` that is zero outside the columns ``cols``."""
        return self.design.fitted(beta, cols)

    def set_working(self, index) -> None:
        self.W = np.asarray(index, dtype=np.intp)
        self.all_rows = self.W.size == self.n
        self.working = self.design if self.all_rows else self.design.subset(self.W)

    def choose_working(self, residual, Z) -> None:
        """The observations with the smallest residuals (and the basic ones) as working set."""
        if self.n <= 2 * self.working_size:
            if not self.all_rows:
                self.set_working(np.arange(self.n))
            return
        near = np.argpartition(np.abs(residual), self.working_size)[: self.working_size]
        self.set_working(np.union1d(near, Z))

    def matvec_working(self, beta, cols):
        """``A[W] @ beta`` for a ``beta`` that is zero outside the columns ``cols``."""
        return self.working.fitted(beta, cols)

    def rmatvec(self, d):
        return self.design.rmatvec(d)

    def rows(self, index):
        return self.design.rows(index)

    # -- vertices ---------------------------------------------------------------------------
    def vertex_from_point(self, coef, intercept, dual=None) -> _Vertex | None:
        """The basis of an optimal vertex (e.g. a backend's answer); ``None`` if not a vertex.

        ``dual`` (the finisher's augmented dual, observations first) puts the zero-residual
        observations left out of the basis on the side their dual value leans to.
        """
        beta = np.concatenate([[intercept], coef]) if self.off else np.asarray(coef, float)
        fitted = self.matvec(beta)
        zero = np.flatnonzero(_zero_residuals(self.y, fitted))
        E = np.flatnonzero(self.free | (beta != 0))
        if zero.size < E.size:
            return None  # not a vertex (e.g. the minimum-norm point inside a face)
        Z = zero
        if zero.size > E.size:
            if E.size == 0:
                Z = zero[:0]
            else:
                # The best-conditioned subset of the zero rows: QR with column pivoting.
                _, _, piv = qr(self.rows(zero)[:, E].T, mode="economic", pivoting=True)
                Z = np.sort(zero[piv[: E.size]])
        residual = self.y - fitted
        side = np.where(residual >= 0, 1.0, -1.0)
        if dual is not None and zero.size > Z.size:
            lower, upper = -(1.0 - self.tau) * self.w, self.tau * self.w
            extra = np.setdiff1d(zero, Z)
            dual = np.asarray(dual)[: self.n]
            side[extra] = np.where(dual[extra] - lower[extra] >= upper[extra] - dual[extra],
                                   1.0, -1.0)
        side[Z] = 0.0
        return self._make_vertex(Z, E, side, np.sign(beta))

    def _make_vertex(self, Z, E, side, csign, update=None, rows_Z=None,
                     binv=None) -> _Vertex | None:
        """The basis ``(Z, E)``; ``None`` if it is singular.

        ``update = (previous vertex, step, A @ delta)`` moves the residuals and the dual
        gradient incrementally; they are recomputed from scratch every ``_REFRESH`` steps.
        """
        if Z.size != E.size:
            return None
        if rows_Z is None:
            rows_Z = self.rows(Z)
        B = rows_Z[:, E]
        if binv is not None and update is not None and self.since_refresh + 1 < _REFRESH:
            beta_E = binv @ self.y[Z]  # inverse updated by a rank-one formula in _step
        elif B.size:
            # The explicit inverse of the (small) basis serves every solve of the vertex and
            # the pricing; LAPACK directly, as the wrappers cost more than the work here.
            lu, piv, info = dgetrf(B)
            if info != 0:
                return None
            anorm = np.abs(B).sum(axis=0).max()
            rcond, info = dgecon(lu, anorm, norm="1")
            if info != 0 or not rcond > _RCOND:
                return None
            binv, info = dgetri(lu, piv)
            if info != 0:  # pragma: no cover
                return None
            beta_E = binv @ self.y[Z]
        else:
            binv, beta_E = np.empty((0, 0)), np.empty(0)
        beta = np.zeros(self.q)
        beta[E] = beta_E
        # A basic coefficient at zero (a degenerate step) keeps the sign it entered with.
        active_pen = E[~self.free[E]]
        tiny = np.abs(beta[active_pen]) <= _DEGENERATE * max(1.0, np.abs(beta).max())
        beta[active_pen[tiny]] = 0.0
        new_sign = np.zeros(self.q)
        new_sign[active_pen] = np.where(tiny, csign[active_pen], np.sign(beta[active_pen]))
        csign = new_sign
        if np.any(csign[active_pen] == 0.0):
            return None
        W = self.W
        tau, w = self.tau, self.w
        tol = _DEGENERATE * self.scale
        g = None
        if update is not None:
            # Residuals, sides and dual values change on the working set only (the basic
            # observations are in it); the other observations are checked once optimal.
            previous, step, direction = update
            residual = previous.residual.copy()
            self.since_refresh += 1
            if self.since_refresh < _REFRESH:
                residual[W] -= step * direction
            else:
                residual[W] = self.y[W] - self.matvec_working(beta, E)
            residual[Z] = 0.0
            r_w = residual[W]
            # Exact vertices leave residuals of order 1e-16 of the scale; anything this small
            # is a zero (a degenerate vertex), whose side is bookkeeping, not the sign.
            small = np.abs(r_w) <= tol
            r_w[small] = 0.0
            residual[W] = r_w
            side_w = np.sign(r_w)
            keep = side_w == 0
            side_w[keep] = side[W][keep]
            side[W] = side_w
            side[Z] = 0.0
            degenerate = bool(np.count_nonzero(small) > Z.size)
            d = previous.d.copy()
            d[W] = np.where(side_w > 0, self.d_up[W], self.d_lo[W])
            d[Z] = 0.0
            if self.since_refresh < _REFRESH:
                changed = W[d[W] != previous.d[W]]
                change = d[changed] - previous.d[changed]
                g = previous.g.copy()
                g += self.design.rmatvec(change, rows=changed)
            else:
                self.since_refresh = 0
        else:
            fitted = self.matvec_on(beta, E)
            residual = self.y - fitted
            self.scale = float(np.max(np.abs(self.y)) + np.max(np.abs(fitted), initial=0.0))
            tol = _DEGENERATE * self.scale
            self.since_refresh = 0
            residual[Z] = 0.0
            small = np.abs(residual) <= tol
            residual[small] = 0.0
            side = np.where(small, side, np.where(residual > 0, 1.0, -1.0))
            side[Z] = 0.0
            degenerate = bool(np.count_nonzero(small) > Z.size)
            d = np.where(side > 0, tau * w, -(1.0 - tau) * w)
            d[Z] = 0.0
            self.choose_working(residual, Z)
        if g is None:
            g = self.rmatvec(d)
        # d_Z(alpha) = a0 + alpha a1 solves A_ZE' d_Z = alpha lam_E sign(b_E) - g_E.
        v1 = self.lam[E] * csign[E]
        if E.size:
            a0 = -(g[E] @ binv)
            a1 = v1 @ binv
        else:
            a0 = a1 = np.empty(0)
        in_E = np.zeros(self.q, dtype=bool)
        in_E[E] = True
        inactive = np.flatnonzero(~in_E)
        e0 = g[inactive] + rows_Z[:, inactive].T @ a0
        e1 = rows_Z[:, inactive].T @ a1
        lam_i = self.lam[inactive]
        wz = w[Z]
        # Every dual constraint as p + alpha q >= 0: the box of each d_Z and |s_j| <= alpha lam_j
        # for each inactive column; scale judges "strictly inside".
        p = np.concatenate([tau * wz - a0, a0 + (1.0 - tau) * wz, -e0, e0])
        qq = np.concatenate([-a1, a1, lam_i - e1, e1 + lam_i])
        scale = np.concatenate([wz, wz, lam_i + np.abs(e0) + np.abs(e1),
                                lam_i + np.abs(e0) + np.abs(e1)])
        degenerate = degenerate or bool(tiny.any())
        return _Vertex(Z, E, beta, residual, side, csign, degenerate, d, g, binv, rows_Z,
                       inactive, (p, qq, scale))

    def _event(self, index, nz, inactive):
        if index < nz:
            return ("row", index, 1.0)          # d_h above tau w_h: the residual turns positive
        if index < 2 * nz:
            return ("row", index - nz, -1.0)    # d_h below -(1 - tau) w_h: turns negative
        if index < 2 * nz + inactive.size:
            return ("col", int(inactive[index - 2 * nz]), 1.0)
        return ("col", int(inactive[index - 2 * nz - inactive.size]), -1.0)

    def optimal(self, vertex: _Vertex, alpha: float) -> bool:
        """Whether the vertex is optimal at ``alpha``: every dual constraint satisfied."""
        p, qq, scale = vertex.constraints
        return bool(np.all(p + alpha * qq >= -1e-12 * scale))

    def unique_optimum(self, vertex: _Vertex, alpha: float) -> bool:
        """Whether the vertex is the unique optimum at ``alpha``: every dual constraint strict.

        Then the dual values of ``Z`` are inside their boxes and the inactive subgradients
        inside theirs, so every optimal point interpolates ``Z`` and has the inactive
        coefficients at zero; with ``A_ZE`` nonsingular that is one point. Zero residuals
        outside ``Z`` (a degenerate vertex) do not change this.
        """
        p, qq, scale = vertex.constraints
        return bool(np.all(p + alpha * qq > _STRICT * np.maximum(scale, 1e-300)))

    def advance(self, vertex: _Vertex, alpha: float, patience: int) -> _Vertex | None:
        """Simplex steps at fixed ``alpha`` from ``vertex`` to a vertex optimal at ``alpha``.

        Each step leaves the vertex along the edge of the most violated dual constraint (a
        basic observation whose dual value is out of its box leaves ``Z``; an inactive
        coefficient whose subgradient exceeds ``alpha pi_j W`` enters ``E``) and goes to the
        minimum of the objective along the edge: Barrodale & Roberts' long step, passing every
        kink at which the slope is still negative. From the previous grid value's vertex this
        takes a few steps, where one pivot per breakpoint of the path would take many.

        At a degenerate vertex steps can have zero length; after a run of them Bland's rule
        (the violated constraint of smallest index) takes over, and after ``patience`` of them
        the homotopy gives up (``None``) and leaves the grid value to the backend.
        """
        budget = self.steps + 5 * (self.n + self.q) + 50
        stalled = 0
        while True:
            p, qq, scale = vertex.constraints
            slack = p + alpha * qq
            if stalled > patience // 2:
                if stalled > patience:
                    return None
                violated = np.flatnonzero(slack < -1e-12 * scale)
                worst = int(violated[0]) if violated.size else int(np.argmin(slack))
            else:
                worst = self._price(vertex, slack, scale)
            if worst < 0 or slack[worst] >= -1e-12 * scale[worst]:
                if self.all_rows and self.since_refresh == 0:
                    return vertex
                # Optimal on the working set: every observation must be on its side.
                checked = self._check_all_rows(vertex)
                if checked is vertex or checked is None:
                    return checked
                vertex = checked
                continue
            self.steps += 1
            if self.steps > min(self.max_steps, budget):
                return None
            vertex = self._step(vertex, alpha, worst, -float(slack[worst]))
            if vertex is None:
                return None
            stalled = stalled + 1 if self.last_step == 0.0 else 0

    def _price(self, vertex: _Vertex, slack, scale) -> int:
        """The most violated dual constraint per unit length of its edge (steepest edge).

        The edge of a basic observation moves ``beta`` by a column of the basis inverse per
        unit of its residual, the edge of an inactive column by ``(1, -B^-1 A_Zj)`` per unit of
        its coefficient; dividing the violation by that length prefers edges that improve the
        objective most per distance travelled, which takes far fewer steps than the largest
        violation alone.
        """
        if slack.size == 0:
            return -1
        violated = np.flatnonzero(slack < -1e-12 * scale)
        if violated.size == 0:
            return int(np.argmin(slack))
        nz = vertex.Z.size
        lengths = np.ones(violated.size)
        on_rows = violated < 2 * nz
        if on_rows.any():
            cols = vertex.binv[:, violated[on_rows] % max(nz, 1)]
            lengths[on_rows] = np.sqrt(np.einsum("ij,ij->j", cols, cols))
        if not on_rows.all():
            k = vertex.inactive.size
            which = vertex.inactive[(violated[~on_rows] - 2 * nz) % k]
            moved = vertex.binv @ vertex.rows_Z[:, which] if nz else np.zeros((0, which.size))
            lengths[~on_rows] = np.sqrt(1.0 + np.einsum("ij,ij->j", moved, moved))
        return int(violated[np.argmin(slack[violated] / lengths)])

    def _check_all_rows(self, vertex: _Vertex) -> _Vertex | None:
        """``vertex`` if every observation is on its side; else the vertex with sides fixed."""
        fitted = self.matvec_on(vertex.beta, vertex.E)
        residual = self.y - fitted
        residual[vertex.Z] = 0.0
        tol = _DEGENERATE * self.scale
        wrong = vertex.side * residual < -tol
        drift = np.abs(residual[self.W] - vertex.residual[self.W]).max(initial=0.0)
        if not wrong.any() and drift <= 1e-9 * self.scale:
            vertex.residual = residual
            self.since_refresh = 0
            return vertex
        # Rebuild from scratch with the true sides (d and A'd recomputed exactly) and a
        # working set around the new residuals.
        side = np.where(np.abs(residual) <= tol, vertex.side, np.where(residual > 0, 1.0, -1.0))
        side[vertex.Z] = 0.0
        return self._make_vertex(vertex.Z, vertex.E, side, vertex.csign)

    def _step(self, vertex: _Vertex, alpha: float, index: int, need: float):
        kind, which, sign = self._event(index, vertex.Z.size, vertex.inactive)
        Z, E, beta = vertex.Z, vertex.E, vertex.beta
        side = vertex.side.copy()
        csign = vertex.csign.copy()
        delta = np.zeros(self.q)
        if kind == "row":
            # Observation Z[which] leaves to the side of the violated bound; the other basic
            # observations stay on the fit.
            delta[E] = -sign * vertex.binv[:, which]
            side[Z[which]] = sign
            new_Z, new_E, entering = np.concatenate((Z[:which], Z[which + 1:])), E, -1
            rows_Z = np.concatenate((vertex.rows_Z[:which], vertex.rows_Z[which + 1:]))
        else:
            delta[which] = sign
            csign[which] = sign
            if E.size:
                delta[E] = -sign * (vertex.binv @ vertex.rows_Z[:, which])
            new_Z, new_E, entering = Z, np.sort(np.append(E, which)), which
            rows_Z = vertex.rows_Z
        W = self.W
        direction = self.matvec_working(delta, new_E)
        residual = vertex.residual[W]
        # Kinks along beta + t delta: a non-basic observation whose residual moves against its
        # side (at t = r_i / (A delta)_i, zero for a degenerate one) raises the slope by
        # w_i |a_i delta|; a penalised coefficient crossing zero by 2 alpha lam_k |delta_k|.
        local = np.flatnonzero(vertex.side[W] * direction > 0)
        rows = W[local]
        cols = new_E[~self.free[new_E] & (new_E != entering)]
        cols = cols[csign[cols] * delta[cols] < 0]
        t = np.concatenate([residual[local] / direction[local], -beta[cols] / delta[cols]])
        t = np.maximum(t, 0.0)
        inc = np.concatenate([self.w[rows] * np.abs(direction[local]),
                              2.0 * alpha * self.lam[cols] * np.abs(delta[cols])])
        ids = np.concatenate([rows, -1 - cols])  # negative ids mark columns
        if t.size == 0 or not np.all(np.isfinite(t)):
            return None
        found = _first_reaching(t, inc, need)
        if found is None:
            return None
        order, stop = found
        t_stop = max(float(t[order[stop]]), 0.0)
        self.last_step = t_stop
        passed = ids[order[:stop]]
        side[passed[passed >= 0]] *= -1.0
        csign[-1 - passed[passed < 0]] *= -1.0
        hit = int(ids[order[stop]])
        if hit >= 0:
            at = int(np.searchsorted(new_Z, hit))
            new_Z = np.concatenate((new_Z[:at], [hit], new_Z[at:]))
            row = self.design.rows([hit])[0]
            rows_Z = np.concatenate((rows_Z[:at], row[None, :], rows_Z[at:]))
            side[hit] = 0.0
        else:
            new_E = new_E[new_E != -1 - hit]
            csign[-1 - hit] = 0.0
        binv = self._updated_inverse(vertex, kind, which, hit, new_Z, new_E, rows_Z)
        return self._make_vertex(new_Z, new_E, side, csign, (vertex, t_stop, direction), rows_Z,
                                 binv)

    def _updated_inverse(self, vertex, kind, which, hit, new_Z, new_E, rows_Z):
        """The inverse of the next basis from the current one by a rank-one formula.

        One observation or column leaves the basis and one enters (or a row and a column leave
        together, or enter together): a row or column replacement (Sherman-Morrison), a
        deletion or a bordering (Schur complement), then the rows and columns put back in
        sorted order. ``None`` when the pivot is too small to trust; the basis is then
        factorised afresh (also every ``_REFRESH`` steps, against rounding drift).
        """
        binv, Z, E = vertex.binv, vertex.Z, vertex.E
        m = Z.size
        if m == 0:
            return None
        big = 1e-10 * max(1.0, float(np.abs(binv).max()))
        if kind == "row" and hit >= 0:
            # Basic row `which` replaced by row `hit`, which is then moved to its sorted place.
            u = rows_Z[int(np.searchsorted(new_Z, hit)), E] - vertex.rows_Z[which, E]
            r = u @ binv
            den = 1.0 + r[which]
            if abs(den) <= big:
                return None
            new = binv - np.outer(binv[:, which], r / den)
            at = int(np.searchsorted(new_Z, hit))
            rest = np.concatenate((np.arange(which), np.arange(which + 1, m)))
            order = np.concatenate((rest[:at], [which], rest[at:]))
            return new[:, order]
        if kind == "row":
            # Row `which` and column k leave together: the inverse of the minor.
            kk = int(np.searchsorted(E, -1 - hit))
            pivot = binv[kk, which]
            if abs(pivot) <= big:
                return None
            keep_r = np.concatenate((np.arange(kk), np.arange(kk + 1, m)))
            keep_c = np.concatenate((np.arange(which), np.arange(which + 1, m)))
            return binv[np.ix_(keep_r, keep_c)] - np.outer(binv[keep_r, which],
                                                           binv[kk, keep_c] / pivot)
        j = which
        c = vertex.rows_Z[:, j]
        if hit >= 0:
            # Column j and row `hit` enter together: bordering by the Schur complement.
            at = int(np.searchsorted(new_Z, hit))
            row = rows_Z[at]
            bc = binv @ c
            ab = row[E] @ binv
            schur = row[j] - ab @ c
            if abs(schur) <= 1e-10 * max(1.0, abs(row[j]) + float(np.abs(ab).max())):
                return None
            new = np.empty((m + 1, m + 1))
            new[:m, :m] = binv + np.outer(bc, ab / schur)
            new[:m, m] = -bc / schur
            new[m, :m] = -ab / schur
            new[m, m] = 1.0 / schur
            pos = int(np.searchsorted(E, j))
            order_c = np.concatenate((np.arange(pos), [m], np.arange(pos, m)))
            order_r = np.concatenate((np.arange(at), [m], np.arange(at, m)))
            return new[np.ix_(order_c, order_r)]
        # Column j replaces column k, then moves to its sorted place.
        kk = int(np.searchsorted(E, -1 - hit))
        bu = binv @ (c - vertex.rows_Z[:, E[kk]])
        den = 1.0 + bu[kk]
        if abs(den) <= big:
            return None
        new = binv - np.outer(bu / den, binv[kk])
        pos = int(np.searchsorted(new_E, j))
        rest = np.concatenate((np.arange(kk), np.arange(kk + 1, m)))
        order = np.concatenate((rest[:pos], [kk], rest[pos:]))
        return new[order]

    def result(self, vertex: _Vertex, n_iter: int) -> SolverResult:
        problem = self.problem
        beta = vertex.beta
        if vertex.E.size:
            # A fresh solve, free of the drift of the updated inverse.
            beta = np.zeros(self.q)
            beta[vertex.E] = np.linalg.solve(vertex.rows_Z[:, vertex.E], self.y[vertex.Z])
            beta[(beta != 0) & (vertex.beta == 0)] = 0.0
        coef, intercept = problem.split(beta)
        coef = coef + 0.0
        return SolverResult(
            coef=coef, intercept=float(intercept) + 0.0,
            objective=problem.objective(coef, intercept), n_iter=n_iter,
            gap=0.0, message="optimal (homotopy dual certificate)", certified=True,
            unique=True, basis=vertex.Z.copy(),
        )


# ------------------------------------------------------------------------------------------
# One grid value by a backend
# ------------------------------------------------------------------------------------------


def _solve_warm(problem, solver, options, previous: SolverResult | None, reuse: bool = True):
    """Solve one grid value: reuse the previous solution when it is still optimal.

    The path is piecewise constant in ``alpha``, so the previous grid value's solution often
    still is optimal; the shared finisher proves it (or not, and then the backend solves,
    warm-started) much faster than any solve, and returns the canonical optimal point.
    """
    cls = resolve_solver(solver, problem)
    if previous is not None and cls.exact and reuse:
        basis = None
        if previous.basis is not None:
            basis = previous.basis[previous.basis < problem.n_samples]
        trial = finalize(problem, SolverResult(
            coef=np.array(previous.coef, dtype=float), intercept=float(previous.intercept),
            objective=float("nan"), n_iter=0, basis=basis,
        ))
        if trial.certified:
            trial.message = "previous grid value still optimal (dual certificate)"
            return trial, cls.name
    warm = None if previous is None else (previous.coef, previous.intercept)
    # run_solver warns (ConvergenceWarning) when the point is not certified or stopped early.
    return run_solver(solver, problem, options, warm_start=warm)


def _merge_duplicates(problem: QuantileProblem) -> QuantileProblem:
    """Rows repeated exactly (same x and y) merged into one with the summed weight.

    The objective is unchanged; repeated rows make every vertex through them degenerate, which
    would push the homotopy onto the backend at every grid value.
    """
    if problem.n_samples < 2 or np.unique(problem.y).size == problem.n_samples:
        return problem  # distinct targets: no two rows can be equal
    X = problem.X
    if problem.is_sparse:
        if X.shape[0] * X.shape[1] > 2_000_000:
            return problem  # too large to compare rows densely; degenerate vertices still work
        X = X.toarray()
    data = np.column_stack([X, problem.y])
    _, first, inverse = np.unique(data, axis=0, return_index=True, return_inverse=True)
    if first.size == problem.n_samples:
        return problem
    inverse = inverse.ravel()
    weights = np.bincount(inverse, weights=problem.weights, minlength=first.size)
    return replace(problem, X=problem.X[first], y=problem.y[first], sample_weight=weights)


def _alpha_max_problem(problem: QuantileProblem, solver: str = "auto", options=None) -> float:
    """:func:`alpha_max` (with its margin) of a validated problem."""
    return _alpha_max_at(problem, _null_fit(problem, solver, options)) * (1.0 + ALPHA_MAX_MARGIN)


def _path(
    problem: QuantileProblem, alphas: np.ndarray | None, n_alphas: int, eps: float,
    solver: str, options, method: str,
):
    """Path on a validated problem: ``(alphas, results, solver_name)``."""
    solver_name = resolve_solver(solver, replace(problem, alpha=1.0)).name
    # Merging repeated rows changes neither the objective nor its canonical optimum.
    work = _merge_duplicates(problem) if method == "homotopy" else problem
    null = None
    if alphas is None:
        null = _null_fit(work, solver, options)
        amax = _alpha_max_at(work, null) * (1.0 + ALPHA_MAX_MARGIN)
        alphas = _alpha_grid(amax, n_alphas, eps)
    results: list[SolverResult] = []
    # The null fit is the answer from alpha_max up: the first warm start.
    previous = null
    if method == "warm_start":
        # One backend solve per grid value, warm-started, except where the previous solution
        # provably is still the optimum: the vertex it sits on is checked (one small solve,
        # see _Homotopy) before the backend or the finisher is called.
        check = _Homotopy(work, max_steps=0)
        for alpha in alphas:
            alpha = float(alpha)
            vertex = None
            if previous is not None:
                vertex = check.vertex_from_point(previous.coef, previous.intercept,
                                                 previous.dual)
            if vertex is not None and check.unique_optimum(vertex, alpha):
                result = check.result(vertex, 0)
            else:
                optimal = vertex is not None and check.optimal(vertex, alpha)
                result, solver_name = _solve_warm(
                    replace(work, alpha=alpha), solver, options, previous, reuse=optimal
                )
            results.append(result)
            previous = result
        return alphas, results, solver_name

    homotopy = _Homotopy(work, max_steps=50 * (work.n_samples + work.n_features) + 100)
    if null is None:
        null = _null_fit(work, solver, options)
    vertex = homotopy.vertex_from_point(null.coef, null.intercept)
    failed = False
    for alpha in alphas:
        alpha = float(alpha)
        start = homotopy.steps
        if vertex is not None:
            # Zero-length steps allowed before the backend takes over: fewer right after it
            # had to (a degenerate stretch of the path, e.g. an exact fit, where reusing the
            # previous solution is cheaper than searching among degenerate bases).
            patience = 3 * homotopy.q + 30 if not failed else homotopy.q // 2 + 5
            vertex = homotopy.advance(vertex, alpha, patience)
            failed = vertex is None
        steps = homotopy.steps - start
        if vertex is not None and homotopy.unique_optimum(vertex, alpha):
            result = homotopy.result(vertex, steps)
        else:
            # Degenerate, at a breakpoint, or a non-unique optimum. When the homotopy holds an
            # optimal vertex the finisher certifies it and moves to the canonical point of the
            # optimal set; otherwise the backend solves this grid value.
            hint = previous if vertex is None else homotopy.result(vertex, steps)
            result, solver_name = _solve_warm(replace(work, alpha=alpha), solver, options, hint)
            result.n_iter += steps
            if vertex is None:
                vertex = homotopy.vertex_from_point(result.coef, result.intercept, result.dual)
        results.append(result)
        previous = result
    return alphas, results, solver_name


def quantile_path(
    X, y, *, tau: float = 0.5, alphas=None, n_alphas: int = 100, eps: float = 1e-3,
    solver: str = "auto", solver_options: dict | None = None, sample_weight=None,
    fit_intercept: bool = True, penalty_factor=None, method: str = "homotopy",
    return_n_iter: bool = False,
):
    """Solutions of the L1-penalised quantile regression on a grid of ``alpha``.

    Minimises ``(1 / sum(w)) * sum_i w_i * rho_tau(y_i - b0 - x_i . b)
    + alpha * sum_j penalty_factor_j * |b_j|`` (the objective of :class:`QuantileLasso`) for
    every ``alpha`` of a decreasing grid, in the spirit of scikit-learn's ``enet_path``. Every
    grid value's answer is what ``QuantileLasso(alpha=alpha)`` would return: the exact optimum,
    and when the optimum is not unique the minimum-norm point of the optimal set.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Target values.
    tau : float, default=0.5
        Quantile level in (0, 1).
    alphas : array-like, default=None
        The grid (sorted into decreasing order). ``None`` means ``n_alphas`` values spaced
        geometrically from :func:`alpha_max` down to ``eps * alpha_max``.
    n_alphas : int, default=100
        Length of the automatic grid.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    solver : str, default="auto"
        Backend for the grid values the homotopy does not settle (and for every grid value
        with ``method="warm_start"``): ``"auto"`` or one of
        :func:`sklearn_lad.available_solvers`.
    solver_options : dict, default=None
        Backend-specific options.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; a weight of ``k`` is the same as repeating the row ``k`` times.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature multipliers of ``alpha``; 0 leaves a feature unpenalised.
    method : {"homotopy", "warm_start"}, default="homotopy"
        ``"homotopy"`` follows the exact, piecewise-constant path from vertex to adjacent vertex
        (Li & Zhu 2008) and calls the backend only where the path is degenerate.
        ``"warm_start"`` solves every grid value with the backend, warm-started from the
        previous one (the previous solution is reused outright when a dual certificate shows it
        is still optimal).
    return_n_iter : bool, default=False
        Also return the work done per grid value (simplex steps of the homotopy plus
        backend iterations).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The grid, decreasing.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients along the path.
    intercepts : ndarray of shape (n_alphas,)
        Intercepts along the path (zeros when ``fit_intercept=False``).
    n_iters : ndarray of shape (n_alphas,)
        Only with ``return_n_iter=True``.

    See Also
    --------
    alpha_max : The start of the automatic grid.
    QuantileLassoCV : Chooses ``alpha`` on this path by cross-validation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import quantile_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = 2 * X[:, 0] - X[:, 1] + rng.standard_t(3, size=200)
    >>> alphas, coefs, intercepts = quantile_path(X, y, tau=0.5, n_alphas=5)
    >>> coefs.shape
    (4, 5)
    >>> (coefs != 0).sum(axis=0)  # sparse at alpha_max, dense at the end of the grid
    array([0, 2, 3, 4, 4])

    The adaptive lasso (Zou 2006): penalise each feature in inverse proportion to an initial,
    unpenalised estimate; a factor of 0 leaves a feature unpenalised.

    >>> from sklearn_lad import QuantileRegressor
    >>> initial = QuantileRegressor(solver="highs").fit(X, y).coef_
    >>> factor = 1.0 / np.abs(initial)
    >>> factor[0] = 0.0  # keep the first feature in the model whatever alpha
    >>> _, coefs, _ = quantile_path(X, y, n_alphas=3, penalty_factor=factor)
    >>> bool(np.all(coefs[0] != 0))
    True
    """
    if method not in ("homotopy", "warm_start"):
        raise ValueError(f"method must be 'homotopy' or 'warm_start'; got {method!r}.")
    grid = _check_grid_params(alphas, n_alphas, eps)
    problem = _validated_problem(X, y, tau, sample_weight, fit_intercept, penalty_factor)
    grid, results, _ = _path(problem, grid, n_alphas, eps, solver, solver_options, method)
    coefs = np.column_stack([r.coef for r in results])
    intercepts = np.array([r.intercept for r in results])
    if return_n_iter:
        return grid, coefs, intercepts, np.array([r.n_iter for r in results])
    return grid, coefs, intercepts

