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

from ._design import column_max
from ._row_block import RowBlock, independent_rows, independent_rows_of
from ._tolerances import DUAL_AT_BOUND_RTOL, NULL_SPACE_RCOND, numerical_rank

__all__ = ["RowBlock", "abs_design", "canonical_point", "column_magnitude", "independent_rows",
           "independent_rows_of", "row_magnitude", "row_scale", "solve_block", "solve_rows"]

# A face inequality violated by more than this fraction of its row's magnitude joins the working
# set; one within it binds at the least-distance point.
FACE_TOL = 1e-10


def _svd_solve(matrix: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-norm least-squares solution and orthonormal null-space basis, from one SVD
    (economy for tall matrices: never an ``m x m`` factor). Singular values below
    ``NULL_SPACE_RCOND * s_max`` count as zero in both."""
    m, q = matrix.shape
    u, s, vt = np.linalg.svd(matrix, full_matrices=m < q)
    rank = numerical_rank(s, NULL_SPACE_RCOND)
    solution = vt[:rank].T @ ((u[:, :rank].T @ rhs) / s[:rank])
    return solution, vt[rank:].T


def _fixed_columns(rows: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients pinned by a row with a single non-zero entry, as ``(columns, values)``:
    solved by one division, so such a zero is exactly ``0.0``. The first such row of a column
    decides it."""
    nonzero = rows != 0.0
    single = np.flatnonzero(np.count_nonzero(nonzero, axis=1) == 1)
    if single.size == 0:
        return single, np.empty(0)
    cols = np.argmax(nonzero[single], axis=1)
    cols, first = np.unique(cols, return_index=True)
    single = single[first]
    return cols, rhs[single] / rows[single, cols]


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
    cols, values = _fixed_columns(rows, rhs)
    if cols.size:
        particular[cols] = values
        rhs = rhs - rows[:, cols] @ values
    scale = np.abs(rows).max(axis=0, initial=0.0)
    pinned = np.zeros(q, dtype=bool)
    pinned[cols] = True
    scale[pinned] = 0.0
    used = np.flatnonzero(scale > 0.0)
    unused = np.flatnonzero((scale == 0.0) & ~pinned)
    null = np.zeros((q, unused.size))
    null[unused, np.arange(unused.size)] = 1.0
    if used.size:
        scaled = rows[:, used] / scale[used]
        solution, null_used = _svd_solve(scaled, rhs)
        if null_used.shape[1]:
            null_used, _ = np.linalg.qr(null_used / scale[used, None])
            particular[used] = solution / scale[used]
            particular[used] -= null_used @ (null_used.T @ particular[used])
            embedded = np.zeros((q, null_used.shape[1]))
            embedded[used] = null_used
            null = np.hstack([null, embedded])
        else:
            particular[used] = _vertex_solve(scaled, rhs, solution) / scale[used]
    return particular, null


def solve_block(block: RowBlock, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`solve_rows` for the rows of a :class:`RowBlock`: the unit rows pin their columns
    (exactly; the first row of a column decides it) and only the dense rows on the remaining
    columns are factorised."""
    q = block.q
    particular = np.zeros(q)
    cols, first = block.pinned()
    particular[cols] = rhs[first] * block.unit_sign[np.searchsorted(block.unit, first)]
    if cols.size == 0:
        return solve_rows(block.rows, rhs[block.dense])
    free = np.ones(q, dtype=bool)
    free[cols] = False
    free_cols = np.flatnonzero(free)
    rest = rhs[block.dense] - block.rows[:, cols] @ particular[cols]
    part, null_free = solve_rows(block.rows[:, free_cols], rest)
    particular[free_cols] = part
    null = np.zeros((q, null_free.shape[1]))
    null[free_cols] = null_free
    return particular, null


class _AbsCache:
    """``|X|`` and its column maxima, built once per design: a backend's own certificate and the
    finisher's see the same ``X``. Two entries (a backend may hold ``X`` in another layout),
    dropped when ``X`` is."""

    def __init__(self) -> None:
        # [weak reference to X, |X|, column maxima or None, |X| @ (1 / column maxima) or None]
        self.entries: list = []

    def get(self, X) -> list:
        for entry in self.entries:
            if entry[0]() is X:
                return entry
        entry = [None, abs(X) if sp.issparse(X) else np.abs(X), None, None]
        try:
            entry[0] = weakref.ref(X)
        except TypeError:  # an X type without weak references: no cache
            return entry
        self.entries = [entry, *[e for e in self.entries if e[0]() is not None][:1]]
        return entry


_ABS_CACHE = _AbsCache()


def abs_design(aug):
    """``|X|`` of the design, cached per ``X``."""
    return _ABS_CACHE.get(aug.X)[1]


def column_magnitude(aug) -> np.ndarray:
    """Largest ``|A_ij|`` over the observations, per column of ``A`` (1 for the intercept);
    cached per ``X``."""
    entry = _ABS_CACHE.get(aug.X)
    if entry[2] is None:
        abs_X = entry[1]
        if sp.issparse(abs_X):
            top = abs_X.max(axis=0).toarray().ravel() if abs_X.nnz else np.zeros(abs_X.shape[1])
        else:
            top = column_max(abs_X)
        entry[2] = top
    return np.concatenate([[1.0] * aug.offset, entry[2]])


def row_magnitude(aug, beta: np.ndarray) -> np.ndarray:
    """``|y_i| + sum_j |A_ij beta_j|`` per row: the size of the terms a residual is summed from,
    hence the scale of its rounding (an offset or one large coefficient does not inflate the
    tolerance of other rows)."""
    return _abs_rows_times(aug, np.abs(beta), np.abs(aug.y))


def row_scale(aug, beta: np.ndarray, magnitude: np.ndarray | None = None) -> np.ndarray:
    """:func:`row_magnitude` plus the rounding the coefficients themselves carry.

    A coefficient solved from the data is known to a fraction of the size it takes to move
    some fitted value by the data's scale ``M`` (the largest row magnitude): ``M / max_i
    |A_ij|``. Row ``i`` adds ``sum_j |A_ij| M / max_i |A_ij|``. Without it a row whose terms
    are all ~0 at ``beta`` (``x_i = 0, y_i = 0`` with an intercept that is rounding, 1e-17 where
    the exact value is 0) has a tolerance of 1e-26 and its residual of 1e-17 counts as real.
    A row's own scale still counts (a row of tiny entries in every column keeps a tiny scale);
    only the intercept, a column of ones, gives every observation at least ``M``.
    ``magnitude`` (``row_magnitude(aug, beta)``) may be passed when already known.
    """
    magnitude = row_magnitude(aug, beta) if magnitude is None else magnitude
    top = float(np.max(magnitude[: aug.n_samples], initial=0.0))
    return magnitude + top * _row_reach(aug)


def _row_reach(aug) -> np.ndarray:
    """``sum_j |A_ij| / max_i |A_ij|`` per row (0 for all-zero columns); the observations'
    part is cached per ``X`` (it does not depend on the point)."""
    column = column_magnitude(aug)
    inverse = np.divide(1.0, column, out=np.zeros_like(column), where=column > 0.0)
    entry, off = _ABS_CACHE.get(aug.X), aug.offset
    if entry[3] is None:
        entry[3] = np.asarray(entry[1] @ inverse[off:]).ravel()
    observations = entry[3] + (inverse[0] if off else 0.0)
    return _abs_rows_times(aug, inverse, np.zeros(aug.shape[0]), observations)


def _abs_rows_times(aug, abs_beta: np.ndarray, base: np.ndarray, obs=None) -> np.ndarray:
    """``base + |A| @ abs_beta`` (a new array), from the cached ``|X|``; ``obs`` is the
    observations' part when already known."""
    off = aug.offset
    if obs is None:
        obs = (np.asarray(abs_design(aug) @ abs_beta[off:]).ravel()
               + (abs_beta[0] if off else 0.0))
    n, k = aug.n_samples, aug.penalized.size
    if base.size == n:  # observations only: one sum, no copy
        return base + obs
    pen = abs_beta[off + aug.penalized]
    out = np.array(base, dtype=float)
    out[:n] += obs
    out[n : n + k] += pen
    out[n + k : n + 2 * k] += pen
    if out.size > n + 2 * k:  # extra rows
        extra = np.arange(n + 2 * k, out.size)
        out[extra] += np.abs(aug.rows(extra)) @ abs_beta
    return out


def _least_distance(G: np.ndarray, h: np.ndarray) -> np.ndarray | None:
    """``argmin ||z|| s.t. G z >= h`` by Lawson & Hanson's LDP -> NNLS reduction."""
    k = G.shape[1]
    if G.shape[0] == 0 or np.all(h <= 0):
        return np.zeros(k)
    E = np.vstack([G.T, h[None, :]])
    f = np.append(np.zeros(k), 1.0)
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
    """``(inside, sign)``: rows whose dual is inside its box, and a function giving +-1 for the
    rows at a bound (0 inside; only needed when the face is more than a point)."""
    lower, upper = aug.dual_bounds()
    # Each side's margin is relative to that side's own width (tau w_i above zero, (1 - tau) w_i
    # below): at tau = 1 - 1e-16 the lower side is 1e-16 w_i wide and the basic duals balancing
    # it are of that size, so a margin of 1e-10 w_i would put every one of them "at" the bound.
    at_upper = dual >= upper - DUAL_AT_BOUND_RTOL * upper
    at_lower = dual <= lower - DUAL_AT_BOUND_RTOL * lower
    inside = np.flatnonzero(~(at_upper | at_lower))

    def sign() -> np.ndarray:  # +1 at the upper bound only, -1 at the lower only, else 0
        return at_upper.astype(float) - at_lower

    return inside, sign


def _row_tolerance(aug, beta: np.ndarray) -> np.ndarray:
    """``FACE_TOL`` times each row's scale (:func:`row_scale`: its terms and the rounding of
    the coefficients)."""
    return FACE_TOL * row_scale(aug, beta)


def _snap(aug, beta, inside, sign, active, metric):
    """Solve the face constraints binding at ``beta`` as equalities, exactly; ``None`` when the
    result leaves the face (then the least-distance point stands)."""
    violation = sign[active] * (aug.matvec(beta)[active] - aug.y[active])
    binding = active[violation >= -_row_tolerance(aug, beta)[active]]
    rows_index = np.union1d(inside, binding)
    if rows_index.size == 0:
        return None
    particular, null = solve_block(RowBlock(aug, rows_index), aug.y[rows_index])
    if null.shape[1] and metric is not None:
        T, e = metric
        particular = particular - null @ lstsq(T @ null, T @ particular + e)[0]
    fitted = aug.matvec(particular)
    tolerance = _row_tolerance(aug, particular)
    on_equalities = np.abs(fitted[inside] - aug.y[inside]) <= tolerance[inside]
    on_inequalities = sign[active] * (fitted[active] - aug.y[active]) <= tolerance[active]
    if np.all(on_equalities) and np.all(on_inequalities):
        return particular
    return None


def canonical_point(aug, beta_cert: np.ndarray, dual: np.ndarray, metric=None, zero_set=None,
                    solved=None):
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
    zero_set : array of int, optional
        The rows ``beta_cert`` interpolates. When the face is a point and these are no more
        than the rows inside their boxes, no other row binds there and the point needs no
        snapping (one product with ``A`` saved per fit).
    solved : tuple, optional
        ``(rows, particular, null)`` from :func:`solve_block`, reused if ``rows`` are inside.

    Returns
    -------
    beta : ndarray
    unique : bool or None
        ``True`` when the face is a single point, ``False`` when it provably has more than one,
        ``None`` when that was not decided (then ``beta`` is ``beta_cert``).
    """
    inside, signs = _face(aug, dual)
    if solved is not None and np.array_equal(solved[0], inside):
        beta_p, null = solved[1], solved[2]
    elif inside.size:
        beta_p, null = solve_block(RowBlock(aug, inside), aug.y[inside])
    else:
        beta_p, null = np.zeros(aug.shape[1]), np.eye(aug.shape[1])
    if null.shape[1] == 0 and zero_set is not None and np.size(zero_set) <= inside.size:
        return beta_p, True  # a point, and no row at a bound binds there (see zero_set)
    sign = signs()
    active = np.flatnonzero(sign != 0)
    if null.shape[1] == 0:
        # A single point. The rows inside may determine it only through an inexact LU (rows
        # 1, 2, 3 leave -5e-18 where the vertex has 0) while rows at a bound that bind there,
        # e.g. a lasso pseudo-row pinning b_j = 0, give it exactly: solve them all.
        snapped = _snap(aug, beta_p, inside, sign, active, metric)
        return (beta_p if snapped is None else snapped), True
    coords = _Coordinates(beta_p, null, metric)
    excess_p = sign * (aug.matvec(beta_p) - aug.y)  # G z >= h with h = excess_p, G = -sign A N
    distance = np.abs(aug.residual(beta_cert))
    # Working set: the constraints nearest to binding at the certified point; any constraint
    # the least-distance point violates joins it (cutting planes, each round an exact LDP).
    order = active[np.argsort(distance[active], kind="stable")]
    chunk = 4 * aug.shape[1] + 20
    working = set(order[:chunk].tolist())
    for _ in range(50):
        idx = np.fromiter(sorted(working), dtype=np.intp, count=len(working))
        G, h = coords.constraints(-sign[idx, None] * RowBlock(aug, idx).times(null),
                                  excess_p[idx])
        norms = np.linalg.norm(G, axis=1)
        keep = norms > 1e-12 * max(norms.max(initial=0.0), 1e-300)
        v = _least_distance(G[keep] / norms[keep, None], h[keep] / norms[keep])
        if v is None:
            return beta_cert, None
        beta = coords.beta(v)
        violation = sign * (aug.matvec(beta) - aug.y)
        slack = _row_tolerance(aug, beta)[active]
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
    G = -sign[active, None] * RowBlock(aug, active).times(null)
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
