"""The simplex engine: basis updates, the long-step line search, the parametric simplex."""

import numpy as np
import pytest

from sklearn_lad import QuantileLasso, QuantileRegressor
from sklearn_lad._objective import rho
from sklearn_lad._problem import QuantileProblem
from sklearn_lad._simplex import (
    AffineCosts,
    Basis,
    Event,
    ObservationRows,
    ParametricSimplex,
    basic_dual,
    dual_at_bounds,
    line_minimum,
    line_search,
    walk_light,
)
from sklearn_lad.solvers import run_solver

# -- line search ---------------------------------------------------------------------------


def brute_force_line_minimum(t, inc, need):
    """Walk every kink in sorted order: the first at which the running slope reaches 0."""
    order = np.lexsort((-inc, t))
    if need <= 0:
        return order[0]
    cum = np.cumsum(inc[order])
    return order[min(int(np.searchsorted(cum, need)), t.size - 1)]


@pytest.mark.parametrize("size", [1, 7, 300, 5000])
def test_line_minimum_is_the_weighted_quantile(size):
    rng = np.random.default_rng(size)
    for trial in range(20):
        t = rng.exponential(size=size)
        if trial % 3 == 0:
            t = np.round(t, 1)  # ties
        if trial % 4 == 0:
            t[: size // 3] = 0.0  # degenerate kinks at t = 0
        inc = rng.uniform(0.1, 2.0, size=size)
        need = rng.uniform(-0.1, 1.05) * inc.sum()
        k, crossed = line_minimum(t, inc, need)
        # The minimiser along the line is unique even when the order of tied kinks is not.
        assert t[k] == t[brute_force_line_minimum(t, inc, need)]
        assert k not in set(crossed.tolist())
        assert np.all(t[crossed] <= t[k])
        if need <= 0:
            assert crossed.size == 0
        elif need > inc.sum():  # rounding case: the slope never turns; go to the last kink
            assert crossed.size == size - 1
        else:
            passed = inc[crossed].sum()
            assert passed < need or np.isclose(passed, need)
            assert passed + inc[k] >= need * (1 - 1e-12)


def test_line_search_is_exact():
    rng = np.random.default_rng(11)
    for _ in range(50):
        m = int(rng.integers(3, 400))
        r, u = rng.standard_normal(m), rng.standard_normal(m) * 10.0 ** rng.uniform(-3, 3)
        u[: m // 10] = 0.0
        w, tau = rng.uniform(0.1, 2.0, m), float(rng.uniform(0.01, 0.99))

        def phi(t, r=r, u=u, w=w, tau=tau):
            res = r - t * u
            return np.sum(w * np.where(res >= 0, tau, tau - 1.0) * res)

        t, row = line_search(r, u, w, tau)
        moving = u != 0
        best = min(phi(k) for k in np.append(r[moving] / u[moving], 0.0))
        assert phi(t) <= best + 1e-12 * abs(best)
        if row >= 0:
            assert r[row] / u[row] == t


@pytest.mark.parametrize("hint", [1e-6, 0.05, 1.0, 30.0])
def test_line_minimum_with_a_hint_is_the_same_quantile(hint):
    # A hint only brackets the search: good or bad, the kink found is the same.
    rng = np.random.default_rng(3)
    for trial in range(20):
        t = rng.exponential(size=2000)
        if trial % 3 == 0:
            t = np.round(t, 1)
        inc = rng.uniform(0.1, 2.0, size=t.size)
        need = rng.uniform(-0.1, 1.05) * inc.sum()
        k, crossed = line_minimum(t, inc, need, hint=hint)
        assert t[k] == t[brute_force_line_minimum(t, inc, need)]
        assert k not in set(crossed.tolist()) and np.all(t[crossed] <= t[k])
        if 0 < need <= inc.sum():
            passed = inc[crossed].sum()
            assert passed < need or np.isclose(passed, need)
            assert passed + inc[k] >= need * (1 - 1e-12)


@pytest.mark.parametrize("hint", [1e-3, 0.3, 1.0, 50.0])
def test_line_search_with_a_hint_gives_the_same_step(hint):
    rng = np.random.default_rng(12)
    for _ in range(50):
        m = int(rng.integers(3, 3000))
        r, u = rng.standard_normal(m), rng.standard_normal(m) * 10.0 ** rng.uniform(-3, 3)
        u[: m // 10] = 0.0
        r[m // 10 : m // 5] = 0.0
        w, tau = rng.uniform(0.1, 2.0, m), float(rng.uniform(0.01, 0.99))
        plain, hinted = line_search(r, u, w, tau), line_search(r, u, w, tau, hint=hint)
        assert hinted[0] == plain[0]
        if hinted[1] >= 0:
            assert r[hinted[1]] / u[hinted[1]] == hinted[0]


def test_line_search_at_the_minimum_does_not_move():
    r = np.array([-1.0, 0.0, 1.0])
    assert line_search(r, np.ones(3), np.ones(3), 0.5) == (0.0, -1)


# -- basis ---------------------------------------------------------------------------------


def _check_inverse(basis, A):
    B = A[np.ix_(basis.rows, basis.cols)]
    np.testing.assert_allclose(basis.inverse @ B, np.eye(basis.size), atol=1e-10)


def test_basis_updates_agree_with_fresh_factorisations():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(12, 5))
    basis = Basis.factor(np.arange(4), np.arange(4), A[:4, :4])
    replaced = basis.replace_row(2, 7, A[7, basis.cols])
    _check_inverse(replaced, A)
    assert replaced.rows.tolist() == [0, 1, 7, 3] and replaced.updates == 1
    swapped = replaced.replace_column(1, 4, A[replaced.rows, 4])
    _check_inverse(swapped, A)
    grown = swapped.add(9, 1, A[9, swapped.cols], A[swapped.rows, 1], A[9, 1])
    _check_inverse(grown, A)
    assert grown.size == 5 and grown.updates == 3
    shrunk = grown.remove(0, 2)
    _check_inverse(shrunk, A)
    assert shrunk.rows.tolist() == [1, 7, 3, 9] and shrunk.cols.tolist() == [0, 4, 3, 1]
    np.testing.assert_allclose(shrunk.solve(A[shrunk.rows][:, shrunk.cols] @ np.arange(4.0)),
                               np.arange(4.0), atol=1e-10)
    # The original is untouched: updates return new objects.
    _check_inverse(basis, A)


def test_basis_refuses_singular_pivots():
    A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    basis = Basis.factor(np.array([0, 1]), np.array([0, 1]), A[:2])
    assert basis.replace_row(1, 2, A[2]) is None  # rows 0 and 2 are equal
    assert Basis.factor(np.array([0, 2]), np.array([0, 1]), A[[0, 2]]) is None
    assert not basis.stale


def test_basic_dual_makes_the_gradient_vanish():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(20, 3))
    tau, w = 0.3, rng.uniform(0.5, 2.0, 20)
    side = np.where(rng.normal(size=20) > 0, 1.0, -1.0)
    side[[2, 5, 11]] = 0.0
    basis = Basis.factor(np.array([2, 5, 11]), np.arange(3), A[[2, 5, 11]])
    d = dual_at_bounds(side, -(1 - tau) * w, tau * w)
    assert np.all(d[[2, 5, 11]] == 0.0)
    d[basis.rows] = basic_dual(basis, A.T @ d)
    np.testing.assert_allclose(A.T @ d, 0.0, atol=1e-12)
    # With a penalty's subgradient c on the active columns: A'd = c.
    cost = np.array([0.0, 0.4, -0.2])
    d[basis.rows] = 0.0
    d[basis.rows] = basic_dual(basis, A.T @ d, cost)
    np.testing.assert_allclose(A.T @ d, cost, atol=1e-12)


# -- parametric simplex: the tau process -----------------------------------------------------


def _optimum(X, y, tau, w):
    problem = QuantileProblem(X=X, y=y, tau=tau, sample_weight=w)
    return run_solver("highs", problem)[0].objective


@pytest.mark.parametrize("weighted", [False, True])
def test_tau_walk_pieces_are_optimal(weighted):
    """Walk tau from 0.2 to 0.8; each piece's vertex is optimal on its whole interval."""
    rng = np.random.default_rng(3)
    n = 40
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -2.0] + rng.standard_t(3, size=n)
    w = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    engine = ParametricSimplex(ObservationRows.of(X, y, True), y,
                               AffineCosts.tau_process(w, np.zeros(3)))
    fit = QuantileRegressor(tau=0.2, solver="br").fit(X, y, sample_weight=w)
    start = engine.vertex_from_point(np.r_[fit.intercept_, fit.coef_], 0.2)
    pieces = engine.walk(start, 0.2, 0.8)
    assert len(pieces) > 5
    assert pieces[0].start == 0.2 and pieces[-1].end == 0.8
    for before, after in zip(pieces, pieces[1:]):
        assert before.end == after.start and before.end > before.start
        assert not np.array_equal(np.sort(before.vertex.Z), np.sort(after.vertex.Z))
    W = w.sum()
    for piece in pieces:
        beta = piece.vertex.beta
        fitted = beta[0] + X @ beta[1:]
        for tau in (piece.start, 0.5 * (piece.start + piece.end), piece.end):
            # A fresh fit at tau, inside the piece and at both of its ends.
            objective = float(w @ rho(y - fitted, tau)) / W
            assert objective == pytest.approx(_optimum(X, y, tau, w), rel=1e-9, abs=1e-12)
        assert ParametricSimplex.optimal(piece.vertex, piece.start)
        assert ParametricSimplex.optimal(piece.vertex, piece.end)


def test_alpha_costs_and_events():
    costs = AffineCosts.alpha_path(np.ones(4), 0.25, [0.0, 2.0, 3.0])
    upper, lower, pen = costs.at(0.5)
    assert np.all(upper == 0.25) and np.all(lower == -0.75)
    np.testing.assert_array_equal(pen, [0.0, 1.0, 1.5])
    assert costs.free.tolist() == [True, False, False] and not costs.rows_vary
    assert {e.name for e in Event} == {"ROW_LEAVES", "COLUMN_ENTERS", "ROW_ENTERS",
                                       "COLUMN_LEAVES"}


@pytest.mark.parametrize("seed", [0, 1])
def test_tau_walk_reaches_both_ends_through_ties(seed):
    """Walk from the median to 0 and to 1 on integer data (ties: degenerate breakpoints).

    At tau = 0 and 1 every dual constraint reaches zero at once; the walk must end there
    rather than pivot at a rounding-error breakpoint, and get past breakpoints where several
    constraints reach zero together.
    """
    rng = np.random.default_rng(seed)
    n = 60
    X = rng.integers(0, 4, size=(n, 2)).astype(float)
    y = rng.integers(0, 6, size=n).astype(float) + X[:, 0]
    rows = np.unique(np.column_stack([X, y]), axis=0)  # the walk expects distinct rows
    X, y = rows[:, :2], rows[:, 2]
    n = y.size
    w = np.ones(n)
    engine = ParametricSimplex(ObservationRows.of(X, y, True), y,
                               AffineCosts.tau_process(w / n, np.zeros(3)))
    fit = QuantileRegressor(tau=0.5, solver="br").fit(X, y)
    start = engine.vertex_from_point(np.r_[fit.intercept_, fit.coef_], 0.5)
    for end in (0.0, 1.0):
        pieces = engine.walk(start, 0.5, end)
        assert pieces[0].start == 0.5 and pieces[-1].end == end
        for piece in pieces:
            beta = piece.vertex.beta
            fitted = beta[0] + X @ beta[1:]
            middle = 0.5 * (piece.start + piece.end)
            objective = float(w @ rho(y - fitted, middle)) / n
            assert objective == pytest.approx(_optimum(X, y, middle, w), rel=1e-9, abs=1e-12)


def _tau_engine(X, y, w, penalty=None):
    q = X.shape[1] + 1
    return ParametricSimplex(ObservationRows.of(X, y, True), y,
                             AffineCosts.tau_process(w / w.sum(),
                                                     np.zeros(q) if penalty is None else penalty))


def _piece_at(pieces, t):
    """The piece of a walk (either way) whose interval holds ``t``."""
    return next(p for p in pieces if min(p.start, p.end) <= t <= max(p.start, p.end))


@pytest.mark.parametrize(("n", "weighted", "scalar"),
                         [(60, False, True), (300, True, True), (300, True, False),
                          (2600, False, True)])
def test_light_walk_is_the_general_walk(n, weighted, scalar, monkeypatch):
    """walk_light's pivots on arrays give the general walk's solution and dual: the same
    solution, basic rows, basic dual values and sides inside every piece, both ways from the
    median (n=2600: a working set smaller than n, rows outside it checked by the radius;
    ``scalar=False``: the breakpoint test in numpy, as for a large basis). Breakpoints agree
    to rounding (1e-11); where several constraints reach zero within 1e-15 of each other, or where
    the general step passes a row outside the working set and steps back, one walk can make
    a piece of length 1e-12 or less that the other does not."""
    from sklearn_lad._simplex import _rowwalk

    if not scalar:
        monkeypatch.setattr(_rowwalk, "_SCALAR_Q", 0)
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -2.0] + (1 + 0.5 * np.abs(X[:, 0])) * rng.standard_t(3, size=n)
    w = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    engine = _tau_engine(X, y, w)
    fit = QuantileRegressor(tau=0.5, solver="br").fit(X, y, sample_weight=w)
    start = engine.vertex_from_point(np.r_[fit.intercept_, fit.coef_], 0.5)
    for end in (0.0, 1.0):
        general, light = engine.walk(start, 0.5, end), walk_light(engine, start, 0.5, end)
        assert light[0].start == 0.5 and light[-1].end == end
        assert len(general) > 5
        for piece in general:
            if abs(piece.end - piece.start) < 1e-9:
                continue
            vertex, lean = piece.vertex, _piece_at(light, 0.5 * (piece.start + piece.end))
            # Rounding drift of ~2,000 pivots between refactorisations (measured 1.01e-12 at
            # n=2600 once the general walk refactorises on its own schedule).
            assert max(abs(lean.start - piece.start), abs(lean.end - piece.end)) < 1e-11
            np.testing.assert_allclose(lean.beta, vertex.beta, rtol=1e-10, atol=1e-12)
            np.testing.assert_array_equal(lean.rows, vertex.Z)
            basic = basic_dual(vertex.basis, vertex.g)
            np.testing.assert_allclose(lean.basic, basic, rtol=1e-9, atol=1e-13)
            np.testing.assert_array_equal(np.unpackbits(lean.above, count=n).astype(bool),
                                          vertex.side > 0)


@pytest.mark.parametrize("seed", [0, 1])
def test_light_walk_through_ties_is_optimal(seed):
    """On integer data (degenerate breakpoints, handed to the general engine) every piece of
    walk_light is optimal on its interval, and the walk ends at 0 and 1."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(80, 2)).astype(float)
    y = rng.integers(0, 6, size=80).astype(float) + X[:, 0]
    rows = np.unique(np.column_stack([X, y]), axis=0)
    X, y = rows[:, :2], rows[:, 2]
    w = np.ones(y.size)
    engine = _tau_engine(X, y, w)
    fit = QuantileRegressor(tau=0.5, solver="br").fit(X, y)
    start = engine.vertex_from_point(np.r_[fit.intercept_, fit.coef_], 0.5)
    for end in (0.0, 1.0):
        pieces = walk_light(engine, start, 0.5, end)
        assert pieces[0].start == 0.5 and pieces[-1].end == end
        for piece in pieces:
            middle = 0.5 * (piece.start + piece.end)
            fitted = piece.beta[0] + X @ piece.beta[1:]
            objective = float(w @ rho(y - fitted, middle)) / y.size
            assert objective == pytest.approx(_optimum(X, y, middle, w), rel=1e-9, abs=1e-12)


def test_light_walk_with_a_penalty_is_the_general_walk_made_light():
    """With a penalised column the general walk runs; its pieces come back light."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, 0.0, -1.0] + rng.standard_t(3, size=50)
    engine = _tau_engine(X, y, np.ones(50), penalty=np.r_[0.0, 0.05, 0.05, 0.05])
    fit = QuantileLasso(tau=0.5, alpha=0.05, solver="highs").fit(X, y)
    start = engine.vertex_from_point(np.r_[fit.intercept_, fit.coef_], 0.5)
    assert start is not None
    general, light = engine.walk(start, 0.5, 0.8), walk_light(engine, start, 0.5, 0.8)
    assert [p.start for p in light] == [p.start for p in general]
    for piece, lean in zip(general, light):
        np.testing.assert_array_equal(lean.beta, piece.vertex.beta)
        np.testing.assert_array_equal(lean.rows, piece.vertex.Z)


# -- checking the rows outside the working set -----------------------------------------------


@pytest.mark.parametrize("sparse", [False, True])
def test_radius_keeps_every_outside_row_on_its_side(sparse):
    """Inside the radius no row outside the working set crosses; just past it one can."""
    import scipy.sparse as sp

    rng = np.random.default_rng(5)
    n, p = 3000, 4
    X = rng.normal(size=(n, p))
    y = X @ np.ones(p) + rng.standard_t(3, size=n)
    rows = ObservationRows.of(sp.csr_array(X) if sparse else X, y, True)
    A = np.c_[np.ones(n), X]
    assert np.allclose(rows.row_norms, np.linalg.norm(A, axis=1), rtol=1e-14)
    beta = rng.normal(size=p + 1)
    residual = y - A @ beta
    side = np.where(residual >= 0, 1.0, -1.0)
    working = rows.nearest(residual, np.zeros(0, dtype=np.intp))
    assert not working.all_rows
    radius = rows.radius(residual, side, working)
    outside = np.setdiff1d(np.arange(n), working.index)
    assert 0 < radius < np.inf
    for _ in range(200):
        step = rng.normal(size=p + 1)
        step *= 0.999 * radius / np.linalg.norm(step)
        assert np.all(side[outside] * (y - A @ (beta + step))[outside] >= 0)
    # The bound is tight: straight at the nearest outside row, a step just past it crosses.
    margin = side[outside] * residual[outside] / np.linalg.norm(A[outside], axis=1)
    i = outside[np.argmin(margin)]
    step = side[i] * A[i] / np.linalg.norm(A[i]) * radius * 1.001
    assert side[i] * (y[i] - A[i] @ (beta + step)) < 0
    every = rows.working_set(np.arange(n))
    assert rows.radius(residual, side, every) == np.inf


def test_process_is_the_same_without_the_radius_shortcut(monkeypatch):
    """The radius only skips checks that would pass: forcing every check changes nothing."""
    from sklearn_lad import quantile_process

    rng = np.random.default_rng(8)
    X = rng.normal(size=(2600, 3))
    y = X @ np.ones(3) + (1 + 0.5 * np.abs(X[:, 0])) * rng.standard_t(3, size=2600)
    fast = quantile_process(X, y)
    calls = []

    def no_radius(self, residual, side, working):
        calls.append(working.all_rows)
        return 0.0

    monkeypatch.setattr(ObservationRows, "radius", no_radius)
    slow = quantile_process(X, y)
    assert calls and not all(calls)  # the working set was a strict subset
    np.testing.assert_array_equal(fast.taus, slow.taus)
    np.testing.assert_array_equal(fast.coef, slow.coef)
    np.testing.assert_array_equal(fast.intercept, slow.intercept)
