"""Feature working sets: exact L1-penalised quantile regression when features outnumber samples.

The quantile lasso is an LP whose dual, for the augmented design of ``_problem.py``, reads
``max y'd`` over ``d_i in [-(1 - tau) w_i, tau w_i]`` with ``1'd = 0`` (intercept),
``X_j'd = 0`` for unpenalised features and ``|X_j'd| <= lambda_j = alpha * pf_j * sum(w)`` for
penalised ones (the ``+-e_j`` pseudo-rows absorb ``X_j'd`` up to ``lambda_j``). A penalised
feature enters the dual through that one inequality only. So the problem restricted to a set
``W`` of features (all unpenalised ones included) is the full LP with the constraints of the
features outside ``W`` dropped, and its optimal dual ``d`` is optimal for the full problem as
soon as ``|X_j'd| <= lambda_j`` for every ``j`` outside ``W``: the restricted primal point,
padded with zeros, has the same objective as ``d``'s dual value. This is the constraint
generation (cutting-plane) view of working-set methods for L1 problems (e.g. Johnson &
Guestrin, "Blitz", ICML 2015; Massias, Gramfort & Salmon, "Celer", ICML 2018), applied to an
LP, where every restricted fit is solved exactly.

Canonical point. Complementary slackness holds between *any* primal and *any* dual optimum, so
a feature whose constraint has strict slack at one dual optimum ``d`` is zero in every primal
optimum. If every feature whose constraint is tight at ``d`` is in ``W``, the optimal faces of
the restricted and of the full problem coincide (up to the zero padding); the shared
certificate's canonical (minimum-norm) point of the restricted problem, padded with zeros, is
then the canonical point of the full problem, and its uniqueness verdict carries over. The
loop below therefore only stops when no feature outside ``W`` is tight or violated.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ._design import single_threaded_blas
from ._problem import QuantileProblem, SolverResult, pseudo_row_duals
from ._scaling import equilibrate
from ._tolerances import WORKING_SET_DUAL_RTOL
from ._vertex_check import check_vertex
from ._walk import walk
from ._wide_normal import woodbury_normal
from .solvers._base import resolve_solver, run_solver
from .solvers._interior_point import solve_exact

__all__ = ["solve_with_working_set", "use_working_set"]

#: Features first put in ``W`` besides the unpenalised ones (ranked at the null fit).
_INITIAL_SIZE = 100
#: Rounds before the certified rounds (or the full problem) take over; with pruning ``W`` does
#: not double per round, and 5-15 rounds were measured (n = 200-500, p = 2,000-20,000).
_MAX_ROUNDS = 40
#: Relative duality gap of the restricted interior-point fits: small enough that the rows the
#: optimum interpolates have residuals below ``ZERO_RESIDUAL_RTOL`` (measured: 1e-8 was not).
_IPM_TOL = 1e-11
#: Rounds in which ``W`` is pruned to the last vertex's features (and the nearly tight ones)
#: before growing; afterwards it only grows, so the rounds cannot cycle.
_PRUNED_ROUNDS = 20
#: Features a round adds: as many as the vertex has non-zeros, and at least ``_ADD_FRAC * n``
#: up to ``_MAX_ADD`` (an optimum has at most n non-zeros; each added feature costs the next
#: restricted fit about ``|W| (n + |W|)`` per Newton step, so the cap keeps W near n).
_ADD_FRAC = 0.5
_MAX_ADD = 500
#: Zero features of ``W`` with ``|X_j'd| >= (1 - _KEEP_SLACK) lambda_j`` survive the pruning:
#: 0.2-0.5 took half the rounds of 0-0.05 (n = 200, p = 2,000, alpha_max/5 and /10).
_KEEP_SLACK = 0.3
#: Minimum growth of ``W`` per round, as a fraction of its size.
_GROWTH = 0.1
#: Screening rounds (:func:`_screening_rounds`, cold interior-point fits only). Their restricted
#: fits stop at this relative duality gap: 7-8 Newton steps instead of 13-16, and the dual is
#: only used to rank features (measured with ``_SCREEN_*`` below on eight n = 200, p = 2,000
#: shapes: 1e-2 took 0.6x the Newton flops of exact rounds, 1e-3 0.7x, 1e-1 cycled).
_SCREEN_TOL = 1e-2
#: Features first put in ``W`` by the screening rounds (50-100 measured within 5%).
_SCREEN_INITIAL = 50
#: Features of ``W`` with ``|X_j'd| >= (1 - _SCREEN_KEEP) lambda_j`` survive a screening round
#: (0.1-0.3 measured within 5%); a feature pruned once is kept when it comes back, so the
#: rounds cannot cycle.
_SCREEN_KEEP = 0.15
#: The screening rounds stop when at most this fraction of ``|W|`` is violated outside ``W``;
#: the exact rounds take the rest (0: 10% more Newton flops).
_SCREEN_EXIT = 0.05
#: Features a screening round adds: as many as ``W`` has nearly tight ones, and at least
#: ``_SCREEN_ADD * n`` (0.5-1.5 measured within 5%).
_SCREEN_ADD = 0.5
#: After screening, an exact round's vertex that fails on at most this many features outside
#: ``W`` is moved by the engine's simplex steps on ``W`` plus those features (2-9 steps measured,
#: n = 200, p = 2,000: 7-27 ms, where a second exact interior-point round took 20-40 ms).
_WALK_MAX_VIOLATED = 20
#: The first exact round's ``W``: the features with ``|X_j'd| >= (1 - _SCREEN_MARGIN)
#: lambda_j`` at the last screening dual (0.05 and 0.1 measured within 3%; 0.02 missed more
#: features and took an extra exact round).
_SCREEN_MARGIN = 0.1
#: ``p / n`` from which the estimators use working sets (``benchmarks/bench_highdim.py``).
WORKING_SET_MIN_RATIO = 2.0


def use_working_set(problem: QuantileProblem, solver: str) -> bool:
    """Whether the estimators should solve ``problem`` with feature working sets.

    Only penalised problems with many more features than samples and an exact backend: there a
    restricted fit costs a fraction of the full one; for ``p <= n`` the full fit is left as is.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> problem = QuantileProblem(X=np.ones((4, 40)), y=np.arange(4.0), tau=0.5, alpha=0.1)
    >>> use_working_set(problem, "highs")
    True
    """
    if not problem.is_penalized:
        return False
    if problem.n_features < WORKING_SET_MIN_RATIO * problem.n_samples:
        return False
    # At every alpha: with the restricted fits uncertified and the end vertex tested on its own
    # basis, working sets were 1.3-5x faster than the full fit from alpha_max/2 down to
    # alpha_max/50 at n = 100, p = 200 and 400, and 2000x at n = 200, p = 2000 (docs/lasso.md).
    return resolve_solver(solver, problem).exact


def _restricted(problem: QuantileProblem, features: np.ndarray) -> QuantileProblem:
    X = problem.X[:, features]
    if problem.is_sparse:
        X = X.tocsc() if problem.X.format == "csc" else X.tocsr()
    factor = None if problem.penalty_factor is None else problem.penalty_factor[features]
    return dataclasses.replace(problem, X=X, penalty_factor=factor)


def _correlations(problem: QuantileProblem, dual_obs: np.ndarray) -> np.ndarray:
    """``X_j'd`` for every feature: the one pass over ``X`` per round."""
    return np.asarray(problem.X.T @ dual_obs).ravel()


def _null_dual(problem: QuantileProblem) -> np.ndarray:
    """A subgradient of the loss at the null fit, to rank features before the first fit."""
    w = problem.weights
    y = problem.y
    if problem.fit_intercept:
        order = np.argsort(y, kind="stable")
        cum = np.cumsum(w[order])
        q = y[order][min(np.searchsorted(cum, problem.tau * cum[-1]), y.size - 1)]
    else:
        q = 0.0
    return np.where(y > q, problem.tau * w, np.where(y < q, -(1.0 - problem.tau) * w, 0.0))


def _full_dual(problem, features, penalized_full, result, xtd, bound) -> np.ndarray:
    """The full augmented dual: observation rows, then ``+e_j`` and ``-e_j`` rows.

    Pseudo-rows of features in ``W`` come from the restricted certificate; for the others any
    ``d+ - d- = -X_j'd`` in the box is dual feasible
    (:func:`~sklearn_lad._problem.pseudo_row_duals`).
    """
    n, tau = problem.n_samples, problem.tau
    sub = _restricted(problem, features)
    penalized_sub = features[sub.penalty > 0]
    k_sub = penalized_sub.size
    plus, minus = pseudo_row_duals(-xtd[penalized_full], bound[penalized_full], tau)
    pos = np.searchsorted(penalized_full, penalized_sub)
    plus[pos] = result.dual[n : n + k_sub]
    minus[pos] = result.dual[n + k_sub : n + 2 * k_sub]
    return np.concatenate([result.dual[:n], plus, minus])


def _full_basis(problem, features, penalized_full, basis) -> np.ndarray | None:
    """Map a restricted basis (augmented row indices) to the full augmented rows."""
    if basis is None:
        return None
    n = problem.n_samples
    sub = _restricted(problem, features)
    penalized_sub = features[sub.penalty > 0]
    k_sub, k_full = penalized_sub.size, penalized_full.size
    basis = np.asarray(basis, dtype=np.intp)
    pair = np.searchsorted(penalized_full, penalized_sub)
    out = basis.copy()
    plus = (basis >= n) & (basis < n + k_sub)
    minus = basis >= n + k_sub
    out[plus] = n + pair[basis[plus] - n]
    out[minus] = n + k_full + pair[basis[minus] - n - k_sub]
    return out


def _interior_fit(problem, warm_start, tol, woodbury=False):
    """The shared Frisch-Newton iteration on ``problem`` to relative gap ``tol``, no vertex
    checks: ``(IPMResult, scaled problem, equilibration)``, or ``None`` if it failed or did not
    converge. ``woodbury``: Newton systems by :func:`woodbury_normal` where it pays (loose
    gaps only: it loses the accuracy of tight ones), with a plain refit if it fails."""
    scaled, scaling = equilibrate(problem)
    design = scaled.augmented()
    beta0 = None
    if warm_start is not None:
        beta0 = scaled.join(*scaling.to_scaled(*warm_start))
    normal = woodbury_normal(design) if woodbury else None
    try:
        with single_threaded_blas():
            out = solve_exact(design, scaled.tau, beta0, tol=tol, exact=False, normal=normal)
    except (np.linalg.LinAlgError, ValueError):
        if normal is not None:
            return _interior_fit(problem, warm_start, tol)
        return None
    if out.status != "converged" or not np.all(np.isfinite(out.beta)):
        return None
    return out, scaled, scaling


def _raw_fit(solver, problem, options, warm_start) -> SolverResult | None:
    """A restricted fit without the shared certificate; ``None`` if it did not converge.

    Only its point is used: the full problem's vertex test (:func:`check_vertex`) or the
    certified rounds judge it. For ``"auto"`` and ``"fn"`` this is the shared Frisch-Newton
    iteration run to its tolerance without its own vertex checks (measured 2-3x faster on
    restricted problems of 250-600 features, where those checks rarely succeed: the
    centre of the optimal face is rounded to a vertex by :func:`check_vertex` instead).
    """
    if solver in ("auto", "fn"):
        fit = _interior_fit(problem, warm_start, _IPM_TOL)
        if fit is None:
            return None
        out, scaled, scaling = fit
        coef, intercept = scaling.to_original(*scaled.split(out.beta))
        return SolverResult(coef=coef, intercept=intercept, objective=np.nan, n_iter=out.n_iter)
    scaled, scaling = equilibrate(problem)
    cls = resolve_solver(solver, problem)
    if cls.supports_warm_start and warm_start is not None:
        warm_start = scaling.to_scaled(*warm_start)
    else:
        warm_start = None
    with single_threaded_blas():
        result = cls(**(options or {})).solve(scaled, warm_start=warm_start)
    if result.status.failed or not result.status.converged or not np.all(
            np.isfinite(result.coef)):
        return None
    return scaling.undo(problem, scaled, result)


def _grow(in_set, slack, bound, size) -> None:
    """Add the violated or tight features outside ``W`` (in place).

    Every violated or tight one (most violated first, at most ``size`` of them so the rounds
    stay O(log p)), and at least ``_GROWTH * size`` in all, topped up with the nearly tight
    ones: each round costs a restricted fit, so adding the features likely to be violated next
    saves rounds.
    """
    candidates = np.flatnonzero(~in_set & (slack <= WORKING_SET_DUAL_RTOL * bound))
    outside = np.flatnonzero(~in_set)
    order = outside[np.argsort(slack[outside] / bound[outside], kind="stable")]
    n_add = max(min(candidates.size, size), int(np.ceil(_GROWTH * size)))
    in_set[order[:n_add]] = True
    in_set[candidates[slack[candidates] >= -WORKING_SET_DUAL_RTOL * bound[candidates]]] = True


def _initial_set(problem, warm_start, initial=None, size=_INITIAL_SIZE) -> np.ndarray:
    """``W`` of the first round: unpenalised features and the best ranked by the null fit.

    ``initial`` (a mask over the features, from the path's previous grid value) replaces the
    ranking; the warm start's non-zero features always join.
    """
    p = problem.n_features
    bound = problem.penalty * problem.weight_sum
    in_set = problem.penalty <= 0  # unpenalised features are always in W
    support = np.zeros(p, dtype=bool) if warm_start is None else np.asarray(warm_start[0]) != 0
    if initial is not None:
        return in_set | support | initial
    score = np.abs(_correlations(problem, _null_dual(problem)))
    size = max(size, int(np.ceil((1.0 + _GROWTH) * support.sum())))
    score = score + np.where(support, np.inf, 0.0)
    score[in_set] = -np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        ranked = np.argsort(-(score / np.where(bound > 0, bound, 1.0)), kind="stable")
    in_set[ranked[: min(size, p - int(in_set.sum()))]] = True
    return in_set


def solve_with_working_set(
    problem: QuantileProblem,
    solver: str,
    options: dict[str, Any] | None = None,
    warm_start: tuple[Any, float] | None = None,
    initial: np.ndarray | None = None,
) -> tuple[SolverResult, str]:
    """Solve a penalised problem exactly through a growing working set of features.

    Each round solves the problem restricted to ``W`` with the backend (no certificate yet),
    rounds its point to a vertex of the full problem and tests it on its own basis
    (:func:`~sklearn_lad._vertex_check.check_vertex`: one ``X'd`` product); a unique optimum
    ends the search, certified. Otherwise the violated and tight features outside ``W`` join
    it (at least as many as ``W`` holds, most violated first). Where the test cannot decide (a
    degenerate vertex, ties, a non-unique optimum), the rounds continue with
    :func:`run_solver`'s certified fits and the full dual check, which end at the full
    problem's certified canonical point.

    Parameters
    ----------
    problem : QuantileProblem
        A penalised problem (``alpha > 0``).
    solver : str
        ``"auto"`` or an exact backend, used for every restricted fit.
    options : dict or None, default=None
        The backend's ``solver_options``.
    warm_start : tuple of (ndarray, float) or None, default=None
        ``(coef, intercept)`` of a nearby solution: its non-zero features join ``W`` first.
    initial : ndarray of bool or None, default=None
        Features to start ``W`` with besides those (default: the best ranked by the null fit).

    Returns
    -------
    result : SolverResult
        Coefficients over all features; ``dual`` indexes the full augmented rows.
    resolved_name : str
        The backend that ran the restricted fits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 200))
    >>> y = X[:, 0] + 0.1 * rng.standard_normal(20)
    >>> problem = QuantileProblem(X=X, y=y, tau=0.5, alpha=0.05)
    >>> result, name = solve_with_working_set(problem, "highs")
    >>> result.certified, result.coef.shape, int(np.argmax(np.abs(result.coef)))
    (True, (200,), 0)
    """
    bound = problem.penalty * problem.weight_sum
    # A cold interior-point fit first screens W with cheap approximate rounds.
    screened = solver in ("auto", "fn") and warm_start is None and initial is None
    in_set = _initial_set(problem, warm_start, initial,
                          _SCREEN_INITIAL if screened else _INITIAL_SIZE)
    name = resolve_solver(solver, _restricted(problem, np.flatnonzero(in_set))).name
    start, n_iter = warm_start, 0
    if screened:
        # The last screening fit starts the exact one: 2-3 fewer Newton steps measured.
        in_set, n_iter, start = _screening_rounds(problem, in_set)
    # Features added per round besides the vertex's own count: a support has at most n.
    add = min(int(_ADD_FRAC * problem.n_samples), _MAX_ADD)
    for rounds in range(_MAX_ROUNDS):
        features = np.flatnonzero(in_set)
        sub_start = None if start is None else (np.asarray(start[0])[features], start[1])
        raw = _raw_fit(solver, _restricted(problem, features), options, sub_start)
        if raw is None:
            break
        n_iter += raw.n_iter
        coef = np.zeros(problem.n_features)
        coef[features] = raw.coef
        with single_threaded_blas():
            check = check_vertex(problem, coef, raw.intercept)
        if check.result is not None:
            return dataclasses.replace(check.result, n_iter=n_iter), name
        if check.xtd is None:
            break
        slack = bound - np.abs(check.xtd)
        if not np.any(~in_set & (slack <= WORKING_SET_DUAL_RTOL * bound)):
            break  # the vertex failed on W itself (tight or degenerate there)
        if screened:
            # W is about the support already: a few simplex steps, or the violators join W.
            walked = _walk_violators(problem, check, in_set, slack, bound)
            if walked is not None:
                return dataclasses.replace(walked, n_iter=n_iter + walked.n_iter), name
            _grow(in_set, slack, bound, features.size)
        else:
            if rounds < _PRUNED_ROUNDS:
                # Keep the rounded vertex's features only: the interior point leaves every
                # feature of W slightly non-zero, and a restricted fit costs about
                # |W|^2 (n + |W|).
                keep = in_set & (slack <= _KEEP_SLACK * bound)
                in_set = problem.penalty <= 0
                in_set[check.support] = True
                in_set |= keep
            _grow(in_set, slack, bound, max(check.support.size, add))
        start = (coef, raw.intercept)
    return _certified_rounds(problem, solver, options, in_set, start)


def _walk_violators(problem, check, in_set, slack, bound) -> SolverResult | None:
    """The failed vertex moved by simplex steps on ``W`` and its few violators
    (:func:`~sklearn_lad._walk.walk`);
    ``None`` when there are too many of them or the steps do not end at a certified vertex."""
    violated = ~in_set & (slack <= WORKING_SET_DUAL_RTOL * bound)
    if check.vertex is None or np.count_nonzero(violated) > _WALK_MAX_VIOLATED:
        return None
    start = SolverResult(coef=check.vertex[0], intercept=check.vertex[1], objective=np.nan)
    return walk(problem, start, in_set | violated)[0]


def _screening_rounds(problem: QuantileProblem, in_set: np.ndarray) -> tuple[np.ndarray, int]:
    """``W`` for the first exact round, from rounds of approximate restricted fits.

    Each round runs the interior point on ``W`` only to a relative gap of :data:`_SCREEN_TOL`
    and ranks every feature by ``|X_j'd| / lambda_j`` at its dual ``d`` (one ``X'd``
    product); ``W`` keeps its nearly tight features and takes the most violated ones outside.
    Nothing here is trusted: the exact rounds of :func:`solve_with_working_set` test the end
    vertex on the full problem, so a poor ranking costs a round, never a wrong answer.

    Returns ``(W, Newton steps taken, (coef, intercept) of the last fit or None)``.
    """
    bound = problem.penalty * problem.weight_sum
    free = bound <= 0
    unit = np.where(free, 1.0, bound)
    add = min(int(_SCREEN_ADD * problem.n_samples), _MAX_ADD)
    pruned = np.zeros(problem.n_features, dtype=bool)
    ratio, outside, n_iter, prev = None, None, 0, None
    for _ in range(_MAX_ROUNDS):
        features = np.flatnonzero(in_set)
        # Started from the previous round's point: about one Newton step fewer.
        warm = None if prev is None else (prev[0][features], prev[1])
        fit = _interior_fit(_restricted(problem, features), warm, _SCREEN_TOL, woodbury=True)
        if fit is None:
            return in_set, n_iter, prev
        n_iter += fit[0].n_iter
        coef, intercept = fit[2].to_original(*fit[1].split(fit[0].beta))
        prev = (np.zeros(problem.n_features), intercept)
        prev[0][features] = coef
        # The observations' dual, in the original weights' units.
        dual = fit[0].dual[: problem.n_samples] * fit[2].weight_scale
        ratio = np.where(free, np.inf, np.abs(_correlations(problem, dual)) / unit)
        outside = np.flatnonzero(~in_set & (ratio >= 1.0))
        if outside.size <= _SCREEN_EXIT * features.size:
            break
        tight = int(np.count_nonzero(in_set & (ratio >= 1.0 - _SCREEN_MARGIN)))
        keep = free | (in_set & ((ratio >= 1.0 - _SCREEN_KEEP) | pruned))
        pruned |= in_set & ~keep
        in_set = keep
        # As many as W's nearly tight features (the support so far), at least n / 2.
        n_add = min(outside.size, max(tight, add))
        in_set[outside[np.argsort(-ratio[outside], kind="stable")[:n_add]]] = True
    final = free | (ratio >= 1.0 - _SCREEN_MARGIN)
    if final.sum() > in_set.sum() + outside.size:
        final = in_set.copy()  # a poor dual: keep the last W and its violators instead
        final[outside] = True
    return final, n_iter, prev


def _certified_rounds(problem, solver, options, in_set, start) -> tuple[SolverResult, str]:
    """Rounds of certified restricted fits until no feature outside ``W`` is violated or tight.

    The restricted canonical point, padded with zeros, is the full problem's (module
    docstring); this handles every case the vertex test leaves open.
    """
    p = problem.n_features
    bound = problem.penalty * problem.weight_sum
    penalized_full = np.flatnonzero(problem.penalty > 0)
    for _ in range(_MAX_ROUNDS):
        features = np.flatnonzero(in_set)
        sub_start = None if start is None else (np.asarray(start[0])[features], start[1])
        result, name = run_solver(solver, _restricted(problem, features), options, sub_start)
        if not result.certified or result.dual is None:
            break
        xtd = _correlations(problem, result.dual[: problem.n_samples])
        coef = np.zeros(p)
        coef[features] = result.coef
        # Tight counts as violated: those features may be non-zero in some optimum, and the
        # canonical point is only the full one's when every such feature is in W.
        slack = bound - np.abs(xtd)
        if not np.any(~in_set & (slack <= WORKING_SET_DUAL_RTOL * bound)):
            return dataclasses.replace(
                result, coef=coef,
                dual=_full_dual(problem, features, penalized_full, result, xtd, bound),
                basis=_full_basis(problem, features, penalized_full, result.basis),
            ), name
        _grow(in_set, slack, bound, features.size)
        start = (coef, result.intercept)
    # The restricted fits did not certify (or too many rounds): the full problem decides.
    return run_solver(solver, problem, options, start)
