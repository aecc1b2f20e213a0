"""Bootstrap covariance of regression quantiles (``se="boot"``).

Methods:

- ``"xy"``: pairs bootstrap, rows drawn with replacement (as multiplicities: a weight ``k`` is
  ``k`` repeated rows in this package, so a resample is a weighted refit).
- ``"wild"``: Feng, He and Hu (2011): ``y*_i = x_i'b + v_i |e_i|`` with ``v_i`` equal to
  ``2 (1 - tau)`` with probability ``1 - tau`` and ``-2 tau`` with probability ``tau``, so that
  the ``tau``-quantile of ``v_i |e_i|`` is zero; valid under heteroscedasticity. The ``e_i``
  are the residuals with Feng, He and Hu's finite-sample (leverage) correction,
  ``e_i = r_i + h_i (tau - 1{r_i < 0}) / f(0)``, with ``h_i`` the hat values of the design
  and ``f(0)`` Silverman's adaptive kernel density of the residuals at zero
  (:func:`adaptive_kernel_density`), which is what R's ``boot.rq(bsmethod = "wild")`` computes.
  Without the correction the interpolated (zero-residual) rows get no noise and the standard
  errors come out too small (about 20% at n = 120, p = 3, tau = 0.25).
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
# Relative size below which a residual counts as an interpolated (zero) row.
_ZERO_RESIDUAL_RTOL = 1e-10


# Silverman's pilot and final estimates are O(n^2) kernel sums; this many rows of the pairwise
# matrix at a time keep the temporary near 8 MB.
_KERNEL_BLOCK_ELEMENTS = 1_000_000
# The constant of R's Gaussian kernel (quantreg's Fortran uses pi rounded to 7 digits); with
# it the density at zero equals R's akj to rounding, not to 1e-7.
_GAUSS = 1.0 / np.sqrt(2.0 * 3.141593)


def _kernel_sum(centres: np.ndarray, points: np.ndarray, inv_width: np.ndarray) -> np.ndarray:
    """``mean_i phi((z - x_i) / w_i) / w_i`` at every point ``z`` (Gaussian ``phi``)."""
    out = np.empty(points.shape[0])
    step = max(1, _KERNEL_BLOCK_ELEMENTS // max(1, centres.shape[0]))
    for start in range(0, points.shape[0], step):
        u = (points[start:start + step, None] - centres[None, :]) * inv_width
        out[start:start + step] = (np.exp(-0.5 * u * u) * inv_width).mean(axis=1)
    return _GAUSS * out


def adaptive_kernel_density(x, z, alpha: float = 0.5, kappa: float = 0.9) -> np.ndarray:
    """Silverman's adaptive Gaussian kernel density of the sample ``x`` at the points ``z``.

    Silverman (1986, sections 3.4.2 and 5.3): a pilot estimate with the fixed width
    ``h = kappa min(sd, IQR / 1.34) n^(-1/5)`` (``sd`` with divisor ``n``; the quartiles are
    the order statistics where the empirical distribution first reaches 1/4 and 3/4), then
    local widths ``h (pilot(x_i) / g)^(-alpha)`` with ``g`` the geometric mean of the pilot at
    the sample points. The defaults are those of R's ``quantreg::akj`` (Portnoy and Koenker
    1989), whose values this reproduces.

    Parameters
    ----------
    x : array-like of shape (n,)
        The sample.
    z : array-like of shape (m,)
        Where to evaluate the density.
    alpha : float, default=0.5
        Sensitivity of the local widths to the pilot density (0: fixed width).
    kappa : float, default=0.9
        Constant of the pilot width.

    Returns
    -------
    ndarray of shape (m,)
        The density estimates.
    """
    x = np.sort(np.asarray(x, dtype=float).ravel())
    z = np.atleast_1d(np.asarray(z, dtype=float))
    n = x.shape[0]
    sd = np.sqrt(max(np.mean(x * x) - np.mean(x) ** 2, 0.0))
    # The quartiles as akj finds them: running sums of the weights 1/n from each end,
    # accumulated one by one (so the ties at exactly 1/4 resolve as in R).
    step = np.full(n, 1.0 / n)
    from_below = np.add.accumulate(step)[: n - 1]
    from_above = np.subtract.accumulate(np.concatenate([[1.0], step]))[1:]
    lower = x[int(np.argmax(from_below >= 0.25))]
    upper = x[n - 1 - int(np.argmax(from_above <= 0.75))]
    # 1.34 is a single-precision literal in akj; kept so, for the same reason as below.
    width = kappa * min(sd, (upper - lower) / float(np.float32(1.34))) / n**0.2
    pilot = _kernel_sum(x, x, np.full(n, 1.0 / width))
    # akj keeps the geometric mean and its inverse in single precision (implicitly typed
    # Fortran variables); rounding them the same way reproduces its values to 1e-15, not 1e-8.
    inv_mean = np.float32(1.0 / float(np.float32(np.exp(np.mean(np.log(pilot))))))
    return _kernel_sum(x, z, (pilot * float(inv_mean)) ** alpha / width)


def _hat_values(design: np.ndarray) -> np.ndarray:
    q, _ = np.linalg.qr(design)
    return np.einsum("ij,ij->i", q, q)


def wild_residuals(fd: FitData) -> np.ndarray:
    """Leverage-corrected residuals ``r + h (tau - 1{r < 0}) / f(0)`` of Feng, He and Hu."""
    residual = fd.residual
    scale = np.max(np.abs(fd.response)) + np.finfo(float).tiny
    # Interpolated rows are exactly zero in exact arithmetic; rounding must not decide their
    # branch. They take the tau branch. (R uses its simplex's +-1e-14 residuals as they come,
    # so there each interpolated row takes either branch, by rounding.)
    residual = np.where(np.abs(residual) <= _ZERO_RESIDUAL_RTOL * scale, 0.0, residual)
    density = adaptive_kernel_density(residual, 0.0)[0]
    return residual + _hat_values(fd.design) * (fd.tau - (residual < 0)) / density


def _solve(design, response, weights, tau, solver, options, warm):
    """Fit ``response ~ design`` (no separate intercept) with the fit's backend."""
    result, _ = solve(design, response, weights, tau, False, solver, options, (warm, 0.0))
    return np.asarray(result.coef, dtype=float).ravel()


def _replicate(fd: FitData, method: str, draw, solver, options, wild) -> np.ndarray:
    design, response, tau, beta = fd.design, fd.response, fd.tau, fd.beta
    if method == "xy":
        keep = draw > 0
        return _solve(design[keep], response[keep], draw[keep].astype(float), tau, solver,
                      options, beta)
    if method == "wild":
        return _solve(design, design @ beta + draw * np.abs(wild), None, tau, solver, options,
                      beta)
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
    wild = wild_residuals(fd) if method == "wild" else None
    if n_jobs in (None, 1):
        rows = [_replicate(fd, method, d, solver, options, wild) for d in draws]
    else:
        rows = Parallel(n_jobs=n_jobs)(
            delayed(_replicate)(fd, method, d, solver, options, wild) for d in draws
        )
    return np.vstack(rows)


def bootstrap_covariance(fd: FitData, n_boot: int = 200, method: str = "xy",
                         random_state=None, n_jobs=None) -> np.ndarray:
    """Sample covariance of the bootstrap replicates."""
    replicates = bootstrap_replicates(fd, n_boot, method, random_state, n_jobs)
    return np.atleast_2d(np.cov(replicates, rowvar=False))
