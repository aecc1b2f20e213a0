"""``solver="cvxpy"``: the quantile-regression LP modelled in cvxpy.

The LP of Koenker & Bassett (1978) on the augmented design (``_problem.py``), handed to any
cvxpy solver (Clarabel by default, an interior-point method; Goulart & Chen 2024). Interior-point
answers are only accurate to the solver's tolerance, so the rows whose dual values lie strictly
inside their box (they must be interpolated) are passed on as the basis that the shared
certificate (``_certificate.py``) solves exactly. Clarabel's tolerances are absolute: on a column
nearly dependent on the others it stops near the optimum without that column, and at
``tau = 1e-300`` near any point. So its answer goes through the certificate at once, one that
fails is finished by the shared simplex engine, and levels within 1e-6 of 0 or 1 are solved at
the safe level and walked to ``tau`` (``solvers/_finish.py``).

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Diamond, S. and Boyd, S. (2016). CVXPY: A Python-embedded modeling language for convex
optimization. JMLR 17(83), 1-5.
"""

from __future__ import annotations

import numpy as np

from .._problem import QuantileProblem, SolverResult, Status
from .._tolerances import INTERIOR_DUAL_MARGIN
from ._base import Solver, null_result, register_solver
from ._finish import certify_or_finish, solve_at_safe_tau


@register_solver
class CvxpySolver(Solver):
    """The LP through cvxpy.

    Options
    -------
    solver : str, default="CLARABEL"
        Any cvxpy solver that handles LPs (``cvxpy.installed_solvers()``).
    solver_kwargs : dict or None, default=None
        Passed to ``cvxpy.Problem.solve``.
    """

    name = "cvxpy"
    supports_sparse = True
    supports_l1 = True
    exact = True
    requires = ("cvxpy",)
    install_hint = 'pip install "sklearn-lad[cvxpy]"'
    default_options = {"solver": "CLARABEL", "solver_kwargs": None}
    option_constraints = {"solver": [str], "solver_kwargs": [dict, None]}
    #: cvxpy's problem statuses mapped to the shared :class:`Status`. An inaccurate optimum
    #: counts as optimal here: the shared certificate decides whether it is.
    status_map = {
        "optimal": Status.OPTIMAL,
        "optimal_inaccurate": Status.OPTIMAL,
        "user_limit": Status.ITERATION_LIMIT,
        "infeasible": Status.INFEASIBLE,
        "infeasible_inaccurate": Status.INFEASIBLE,
        "unbounded": Status.UNBOUNDED,
        "unbounded_inaccurate": Status.UNBOUNDED,
        "solver_error": Status.NUMERICAL_ERROR,
    }

    def solve(self, problem: QuantileProblem, warm_start=None) -> SolverResult:
        return solve_at_safe_tau(problem, lambda at: certify_or_finish(at, self._solve(at)))

    def _solve(self, problem: QuantileProblem) -> SolverResult:
        try:
            import cvxpy as cp
        except ImportError as exc:  # pragma: no cover - exercised only without the extra
            raise ImportError(
                f'solver="cvxpy" needs cvxpy. Install it with: {self.install_hint}'
            ) from exc
        aug = problem.augmented()
        m, q = aug.shape
        design = aug.tocsr() if problem.is_sparse else aug.toarray()
        beta = cp.Variable(q)
        pos = cp.Variable(m, nonneg=True)
        neg = cp.Variable(m, nonneg=True)
        weights = aug.weights / aug.weight_sum
        balance = design @ beta + pos - neg == aug.y
        objective = cp.Minimize(
            (aug.tau * weights) @ pos + ((1.0 - aug.tau) * weights) @ neg
        )
        lp = cp.Problem(objective, [balance])
        kwargs = dict(self.options["solver_kwargs"] or {})
        name = self.options["solver"]
        try:
            lp.solve(solver=name, **kwargs)
        except cp.error.SolverError as exc:
            return null_result(problem, Status.NUMERICAL_ERROR, f"cvxpy/{name}: {exc}", 0)
        status = self.status_map.get(str(lp.status), Status.NUMERICAL_ERROR)
        message = f"cvxpy/{name}: {lp.status}"
        stats = lp.solver_stats
        n_iter = int(stats.num_iters or 0) if stats is not None else 0
        if beta.value is None:
            return null_result(problem, status, f"{message} (no solution returned)", n_iter)
        basis = dual = None
        if balance.dual_value is not None:
            # cvxpy's multiplier of "A beta + u - v == y" is -d / sum(w) for the LP dual d.
            dual = -np.asarray(balance.dual_value).ravel() * aug.weight_sum
            lower, upper = aug.dual_bounds()
            margin = INTERIOR_DUAL_MARGIN * aug.weights
            inside = (dual > lower + margin) & (dual < upper - margin)
            basis = np.flatnonzero(inside)
        coef, intercept = problem.split(np.asarray(beta.value))
        return SolverResult(
            coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
            n_iter=n_iter, status=status, message=message, basis=basis, dual=dual,
        )
