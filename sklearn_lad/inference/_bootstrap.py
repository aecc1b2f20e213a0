"""Bootstrap covariance of regression quantiles (``se="boot"``).

Methods:

- ``"xy"``: pairs bootstrap, rows drawn with replacement (as multiplicities: a weight ``k`` is
  ``k`` repeated rows in this package, so a resample is a weighted refit).
- ``"wild"``: Feng, He and Hu (2011): ``y*_i = x_i'b + v_i |r_i|`` with ``v_i`` equal to
  ``2 (1 - tau)`` with probability ``1 - tau`` and ``-2 tau`` with probability ``tau``, so that
  the ``tau``-quantile of ``v_i |r_i|`` is zero; valid under heteroscedasticity.
- ``"pwy"``: Parzen, Wei and Ying (1994): each replicate solves the estimating equation
  perturbed by ``W* = sum_i x_i (tau - 1{U_i <= tau})``, ``U_i`` uniform, i.e. minimises
  ``sum rho_tau(r_i) + b'W*``; the linear term is one extra pseudo-row ``(-W*/tau, Y)`` with a
  response ``Y`` large enough that its residual stays positive.

The random draws are made up front from ``random_state``, so results do not depend on
``n_jobs``; every refit uses the fit's backend, warm-started from the full-sample fit where the
backend supports it. The covariance is the sample covariance of the replicates, as R.

References
----------
Feng, X., He, X. and Hu, J. (2011). Wild bootstrap for quantile regression. Biometrika 98,
995-999.
Parzen, M. I., Wei, L. J. and Ying, Z. (1994). A resampling method based on pivotal estimating
functions. Biometrika 81, 341-350.
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state

from ._common import FitData, solve

_METHODS = ("xy", "wild", "pwy")


def _solve(design, response, weights, tau, solver, options, warm):
    """Fit ``response ~ design`` (no separate intercept) with the fit's backend."""
    result, _ = solve(design, response, weights, tau, False, solver, options, (warm, 0.0))
    return np.asarray(result.coef, dtype=float).ravel()


def _replicate(fd: FitData, method: str, draw, solver, options) -> np.ndarray:
    design, response, tau, beta = fd.design, fd.response, fd.tau, fd.beta
    if method == "xy":
        keep = draw > 0
        return _solve(design[keep], response[keep], draw[keep].astype(float), tau, solver,
                      options, beta)
    if method == "wild":
        fitted = design @ beta
        return _solve(design, fitted + draw * np.abs(response - fitted), None, tau, solver,
                      options, beta)
    # pwy: one pseudo-row x* = -W*/tau; rho_tau(Y - x*'b) = tau Y + W*'b while Y > x*'b.
    gradient = design.T @ (tau - draw)
    pseudo = -gradient / tau
    big = 10.0 * (np.abs(response).sum() + np.abs(pseudo) @ (np.abs(beta) + 1.0))
    for _ in range(20):
        coef = _solve(np.vstack([design, pseudo]), np.append(response, big), None, tau, solver,
                      options, beta)
        if big - pseudo @ coef > 0:
            return coef
        big *= 100.0
    raise RuntimeError("pwy bootstrap: the pseudo-observation's residual did not stay positive.")


def _draws(fd: FitData, method: str, n_boot: int, rng) -> list:
    n, tau = fd.n, fd.tau
    if method == "xy":
        return [np.bincount(rng.integers(0, n, size=n), minlength=n) for _ in range(n_boot)]
    if method == "wild":
        return [np.where(rng.random(n) < tau, -2.0 * tau, 2.0 * (1.0 - tau))
                for _ in range(n_boot)]
    # pwy: the indicator 1{U_i <= tau} of the perturbed estimating equation.
    return [(rng.random(n) <= tau).astype(float) for _ in range(n_boot)]


def bootstrap_replicates(fd: FitData, n_boot: int = 200, method: str = "xy",
                         random_state=None, n_jobs=None) -> np.ndarray:
    """``(n_boot, p)`` bootstrap replicates of the coefficients (intercept first)."""
    if method not in _METHODS:
        raise ValueError(f"boot_method must be one of {_METHODS}; got {method!r}.")
    if int(n_boot) < 2:
        raise ValueError(f"n_boot must be at least 2 (200 or more for standard errors); "
                         f"got {n_boot!r}.")
    rng = np.random.default_rng(check_random_state(random_state).randint(2**31 - 1))
    draws = _draws(fd, method, int(n_boot), rng)
    est = fd.estimator
    solver = getattr(est, "solver_", None) or getattr(est, "solver", "auto")
    options = getattr(est, "solver_options", None)
    if n_jobs in (None, 1):
        rows = [_replicate(fd, method, d, solver, options) for d in draws]
    else:
        rows = Parallel(n_jobs=n_jobs)(
            delayed(_replicate)(fd, method, d, solver, options) for d in draws
        )
    return np.vstack(rows)


def bootstrap_covariance(fd: FitData, n_boot: int = 200, method: str = "xy",
                         random_state=None, n_jobs=None) -> np.ndarray:
    """Sample covariance of the bootstrap replicates."""
    replicates = bootstrap_replicates(fd, n_boot, method, random_state, n_jobs)
    return np.atleast_2d(np.cov(replicates, rowvar=False))
