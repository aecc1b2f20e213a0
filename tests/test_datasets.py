"""The shipped Engel data: shape, the R fit it reproduces, and the loader's options."""

import json
from pathlib import Path

import numpy as np
import pytest

from sklearn_lad import QuantileRegressor
from sklearn_lad.datasets import load_engel

DATA = Path(__file__).parent / "data"


def test_engel_matches_the_r_reference_copy():
    # The package copy must be the very data the R fixtures were made from.
    reference = np.loadtxt(DATA / "engel.csv", delimiter=",", skiprows=1)
    X, y = load_engel(return_X_y=True)
    assert X.shape == (235, 1) and y.shape == (235,)
    np.testing.assert_array_equal(X[:, 0], reference[:, 0])
    np.testing.assert_array_equal(y, reference[:, 1])


def test_engel_median_fit_equals_r_rq():
    fits = json.loads((DATA / "r_rq_br.json").read_text())
    r_fit = next(f for f in fits if f["dataset"] == "engel" and f["tau"] == 0.5)
    X, y = load_engel(return_X_y=True)
    model = QuantileRegressor(tau=0.5).fit(X, y)
    np.testing.assert_allclose(model.intercept_, r_fit["intercept"], rtol=1e-9)
    np.testing.assert_allclose(model.coef_, r_fit["coef"], rtol=1e-9)


def test_engel_bunch_and_frame():
    bunch = load_engel()
    assert bunch.feature_names == ["income"] and bunch.target_names == ["foodexp"]
    assert bunch.frame is None and "Engel" in bunch.DESCR
    pd = pytest.importorskip("pandas")
    framed = load_engel(as_frame=True)
    assert isinstance(framed.frame, pd.DataFrame)
    assert list(framed.frame.columns) == ["income", "foodexp"]
    X, y = load_engel(return_X_y=True, as_frame=True)
    assert list(X.columns) == ["income"] and y.name == "foodexp"
    np.testing.assert_array_equal(X.to_numpy(), bunch.data)
