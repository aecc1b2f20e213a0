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
  unique, the shared finisher (``_finalize.finalize``) moves the vertex to the canonical point of
  the optimal set, and where the homotopy cannot continue (a singular basis, too many steps)
  the backend named by ``solver`` solves the grid value, warm-started, and the homotopy resumes
  from its answer.

Where many features enter between neighbouring grid values (a dense true coefficient vector)
the homotopy needs hundreds of pivots per grid value and a warm-started backend solve is
cheaper; ``method="auto"`` (:class:`RouteCosts`) times both as the path goes and takes the
cheaper per grid value, the answer being the same certified point either way.

Layout: ``alpha_max`` (the start of the path) lives in ``_alpha_max.py``, the simplex steps in
``alpha`` (the engine's parametric simplex) in ``_homotopy.py``; this module holds the public
:func:`quantile_path`, the choice of route per grid value (:class:`RouteCosts`), the fall-back
to a backend (:func:`_solve_warm`) and the internal API the cross-validated estimators use
(:func:`path_alphas`, :func:`path_solutions`).

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

import time
from dataclasses import replace

import numpy as np

from ._alpha_max import alpha_max_at, alpha_max_of, null_fit
from ._duplicates import merge_duplicate_rows
from ._finalize import finalize
from ._homotopy import Homotopy
from ._problem import QuantileProblem, SolverResult
from ._tolerances import ALPHA_MAX_MARGIN
from ._validation import check_alpha_grid as _check_grid_params
from ._validation import validated_problem as _validated_problem
from ._working_set_path import use_working_set_path, working_set_path
from .solvers import resolve_solver, run_solver

__all__ = ["RouteCosts", "path_alphas", "path_solutions", "quantile_path"]


def _alpha_grid(amax: float, n_alphas: int, eps: float) -> np.ndarray:
    if amax <= np.finfo(float).resolution:
        # Nothing is left to fit once the penalised features are at zero (e.g. y constant), so
        # the whole path is one point; keep the grid's shape and make it strictly positive.
        return np.full(n_alphas, np.finfo(float).resolution)
    if n_alphas == 1:
        return np.array([amax])
    return np.geomspace(amax, amax * eps, num=n_alphas)


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
        return problem  # distinct targets: no two rows can be equal (and no sort is needed)
    return merge_duplicate_rows(problem)[0]


def _path(
    problem: QuantileProblem, alphas: np.ndarray | None, n_alphas: int, eps: float,
    solver: str, options, method: str, costs: RouteCosts | None = None,
):
    """Path on a validated problem: ``(alphas, results, solver_name)``.

    ``costs`` (``method="auto"`` only) carries the measured costs of the two routes from one
    path to the next (the folds of a cross-validation), so that each need not learn them anew.
    """
    solver_name = resolve_solver(solver, replace(problem, alpha=1.0)).name
    # Merging repeated rows changes neither the objective nor its canonical optimum.
    work = _merge_duplicates(problem) if method != "warm_start" else problem
    null = None
    if alphas is None:
        null = null_fit(work, solver, options)
        amax = alpha_max_at(work, null) * (1.0 + ALPHA_MAX_MARGIN)
        alphas = _alpha_grid(amax, n_alphas, eps)
    if method != "warm_start" and use_working_set_path(work, solver):
        # p >> n: every grid value on feature working sets (_working_set.py), for "auto" and
        # "homotopy" alike (the working-set walk is the homotopy restricted to the features
        # that can be active).
        results, solver_name = working_set_path(work, alphas, solver, options)
        return alphas, results, solver_name
    # The null fit is the answer from alpha_max up: the first warm start.
    if method == "warm_start":
        results, solver_name = _warm_start_path(work, alphas, null, solver, options,
                                                solver_name)
    else:
        if method == "auto" and costs is None:
            costs = RouteCosts()
        results, solver_name = _segmented_path(work, alphas, null, solver, options, solver_name,
                                               costs if method == "auto" else None)
    return alphas, results, solver_name


def _warm_start_path(work, alphas, previous, solver, options, solver_name):
    """``(results, solver_name)`` of ``method="warm_start"``."""
    results: list[SolverResult] = []
    # One backend solve per grid value, warm-started, except where the previous solution
    # provably is still the optimum: the vertex it sits on is checked (one small solve,
    # see Homotopy) before the backend or the finisher is called.
    check = Homotopy(work, max_steps=0)
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
    return results, solver_name


class RouteCosts:
    """The measured costs that choose each grid value's route (``method="auto"``).

    Between neighbouring grid values the homotopy's simplex pivots grow with the number of
    observations the fit stops or starts interpolating (the changes of the basis), which is
    small at the ends of a path and large where many features enter together; a warm-started
    backend solve costs about the same everywhere. Both are timed as the path goes: the
    homotopy takes the next grid value while ``pivots per change * changes * seconds per pivot``
    (the changes of the last grid step standing for the next one's) stays under the last solve's
    seconds, and the backend otherwise. The homotopy runs with a budget of one solve's worth of
    pivots and gives up beyond it, so a wrong prediction costs at most one solve
    (the ski-rental bound). Whatever the route, the answer is the same certified point.

    Parameters
    ----------
    clock : callable, default=time.perf_counter
        Seconds, for the measurements.
    """

    # Pivots per change of the basis before any is measured (benchmarks/bench_path.py: 1.5 to
    # 12 along a dense-truth path, about 4 typically), and the homotopy's budget before any
    # solve is timed, in pivots per basic column.
    FIRST_RATIO = 4.0
    FIRST_BUDGET_PER_COLUMN = 2
    # The smallest budget: a few pivots always pay for themselves.
    MIN_BUDGET = 10

    def __init__(self, clock=time.perf_counter) -> None:
        self.clock = clock
        self.pivot: float | None = None
        self.solve: float | None = None
        self.ratio = self.FIRST_RATIO
        self.routes: list[str] = []

    def prefer_homotopy(self, changes: int) -> bool:
        """Whether the homotopy is predicted cheaper for the next grid value."""
        if self.pivot is None or self.solve is None:
            return True
        return self.ratio * changes * self.pivot < self.solve

    def budget(self, q: int) -> int:
        """Pivots the homotopy may take at the next grid value before the backend takes over."""
        if self.pivot is None or self.solve is None:
            return self.FIRST_BUDGET_PER_COLUMN * q + 5 * self.MIN_BUDGET
        return max(int(self.solve / self.pivot), self.MIN_BUDGET)

    def record_pivots(self, seconds: float, pivots: int) -> None:
        """Pivots the homotopy took (also where it then gave up) and their seconds."""
        if pivots > 0:
            self.pivot = seconds / pivots if self.pivot is None else \
                0.5 * (self.pivot + seconds / pivots)

    def record_homotopy(self, seconds: float, pivots: int, changes: int) -> None:
        """A grid value the homotopy reached: its seconds, pivots and basis changes."""
        self.routes.append("homotopy")
        self.record_pivots(seconds, pivots)
        if changes > 0 and pivots > 0:
            self.ratio = 0.5 * (self.ratio + pivots / changes)

    def record_solve(self, seconds: float) -> None:
        """A grid value the backend solved: its seconds (the latest count most)."""
        self.routes.append("solve")
        self.solve = seconds if self.solve is None else 0.5 * (self.solve + seconds)


def _changes(before: SolverResult, after: SolverResult, n: int) -> int:
    """Observations interpolated at ``after`` and not at ``before`` (``n`` if unknown)."""
    if before.basis is None or after.basis is None:
        return n
    old, new = before.basis[before.basis < n], after.basis[after.basis < n]
    return int(np.setdiff1d(new, old).size)


def _homotopy_step(homotopy, vertex, alpha, failed, budget, work, solver, options):
    """The homotopy to ``alpha`` within ``budget`` pivots: ``(result or None, vertex, failed)``.

    ``None`` when it gave up (a singular basis, or the budget spent); ``failed`` tells the next
    step that the last one met a degenerate stretch.
    """
    start = homotopy.steps
    homotopy.max_steps = start + budget
    # Zero-length steps allowed before the backend takes over: fewer right after it had to (a
    # degenerate stretch of the path, e.g. an exact fit, where reusing the previous solution is
    # cheaper than searching among degenerate bases).
    patience = 3 * homotopy.q + 30 if not failed else homotopy.q // 2 + 5
    vertex = homotopy.advance(vertex, alpha, patience)
    steps = homotopy.steps - start
    if vertex is None:
        return None, None, steps <= budget
    if homotopy.unique_optimum(vertex, alpha):
        return homotopy.result(vertex, steps), vertex, False
    # Degenerate, at a breakpoint, or a non-unique optimum: the finisher certifies the vertex
    # and moves to the canonical point of the optimal set.
    result, _ = _solve_warm(replace(work, alpha=alpha), solver, options,
                            homotopy.result(vertex, steps))
    result.n_iter += steps
    return result, vertex, False


def _segmented_path(work, alphas, null, solver, options, solver_name, costs):
    """``(results, solver_name)``: the homotopy, and the backend where it does not pay.

    ``costs=None`` (``method="homotopy"``) calls the backend only where the homotopy cannot
    continue; otherwise :class:`RouteCosts` chooses per grid value.
    """
    results: list[SolverResult] = []
    if null is None:
        null = null_fit(work, solver, options)
    previous = null
    whole = 50 * (work.n_samples + work.n_features) + 100
    homotopy = Homotopy(work, max_steps=whole)
    vertex = homotopy.vertex_from_point(null.coef, null.intercept)
    failed, changes, clock = False, 0, time.perf_counter if costs is None else costs.clock
    for alpha in alphas:
        alpha = float(alpha)
        result, steps, seconds = None, 0, 0.0
        if vertex is not None and (costs is None or costs.prefer_homotopy(changes)):
            budget = whole - homotopy.steps if costs is None else costs.budget(homotopy.q)
            start, steps = clock(), homotopy.steps
            result, vertex, failed = _homotopy_step(homotopy, vertex, alpha, failed, budget,
                                                    work, solver, options)
            seconds, steps = clock() - start, homotopy.steps - steps
        if result is None:
            start = clock()
            # After the homotopy gave up (or was not tried) the previous solution is not
            # optimal here, except on a degenerate stretch (method="homotopy").
            result, solver_name = _solve_warm(replace(work, alpha=alpha), solver, options,
                                              previous, reuse=costs is None)
            if costs is not None:
                costs.record_pivots(seconds, steps)  # those of a homotopy that gave up
                costs.record_solve(clock() - start)
            changes = _changes(previous, result, work.n_samples)
            vertex = None  # rebuilt from this answer if the homotopy is to go on from here
        else:
            changes = _changes(previous, result, work.n_samples)
            if costs is not None:
                costs.record_homotopy(seconds, steps, changes)
        if vertex is None and (costs is None or costs.prefer_homotopy(changes)):
            vertex = homotopy.vertex_from_point(result.coef, result.intercept, result.dual)
        results.append(result)
        previous = result
    return results, solver_name


def quantile_path(
    X, y, *, tau: float = 0.5, alphas=None, n_alphas: int = 100, eps: float = 1e-3,
    solver: str = "auto", solver_options: dict | None = None, sample_weight=None,
    fit_intercept: bool = True, penalty_factor=None, method: str = "auto",
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
    method : {"auto", "homotopy", "warm_start"}, default="auto"
        ``"homotopy"`` follows the exact, piecewise-constant path from vertex to adjacent vertex
        (Li & Zhu 2008) and calls the backend only where the path is degenerate.
        ``"auto"`` chooses per grid value between the homotopy and a warm-started backend
        solve, by their costs measured along the way: the homotopy where few observations
        change sides between grid values (sparse fits, the ends of the path), the backend
        where many features enter at once. The answers are the same.
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
    if method not in ("auto", "homotopy", "warm_start"):
        raise ValueError(
            f"method must be 'auto', 'homotopy' or 'warm_start'; got {method!r}."
        )
    grid = _check_grid_params(alphas, n_alphas, eps)
    problem = _validated_problem(X, y, tau, sample_weight, fit_intercept, penalty_factor)
    grid, results, _ = _path(problem, grid, n_alphas, eps, solver, solver_options, method)
    coefs = np.column_stack([r.coef for r in results])
    intercepts = np.array([r.intercept for r in results])
    if return_n_iter:
        return grid, coefs, intercepts, np.array([r.n_iter for r in results])
    return grid, coefs, intercepts



# ------------------------------------------------------------------------------------------
# Internal API (the cross-validated estimators)
# ------------------------------------------------------------------------------------------


def path_alphas(problem: QuantileProblem, alphas, n_alphas: int, eps: float, solver: str,
                options) -> np.ndarray:
    """The grid of a validated problem: ``alphas`` sorted decreasing, or the automatic grid.

    The automatic grid is ``n_alphas`` values spaced geometrically from ``alpha_max`` down to
    ``eps * alpha_max``. Raises ``ValueError`` for invalid ``alphas``, ``n_alphas`` or ``eps``.
    """
    grid = _check_grid_params(alphas, n_alphas, eps)
    if grid is not None:
        return grid
    return _alpha_grid(alpha_max_of(problem, solver, options), n_alphas, eps)


def path_solutions(problem: QuantileProblem, alphas: np.ndarray, solver: str, options,
                   costs: RouteCosts | None = None) -> list[SolverResult]:
    """The exact solutions of a validated problem on a decreasing grid (``method="auto"``).

    ``costs`` shares the measured route costs between calls (the folds of a cross-validation).
    """
    return _path(problem, alphas, alphas.size, 1.0, solver, options, "auto", costs)[1]
