"""The walk's engine vertex carried across working sets: the same vertex as one built afresh."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_lad import _walk, _working_set_path, alpha_max
from sklearn_lad._problem import QuantileProblem
from sklearn_lad._walk import RestrictedWalk
from sklearn_lad._working_set_path import working_set_path
from sklearn_lad.solvers._base import run_solver

from .test_working_set import _data


def _walk_on(problem, in_set, alpha):
    """A walk on ``W = in_set`` at the restricted optimum of ``alpha``."""
    features = np.flatnonzero(in_set)
    sub = dataclasses.replace(problem, X=problem.X[:, features], alpha=alpha, penalty_factor=(
        None if problem.penalty_factor is None else problem.penalty_factor[features]))
    fit, _ = run_solver("highs", sub)
    coef = np.zeros(problem.n_features)
    coef[features] = fit.coef
    return RestrictedWalk.start(problem, in_set, coef, fit.intercept)


@pytest.mark.parametrize("fit_intercept, sparse, n", [
    (True, False, 40), (False, False, 40), (True, True, 40),
    (True, False, 2_500),  # more rows than the engine's working set of rows holds
])
def test_reindexed_vertex_is_the_vertex_built_afresh(fit_intercept, sparse, n):
    rng = np.random.default_rng(3)
    p = 60
    X = rng.standard_normal((n, p))
    y = X[:, :4].sum(axis=1) + rng.standard_t(3, n)
    if sparse:
        X[rng.random((n, p)) < 0.6] = 0.0
        X = sp.csc_array(X)
    factor = np.ones(p)
    factor[7] = 0.0  # an unpenalised feature: always in W
    problem = QuantileProblem(X=X, y=y, tau=0.4, fit_intercept=fit_intercept,
                              penalty_factor=factor)
    amax = alpha_max(X, y, 0.4, fit_intercept=fit_intercept, penalty_factor=factor)
    in_set = np.zeros(p, dtype=bool)
    in_set[:30] = True
    walk = _walk_on(problem, in_set, amax / 3)
    assert walk is not None
    # Simplex steps to a smaller alpha: a vertex with updated factors and A'd.
    walk.vertex = walk.homotopy.advance(walk.vertex, amax / 6, 200)
    active = walk.active_features()
    assert active.size > 3
    inactive = np.setdiff1d(np.arange(30), active)
    new_set = in_set.copy()
    new_set[inactive[::2]] = False  # some inactive columns leave, others join
    new_set[[31, 40, 55]] = True
    # Kept column lengths of the pricing (Vertex.weights, large bases): dummies to follow.
    lengths = np.arange(walk.vertex.beta.size, dtype=float)
    walk.vertex = dataclasses.replace(walk.vertex, weights=lengths)
    moved = walk.moved_to(new_set)
    off = walk.homotopy.rows.off
    stay = np.flatnonzero(np.isin(walk.features, moved.features))
    followed = lengths[np.concatenate([np.arange(off), off + stay])]
    followed[moved.vertex.E] = 1.0  # an active column's B^-1 A[Z] e_j is a unit vector
    np.testing.assert_array_equal(moved.vertex.weights[: followed.size], followed)
    assert np.isnan(moved.vertex.weights[followed.size:]).all()  # new columns: not known yet
    assert set(moved.features) == set(np.flatnonzero(new_set | (factor == 0)))
    old, got = walk.vertex, moved.vertex
    fresh = moved.homotopy.engine.vertex(got.Z, got.E, got.side, got.csign, got.rows_Z)
    np.testing.assert_array_equal(got.rows_Z, moved.homotopy.rows.rows(got.Z))
    np.testing.assert_array_equal(got.inactive, fresh.inactive)
    np.testing.assert_allclose(got.beta, fresh.beta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.g, fresh.g, rtol=1e-9, atol=1e-10)
    for mine, theirs in zip(got.constraints, fresh.constraints):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-10)
    # The same basis (and factors) as before the move, on the new column numbering.
    assert got.basis.inverse is old.basis.inverse
    np.testing.assert_array_equal(moved.active_features(), active)
    # Both are optimal at the same alphas, and walking on gives the same vertex.
    engine = moved.homotopy.engine
    assert engine.optimal(got, amax / 6) == engine.optimal(fresh, amax / 6)
    with pytest.raises(ValueError, match="active column"):
        _walk.reindexed(engine, old, np.arange(1), got.rows_Z[:, :0])


def test_path_carries_the_walk_across_grid_values(monkeypatch):
    X, y = _data(n=30, p=150, seed=12)
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    amax = alpha_max(X, y, 0.5)
    alphas = np.geomspace(amax, amax / 20, 15)
    moves, fresh = [], []
    moved_to, start = RestrictedWalk.moved_to, _walk.walk
    monkeypatch.setattr(RestrictedWalk, "moved_to",
                        lambda self, in_set: moves.append(1) or moved_to(self, in_set))
    monkeypatch.setattr(_working_set_path, "walk", lambda *a: fresh.append(1) or start(*a))
    results, _ = working_set_path(problem, alphas, "auto", None)
    assert len(moves) > len(fresh) > 0
    for alpha, result in zip(alphas, results):
        oracle, _ = run_solver("highs", QuantileProblem(X=X, y=y, tau=0.5, alpha=alpha))
        assert result.certified and result.unique == oracle.unique
        assert result.objective == pytest.approx(oracle.objective, rel=1e-9, abs=1e-12)
        np.testing.assert_allclose(result.coef, oracle.coef, atol=1e-7)
    # Every grid value walked from a vertex rebuilt from its point gives the same answers.
    monkeypatch.setattr(_working_set_path, "_walk",
                        lambda problem, previous, in_set, walker: start(problem, previous, in_set))
    again, _ = working_set_path(problem, alphas, "auto", None)
    for first, second in zip(results, again):
        np.testing.assert_allclose(first.coef, second.coef, rtol=0, atol=1e-12)
