"""Known answers: R quantreg's ``rq(method="br")`` on classic data sets (tests/data).

The fixtures are made by ``tools/make_r_reference.R``; CI never runs R.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_lad import QuantileRegressor, available_solvers
from sklearn_lad.solvers import get_solver

DATA = Path(__file__).parent / "data"
RECORDS = json.loads((DATA / "r_rq_br.json").read_text())
EXACT = [name for name in available_solvers() if get_solver(name).exact]


def load_dataset(name):
    table = np.genfromtxt(DATA / f"{name}.csv", delimiter=",", names=True)
    columns = table.dtype.names
    X = np.column_stack([table[c] for c in columns if c != "y"])
    return X, table["y"]


def test_fixtures_cover_several_data_sets_and_quantiles():
    assert len({r["dataset"] for r in RECORDS}) >= 2
    assert len({r["tau"] for r in RECORDS}) >= 3


@pytest.mark.parametrize("solver", EXACT)
@pytest.mark.parametrize(
    "record", RECORDS, ids=[f"{r['dataset']}-{r['tau']}" for r in RECORDS]
)
def test_matches_r_quantreg_br(solver, record):
    X, y = load_dataset(record["dataset"])
    model = QuantileRegressor(tau=record["tau"], solver=solver).fit(X, y)
    assert model.objective_ == pytest.approx(record["objective"], rel=1e-9)
    if model.unique_:
        scale = 1.0 + np.abs(record["coef"]).max()
        assert_allclose(model.coef_, record["coef"], rtol=1e-7, atol=1e-9 * scale)
        assert model.intercept_ == pytest.approx(record["intercept"], rel=1e-7, abs=1e-9 * scale)
    else:
        # R's simplex returns one vertex of the optimal face; ours returns its minimum-norm point.
        r_norm = np.hypot(np.linalg.norm(record["coef"]), record["intercept"])
        assert np.hypot(np.linalg.norm(model.coef_), model.intercept_) <= r_norm + 1e-9
