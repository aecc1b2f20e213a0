"""The canonical optimal point: exact equality solves and the minimum-norm point of a face.

When the quantile-regression LP has a whole face of optima, every backend must return the same
point of it. Given a certified dual ``d`` the optimal face is (Koenker 2005, Thm 2.1)

    {beta : r_i = 0 where d_i is inside its box, r_i >= 0 where d_i = tau w_i,
            r_i <= 0 where d_i = -(1 - tau) w_i},

and its minimum-norm point, in the user's coordinates, is unique and depends only on the problem.
Writing ``beta = beta_p + N z`` over the equalities turns it into a least-distance problem
(Lawson & Hanson 1974, ch. 23: LSI -> LDP -> NNLS). Its answer is then *snapped*: the face
constraints that bind at it are solved as equalities exactly (by LU on independent rows when they
determine the point), so a vertex comes out exactly (``10.0``, not ``10.000000000000005``) and a
point on the face's boundary lies exactly on it.

References
----------
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
Lawson, C. L. and Hanson, R. J. (1974). Solving Least Squares Problems. Prentice-Hall.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lstsq, solve_triangular
from scipy.optimize import linprog, nnls

from ._tolerances import DUAL_AT_BOUND_RTOL, NULL_SPACE_RCOND, numerical_rank

__all__ = ["abs_design", "canonical_point", "independent_rows", "row_magnitude", "solve_rows"]

# A face inequality violated by more than this fraction of its row's magnitude joins the working
# set; one within it binds at the least-distance point.
FACE_TOL = 1e-10


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


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal null-space basis; economy SVD for tall matrices (never an m x m factor)."""
    m, q = matrix.shape
    _, s, vt = np.linalg.svd(matrix, full_matrices=m < q)
    rank = numerical_rank(s, NULL_SPACE_RCOND)
    return vt[rank:].T


def _fixed_columns(rows: np.ndarray, rhs: np.ndarray) -> dict[int, float]:
    """Coefficients pinned by a row with a single non-zero entry (a penalty pseudo-row pins
    ``b_j = 0``): solved by one division, so such a zero is exactly ``0.0``."""
    nonzero = rows != 0.0
    fixed: dict[int, float] = {}
    for i in np.flatnonzero(np.count_nonzero(nonzero, axis=1) == 1):
        j = int(np.argmax(nonzero[i]))
        fixed.setdefault(j, float(rhs[i] / rows[i, j]))
    return fixed


def _vertex_solve(scaled: np.ndarray, rhs: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """LU on independent rows when they determine the point: exact on representable vertices,
    where an SVD solve leaves rounding in the last digits. Kept only if it fits every row."""
    if scaled.shape[0] == scaled.shape[1]:
        chosen = np.arange(scaled.shape[0])
    else:
        chosen = independent_rows(scaled, np.arange(scaled.shape[0]))
    if chosen.size < scaled.shape[1]:
        return fallback
    try:
        exact = np.linalg.solve(scaled[chosen], rhs[chosen])
    except np.linalg.LinAlgError:
        return fallback
    misfit = np.max(np.abs(scaled @ exact - rhs), initial=0.0)
    return exact if misfit <= np.max(np.abs(scaled @ fallback - rhs), initial=0.0) else fallback


def solve_rows(rows: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-norm solution of ``rows @ x = rhs`` and an orthonormal basis of its null space.

    Columns are equilibrated before the SVD so that features on very different scales do not
    make a genuine direction look numerically null; the particular solution is then made
    orthogonal to the null space. Columns pinned by single-entry rows, and columns no row
    touches, are set exactly (to their pinned value, or 0) rather than left with rounding noise.
    """
    q = rows.shape[1]
    particular = np.zeros(q)
    fixed = _fixed_columns(rows, rhs)
    if fixed:
        cols = np.fromiter(fixed, dtype=np.intp)
        particular[cols] = np.fromiter(fixed.values(), dtype=float)
        rhs = rhs - rows[:, cols] @ particular[cols]
    scale = np.abs(rows).max(axis=0, initial=0.0)
    pinned = np.zeros(q, dtype=bool)
    pinned[list(fixed)] = True
    scale[pinned] = 0.0
    used = np.flatnonzero(scale > 0.0)
    unused = np.flatnonzero((scale == 0.0) & ~pinned)
    null_parts = [np.eye(q)[:, unused]]
    if used.size:
        scaled = rows[:, used] / scale[used]
        solution = lstsq(scaled, rhs, lapack_driver="gelsd")[0]
        null_used = _null_space(scaled)
        if null_used.shape[1]:
            null_used, _ = np.linalg.qr(null_used / scale[used, None])
            particular[used] = solution / scale[used]
            particular[used] -= null_used @ (null_used.T @ particular[used])
            embedded = np.zeros((q, null_used.shape[1]))
            embedded[used] = null_used
            null_parts.append(embedded)
        else:
            particular[used] = _vertex_solve(scaled, rhs, solution) / scale[used]
    return particular, np.hstack(null_parts)


_ABS_CACHE: list = [None, None]  # [weak reference to X, |X|]


def abs_design(aug):
    """``|X|``, built once per design: a backend's own certificate and the finisher's see the
    same ``X`` (a one-entry cache, dropped when ``X`` is)."""
    X = aug.X
    ref, cached = _ABS_CACHE
    if ref is None or ref() is not X:
        cached = abs(X) if sp.issparse(X) else np.abs(X)
        try:
            _ABS_CACHE[:] = [weakref.ref(X), cached]
        except TypeError:  # an X type without weak references: no cache
            pass
    return cached


def row_magnitude(aug, beta: np.ndarray) -> np.ndarray:
    """``|y_i| + sum_j |A_ij beta_j|`` per row: the size of the terms a residual is summed from,
    hence the scale of its rounding (an offset or one large coefficient does not inflate the
    tolerance of other rows)."""
    off = aug.offset
    abs_beta = np.abs(beta)
    obs = np.asarray(abs_design(aug) @ abs_beta[off:]).ravel() + (abs_beta[0] if off else 0.0)
    pen = abs_beta[off + aug.penalized]
    return np.abs(aug.y) + np.concatenate([obs, pen, pen])


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


class _Coordinates:
    """``z -> beta = beta_p + N z`` with the norm measured in the user's coordinates.

    With ``beta_user = T beta + e`` (the equilibration's map) and ``T N = Q R``,
    ``||beta_user||^2 = ||v||^2 + const`` for ``v = R z + Q'(T beta_p + e)``, so minimising the
    user's norm is a least-distance problem in ``v`` (Lawson & Hanson's LSI -> LDP step).
    """

    def __init__(self, beta_p, null, metric):
        self.beta_p, self.null = beta_p, null
        if metric is None:
            self.R, self.f = None, np.zeros(null.shape[1])
        else:
            T, e = metric
            Q, self.R = np.linalg.qr(T @ null)
            self.f = Q.T @ (T @ beta_p + e)

    def constraints(self, G: np.ndarray, h: np.ndarray):
        """``G z >= h`` as ``G' v >= h'``."""
        if self.R is None:
            return G, h
        G_v = solve_triangular(self.R, G.T, trans="T", lower=False).T
        return G_v, h + G_v @ self.f

    def beta(self, v: np.ndarray) -> np.ndarray:
        z = v if self.R is None else solve_triangular(self.R, v - self.f, lower=False)
        return self.beta_p + self.null @ z


def _face(aug, dual):
    """``(inside, sign)``: rows whose dual is inside its box, and +-1 for rows at a bound."""
    lower, upper = aug.dual_bounds()
    margin = DUAL_AT_BOUND_RTOL * aug.weights
    at_upper = dual >= upper - margin
    at_lower = dual <= lower + margin
    inside = np.flatnonzero(~at_upper & ~at_lower)
    sign = np.where(at_upper & ~at_lower, 1.0, np.where(at_lower & ~at_upper, -1.0, 0.0))
    return inside, sign


def _row_tolerance(aug, beta: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``FACE_TOL`` times the magnitude of the terms of each row's residual."""
    return FACE_TOL * row_magnitude(aug, beta)[index]


def _snap(aug, beta, inside, sign, active, metric):
    """Solve the face constraints binding at ``beta`` as equalities, exactly; ``None`` when the
    result leaves the face (then the least-distance point stands)."""
    violation = sign[active] * (aug.matvec(beta)[active] - aug.y[active])
    binding = active[violation >= -_row_tolerance(aug, beta, active)]
    rows_index = np.union1d(inside, binding)
    if rows_index.size == 0:
        return None
    particular, null = solve_rows(aug.rows(rows_index), aug.y[rows_index])
    if null.shape[1] and metric is not None:
        T, e = metric
        particular = particular - null @ lstsq(T @ null, T @ particular + e)[0]
    fitted = aug.matvec(particular)
    on_equalities = np.abs(fitted[inside] - aug.y[inside]) <= _row_tolerance(
        aug, particular, inside)
    on_inequalities = sign[active] * (fitted[active] - aug.y[active]) <= _row_tolerance(
        aug, particular, active)
    if np.all(on_equalities) and np.all(on_inequalities):
        return particular
    return None


def canonical_point(aug, beta_cert: np.ndarray, dual: np.ndarray, metric=None):
    """Minimum-norm point of the optimal face described by a certified dual.

    Parameters
    ----------
    aug : RowDesign
    beta_cert : ndarray
        A certified optimal point (orders the working set of face constraints).
    dual : ndarray
        A certified optimal dual.
    metric : (T, e) or None
        The norm is that of ``T @ beta + e`` (the user's coordinates); ``None`` is ``beta``'s.

    Returns
    -------
    beta : ndarray
    unique : bool or None
        ``True`` when the face is a single point, ``False`` when it provably has more than one,
        ``None`` when that was not decided (then ``beta`` is ``beta_cert``).
    """
    inside, sign = _face(aug, dual)
    if inside.size:
        beta_p, null = solve_rows(aug.rows(inside), aug.y[inside])
    else:
        beta_p, null = np.zeros(aug.shape[1]), np.eye(aug.shape[1])
    if null.shape[1] == 0:
        return beta_p, True
    coords = _Coordinates(beta_p, null, metric)
    active = np.flatnonzero(sign != 0)
    excess_p = sign * (aug.matvec(beta_p) - aug.y)  # G z >= h with h = excess_p, G = -sign A N
    distance = np.abs(aug.residual(beta_cert))
    # Working set: the constraints nearest to binding at the certified point; any constraint
    # the least-distance point violates joins it (cutting planes, each round an exact LDP).
    order = active[np.argsort(distance[active], kind="stable")]
    chunk = 4 * aug.shape[1] + 20
    working = set(order[:chunk].tolist())
    for _ in range(50):
        idx = np.fromiter(sorted(working), dtype=np.intp, count=len(working))
        G, h = coords.constraints(-sign[idx, None] * (aug.rows(idx) @ null), excess_p[idx])
        norms = np.linalg.norm(G, axis=1)
        keep = norms > 1e-12 * max(norms.max(initial=0.0), 1e-300)
        v = _least_distance(G[keep] / norms[keep, None], h[keep] / norms[keep])
        if v is None:
            return beta_cert, None
        beta = coords.beta(v)
        violation = sign * (aug.matvec(beta) - aug.y)
        slack = _row_tolerance(aug, beta, active)
        bad = [i for i in active[violation[active] > slack].tolist() if i not in working]
        if not bad:
            snapped = _snap(aug, beta, inside, sign, active, metric)
            unique = _face_is_point(aug, null, sign, active, excess_p)
            return (beta if snapped is None else snapped), unique
        working.update(bad[:chunk])
    return beta_cert, None


def _face_is_point(aug, null, sign, active, excess_p) -> bool | None:
    """Whether the face is one point: the span of a random direction over it (2 small LPs)."""
    if active.size > 200_000:
        return None
    k = null.shape[1]
    G = -sign[active, None] * (aug.rows(active) @ null)
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
