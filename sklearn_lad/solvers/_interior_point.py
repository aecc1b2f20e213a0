"""The Frisch-Newton interior point behind ``solver="fn"``, finished on an exact vertex.

The weighted quantile regression ``min_beta sum_i u_i rho_tau(y_i - a_i beta)`` has the
bounded-variable dual (Koenker & Bassett 1978; Portnoy & Koenker 1997, section 5)

    max_x  y'x   s.t.  A'x = (1 - tau) A'u,   0 <= x <= u,

(``x = d + (1 - tau) u`` with ``d`` the usual dual in ``[-(1 - tau) u, tau u]``), whose own dual
is ``min b'beta + u'w  s.t.  A beta + w - z = y,  w, z >= 0``: ``w`` and ``z`` are the positive and
negative parts of the residuals. :func:`solve_exact` follows the central path of this pair
with Mehrotra's (1992) predictor-corrector; every Newton step costs one weighted Gram matrix
``A' D A`` (q x q, :meth:`~sklearn_lad._design.RowDesign.gram`) and one Cholesky factorisation.

The iterate converges to the analytic centre of the optimal face, so the rows whose dual ``x_i``
stays strictly inside ``(0, u_i)`` are the rows the solution interpolates. :func:`vertex_check`
turns the q most interior rows into an exact vertex and proves it optimal with the dual of that
basis (Koenker 2005, Theorem 2.1), so the method returns the exact LP optimum, not an
approximation.

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Mehrotra, S. (1992). On the implementation of a primal-dual interior point method. SIAM
Journal on Optimization 2(4), 575-601.
Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise:
computability of squared-error versus absolute-error estimators. Statistical Science 12(4),
279-300.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg.lapack as lapack

from .._design import RowDesign
from .._simplex import Basis
from .._tolerances import (
    CHOLESKY_PIVOT_RTOL,
    DUAL_BOX_RTOL,
    ZERO_RESIDUAL_RTOL,
    residual_scale,
)

# Fraction of the distance to the boundary an interior-point step may cover.
_STEP = 0.99995
# Rows lighter than this fraction of the typical weight get a weighted centring target
# (see _centring_weights).
_LIGHT = 2.0**-20


def independent_columns(design: RowDesign, gram: np.ndarray | None = None) -> np.ndarray:
    """Mask of a maximal set of linearly independent columns of ``A``.

    Cholesky factorisation with complete pivoting (LAPACK ``dpstrf``) of the equilibrated Gram
    matrix: a column is dropped when the part of it not explained by the columns chosen before
    has a relative squared norm below 1e-13. Dropping dependent columns leaves the column space,
    hence the optimal fitted values, unchanged; the finisher canonicalises the coefficients.
    """
    G = design.gram(design.weights) if gram is None else gram
    diag = np.diag(G).copy()
    q = G.shape[0]
    keep = np.zeros(q, dtype=bool)
    positive = diag > 0
    if not positive.any():
        return keep
    idx = np.flatnonzero(positive)
    scale = 1.0 / np.sqrt(diag[idx])
    C = G[np.ix_(idx, idx)] * scale[:, None] * scale[None, :]
    _, piv, rank, info = lapack.dpstrf(C, tol=CHOLESKY_PIVOT_RTOL, lower=1)
    if info < 0:  # pragma: no cover - invalid argument, cannot happen for a square matrix
        raise RuntimeError("dpstrf failed")
    keep[idx[piv[:rank] - 1]] = True
    return keep


@dataclass
class IPMResult:
    """Outcome of :func:`solve_exact` on one :class:`~sklearn_lad._design.RowDesign`."""

    beta: np.ndarray
    basis: np.ndarray
    n_iter: int
    status: str  # "vertex" (proved optimal), "converged" (gap below tol), "max_iter"
    gap: float
    dual: np.ndarray | None = None  # d in [-(1 - tau) u, tau u], one per row of the design


def _cholesky_solve(G: np.ndarray, rhs: np.ndarray, factor=None):
    # LAPACK's potrf/potrs directly (what scipy's cho_factor/cho_solve call): their wrappers
    # cost more than the q x q work, three times per Newton step.
    if factor is None:
        scale = 1.0 / np.sqrt(np.maximum(np.diag(G), 1e-300))
        Gs = G * scale[:, None] * scale[None, :]
        chol, info = lapack.dpotrf(Gs, lower=1, clean=0)
        if info > 0:
            # Near the optimum A'DA can lose definiteness to rounding: a tiny ridge restores it
            # without changing the Newton direction beyond that rounding.
            Gs[np.diag_indices_from(Gs)] += 1e-12
            chol, info = lapack.dpotrf(Gs, lower=1, clean=0)
            if info > 0:
                raise np.linalg.LinAlgError("A'DA is not positive definite")
        factor = (chol, scale)
    chol, scale = factor
    solution, _ = lapack.dpotrs(chol, scale * rhs, lower=1)
    return scale * solution, factor


def _max_step(v1, dv1, v2, dv2, flip: bool = False) -> float:
    """Largest step keeping ``v1 + t dv1 > 0`` and ``v2 + t dv2 > 0`` (``v2 - t dv2 > 0`` with
    ``flip``: the step of ``x`` and ``s = u - x`` passes ``dx`` twice, no negated copy).

    ``max_i(-a_i / v_i) = -min_i(a_i / v_i)`` exactly, so two quotients and two reductions do.
    """
    top = -float((dv1 / v1).min(initial=0.0))
    ratio = dv2 / v2
    other = float(ratio.max(initial=0.0)) if flip else -float(ratio.min(initial=0.0))
    if math.isnan(top) or math.isnan(other):
        return math.inf  # as before: a NaN ratio never limited the step
    top = max(top, other)
    return math.inf if top <= 0 else 1.0 / top


def vertex_check(design: RowDesign, tau: float, basis: np.ndarray):
    """Exact vertex through the rows ``basis`` and whether its basic dual proves it optimal.

    Returns ``(status, beta, dual)`` with status ``"optimal"`` (the dual certificate holds),
    ``"degenerate"`` (the basis is singular, or other rows are interpolated too and the signs
    of their rounding-level residuals did not give a certificate: the shared finisher's LP
    decides), or ``"not optimal"``; ``dual`` is the basic dual (``None`` unless optimal).
    """
    if basis.size != design.n_columns:
        return "degenerate", None, None
    rows = design.rows(basis)
    # Equilibrate the columns first, so that features on very different scales do not make a
    # well-posed basis look singular. The engine's LU with a condition estimate decides
    # singularity (reciprocal condition number not above HOMOTOPY_BASIS_RCOND) and gives the
    # inverse for both solves: B^{-1} = diag(1 / c) (B diag(1 / c))^{-1}.
    colscale = np.abs(rows).max(axis=0)
    colscale[colscale == 0] = 1.0
    factor = Basis.factor(basis, np.arange(basis.size), rows / colscale) if basis.size else None
    if factor is None:
        return "degenerate", None, None
    y, u = design.y, design.weights
    beta = factor.solve(y[basis]) / colscale
    fitted = design.matvec(beta)
    residual = y - fitted
    residual[basis] = 0.0
    zero = ZERO_RESIDUAL_RTOL * residual_scale(y, fitted)
    small = np.abs(residual) <= max(zero, 1e-300)
    small[basis] = False
    d = np.where(residual > 0, tau * u, -(1.0 - tau) * u)
    d[basis] = 0.0
    d_basis = factor.solve_transpose(-design.rmatvec(d) / colscale)
    ub = u[basis]
    inside = np.all(d_basis >= -(1.0 - tau) * ub - DUAL_BOX_RTOL * ub) and np.all(
        d_basis <= tau * ub + DUAL_BOX_RTOL * ub
    )
    if inside:
        # Rows other than the basis with tiny residuals got the bound matching their sign, so
        # the certificate holds for them too (the finisher may still treat them as zero).
        d[basis] = np.clip(d_basis, -(1.0 - tau) * ub, tau * ub)
        return "optimal", beta, d
    # With other (nearly) interpolated rows a different sign choice may still prove optimality:
    # only the finisher's LP can tell.
    return ("degenerate" if small.any() else "not optimal"), beta, None


def _interior_rows(x, s, u, residual, rscale, count):
    """The ``count`` rows whose dual is most clearly inside its box, most interior first."""
    inner = np.minimum(x, s) / u
    score = inner / (np.abs(residual) / rscale + inner + 1e-300)
    count = min(count, score.size)
    top = np.argpartition(-score, count - 1)[:count] if count < score.size else np.arange(
        score.size
    )
    return top[np.argsort(-score[top], kind="stable")], score


@dataclass
class _Iterate:
    """A primal-dual point: ``x`` (dual of the rows, ``s = u - x``), ``beta`` and the residual
    parts ``w`` (positive) and ``z`` (negative), all kept strictly positive."""

    beta: np.ndarray
    x: np.ndarray
    s: np.ndarray
    w: np.ndarray
    z: np.ndarray


def _box_widths(weights: np.ndarray) -> np.ndarray:
    """The weights as the interior point's box widths ``0 <= x_i <= u_i``: floored at 2**-900
    of the largest.

    The Newton system divides by ``x_i`` and ``u_i - x_i``, which sit between ``u_i`` and about
    1e-20 of it; a weight below ~1e-290 (subnormal ones included) would make those quotients
    overflow whatever the centring. The floor changes the objective by less than 1e-270 of its
    size; the vertex the iterate points to is proved optimal on the true weights
    (:func:`vertex_check`), and the shared certificate checks every answer on them again.
    """
    return np.maximum(weights, np.ldexp(float(np.max(weights, initial=0.0)), -900))


def _starting_point(design: RowDesign, u: np.ndarray, tau: float, beta0, gram
                    ) -> tuple[_Iterate, float]:
    """The interior starting point and the residual scale ``rscale`` (``u``: box widths)."""
    y = design.y
    x = (1.0 - tau) * u
    s = tau * u
    if beta0 is None:
        gram = design.gram(u) if gram is None else gram
        beta, _ = _cholesky_solve(gram, design.rmatvec(u * y))  # weighted least squares
    else:
        beta = np.asarray(beta0, dtype=float).copy()
    residual = y - design.matvec(beta)
    rscale = float(np.mean(np.abs(residual))) + 1e-300
    if not np.isfinite(rscale) or rscale <= 1e-300:
        rscale = 1.0 + float(np.max(np.abs(y), initial=0.0))
    w = np.maximum(residual, 0.0)
    z = np.maximum(-residual, 0.0)
    # Shift z and w off zero so that x z and s w start balanced (Mehrotra's heuristic).
    shift = max(0.5 * float(x @ z + s @ w) / float(u.sum()), 1e-3 * rscale)
    return _Iterate(beta, x, s, w + shift, z + shift), rscale


def _centring_weights(u: np.ndarray, n_samples: int) -> np.ndarray:
    """Per-row factor ``c_i`` of the centring target ``x_i z_i = s_i w_i = mu c_i``.

    Mehrotra's path targets ``mu`` on every row. A row of weight ``u_i`` far below the others'
    has ``x_i, s_i <= u_i``, so that target needs ``z_i, w_i >= mu / u_i``: with weights 1 and
    1e-200 that is 1e198, and ``z_i / x_i`` overflows to inf, then NaN, within two steps. Rows
    lighter than :data:`_LIGHT` times the typical observation weight (the weighted median: the
    level carrying half the observations' total weight) get the target scaled by their weight,
    as on the central path of the problem with each row repeated ``u_i`` times (the barrier
    ``sum u_i log x_i``), which keeps ``z_i`` within ``mu / (_LIGHT * typical)`` whatever the
    weights' range. Every other row keeps the plain target, on which the step heuristics are
    tuned: scaling it for weights spread over a few orders of magnitude (log-normal) cost a
    third more Newton steps.
    """
    observed = u[:n_samples]
    if observed.size == 0:
        return np.ones_like(u)
    low, typical = float(observed.min()), float(observed.max())
    if low >= _LIGHT * typical:
        return np.ones_like(u)  # the usual case: no light row, no sort
    order = np.sort(observed)[::-1]
    cumulative = np.cumsum(order)
    typical = float(order[np.searchsorted(cumulative, 0.5 * cumulative[-1])])
    return np.minimum(u / (_LIGHT * typical), 1.0)


def _normal_solver(design: RowDesign, D: np.ndarray, normal):
    """``r -> (A' diag(D) A)^{-1} r``, factored once for both solves of a Newton step."""
    if normal is not None:
        return normal(D)
    G = design.gram(D)
    factor = None

    def solve(rhs):
        nonlocal factor
        out, factor = _cholesky_solve(G, rhs, factor)
        return out

    return solve


def _newton_step(design: RowDesign, it: _Iterate, residual, rp, gap: float,
                 centre: np.ndarray, normal=None) -> None:
    """One predictor-corrector step of Mehrotra (1992), in place; ``centre`` is the per-row
    factor of the centring target (:func:`_centring_weights`); ``normal`` as in
    :func:`solve_exact`.

    Every line is a pass over ``n`` values, so products used twice are formed once and updates
    go in place (the same arithmetic, in fewer passes and temporaries)."""
    x, s, z, w = it.x, it.s, it.z, it.w
    xi = 1.0 / x
    si = 1.0 / s
    zx = z * xi
    ws = w * si
    D = zx + ws
    np.divide(1.0, D, out=D)
    solve = _normal_solver(design, D, normal)
    # Predictor (affine scaling) direction: complementarity targets zero.
    dbeta = solve(design.rmatvec(D * residual) - rp)
    dx = _direction(design, D, residual, dbeta)
    dz = zx * dx
    dz += z
    np.negative(dz, out=dz)  # -z - zx dx, exactly: -(a + b) = -a - b
    dw = ws * dx
    dw -= w  # -w + ws dx
    ap = min(1.0, _STEP * _max_step(x, dx, s, dx, flip=True))
    ad = min(1.0, _STEP * _max_step(z, dz, w, dw))
    total = 2.0 * float(centre.sum())
    mu = gap / total
    step_x = ap * dx
    mu_aff = float((x + step_x) @ (z + ad * dz) + (s - step_x) @ (w + ad * dw)) / total
    sigma = min(1.0, (mu_aff / mu) ** 3) if mu > 0 else 0.0
    # Corrector: centring towards sigma * mu * centre plus Mehrotra's second-order term.
    smu = sigma * mu * centre
    dz *= dx  # dx dz (the predictor's dz is not needed again)
    dz *= xi
    corr_x = smu * xi
    corr_x -= dz
    dw *= dx
    dw *= si
    corr_s = smu * si
    corr_s += dw
    rhat = residual + corr_x
    rhat -= corr_s
    dbeta = solve(design.rmatvec(D * rhat) - rp)
    dx = _direction(design, D, rhat, dbeta)
    dz = corr_x - z
    dz -= zx * dx
    dw = corr_s - w
    dw += ws * dx
    ap = min(1.0, _STEP * _max_step(x, dx, s, dx, flip=True))
    ad = min(1.0, _STEP * _max_step(z, dz, w, dw))
    dx *= ap
    x += dx
    s -= dx
    it.beta += ad * dbeta
    dz *= ad
    z += dz
    dw *= ad
    w += dw


def _direction(design: RowDesign, D: np.ndarray, rhs: np.ndarray, dbeta: np.ndarray):
    """``dx = D (rhs - A dbeta)`` (a new array)."""
    dx = design.matvec(dbeta)
    np.subtract(rhs, dx, out=dx)
    dx *= D
    return dx


def _hand_over(design: RowDesign, u: np.ndarray, tau: float, it: _Iterate, rscale: float,
               n_iter: int, status: str, rel_gap: float, exact: bool) -> IPMResult:
    """The result once the iterations stop: a proved vertex if there is one, else the iterate
    (``u``: the box widths)."""
    q = design.n_columns
    beta = it.beta
    residual = design.y - design.matvec(beta)
    cand, _ = _interior_rows(it.x, it.s, u, residual, rscale, q)
    verdict = vbeta = None
    if exact:
        verdict, vbeta, vdual = vertex_check(design, tau, cand)
        if verdict == "optimal":
            return IPMResult(vbeta, np.sort(cand), n_iter, "vertex", 0.0, vdual)
    # The interior-point dual: strictly inside its box, A'd = 0 up to the final residual.
    dual = it.x - (1.0 - tau) * u
    if exact and verdict == "degenerate" and vbeta is not None:
        # A degenerate vertex at least as good as the iterate is the better hand-over: its
        # interpolated rows are exactly zero, which the finisher's LP needs.
        if design.loss(vbeta) <= design.loss(residual=residual):
            return IPMResult(vbeta, np.sort(cand), n_iter, status, rel_gap, dual)
    # Unfinished: hand over the iterate and the rows with interior duals.
    inner = np.minimum(it.x, it.s) / u
    basis = np.flatnonzero(inner > np.sqrt(max(rel_gap, 1e-16)))
    return IPMResult(beta, basis, n_iter, status, rel_gap, dual)


def solve_exact(
    design: RowDesign,
    tau: float,
    beta0: np.ndarray | None = None,
    *,
    tol: float = 1e-12,
    max_iter: int = 100,
    exact: bool = True,
    approx_tol: float | None = None,
    gram: np.ndarray | None = None,
    normal=None,
) -> IPMResult:
    """Frisch-Newton interior point with Mehrotra's predictor-corrector on ``design``.

    Parameters
    ----------
    design : RowDesign
        Full column rank design (see :func:`independent_columns`).
    tau : float
        Quantile level.
    beta0 : ndarray, optional
        Starting coefficients (default: weighted least squares).
    tol : float
        Relative duality gap at which iterations stop when no vertex could be proved optimal.
    max_iter : int
        Newton steps allowed.
    exact : bool
        Try to prove a vertex optimal once the gap is small and stop as soon as one is.
    approx_tol : float, optional
        Stop at this relative gap without proving anything (used for the pilot fit of the
        preprocessing, which only needs to be roughly right).
    gram : ndarray, optional
        ``A' diag(u) A`` if already known (for the least-squares start).
    normal : callable, optional
        ``D -> (r -> (A' diag(D) A)^{-1} r)``, the Newton systems' solver if not the Cholesky
        factorisation of ``A' diag(D) A`` (e.g.
        :func:`sklearn_lad._wide_normal.woodbury_normal` for penalised fits with more
        columns than observations).
    """
    y, q = design.y, design.n_columns
    u = _box_widths(design.weights)
    it, rscale = _starting_point(design, u, tau, beta0, gram)
    b = design.rmatvec(it.x)  # A'x = (1 - tau) A'u: the starting x is primal feasible
    ydual_const = (1.0 - tau) * float(y @ u)
    status, rel_gap, step = "max_iter", math.inf, 0
    tried_vertices: set[bytes] = set()
    centre = _centring_weights(u, design.n_samples)
    for step in range(1, max_iter + 1):
        residual = y - design.matvec(it.beta)
        rp = b - design.rmatvec(it.x)
        gap = float(it.x @ it.z + it.s @ it.w)
        rel_gap = gap / (1.0 + abs(float(y @ it.x) - ydual_const))
        if exact and rel_gap < 1e-3:
            cand, _ = _interior_rows(it.x, it.s, u, residual, rscale, q)
            key = np.sort(cand).tobytes()
            if key not in tried_vertices:
                tried_vertices.add(key)
                verdict, vbeta, vdual = vertex_check(design, tau, cand)
                if verdict == "optimal":
                    return IPMResult(vbeta, np.sort(cand), step - 1, "vertex", 0.0, vdual)
        if rel_gap < tol or (approx_tol is not None and rel_gap < approx_tol):
            status = "converged"
            break
        _newton_step(design, it, residual, rp, gap, centre, normal)
    return _hand_over(design, u, tau, it, rscale, step, status, rel_gap, exact)
