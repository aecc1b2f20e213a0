"""``solver="br"``: the Barrodale-Roberts simplex method for (weighted, L1-penalised) quantiles.

The quantile-regression LP (Koenker & Bassett 1978) on the augmented design of ``_problem.py``,

    min_beta  sum_i w_i rho_tau(y_i - a_i beta),

has its vertices at the points ``beta`` that interpolate ``q = rank(A)`` linearly independent
rows (a *basis*). Barrodale & Roberts (1973, 1974) run the simplex method on this LP in a reduced
form that never stores the ``2m`` residual variables: the state is the basis ``B`` (the rows
interpolated), ``beta``, the residuals and, for every row outside the basis, the side of zero its
residual is on. Koenker & d'Orey (1987) generalised the costs from ``|r|`` to ``rho_tau``, which
only changes the two slopes of every row, ``tau * w_i`` and ``(1 - tau) * w_i``.

Stage 1 (Barrodale & Roberts' "first stage") starts at ``beta = 0`` with no row interpolated and
brings the coefficients into the basis one at a time: for each coefficient not yet basic the
objective's slope along the direction that moves it while keeping the basic rows interpolated is
its marginal cost; the one of largest absolute marginal cost enters, in the direction that
decreases the objective.

Stage 2 exchanges basic rows: leaving basic row ``h`` on the side ``s`` of zero is the edge
``delta = s * A_B^{-1} e_h``, whose slope is ``-s z_h + w_h rho_tau'(-s)`` with
``z = A_B^{-T} A_N^T (w psi)_N`` and ``psi_i`` the slope of row ``i``'s check function
(``tau`` or ``tau - 1``). ``-z`` are the dual values of the basic rows, so the vertex is optimal
exactly when ``-tau w_h <= z_h <= (1 - tau) w_h`` for every ``h`` (Koenker 2005, ch. 6). The
most negative edge slope is followed.

Both stages use Barrodale & Roberts' long step: along an edge the objective is convex and
piecewise linear in the step ``t``, with a kink where a non-basic residual crosses zero that
raises the slope by ``w_i |a_i delta|``. Instead of stopping at the first kink (one simplex
pivot) the step goes to the minimum along the whole line: the first kink at which the running
slope turns non-negative (a weighted-median search, done here with ``argpartition``, a sort of the
candidates and a cumulative sum over all rows at once). The rows passed on the way change side
and the row at the minimum enters the basis; several simplex vertices are crossed in one pivot.

Rank deficiency (collinear or zero columns, ``n < p``) shows in stage 1: a coefficient whose
move changes no fitted value lies in the span of the basic columns and is left out at zero, so
the basis has ``rank(A)`` rows; the shared finisher (``finalize``) then moves the answer to the
canonical point of the optimal face. Degenerate vertices (ties, repeated rows, exact fits: more
zero residuals than coefficients) give zero-length pivots, on which simplex rules can cycle or
crawl. After a run of them ``y`` is perturbed by a tiny random amount (Charnes 1952), which makes
every vertex non-degenerate so that each pivot strictly decreases the objective; the optimal
basis of the perturbed problem is then re-checked, and repaired if needed, on the true ``y``.
The perturbation is drawn from a generator with a fixed seed, so fits are reproducible.

References
----------
Barrodale, I. and Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. SIAM Journal on Numerical Analysis 10(5), 839-848.
Barrodale, I. and Roberts, F. D. K. (1974). Algorithm 478: Solution of an overdetermined system
of equations in the l1 norm. Communications of the ACM 17(6), 319-320.
Charnes, A. (1952). Optimality and degeneracy in linear programming. Econometrica 20(2),
160-170.
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Koenker, R. and d'Orey, V. (1987). Algorithm AS 229: Computing regression quantiles. Journal of
the Royal Statistical Society, Series C (Applied Statistics) 36(3), 383-393.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

import numpy as np

from .._certificate import certify
from .._design import RowDesign
from .._problem import QuantileProblem, SolverDiagnostics, SolverResult, Status
from .._simplex import Basis, basic_dual, line_minimum
from .._tolerances import (
    SIMPLEX_DEAD_COLUMN_RTOL,
    SIMPLEX_DUAL_RTOL,
    SIMPLEX_PIVOT_RTOL,
    SIMPLEX_ZERO_RESIDUAL_RTOL,
)
from ._base import NON_NEGATIVE_INT, NON_NEGATIVE_REAL, Solver, register_solver
from ._finish import solve_at_safe_tau

# Refresh the basis inverse, beta and the residuals from scratch this often (rounding drift).
_REFRESH_EVERY = 50


def _scaled_design(aug: RowDesign) -> tuple[np.ndarray, np.ndarray]:
    """The augmented design as a dense array with every column scaled to unit max-abs, and the
    scales.

    Equilibrated columns give the pivots and the rank test one scale; the coefficients are
    scaled back at the end. The simplex reads single rows and whole columns at every pivot, so
    it works on its own dense copy (``n x q``, the size of ``X``).
    """
    scale = aug.column_max_abs()
    scale[scale == 0] = 1.0
    A = aug.toarray()
    A /= scale
    return A, scale


class _Simplex:
    """State of one Barrodale-Roberts run on ``min sum_i w_i rho_tau(y_i - A_i beta)``.

    ``side[i]`` is +1 when row ``i``'s residual is on the non-negative side (check-function
    slope ``tau``) and -1 on the non-positive side (slope ``tau - 1``); for basic rows it is
    unused. ``wpsi`` is ``w_i * psi_i`` with zeros on the basic rows, and ``grad`` is
    ``A.T @ wpsi``, kept up to date incrementally.
    """

    def __init__(self, A, y, w, tau, max_iter, tol, certify_fn):
        self.A, self.y, self.w, self.tau = A, y, w, tau
        # Unit weights (an unweighted, unpenalised fit): w_i x is x, no gather at every pivot.
        self.unit_weights = bool(np.all(w == 1.0))
        self.m, self.q = A.shape
        self.max_iter, self.tol = max_iter, tol
        self.certify_fn = certify_fn
        self.col_ids = np.arange(self.q)
        self.row_norm = np.sqrt(np.einsum("ij,ij->i", A, A))
        self.pivot_floor = SIMPLEX_PIVOT_RTOL * self.row_norm
        self.beta = np.zeros(self.q)
        self.r = y.copy()
        self.side = np.where(self.r >= 0, 1.0, -1.0)
        self.basis: list[int] = []
        self.is_basic = np.zeros(self.m, dtype=bool)
        self.yscale = max(float(np.max(np.abs(y), initial=0.0)), 1e-300)
        self.ztol = SIMPLEX_ZERO_RESIDUAL_RTOL * self.yscale
        self.n_iter = 0
        self.stall = 0
        self.rng = np.random.default_rng(0)
        self.perturbations = 0
        self.last_step = 0.0
        self.factor: Basis | None = None  # of the basic rows, from stage 2 on
        self._set_wpsi()

    # -- bookkeeping ---------------------------------------------------------------------------

    def _set_wpsi(self) -> None:
        self.wpsi = self.w * np.where(self.side > 0, self.tau, self.tau - 1.0)
        self.wpsi[self.is_basic] = 0.0
        self.grad = self.A.T @ self.wpsi

    def _ratio_test(self, d: np.ndarray, slope: float):
        """Minimise the objective along ``beta + t * delta`` (``d = A @ delta``), ``t >= 0``.

        Returns ``(entering row, step, rows crossed)`` or ``None`` when no non-basic residual
        moves. ``slope`` is the objective's slope at ``t = 0+``.
        """
        sd = self.side * d
        cand = np.flatnonzero(sd > self.pivot_floor)
        if cand.size == 0:
            return None
        rate = sd[cand]
        t = self.side[cand] * self.r[cand]
        np.maximum(t, 0.0, out=t)
        t /= rate
        inc = rate if self.unit_weights else self.w[cand] * rate
        # The previous step length brackets this one's search (steps along successive edges
        # are of similar size near the optimum).
        k, crossed = line_minimum(t, inc, -slope, hint=self.last_step or None)
        self.last_step = float(t[k])
        return int(cand[k]), float(t[k]), cand[crossed]

    def _move(self, step: float, delta: np.ndarray, d: np.ndarray, crossed: np.ndarray,
              enter: int) -> None:
        """Take the step, flip the crossed rows and make ``enter`` basic."""
        # A step that moves the entering row's residual by no more than rounding is a
        # degenerate pivot: the vertex (up to rounding) does not change.
        if abs(self.r[enter]) > self.ztol:
            self.stall = 0
        else:
            self.stall += 1
        if step > 0.0:
            self.beta += step * delta
            self.r -= step * d
        # Rows passed on the way change check-function slope from tau to tau - 1 or back.
        if crossed.size:
            old = self.wpsi[crossed]
            self.side[crossed] = -self.side[crossed]
            new = np.where(self.side[crossed] > 0, self.tau, self.tau - 1.0)
            if not self.unit_weights:
                new *= self.w[crossed]
            self.wpsi[crossed] = new
            if step == 0.0:
                self.r[crossed] = 0.0
            self.grad += (new - old) @ self.A[crossed]
        self.grad -= self.A[enter] * self.wpsi[enter]
        self.wpsi[enter] = 0.0
        self.r[enter] = 0.0
        self.is_basic[enter] = True
        self.n_iter += 1

    # -- stage 1 -------------------------------------------------------------------------------

    def stage1(self) -> bool:
        """Bring every coefficient into the basis. Returns ``False`` if max_iter was hit."""
        A = self.A
        free = list(range(self.q))
        cols: list[int] = []
        dead_tol = SIMPLEX_DEAD_COLUMN_RTOL * float(np.max(self.row_norm, initial=0.0))
        while free:
            if self.n_iter >= self.max_iter:
                self.cols = cols
                return False
            B = np.asarray(self.basis, dtype=np.intp)
            free_idx = np.asarray(free, dtype=np.intp)
            if cols:
                cols_idx = np.asarray(cols, dtype=np.intp)
                # Moving free column j by 1 while keeping the basic rows interpolated moves the
                # basic columns by -M^{-1} A_{B,j}; the marginal costs follow.
                AB = A[B]  # one row gather, then two column takes (np.ix_ costs more)
                coupling = np.linalg.solve(AB[:, cols_idx], AB[:, free_idx])
                marginal = self.grad[cols_idx] @ coupling - self.grad[free_idx]
            else:
                marginal = -self.grad[free_idx]
            pos = int(np.argmax(np.abs(marginal)))
            j = int(free_idx[pos])
            free.remove(j)
            sign = -1.0 if marginal[pos] > 0 else 1.0
            delta = np.zeros(self.q)
            delta[j] = sign
            if cols:
                delta[cols_idx] = -sign * coupling[:, pos]
            norm = float(np.linalg.norm(delta))
            delta /= norm
            d = A @ delta
            d[B] = 0.0
            if np.abs(d).max(initial=0.0) <= dead_tol:
                continue  # column j is a combination of the basic ones: coefficient stays 0
            found = self._ratio_test(d, -abs(marginal[pos]) / norm)
            if found is None:
                # Every residual moves away from zero: only possible when rounding hid a slope
                # of zero. Go the other way, to the nearest kink.
                delta, d = -delta, -d
                found = self._ratio_test(d, abs(marginal[pos]) / norm)
                if found is None:
                    continue
            enter, step, crossed = found
            self._move(step, delta, d, crossed, enter)
            self.basis.append(enter)
            cols.append(j)
        self.cols = cols
        return True

    # -- stage 2 -------------------------------------------------------------------------------

    def _drop_dead_columns(self) -> None:
        """Keep only the columns stage 1 brought into the basis (a full-rank design)."""
        if len(self.cols) == self.q:
            return
        keep = np.sort(np.asarray(self.cols, dtype=np.intp))
        self.A = np.ascontiguousarray(self.A[:, keep])
        self.beta = self.beta[keep]  # dead columns never moved: their coefficients are 0
        self.col_ids = self.col_ids[keep]
        self.q = keep.size
        self.row_norm = np.sqrt(np.einsum("ij,ij->i", self.A, self.A))
        self.pivot_floor = SIMPLEX_PIVOT_RTOL * self.row_norm
        self.grad = self.A.T @ self.wpsi

    def _refresh(self) -> None:
        """Recompute the basis inverse, beta and the residuals from the basic rows."""
        B = np.asarray(self.basis, dtype=np.intp)
        AB = self.A[B]
        # Only an exactly singular basis fails (rcond=0): stage 1 built it from independent rows.
        factor = Basis.factor(B, np.arange(self.q), AB, rcond=0.0)
        if factor is None:
            raise np.linalg.LinAlgError("singular basis")
        self.factor = factor
        self.beta = factor.solve(self.y[B])
        self.beta += factor.solve(self.y[B] - AB @ self.beta)  # one step of refinement
        self.r = self.y - self.A @ self.beta
        self.r[B] = 0.0
        fitted = float(np.max(np.abs(self.y - self.r), initial=0.0))
        self.ztol = SIMPLEX_ZERO_RESIDUAL_RTOL * max(self.yscale, fitted)
        self.r[np.abs(self.r) <= self.ztol] = 0.0
        # Rounding may have pushed a residual across zero: its side must follow its sign.
        wrong = (self.side * self.r < 0) & ~self.is_basic
        self.side[wrong] = -self.side[wrong]
        self._set_wpsi()

    def _pivots(self, stall_limit: int | None) -> str:
        """Exchange basic rows until the basis is dual feasible.

        Returns ``"optimal"``, ``"max_iter"`` or ``"stalled"`` (more than ``stall_limit``
        consecutive zero-length steps).
        """
        A, tau = self.A, self.tau
        self._refresh()
        self.stall = 0
        while True:
            B = self.factor.rows  # the basic rows as an array, in the order of self.basis
            wB = self.w[B]
            dual_B = basic_dual(self.factor, self.grad)
            # Edge slopes: basic row h leaves upwards (its residual turns negative, s = +1) or
            # downwards (s = -1); the first term is its own check-function slope.
            up = (1.0 - tau) * wB + dual_B
            down = tau * wB - dual_B
            slopes = np.minimum(up, down)
            if not (slopes < -self.tol * wB).any():
                if self.factor.updates == 0:
                    return "optimal"
                self._refresh()  # confirm with fresh numbers before stopping
                continue
            if self.n_iter >= self.max_iter:
                return "max_iter"
            if stall_limit is not None and self.stall > stall_limit:
                return "stalled"
            # Barrodale & Roberts' rule: the largest marginal cost (here per unit of weight).
            h = int((slopes if self.unit_weights else slopes / wB).argmin())
            s = 1.0 if up[h] <= down[h] else -1.0
            column = self.factor.inverse[:, h]
            norm = float(np.sqrt(column @ column))
            delta = (s / norm) * column
            d = A @ delta
            d[B] = 0.0
            found = self._ratio_test(d, float(slopes[h]) / norm)
            if found is None:
                # No non-basic residual moves along this edge, so its slope cannot truly be
                # negative: rounding. Recompute and, if it persists, stop.
                if self.factor.updates == 0:
                    return "optimal"
                self._refresh()
                continue
            enter, step, crossed = found
            leave = int(B[h])
            self._move(step, delta, d, crossed, enter)
            # The leaving row's residual is -s * step / norm: it is on side -s of zero.
            self.is_basic[leave] = False
            self.side[leave] = -s
            self.wpsi[leave] = self.w[leave] * (tau if s < 0 else tau - 1.0)
            self.grad += A[leave] * self.wpsi[leave]
            self.r[leave] = -s * step / norm
            # Row h of A_B becomes a_enter (a rank-one update of the factorisation).
            pivot = float(A[enter] @ column)
            self.factor = self.factor.replace_row(h, enter, A[enter])
            self.basis[h] = enter
            if self.factor is None or self.factor.updates >= _REFRESH_EVERY or abs(pivot) < 1e-8:
                self._refresh()

    def stage2(self) -> tuple[bool, str]:
        """Stage 2, with Charnes' perturbation as the remedy for degenerate vertices.

        A run of zero-length steps means a degenerate vertex (more zero residuals than
        coefficients: ties, repeated rows, exact fits), where simplex rules can cycle or crawl.
        Then ``y`` is perturbed by a tiny random amount, which makes every vertex
        non-degenerate, so each pivot strictly decreases the perturbed objective; its optimal
        basis is dual feasible for the true ``y`` with the rows' sides from the perturbed
        residuals, and optimal for it as soon as no non-zero residual changed sign, which a
        final pass of pivots on the true ``y`` checks and repairs.
        """
        self.degenerate_certified = False
        self._drop_dead_columns()
        if self.q == 0:
            return True, "optimal"
        stall_limit = self.q + 5
        status = self._pivots(stall_limit)
        y = self.y
        size = 1e-9 * max(self.yscale, float(np.max(np.abs(y - self.r), initial=0.0)))
        attempt = 0
        while status == "stalled":
            if attempt == 3:
                if self.certify_fn(self):
                    self.degenerate_certified = True
                    return True, "optimal (certified at a degenerate vertex)"
                stall_limit = None  # let the pivots run to max_iter
            else:
                self.perturbations += 1
                self.y = y + size * self.rng.uniform(-1.0, 1.0, size=y.size)
                status = self._pivots(None)
                self.y = y
                size *= 0.1
                attempt += 1
                if status == "max_iter":
                    break
            status = self._pivots(stall_limit)
        if status == "max_iter":
            return False, f"stopped at max_iter={self.max_iter} pivots"
        return True, "optimal"

    # -- output --------------------------------------------------------------------------------

    def dual(self) -> np.ndarray:
        """``d_N = w psi``, ``d_B = -A_B^{-T} A_N^T d_N`` (the basic dual): feasible if optimal."""
        dual = self.wpsi.copy()
        if self.basis:
            dual[np.asarray(self.basis, dtype=np.intp)] = basic_dual(self.factor, self.grad)
        return dual


@register_solver
class BarrodaleRobertsSolver(Solver):
    """Barrodale & Roberts' simplex method with Koenker & d'Orey's quantile costs.

    Exact: stops at an optimal vertex of the LP and returns the rows it interpolates as
    ``basis``. Dense only; the L1 penalty is solved exactly through the augmented
    pseudo-observations.

    Options
    -------
    max_iter : int or None, default=None
        Maximum number of pivots; ``None`` means ``10 * m + 1000`` for ``m`` augmented rows.
    tol : float, default=1e-11
        A basic row's dual value may leave its box ``[-(1 - tau) w_h, tau w_h]`` by
        ``tol * w_h`` (rounding) before the vertex is declared non-optimal.
    """

    name = "br"
    supports_sparse = False
    supports_l1 = True
    supports_warm_start = False
    exact = True
    default_options = {"max_iter": None, "tol": SIMPLEX_DUAL_RTOL}
    option_constraints = {"max_iter": [NON_NEGATIVE_INT, None], "tol": [NON_NEGATIVE_REAL]}

    def solve(self, problem: QuantileProblem, warm_start=None) -> SolverResult:
        # Levels within 1e-6 of 0 or 1 are solved at the nearer safe level and walked to tau
        # by the shared engine: at tau = 1e-300 every edge slope is ~1e-300 w and falls under
        # the dual tolerance, so the pivots would stop at an arbitrary vertex.
        return solve_at_safe_tau(problem, self._solve)

    def _solve(self, problem: QuantileProblem) -> SolverResult:
        aug = problem.augmented()
        m, q = aug.shape
        max_iter = self.options["max_iter"]
        max_iter = 10 * m + 1000 if max_iter is None else int(max_iter)
        tol = float(self.options["tol"])
        A, scale = _scaled_design(aug)

        def to_full(run: _Simplex) -> np.ndarray:
            beta = np.zeros(q)
            beta[run.col_ids] = run.beta / scale[run.col_ids]
            return beta

        def certified(run: _Simplex) -> bool:
            basis = np.asarray(run.basis, dtype=np.intp)
            return certify(aug, to_full(run), basis).certified

        run = _Simplex(A, aug.y, aug.weights, aug.tau, max_iter, tol, certified)
        converged = run.stage1()
        message = f"stopped at max_iter={max_iter} pivots (stage 1)"
        if converged:
            converged, message = run.stage2()
        coef, intercept = problem.split(to_full(run))
        return SolverResult(
            coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
            n_iter=run.n_iter, message=message,
            status=Status.OPTIMAL if converged else Status.ITERATION_LIMIT,
            basis=np.sort(np.asarray(run.basis, dtype=np.intp)),
            # The basis's own dual certifies it unless the exact certificate had to step in.
            dual=run.dual() if converged and not run.degenerate_certified and run.q else None,
            diagnostics=SolverDiagnostics(
                basis_rank=len(run.basis) if converged else None,
                perturbations=run.perturbations,
            ),
        )
