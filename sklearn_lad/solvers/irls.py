"""``solver="irls"``: iteratively reweighted least squares with a certified exact finish.

Schlossmacher (1973) fitted least absolute deviations by repeatedly solving weighted least
squares with weights ``1 / |r_i|``. Each such step minimises a quadratic that lies above the
absolute value and touches it at the current residual, ``|r| <= r^2 / (2 e) + e / 2`` with
``e = |r_k|``, so the iteration is a majorize-minimize (MM) method. Hunter & Lange (2000)
extended it to the check function by writing ``rho_tau(r) = |r| / 2 + (tau - 1/2) r``: the
absolute value is majorized and the linear tilt is kept exact. One step solves

    (A' V A) delta = A' (V r + (tau - 1/2) w),    V = diag(w_i / (2 max(|r_i|, eps))),

Schlossmacher's weighted least squares with a right-hand side tilted towards the
``tau``-quantile. (The asymmetric weights ``w_i c_i(tau, sign r_i) / |r_i|`` have the same fixed
points, but their quadratic does not lie above ``rho_tau`` once a residual changes sign, so they
lose the monotone decrease.) The floor ``eps`` keeps the weights finite; it starts at a fraction
of the mean absolute residual and shrinks geometrically.

Two additions make the iteration fast and exact:

* **Exact line search.** The MM step minimises a smoothed surrogate, and is short near the kinks
  of the true objective. Along ``beta + t delta`` the true objective is convex and piecewise
  linear, so its exact minimiser is a weighted median of the kinks ``r_i / (A delta)_i``; taking
  it costs about one pass over the data and cuts the number of iterations several-fold.
* **Certified exact finish** (``solvers/_exchange.py``). IRLS approaches a vertex of the LP only
  linearly. When the ``q`` rows nearest to interpolation stop changing (or the objective stalls,
  or the gap below is small, or after 8, 16, 32, ... steps), the ``q`` linearly independent rows
  nearest to interpolation are taken as a basis and the square system is solved exactly. While
  some basic dual value lies outside its box ``[-(1 - tau) w_i, tau w_i]``, an exchange step moves
  along the edge that frees that row to the exact minimum along the edge (the descent step of
  Barrodale & Roberts 1973, with the same weighted-median line search) and swaps the row that
  stops it into the basis. When the basic duals are feasible, optimality is proved with
  ``sklearn_lad._certificate.certify`` (Koenker 2005, Thm 2.1): the answer is the exact LP
  optimum. If the exchanges do not finish within their budget, IRLS continues with a smaller
  floor. Rank-deficient designs (collinear or constant columns, ``n < p``) get a basis of ``rank``
  rows on as many independent columns, which span the same fits. A column the Gram rank calls
  dependent only *nearly* (``x_2 = x_1 + 1e-7 z``) may be needed by the optimum: unless the
  dual balances it, the shared engine's simplex steps bring it in (``solvers/_finish.py``,
  :func:`~sklearn_lad.solvers._finish.finish_on_engine`, as for ``fn``). Levels within 1e-6 of
  0 or 1 are solved at the safe level and walked to ``tau`` by the engine
  (:func:`~sklearn_lad.solvers._finish.solve_at_safe_tau`).

The L1 penalty ``alpha * pi_j |b_j|`` is carried by the two pseudo-observations ``+-e_j`` of the
augmented problem (``_problem.py``), treated as ordinary weighted rows rather than by a separate
majorizer: majorizing the two rows exactly as the data rows gives
``alpha pi_j W b_j^2 / max(|b_j|, eps_j)`` (the tilts of the mirrored rows cancel), which *is*
the local quadratic majorizer ``|b| <= b^2 / (2 |b_k|) + |b_k| / 2`` of the penalty. Its floor
``eps_j = eps / s_j`` (``s_j`` the root mean square of column ``j``) is on the coefficient's own
scale. The penalty thus only adds a diagonal term to the normal equations, and the exact finish
needs no special case: wherever the optimum has ``b_j = 0`` a pseudo-row is in the basis and the
coefficient is exactly zero.

Each iteration also yields a dual point, where the surrogate is stationary (``_mm_dual``): its
duality gap is ``result.gap`` for uncertified answers and a stopping rule (``tol``).

A warm start ``(coef, intercept)`` (the previous ``alpha`` of a path, usually a few exchanges
away) replaces the least-squares start: its own basis is tried first, with exchanges unless
more than half of its basic dual values are out of their box (a farther problem, another
``tau`` say); IRLS takes over from it if that does not finish.

The run is an explicit state (``_IrlsState``) advanced by named steps of ``_IrlsRun``.

References
----------
Schlossmacher, E. J. (1973). An iterative technique for absolute deviations curve fitting.
Journal of the American Statistical Association 68(344), 857-859.
Hunter, D. R. and Lange, K. (2000). Quantile regression via an MM algorithm. Journal of
Computational and Graphical Statistics 9(1), 60-77.
Barrodale, I. and Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. SIAM Journal on Numerical Analysis 10(5), 839-848.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigh

from .._canonical import column_magnitude
from .._certificate import Certificate, certified_result, certify
from .._design import single_threaded_blas
from .._problem import QuantileProblem, SolverDiagnostics, SolverResult, Status
from .._simplex import line_search
from .._tolerances import (
    GRAM_RANK_RTOL,
    IRLS_RIDGE_RTOL,
    numerical_rank,
)
from ._base import (
    NON_NEGATIVE_INT,
    NON_NEGATIVE_REAL,
    POSITIVE_REAL,
    UNIT_INTERVAL_REAL,
    Solver,
    register_solver,
)
from ._exchange import candidate_basis, exchange
from ._finish import dropped_columns_balanced, finish_on_engine, solve_at_safe_tau

# BLAS runs single-threaded inside the solver for designs with at most this many columns and
# at least this many entries (see `solve`); below that size OpenBLAS does not spawn threads
# and limiting them would cost more (a few ms) than it saves.
_THREADED_Q = 64
_SINGLE_THREAD_SIZE = 200_000


def _solve_normal(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve ``gram @ x = rhs`` for a symmetric positive semi-definite ``gram``."""
    diag = np.diag(gram).copy()
    scale = 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0))
    scaled = gram * scale[:, None] * scale[None, :]
    scaled[np.diag_indices_from(scaled)] += IRLS_RIDGE_RTOL
    b = rhs * scale
    try:
        x = cho_solve(cho_factor(scaled, check_finite=False), b, check_finite=False)
        if np.all(np.isfinite(x)):
            return x * scale
    except (LinAlgError, ValueError):
        pass
    # Cholesky broke down (weights spanning too many orders of magnitude): pseudo-inverse.
    values, vectors = eigh(scaled, check_finite=False)
    keep = values > 1e-12 * max(values.max(initial=0.0), 1e-300)
    x = vectors[:, keep] @ ((vectors[:, keep].T @ b) / values[keep])
    return x * scale


def _smallest(values: np.ndarray, count: int, threshold: float) -> tuple[np.ndarray, float]:
    """Indices of the ``count`` smallest ``values``; ``threshold`` is a guess that usually
    makes a full partition unnecessary. Also returns a guess for next time."""
    index = np.flatnonzero(values <= threshold) if threshold > 0 else values[:0]
    if index.size < count:
        index = np.argpartition(values, count - 1)[:count]
    elif index.size > count:
        index = index[np.argpartition(values[index], count - 1)[:count]]
    return index, 2.0 * float(values[index].max(initial=0.0))


@dataclass
class _IrlsState:
    """An IRLS iterate: coefficients, observation residuals, objective, the floor of ``|r_i|``,
    the last dual gap, and the rows nearest to interpolation last time (the finish schedule)."""

    beta: np.ndarray
    r: np.ndarray
    fval: float
    eps_r: float
    min_r: float
    gap: float = float("nan")
    nearest_key: bytes | None = None
    threshold: float = 0.0
    cert: Certificate | None = None


class _IrlsRun:
    """One IRLS solve: the problem's constants, the counters, and the named steps
    (:meth:`start`, :meth:`mm_direction`, :meth:`step`, :meth:`finish`, :meth:`result`)."""

    def __init__(self, problem: QuantileProblem, opts: dict) -> None:
        # Column-major X: the blocked A' V A and both products stream it fastest (one copy of
        # X when it is row-major; none when it already is column-major or sparse).
        self.problem, self.opts = problem, opts
        self.rows = rows = problem.augmented(order="F")
        n, k = rows.n_samples, rows.penalized.size
        self.tau, self.W, self.q = problem.tau, problem.weight_sum, rows.n_columns
        self.y, self.w = problem.y, problem.weights
        self.cols, self.pen = rows.offset + rows.penalized, rows.weights[n : n + k]
        self.tilt = (self.tau - 0.5) * self.w
        self.max_exchange = (2 * self.q + 20 if opts["max_exchange"] is None
                             else int(opts["max_exchange"]))
        self.stats = {"irls_steps": 0, "exchange_steps": 0, "certificate_attempts": 0}
        self.tried: set[bytes] = set()
        self.proven: list = []  # vertices the exchanges proved optimal but `certify` did not
        self._scales()

    def _scales(self) -> None:
        """The weighted Gram matrix, the columns' scales and the rank of the augmented design."""
        rows, cols, W = self.rows, self.cols, self.W
        self.gram_w = gram_w = rows.gram(self.w)
        # RMS of each penalised column: |b_j| * col_scale_j is b_j's effect on the fit, in the
        # units of the residuals. It ranks pseudo-rows against observations and gives the
        # penalty its own floor, eps_r / col_scale_j, on the coefficient scale.
        col_scale = np.sqrt(np.diag(gram_w)[cols] / W)
        col_scale[~(col_scale > 0)] = 1.0
        self.col_scale = col_scale
        # Rank of the augmented design (collinear or constant columns, n < p): the basis of a
        # vertex has this many rows. Pseudo-rows add 2 to the diagonal of each penalised column.
        full_gram = gram_w.copy()
        full_gram[cols, cols] += 2.0
        diag = np.diag(full_gram)
        scale = 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0))
        eigen = np.linalg.eigvalsh(full_gram * scale[:, None] * scale[None, :])
        self.rank = numerical_rank(eigen, GRAM_RANK_RTOL)
        # Bound on |A'd| that rounding alone can produce, per column: max_i |A_ij| sum_i |d_i|
        # (the certificate's cached column maxima; a pseudo-row adds an entry 1).
        column_max = column_magnitude(rows)
        live = cols[rows.penalized >= 0]
        column_max[live] = np.maximum(column_max[live], 1.0)
        self.column_max = column_max

    def objective(self, r: np.ndarray, beta: np.ndarray) -> float:
        """The objective; ``rho_tau(r) = |r| / 2 + (tau - 1/2) r``: two dot products."""
        w, cols = self.w, self.cols
        data = 0.5 * float(w @ np.abs(r)) + (self.tau - 0.5) * float(w @ r)
        return (data + float(self.pen @ np.abs(beta[cols]))) / self.W

    def distance(self, r: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """How far each augmented row is from interpolation, pseudo-rows measured against
        their own floor so that both kinds of rows compare."""
        if not self.cols.size:
            return np.abs(r)
        pseudo = np.abs(beta[self.cols]) * self.col_scale
        return np.concatenate([np.abs(r), pseudo, pseudo])

    def finish(self, beta: np.ndarray, r: np.ndarray, max_violated: int | None = None):
        """Exchange steps from the candidate basis of ``beta``, then the certificate: the
        :class:`~sklearn_lad._certificate.Certificate` if it holds, else ``None``."""
        rows = self.rows
        basis = candidate_basis(rows, self.distance(r, beta), self.rank)
        key = np.sort(basis).tobytes()
        if key in self.tried:
            return None
        self.tried.add(key)
        dual = None
        if self.max_exchange > 0:
            vertex, basis, steps, dual = exchange(
                rows, self.tau, basis, self.max_exchange, max_violated
            )
            self.stats["exchange_steps"] += steps
            if vertex is not None:
                beta = vertex
            self.tried.add(np.sort(basis).tobytes())
        self.stats["certificate_attempts"] += 1
        cert = certify(rows, beta, basis=basis)
        if cert.certified:
            return cert
        if dual is not None:
            # The exchanges proved the vertex optimal with their own dual point, but the
            # shared certificate disagrees (its zero tolerance can absorb tiny nonzero
            # residuals on badly scaled data): iterating further cannot help.
            self.proven.append((beta, basis, dual, cert.message))
        return None

    def start(self, warm_start) -> _IrlsState:
        """The warm start, else weighted least squares (Schlossmacher's start), and the floors
        relative to its residual scale (or to the scale of ``y`` when it interpolates, n <= p).
        A warm start is first tried as the candidate of an exact finish."""
        rows, y, w, W, q = self.rows, self.y, self.w, self.W, self.q
        if warm_start is not None:
            coef, intercept = warm_start
            beta = self.problem.join(np.asarray(coef, dtype=float).ravel(), float(intercept))
            if beta.shape != (q,):
                raise ValueError(
                    f"warm_start coef has {beta.size - rows.offset} entries; "
                    f"expected {self.problem.n_features}."
                )
        else:
            beta = _solve_normal(self.gram_w, rows.rmatvec(w * y))
        r = y - rows.fitted(beta)
        scale_r = float(w @ np.abs(r)) / W
        scale_y = float(w @ np.abs(y - float(w @ y) / W)) / W
        if not scale_r > 1e-6 * scale_y:
            scale_r = scale_y if scale_y > 0 else max(float(np.abs(y).max(initial=0.0)), 1.0)
        state = _IrlsState(beta, r, self.objective(r, beta), self.opts["floor"] * scale_r,
                           self.opts["floor_min"] * scale_r)
        if warm_start is not None:  # its own basis first (see the module docstring)
            state.cert = self.finish(beta, r, max_violated=q // 2)
        return state

    def mm_direction(self, state: _IrlsState):
        """The MM step ``delta`` (its fitted change ``u``) and the dual point where the
        surrogate is stationary: ``(delta, u, dual_value, dual_feasible)``."""
        rows, cols, beta, r = self.rows, self.cols, state.beta, state.r
        e = np.maximum(np.abs(r), state.eps_r)
        v = self.w / (2.0 * e)
        gram_obs = rows.gram(v)
        grad_obs = rows.rmatvec(v * r + self.tilt)
        gram, grad = gram_obs.copy(), grad_obs.copy()
        curv = e_b = None
        if cols.size:
            e_b = np.maximum(np.abs(beta[cols]), state.eps_r / self.col_scale)
            curv = self.pen / e_b
            gram[cols, cols] += curv
            grad[cols] -= curv * beta[cols]
        delta = _solve_normal(gram, grad)
        u = rows.fitted(delta)
        # A'd = A'(V r + tilt) - A'VA delta: the residual of the normal equations.
        residual_dual = grad_obs - gram_obs @ delta
        value, feasible = self._mm_dual(state, e, u, delta, residual_dual, curv, e_b)
        return delta, u, value, feasible

    def _mm_dual(self, state, e, u, delta, residual_dual, curv, e_b):
        """Dual value of the point ``d_i = w_i (z_i + tau - 1/2)``, ``z = (r - u) / (2 e)``
        (after the full MM step: ``A'd = 0`` up to the accuracy of the solve, which is
        checked), scaled into the box; and whether it is feasible."""
        tau, cols, beta = self.tau, self.cols, state.beta
        z = (state.r - u) / (2.0 * e)
        d_obs = self.w * (z + tau - 0.5)
        stretch = max(1.0, (z.max() + tau - 0.5) / tau, (0.5 - tau - z.min()) / (1.0 - tau))
        size_dual = float(np.abs(d_obs).sum())
        if cols.size:
            moved = beta[cols] + delta[cols]
            half = np.abs(moved) / (2.0 * e_b)
            stretch = max(stretch, ((half + tau - 0.5) / tau).max(),
                          ((half + 0.5 - tau) / (1.0 - tau)).max())
            residual_dual[cols] -= curv * moved
            size_dual += float((curv * np.abs(moved)).sum())
        feasible = bool(np.all(np.abs(residual_dual) <= 1e-9 * self.column_max * size_dual))
        return float(self.y @ d_obs) / (stretch * self.W), feasible

    def step(self, state: _IrlsState) -> None:
        """One IRLS iteration: the MM direction, the exact line search along it (the MM step
        itself, ``t = 1``, is the hint), the floor's shrink, and an exact finish when due."""
        self.stats["irls_steps"] += 1
        delta, u, dual_value, dual_feasible = self.mm_direction(state)
        cols, beta, r = self.cols, state.beta, state.r
        if cols.size:
            t, _ = line_search(
                np.concatenate([r, -beta[cols], beta[cols]]),
                np.concatenate([u, delta[cols], -delta[cols]]), self.rows.weights, self.tau,
                hint=1.0,
            )
        else:
            t, _ = line_search(r, u, self.w, self.tau, hint=1.0)
        state.beta, state.r = beta + t * delta, r - t * u
        new_fval = self.objective(state.r, state.beta)
        state.gap = max(new_fval - dual_value, 0.0) if dual_feasible else float("inf")
        stalled = state.fval - new_fval <= 1e-9 * abs(state.fval)
        state.fval = new_fval
        state.eps_r = max(state.eps_r * self.opts["floor_shrink"], state.min_r)
        # Try the exact finish when the rows nearest to interpolation stop changing, when the
        # line search stalls (at a kink the smoothed step cannot leave), when the gap is small,
        # and in any case after 8, 16, 32, ... steps: penalised problems approach their zeros
        # slowly, while exchanges from there finish in a few pivots.
        nearest, state.threshold = _smallest(
            self.distance(state.r, state.beta), min(self.q, self.rows.n_rows), state.threshold
        )
        key = np.sort(nearest).tobytes()
        steps = self.stats["irls_steps"]
        scheduled = steps >= 8 and steps & (steps - 1) == 0  # 8, 16, 32, ...
        if key == state.nearest_key or stalled or scheduled or state.gap <= 1e-6 * abs(new_fval):
            state.cert = self.finish(state.beta, state.r)
        state.nearest_key = key

    def run(self, warm_start) -> SolverResult:
        """IRLS steps until a certified finish, a proved vertex, a small gap or ``max_iter``."""
        opts, stats = self.opts, self.stats
        state = self.start(warm_start)
        while state.cert is None and not self.proven and stats["irls_steps"] < opts["max_iter"]:
            self.step(state)
            if state.cert is None and state.gap <= opts["tol"] * abs(state.fval):
                break
        if state.cert is None and not self.proven and stats["irls_steps"] >= opts["max_iter"]:
            state.cert = self.finish(state.beta, state.r)
        return self.result(state)

    def result(self, state: _IrlsState) -> SolverResult:
        """The certified point (handed over to ``finalize``), a vertex the exchanges proved,
        or the last iterate with its duality gap."""
        problem, stats, opts = self.problem, self.stats, self.opts
        n_iter = stats["irls_steps"] + stats["exchange_steps"]
        diagnostics = SolverDiagnostics(
            irls_steps=stats["irls_steps"], exchange_steps=stats["exchange_steps"],
            certificate_attempts=stats["certificate_attempts"], residual_floor=state.eps_r,
        )
        if state.cert is not None:
            return certified_result(problem, self.rows, state.cert, n_iter=n_iter,
                                    diagnostics=diagnostics)
        if self.proven:
            beta, basis, dual, message = self.proven[0]
            coef, intercept = problem.split(beta)
            objective = problem.objective(coef, intercept)
            return SolverResult(
                coef=coef, intercept=intercept, objective=objective, n_iter=n_iter,
                status=Status.OPTIMAL,
                gap=max(objective - float(self.rows.y @ dual) / self.W, 0.0),
                message=f"optimal vertex (exchange dual); not certified: {message}",
                certified=False, basis=basis, dual=dual, diagnostics=diagnostics,
            )
        gap = state.gap
        converged = gap <= opts["tol"] * abs(state.fval)
        coef, intercept = problem.split(state.beta)
        return SolverResult(
            coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
            n_iter=n_iter, status=Status.OPTIMAL if converged else Status.ITERATION_LIMIT,
            gap=gap,
            message="duality gap below tol (not certified)" if converged else (
                f"reached max_iter={opts['max_iter']} without a certified optimum "
                f"(duality gap {gap:.3g})"
            ),
            certified=False, diagnostics=diagnostics,
        )


@register_solver
class IrlsSolver(Solver):
    """Iteratively reweighted least squares (MM) with an exact, certified finish.

    Options
    -------
    max_iter : int, default=500
        Maximum number of reweighted least-squares steps.
    tol : float, default=1e-10
        Stop (uncertified) when the relative duality gap of the IRLS dual point falls below
        ``tol``.
    floor : float, default=1e-3
        Initial floor ``eps`` of ``|r_i|`` in the weights, relative to the weighted mean absolute
        residual of the starting point. The penalty's floor on ``|b_j|`` is ``eps / s_j``,
        ``s_j`` the root mean square of column ``j``.
    floor_shrink : float, default=0.3
        Factor applied to the floor after every step, in (0, 1].
    floor_min : float, default=1e-12
        Smallest floor, relative to the same scale.
    max_exchange : int or None, default=None
        Basis exchanges allowed per attempt at the exact finish; ``None`` means ``2 q + 20``
        for ``q`` coefficients. ``0`` disables exchanges (the finish then only certifies the
        candidate basis).
    """

    name = "irls"
    supports_sparse = True
    supports_l1 = True
    supports_warm_start = True
    exact = True
    default_options = {
        "max_iter": 500,
        "tol": 1e-10,
        "floor": 1e-3,
        "floor_shrink": 0.3,
        "floor_min": 1e-12,
        "max_exchange": None,
    }
    option_constraints = {
        "max_iter": [NON_NEGATIVE_INT],
        "tol": [NON_NEGATIVE_REAL],
        "floor": [POSITIVE_REAL],
        "floor_shrink": [UNIT_INTERVAL_REAL],
        "floor_min": [POSITIVE_REAL],
        "max_exchange": [NON_NEGATIVE_INT, None],
    }

    def solve(
        self, problem: QuantileProblem, warm_start: tuple[np.ndarray, float] | None = None
    ) -> SolverResult:
        """Solve ``problem``, from ``warm_start = (coef, intercept)`` when given."""
        # Levels within 1e-6 of 0 or 1 are solved at the nearer safe level and walked to tau by
        # the shared engine (solvers/_finish.py): at tau = 1e-300 every dual value of a vertex
        # is rounding next to the exchanges' tolerances. A warm start is only meaningful for
        # the same y (the level near 1 is solved as -y near 0).
        return solve_at_safe_tau(problem, lambda at: self._solve(
            at, warm_start if at.y is problem.y else None))

    def _solve(self, problem: QuantileProblem, warm_start) -> SolverResult:
        run = _IrlsRun(problem, dict(self.options))
        if run.q > _THREADED_Q or problem.n_samples * run.q < _SINGLE_THREAD_SIZE:
            return _finish_dependent(problem, run, run.run(warm_start))
        # Every product here streams a tall, narrow array: memory-bound work that a second
        # BLAS thread does not speed up, while threads spinning on a shared machine slowed
        # whole fits 3-5x in our measurements.
        with single_threaded_blas():
            return _finish_dependent(problem, run, run.run(warm_start))


def _finish_dependent(problem: QuantileProblem, run: _IrlsRun, result: SolverResult):
    """``result``, or the engine's vertex from it when the design has nearly dependent columns.

    The rank taken from the Gram matrix (``GRAM_RANK_RTOL``) treats a column 1e-7 off the
    others' span as dependent, and the exchanges then reach the optimum without it; unless the
    dual balances the columns dropped (exact dependence), the engine's simplex steps bring them
    in (``solvers/_finish.py``, as for ``fn``).
    """
    if run.rank >= run.q or result.status.failed:
        return result
    beta = problem.join(result.coef, result.intercept)
    # The exchanges' vertex is zero on the columns its basis left out (and on the penalised
    # columns its pseudo-rows pin): testing every zero coefficient covers the dropped ones.
    if dropped_columns_balanced(run.rows, beta != 0, result.dual):
        return result
    finished = finish_on_engine(problem, beta, result.dual)
    if finished is None:
        return result
    coef, intercept = problem.split(finished.beta)
    # The shared certificate judges the new vertex from scratch (finalize).
    return replace(
        result, coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
        n_iter=result.n_iter + finished.n_iter, status=Status.OPTIMAL, gap=0.0,
        message="optimal vertex (engine finish of nearly dependent columns)",
        certified=False, basis=finished.basis, dual=finished.dual,
    )
