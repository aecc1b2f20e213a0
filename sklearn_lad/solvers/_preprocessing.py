"""Portnoy & Koenker's (1997) preprocessing ("globbing") around the Frisch-Newton solver.

A fit on a random subsample predicts which observations lie far above or below the optimal
hyperplane; those are collapsed into two "globbed" pseudo-observations (extra rows of the
:class:`~sklearn_lad._design.RowDesign`, :meth:`~sklearn_lad._design.RowDesign.subset`), the
small remaining problem is solved exactly by :func:`~._interior_point.solve_exact`, and the
prediction is verified on every observation (misclassified ones are put back).

References
----------
Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise:
computability of squared-error versus absolute-error estimators. Statistical Science 12(4),
279-300.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from .._design import RowDesign
from ._interior_point import independent_columns, solve_exact


@dataclass
class PreprocessResult:
    """Outcome of :func:`preprocess_solve`."""

    beta: np.ndarray
    basis: np.ndarray
    n_iter: int
    status: str
    gap: float
    rounds: int
    subsample: int
    kept: int
    dual: np.ndarray | None = None


def solve_any_rank(design: RowDesign, tau: float, beta0=None, **kwargs):
    """:func:`solve_exact` after dropping dependent columns (their coefficients are zero)."""
    gram = design.gram(design.weights)
    keep = independent_columns(design, gram)
    if keep.all():
        return solve_exact(design, tau, beta0, gram=gram, **kwargs), keep
    reduced = design.take_columns(keep)
    start = None if beta0 is None else np.asarray(beta0)[keep]
    result = solve_exact(reduced, tau, start, **kwargs)
    beta = np.zeros(design.n_columns)
    beta[keep] = result.beta
    result.beta = beta
    return result, keep


def _band_statistics(design: RowDesign, beta: np.ndarray, gram: np.ndarray):
    """Residuals ``r_i`` and spreads ``h_i = ||L^{-1} a_i||`` over all observations.

    ``L`` is the Cholesky factor of the pilot subsample's Gram matrix, so ``h_i`` is
    proportional to the standard error of the pilot's fitted value at ``a_i``: observations
    whose standardised residual ``r_i / h_i`` is extreme lie on the same side of the
    full-sample fit with high probability (Portnoy & Koenker 1997, section 5).
    """
    q, off, n = design.n_columns, design.offset, design.n_samples
    scale = 1.0 / np.sqrt(np.maximum(np.diag(gram), 1e-300))
    Gs = gram * scale[:, None] * scale[None, :]
    Gs[np.diag_indices_from(Gs)] += 1e-10
    L = np.linalg.cholesky(Gs)
    # Rows of A @ T have norm ||L^{-1} a_i|| with T = diag(scale) L^{-T}.
    T = scale[:, None] * sla.solve_triangular(L, np.eye(q), lower=True).T
    residual = np.empty(n)
    spread = np.empty(n)
    y = design.y
    # One pass over X in row blocks (a chunked design streams its chunks here).
    for start, stop, Xc in design.blocks():
        proj = Xc @ T[off:]
        fit = Xc @ beta[off:]
        if off:
            proj += T[0]
            fit = fit + beta[0]
        residual[start:stop] = y[start:stop] - np.asarray(fit).ravel()
        np.einsum("ij,ij->i", proj, proj, out=spread[start:stop])
    np.sqrt(spread, out=spread)
    return residual, spread


def _standardize(residual: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """``r_i / h_i``; a zero row (``h_i = 0``) has a residual no coefficient changes."""
    with np.errstate(divide="ignore", invalid="ignore"):
        standardized = residual / spread
    flat = spread == 0
    if flat.any():
        side = residual[flat]
        standardized[flat] = np.where(side > 0, np.inf, np.where(side < 0, -np.inf, 0.0))
    return standardized


def _cut_points(standardized: np.ndarray, keep: int):
    """Thresholds leaving about ``keep`` observations between them, centred on the pilot fit."""
    n = standardized.size
    below = int(np.count_nonzero(standardized < 0))
    lo = below - keep // 2
    hi = below + keep // 2
    ranks = [r for r in (lo, hi) if 0 <= r < n]
    part = np.partition(standardized, ranks) if ranks else standardized
    lower = part[lo] if 0 <= lo < n else -np.inf
    upper = part[hi] if 0 <= hi < n else np.inf
    # With discrete data many observations lie exactly on the fit (their residuals are rounding
    # noise of either sign) and the count alone can put the cuts inside that point mass. Such
    # observations may need interior duals, so the band always covers them.
    sample = standardized[:: max(1, n // 10_000)]  # the median of a sample is enough here
    finite = np.abs(sample[np.isfinite(sample)])
    if finite.size:
        on_fit = 1e-6 * float(np.median(finite))
        lower, upper = min(lower, -on_fit), max(upper, on_fit)
    return lower, upper


def _globs(design: RowDesign, below: np.ndarray, above: np.ndarray, residual: np.ndarray):
    """Pseudo-observations standing for the rows in ``below`` and in ``above`` (one each).

    A glob of rows ``G`` has row ``sum_G u_i a_i / U``, target ``sum_G u_i y_i / U`` and weight
    ``U = sum_G u_i`` (the normalisation keeps it on the scale of a single observation, which
    the interior point's starting point likes): while its residual keeps the rows' sign its
    dual, and its share of ``A'd``, is exactly theirs at the bound. The target is moved a
    further ``sum_G u_i |r_i| / U`` (at the current fit) away from the fit. With the bare
    weighted mean a few misclassified rows can let the reduced optimum slide far off, onto a
    point where the glob's residual is zero and its dual leaves the bound; the shift only adds
    a constant to the objective while the sign holds.

    Returns ``(rows, targets, weights)`` for the non-empty globs.
    """
    n = design.n_samples
    u = design.weights[:n]
    weights = np.zeros((n, 2))
    weights[:, 0] = np.where(below, u, 0.0)
    weights[:, 1] = np.where(above, u, 0.0)
    totals = np.array([weights[:, 0].sum(), weights[:, 1].sum()])  # not axis 0: row by row
    rows = design.rmatvec(weights).T  # one pass over X for both globs
    sums = design.y[:n] @ weights
    spread = np.abs(residual) @ weights
    out_rows, out_y, out_u = [], [], []
    for column, side in ((0, -1.0), (1, 1.0)):
        if totals[column] > 0:
            out_rows.append(rows[column] / totals[column])
            out_y.append((sums[column] + side * spread[column]) / totals[column])
            out_u.append(totals[column])
    return out_rows, np.array(out_y), np.array(out_u)


def _band_width(spread_sum: float, tau: float, expected_misses: float = 0.1) -> float:
    """Half-width ``c`` (in standard errors) of the band that expects ``expected_misses``.

    An observation at standardised distance beyond ``c`` is misclassified when the pilot's
    error at it exceeds that distance; with normal errors the expected number of such rows is
    ``2 * sqrt(tau (1 - tau)) * sum_i h_i * E(Z - c)_+`` (the density ``f`` cancels).
    """
    scale = 2.0 * math.sqrt(tau * (1.0 - tau)) * spread_sum
    target = expected_misses / max(scale, 1e-300)
    lo, hi = 0.0, 8.0
    for _ in range(40):
        c = 0.5 * (lo + hi)
        tail = math.exp(-0.5 * c * c) / math.sqrt(2.0 * math.pi) - c * 0.5 * math.erfc(
            c / math.sqrt(2.0)
        )
        if tail > target:
            lo = c
        else:
            hi = c
    return hi


def _pilot(design: RowDesign, tau: float, beta0, index: np.ndarray, max_iter: int):
    """The pilot coefficients (a rough fit on ``index``, or ``beta0``), the pilot's Gram
    matrix and the Newton steps spent."""
    pilot = design.subset(index)
    n_pilot = pilot.n_samples
    if pilot.n_rows > n_pilot:
        # The penalty's pseudo-rows keep their share of the (now smaller) total weight.
        pilot.weights[n_pilot:] *= (
            pilot.weights[:n_pilot].sum() / design.weights[: design.n_samples].sum()
        )
    iters = 0
    if beta0 is None:
        fit, _ = solve_any_rank(pilot, tau, exact=False, approx_tol=1e-5, max_iter=max_iter)
        iters, beta = fit.n_iter, fit.beta
    else:
        beta = np.asarray(beta0, dtype=float)
    return beta, pilot.gram(pilot.weights), iters


def _full_solution(design: RowDesign, tau: float, fit, middle, below, above):
    """The reduced problem's basis and dual mapped back to the rows of ``design``.

    A glob in the basis means all its rows are interpolated, which the finisher sees from
    their residuals; globbed rows' duals sit at their bounds.
    """
    n, k = design.n_samples, design.n_rows - design.n_samples
    basis = fit.basis
    obs = basis[basis < middle.size]
    pseudo = basis[(basis >= middle.size) & (basis < middle.size + k)]
    full_basis = np.sort(np.concatenate([middle[obs], n + (pseudo - middle.size)]))
    dual = None
    if fit.dual is not None:
        u = design.weights
        dual = np.where(above, tau * u[:n], np.where(below, -(1.0 - tau) * u[:n], 0.0))
        dual[middle] = fit.dual[: middle.size]
        dual = np.concatenate([dual, fit.dual[middle.size : middle.size + k]])
    return full_basis, dual


def band_round(design: RowDesign, tau: float, beta: np.ndarray, below: np.ndarray,
               above: np.ndarray, residual: np.ndarray, *, tol: float, max_iter: int):
    """One round of a band: the observations outside ``below`` and ``above`` kept, those in
    them globbed into one pseudo-observation per side (:func:`_globs`, from ``residual``), the
    reduced problem solved exactly from ``beta``.

    Returns ``(fit, middle, residual, wrong_below, wrong_above)``: the reduced fit, the band's
    observations, every observation's residual at the fit, and the globbed observations the
    fit puts on the wrong side (none: the fit is the full problem's optimum).
    """
    n = design.n_samples
    middle = np.flatnonzero(~(below | above))
    reduced = design.subset(middle, *_globs(design, below, above, residual))
    fit, _ = solve_any_rank(reduced, tau, beta, tol=tol, max_iter=max_iter)
    del reduced
    residual = design.y[:n] - design.fitted(fit.beta)
    return fit, middle, residual, below & (residual > 0), above & (residual < 0)


def preprocess_solve(
    design: RowDesign,
    tau: float,
    beta0: np.ndarray | None,
    index: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    max_rounds: int = 8,
) -> PreprocessResult | None:
    """Portnoy & Koenker's preprocessing around :func:`solve_exact`.

    A pilot fit on the random observations ``index`` (or the warm start ``beta0``) ranks all
    observations by their standardised residual ``t_i = r_i / h_i`` with
    ``h_i^2 = a_i' (A_S' U_S A_S)^{-1} a_i``. The pilot's fitted value at ``a_i`` is off by about
    ``sqrt(tau (1 - tau)) / f * h_i`` (``f`` the error density at the quantile; Koenker 2005,
    section 4.2), so a band of ``c`` such standard errors either side of the fit holds about
    ``2 c sqrt(tau (1 - tau)) sum_i h_i`` observations whatever ``f`` is; ``c`` is chosen so
    that about 0.1 observations are expected outside it on the wrong side (:func:`_band_width`).
    That many observations around the fit are kept and the rest are globbed into one
    pseudo-observation per side (:func:`_globs`). The reduced problem is solved exactly, then
    every globbed observation's residual sign is checked: when all hold, the reduced optimum is
    the full problem's optimum (its dual, with the globbed rows at their bounds, certifies it).
    A few misclassified observations are put back; many mean the band was too narrow for this
    pilot, and it is widened. Returns ``None`` when this does not settle (the caller then solves
    the full problem).
    """
    n, q = design.n_samples, design.n_columns
    beta, gram, iters = _pilot(design, tau, beta0, index, max_iter)
    residual, spread = _band_statistics(design, beta, gram)
    spread_sum = float(spread.sum())
    width = _band_width(spread_sum, tau)
    keep = max(int(2.0 * width * math.sqrt(tau * (1.0 - tau)) * spread_sum), 20 * q)
    center_loss = design.loss(residual=residual)
    standardized = _standardize(residual, spread)
    lower, upper = _cut_points(standardized, keep)
    below = standardized < lower
    above = standardized > upper
    center = (beta, residual)
    for rounds in range(1, max_rounds + 1):
        if n - np.count_nonzero(below | above) > n // 2:
            return None
        fit, middle, residual, wrong_below, wrong_above = band_round(
            design, tau, beta, below, above, residual, tol=tol, max_iter=max_iter
        )
        iters += fit.n_iter
        wrong = int(np.count_nonzero(wrong_below) + np.count_nonzero(wrong_above))
        if wrong == 0:
            basis, dual = _full_solution(design, tau, fit, middle, below, above)
            return PreprocessResult(fit.beta, basis, iters, fit.status, fit.gap, rounds,
                                    index.size, middle.size, dual)
        if fit.status == "max_iter":
            return None
        if wrong > max(keep // 20, 10 * q):
            # Many misclassified: the band was too narrow for the centre's error. They
            # concentrate where x is extreme, and when the band's rows cannot absorb their dual
            # share the reduced optimum runs far off, so re-centre a wider band on whichever
            # of the old centre and the new fit has the lower full objective.
            keep *= 2
            fit_loss = design.loss(residual=residual)
            if fit_loss < center_loss:
                center, center_loss = (fit.beta, residual), fit_loss
            beta, residual = center
            standardized = _standardize(residual, spread)
            lower, upper = _cut_points(standardized, keep)
            below = standardized < lower
            above = standardized > upper
        else:
            below &= ~wrong_below
            above &= ~wrong_above
            beta = fit.beta
    return None
