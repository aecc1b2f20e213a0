"""Numerical core of ``solver="fn"``: a Frisch-Newton interior point and its preprocessing.

The weighted quantile regression ``min_beta sum_i u_i rho_tau(y_i - a_i beta)`` has the
bounded-variable dual (Koenker & Bassett 1978; Portnoy & Koenker 1997, section 5)

    max_x  y'x   s.t.  A'x = (1 - tau) A'u,   0 <= x <= u,

(``x = d + (1 - tau) u`` with ``d`` the usual dual in ``[-(1 - tau) u, tau u]``), whose own dual
is ``min b'beta + u'w  s.t.  A beta + w - z = y,  w, z >= 0``: ``w`` and ``z`` are the positive and
negative parts of the residuals. :func:`solve_exact` follows the central path of this pair
with Mehrotra's (1992) predictor-corrector; every Newton step costs one weighted Gram matrix
``A' D A`` (q x q, built with BLAS over row blocks) and one Cholesky factorisation.

The iterate converges to the analytic centre of the optimal face, so the rows whose dual ``x_i``
stays strictly inside ``(0, u_i)`` are the rows the solution interpolates. :func:`vertex_check`
turns the q most interior rows into an exact vertex and proves it optimal with the dual of that
basis (Koenker 2005, Theorem 2.1), so the method returns the exact LP optimum, not an
approximation. :func:`preprocess_solve` is the Portnoy & Koenker (1997) preprocessing: a fit on a
random subsample predicts which observations lie far above or below the optimal hyperplane;
those are collapsed into two "globbed" pseudo-observations, the small remaining problem is
solved, and the prediction is verified on every observation (misclassified ones are put back).

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
import scipy.linalg as sla
import scipy.linalg.lapack as lapack
import scipy.sparse as sp

from .._tolerances import (
    CHOLESKY_PIVOT_RTOL,
    DUAL_BOX_RTOL,
    ZERO_RESIDUAL_RTOL,
    residual_scale,
)

# Rows per block when a pass over X needs an (rows x q) temporary: keeps temporaries in cache
# and memory use independent of n.
_BLOCK_ELEMENTS = 1 << 16
# Fraction of the distance to the boundary an interior-point step may cover.
_STEP = 0.99995


class RowDesign:
    """The design ``A = [[1, X], [E]]`` of a weighted quantile regression, never materialised.

    ``X`` (dense ndarray or CSR, n x p) holds the observations, a leading column of ones is
    implied when ``intercept``, and ``E`` (k x q, dense) holds extra rows: penalty pseudo-rows
    and globbed observations. ``y`` and ``u`` (length n + k) are targets and weights.
    """

    def __init__(self, X, intercept: bool, E: np.ndarray, y: np.ndarray, u: np.ndarray):
        self.X = X
        self.intercept = bool(intercept)
        self.off = int(self.intercept)
        self.n = X.shape[0]
        self.q = X.shape[1] + self.off
        self.E = np.asarray(E, dtype=float).reshape(-1, self.q)
        self.k = self.E.shape[0]
        self.m = self.n + self.k
        self.y = y
        self.u = u
        self.sparse = sp.issparse(X)
        if self.sparse:
            self._row_of_nnz = np.repeat(np.arange(self.n), np.diff(X.indptr))
            # X' in CSR once, so that every X' D X is a CSR x CSR product with no conversion.
            self._xt = sp.csr_matrix(X.T)
        self.block = max(256, _BLOCK_ELEMENTS // max(self.q, 1))

    def matvec(self, beta: np.ndarray) -> np.ndarray:
        """``A @ beta``."""
        out = np.empty(self.m)
        head = out[: self.n]
        if self.sparse:
            head[:] = self.X @ beta[self.off:]
        else:
            np.matmul(self.X, beta[self.off:], out=head)
        if self.off:
            head += beta[0]
        if self.k:
            np.matmul(self.E, beta, out=out[self.n:])
        return out

    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        """``A.T @ v``."""
        out = np.empty(self.q)
        head = v[: self.n]
        out[self.off:] = self.X.T @ head
        if self.off:
            out[0] = head.sum()
        if self.k:
            out += self.E.T @ v[self.n:]
        return out

    def gram(self, d: np.ndarray) -> np.ndarray:
        """``A' diag(d) A`` (q x q), in row blocks so no n x q temporary is formed."""
        q, off, n = self.q, self.off, self.n
        G = np.zeros((q, q))
        head = d[:n]
        if self.sparse:
            X = self.X
            scaled = sp.csr_matrix((X.data * head[self._row_of_nnz], X.indices, X.indptr),
                                   shape=X.shape)
            G[off:, off:] = (self._xt @ scaled).toarray()
            if off:
                G[0, 1:] = np.asarray(scaled.sum(axis=0)).ravel()
                G[1:, 0] = G[0, 1:]
                G[0, 0] = head.sum()
        elif q > 32:
            # Wider X: the symmetric rank-k update (numpy calls syrk for ``B.T @ B``) halves
            # the flops.
            X = self.X
            root = np.sqrt(head)
            for start in range(0, n, self.block):
                stop = min(start + self.block, n)
                half = X[start:stop] * root[start:stop, None]
                G[off:, off:] += half.T @ half
                if off:
                    G[0, 1:] += root[start:stop] @ half
            if off:
                G[1:, 0] = G[0, 1:]
                G[0, 0] = head.sum()
        else:
            # Narrow X: one general product per block against [d, d * X] gives the intercept
            # row and X' D X together.
            X = self.X
            buffer = np.empty((min(self.block, n), q))
            for start in range(0, n, self.block):
                stop = min(start + self.block, n)
                rows = stop - start
                Xc = X[start:stop]
                scaled = buffer[:rows]
                dc = head[start:stop, None]
                if off:
                    scaled[:, 0] = head[start:stop]
                np.multiply(Xc, dc, out=scaled[:, off:])
                G[off:] += Xc.T @ scaled
            if off:
                G[0, 1:] = G[1:, 0]
                G[0, 0] = head.sum()
        if self.k:
            G += self.E.T @ (self.E * d[n:, None])
        return G

    def rows(self, index: np.ndarray) -> np.ndarray:
        """Dense rows ``A[index]``."""
        index = np.asarray(index, dtype=np.intp)
        out = np.empty((index.size, self.q))
        obs = index < self.n
        if obs.any():
            block = self.X[index[obs]]
            out[obs, self.off:] = block.toarray() if sp.issparse(block) else block
            if self.off:
                out[obs, 0] = 1.0
        if not obs.all():
            out[~obs] = self.E[index[~obs] - self.n]
        return out

    def take_columns(self, keep: np.ndarray) -> RowDesign:
        """The same rows restricted to the columns ``keep`` (a boolean mask over q)."""
        off = self.off
        xkeep = keep[off:]
        X = self.X[:, xkeep] if not xkeep.all() else self.X
        if self.sparse:
            X = sp.csr_matrix(X)
        return RowDesign(X, bool(off and keep[0]), self.E[:, keep], self.y, self.u)


def independent_columns(design: RowDesign, gram: np.ndarray | None = None) -> np.ndarray:
    """Mask of a maximal set of linearly independent columns of ``A``.

    Cholesky factorisation with complete pivoting (LAPACK ``dpstrf``) of the equilibrated Gram
    matrix: a column is dropped when the part of it not explained by the columns chosen before
    has a relative squared norm below 1e-13. Dropping dependent columns leaves the column space,
    hence the optimal fitted values, unchanged; the finisher canonicalises the coefficients.
    """
    G = design.gram(design.u) if gram is None else gram
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
    """Outcome of :func:`solve_exact` on one :class:`RowDesign`."""

    beta: np.ndarray
    basis: np.ndarray
    n_iter: int
    status: str  # "vertex" (proved optimal), "converged" (gap below tol), "max_iter"
    gap: float
    dual: np.ndarray | None = None  # d in [-(1 - tau) u, tau u], one per row of the design


def _cholesky_solve(G: np.ndarray, rhs: np.ndarray, factor=None):
    if factor is None:
        scale = 1.0 / np.sqrt(np.maximum(np.diag(G), 1e-300))
        Gs = G * scale[:, None] * scale[None, :]
        try:
            chol = sla.cho_factor(Gs, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            # Near the optimum A'DA can lose definiteness to rounding: a tiny ridge restores it
            # without changing the Newton direction beyond that rounding.
            Gs[np.diag_indices_from(Gs)] += 1e-12
            chol = sla.cho_factor(Gs, lower=True, check_finite=False)
        factor = (chol, scale)
    chol, scale = factor
    return scale * sla.cho_solve(chol, scale * rhs, check_finite=False), factor


def _max_step(v1, dv1, v2, dv2) -> float:
    """Largest step keeping ``v1 + t dv1 > 0`` and ``v2 + t dv2 > 0``."""
    ratio = np.maximum(-dv1 / v1, -dv2 / v2)
    top = ratio.max(initial=0.0)
    return math.inf if top <= 0 else 1.0 / top


def vertex_check(design: RowDesign, tau: float, basis: np.ndarray):
    """Exact vertex through the rows ``basis`` and whether its basic dual proves it optimal.

    Returns ``(status, beta, dual)`` with status ``"optimal"`` (the dual certificate holds),
    ``"degenerate"`` (the basis is singular, or other rows are interpolated too and the signs
    of their rounding-level residuals did not give a certificate: the shared finisher's LP
    decides), or ``"not optimal"``; ``dual`` is the basic dual (``None`` unless optimal).
    """
    if basis.size != design.q:
        return "degenerate", None, None
    rows = design.rows(basis)
    # Equilibrate the columns first, so that features on very different scales do not make a
    # well-posed basis look singular.
    colscale = np.abs(rows).max(axis=0)
    colscale[colscale == 0] = 1.0
    singular = np.linalg.svd(rows / colscale, compute_uv=False)
    if singular.size == 0 or singular[-1] <= 1e-12 * singular[0]:
        return "degenerate", None, None
    lu = sla.lu_factor(rows, check_finite=False)
    y, u = design.y, design.u
    beta = sla.lu_solve(lu, y[basis], check_finite=False)
    fitted = design.matvec(beta)
    residual = y - fitted
    residual[basis] = 0.0
    zero = ZERO_RESIDUAL_RTOL * residual_scale(y, fitted)
    small = np.abs(residual) <= max(zero, 1e-300)
    small[basis] = False
    d = np.where(residual > 0, tau * u, -(1.0 - tau) * u)
    d[basis] = 0.0
    d_basis = sla.lu_solve(lu, -design.rmatvec(d), trans=1, check_finite=False)
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
    """
    y, u = design.y, design.u
    m, q = design.m, design.q
    x = (1.0 - tau) * u
    s = tau * u
    b = design.rmatvec(x)  # A'x = (1 - tau) A'u: the starting x is primal feasible
    if beta0 is None:
        gram = design.gram(u) if gram is None else gram
        beta, _ = _cholesky_solve(gram, design.rmatvec(u * y))
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
    w += shift
    z += shift
    ydual_const = (1.0 - tau) * float(y @ u)
    status = "max_iter"
    basis = np.empty(0, dtype=np.intp)
    rel_gap = math.inf
    it = 0
    tried_vertices: set[bytes] = set()
    for it in range(1, max_iter + 1):
        residual = y - design.matvec(beta)
        rp = b - design.rmatvec(x)
        gap = float(x @ z + s @ w)
        dual_obj = float(y @ x) - ydual_const
        rel_gap = gap / (1.0 + abs(dual_obj))
        if exact and rel_gap < 1e-3:
            cand, _ = _interior_rows(x, s, u, residual, rscale, q)
            key = np.sort(cand).tobytes()
            if key not in tried_vertices:
                tried_vertices.add(key)
                verdict, vbeta, vdual = vertex_check(design, tau, cand)
                if verdict == "optimal":
                    return IPMResult(vbeta, np.sort(cand), it - 1, "vertex", 0.0, vdual)
        if approx_tol is not None and rel_gap < approx_tol:
            status = "converged"
            break
        if rel_gap < tol:
            status = "converged"
            break
        xi = 1.0 / x
        si = 1.0 / s
        zx = z * xi
        ws = w * si
        D = 1.0 / (zx + ws)
        factor = None
        G = design.gram(D)
        # Predictor (affine scaling) direction: complementarity targets zero.
        rhat = residual
        dbeta, factor = _cholesky_solve(G, design.rmatvec(D * rhat) - rp, factor)
        dx = D * (rhat - design.matvec(dbeta))
        dz = -z - zx * dx
        dw = -w + ws * dx
        ap = min(1.0, _STEP * _max_step(x, dx, s, -dx))
        ad = min(1.0, _STEP * _max_step(z, dz, w, dw))
        mu = gap / (2 * m)
        mu_aff = float(
            (x + ap * dx) @ (z + ad * dz) + (s - ap * dx) @ (w + ad * dw)
        ) / (2 * m)
        sigma = min(1.0, (mu_aff / mu) ** 3) if mu > 0 else 0.0
        # Corrector: centring towards sigma * mu plus Mehrotra's second-order term.
        smu = sigma * mu
        corr_x = smu * xi - dx * dz * xi
        corr_s = smu * si + dx * dw * si
        rhat = residual + corr_x - corr_s
        dbeta, factor = _cholesky_solve(G, design.rmatvec(D * rhat) - rp, factor)
        dx = D * (rhat - design.matvec(dbeta))
        dz = corr_x - z - zx * dx
        dw = corr_s - w + ws * dx
        ap = min(1.0, _STEP * _max_step(x, dx, s, -dx))
        ad = min(1.0, _STEP * _max_step(z, dz, w, dw))
        x += ap * dx
        s -= ap * dx
        beta += ad * dbeta
        z += ad * dz
        w += ad * dw
    residual = y - design.matvec(beta)
    cand, _ = _interior_rows(x, s, u, residual, rscale, q)
    if exact:
        verdict, vbeta, vdual = vertex_check(design, tau, cand)
        if verdict == "optimal":
            return IPMResult(vbeta, np.sort(cand), it, "vertex", 0.0, vdual)
    # The interior-point dual: strictly inside its box, A'd = 0 up to the final residual.
    dual = x - (1.0 - tau) * u
    if exact and verdict == "degenerate" and vbeta is not None:
        # A degenerate vertex at least as good as the iterate is the better hand-over: its
        # interpolated rows are exactly zero, which the finisher's LP needs.
        if _loss(design, tau, vbeta) <= _loss(design, tau, beta, residual):
            return IPMResult(vbeta, np.sort(cand), it, status, rel_gap, dual)
    # Unfinished: hand over the iterate and the rows with interior duals.
    inner = np.minimum(x, s) / u
    basis = np.flatnonzero(inner > np.sqrt(max(rel_gap, 1e-16)))
    return IPMResult(beta, basis, it, status, rel_gap, dual)


def _loss_obs(design: RowDesign, tau: float, residual: np.ndarray) -> float:
    """Weighted check loss of the observations (without the penalty rows) at ``residual``."""
    return float(
        design.u[: design.n] @ np.where(residual >= 0, tau * residual, (tau - 1.0) * residual)
    )


def _loss(design: RowDesign, tau: float, beta: np.ndarray, residual=None) -> float:
    if residual is None:
        residual = design.y - design.matvec(beta)
    return float(design.u @ np.where(residual >= 0, tau * residual, (tau - 1.0) * residual))


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


def sub_design(design: RowDesign, index: np.ndarray, extra_rows, extra_y, extra_u) -> RowDesign:
    """The observations ``index`` of ``design`` plus its extra rows and the given new rows.

    Dense observations are copied with the intercept column included, so that the Gram matrix
    of the (small) reduced problem is a single product per row block.
    """
    X = design.X[index]
    intercept = design.intercept
    if intercept and not design.sparse:
        block = np.empty((index.size, design.q))
        block[:, 0] = 1.0
        block[:, 1:] = X
        X, intercept = block, False
    E = design.E
    y_e = design.y[design.n:]
    u_e = design.u[design.n:]
    if len(extra_rows):
        E = np.vstack([E, np.asarray(extra_rows)])
        y_e = np.concatenate([y_e, extra_y])
        u_e = np.concatenate([u_e, extra_u])
    y = np.concatenate([design.y[index], y_e])
    u = np.concatenate([design.u[index], u_e])
    return RowDesign(X, intercept, E, y, u)


def _solve_any_rank(design: RowDesign, tau: float, beta0=None, **kwargs):
    """:func:`solve_exact` after dropping dependent columns (their coefficients are zero)."""
    gram = design.gram(design.u)
    keep = independent_columns(design, gram)
    if keep.all():
        return solve_exact(design, tau, beta0, gram=gram, **kwargs), keep
    reduced = design.take_columns(keep)
    start = None if beta0 is None else np.asarray(beta0)[keep]
    result = solve_exact(reduced, tau, start, **kwargs)
    beta = np.zeros(design.q)
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
    q, off, n = design.q, design.off, design.n
    scale = 1.0 / np.sqrt(np.maximum(np.diag(gram), 1e-300))
    Gs = gram * scale[:, None] * scale[None, :]
    Gs[np.diag_indices_from(Gs)] += 1e-10
    L = np.linalg.cholesky(Gs)
    # Rows of A @ T have norm ||L^{-1} a_i|| with T = diag(scale) L^{-T}.
    T = scale[:, None] * sla.solve_triangular(L, np.eye(q), lower=True).T
    residual = np.empty(n)
    spread = np.empty(n)
    X, y = design.X, design.y
    for start in range(0, n, design.block):
        stop = min(start + design.block, n)
        Xc = X[start:stop]
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
    n = design.n
    u = design.u[:n]
    weights = np.zeros((n, 2))
    weights[:, 0] = np.where(below, u, 0.0)
    weights[:, 1] = np.where(above, u, 0.0)
    totals = weights.sum(axis=0)
    rows = np.empty((2, design.q))
    rows[:, design.off:] = np.asarray(design.X.T @ weights).T  # one pass over X for both
    if design.off:
        rows[:, 0] = totals
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
    n = design.n
    iters = 0
    pilot = sub_design(design, index, [], [], [])
    if pilot.k:
        # The penalty's pseudo-rows keep their share of the (now smaller) total weight.
        pilot.u[pilot.n:] *= pilot.u[: pilot.n].sum() / design.u[:n].sum()
    if beta0 is None:
        fit, _ = _solve_any_rank(pilot, tau, exact=False, approx_tol=1e-5, max_iter=max_iter)
        iters += fit.n_iter
        beta = fit.beta
    else:
        beta = np.asarray(beta0, dtype=float)
    gram = pilot.gram(pilot.u)
    del pilot
    residual, spread = _band_statistics(design, beta, gram)
    spread_sum = float(spread.sum())
    width = _band_width(spread_sum, tau)
    keep = max(int(2.0 * width * math.sqrt(tau * (1.0 - tau)) * spread_sum), 20 * design.q)
    center_loss = _loss_obs(design, tau, residual)
    standardized = _standardize(residual, spread)
    lower, upper = _cut_points(standardized, keep)
    below = standardized < lower
    above = standardized > upper
    center = (beta, residual)
    for rounds in range(1, max_rounds + 1):
        middle = np.flatnonzero(~(below | above))
        if middle.size > n // 2:
            return None
        rows, ys, us = _globs(design, below, above, residual)
        reduced = sub_design(design, middle, rows, ys, us)
        fit, _ = _solve_any_rank(reduced, tau, beta, tol=tol, max_iter=max_iter)
        iters += fit.n_iter
        del reduced
        residual = design.y[:n] - design.matvec(fit.beta)[:n]
        wrong_below = below & (residual > 0)
        wrong_above = above & (residual < 0)
        wrong = int(np.count_nonzero(wrong_below) + np.count_nonzero(wrong_above))
        if wrong == 0:
            # Map the reduced basis back to rows of the full design (a glob in the basis means
            # all its rows are interpolated, which the finisher sees from their residuals).
            basis = fit.basis
            obs = basis[basis < middle.size]
            pseudo = basis[(basis >= middle.size) & (basis < middle.size + design.k)]
            full_basis = np.concatenate([middle[obs], n + (pseudo - middle.size)])
            dual = None
            if fit.dual is not None:
                # Globbed rows sit at their bounds; the rest come from the reduced problem.
                u = design.u
                dual = np.where(above, tau * u[:n], np.where(below, -(1.0 - tau) * u[:n], 0.0))
                dual[middle] = fit.dual[: middle.size]
                dual = np.concatenate(
                    [dual, fit.dual[middle.size: middle.size + design.k]]
                )
            return PreprocessResult(fit.beta, np.sort(full_basis), iters, fit.status, fit.gap,
                                    rounds, index.size, middle.size, dual)
        if fit.status == "max_iter":
            return None
        if wrong > max(keep // 20, 10 * design.q):
            # Many misclassified: the band was too narrow for the centre's error. They
            # concentrate where x is extreme, and when the band's rows cannot absorb their dual
            # share the reduced optimum runs far off, so re-centre a wider band on whichever
            # of the old centre and the new fit has the lower full objective.
            keep *= 2
            fit_loss = _loss_obs(design, tau, residual)
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
