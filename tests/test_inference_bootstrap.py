"""se="boot": bootstrap SEs within Monte-Carlo error of R's boot.rq, reproducibility, errors.

How the comparison works: tools/make_r_inference.R stores R's bootstrap SEs from 4,000
replications with the Monte-Carlo standard error of each SE (from the replicates' fourth
moment). Here each method runs 150 replications; the SE of our SE is estimated the same way,
and the two must agree within 4 combined Monte-Carlo standard errors. A seed is fixed, so the
test is deterministic; a wrong method (e.g. a residual bootstrap, or forgetting the pwy
perturbation) is off by many standard errors.
"""

import numpy as np
import pytest
from joblib import parallel_backend

from sklearn_lad.inference import summary
from sklearn_lad.inference._bootstrap import bootstrap_replicates
from sklearn_lad.inference._common import fit_data

from ._inference_fixtures import dataset, fitted, fixtures

N_BOOT = 150


def _se_and_mc(replicates):
    centred = replicates - replicates.mean(axis=0)
    var = (centred**2).sum(axis=0) / (len(replicates) - 1)
    m4 = (centred**4).mean(axis=0)
    return np.sqrt(var), np.sqrt((m4 - var**2) / (4 * var * len(replicates)))


@pytest.mark.parametrize(
    "record",
    [r for r in fixtures()["boot"] if r["dataset"] == "engel"],
    ids=lambda r: f"{r['dataset']}-{r['method']}",
)
def test_boot_se_within_monte_carlo_error_of_r(record):
    X, y = dataset(record["dataset"])
    fd = fit_data(fitted(record["dataset"], record["tau"], False), X, y)
    reps = bootstrap_replicates(fd, N_BOOT, record["method"], random_state=0)
    se, mc = _se_and_mc(reps)
    z = (se - np.asarray(record["std_err"])) / np.hypot(mc, record["std_err_mc"])
    assert np.all(np.abs(z) < 4), z


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
