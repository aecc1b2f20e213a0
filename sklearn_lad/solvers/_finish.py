"""Finishes through the shared simplex engine for what a backend's own arithmetic cannot reach.

*Nearly dependent columns* (:func:`finish_on_engine`; for an external LP code,
:func:`certify_or_finish`).

Interior points and IRLS factorise the Gram matrix ``A'DA``, whose condition number is the square
of the design's, so they drop a column that is *nearly* a combination of the others (``x_2 = x_1
+ 1e-7 z``: a relative part of 1e-7 outside the others' span, 1e-14 in the Gram matrix). Dropping
an exactly dependent column leaves the optimum unchanged, but a nearly dependent one spans a
direction the optimum may use (with coefficients near 1e6 in that example), and the reduced
optimum is then not optimal. The simplex method works with the basis itself, not its Gram
matrix; from the reduced vertex (the dropped columns at zero, priced as inactive columns) the
parametric simplex of :class:`~sklearn_lad._homotopy.Homotopy` at the problem's own ``alpha``
brings them in where that lowers the objective (Barrodale & Roberts' 1973 long steps).
External LP codes (HiGHS, Clarabel) stop at that reduced optimum too, within their own absolute
tolerances (1.3% above the optimum in the scaling tests' example, the column's dual equality
violated well within their 1e-7), and do not say which columns they neglected: their answer goes
through the shared certificate first, and only when it fails do the engine's steps start from
its (polished) vertex.

*Quantile levels within 1e-6 of 0 or 1* (:func:`solve_at_safe_tau`; a level near 1 is the level
``1 - tau`` of ``-y``, since ``rho_tau(r) = rho_{1 - tau}(-r)``). At ``tau = 1e-300`` the dual
values of a vertex are ``tau w_i`` and ``(tau - 1) w_i``, so every pricing decision of a simplex
or interior point compares numbers of size 1e-300 against tolerances relative to ``w``; the
interior point's box ``0 <= s_i <= tau w_i`` even overflows its ``1 / s_i``. Yet the problem is
well posed: the optimal vertex is a piecewise constant function of ``tau`` with finitely many
breakpoints (Koenker & d'Orey 1987; Gass & Saaty 1955), and with an intercept no breakpoint lies
below ``min_i w_i / sum_i w_i`` (there, no residual can be negative). So the backend solves at the
safe level ``1e-6``, and the engine's parametric simplex in ``tau``
(:meth:`~sklearn_lad._simplex.ParametricSimplex.walk`, the quantile process's walk) carries the
vertex from there to the requested level through whatever breakpoints lie between.

References
----------
Barrodale, I. and Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. SIAM Journal on Numerical Analysis 10(5), 839-848.
Gass, S. and Saaty, T. (1955). The computational algorithm for the parametric objective
function. Naval Research Logistics Quarterly 2(1-2), 39-45.
Koenker, R. and d'Orey, V. (1987). Algorithm AS 229: Computing regression quantiles. Journal of
the Royal Statistical Society, Series C (Applied Statistics) 36(3), 383-393.
Koenker, R. (2005). Quantile Regression, ch. 6. Cambridge University Press.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .._canonical import abs_design, independent_rows
from .._certificate import certified_result, certify
from .._design import RowDesign
from .._homotopy import Homotopy
from .._problem import QuantileProblem, SolverResult, Status, pseudo_row_duals
from .._simplex import AffineCosts, ObservationRows, ParametricSimplex, basic_dual

__all__ = [
    "DEPENDENT_RTOL", "SAFE_TAU", "Finished", "certify_or_finish", "dropped_columns_balanced",
    "finish_on_engine", "solve_at_safe_tau",
]

#: Backends solve at levels in ``[SAFE_TAU, 1 - SAFE_TAU]``; the engine's walk in ``tau`` does the
#: rest. Far above the simplex's dual tolerances (1e-11 of a weight) and the interior point's
#: reach, and below ``1 / n`` for any sample a backend solves in memory, so the walk usually
#: crosses no breakpoint at all.
SAFE_TAU = 1e-6
#: A dropped column is taken as exactly dependent when the reduced dual balances it to this
#: (relative to the terms summed). Far tighter than the certificate's 1e-9: a column 1e-8 off
#: the others' span passes the certificate at the reduced optimum, whose objective can still
#: be 0.1% above the optimum that uses it, and only rounding (1e-16) should skip the finish.
DEPENDENT_RTOL = 1e-12


@dataclass
class Finished:
    """A vertex reached by :func:`finish_on_engine`: ``beta`` (augmented, intercept first),
    the observations it interpolates and the simplex steps taken."""

    beta: np.ndarray
    basis: np.ndarray
    n_iter: int
    dual: np.ndarray | None = None


def dropped_columns_balanced(design: RowDesign, keep: np.ndarray, dual) -> bool:
    """Whether the reduced fit's dual balances the dropped columns to rounding (``A_j' d = 0``
    within :data:`DEPENDENT_RTOL` of ``|A_j|' |d|``): then they were exactly dependent and
    :func:`finish_on_engine` has nothing to do. ``True`` when no column was dropped."""
    dropped = np.flatnonzero(~keep)
    if dropped.size == 0:
        return True
    if dual is None or np.shape(dual) != (design.n_rows,):
        return False
    n, off = design.n_samples, design.offset
    magnitude = np.abs(dual)
    terms = np.abs(design.rows(np.arange(n, design.n_rows))).T @ magnitude[n:]
    # |X|, shared with the certificate that runs next (abs_design caches it per X).
    terms[off:] += np.asarray(abs_design(design).T @ magnitude[:n]).ravel()
    if off:
        terms[0] += magnitude[:n].sum()
    imbalance = np.abs(design.rmatvec(dual, columns=dropped))
    return bool(np.all(imbalance <= DEPENDENT_RTOL * terms[dropped]))


def finish_on_engine(problem: QuantileProblem, beta: np.ndarray, dual=None) -> Finished | None:
    """Simplex steps of the shared engine from the vertex ``beta`` of a column-reduced fit.

    Parameters
    ----------
    problem : QuantileProblem
        The (equilibrated) problem, with every column.
    beta : ndarray of shape (n_columns,)
        The reduced fit's vertex on every column (the dropped ones at zero), intercept first.
    dual : ndarray, optional
        The reduced fit's dual (observations first): puts interpolated rows left out of the
        basis on the side their dual value leans to.

    Returns
    -------
    Finished or None
        The vertex the steps reach (optimal for the engine's tests; the shared certificate
        judges it like any answer), or ``None`` when the engine gives up: an exactly dependent
        column has no edge to move along, and the reduced vertex then stands.
    """
    homotopy = Homotopy(problem, max_steps=5 * (problem.n_samples + beta.size) + 50)
    vertex = _start_vertex(homotopy, problem, beta, dual)
    if vertex is not None:
        vertex = homotopy.advance(vertex, problem.alpha, patience=3 * homotopy.q + 30)
    if vertex is None:
        return None
    exact = homotopy.result(vertex, homotopy.steps)
    return Finished(problem.join(exact.coef, exact.intercept), exact.basis, homotopy.steps)


def certify_or_finish(problem: QuantileProblem, result: SolverResult) -> SolverResult:
    """An external LP code's answer, certified, or else finished on the shared engine.

    The shared certificate (:func:`~sklearn_lad._certificate.certify`) runs here rather than
    in ``finalize``: a certified answer is handed over (``certified_result``), and ``finalize``
    only verifies it. An answer the certificate rejects (a reduced optimum that neglects a
    nearly dependent column, see the module docstring) is taken as the start of
    :func:`finish_on_engine`: its polished vertex, its dual (used for nothing else) deciding
    the side of interpolated rows left out of the basis. The vertex reached goes to
    ``finalize``'s certificate like any answer.

    Parameters
    ----------
    problem : QuantileProblem
        The (equilibrated) problem the backend solved.
    result : SolverResult
        The backend's answer (``dual`` on the augmented rows when it has one).

    Returns
    -------
    SolverResult
        ``result`` certified, moved to the engine's vertex, or unchanged (a failed or early
        stopped run, or a finish that gave up), for ``finalize`` to certify or reject.
    """
    beta = problem.join(result.coef, result.intercept)
    if not result.status.converged or not np.all(np.isfinite(beta)):
        # A run stopped at its cap keeps its point: the finish is for a code that converged.
        return result
    aug = problem.augmented()
    # Not the backend's dual as the certificate's hint: a simplex dual sits on its bounds at a
    # degenerate vertex, and the certificate would keep it (corrected onto the equalities)
    # instead of finding its most interior dual, from which the canonical step reads the
    # optimal face; on tied data the canonical point then stayed at HiGHS's vertex.
    cert = certify(aug, beta, basis=result.basis)
    if cert.certified:
        return replace(certified_result(problem, aug, cert, n_iter=result.n_iter,
                                        diagnostics=result.diagnostics),
                       message=result.message)
    finished = finish_on_engine(problem, cert.beta, result.dual)
    if finished is None:
        return replace(result, dual=None)
    coef, intercept = problem.split(finished.beta)
    return replace(
        result, coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
        n_iter=result.n_iter + finished.n_iter, status=Status.OPTIMAL, gap=float("nan"),
        message=f"{result.message}; not certified, finished on the simplex engine",
        certified=False, basis=finished.basis, dual=finished.dual,
    )


def _start_vertex(homotopy: Homotopy, problem: QuantileProblem, beta: np.ndarray, dual):
    """The engine's vertex at ``beta``; when ``beta`` interpolates fewer rows than it has
    active columns (a dropped column that is never penalised must be active), the vertex
    through those rows and the nearest rows independent of them."""
    coef, intercept = problem.split(beta)
    observed = None if dual is None else np.asarray(dual)[: problem.n_samples]
    vertex = homotopy.vertex_from_point(coef, intercept, observed)
    if vertex is not None:
        return vertex
    engine, rows = homotopy.engine, homotopy.rows
    active = np.flatnonzero(engine.free | (beta != 0))
    residual = problem.y - rows.matvec(beta)
    near = min(residual.size, 4 * active.size + 20)
    order = np.argpartition(np.abs(residual), near - 1)[:near] if near else np.arange(0)
    order = order[np.argsort(np.abs(residual[order]), kind="stable")]
    Z = independent_rows(rows.rows(order)[:, active], order, active.size)
    if Z.size != active.size:
        return None
    side = np.where(residual >= 0, 1.0, -1.0)
    side[Z] = 0.0
    return engine.vertex(Z, active, side, np.sign(beta))


def solve_at_safe_tau(problem: QuantileProblem,
                      solve: Callable[[QuantileProblem], SolverResult]) -> SolverResult:
    """``solve(problem)``, or for a level within :data:`SAFE_TAU` of 0 or 1, ``solve`` at the
    nearer safe level carried to ``problem.tau`` by the engine's walk in ``tau``.

    Parameters
    ----------
    problem : QuantileProblem
        The (equilibrated) problem.
    solve : callable
        The backend's own solve of a problem.

    Returns
    -------
    SolverResult
        The backend's result, moved to the vertex optimal at ``problem.tau`` when the walk
        succeeds (else left at the safe level, for the certificate to reject with a warning).
    """
    tau = problem.tau
    if SAFE_TAU <= tau <= 1.0 - SAFE_TAU:
        return solve(problem)
    if tau > 0.5:
        # Near 1 the costs' tau - 1 keeps only the digits of tau, so the walk's dual values
        # (of the size of 1 - tau) would be rounding. rho_tau(r) = rho_{1 - tau}(-r): the fit
        # of -y at 1 - tau (exact, Sterbenz) is the negated fit, walked near 0 where it is exact.
        flipped = solve_at_safe_tau(replace(problem, y=-problem.y, tau=1.0 - tau), solve)
        coef, intercept = -flipped.coef + 0.0, -flipped.intercept + 0.0
        return replace(flipped, coef=coef, intercept=intercept,
                       dual=None if flipped.dual is None else -flipped.dual,
                       objective=problem.objective(coef, intercept))
    level = SAFE_TAU
    result = solve(replace(problem, tau=level))
    beta = problem.join(result.coef, result.intercept)
    if result.status.failed or not np.all(np.isfinite(beta)):
        return result
    walked = _walk_to(problem, _pinned(problem, beta, result.basis), level, result.dual)
    if walked is not None:
        coef, intercept = problem.split(walked.beta)
        result = replace(result, coef=coef, intercept=intercept, basis=walked.basis,
                         dual=walked.dual, n_iter=result.n_iter + walked.n_iter, gap=0.0)
    return replace(result, objective=problem.objective(result.coef, result.intercept))


def _pinned(problem: QuantileProblem, beta: np.ndarray, basis) -> np.ndarray:
    """``beta`` with exact zeros where the backend's basis interpolates a penalty pseudo-row
    (``b_j = 0`` there; an interior point leaves it at rounding level, 1e-17, which would make
    the engine count the column as active)."""
    n = problem.n_samples
    basis = np.asarray([] if basis is None else basis, dtype=np.intp)
    pseudo = basis[(basis >= n) & (basis < n + 2 * np.count_nonzero(problem.penalty > 0))]
    if pseudo.size == 0:
        return beta
    penalized = np.flatnonzero(problem.penalty > 0)
    beta = beta.copy()
    beta[int(problem.fit_intercept) + penalized[(pseudo - n) % penalized.size]] = 0.0
    return beta


def _walk_to(problem: QuantileProblem, beta: np.ndarray, level: float, dual) -> Finished | None:
    """The vertex optimal at ``problem.tau``, walked from the vertex ``beta`` optimal at
    ``level``; ``None`` if ``beta`` is not a vertex or the walk fails."""
    rows = ObservationRows(RowDesign(
        problem.X, problem.y, tau=level, weights=problem.weights,
        fit_intercept=problem.fit_intercept, order="F",
    ))
    # The costs in the objective's own units (sum_i w_i rho + sum(w) alpha pi_j |b_j|), so
    # that the backend's dual and the engine's agree in scale.
    penalty = np.concatenate([np.zeros(rows.off), problem.penalty * problem.weight_sum])
    engine = ParametricSimplex(rows, problem.y,
                               AffineCosts.tau_process(problem.weights, penalty))
    observed = None if dual is None else np.asarray(dual)[: problem.n_samples]
    start = engine.vertex_from_point(beta, level, observed)
    if start is None:
        return None
    try:
        pieces = engine.walk(start, level, problem.tau)
    except RuntimeError:
        return None
    end = pieces[-1].vertex
    return Finished(end.beta, np.sort(end.Z), len(pieces) - 1,
                    _augmented_dual(problem, engine, end))


def _augmented_dual(problem: QuantileProblem, engine: ParametricSimplex, vertex) -> np.ndarray:
    """The vertex's dual at ``problem.tau`` on the augmented design's rows (observations, then
    the pseudo-rows ``+e_j`` and ``-e_j`` of the penalised features): the certificate's hint.

    Its values are of the size of ``tau w`` (1e-300); the certificate's own LP, whose
    tolerances are absolute, cannot find such a dual without one.
    """
    tau = problem.tau
    d0, d1 = engine.duals(vertex)
    dual = d0 + tau * d1
    pen = engine.costs.penalty
    cost = np.stack([pen[0] * vertex.csign, pen[1] * vertex.csign])
    basic = basic_dual(vertex.basis, vertex.g, cost)
    dual[vertex.Z] = basic[0] + tau * basic[1]
    # Each penalised column's pseudo-rows balance it: d+_j - d-_j = -(X'd)_j.
    penalized = np.flatnonzero(problem.penalty > 0)
    lam = problem.penalty[penalized] * problem.weight_sum
    balance = -engine.rows.rmatvec(dual)[engine.rows.off + penalized]
    return np.concatenate([dual, *pseudo_row_duals(balance, lam, tau)])
