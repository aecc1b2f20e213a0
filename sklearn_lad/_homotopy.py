"""The alpha homotopy of the regularisation path: the parametric simplex with ``t = alpha``.

The L1-penalised quantile regression is a linear programme whose feasible set does not depend on
``alpha`` (only the costs of ``|b_j|`` do, linearly), so the optimal vertex is a piecewise
*constant* function of ``alpha`` with finitely many breakpoints (Gass & Saaty 1955; Li & Zhu 2008
follow the whole path vertex by vertex). :class:`Homotopy` is that programme on the engine
(:class:`sklearn_lad._simplex.ParametricSimplex` with
:meth:`~sklearn_lad._simplex.AffineCosts.alpha_path` costs): it carries one basis from grid
value to grid value, with simplex steps at each new ``alpha`` (Barrodale & Roberts' long step),
and says when a vertex is the unique optimum, so that the path needs no further work there.

References
----------
Gass, S. and Saaty, T. (1955). The computational algorithm for the parametric objective
function. Naval Research Logistics Quarterly 2(1-2), 39-45.
Li, Y. and Zhu, J. (2008). L1-norm quantile regression. Journal of Computational and Graphical
Statistics 17(1), 163-185.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

import numpy as np

from ._design import RowDesign
from ._problem import QuantileProblem, SolverResult
from ._simplex import AffineCosts, ObservationRows, ParametricSimplex, Vertex

__all__ = ["Homotopy"]


class Homotopy:
    """The path's parametric simplex in ``alpha`` on a validated problem.

    Parameters
    ----------
    problem : QuantileProblem
        The problem (its ``alpha`` is ignored).
    max_steps : int
        Simplex steps allowed over the whole path; beyond, :meth:`advance` gives up.

    Attributes
    ----------
    steps : int
        Simplex steps taken so far (what :meth:`advance` adds to, and nothing else).
    """

    def __init__(self, problem: QuantileProblem, max_steps: int) -> None:
        self.problem = problem
        # The observation rows of A = [1, X] (the penalty is priced by the engine, not as
        # pseudo-rows); column-major X for the products with column subsets.
        self.rows = ObservationRows(RowDesign(
            problem.X, problem.y, tau=problem.tau, weights=problem.weights,
            fit_intercept=problem.fit_intercept, order="F",
        ))
        self.q, self.n = self.rows.q, self.rows.n
        p = problem.n_features
        factor = np.ones(p) if problem.penalty_factor is None else problem.penalty_factor
        # Per unit of alpha, the weight of |b_j| in the unscaled objective sum_i w_i rho + ...
        lam = np.concatenate([np.zeros(self.rows.off), factor * problem.weight_sum])
        costs = AffineCosts.alpha_path(problem.weights, problem.tau, lam)
        self.engine = ParametricSimplex(self.rows, problem.y, costs)
        self.max_steps = max_steps
        self.steps = 0

    def vertex_from_point(self, coef, intercept, dual=None) -> Vertex | None:
        """The basis of an optimal vertex (a backend's answer); ``None`` if not a vertex."""
        beta = np.concatenate([[intercept], coef]) if self.rows.off else np.asarray(coef, float)
        return self.engine.vertex_from_point(beta, 0.0, dual)

    def optimal(self, vertex: Vertex, alpha: float) -> bool:
        """Whether the vertex is optimal at ``alpha``."""
        return self.engine.optimal(vertex, alpha)

    def unique_optimum(self, vertex: Vertex, alpha: float) -> bool:
        """Whether the vertex is the unique optimum at ``alpha`` (every constraint strict)."""
        return self.engine.unique_optimum(vertex, alpha)

    def advance(self, vertex: Vertex, alpha: float, patience: int) -> Vertex | None:
        """Simplex steps from ``vertex`` to a vertex optimal at ``alpha``; ``None``: give up.

        From the previous grid value's vertex this takes a few steps, where one pivot per
        breakpoint of the path would take many; ``patience`` zero-length steps are allowed (see
        :meth:`sklearn_lad._simplex.ParametricSimplex.advance`).
        """
        budget = min(self.max_steps - self.steps, 5 * (self.n + self.q) + 50)
        vertex, steps = self.engine.advance(vertex, alpha, patience, budget)
        self.steps += steps
        return vertex

    def result(self, vertex: Vertex, n_iter: int) -> SolverResult:
        """The vertex as a certified result (use only where it is the unique optimum)."""
        problem = self.problem
        beta = vertex.beta
        E = vertex.E
        if E.size:
            # A fresh solve, free of the drift of the updated inverse.
            beta = np.zeros(self.q)
            beta[E] = np.linalg.solve(vertex.rows_Z[:, E], problem.y[vertex.Z])
            beta[(beta != 0) & (vertex.beta == 0)] = 0.0
        coef, intercept = problem.split(beta)
        coef = coef + 0.0
        return SolverResult(
            coef=coef, intercept=float(intercept) + 0.0,
            objective=problem.objective(coef, intercept), n_iter=n_iter,
            gap=0.0, message="optimal (homotopy dual certificate)", certified=True,
            unique=True, basis=np.sort(vertex.Z),
        )
