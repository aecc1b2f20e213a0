"""``solver="highs"``: the quantile-regression LP solved by HiGHS (``scipy.optimize.linprog``).

The LP of Koenker & Bassett (1978): with ``u, v >= 0`` the positive and negative parts of the
residuals, ``min sum_i w_i (tau u_i + (1 - tau) v_i)  s.t.  A beta + u - v = y`` on the augmented
design (``_problem.py``), which carries the L1 penalty as pseudo-observations. HiGHS's simplex
returns a vertex, so this backend is exact and serves as the oracle the others are tested against.

HiGHS's tolerances are absolute (1e-7 on the dual's equalities): on a column nearly dependent on
the others it may stop at the optimum without that column, and at ``tau = 1e-300`` every cost is
below them. Its answer therefore goes through the shared certificate at once, and one it fails
is finished by the shared simplex engine; levels within 1e-6 of 0 or 1 are solved at the safe
level and walked to ``tau`` (``solvers/_finish.py``).

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
Mathematical Programming Computation 10, 119-142.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .._problem import QuantileProblem, SolverResult, Status
from ._base import NON_NEGATIVE_INT, Solver, StrOptions, null_result, register_solver
from ._finish import certify_or_finish, solve_at_safe_tau


@register_solver
class HighsSolver(Solver):
    """Exact LP solution with HiGHS (``scipy.optimize.linprog``); the correctness oracle.

    Options
    -------
    method : {"highs", "highs-ds", "highs-ipm"}, default="highs-ds"
        HiGHS algorithm. The dual simplex returns a vertex.
    max_iter : int or None, default=None
        Iteration limit passed to HiGHS.
    """

    name = "highs"
    supports_sparse = True
    supports_l1 = True
    exact = True
    default_options = {"method": "highs-ds", "max_iter": None}
    option_constraints = {
        "method": [StrOptions({"highs", "highs-ds", "highs-ipm"})],
        "max_iter": [NON_NEGATIVE_INT, None],
    }
    #: ``scipy.optimize.linprog``'s status codes mapped to the shared :class:`Status`.
    status_map = {
        0: Status.OPTIMAL,
        1: Status.ITERATION_LIMIT,
        2: Status.INFEASIBLE,
        3: Status.UNBOUNDED,
        4: Status.NUMERICAL_ERROR,
    }

    def solve(self, problem: QuantileProblem, warm_start=None) -> SolverResult:
        return solve_at_safe_tau(problem, lambda at: certify_or_finish(at, self._solve(at)))

    def _solve(self, problem: QuantileProblem) -> SolverResult:
        aug = problem.augmented()
        m, q = aug.shape
        design = aug.tocsr() if problem.is_sparse else aug.toarray()
        identity = sp.identity(m, format="csr")
        a_eq = sp.hstack([sp.csr_matrix(design), identity, -identity], format="csc")
        cost = np.concatenate(
            [np.zeros(q), aug.tau * aug.weights, (1.0 - aug.tau) * aug.weights]
        ) / aug.weight_sum
        bounds = np.array([(None, None)] * q + [(0.0, None)] * (2 * m), dtype=object)
        options = {}
        if self.options["max_iter"] is not None:
            options["maxiter"] = int(self.options["max_iter"])
        res = linprog(
            cost, A_eq=a_eq, b_eq=aug.y, bounds=bounds, method=self.options["method"],
            options=options,
        )
        status = self.status_map.get(res.status, Status.NUMERICAL_ERROR)
        n_iter = int(getattr(res, "nit", 0))
        if res.x is None:
            # Stopped without a primal point (the dual simplex at its iteration cap): every
            # beta is feasible for this LP, so report the starting point beta = 0.
            return null_result(problem, status, f"HiGHS: {res.message}", n_iter)
        beta = res.x[:q]
        u, v = res.x[q : q + m], res.x[q + m :]
        basis = np.flatnonzero((u <= 0.0) & (v <= 0.0))
        dual = None
        marginals = getattr(getattr(res, "eqlin", None), "marginals", None)
        if marginals is not None and np.shape(marginals) == (m,):
            # The equalities' marginals are the LP dual of the scaled costs (c / sum(w)).
            dual = np.asarray(marginals, dtype=float) * aug.weight_sum
        coef, intercept = problem.split(beta)
        return SolverResult(
            coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
            n_iter=n_iter, status=status, message=f"HiGHS: {res.message}", basis=basis,
            dual=dual,
        )
