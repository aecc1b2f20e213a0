"""summary(): iid / nid / ker against R quantreg's summary.rq, the table object and errors."""

import itertools
import warnings
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from sklearn_lad import LADRegressor, QuantileLasso, QuantileRegressor
from sklearn_lad.inference import InferenceSummary, bandwidth, summary
from sklearn_lad.inference._common import fit_data
from sklearn_lad.inference._sparsity import iid_sparsity

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
DEGENERATE_SPARSITY = {("stackloss", "iid", 0.75, True)}


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
    if (record["dataset"], record["se"], record["tau"], record["hs"]) in DEGENERATE_SPARSITY:
        # Siddiqui's quotient is the slope of a median regression of the ordered residuals on
        # their ranks; on stackloss's integer data at tau=0.75 that LP has a face of optimal
        # slopes (proved in exact arithmetic below). R reports the vertex its simplex stops
        # at, we the one ours stops at; both are optimal, and the SEs are in the ratio of the
        # two slopes, exactly.
        ours, other = _optimal_sparsity_face(X, y, record["tau"], record["hs"], s.df)
        np.testing.assert_allclose(np.asarray(record["std_err"]) / s.std_err, other / ours,
                                   rtol=1e-10)
        return
    assert close_to_r(s.std_err, record["std_err"])
    assert close_to_r(s.t_value, record["t_value"])
    # A p-value's relative error is about t^2 times the SE's (d log p / d log t ~ t^2 in the
    # tail), so four digits of the SE give 4 digits of p only for |t| <= 1; the tolerance
    # scales with t^2 (barro's nid SEs agree to 5e-6, its p = 3.5e-10 at t = -6.7 to 9e-5).
    t_r = np.asarray(record["t_value"])
    p_r = np.asarray(record["p_value"])
    rtol = 5e-5 * np.maximum(1.0, t_r**2)
    assert np.all(np.abs(s.p_value - p_r) <= rtol * p_r + 1e-12)


def _optimal_sparsity_face(X, y, tau, hs, df):
    """The two optimal vertex slopes of the Siddiqui median regression, ours first.

    Exact rational arithmetic (stackloss's residuals are fractions with small denominators):
    every vertex of the two-parameter LP passes through two of its points; the optimal ones
    are those of least objective. Checks that there are exactly two and that ours is one.
    """
    fd = fit_data(fitted("stackloss", tau, False), X, y)
    residual = [Fraction(v).limit_denominator(10**4) for v in fd.residual]
    assert max(abs(float(e) - v) for e, v in zip(residual, fd.residual)) < 1e-12
    n, p = fd.design.shape
    h = max(p + 1, int(np.ceil(n * bandwidth(tau, n, hs=hs))))
    n_zero = sum(e == 0 for e in residual)
    ranks = range(n_zero + 1, h + n_zero + 2)
    by_size = sorted(range(n), key=lambda i: (abs(residual[i]), i))
    values = sorted(residual[by_size[k - 1]] for k in ranks)
    position = [Fraction(k, df) for k in ranks]
    vertices = {}
    for i, j in itertools.combinations(range(len(values)), 2):
        slope = (values[j] - values[i]) / (position[j] - position[i])
        cut = values[i] - slope * position[i]
        vertices[slope] = sum(abs(v - cut - slope * x) for v, x in zip(values, position))
    best = min(vertices.values())
    optimal = [b for b, o in vertices.items() if o == best]
    assert len(optimal) == 2
    ours = iid_sparsity(fd, hs=hs)
    mine = [b for b in optimal if abs(float(b) - ours) < 1e-10 * abs(ours)]
    assert len(mine) == 1
    return ours, float(next(b for b in optimal if b != mine[0]))


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
