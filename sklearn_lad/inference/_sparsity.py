"""Asymptotic covariances of regression quantiles: ``iid``, ``nid`` and ``ker``.

All three estimate ``tau (1 - tau) H^{-1} J H^{-1}`` with ``J = X'X`` and ``H`` the design
weighted by the conditional densities ``f_i`` of the response at its ``tau``-quantile:

- ``iid`` (Koenker 2005, 3.4.1): one density for all rows, ``H = X'X / s`` with the sparsity
  ``s = 1/f`` estimated by Siddiqui's difference quotient of the empirical quantiles of the
  residuals, over the ``ceil(n h)`` smallest non-zero residuals around the fit (Hall-Sheather
  or Bofinger ``h``); the slope of a median regression of those sorted residuals on their ranks
  gives ``s``.
- ``nid`` (Hendricks and Koenker 1992): ``f_i = 2h / x_i'(b(tau + h) - b(tau - h))`` from two
  refits of the model, so each row gets its own density.
- ``ker`` (Powell 1991): ``f_i = K(r_i / c) / c`` with a Gaussian kernel on the residuals and
  a bandwidth ``c`` on the residual scale.

The formulas are taken from the papers and the quantreg documentation (Koenker 2005); they
reproduce R's ``summary.rq`` numbers.

References
----------
Hendricks, W. and Koenker, R. (1992). Hierarchical spline models for conditional quantiles and
the demand for electricity. JASA 87, 58-68.
Powell, J. L. (1991). Estimation of monotonic regression models under quantile restrictions.
In Nonparametric and Semiparametric Methods in Econometrics, Cambridge University Press.
Siddiqui, M. M. (1960). Distribution of quantiles in samples from a bivariate population.
J. Res. Nat. Bur. Standards B 64, 145-150.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg, stats

from ..solvers import get_solver
from ._common import FitData, bandwidth, solve

# Residuals this small are the fit's interpolated (basis) rows: they carry no information about
# the sparsity and R leaves them out (it uses the same threshold, machine epsilon^(2/3)).
_ZERO_RESIDUAL = np.finfo(float).eps ** (2 / 3)


def bread(design: np.ndarray, density: np.ndarray) -> np.ndarray:
    """``H^{-1}`` with ``H = X' diag(density) X``.

    Cholesky of ``H`` (one pass over the rows, fast for tall ``X``); when ``H`` is too badly
    conditioned for that to keep 8 digits, the triangular factor comes from a QR of the scaled
    design instead.
    """
    root = np.sqrt(density)[:, None] * design
    gram = root.T @ root
    try:
        factor = linalg.cho_factor(gram, lower=False)
        if np.linalg.cond(gram) < 1e8:
            return linalg.cho_solve(factor, np.eye(design.shape[1]))
    except linalg.LinAlgError:
        pass
    r = np.linalg.qr(root, mode="r")
    r_inv = linalg.solve_triangular(r, np.eye(design.shape[1]))
    return r_inv @ r_inv.T


def sandwich(design: np.ndarray, density: np.ndarray, tau: float) -> np.ndarray:
    """``tau (1 - tau) H^{-1} X'X H^{-1}`` with ``H = X' diag(density) X``."""
    h_inv = bread(design, density)
    return tau * (1.0 - tau) * h_inv @ (design.T @ design) @ h_inv


def iid_covariance(fd: FitData, hs: bool = True) -> np.ndarray:
    """Covariance under iid errors from the Siddiqui sparsity estimate."""
    sparsity = iid_sparsity(fd, hs=hs)
    return sparsity**2 * fd.tau * (1 - fd.tau) * linalg.pinvh(fd.design.T @ fd.design)


def iid_sparsity(fd: FitData, hs: bool = True) -> float:
    """Siddiqui's sparsity ``1 / f(F^{-1}(tau))`` of the residuals."""
    n, p = fd.design.shape
    residual = fd.residual
    h = max(p + 1, int(np.ceil(n * bandwidth(fd.tau, n, hs=hs))))
    n_zero = int(np.sum(np.abs(residual) < _ZERO_RESIDUAL))
    ranks = np.arange(n_zero + 1, min(h + n_zero + 1, n) + 1)  # 1-based, as in the papers
    closest = np.argsort(np.abs(residual), kind="stable")[ranks - 1]
    ordered = np.sort(residual[closest])
    position = ranks / (n - p)
    # The difference quotient, made robust: the slope of the median regression of the ordered
    # residuals on their rank positions. With ties (integer data) that median regression has a
    # face of solutions; the vertex the Barrodale-Roberts simplex reaches (before the package's
    # minimum-norm canonicalisation) is the one R reports, so its slope is used.
    _, problem = solve(position[:, None], ordered, None, 0.5, True, "br", None)
    return float(np.ravel(get_solver("br")().solve(problem).coef)[0])


def refit(fd: FitData, tau: float):
    """Refit the model at ``tau`` with the fit's backend, warm-started from the fit.

    Returns the coefficients in the :class:`FitData` order (intercept first when fitted).
    """
    est = fd.estimator
    solver = getattr(est, "solver_", None) or getattr(est, "solver", "auto")
    options = getattr(est, "solver_options", None)
    fit_intercept = bool(getattr(est, "fit_intercept", True))
    warm = (np.asarray(est.coef_, dtype=float), float(est.intercept_))
    result, _ = solve(fd.X, fd.y, fd.weights, tau, fit_intercept, solver, options, warm)
    coef = np.asarray(result.coef, dtype=float).ravel()
    return np.concatenate([[float(result.intercept)], coef]) if fit_intercept else coef


def nid_density(fd: FitData, hs: bool = True, refits=None) -> np.ndarray:
    """Hendricks-Koenker local densities ``f_i`` from refits at ``tau +- h``."""
    n = fd.n
    h = bandwidth(fd.tau, n, hs=hs)
    if fd.tau + h >= 1 or fd.tau - h <= 0:
        raise ValueError(
            f"se='nid' needs tau +- h inside (0, 1), with the bandwidth h={h:.4g} at n={n} and "
            f"tau={fd.tau}: use se='iid', se='ker' or se='boot' this close to the tails, or "
            "hs=False for the (smaller) Bofinger bandwidth."
        )
    if refits is None:
        refits = (refit(fd, fd.tau + h), refit(fd, fd.tau - h))
    high, low = refits
    spread = fd.design @ (high - low)
    n_bad = int(np.sum(spread <= 0))
    if n_bad:
        warnings.warn(
            f"{n_bad} non-positive local densities (crossing quantile fits at tau +- h); "
            "they are set to zero.",
            RuntimeWarning, stacklevel=3,
        )
    return np.maximum(0.0, 2 * h / (spread - _ZERO_RESIDUAL))


def nid_covariance(fd: FitData, hs: bool = True) -> np.ndarray:
    """Hendricks-Koenker sandwich."""
    return sandwich(fd.design, nid_density(fd, hs=hs), fd.tau)


def ker_density(fd: FitData, hs: bool = True) -> np.ndarray:
    """Powell's kernel densities: a Gaussian kernel on the residuals."""
    residual = fd.residual
    h = bandwidth(fd.tau, fd.n, hs=hs)
    q75, q25 = np.quantile(residual, [0.75, 0.25])
    spread = min(np.std(residual, ddof=1), (q75 - q25) / 1.34)
    c = (stats.norm.ppf(fd.tau + h) - stats.norm.ppf(fd.tau - h)) * spread
    return stats.norm.pdf(residual / c) / c


def ker_covariance(fd: FitData, hs: bool = True) -> np.ndarray:
    """Powell's kernel sandwich."""
    return sandwich(fd.design, ker_density(fd, hs=hs), fd.tau)
