"""summary(): iid / nid / ker against R quantreg's summary.rq, the table object and errors."""

import warnings

import numpy as np
import pytest
from scipy import stats

from sklearn_lad import LADRegressor, QuantileLasso, QuantileRegressor
from sklearn_lad.inference import InferenceSummary, bandwidth, summary

from ._inference_fixtures import (
    close_to_r,
    dataset,
    fitted,
    fixtures,
    record_id,
    records,
    weights_for,
)

ASYMPTOTIC = records("iid") + records("nid") + records("ker")


def test_fixture_records_quantreg_version():
    assert fixtures()["quantreg_version"] == "5.94"
    assert len(ASYMPTOTIC) >= 40


@pytest.mark.parametrize("record", ASYMPTOTIC, ids=record_id)
def test_matches_r_summary_rq(record):
    X, y = dataset(record["dataset"])
    est = fitted(record["dataset"], record["tau"], record["weighted"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # R warns about the same crossings
        s = summary(est, X, y, sample_weight=weights_for(record, len(y)), se=record["se"],
                    hs=record["hs"])
    assert close_to_r(s.coef, record["coef"], rtol=1e-8)
    assert close_to_r(s.std_err, record["std_err"])
    assert close_to_r(s.t_value, record["t_value"])
    # A p-value's relative error is about t^2 times the SE's (d log p / d log t ~ t^2 in the
    # tail), so four digits of the SE give 4 digits of p only for |t| <= 1; the tolerance
    # scales with t^2 (barro's nid SEs agree to 5e-6, its p = 3.5e-10 at t = -6.7 to 9e-5).
    t_r = np.asarray(record["t_value"])
    p_r = np.asarray(record["p_value"])
    rtol = 5e-5 * np.maximum(1.0, t_r**2)
    assert np.all(np.abs(s.p_value - p_r) <= rtol * p_r + 1e-12)


def test_interval_is_t_interval():
    X, y = dataset("engel")
    est = fitted("engel", 0.5, False)
    s = summary(est, X, y, se="iid", level=0.9)
    half = stats.t.ppf(0.95, s.df) * s.std_err
    np.testing.assert_allclose(s.conf_int[:, 1] - s.coef, half)
    np.testing.assert_allclose(s.coef - s.conf_int[:, 0], half)
    assert s.df == len(y) - 2 and s.n == len(y) and s.level == 0.9


def test_bandwidths_match_r():
    # bandwidth.rq(0.5, 235, hs = TRUE / FALSE) and bandwidth.rq(0.9, 235) in R quantreg 5.94
    assert bandwidth(0.5, 235) == pytest.approx(0.1574393314, rel=1e-9)
    assert bandwidth(0.5, 235, hs=False) == pytest.approx(0.217348668, rel=1e-9)
    assert bandwidth(0.9, 235) == pytest.approx(0.05606778491, rel=1e-9)


def test_defaults_follow_r():
    X, y = dataset("engel")
    est = fitted("engel", 0.5, False)
    s = summary(est, X, y)
    assert s.se == "rank" and s.level == 0.9
    assert np.all(np.isnan(s.std_err)) and np.all(np.isnan(s.p_value))
    rng = np.random.default_rng(0)
    Xb = rng.normal(size=(1001, 1))
    yb = Xb[:, 0] + rng.normal(size=1001)
    big = QuantileRegressor().fit(Xb, yb)
    s = summary(big, Xb, yb)
    assert s.se == "nid" and s.level == 0.95


def test_table_text_and_frame():
    X, y = dataset("engel")
    s = summary(fitted("engel", 0.25, False), X, y, se="nid")
    assert isinstance(s, InferenceSummary)
    text = str(s)
    assert "tau = 0.25" in text and "n = 235" in text and "df = 233" in text
    assert "(Intercept)" in text and "x0" in text and "Std. Error" in text
    frame = s.to_frame()
    assert list(frame.index) == ["(Intercept)", "x0"]
    np.testing.assert_array_equal(frame["std_err"].to_numpy(), s.std_err)


def test_feature_names_from_pandas():
    import pandas as pd

    X, y = dataset("engel")
    frame = pd.DataFrame(X, columns=["income"])
    est = QuantileRegressor().fit(frame, y)
    assert summary(est, frame, y, se="iid").names == ["(Intercept)", "income"]


def test_lad_and_no_intercept():
    X, y = dataset("stackloss")
    s = summary(LADRegressor().fit(X, y), X, y, se="ker")
    assert s.tau == 0.5 and len(s.names) == 4
    s = summary(QuantileRegressor(fit_intercept=False).fit(X, y), X, y, se="nid")
    assert s.names == ["x0", "x1", "x2"] and s.df == len(y) - 3


def test_weight_zero_rows_are_dropped():
    X, y = dataset("hetero")
    w = np.ones(len(y))
    w[:10] = 0.0
    est = QuantileRegressor().fit(X, y, sample_weight=w)
    s = summary(est, X, y, sample_weight=w, se="iid")
    ref = summary(QuantileRegressor().fit(X[10:], y[10:]), X[10:], y[10:], se="iid")
    assert s.n == len(y) - 10
    np.testing.assert_allclose(s.std_err, ref.std_err, rtol=1e-8)


def test_penalised_estimator_is_refused():
    X, y = dataset("stackloss")
    est = QuantileLasso(alpha=0.1).fit(X, y)
    with pytest.raises(ValueError, match="sample splitting"):
        summary(est, X, y, se="iid")


def test_too_few_observations():
    X = np.arange(6.0).reshape(3, 2)
    y = np.array([1.0, 0.0, 2.0])
    est = QuantileRegressor().fit(X, y)
    with pytest.raises(ValueError, match="more observations than coefficients"):
        summary(est, X, y, se="iid")


def test_other_data_is_refused():
    X, y = dataset("engel")
    est = fitted("engel", 0.5, False)
    with pytest.raises(ValueError, match="fitted with 1 features"):
        summary(est, np.hstack([X, X]), y, se="iid")
    with pytest.raises(ValueError, match="fitted on"):
        summary(est, X, y + 1.0, se="iid")
    with pytest.raises(ValueError, match="fitted on"):
        summary(est, X[:100], y[:100], se="iid")


def test_bad_method_and_level():
    X, y = dataset("engel")
    est = fitted("engel", 0.5, False)
    with pytest.raises(ValueError, match="se must be one of"):
        summary(est, X, y, se="sandwich")
    with pytest.raises(ValueError, match="level must be in"):
        summary(est, X, y, se="iid", level=95)


def test_nid_refuses_extreme_tau():
    X, y = dataset("stackloss")
    est = QuantileRegressor(tau=0.05).fit(X, y)
    with pytest.raises(ValueError, match="tau \\+- h"):
        summary(est, X, y, se="nid")
