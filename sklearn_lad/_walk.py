"""Simplex walks on a working set of features, one engine vertex kept across rounds and grid values.

The working sets (``_working_set.py``) move a vertex to a new ``alpha`` by the engine's simplex
steps on the problem restricted to a set ``W`` of features
(:class:`~sklearn_lad._homotopy.Homotopy`), test the end vertex on the full problem
(:func:`~sklearn_lad._vertex_check.check_basis`) and, where features outside ``W`` are violated,
add them and walk on. Along the path (``_working_set_path.py``) the next grid value starts from
that vertex on the next ``W``.

A feature that joins or leaves ``W`` is an *inactive* column of the vertex (a zero coefficient
of the restricted problem): the basis ``(Z, E)`` and its factorisation, the residuals and the
observations' sides and dual values stay as they are. Only the columns' numbering, ``A[Z]`` and
``A'd`` on the new columns and the inactive columns' dual constraints change
(:func:`reindexed`). Rebuilding the vertex from its point instead costs a basis factorisation
(and a matrix product over the basis to find it), and the restricted design a copy of
``X[:, W]``: at n = 500, p = 20,000 that was about a seventh of the path's time, with 1-4
rounds per grid value.

Every answer is still certified on a fresh factorisation of its basis by
:func:`~sklearn_lad._vertex_check.check_basis`; what this module carries over only chooses
where the simplex steps start.

References
----------
Li, Y. and Zhu, J. (2008). L1-norm quantile regression. Journal of Computational and Graphical
Statistics 17(1), 163-185.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from ._design import single_threaded_blas
from ._homotopy import Homotopy
from ._problem import QuantileProblem, SolverResult
from ._simplex import ParametricSimplex, Vertex, renumbered
from ._tolerances import WORKING_SET_DUAL_RTOL
from ._vertex_check import VertexCheck, check_basis

__all__ = ["RestrictedWalk", "reindexed", "walk"]

#: Rounds (walk on ``W``, test on every feature) per grid value before the interior-point
#: rounds take over, and simplex steps allowed per restricted engine.
_WALK_ROUNDS = 4
_WALK_STEPS = 100_000
#: With violated features, the nearly tight ones (``|X_j'd| >= (1 - _JOIN_SLACK) lambda_j``)
#: join ``W`` too (n = 500, p = 20,000 path: 72 rounds for 48 grid values instead of 81,
#: 6,161 simplex steps instead of 6,202; 0.1 measured the same as 0.03).
_JOIN_SLACK = 0.03


def _gather(X, features: np.ndarray, old=None, kept=None):
    """``X[:, features]`` for the engine: dense column-major, or sparse in ``X``'s format.

    ``old`` (the previous ``X[:, W]``, dense) and ``kept`` (its columns that stay, first in
    ``features``) save gathering those from a row-major ``X`` again: 3.6 ms for 950 of
    20,000 columns, where the column-major copy is 0.3 ms.
    """
    if sp.issparse(X):
        out = X[:, features]
        return out.tocsc() if X.format == "csc" else out.tocsr()
    out = np.empty((X.shape[0], features.size), order="F")
    start = 0
    if old is not None:
        start = kept.size
        out[:, :start] = old[:, kept]
    out[:, start:] = X[:, features[start:]]
    return out


def _free(problem: QuantileProblem) -> np.ndarray:
    """The unpenalised features (whatever the problem's ``alpha``): always in ``W``."""
    if problem.penalty_factor is None:
        return np.zeros(problem.n_features, dtype=bool)
    return np.asarray(problem.penalty_factor) <= 0


class RestrictedWalk:
    """The engine on the problem restricted to ``W`` and its current vertex.

    Parameters
    ----------
    problem : QuantileProblem
        The full problem (its ``alpha`` is not used).
    features : ndarray of int
        ``W`` in the engine's column order (after the intercept); every unpenalised feature.
    columns : ndarray or sparse matrix, optional
        ``X[:, features]`` (:func:`_gather`'s layout); gathered when not given.

    Attributes
    ----------
    features : ndarray of int
        ``W``, in the engine's column order.
    in_set : ndarray of bool
        ``W`` as a mask over every feature.
    homotopy : Homotopy
        The engine on the restricted problem.
    vertex : Vertex or None
        The current vertex (``None`` until :meth:`start` or after the engine gave up).
    """

    def __init__(self, problem: QuantileProblem, features: np.ndarray, columns=None) -> None:
        self.problem = problem
        self.features = np.asarray(features, dtype=np.intp)
        self.columns = _gather(problem.X, self.features) if columns is None else columns
        self.in_set = np.zeros(problem.n_features, dtype=bool)
        self.in_set[self.features] = True
        factor = None if problem.penalty_factor is None else (
            problem.penalty_factor[self.features])
        sub = dataclasses.replace(problem, X=self.columns, penalty_factor=factor)
        self.homotopy = Homotopy(sub, max_steps=_WALK_STEPS)
        self.vertex: Vertex | None = None

    @classmethod
    def start(cls, problem: QuantileProblem, in_set: np.ndarray, coef: np.ndarray,
              intercept: float) -> RestrictedWalk | None:
        """The walk on ``W = in_set`` (and the unpenalised features) from the vertex
        ``(coef, intercept)`` (zero outside ``W``); ``None`` if that is no vertex."""
        walk = cls(problem, np.flatnonzero(in_set | _free(problem)))
        walk.vertex = walk.homotopy.vertex_from_point(
            np.asarray(coef, dtype=float)[walk.features], intercept)
        return None if walk.vertex is None else walk

    def active_features(self) -> np.ndarray:
        """The features of the vertex's active columns, in the basis' column order."""
        off = self.homotopy.rows.off
        cols = self.vertex.E
        return self.features[cols[cols >= off] - off]

    def moved_to(self, in_set: np.ndarray) -> RestrictedWalk:
        """The same vertex on ``W = in_set`` (the active features stay in any case).

        The features that stay keep their order and come first, the new ones follow: the
        vertex is re-indexed (:func:`reindexed`), not rebuilt.
        """
        in_set = in_set | _free(self.problem)
        in_set[self.active_features()] = True
        stay = in_set[self.features]
        added = np.flatnonzero(in_set & ~self.in_set)
        if stay.all() and added.size == 0:
            return self
        kept = np.flatnonzero(stay)
        features = np.concatenate([self.features[kept], added])
        columns = _gather(self.problem.X, features, self.columns, kept)
        moved = RestrictedWalk(self.problem, features, columns)
        off = self.homotopy.rows.off
        moved.vertex = reindexed(moved.homotopy.engine, self.vertex,
                                 np.concatenate([np.arange(off), off + kept]),
                                 columns[:, kept.size:])
        return moved

    def solve(self, problem: QuantileProblem) -> tuple[SolverResult | None, RestrictedWalk]:
        """Rounds at ``problem.alpha``: simplex steps on ``W``, the test on every feature.

        Returns ``(result, walk)``: the certified unique optimum (``None`` when the engine
        gives up or the test cannot decide) and the walk holding its vertex, on the last ``W``.
        """
        bound = problem.penalty * problem.weight_sum
        walk, steps = self, 0
        for _ in range(_WALK_ROUNDS):
            homotopy = walk.homotopy
            before = homotopy.steps
            # A budget per round, as for an engine built afresh (this one may have walked
            # earlier grid values).
            homotopy.max_steps = before + _WALK_STEPS
            vertex = homotopy.advance(walk.vertex, problem.alpha, 3 * homotopy.q + 30)
            steps += homotopy.steps - before
            if vertex is None:
                return None, walk
            walk.vertex = vertex
            check = walk.certify(problem)
            if check.result is not None:
                return dataclasses.replace(check.result, n_iter=steps), walk
            if check.xtd is None:
                return None, walk
            slack = bound - np.abs(check.xtd)
            outside = ~walk.in_set
            if not np.any(outside & (slack <= WORKING_SET_DUAL_RTOL * bound)):
                return None, walk
            walk = walk.moved_to(walk.in_set | (outside & (slack <= _JOIN_SLACK * bound)))
        return None, walk

    def certify(self, problem: QuantileProblem) -> VertexCheck:
        """:func:`~sklearn_lad._vertex_check.check_basis` on the vertex's basis.

        A basic coefficient the engine holds at zero (a degenerate vertex) is left undecided,
        as the test of its rounded point would.
        """
        vertex = self.vertex
        off = self.homotopy.rows.off
        cols = vertex.E[vertex.E >= off]
        penalised = cols[~_free(problem)[self.features[cols - off]]]
        if np.any(vertex.beta[penalised] == 0.0):
            return VertexCheck(None, None)
        positions = cols - off
        positions = positions[np.argsort(self.features[positions], kind="stable")]
        # The active columns from the restricted copy: gathering them from a row-major X
        # cost a fifth of the test (n = 500, p = 20,000).
        return check_basis(problem, self.features[positions], np.sort(vertex.Z),
                           self.columns[:, positions])


def reindexed(engine: ParametricSimplex, vertex: Vertex, kept: np.ndarray, added) -> Vertex:
    """``vertex`` on the columns of ``engine``: its old columns ``kept``, then ``added`` ones.

    The engine hook of the module docstring. ``kept`` (increasing positions among the old
    columns) must hold every active column; ``added`` (``n x k``, dense or sparse) are the new
    columns' values, all inactive. The basis and its factorisation, the residuals and the sides
    are shared; ``A[Z]``, ``beta``, the signs and ``A'd`` take the new columns' order (the new
    ones computed from ``added``), and the dual constraints are recomputed by the engine's own
    formula (:func:`~sklearn_lad._simplex.renumbered`).
    """
    q = engine.q
    position = np.full(vertex.beta.size, -1, dtype=np.intp)
    position[kept] = np.arange(kept.size)
    E = position[vertex.E]
    if np.any(E < 0):
        raise ValueError("Every active column must be kept.")
    basis = dataclasses.replace(vertex.basis, cols=E)  # the same factorisation, renumbered
    Z_rows = added[vertex.Z]
    rows_Z = np.hstack([vertex.rows_Z[:, kept],
                        Z_rows.toarray() if sp.issparse(Z_rows) else Z_rows])

    def extend(values, new=None):
        out = np.zeros(values.shape[:-1] + (q,))
        out[..., : kept.size] = values[..., kept]
        if new is not None:
            out[..., kept.size:] = new
        return out

    duals = [part for part in engine.duals(vertex) if part is not None]
    g = extend(vertex.g, np.stack([
        *(np.asarray(added.T @ part).ravel() for part in duals),
        *([np.zeros(q - kept.size)] * (2 - len(duals)))]))
    beta, csign = extend(vertex.beta), extend(vertex.csign)
    working = engine.rows.working_set(vertex.working.index)
    checked = None
    if vertex.checked is not None:
        # The rows' norms change with the columns: outside a full working set the radius
        # is recomputed at the next check of every row.
        checked = (extend(vertex.checked[0]), np.inf if working.all_rows else 0.0)
    weights = None
    if vertex.weights is not None:
        # The pricing's kept column lengths (Vertex.weights) follow their columns; the new
        # columns' are not known yet (NaN: computed when first priced).
        weights = np.full(q, np.nan)
        weights[: kept.size] = vertex.weights[kept]
    return renumbered(engine, vertex, basis=basis, rows_Z=rows_Z, beta=beta, csign=csign, g=g,
                      working=working, checked=checked, weights=weights)


def walk(problem: QuantileProblem, previous: SolverResult, in_set: np.ndarray):
    """The vertex ``previous`` moved to ``problem.alpha`` by simplex steps on ``W = in_set``.

    Violated features join ``W`` and the walk resumes from there
    (:meth:`RestrictedWalk.solve`). Returns ``(result, walk)``: ``result`` is ``None`` when
    the engine gives up or the test cannot decide, ``walk`` (or ``None``) holds the last
    vertex for the next grid value.
    """
    with single_threaded_blas():
        start = RestrictedWalk.start(problem, in_set, previous.coef, previous.intercept)
        if start is None:
            return None, None
        return start.solve(problem)
