"""Optimality certificates and the canonical solution, shared by every backend.

The quantile-regression LP (Koenker & Bassett 1978) in its augmented form (see ``_problem.py``)

    min_beta  sum_i w_i rho_tau(y_i - A_i beta)

has the dual ``max_d y'd  s.t.  A'd = 0,  -(1 - tau) w_i <= d_i <= tau w_i``. Given a candidate
``beta`` we

1. *polish*: take the rows it (nearly) interpolates, ``Z``, and solve ``A_Z beta = y_Z`` exactly,
   which turns an approximate vertex into the exact one;
2. *certify*: fix ``d_i`` at its bound for every row outside ``Z`` (complementary slackness) and
   find ``d_Z`` in its box with ``A_Z' d_Z = -A_{Z^c}' d_{Z^c}``; such a ``d`` is dual feasible
   with zero duality gap, which proves ``beta`` optimal (the condition of Koenker 2005, Thm 2.1);
3. *canonicalise*: for any optimal dual ``d`` the optimal set is the face
   ``{beta : r_i = 0 where d_i is inside its box, r_i >= 0 where d_i = tau w_i,
   r_i <= 0 where d_i = -(1 - tau) w_i}``. Its minimum-norm point is unique and depends only on
   the problem, not on the backend or on how rows are weighted or repeated, so weighted and
   repeated data give the same answer. It is a least-distance problem, solved exactly by
   Lawson & Hanson's (1974, ch. 23) reduction to non-negative least squares.

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
Lawson, C. L. and Hanson, R. J. (1974). Solving Least Squares Problems. Prentice-Hall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lstsq
from scipy.optimize import linprog, nnls

from ._design import RowDesign
from ._problem import QuantileProblem, SolverResult
from ._tolerances import (
    DUAL_AT_BOUND_RTOL,
    DUAL_BOX_RTOL,
    DUALITY_GAP_RTOL,
    NULL_SPACE_RCOND,
    POLISH_INTERPOLATION_RTOL,
    ZERO_RESIDUAL_RTOL,
    is_zero_residual,
    numerical_rank,
    residual_scale,
)

# Above this many distinct interpolated rows the certificate's LP looks for any dual point, not
# the most interior one.
MAX_MARGIN_ROWS = 2000


@dataclass
class Certificate:
    """Outcome of :func:`certify`."""

    beta: np.ndarray
    dual: np.ndarray | None
    zero_set: np.ndarray
    certified: bool
    gap: float
    loss: float
    message: str


def _zero_set(
    aug: RowDesign, residual: np.ndarray, fitted: np.ndarray, basis=None,
    tol=ZERO_RESIDUAL_RTOL,
):
    zero = is_zero_residual(residual, residual_scale(aug.y, fitted), tol)
    if basis is not None:
        zero[np.asarray(basis, dtype=np.intp)] = True
    return np.flatnonzero(zero)


def _null_space(matrix: np.ndarray, rcond: float = NULL_SPACE_RCOND) -> np.ndarray:
    """Orthonormal null-space basis; economy SVD for tall matrices (never an m x m factor)."""
    m, q = matrix.shape
    _, s, vt = np.linalg.svd(matrix, full_matrices=m < q)
    rank = numerical_rank(s, rcond)
    return vt[rank:].T


def _solve_rows(rows: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-norm solution of ``rows @ x = rhs`` and an orthonormal basis of its null space.

    Columns are equilibrated before the SVD so that features on very different scales do not
    make a genuine direction look numerically null; the null space of the scaled system maps
    back exactly, and the particular solution is then made orthogonal to it, so the result is
    the minimum-norm solution in the original coordinates.
    """
    q = rows.shape[1]
    scale = np.abs(rows).max(axis=0, initial=0.0)
    used = np.flatnonzero(scale > 0.0)
    unused = np.flatnonzero(scale == 0.0)
    # Columns the rows never touch are exact null directions with a zero particular component;
    # handling them apart keeps those coefficients exactly 0 rather than rounding noise.
    particular = np.zeros(q)
    null_parts = [np.eye(q)[:, unused]]
    if used.size:
        scaled = rows[:, used] / scale[used]
        particular[used] = lstsq(scaled, rhs, lapack_driver="gelsd")[0] / scale[used]
        null_used = _null_space(scaled)
        if null_used.shape[1]:
            null_used, _ = np.linalg.qr(null_used / scale[used, None])
            particular[used] -= null_used @ (null_used.T @ particular[used])
            embedded = np.zeros((q, null_used.shape[1]))
            embedded[used] = null_used
            null_parts.append(embedded)
    return particular, np.hstack(null_parts)


def _polish(aug: RowDesign, beta: np.ndarray, zero_set: np.ndarray) -> np.ndarray:
    """Move ``beta`` the least distance that makes it interpolate the rows in ``zero_set``."""
    if zero_set.size == 0:
        return beta
    rows = aug.rows(zero_set)
    # Solve for the interpolating point from scratch (not as a correction to beta) so that a
    # vertex comes out exact, zeros included; only beta's null-space component is kept.
    particular, null = _solve_rows(rows, aug.y[zero_set])
    polished = particular + null @ (null.T @ beta)
    # Keep the polish only if it really interpolates (the rows may be inconsistent when the
    # candidate was not near a vertex).
    miss = np.max(np.abs(rows @ polished - aug.y[zero_set]), initial=0.0)
    if miss <= POLISH_INTERPOLATION_RTOL * (1.0 + np.max(np.abs(aug.y[zero_set]), initial=0.0)):
        return polished
    return beta


def _dual_on_zero_set(aug, zero_set, rhs, lower, upper, hint=None):
    """Find ``d_Z`` in ``[lower, upper]`` with ``A_Z' d_Z = rhs``; ``None`` if there is none."""
    if zero_set.size == 0:
        return np.empty(0) if np.allclose(rhs, 0.0, atol=1e-9 * (1 + np.abs(rhs).max())) else None
    rows_t = aug.rows(zero_set).T
    box_scale = np.maximum(upper - lower, 1e-300)

    def in_box(d):
        return d is not None and bool(
            np.all(d >= lower - DUAL_BOX_RTOL * box_scale)
            and np.all(d <= upper + DUAL_BOX_RTOL * box_scale)
        )

    if zero_set.size == rows_t.shape[0]:
        try:
            d = np.linalg.solve(rows_t, rhs)
        except np.linalg.LinAlgError:
            d = None
        if in_box(d):
            return np.clip(d, lower, upper)
    if hint is not None:
        # A backend's own dual (interior-point or basic) is usually right up to rounding: clip
        # it to the box and take the least change that restores A_Z' d_Z = rhs.
        start = np.clip(hint, lower, upper)
        d = start + lstsq(rows_t, rhs - rows_t @ start, lapack_driver="gelsd")[0]
        if in_box(d) and np.allclose(rows_t @ d, rhs, rtol=1e-10, atol=1e-10 * box_scale.max()):
            return np.clip(d, lower, upper)
    # Degenerate vertex (more interpolated rows than unknowns) or singular basis: an LP. Rows
    # of A_Z that are identical (ties, duplicated or discrete data) are merged first: their
    # boxes add up, and each member later sits at the same relative place in its own box.
    groups, member = np.unique(rows_t.T, axis=0, return_inverse=True)
    member = member.ravel()
    n_groups = groups.shape[0]
    low = np.bincount(member, weights=lower, minlength=n_groups)
    width = np.bincount(member, weights=upper - lower, minlength=n_groups)
    a_eq = sp.csr_matrix(groups.T)
    if n_groups <= MAX_MARGIN_ROWS:
        # Prefer dual values inside the box (max of the smallest relative margin) so that the
        # face read off from them has as many equalities as the data allow.
        c = np.zeros(n_groups + 1)
        c[-1] = -1.0
        a_eq = sp.hstack([a_eq, sp.csr_matrix((a_eq.shape[0], 1))], format="csr")
        eye = sp.identity(n_groups, format="csr")
        margin = sp.csr_matrix(width[:, None])
        a_ub = sp.vstack([sp.hstack([-eye, margin]), sp.hstack([eye, margin])], format="csr")
        b_ub = np.concatenate([-low, low + width])
        bounds = np.column_stack([np.append(low, 0.0), np.append(low + width, 0.5)])
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=rhs, bounds=bounds,
                      method="highs")
    else:
        # Too many distinct rows for the margin LP to be cheap: any feasible point certifies,
        # and any optimal dual describes the same optimal face.
        res = linprog(np.zeros(n_groups), A_eq=a_eq, b_eq=rhs,
                      bounds=np.column_stack([low, low + width]), method="highs")
    if res.status != 0:
        return None
    share = np.clip((res.x[:n_groups] - low) / width, 0.0, 1.0)
    return lower + share[member] * (upper - lower)


def independent_rows(rows: np.ndarray, index: np.ndarray, limit: int | None = None) -> np.ndarray:
    """The first (at most ``limit``) linearly independent rows, in the given order.

    Greedy Gram-Schmidt with a second orthogonalisation pass (one pass loses orthogonality);
    returns the entries of ``index`` for the rows kept.
    """
    q = rows.shape[1]
    limit = q if limit is None else min(limit, q)
    basis = np.zeros((0, q))
    chosen = []
    for i, row in enumerate(rows):
        rest = row - basis.T @ (basis @ row)
        rest = rest - basis.T @ (basis @ rest)
        norm = np.linalg.norm(rest)
        if norm > 1e-9 * max(np.linalg.norm(row), 1e-300):
            basis = np.vstack([basis, rest / norm])
            chosen.append(index[i])
            if len(chosen) == limit:
                break
    return np.asarray(chosen, dtype=np.intp)


def certify(aug: RowDesign, beta: np.ndarray, basis=None, dual=None) -> Certificate:
    """Polish ``beta`` to the vertex it approximates and prove (or fail to prove) optimality.

    Tries the default zero tolerance first, then a much tighter one: with badly scaled data a
    genuinely non-zero residual can fall under the default and spoil an otherwise exact vertex.

    Parameters
    ----------
    aug : RowDesign
    beta : ndarray of shape (n_columns,)
        Candidate solution (intercept first when fitted).
    basis : array of int, optional
        Rows the backend believes are interpolated; joined to the rows with zero residual.
    dual : ndarray of shape (n_rows,), optional
        The backend's dual solution, a starting guess for the certificate on degenerate
        vertices (checked, never trusted).

    Returns
    -------
    Certificate
    """
    if dual is not None and np.shape(dual) != (aug.shape[0],):
        dual = None
    cert = _certify(aug, beta, basis, ZERO_RESIDUAL_RTOL, dual)
    if not cert.certified:
        retry = _certify(aug, beta, basis, ZERO_RESIDUAL_RTOL * 1e-4, dual)
        if retry.certified:
            return retry
    return cert


def _certify(aug: RowDesign, beta: np.ndarray, basis, tol: float, hint) -> Certificate:
    beta = np.asarray(beta, dtype=float)
    fitted = aug.matvec(beta)
    residual = aug.y - fitted
    zero_set = _zero_set(aug, residual, fitted, basis, tol)
    q = aug.shape[1]
    if basis is not None or zero_set.size > q:
        # An approximate backend may name more rows than a vertex interpolates, or dependent
        # ones (collinear columns); keep the rows that are exactly zero plus the independent
        # rows nearest to zero, and let the polish decide the rest.
        exact = _zero_set(aug, residual, fitted, tol=tol)
        ordered = zero_set[np.argsort(np.abs(residual[zero_set]), kind="stable")]
        zero_set = np.union1d(exact, independent_rows(aug.rows(ordered), ordered))
    for _ in range(3):
        beta = _polish(aug, beta, zero_set)
        fitted = aug.matvec(beta)
        residual = aug.y - fitted
        grown = _zero_set(aug, residual, fitted, zero_set, tol)
        if grown.size == zero_set.size:
            break
        zero_set = grown
    residual[zero_set] = 0.0
    lower, upper = aug.dual_bounds()
    dual = np.where(residual > 0, upper, lower)
    dual[zero_set] = 0.0
    rhs = -aug.rmatvec(dual)
    d_zero = _dual_on_zero_set(
        aug, zero_set, rhs, lower[zero_set], upper[zero_set],
        None if hint is None else hint[zero_set],
    )
    loss = aug.loss(beta)
    if d_zero is None:
        return Certificate(beta, None, zero_set, False, float("nan"), loss,
                           "no dual certificate: the candidate is not optimal")
    dual[zero_set] = d_zero
    dual_value = float(aug.y @ dual) / aug.weight_sum
    infeasibility = np.abs(aug.rmatvec(dual)).max(initial=0.0) / aug.weight_sum
    gap = loss - dual_value
    tol = DUALITY_GAP_RTOL * max(1.0, abs(loss))
    certified = abs(gap) <= tol and infeasibility <= DUAL_BOX_RTOL * max(1.0, np.abs(beta).max())
    message = "optimal (dual certificate)" if certified else (
        f"dual certificate failed: gap={gap:.3g}, dual infeasibility={infeasibility:.3g}"
    )
    return Certificate(beta, dual, zero_set, bool(certified), max(gap, 0.0), loss, message)


def _least_distance(G: np.ndarray, h: np.ndarray) -> np.ndarray | None:
    """``argmin ||z|| s.t. G z >= h`` by Lawson & Hanson's LDP -> NNLS reduction."""
    k = G.shape[1]
    if G.shape[0] == 0 or np.all(h <= 0):
        return np.zeros(k)
    E = np.vstack([G.T, h[None, :]])
    f = np.zeros(k + 1)
    f[-1] = 1.0
    u, _ = nnls(E, f, maxiter=50 * E.shape[1] + 100)
    r = E @ u - f
    if abs(r[-1]) < 1e-14:
        return None
    return -r[:k] / r[-1]


def canonical_point(aug: RowDesign, cert: Certificate) -> tuple[np.ndarray, bool | None]:
    """Minimum-norm point of the optimal face described by a certified dual.

    Returns ``(beta, unique)`` where ``unique`` is ``True`` when the face is a single point,
    ``False`` when it provably has more than one, ``None`` when that was not decided.
    """
    lower, upper = aug.dual_bounds()
    dual = cert.dual
    margin = DUAL_AT_BOUND_RTOL * aug.weights
    at_upper = dual >= upper - margin
    at_lower = dual <= lower + margin
    inside = np.flatnonzero(~at_upper & ~at_lower)
    if inside.size:
        rows_eq = aug.rows(inside)
        beta_p, basis_null = _solve_rows(rows_eq, aug.y[inside])
    else:
        beta_p = np.zeros(aug.shape[1])
        basis_null = np.eye(aug.shape[1])
    if basis_null.shape[1] == 0:
        return beta_p, True
    # With beta = beta_p + N z, ||beta||^2 = ||beta_p||^2 + ||z||^2 (beta_p is in the row space
    # of the equalities), so the canonical point is the least-distance z subject to the face's
    # inequalities: sign_i (A_i beta - y_i) <= 0, sign = +1 where d_i = tau w_i (r_i >= 0) and
    # -1 where d_i = -(1 - tau) w_i (r_i <= 0).
    sign = np.where(at_upper & ~at_lower, 1.0, np.where(at_lower & ~at_upper, -1.0, 0.0))
    active = np.flatnonzero(sign != 0)
    excess_p = sign * (aug.matvec(beta_p) - aug.y)  # G z >= h with h = excess_p, G = -sign A N
    distance = np.abs(aug.residual(cert.beta))
    # Working set: the constraints nearest to binding at the certified point; any constraint
    # the least-distance point violates joins it (cutting planes, each round an exact LDP).
    order = active[np.argsort(distance[active], kind="stable")]
    chunk = 4 * aug.shape[1] + 20
    working = set(order[:chunk].tolist())
    tol = 1e-10 * (1.0 + np.max(np.abs(aug.y), initial=0.0))
    for _ in range(50):
        idx = np.fromiter(sorted(working), dtype=np.intp, count=len(working))
        G = -sign[idx, None] * (aug.rows(idx) @ basis_null)
        h = excess_p[idx]
        norms = np.linalg.norm(G, axis=1)
        keep = norms > 1e-12
        z = _least_distance(G[keep] / norms[keep, None], h[keep] / norms[keep])
        if z is None:
            return cert.beta, None
        beta = beta_p + basis_null @ z
        violation = sign * (aug.matvec(beta) - aug.y)
        bad = [i for i in active[violation[active] > tol].tolist() if i not in working]
        if not bad:
            return beta, _face_is_point(aug, beta_p, basis_null, sign, active, excess_p)
        working.update(bad[:chunk])
    return cert.beta, None


def _face_is_point(aug, beta_p, basis_null, sign, active, excess_p) -> bool | None:
    """Whether the face is one point: the span of a random direction over it (2 small LPs)."""
    if active.size > 200_000:
        return None
    k = basis_null.shape[1]
    G = -sign[active, None] * (aug.rows(active) @ basis_null)
    h = excess_p[active]
    direction = np.random.default_rng(0).standard_normal(k)
    lowest = []
    for s in (1.0, -1.0):
        res = linprog(s * direction, A_ub=-G, b_ub=-h, bounds=[(None, None)] * k, method="highs")
        if res.status == 3:  # unbounded: the face is a ray or more
            return False
        if res.status != 0:
            return None
        lowest.append(res.fun)
    span = -lowest[1] - lowest[0]
    return bool(span <= 1e-9 * (1.0 + np.abs(lowest).max()))


def finalize(problem: QuantileProblem, result: SolverResult) -> SolverResult:
    """Certify a backend's answer and replace it by the canonical optimal point.

    Called once for every backend, so all of them return the same point of the optimal set.
    An uncertified answer is returned unchanged with ``certified=False``.
    """
    aug = problem.augmented()
    beta = problem.join(result.coef, result.intercept)
    cert = certify(aug, beta, basis=result.basis, dual=result.dual)
    if not cert.certified:
        result.certified = False
        result.message = f"{result.message}; {cert.message}".strip("; ")
        return result
    canonical, unique = canonical_point(aug, cert)
    loss_canonical = aug.loss(canonical)
    if loss_canonical <= cert.loss + DUALITY_GAP_RTOL * max(1.0, abs(cert.loss)):
        beta = canonical
    else:
        beta, unique = cert.beta, None
    # A penalised coefficient whose pseudo-observation is interpolated is zero by the equations
    # solved; set it to exactly 0.0 rather than leave rounding noise of 1e-16.
    pseudo = cert.zero_set[cert.zero_set >= aug.n_samples] - aug.n_samples
    if pseudo.size:
        beta = beta.copy()
        cols = aug.offset + aug.penalized[pseudo % aug.penalized.size]
        tiny = np.abs(beta[cols]) <= 1e-12 * max(1.0, np.abs(beta).max())
        beta[cols[tiny]] = 0.0
    coef, intercept = problem.split(beta + 0.0)  # + 0.0 turns -0.0 into 0.0
    result.coef, result.intercept = coef, intercept
    result.objective = problem.objective(coef, intercept)
    result.gap = cert.gap
    result.dual = cert.dual
    result.basis = cert.zero_set
    result.certified = True
    result.unique = unique
    if unique is False:
        result.message = (
            f"{result.message}; the optimum is not unique: returned the minimum-norm point "
            "of the optimal face"
        ).strip("; ")
    return result
