"""A finish through the shared simplex engine for a vertex found on a column-reduced design.

Interior points and IRLS factorise the Gram matrix ``A'DA``, whose condition number is the square
of the design's, so they drop a column that is *nearly* a combination of the others (``x_2 = x_1
+ 1e-7 z``: a relative part of 1e-7 outside the others' span, 1e-14 in the Gram matrix). Dropping
an exactly dependent column leaves the optimum unchanged, but a nearly dependent one spans a
direction the optimum may use (with coefficients near 1e6 in that example), and the reduced
optimum is then not optimal. The simplex method works with the basis itself, not its Gram
matrix; from the reduced vertex (the dropped columns at zero, priced as inactive columns) the
parametric simplex of :class:`~sklearn_lad._homotopy.Homotopy` at the problem's own ``alpha``
brings them in where that lowers the objective (Barrodale & Roberts' 1973 long steps).

References
----------
Barrodale, I. and Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. SIAM Journal on Numerical Analysis 10(5), 839-848.
Koenker, R. (2005). Quantile Regression, ch. 6. Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._canonical import independent_rows
from .._homotopy import Homotopy
from .._problem import QuantileProblem

__all__ = ["Finished", "finish_on_engine"]


@dataclass
class Finished:
    """A vertex reached by :func:`finish_on_engine`: ``beta`` (augmented, intercept first),
    the observations it interpolates and the simplex steps taken."""

    beta: np.ndarray
    basis: np.ndarray
    n_iter: int


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
