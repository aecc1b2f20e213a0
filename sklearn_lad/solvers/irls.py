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
* **Certified exact finish.** IRLS approaches a vertex of the LP only linearly. When the ``q``
  rows nearest to interpolation stop changing (or the objective stalls, or the gap below is
  small, or after 8, 16, 32, ... steps), the ``q`` linearly independent rows nearest to
  interpolation are taken as a basis and the square system is solved exactly. While some basic
  dual value lies outside its box ``[-(1 - tau) w_i, tau w_i]``, an exchange step moves along
  the edge that frees that row to the exact minimum along the edge (the descent step of
  Barrodale & Roberts 1973, with the same weighted-median line search) and swaps the row that
  stops it into the basis. When the basic duals are feasible, optimality is proved with
  ``sklearn_lad._certificate.certify`` (Koenker 2005, Thm 2.1): the answer is the exact LP optimum.
  If the exchanges do not finish within their budget, IRLS continues with a smaller floor.
  Rank-deficient designs (collinear or constant columns, ``n < p``) get a basis of ``rank``
  rows on as many independent columns, which span the same fits.

The L1 penalty ``alpha * pi_j |b_j|`` is carried by the two pseudo-observations ``+-e_j`` of the
augmented problem (``_problem.py``), treated as ordinary weighted rows rather than by a separate
majorizer: majorizing the two rows exactly as the data rows gives
``alpha pi_j W b_j^2 / max(|b_j|, eps_j)`` (the tilts of the mirrored rows cancel), which *is*
the local quadratic majorizer ``|b| <= b^2 / (2 |b_k|) + |b_k| / 2`` of the penalty. Its floor
``eps_j = eps / s_j`` (``s_j`` the root mean square of column ``j``) is on the coefficient's own
scale. The penalty thus only adds a diagonal term to the normal equations, and the exact finish
needs no special case: wherever the optimum has ``b_j = 0`` a pseudo-row is in the basis and the
coefficient is exactly zero.

Each iteration also yields a dual point: at the MM step the surrogate is stationary, so
``d_i = w_i (r_i / (2 e_i) + tau - 1/2)`` (residuals after the full MM step) satisfies
``A'd = 0`` up to the accuracy of the linear solve, which is checked; scaled into the dual box
it is dual feasible and gives a duality gap, reported as ``result.gap`` for uncertified answers
and used as a stopping rule (``tol``) besides the certificate.

A warm start ``(coef, intercept)`` replaces the least-squares start. The optimum of a nearby
problem, the previous ``alpha`` of a regularisation path, is usually a few exchanges from this
one's: the warm start's own basis is tried first, with exchanges unless more than half of its
basic dual values are out of their box (a farther problem, another ``tau`` say, where the
exchanges would walk many vertices). IRLS takes over from the warm start if that does not
finish.

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

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigh, qr

from .._canonical import independent_rows_of
from .._certificate import certify
from .._design import RowDesign, single_threaded_blas
from .._problem import QuantileProblem, SolverDiagnostics, SolverResult, Status
from .._simplex import Basis, basic_dual, dual_at_bounds, line_search
from .._tolerances import (
    GRAM_RANK_RTOL,
    IRLS_EXCHANGE_DUAL_RTOL,
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

# BLAS runs single-threaded inside the solver for designs with at most this many columns and
# at least this many entries (see `solve`); below that size OpenBLAS does not spawn threads
# and limiting them would cost more (a few ms) than it saves.
_THREADED_Q = 64
_SINGLE_THREAD_SIZE = 200_000
# Reciprocal condition number below which an exchange basis counts as singular.
_EXCHANGE_RCOND = 1e-14


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


def _candidate_basis(rows: RowDesign, score: np.ndarray, rank: int) -> np.ndarray:
    """Up to ``rank`` linearly independent rows with the smallest ``score``.

    The scan is bounded: if a numerically rank-deficient design yields fewer independent rows
    within the first ``max(20 q, 2000)`` candidates, those are returned.
    """
    m, q = rows.shape
    limit = min(rank, m)
    take = min(m, 2 * q + 8)
    cap = min(m, max(20 * q, 2000))
    while True:
        if take < m:
            order = np.argpartition(score, take - 1)[:take]
        else:
            order = np.arange(m)
        order = order[np.argsort(score[order], kind="stable")]
        chosen = independent_rows_of(rows, order, limit)
        if chosen.size == limit or take >= cap:
            return chosen
        take = min(cap, 4 * take)


def _exchange_basis(rows: RowDesign, basis: np.ndarray) -> Basis | None:
    """The factorised basis of linearly independent rows ``basis``.

    With fewer rows than ``q`` (a rank-deficient design) it is taken on as many linearly
    independent columns (QR with column pivoting), which span the same fits.
    """
    full = rows.rows(basis)
    if basis.size < rows.n_columns:
        pivots = qr(full, mode="r", pivoting=True, check_finite=False)[1]
        columns = np.sort(pivots[: basis.size])
    else:
        columns = np.arange(rows.n_columns)
    return Basis.factor(basis, columns, full[:, columns], rcond=_EXCHANGE_RCOND)


def _basic_boxes(basis, lower, upper, w, n: int, k: int):
    """The basic rows' dual boxes ``(lo, hi)``, which are pseudo-rows, and their mirrors.

    The mirror row of a basic pseudo-row also has residual 0. The pair's dual values enter
    ``A'd`` only through their difference, which ranges over ``[-w, w]``: the whole range goes
    to the basic row and 0 to its mirror.
    """
    lo, hi = lower[basis], upper[basis]
    pseudo = basis >= n
    mirror = np.where(basis[pseudo] < n + k, basis[pseudo] + k, basis[pseudo] - k)
    lo[pseudo], hi[pseudo] = -w[basis[pseudo]], w[basis[pseudo]]
    return lo, hi, pseudo, mirror


def _exchange(
    rows: RowDesign, tau: float, basis: np.ndarray, max_steps: int, max_violated: int | None = None
):
    """Descend from the vertex of ``basis`` by basis exchanges until its dual is feasible.

    ``basis`` holds linearly independent rows; when there are fewer than ``q`` (a rank-deficient
    design) the vertex is computed on as many linearly independent columns, which span the same
    fits. Returns ``(beta, basis, steps, dual)``; ``dual`` is ``None`` unless the basic dual
    values lie in their box, in which case it is a dual-feasible point with zero gap: the vertex
    is optimal (up to rounding; ``certify`` confirms it independently). With ``max_violated``,
    a starting basis with more basic dual values outside their box is left alone (0 steps).
    """
    y, w, n, k, q = rows.y, rows.weights, rows.n_samples, rows.penalized.size, rows.n_columns
    if max_violated is None:
        max_violated = q
    basis = basis.copy()
    factor = _exchange_basis(rows, basis)
    if factor is None:
        return None, basis, 0, None
    columns = factor.cols
    beta = np.zeros(q)
    beta[columns] = factor.solve(y[basis])
    r = y - rows.matvec(beta)
    lower, upper = -(1.0 - tau) * w, tau * w
    for step in range(max_steps + 1):
        r[basis] = 0.0
        side = np.where(r > 0, 1.0, -1.0)
        side[basis] = 0.0
        d = dual_at_bounds(side, lower, upper)
        lo, hi, pseudo, mirror = _basic_boxes(basis, lower, upper, w, n, k)
        d[mirror] = 0.0
        d_basis = basic_dual(factor, rows.rmatvec(d))
        excess = np.maximum(d_basis - hi, lo - d_basis) / w[basis]
        if basis.size == 0:
            # A design of rank 0 (all-zero X, no intercept): beta = 0 is the only vertex and
            # every dual at its bounds is feasible (A'd = 0 for A = 0).
            return beta, basis, step, d
        worst = int(np.argmax(excess))
        if step == 0 and np.count_nonzero(excess > IRLS_EXCHANGE_DUAL_RTOL) > max_violated:
            return beta, basis, 0, None
        if excess[worst] <= IRLS_EXCHANGE_DUAL_RTOL:
            d_basis = np.clip(d_basis, lo, hi)
            d[basis] = np.clip(d_basis, lower[basis], upper[basis])
            if pseudo.any():
                # Split a pair's difference D over the two rows, both inside their boxes.
                d[mirror] = d[basis[pseudo]] - d_basis[pseudo]
            return beta, basis, step, d
        if step == max_steps:
            return beta, basis, step, None
        # Free basic row `worst` towards the side its dual value asks for: below the box means
        # its residual should turn negative (A_h delta = +e), above means positive.
        e = np.zeros(basis.size)
        e[worst] = 1.0 if d_basis[worst] < lo[worst] else -1.0
        delta = np.zeros(q)
        delta[columns] = factor.solve(e)
        u = rows.matvec(delta)
        u[basis] = e  # exact zeros on the rows that stay interpolated
        t, enter = line_search(r, u, w, tau)
        if enter < 0 or np.isin(enter, basis):
            # No descent along the edge: the violation comes from the arbitrary dual values
            # given to degenerate rows (zero residual, outside the basis). Swap one of them in
            # (a degenerate pivot); the step cap guards against cycling.
            degenerate = np.flatnonzero((r == 0) & (u != 0))
            degenerate = degenerate[~np.isin(degenerate, basis)]
            if degenerate.size == 0:
                return beta, basis, step, None
            t, enter = 0.0, int(degenerate[np.argmax(w[degenerate] * np.abs(u[degenerate]))])
        beta = beta + t * delta
        r = r - t * u
        basis[worst] = enter
        updated = factor.replace_row(worst, enter, rows.rows(np.array([enter]))[0, columns])
        if updated is None or updated.stale:
            # A small pivot, or rounding drift to clear: factorise from scratch.
            updated = Basis.factor(basis, columns, rows.rows(basis)[:, columns],
                                   rcond=_EXCHANGE_RCOND)
        if updated is None:
            return beta, basis, step + 1, None
        factor = updated
    return beta, basis, max_steps, None


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
        opts = dict(self.options)
        q = problem.n_features + problem.fit_intercept
        if q > _THREADED_Q or problem.n_samples * q < _SINGLE_THREAD_SIZE:
            return self._solve(problem, warm_start, opts)
        # Every product here streams a tall, narrow array: memory-bound work that a second
        # BLAS thread does not speed up, while threads spinning on a shared machine slowed
        # whole fits 3-5x in our measurements.
        with single_threaded_blas():
            return self._solve(problem, warm_start, opts)

    def _solve(self, problem: QuantileProblem, warm_start, opts: dict) -> SolverResult:
        # Column-major X: the blocked A' V A and both products stream it fastest (one copy of
        # X when it is row-major; none when it already is column-major or sparse).
        rows = problem.augmented(order="F")
        n, k = rows.n_samples, rows.penalized.size
        tau, W, q = problem.tau, problem.weight_sum, rows.n_columns
        y, w = problem.y, problem.weights
        cols, pen = rows.offset + rows.penalized, rows.weights[n : n + k]
        tilt = (tau - 0.5) * w
        max_exchange = 2 * q + 20 if opts["max_exchange"] is None else int(opts["max_exchange"])
        stats = {"irls_steps": 0, "exchange_steps": 0, "certificate_attempts": 0}
        tried: set[bytes] = set()
        proven: list = []  # vertices the exchanges proved optimal but `certify` did not

        def objective(r: np.ndarray, beta: np.ndarray) -> float:
            # rho_tau(r) = |r| / 2 + (tau - 1/2) r: two dot products, no branches.
            data = 0.5 * float(w @ np.abs(r)) + (tau - 0.5) * float(w @ r)
            return (data + float(pen @ np.abs(beta[cols]))) / W

        def distance(r: np.ndarray, beta: np.ndarray) -> np.ndarray:
            # How far each augmented row is from interpolation, pseudo-rows measured against
            # their own floor so that both kinds of rows compare.
            if not cols.size:
                return np.abs(r)
            pseudo = np.abs(beta[cols]) * col_scale
            return np.concatenate([np.abs(r), pseudo, pseudo])

        def finish(beta: np.ndarray, r: np.ndarray, max_violated: int | None = None):
            """Exchange steps from the candidate basis of ``beta``, then the certificate."""
            basis = _candidate_basis(rows, distance(r, beta), rank)
            key = np.sort(basis).tobytes()
            if key in tried:
                return None
            tried.add(key)
            dual = None
            if max_exchange > 0:
                vertex, basis, steps, dual = _exchange(
                    rows, tau, basis, max_exchange, max_violated
                )
                stats["exchange_steps"] += steps
                if vertex is not None:
                    beta = vertex
                tried.add(np.sort(basis).tobytes())
            stats["certificate_attempts"] += 1
            cert = certify(rows, beta, basis=basis)
            if cert.certified:
                return cert
            if dual is not None:
                # The exchanges proved the vertex optimal with their own dual point, but the
                # shared certificate disagrees (its zero tolerance can absorb tiny nonzero
                # residuals on badly scaled data): iterating further cannot help.
                proven.append((beta, basis, dual, cert.message))
            return None

        gram_w = rows.gram(w)
        # RMS of each penalised column: |b_j| * col_scale_j is b_j's effect on the fit, in the
        # units of the residuals. It ranks pseudo-rows against observations and gives the
        # penalty its own floor, eps_r / col_scale_j, on the coefficient scale.
        col_scale = np.sqrt(np.diag(gram_w)[cols] / W)
        col_scale[~(col_scale > 0)] = 1.0
        # Rank of the augmented design (collinear or constant columns, n < p): the basis of a
        # vertex has this many rows. Pseudo-rows add 2 to the diagonal of each penalised column.
        full_gram = gram_w.copy()
        full_gram[cols, cols] += 2.0
        diag = np.diag(full_gram)
        scale = 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0))
        eigen = np.linalg.eigvalsh(full_gram * scale[:, None] * scale[None, :])
        rank = numerical_rank(eigen, GRAM_RANK_RTOL)
        # Bound on |A'd| that rounding alone can produce, per column: max_i |A_ij| sum_i |d_i|.
        column_max = rows.column_max_abs()

        # Start: the warm start, else weighted least squares (Schlossmacher's start).
        if warm_start is not None:
            coef, intercept = warm_start
            beta = problem.join(np.asarray(coef, dtype=float).ravel(), float(intercept))
            if beta.shape != (q,):
                raise ValueError(
                    f"warm_start coef has {beta.size - rows.offset} entries; "
                    f"expected {problem.n_features}."
                )
        else:
            beta = _solve_normal(gram_w, rows.rmatvec(w * y))
        r = y - rows.fitted(beta)
        # Floors are relative to the residual scale of the start, or to the scale of y when
        # the start interpolates (n <= p).
        scale_r = float(w @ np.abs(r)) / W
        scale_y = float(w @ np.abs(y - float(w @ y) / W)) / W
        if not scale_r > 1e-6 * scale_y:
            scale_r = scale_y if scale_y > 0 else max(float(np.abs(y).max(initial=0.0)), 1.0)
        eps_r, min_r = opts["floor"] * scale_r, opts["floor_min"] * scale_r

        fval = objective(r, beta)
        gap = float("nan")
        cert = None
        if warm_start is not None:
            # The optimum of a nearby problem (the previous alpha of a path) is usually a few
            # exchanges from this one's, and then only a few of its basic dual values are out
            # of their box. With most of them out (another tau, say) the exchanges would walk
            # many vertices: IRLS starts from the warm start instead.
            cert = finish(beta, r, max_violated=q // 2)
        previous_key, threshold = None, 0.0
        while cert is None and not proven and stats["irls_steps"] < opts["max_iter"]:
            stats["irls_steps"] += 1
            e = np.maximum(np.abs(r), eps_r)
            v = w / (2.0 * e)
            gram_obs = rows.gram(v)
            grad_obs = rows.rmatvec(v * r + tilt)
            gram, grad = gram_obs.copy(), grad_obs.copy()
            if cols.size:
                e_b = np.maximum(np.abs(beta[cols]), eps_r / col_scale)
                curv = pen / e_b
                gram[cols, cols] += curv
                grad[cols] -= curv * beta[cols]
            delta = _solve_normal(gram, grad)
            u = rows.fitted(delta)

            # Dual point where the surrogate is stationary (after the full MM step): A'd = 0 up
            # to the accuracy of the solve, which is checked; scaled into the box.
            z = (r - u) / (2.0 * e)
            d_obs = w * (z + tau - 0.5)
            stretch = max(1.0, (z.max() + tau - 0.5) / tau, (0.5 - tau - z.min()) / (1.0 - tau))
            # A'd = A'(V r + tilt) - A'VA delta: the residual of the normal equations.
            residual_dual = grad_obs - gram_obs @ delta
            size_dual = float(np.abs(d_obs).sum())
            if cols.size:
                half = np.abs(beta[cols] + delta[cols]) / (2.0 * e_b)
                stretch = max(stretch, ((half + tau - 0.5) / tau).max(),
                              ((half + 0.5 - tau) / (1.0 - tau)).max())
                residual_dual[cols] -= curv * (beta[cols] + delta[cols])
                size_dual += float((curv * np.abs(beta[cols] + delta[cols])).sum())
            dual_feasible = np.all(np.abs(residual_dual) <= 1e-9 * column_max * size_dual)
            dual_value = float(y @ d_obs) / (stretch * W)

            # Exact line search on the true objective along the MM direction.
            if cols.size:
                t, _ = line_search(
                    np.concatenate([r, -beta[cols], beta[cols]]),
                    np.concatenate([u, delta[cols], -delta[cols]]), rows.weights, tau,
                )
            else:
                t, _ = line_search(r, u, w, tau)
            beta = beta + t * delta
            r = r - t * u
            new_fval = objective(r, beta)
            gap = max(new_fval - dual_value, 0.0) if dual_feasible else float("inf")
            stalled = fval - new_fval <= 1e-9 * abs(fval)
            fval = new_fval
            eps_r = max(eps_r * opts["floor_shrink"], min_r)

            # Try the exact finish when the rows nearest to interpolation stop changing, when
            # the line search stalls (at a kink the smoothed step cannot leave), when the gap
            # is small, and in any case after 8, 16, 32, ... steps: penalised problems approach
            # their zeros slowly, while exchanges from there finish in a few pivots.
            nearest, threshold = _smallest(distance(r, beta), min(q, rows.n_rows), threshold)
            key = np.sort(nearest).tobytes()
            steps = stats["irls_steps"]
            scheduled = steps >= 8 and steps & (steps - 1) == 0  # 8, 16, 32, ...
            if key == previous_key or stalled or scheduled or gap <= 1e-6 * abs(fval):
                cert = finish(beta, r)
            previous_key = key
            if cert is None and gap <= opts["tol"] * abs(fval):
                break
        if cert is None and not proven and stats["irls_steps"] >= opts["max_iter"]:
            cert = finish(beta, r)

        n_iter = stats["irls_steps"] + stats["exchange_steps"]
        diagnostics = SolverDiagnostics(
            irls_steps=stats["irls_steps"], exchange_steps=stats["exchange_steps"],
            certificate_attempts=stats["certificate_attempts"], residual_floor=eps_r,
        )
        if cert is not None:
            beta = cert.beta.copy()
            # A pseudo-row +-e_j in the certified zero set means b_j = 0 at the optimum: make
            # it exactly 0 rather than the ~1e-30 the least-squares polish leaves.
            pseudo = cert.zero_set[cert.zero_set >= n] - n
            if pseudo.size:
                beta[cols[pseudo % k]] = 0.0
            coef, intercept = problem.split(beta)
            return SolverResult(
                coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
                n_iter=n_iter, status=Status.OPTIMAL, gap=cert.gap, message=cert.message,
                certified=True, basis=cert.zero_set, dual=cert.dual, diagnostics=diagnostics,
            )
        if proven:
            beta, basis, dual, message = proven[0]
            coef, intercept = problem.split(beta)
            objective = problem.objective(coef, intercept)
            return SolverResult(
                coef=coef, intercept=intercept, objective=objective, n_iter=n_iter,
                status=Status.OPTIMAL, gap=max(objective - float(rows.y @ dual) / W, 0.0),
                message=f"optimal vertex (exchange dual); not certified: {message}",
                certified=False, basis=basis, dual=dual, diagnostics=diagnostics,
            )
        converged = gap <= opts["tol"] * abs(fval)
        coef, intercept = problem.split(beta)
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
