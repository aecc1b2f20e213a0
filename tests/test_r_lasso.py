"""QuantileLasso and quantile_path against R's quantreg lasso (tests/data/r_rq_lasso.json).

The fixtures come from ``tools/make_r_reference.R``: ``rq(y ~ ., method="lasso",
lambda=c(0, rep(lambda, p)), eps=1e-12)`` (an interior-point solve, ``coef``/``objective``) and
an exact simplex solve of the same problem with ``rq.fit.br`` on the augmented design
(``*_vertex``). quantreg's lasso fits its penalty pseudo-observations at tau=0.5, so it minimises
``sum rho_tau(r) + (lambda / 2) sum |b_j|``: ``alpha = lambda / (2 n)`` in our scaling, which is
the ``alpha`` field. The intercept is unpenalised.

The interior-point objectives agree with the vertex ones to about 1e-14 (relative), so both are
compared at 1e-9; coefficients are compared with the exact vertex where our optimum is unique.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_lad import QuantileLasso, available_solvers, quantile_path
from sklearn_lad.solvers import get_solver

DATA = Path(__file__).parent / "data"
RECORDS = json.loads((DATA / "r_rq_lasso.json").read_text())
EXACT = [s for s in available_solvers() if get_solver(s).exact]


def _load(name):
    table = np.loadtxt(DATA / f"{name}.csv", delimiter=",", skiprows=1, ndmin=2)
    return table[:, :-1], table[:, -1]


def _objective(X, y, tau, alpha, intercept, coef):
    r = y - intercept - X @ np.asarray(coef)
    return np.mean(np.where(r >= 0, tau * r, (tau - 1) * r)) + alpha * np.abs(coef).sum()


def _ids():
    return [f"{r['dataset']}-tau{r['tau']}-lambda{r['lambda']}" for r in RECORDS]


def test_fixture_scaling_is_lambda_over_2n():
    for record in RECORDS:
        X, y = _load(record["dataset"])
        assert record["alpha"] == pytest.approx(record["lambda"] / (2 * len(y)), rel=1e-12)
        # The stored objectives are ours at R's coefficients.
        ours = _objective(X, y, record["tau"], record["alpha"], record["intercept_vertex"],
                          record["coef_vertex"])
        assert ours == pytest.approx(record["objective_vertex"], rel=1e-12)


@pytest.mark.parametrize("solver", EXACT)
@pytest.mark.parametrize("record", RECORDS, ids=_ids())
def test_quantile_lasso_matches_r(record, solver):
    X, y = _load(record["dataset"])
    tau, alpha = record["tau"], record["alpha"]
    model = QuantileLasso(tau=tau, alpha=alpha, solver=solver).fit(X, y)
    assert model.certified_
    assert model.objective_ == pytest.approx(record["objective_vertex"], rel=1e-9)
    assert model.objective_ == pytest.approx(record["objective"], rel=1e-9)
    if model.unique_:
        scale = 1.0 + np.abs(record["coef_vertex"]).max()
        assert_allclose(model.coef_, record["coef_vertex"], rtol=1e-7, atol=1e-9 * scale)
        assert model.intercept_ == pytest.approx(record["intercept_vertex"], rel=1e-7,
                                                 abs=1e-9 * scale)


@pytest.mark.parametrize("dataset, tau", sorted({(r["dataset"], r["tau"]) for r in RECORDS}))
def test_path_matches_r_at_every_lambda(dataset, tau):
    records = [r for r in RECORDS if r["dataset"] == dataset and r["tau"] == tau]
    X, y = _load(dataset)
    alphas, coefs, intercepts = quantile_path(X, y, tau=tau, alphas=[r["alpha"] for r in records])
    for record in records:
        k = int(np.flatnonzero(alphas == record["alpha"])[0])
        ours = _objective(X, y, tau, record["alpha"], intercepts[k], coefs[:, k])
        assert ours == pytest.approx(record["objective_vertex"], rel=1e-9)
