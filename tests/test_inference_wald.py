"""wald_test() against R quantreg's anova(f25, f50, f75)."""

import warnings

import numpy as np
import pytest

from sklearn_lad import QuantileRegressor
from sklearn_lad.inference import wald_test

from ._inference_fixtures import close_to_r, dataset, fitted, fixtures


@pytest.mark.parametrize("record", fixtures()["anova"], ids=lambda r: r["dataset"])
def test_matches_r_anova(record):
    X, y = dataset(record["dataset"])
    fits = [fitted(record["dataset"], t, False) for t in record["taus"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = wald_test(fits, X, y)
    assert result.df == (record["ndf"], record["ddf"])
    assert close_to_r(result.statistic, record["statistic"])
    assert close_to_r(result.p_value, record["p_value"][0])
    assert "F =" in str(result)


def test_equal_slopes_not_rejected_under_iid_errors():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 2))
    y = X @ [1.0, -1.0] + rng.normal(size=400)
    fits = [QuantileRegressor(tau=t).fit(X, y) for t in (0.25, 0.5, 0.75)]
    for se in ("nid", "ker", "iid"):
        assert wald_test(fits, X, y, se=se).p_value > 0.01


def test_errors():
    X, y = dataset("engel")
    f = fitted("engel", 0.5, False)
    with pytest.raises(ValueError, match="at least two"):
        wald_test([f], X, y)
    with pytest.raises(ValueError, match="different tau"):
        wald_test([f, f], X, y)
    with pytest.raises(ValueError, match="se must be"):
        wald_test([f, fitted("engel", 0.25, False)], X, y, se="rank")
