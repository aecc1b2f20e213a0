"""The exact quantile process: R's breakpoints, single fits at random taus, the dual process."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sklearn_lad import QuantileProcessRegressor, QuantileRegressor, quantile_process
from sklearn_lad._problem import QuantileProblem

from ._cases import problems

with open("tests/data/r_process.json") as handle:
    R_PROCESS = {record["dataset"]: record for record in json.load(handle)}


def _data(name):
    data = pd.read_csv(f"tests/data/{name}.csv")
    return data.drop(columns="y").to_numpy(), data["y"].to_numpy()


def _r_changes(record):
    """R's breakpoints where the solution changes, and the solution on each piece."""
    taus = np.array(record["taus"])
    beta = np.column_stack([record["intercept"], record["coef"]])
    scale = np.abs(beta).max()
    pieces, breaks = [beta[0]], []
    # Column k is the solution on [taus[k], taus[k + 1]]; the last column (tau = 1) repeats.
    for k in range(1, taus.size - 1):
        if np.max(np.abs(beta[k] - pieces[-1])) > 1e-9 * scale:
            breaks.append(taus[k])
            pieces.append(beta[k])
    return np.array(breaks), np.array(pieces)


@pytest.mark.parametrize("name", ["engel", "stackloss"])
def test_breakpoints_and_pieces_equal_r(name):
    X, y = _data(name)
    process = quantile_process(X, y)
    breaks, pieces = _r_changes(R_PROCESS[name])
    assert process.taus.shape == breaks.shape
    assert_allclose(process.taus, breaks, rtol=0, atol=1e-8)
    ours = np.column_stack([process.intercept, process.coef])
    assert_allclose(ours, pieces, rtol=1e-8, atol=1e-8 * np.abs(pieces).max())


@pytest.mark.parametrize("name", ["engel", "stackloss"])
def test_random_taus_equal_single_fits(name):
    X, y = _data(name)
    process = quantile_process(X, y)
    rng = np.random.default_rng(0)
    taus = rng.uniform(0.002, 0.998, size=200)
    coef, intercept = process.coef_at(taus)
    for k, tau in enumerate(taus):
        problem = QuantileProblem(X=X, y=y, tau=float(tau))
        single = QuantileRegressor(tau=float(tau)).fit(X, y)
        ours = problem.objective(coef[k], intercept[k])
        assert abs(ours - single.objective_) <= 1e-9 * single.objective_, tau


def test_rank_scores_equal_r_on_engel():
    X, y = _data("engel")
    process = quantile_process(X, y)
    record = R_PROCESS["engel"]
    r_taus = np.array(record["taus"])
    r_scores = np.array(record["dual"])  # R's rank scores, in [0, 1], at its breakpoints
    # Two households are identical: only the sum of their scores is determined, so compare
    # sums over groups of identical rows.
    _, group = np.unique(np.column_stack([X, y]), axis=0, return_inverse=True)
    group = group.ravel()

    def by_group(scores):
        return np.bincount(group, weights=scores)

    # R's rank scores are linear between its breakpoints (and exact to about 1e-8); compare
    # in the middle of each piece.
    for k in range(r_taus.size - 1):
        tau = 0.5 * (r_taus[k] + r_taus[k + 1])
        expected = 0.5 * (r_scores[k] + r_scores[k + 1])
        assert_allclose(by_group(process.rank_scores(tau)), by_group(expected), atol=1e-7,
                        err_msg=f"tau={tau}")


@pytest.mark.parametrize("name", ["engel", "stackloss"])
def test_dual_is_optimal_at_random_taus(name):
    # Stackloss has ties, so its dual is not unique: check feasibility and strong duality.
    X, y = _data(name)
    w = np.random.default_rng(2).uniform(0.5, 2.0, size=y.size)
    process = quantile_process(X, y, sample_weight=w)
    A = np.column_stack([np.ones(y.size), X])
    for tau in np.random.default_rng(3).uniform(0.01, 0.99, size=50):
        d = process.dual_at(tau)
        assert np.all(d <= tau * w + 1e-12) and np.all(d >= (tau - 1.0) * w - 1e-12)
        assert_allclose(A.T @ d, 0.0, atol=1e-9 * np.abs(A).max() * w.sum())
        coef, intercept = process.coef_at([tau])
        objective = QuantileProblem(X=X, y=y, tau=tau, sample_weight=w).objective(
            coef[0], intercept[0])
        assert_allclose(y @ d / w.sum(), objective, rtol=1e-9)


def test_weights_equal_repeated_rows():
    X, y = _data("stackloss")
    w = np.random.default_rng(1).integers(0, 3, size=y.size)
    w[0] = 1
    rep = np.repeat(np.arange(y.size), w)
    weighted = quantile_process(X, y, sample_weight=w)
    repeated = quantile_process(X[rep], y[rep])
    assert_allclose(weighted.taus, repeated.taus, atol=1e-10)
    assert_allclose(weighted.coef, repeated.coef, rtol=1e-9, atol=1e-9)


def test_no_intercept_and_errors():
    X, y = _data("engel")
    process = quantile_process(X, y, fit_intercept=False)
    assert np.all(process.intercept == 0.0)
    single = QuantileRegressor(tau=0.3, fit_intercept=False, solver="highs").fit(X, y)
    coef, _ = process.coef_at([0.3])
    assert_allclose(coef[0], single.coef_, rtol=1e-9)
    with pytest.raises(ValueError, match="between 0 and 1"):
        process.coef_at([1.5])


def test_regressor_with_all_taus():
    X, y = _data("engel")
    model = QuantileProcessRegressor(taus="all").fit(X, y)
    process = quantile_process(X, y)
    assert_allclose(model.taus_, process.taus)
    taus = np.array([0.1, 0.37, 0.5, 0.9])
    coef, intercept = process.coef_at(taus)
    assert_allclose(model.predict_quantiles(X[:4], taus=taus), X[:4] @ coef.T + intercept)
    assert_allclose(model.predict(X[:4]), X[:4] @ coef[2] + intercept[2])
    rearranged = QuantileProcessRegressor(taus="all", non_crossing="rearrange").fit(X, y)
    far = np.array([[0.0], [1e5]])
    assert np.all(np.diff(rearranged.predict_quantiles(far, taus=np.linspace(0.01, 0.99, 99)),
                          axis=1) >= 0)
    assert model.predict_interval(X[:3], confidence_level=0.8).shape == (3, 2)


def _oracle_objective(problem, tau):
    from sklearn_lad.solvers import run_solver

    result, _ = run_solver("highs", dataclasses.replace(problem, tau=float(tau)))
    assert result.certified
    return result.objective


@given(problem=problems(sparse_ok=False, l1_ok=False), data=st.data())
def test_process_agrees_with_highs_on_degenerate_problems(problem, data):
    """At the problem's tau, at piece midpoints and at breakpoints (where both neighbouring
    pieces are optimal) the process's objective is HiGHS's optimum: ties, duplicates,
    collinear and wide designs, weights."""
    process = quantile_process(problem.X, problem.y, sample_weight=problem.sample_weight,
                               fit_intercept=problem.fit_intercept)
    assert np.all(np.diff(process.taus) > 0)
    assert process.coef.shape[0] == process.taus.size + 1
    knots = np.concatenate([[0.0], process.taus, [1.0]])
    mids = 0.5 * (knots[:-1] + knots[1:])
    chosen = data.draw(st.lists(st.sampled_from(list(mids)), min_size=1, max_size=3))
    for tau in [problem.tau, *chosen]:
        coef, intercept = process.coef_at([tau])
        ours = dataclasses.replace(problem, tau=float(tau)).objective(coef[0], intercept[0])
        oracle = _oracle_objective(problem, tau)
        assert abs(ours - oracle) <= 1e-9 * max(abs(oracle), 1e-3), (tau, ours, oracle)
    if process.taus.size:
        k = data.draw(st.integers(0, process.taus.size - 1))
        tau = process.taus[k]
        oracle = _oracle_objective(problem, tau)
        at_tau = dataclasses.replace(problem, tau=float(tau))
        for piece in (k, k + 1):
            ours = at_tau.objective(process.coef[piece], process.intercept[piece])
            assert abs(ours - oracle) <= 1e-9 * max(abs(oracle), 1e-3), (tau, piece)


@pytest.mark.parametrize("case", ["collinear", "faces_at_every_tau"])
def test_degenerate_designs_found_by_hypothesis(case):
    """Two designs the process used to refuse (RuntimeError): collinear columns (walked on the
    independent columns, the others at zero) and optimal faces at every start level."""
    if case == "collinear":
        rng = np.random.default_rng(0)
        x = rng.normal(size=(30, 1))
        X = np.hstack([x, 2.0 * x, rng.normal(size=(30, 1))])
        y = X[:, 0] + rng.standard_t(3, size=30)
        problem = QuantileProblem(X=X, y=y, tau=0.5)
    else:
        X = np.array([[-1.0, 2.0, 0.0], [-2.0, 1.0, 1.0], [2.0, -2.0, -2.0], [2.0, -2.0, 0.0]])
        y = np.array([3.0196832, 0.35737468, -0.86427163, -1.09412234])
        problem = QuantileProblem(X=X, y=y, tau=0.5, fit_intercept=False)
    process = quantile_process(X, y, fit_intercept=problem.fit_intercept)
    if case == "collinear":
        assert np.all(process.coef[:, 1] == 0.0)
    for tau in np.random.default_rng(1).uniform(0.01, 0.99, size=20):
        coef, intercept = process.coef_at([tau])
        ours = dataclasses.replace(problem, tau=float(tau)).objective(coef[0], intercept[0])
        assert abs(ours - _oracle_objective(problem, tau)) <= 1e-9 * ours


def test_large_sparse_weighted_process_equals_single_fits():
    """n above the working set's size (rows outside it checked by the radius), sparse X and
    weights: the process equals the dense one, and direct fits at random levels."""
    import scipy.sparse as sp

    rng = np.random.default_rng(12)
    n = 2600
    X = rng.normal(size=(n, 2)) * (rng.uniform(size=(n, 2)) < 0.7)
    y = X @ [1.0, -1.0] + (1 + 0.5 * np.abs(X[:, 0])) * rng.standard_t(3, size=n)
    w = rng.uniform(0.5, 2.0, n)
    dense = quantile_process(X, y, sample_weight=w)
    sparse = quantile_process(sp.csr_array(X), y, sample_weight=w)
    assert_allclose(sparse.taus, dense.taus, rtol=0, atol=1e-12)
    assert_allclose(sparse.coef, dense.coef, rtol=1e-10, atol=1e-12)
    taus = rng.uniform(0.01, 0.99, size=15)
    coef, intercept = sparse.coef_at(taus)
    for k, tau in enumerate(taus):
        problem = QuantileProblem(X=X, y=y, tau=float(tau), sample_weight=w)
        fit = QuantileRegressor(tau=float(tau), solver="br").fit(X, y, sample_weight=w)
        assert problem.objective(coef[k], intercept[k]) == pytest.approx(
            fit.objective_, rel=1e-9, abs=1e-12)


def test_walk_does_not_step_past_rows_outside_the_working_set():
    """At extreme levels a pivot's step can pass rows outside the working set; the walk then
    takes the first kink over every row. Before, it stepped past them and stopped with "the
    parametric simplex met a singular basis" near tau = 5e-4 on this data (3 seeds in 8)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5000, 2))
    y = X @ np.ones(2) + (1.0 + 0.5 * np.abs(X[:, 0])) * rng.standard_t(3, size=5000)
    process = quantile_process(X, y)
    taus = [0.0003, 0.0005286, 0.002, 0.5, 0.9995]
    coef, intercept = process.coef_at(taus)
    for k, tau in enumerate(taus):
        problem = QuantileProblem(X=X, y=y, tau=tau)
        fit = QuantileRegressor(tau=tau, solver="br").fit(X, y)
        assert problem.objective(coef[k], intercept[k]) == pytest.approx(
            fit.objective_, rel=1e-9, abs=1e-12)
