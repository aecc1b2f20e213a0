"""The engine's pivot (``_simplex/_pivot.py``): edge weights, in-place updates, drift tests."""

import numpy as np
import pytest

from sklearn_lad._simplex import (
    AffineCosts,
    Basis,
    Event,
    ObservationRows,
    ParametricSimplex,
    _basis,
    _pivot,
)
from sklearn_lad._simplex._pivot import Pending, edge_direction, pivot


def _exact_weights(basis, rows_Z):
    T = basis.inverse @ rows_Z
    return np.einsum("ij,ij->j", T, T)


def _completed(pending, new, rows_Z):
    """What ParametricSimplex._finish does with a pending update (the fold's solve too)."""
    solved = None if pending.fold is None else new.solve_transpose(pending.fold[0])
    weights = pending.complete(pending.rows(solved) @ rows_Z)
    weights[new.cols] = 1.0
    return weights


@pytest.mark.parametrize("kind", ["column", "row", "add", "remove"])
def test_updated_edge_weights_are_the_exact_lengths(kind):
    """Goldfarb & Reid's update through each of the four pivots gives ||B^-1 A[Z] e_j||^2."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(12, 9))
    Z, E = np.arange(5), np.array([0, 2, 3, 5, 7])
    basis = Basis.factor(Z, E, A[np.ix_(Z, E)])
    rows_Z = A[Z].copy()
    weights = _exact_weights(basis, rows_Z)
    row_leaves, which, hit, row, solved = {
        "column": (False, 4, -1 - 3, None, None),     # column 4 replaces column 3
        "row": (True, 1, 8, A[8], None),               # row 8 replaces the row at position 1
        "add": (False, 6, 9, A[9], None),              # row 9 and column 6 enter
        "remove": (True, 2, -1 - 5, None, None),       # position 2's row and column 5 leave
    }[kind]
    if not row_leaves:
        solved = basis.solve(rows_Z[:, which])
    new, new_rows, pending = pivot(basis, rows_Z, weights, row_leaves, which, hit, row,
                                   owned=False, refresh=(20, 10), solved=solved)
    assert isinstance(pending, Pending)
    np.testing.assert_allclose(new.inverse @ new_rows[:, new.cols], np.eye(new.size),
                               atol=1e-12)
    np.testing.assert_allclose(_completed(pending, new, new_rows),
                               _exact_weights(new, new_rows), rtol=1e-10, atol=1e-12)


def test_owned_pivots_update_in_place_and_others_do_not(monkeypatch):
    monkeypatch.setattr(_basis, "IN_PLACE_FROM", 0)  # a small basis, to be in place anyway
    rng = np.random.default_rng(1)
    A = rng.normal(size=(10, 8))
    Z, E = np.arange(4), np.arange(4)
    for owned in (False, True):
        basis = Basis.factor(Z, E, A[np.ix_(Z, E)])
        rows_Z = A[Z].copy()
        inverse_before, rows_before = basis.inverse.copy(), rows_Z.copy()
        new, new_rows, _ = pivot(basis, rows_Z, None, True, 2, 7, A[7], owned, (20, 10))
        np.testing.assert_allclose(new.inverse @ new_rows[:, new.cols], np.eye(4), atol=1e-12)
        assert np.shares_memory(new.inverse, basis.inverse) is owned
        assert (new_rows is rows_Z) is owned
        if not owned:  # the caller's basis and rows are untouched
            np.testing.assert_array_equal(basis.inverse, inverse_before)
            np.testing.assert_array_equal(rows_Z, rows_before)


@pytest.mark.parametrize("order", ["C", "F"])
def test_overwritten_updates_match_copies(order, monkeypatch):
    monkeypatch.setattr(_basis, "IN_PLACE_FROM", 0)
    rng = np.random.default_rng(2)
    A = rng.normal(size=(9, 6))
    base = Basis.factor(np.arange(5), np.arange(5), A[:5, :5])
    kept = Basis(base.rows, base.cols, np.array(base.inverse, order=order))
    copied = kept.replace_column(1, 5, A[:5, 5])
    swapped = Basis(kept.rows, kept.cols, kept.inverse.copy(order=order)).replace_column(
        1, 5, A[:5, 5], overwrite=True)
    np.testing.assert_allclose(swapped.inverse, copied.inverse, rtol=1e-13, atol=1e-13)
    row = copied.replace_row(3, 7, A[7, copied.cols])
    row_in_place = swapped.replace_row(3, 7, A[7, swapped.cols], overwrite=True)
    np.testing.assert_allclose(row_in_place.inverse, row.inverse, rtol=1e-12, atol=1e-12)
    assert np.shares_memory(row_in_place.inverse, swapped.inverse)


def test_pivot_test_against_the_bound_decides_as_the_largest_entry(monkeypatch):
    """The bound on max |B^-1| only skips the pass over the inverse, never the answer."""
    monkeypatch.setattr(_basis, "IN_PLACE_FROM", 0)
    rng = np.random.default_rng(3)
    A = rng.normal(size=(8, 5))
    basis = Basis.factor(np.arange(5), np.arange(5), A[:5])
    updated = basis.replace_row(0, 6, A[6])
    largest = float(np.abs(updated.inverse).max())
    assert updated.largest >= largest * (1 - 1e-12)
    for pivot_value in (1.0, 1e-3, 1e-10 * largest * 0.5, 1e-10 * largest * 2, 0.0):
        tiny, _ = updated._tiny(pivot_value)
        unknown = Basis(updated.rows, updated.cols, updated.inverse, updated.updates)
        assert tiny == unknown._tiny(pivot_value)[0]
        assert tiny == (not abs(pivot_value) > 1e-10 * max(1.0, largest))


def test_drift_test_refactorises_a_drifted_basis(monkeypatch):
    rng = np.random.default_rng(4)
    size = 30
    A = rng.normal(size=(size, size))
    basis = Basis.factor(np.arange(size), np.arange(size), A)
    refresh = (2, 10)  # due after max(2, 30 // 10) = 3 updates; a "large" basis
    on_time = Basis(basis.rows, basis.cols, basis.inverse, 3)
    assert _pivot._fresh_enough(on_time, A, refresh)             # accurate: goes on
    assert _pivot._fresh_enough(Basis(basis.rows, basis.cols, basis.inverse, 4), A, refresh)
    drifted = Basis(basis.rows, basis.cols, basis.inverse * (1 + 1e-8), 3)
    assert not _pivot._fresh_enough(drifted, A, refresh)
    assert not _pivot._fresh_enough(Basis(basis.rows, basis.cols, basis.inverse,
                                          _pivot.PROBES * 3), A, refresh)
    # A basis whose schedule is the floor refresh[0] keeps the fixed schedule.
    assert not _pivot._fresh_enough(Basis(basis.rows, basis.cols, basis.inverse, 3), A,
                                    (3, 10))


def _wide_engine(n=91, p=150, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X[:, :5] @ np.arange(1.0, 6.0) + rng.standard_t(3, size=n)
    costs = AffineCosts.alpha_path(np.ones(n), 0.5, np.r_[0.0, np.full(p, float(n))])
    engine = ParametricSimplex(ObservationRows.of(X, y, True), y, costs)
    start = engine.vertex_from_point(np.r_[np.median(y), np.zeros(p)], 1.0)
    return engine, start


def test_advance_on_a_large_basis_keeps_the_callers_vertex_and_the_weights_exact(monkeypatch):
    engine, start = _wide_engine()
    in_place = []
    step = ParametricSimplex.step

    def recording(self, vertex, t, index, need, owned=False):
        if owned:
            in_place.append(vertex.basis.inverse)
        return step(self, vertex, t, index, need, owned)

    monkeypatch.setattr(ParametricSimplex, "step", recording)
    inverse, rows_Z = start.basis.inverse.copy(), start.rows_Z.copy()
    middle, steps = engine.advance(start, 0.02, 300, 10_000)
    assert steps > 0 and middle.Z.size >= _pivot.UPDATE_FROM and middle.weights is not None
    middle_inverse = middle.basis.inverse.copy()
    end, more = engine.advance(middle, 0.01, 300, 10_000)
    assert more > 0 and engine.optimal(end, 0.01)
    np.testing.assert_array_equal(middle.basis.inverse, middle_inverse)
    # No step was allowed to update in place an array a caller holds.
    assert in_place and not any(np.shares_memory(inverse, held) for inverse in in_place
                                for held in (start.basis.inverse, middle.basis.inverse))
    # Neither vertex handed in was changed by the steps that started from it.
    np.testing.assert_array_equal(start.basis.inverse, inverse)
    np.testing.assert_array_equal(start.rows_Z, rows_Z)
    B = middle.rows_Z[:, middle.E]
    np.testing.assert_allclose(middle.basis.inverse @ B, np.eye(middle.Z.size), atol=1e-9)
    known = end.inactive[~np.isnan(end.weights[end.inactive])]
    assert known.size
    np.testing.assert_allclose(end.weights[known], _exact_weights(end.basis, end.rows_Z)[known],
                               rtol=1e-8)


def test_direction_on_the_nonbasic_rows_is_the_whole_product():
    engine, start = _wide_engine()
    vertex, _ = engine.advance(start, 0.02, 300, 10_000)
    nonbasic = np.count_nonzero(vertex.side[vertex.working.index])
    assert nonbasic <= _pivot.NONBASIC_SHARE * vertex.working.index.size
    for index in (0, vertex.Z.size + 1, 2 * vertex.Z.size + 2):
        event, which, sign = _pivot.edge(index, vertex.Z.size, vertex.inactive)
        delta, _, _, moved, entering = engine._edge_direction(vertex, event, which, sign)
        leaving = which if event is Event.ROW_LEAVES else -1
        fast = edge_direction(vertex, delta, moved, leaving, sign)
        np.testing.assert_allclose(fast, vertex.working.matvec(delta, moved), atol=1e-9)
