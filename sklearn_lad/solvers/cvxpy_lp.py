"""``solver="cvxpy"``: the quantile-regression LP modelled in cvxpy.

The LP of Koenker & Bassett (1978) on the augmented design (``_problem.py``), handed to any
cvxpy solver (Clarabel by default, an interior-point method; Goulart & Chen 2024). Interior-point
answers are only accurate to the solver's tolerance, so the rows whose dual values lie strictly
inside their box (they must be interpolated) are passed on as the basis that the shared
certificate (``_certificate.py``) solves exactly.

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Diamond, S. and Boyd, S. (2016). CVXPY: A Python-embedded modeling language for convex
optimization. JMLR 17(83), 1-5.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._problem import QuantileProblem, SolverResult
from ._base import Solver, register_solver


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

    def solve(self, problem: QuantileProblem, warm_start=None) -> SolverResult:
        try:
            import cvxpy as cp
        except ImportError as exc:  # pragma: no cover - exercised only without the extra
            raise ImportError(
                f'solver="cvxpy" needs cvxpy. Install it with: {self.install_hint}'
            ) from exc
        aug = problem.augmented()
        m, q = aug.shape
        design = aug.sparse_design() if problem.is_sparse else aug.dense_design()
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
        try:
            lp.solve(solver=self.options["solver"], **kwargs)
        except cp.error.SolverError as exc:
            raise RuntimeError(f"cvxpy solver {self.options['solver']!r} failed: {exc}") from exc
        converged = lp.status == cp.OPTIMAL
        if beta.value is None:
            raise RuntimeError(f"cvxpy returned status {lp.status!r} and no solution.")
        if not converged:
            warnings.warn(
                f"cvxpy ended with status {lp.status!r}", ConvergenceWarning, stacklevel=3
            )
        basis = None
        if balance.dual_value is not None:
            # cvxpy's multiplier of "A beta + u - v == y" is -d / sum(w) for the LP dual d.
            dual = -np.asarray(balance.dual_value).ravel() * aug.weight_sum
            lower, upper = aug.dual_bounds()
            inside = (dual > lower + 1e-6 * aug.weights) & (dual < upper - 1e-6 * aug.weights)
            basis = np.flatnonzero(inside)
        coef, intercept = problem.split(np.asarray(beta.value))
        stats = lp.solver_stats
        return SolverResult(
            coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
            n_iter=int(stats.num_iters or 0) if stats is not None else 0, converged=converged,
            message=f"cvxpy/{self.options['solver']}: {lp.status}", basis=basis,
        )
