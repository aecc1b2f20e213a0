"""Rank-score test inversion (se="rank") against R quantreg and against brute-force LPs."""

import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import linprog

from sklearn_lad import QuantileRegressor
from sklearn_lad.inference import summary
from sklearn_lad.inference._common import fit_data
from sklearn_lad.inference._rank import _breakpoints, _projected, rank_trace
from sklearn_lad.inference._sparsity import nid_density

from ._inference_fixtures import (
    close_to_r,
    dataset,
    fitted,
    fixtures,
    record_id,
    records,
    weights_for,
)

# R ignores hs for se="rank" (its local densities always use Hall-Sheather), so only the
# hs=TRUE records are compared; test_r_ignores_hs_for_rank pins that behaviour of R down.
RANK = [r for r in records("rank") if r["hs"]]


def _r_interval(record):
    ref = np.column_stack([record["lower"], record["upper"]])
    # R writes an unbounded side as -/+ .Machine$double.xmax.
    ref[np.abs(ref) > 1e300] = np.sign(ref[np.abs(ref) > 1e300]) * np.inf
    return ref


def _rank_summary(record):
    X, y = dataset(record["dataset"])
    est = fitted(record["dataset"], record["tau"], record["weighted"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # crossing tau +- h fits, as in R
        return summary(est, X, y, sample_weight=weights_for(record, len(y)), se="rank",
                       level=1 - record["alpha"], iid=record["iid"])


@pytest.mark.parametrize(
    "record", [r for r in RANK if r["dataset"] != "stackloss"], ids=record_id
)
def test_matches_r_rank_intervals(record):
    s = _rank_summary(record)
    assert close_to_r(s.coef, record["coef"], rtol=1e-8)
    assert close_to_r(s.conf_int, _r_interval(record))
    assert np.all(np.isnan(s.std_err)) and np.all(np.isnan(s.t_value))
    assert np.all(s.conf_int[:, 0] <= s.coef) and np.all(s.coef <= s.conf_int[:, 1])


def test_stackloss_rank_intervals_mostly_match_r():
    # stackloss has integer data: 93 of the 96 endpoints agree with R to 4 digits; the other 3
    # are interpolated from a different point of the same flat piece of T(b) (R's degenerate
    # pivot; explained exactly by the test below).
    agree = total = 0
    for record in (r for r in RANK if r["dataset"] == "stackloss"):
        s = _rank_summary(record)
        ref = _r_interval(record)
        agree += int(np.sum(np.isclose(s.conf_int, ref, rtol=5e-5, atol=1e-9)))
        total += ref.size
        finite = np.isfinite(ref)
        assert np.array_equal(finite, np.isfinite(s.conf_int))
        np.testing.assert_allclose(s.conf_int[finite], ref[finite], rtol=0.03, atol=1e-9)
    assert total == 96 and agree >= 93


def test_r_ignores_hs_for_rank():
    by_key = {}
    for r in records("rank"):
        by_key.setdefault((r["dataset"], r["tau"], r["alpha"], r["iid"], r["weighted"]),
                          []).append(r)
    pairs = [v for v in by_key.values() if len(v) == 2]
    assert pairs
    for a, b in pairs:
        assert a["lower"] == b["lower"] and a["upper"] == b["upper"]


def _restricted_statistic(fd, j, b, projected):
    """T(b) from a HiGHS solve of the restricted LP (its dual are the rank scores)."""
    Z = np.delete(fd.design, j, axis=1)
    n, q = Z.shape
    tau = fd.tau
    c = np.concatenate([np.zeros(q), np.full(n, tau), np.full(n, 1 - tau)])
    A = np.hstack([Z, np.eye(n), -np.eye(n)])
    res = linprog(c, A_eq=A, b_eq=fd.response - b * fd.design[:, j],
                  bounds=[(None, None)] * q + [(0, None)] * (2 * n), method="highs")
    score = res.eqlin.marginals
    return projected @ score / np.sqrt(tau * (1 - tau) * projected @ projected)


@pytest.mark.parametrize("tau", [0.3, 0.5])
def test_path_statistics_equal_brute_force_lp(tau):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 2))
    y = 1 + X @ [1.0, -0.5] + rng.standard_t(4, size=60)
    fd = fit_data(QuantileRegressor(tau=tau).fit(X, y), X, y)
    critical = stats.t.ppf(0.975, fd.n - fd.p)
    for j in range(fd.p):
        projected = _projected(fd, j, None)
        for direction in (-1, 1):
            trace = rank_trace(fd, j, direction, projected, critical)
            assert len(trace) > 3
            for (b0, t0), (b1, _) in zip(trace[:-1], trace[1:]):
                middle = 0.5 * (b0 + b1)
                assert np.sign(b1 - b0) == direction
                assert t0 == pytest.approx(_restricted_statistic(fd, j, middle, projected),
                                           abs=1e-8)


def test_rank_interval_is_unbounded_when_the_test_never_rejects():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    y = np.array([0.1, 1.2, 1.9, 3.3, 3.8])
    est = QuantileRegressor().fit(X, y)
    s = summary(est, X, y, se="rank", level=0.99)
    assert np.isinf(s.conf_int).any()


def _statistic_range(fd, j, b, projected):
    """Smallest and largest T(b) over all optimal rank-score vectors (HiGHS, two LPs)."""
    Z = np.delete(fd.design, j, axis=1)
    tau, n = fd.tau, fd.n
    c = fd.response - b * fd.design[:, j]
    common = dict(A_eq=Z.T, b_eq=np.zeros(Z.shape[1]), bounds=[(tau - 1, tau)] * n,
                  method="highs")
    best = -linprog(-c, **common).fun
    face = dict(A_ub=-c[None], b_ub=[-best + 1e-9 * (1 + abs(best))], **common)
    norm = np.sqrt(tau * (1 - tau) * projected @ projected)
    low = linprog(projected, **face).fun / norm
    high = -linprog(-projected, **face).fun / norm
    return low, high



def test_stackloss_rank_ends_differ_from_r_only_at_pivots_where_the_statistic_is_flat():
    # R's rq(..., ci = TRUE) interpolates between the last breakpoint its simplex visited
    # before the test rejects and the first rejecting one; ours between the two jumps of the
    # statistic T(b) around the critical value. On continuous data they coincide. On
    # stackloss's integer data R's walk makes a degenerate pivot at b = 18/35 for Air.Flow at
    # tau = 0.5 at which T does not change (proved below with LPs over the whole optimal face
    # of rank scores on both sides); it interpolates from there, we from the jump at 19/36.
    # So the 3 of 96 ends that differ are the same T levels interpolated from two points of
    # one flat piece: no rule on T(b) can give R's point, only R's pivot sequence.
    X, y = dataset("stackloss")
    differing = 0
    for r in fixtures()["rank_bounds"]:
        fd = fit_data(fitted("stackloss", r["tau"], False), X, y)
        critical = stats.t.ppf(1 - r["alpha"] / 2, fd.n - fd.p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # crossing tau +- h fits, as in R
            density = None if r["iid"] else nid_density(fd)
        for j in range(fd.p):
            projected = _projected(fd, j, density)
            for direction, side in ((-1, "lower"), (1, "upper")):
                points = _breakpoints(rank_trace(fd, j, direction, projected, critical))
                r_in, r_out = r[f"{side}_in"][j], r[f"{side}_out"][j]
                if abs(r_out) > 1e300:  # unbounded: R writes -/+ double.xmax
                    assert points[-1][0] == direction * np.inf
                    continue
                if len(points) == 1:  # rejected at the estimate itself: both report it
                    assert r_in == pytest.approx(points[0][0], abs=1e-12)
                    assert r_out == pytest.approx(points[0][0], abs=1e-12)
                    continue
                (b_in, t_in), (b_out, t_out) = points[-2], points[-1]
                assert r_out == pytest.approx(b_out, rel=1e-10)
                if r_in == pytest.approx(b_in, rel=1e-10):
                    continue
                differing += 1
                # R's inner point lies inside our last accepted piece, and T is the same
                # (unique) value on both sides of it.
                assert min(b_in, b_out) < r_in < max(b_in, b_out)
                for b in (0.5 * (r_in + b_in), 0.5 * (r_in + b_out)):
                    low, high = _statistic_range(fd, j, b, projected)
                    assert low == pytest.approx(t_in, abs=1e-5)  # levels differ by > 0.1
                    assert high == pytest.approx(t_in, abs=1e-5)
                # Interpolating the same two levels from R's point gives R's end.
                ref = next(s for s in records("rank") if s["dataset"] == "stackloss"
                           and s["tau"] == r["tau"] and s["alpha"] == r["alpha"]
                           and s["iid"] == r["iid"] and s["hs"])
                end = r_in + (b_out - r_in) * (critical - abs(t_in)) / (abs(t_out) - abs(t_in))
                assert end == pytest.approx(ref[side][j], rel=1e-10)
    assert differing == 3
