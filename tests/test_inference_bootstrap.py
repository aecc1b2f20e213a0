"""se="boot": bootstrap SEs within Monte-Carlo error of R's boot.rq, reproducibility, errors.

How the comparison works: tools/make_r_inference.R stores R's bootstrap SEs from 4,000
replications with the Monte-Carlo standard error of each SE (from the replicates' fourth
moment, var(s) ~ (m4 - s^4) / (4 s^2 R)). Here each method runs N_BOOT replications; the SE
of our SE is estimated the same way, and the two must agree within 4 combined Monte-Carlo
standard errors, on engel (tau = 0.5) and hetero (tau = 0.25). A seed is fixed, so the test is
deterministic; a wrong method (a residual bootstrap, the pwy perturbation forgotten) is off by
many standard errors. A 20% error (the wild bootstrap without its leverage correction) is about
5 standard errors at N_BOOT = 400; that correction is also checked deterministically, to
rounding, against the perturbed residuals R computes (the "wild" fixture records).
"""

import numpy as np
import pytest
from joblib import parallel_backend

from sklearn_lad.inference import summary
from sklearn_lad.inference._bootstrap import (
    adaptive_kernel_density,
    bootstrap_replicates,
    wild_residuals,
)
from sklearn_lad.inference._common import fit_data

from ._inference_fixtures import dataset, fitted, fixtures

N_BOOT = 400


def _se_and_mc(replicates):
    centred = replicates - replicates.mean(axis=0)
    var = (centred**2).sum(axis=0) / (len(replicates) - 1)
    m4 = (centred**4).mean(axis=0)
    return np.sqrt(var), np.sqrt((m4 - var**2) / (4 * var * len(replicates)))


@pytest.mark.parametrize(
    "record",
    fixtures()["boot"],
    ids=lambda r: f"{r['dataset']}-{r['method']}",
)
def test_boot_se_within_monte_carlo_error_of_r(record):
    X, y = dataset(record["dataset"])
    fd = fit_data(fitted(record["dataset"], record["tau"], False), X, y)
    reps = bootstrap_replicates(fd, N_BOOT, record["method"], random_state=0)
    se, mc = _se_and_mc(reps)
    z = (se - np.asarray(record["std_err"])) / np.hypot(mc, record["std_err_mc"])
    assert np.all(np.abs(z) < 4), z


@pytest.mark.parametrize("record", fixtures()["wild"], ids=lambda r: f"{r['dataset']}-{r['tau']}")
def test_wild_residuals_equal_r(record):
    X, y = dataset(record["dataset"])
    fd = fit_data(fitted(record["dataset"], record["tau"], False), X, y)
    residual = fd.residual
    assert adaptive_kernel_density(residual, 0.0)[0] == pytest.approx(record["density"],
                                                                      rel=1e-12)
    mine, theirs = wild_residuals(fd), np.asarray(record["residual"])
    # The interpolated rows have residual zero; R's come out of its simplex as +-1e-14 noise,
    # so its 1{r < 0} takes either branch there, by rounding. Ours take the tau branch
    # (h tau / f0); R's must be that or the other branch, h (tau - 1) / f0.
    zero = np.abs(residual) < 1e-9 * np.max(np.abs(y))
    assert zero.sum() == fd.p
    np.testing.assert_allclose(mine[~zero], theirs[~zero], rtol=1e-10)
    tau = record["tau"]
    other = mine[zero] * (tau - 1) / tau
    assert np.all(np.isclose(theirs[zero], mine[zero], rtol=1e-10)
                  | np.isclose(theirs[zero], other, rtol=1e-10))


def test_adaptive_kernel_density_is_a_density():
    x = np.random.default_rng(0).standard_normal(500)
    grid = np.linspace(-6, 6, 2001)
    dens = adaptive_kernel_density(x, grid)
    assert np.all(dens > 0)
    assert np.sum(dens) * (grid[1] - grid[0]) == pytest.approx(1.0, abs=1e-3)
    # Near the N(0, 1) density at the centre, where the sample is dense.
    assert dens[1000] == pytest.approx(1 / np.sqrt(2 * np.pi), rel=0.15)


def test_summary_boot_is_reproducible_and_t_based():
    X, y = dataset("engel")
    est = fitted("engel", 0.5, False)
    a = summary(est, X, y, se="boot", n_boot=20, boot_method="pwy", random_state=1)
    b = summary(est, X, y, se="boot", n_boot=20, boot_method="pwy", random_state=1)
    np.testing.assert_array_equal(a.std_err, b.std_err)
    assert a.covariance.shape == (2, 2) and np.all(a.std_err > 0)
    np.testing.assert_allclose(a.t_value, a.coef / a.std_err)


def test_parallel_equals_serial():
    X, y = dataset("hetero")
    fd = fit_data(fitted("hetero", 0.5, False), X, y)
    serial = bootstrap_replicates(fd, 4, "xy", random_state=3)
    # Threads keep the test fast (no worker start-up); the draws are made before dispatch.
    with parallel_backend("threading"):
        parallel = bootstrap_replicates(fd, 4, "xy", random_state=3, n_jobs=2)
    np.testing.assert_allclose(parallel, serial)


def test_weighted_xy_bootstrap_runs():
    X, y = dataset("hetero")
    w = np.resize([1.0, 2.0, 3.0], len(y))
    s = summary(fitted("hetero", 0.5, True), X, y, sample_weight=w, se="boot", n_boot=10,
                random_state=0)
    assert np.all(np.isfinite(s.std_err))


def test_bad_boot_arguments():
    X, y = dataset("engel")
    est = fitted("engel", 0.5, False)
    with pytest.raises(ValueError, match="boot_method"):
        summary(est, X, y, se="boot", boot_method="mcmb")
    with pytest.raises(ValueError, match="n_boot"):
        summary(est, X, y, se="boot", n_boot=1)
