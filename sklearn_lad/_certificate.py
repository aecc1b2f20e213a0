"""The optimality certificate every exact backend's answer passes through (``finalize``).

The quantile-regression LP (Koenker & Bassett 1978) in its augmented form (see ``_problem.py``)

    min_beta  sum_i w_i rho_tau(y_i - A_i beta)

has the dual ``max_d y'd  s.t.  A'd = 0,  -(1 - tau) w_i <= d_i <= tau w_i``. Given a candidate
``beta`` we

1. *polish*: take the rows it (nearly) interpolates, ``Z``, and solve ``A_Z beta = y_Z`` exactly,
   which turns an approximate vertex into the exact one;
2. *certify*: fix ``d_i`` at its bound for every row outside ``Z`` (complementary slackness) and
   find ``d_Z`` in its box with ``A_Z' d_Z = -A_{Z^c}' d_{Z^c}``; such a ``d`` is dual feasible
   with zero duality gap, which proves ``beta`` optimal (the condition of Koenker 2005, Thm 2.1);
3. *canonicalise*: the certified dual describes the optimal face; its minimum-norm point
   (``_canonical.py``) depends only on the problem, not on the backend or on how rows are
   weighted or repeated.

Every test is relative to the terms it sums, so that scale cannot fool it: a residual is zero
against ``|y_i| + sum_j |A_ij beta_j|``, dual feasibility ``A'd = 0`` is checked per column
against ``|A|'|d|`` (a column multiplied by 1e-10 is checked as strictly as any), and the gap is
the sum of the complementary-slackness terms ``w_i rho_tau(r_i) - d_i r_i >= 0`` rather than
``loss - y'd`` (which loses its digits to ``y + 1e9`` or ``1e-12 * y``). ``finalize`` works on the
equilibrated problem (``_scaling.py``) and returns a new result.

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lstsq
from scipy.optimize import linprog

from ._canonical import (
    RowBlock,
    abs_design,
    column_magnitude,
    independent_rows_of,
    row_magnitude,
    row_scale,
    solve_block,
)
from ._design import RowDesign
from ._problem import QuantileProblem, SolverResult, Status
from ._tolerances import DUAL_BOX_RTOL, DUALITY_GAP_RTOL, ZERO_RESIDUAL_RTOL

# Relative rounding of a residual: the gap allowed when the objective itself is ~0 (an exact fit).
ROUNDING = 1e-13
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
    solved: tuple | None = None  # the last polish's solve, for the canonical point


def _zero_tolerance(aug: RowDesign, beta: np.ndarray, magnitude: np.ndarray,
                    tol: float) -> np.ndarray:
    """Per-row bound under which a residual is rounding. An observation's is ``tol`` times its
    own terms (``magnitude``, from :func:`row_magnitude`) plus the rounding the coefficients
    carry into it (:func:`row_scale`: an intercept of 1e-17 where the exact value is 0 leaves
    a residual of 1e-17 on a row ``x_i = 0, y_i = 0``, whose own terms are 1e-17); a penalty
    pseudo-row's (residual ``-b_j``) is the coefficient whose largest contribution to any
    fitted value is below ``tol`` times the observations' scale."""
    n, k = aug.n_samples, aug.penalized.size
    bound = tol * row_scale(aug, beta, magnitude)
    if k:
        scale = tol * np.max(magnitude[:n], initial=0.0)
        column = column_magnitude(aug)[aug.offset + aug.penalized]
        pseudo = scale / np.maximum(column, 1e-300)
        bound[n : n + k] = pseudo
        bound[n + k : n + 2 * k] = pseudo
    return np.maximum(bound, 1e-300)


def _zero_set(residual: np.ndarray, bound: np.ndarray, basis=None):
    zero = np.abs(residual) <= bound
    if basis is not None:
        zero[np.asarray(basis, dtype=np.intp)] = True
    return np.flatnonzero(zero)


def _polish(aug: RowDesign, beta: np.ndarray, block: RowBlock):
    """Move ``beta`` the least distance that makes it interpolate the rows of ``block``;
    returns it and the solve ``(rows, particular, null)`` when kept (else ``None``)."""
    if block.size == 0:
        return beta, None
    target = aug.y[block.index]
    # Solve for the interpolating point from scratch (not as a correction to beta) so that a
    # vertex comes out exact, zeros included; only beta's null-space component is kept.
    particular, null = solve_block(block, target)
    polished = particular + null @ (null.T @ beta)
    # Keep the polish only if it really interpolates (the rows may be inconsistent when the
    # candidate was not near a vertex).
    misfit = np.abs(block.matvec(polished) - target)
    terms = np.abs(target) + block.abs_matvec(np.abs(polished))
    if np.all(misfit <= 1e-8 * np.maximum(terms, 1e-300)):
        return polished, (block.index, particular, null)
    return beta, None


def _in_box(d, lower, upper) -> bool:
    slack = DUAL_BOX_RTOL * np.maximum(upper - lower, 1e-300)
    return d is not None and bool(np.all(d >= lower - slack) and np.all(d <= upper + slack))


def _unit_boxes(block: RowBlock, lower, upper):
    """The unit rows of each pinned column as one variable ``T_j = sum_u s_u d_u``: returns
    ``(columns, group of each unit row, low_T, width_T)``. ``T_j`` ranges over the sum of the
    rows' (signed) boxes; a pseudo-row pair ``+-e_j`` gives ``[-w_j, w_j]``."""
    sign = block.unit_sign
    lo, hi = lower[block.unit], upper[block.unit]
    columns, group = np.unique(block.unit_col, return_inverse=True)
    low = np.bincount(group, weights=np.where(sign > 0, lo, -hi), minlength=columns.size)
    width = np.bincount(group, weights=hi - lo, minlength=columns.size)
    return columns, group.ravel(), low, width


def _spread_units(block: RowBlock, d: np.ndarray, share: np.ndarray, group, lower, upper):
    """Every unit row of a column at the same relative place ``share`` in its box (sign
    permitting), so that ``T_j = low_T + share * width_T`` (in place on ``d``)."""
    s = share[group]
    lo, hi = lower[block.unit], upper[block.unit]
    d[block.unit] = np.where(block.unit_sign > 0, _at_share(lo, hi, s), _at_share(hi, lo, s))


def _at_share(start, end, share):
    """``start + share * (end - start)``, measured from the nearer end so that a share of 0 or
    1 is that bound exactly: ``lo + (hi - lo)`` is not ``hi`` when one side of the box is
    1e-300 of the other, and the face is read off from which duals sit on their bounds."""
    return np.where(share <= 0.5, start + share * (end - start),
                    end - (1.0 - share) * (end - start))


def _with_units(block: RowBlock, d_dense, rhs, lower, upper):
    """``d_Z`` from the dense rows' values: each pinned column's unit rows make up what its
    equation still needs; ``None`` when that is outside their range."""
    d = np.empty(block.size)
    d[block.dense] = d_dense
    if block.unit.size == 0:
        return d
    columns, group, low, width = _unit_boxes(block, lower, upper)
    need = rhs[columns] - block.rows[:, columns].T @ d_dense
    share = np.divide(need - low, width, out=np.zeros_like(low), where=width > 0)
    if np.any(share < -DUAL_BOX_RTOL) or np.any(share > 1.0 + DUAL_BOX_RTOL):
        return None
    _spread_units(block, d, np.clip(share, 0.0, 1.0), group, lower, upper)
    return d


def _direct_dual(block: RowBlock, rhs, rhs_scale, lower, upper, hint):
    """Cheap candidates for ``d_Z`` before any LP: ``0`` when nothing needs balancing (an exact
    fit: ``0`` is inside every box, the most interior point there is), the square solve at a
    non-degenerate vertex, the backend's dual corrected onto the equalities, and the
    minimum-norm solution of the equalities. Only the dense rows on the columns no unit row
    pins are solved for; the unit rows make up the rest (:func:`_with_units`). ``rhs_scale``
    is the size of the terms ``rhs`` is summed from; equalities are judged against it and
    ``|A_Z|'|d_Z|``."""
    # Half the certificate's slack, so that a candidate accepted here passes its final check.
    if np.all(np.abs(rhs) <= 0.5 * DUAL_BOX_RTOL * rhs_scale):
        return np.zeros(block.size)
    free = np.ones(block.q, dtype=bool)
    free[block.unit_col] = False
    rows_t = block.rows[:, free].T
    target = rhs[free]
    lo, hi = lower[block.dense], upper[block.dense]
    dense_hint = None if hint is None else hint[block.dense]
    for d_dense in _dual_starts(rows_t, target, lo, hi, dense_hint):
        if not _in_box(d_dense, lo, hi):
            continue
        d = _with_units(block, np.clip(d_dense, lo, hi), rhs, lower, upper)
        if d is None:
            continue
        slack = 0.5 * DUAL_BOX_RTOL * (rhs_scale + block.rmatvec(np.abs(d), absolute=True))
        if np.all(np.abs(block.rmatvec(d) - rhs) <= slack):
            return d
    return None


def _dual_starts(rows_t, target, lo, hi, hint):
    """:func:`_direct_dual`'s candidates, in order, each computed only if those before failed."""
    m, f = rows_t.shape[1], rows_t.shape[0]
    if m == 0:
        yield np.empty(0)
        return
    if m == f:
        try:
            yield np.linalg.solve(rows_t, target)
        except np.linalg.LinAlgError:
            pass
    if hint is not None:
        # A backend's own dual is usually right up to rounding: clipped, then moved least.
        start = np.clip(hint, lo, hi)
        yield start + lstsq(rows_t, target - rows_t @ start, lapack_driver="gelsd")[0]
    if m > f:
        yield lstsq(rows_t, target, lapack_driver="gelsd")[0]


def _dual_on_zero_set(block: RowBlock, rhs, rhs_scale, lower, upper, hint=None):
    """Find ``d_Z`` in ``[lower, upper]`` with ``A_Z' d_Z = rhs``; ``None`` if there is none.
    ``lower``, ``upper`` and ``hint`` are indexed like ``block.index``."""
    if block.size == 0:
        return np.empty(0) if np.all(np.abs(rhs) <= DUAL_BOX_RTOL * rhs_scale) else None
    d = _direct_dual(block, rhs, rhs_scale, lower, upper, hint)
    if d is not None:
        return d
    # Degenerate vertex (more interpolated rows than unknowns) or singular basis: an LP. Dense
    # rows that are identical (ties, duplicated or discrete data) are merged first: their
    # boxes add up, and each member later sits at the same relative place in its own box. The
    # unit rows of a pinned column are one variable (:func:`_unit_boxes`).
    groups, member = np.unique(block.rows, axis=0, return_inverse=True)
    member = member.ravel()
    n_groups = groups.shape[0]
    lo, hi = lower[block.dense], upper[block.dense]
    low = np.bincount(member, weights=lo, minlength=n_groups)
    width = np.bincount(member, weights=hi - lo, minlength=n_groups)
    columns, group, unit_low, unit_width = _unit_boxes(block, lower, upper)
    pick = sp.csr_matrix((np.ones(columns.size), (columns, np.arange(columns.size))),
                         shape=(block.q, columns.size))
    a_eq = sp.hstack([sp.csr_matrix(groups.T), pick], format="csr")
    share = _margin_lp(a_eq, rhs, np.concatenate([low, unit_low]),
                       np.concatenate([width, unit_width]))
    if share is None:
        return None
    d = np.empty(block.size)
    d[block.dense] = _at_share(lo, hi, share[:n_groups][member])
    _spread_units(block, d, share[n_groups:], group, lower, upper)
    return d


def _margin_lp(a_eq, rhs, low, width):
    """Relative places ``share`` in ``[0, 1]`` of variables ``x = low + share * width`` with
    ``a_eq @ x = rhs``; ``None`` when infeasible."""
    size = low.size
    if size <= MAX_MARGIN_ROWS:
        # Prefer values inside the box (max of the smallest relative margin) so that the
        # face read off from them has as many equalities as the data allow.
        c = np.zeros(size + 1)
        c[-1] = -1.0
        a_eq = sp.hstack([a_eq, sp.csr_matrix((a_eq.shape[0], 1))], format="csr")
        eye = sp.identity(size, format="csr")
        margin = sp.csr_matrix(width[:, None])
        a_ub = sp.vstack([sp.hstack([-eye, margin]), sp.hstack([eye, margin])], format="csr")
        b_ub = np.concatenate([-low, low + width])
        bounds = np.column_stack([np.append(low, 0.0), np.append(low + width, 0.5)])
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=rhs, bounds=bounds,
                      method="highs")
    else:
        # Too many distinct rows for the margin LP to be cheap: any feasible point certifies,
        # and any optimal dual describes the same optimal face.
        res = linprog(np.zeros(size), A_eq=a_eq, b_eq=rhs,
                      bounds=np.column_stack([low, low + width]), method="highs")
    if res.status != 0:
        return None
    return np.clip(np.divide(res.x[:size] - low, width, out=np.zeros(size), where=width > 0),
                   0.0, 1.0)


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

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> problem = QuantileProblem(X=np.arange(4.0).reshape(-1, 1),
    ...                           y=np.array([0.0, 1.0, 2.0, 10.0]), tau=0.5)
    >>> cert = certify(problem.augmented(), np.array([0.0, 1.0]))
    >>> cert.certified, cert.gap
    (True, 0.0)
    """
    if dual is not None and np.shape(dual) != (aug.shape[0],):
        dual = None
    cert = _certify(aug, beta, basis, ZERO_RESIDUAL_RTOL, dual)
    if not cert.certified:
        retry = _certify(aug, beta, basis, ZERO_RESIDUAL_RTOL * 1e-4, dual)
        if retry.certified:
            return retry
    return cert


def _polished_zero_set(aug, beta, basis, tol):
    """The rows ``beta`` (nearly) interpolates (as a :class:`RowBlock`), ``beta`` polished onto
    them, its residual, the rows' magnitudes at the candidate and the polish's last solve."""
    residual = aug.y - aug.matvec(beta)
    # The rows' magnitudes are a scale, computed once: polishing moves beta by rounding.
    magnitude = row_magnitude(aug, beta)
    bound = _zero_tolerance(aug, beta, magnitude, tol)
    zero_set = _zero_set(residual, bound)
    if basis is not None:
        # An approximate backend may name more rows than a vertex interpolates, or dependent
        # ones (collinear columns); keep the rows that are exactly zero plus the independent
        # rows nearest to zero, and let the polish decide the rest. (Without a basis every row
        # of the zero set is exactly zero: nothing to choose.)
        candidates = np.union1d(zero_set, np.asarray(basis, dtype=np.intp))
        ordered = candidates[np.argsort(np.abs(residual[candidates]), kind="stable")]
        zero_set = np.union1d(zero_set, independent_rows_of(aug, ordered))
    block, solved = RowBlock(aug, zero_set), None
    for _ in range(3):
        beta, solve = _polish(aug, beta, block)
        solved = solve or solved
        residual = aug.y - aug.matvec(beta)
        grown = _zero_set(residual, bound, zero_set)
        if grown.size == zero_set.size:
            break
        zero_set = grown
        block = RowBlock(aug, zero_set)
    return beta, residual, block, magnitude, solved


def duality_gap(aug: RowDesign, beta: np.ndarray, dual: np.ndarray, terms=None,
                residual=None, imbalance=None, rows=None) -> tuple[float, bool]:
    """Gap of ``(beta, dual)`` and whether ``dual`` is feasible, both without cancellation.

    With ``A'd = 0`` the gap ``loss - y'd`` equals ``sum_i (w_i rho_tau(r_i) - d_i r_i)``, a sum
    of complementary-slackness terms that are each >= 0 for ``d`` in its box, so no digits are
    lost to ``y``'s offset or scale. Feasibility ``A'd = 0`` is judged per column against the
    terms it sums (``|A|'|d|``, or ``terms`` when given), so a column multiplied by 1e-10 is
    checked as strictly as any. ``residual`` (``y - A beta``) and ``imbalance`` (``A'd``) may
    be passed when already known. With ``rows``, ``dual`` is at the bound of its residual's sign
    on every other row (a zero term, in the box), so only ``rows`` are summed and boxed.
    """
    residual = aug.residual(beta) if residual is None else residual
    lower, upper = aug.dual_bounds()
    imbalance = np.abs(aug.rmatvec(dual) if imbalance is None else imbalance)
    if terms is None:
        terms = _column_terms(aug, np.abs(dual))
    if rows is not None:
        residual, dual, lower, upper = residual[rows], dual[rows], lower[rows], upper[rows]
    slack = np.where(residual >= 0, upper - dual, lower - dual) * residual
    gap = float(np.sum(slack)) / aug.weight_sum
    feasible = bool(np.all(imbalance <= DUAL_BOX_RTOL * terms)
                    and _in_box(dual, lower, upper))
    return max(gap, 0.0), feasible


def _column_terms(aug: RowDesign, abs_dual: np.ndarray) -> np.ndarray:
    """``|A|' |d|``: per column, the size of the terms ``(A'd)_j`` is summed from."""
    off, n, k = aug.offset, aug.n_samples, aug.penalized.size
    terms = np.empty(aug.shape[1])
    terms[off:] = np.asarray(abs_design(aug).T @ abs_dual[:n]).ravel()
    if off:
        terms[0] = abs_dual[:n].sum()
    live = aug.penalized >= 0
    terms[off + aug.penalized[live]] += (abs_dual[n:n + k] + abs_dual[n + k:n + 2 * k])[live]
    if abs_dual.size > n + 2 * k:  # extra rows
        extra = np.arange(n + 2 * k, abs_dual.size)
        terms += np.abs(aug.rows(extra)).T @ abs_dual[extra]
    return terms


def _gap_is_small(aug: RowDesign, beta: np.ndarray, gap: float, loss: float, dual: np.ndarray,
                  residual=None, magnitude=None) -> bool:
    """Within ``DUALITY_GAP_RTOL`` of the objective, or within what rounding of the residuals
    can put into the gap's terms ``slack_i |r_i|`` (``slack_i`` the dual's distance to the bound
    ``r_i``'s sign asks for): ``ROUNDING * sum_i slack_i scale_i`` (:func:`row_scale`).

    Weighted by the dual's slack, not by ``w_i``: at an extreme level (``tau = 1e-20``) the
    objective itself is rounding and the slacks of the balancing duals are ``~tau w_i``, so an
    allowance of ``ROUNDING * w_i`` per row would accept any point whose residuals have the
    right sign. ``residual`` and ``magnitude`` (:func:`row_magnitude` near ``beta``) may be
    passed when already known."""
    if gap <= DUALITY_GAP_RTOL * loss:
        return True
    residual = aug.residual(beta) if residual is None else residual
    lower, upper = aug.dual_bounds()
    slack = np.abs(np.where(residual >= 0, upper - dual, dual - lower))
    fit = float(slack @ row_scale(aug, beta, magnitude)) / aug.weight_sum
    return gap <= DUALITY_GAP_RTOL * loss + ROUNDING * fit


def _certify(aug: RowDesign, beta: np.ndarray, basis, tol: float, hint) -> Certificate:
    beta = np.asarray(beta, dtype=float)
    beta, residual, block, magnitude, solved = _polished_zero_set(aug, beta, basis, tol)
    zero_set = block.index
    lower, upper = aug.dual_bounds()
    dual = np.where(residual > 0, upper, lower)
    dual[zero_set] = 0.0
    outside = aug.rmatvec(dual)  # A'd over the rows off the zero set
    rhs_scale = _column_terms(aug, np.abs(dual))
    d_zero = _dual_on_zero_set(block, -outside, rhs_scale, lower[zero_set], upper[zero_set],
                               None if hint is None else hint[zero_set])
    weighted = aug.weights * np.where(residual >= 0, aug.tau * residual,
                                      (aug.tau - 1.0) * residual)
    loss = float(np.sum(weighted)) / aug.weight_sum
    if d_zero is None:
        return Certificate(beta, None, zero_set, False, float("nan"), loss,
                           "no dual certificate: the candidate is not optimal")
    dual[zero_set] = d_zero
    # |A|'|d| and A'd: the terms outside Z (computed above) + those of the rows in Z.
    terms = rhs_scale + block.rmatvec(np.abs(d_zero), absolute=True)
    imbalance = outside + block.rmatvec(d_zero)
    # Off the zero set every dual is the bound its residual's sign asks for (built above).
    gap, feasible = duality_gap(aug, beta, dual, terms, residual, imbalance, rows=zero_set)
    certified = feasible and _gap_is_small(aug, beta, gap, loss, dual, residual, magnitude)
    message = "optimal (dual certificate)" if certified else \
        f"dual certificate failed: gap={gap:.3g}, dual feasible={feasible}"
    return Certificate(beta, dual, zero_set, bool(certified), gap, loss, message, solved)


def verify(aug: RowDesign, beta: np.ndarray, dual: np.ndarray, zero_set=None
           ) -> Certificate | None:
    """The certificate a backend hands over, checked rather than recomputed.

    ``(beta, dual)`` must pass the final test of :func:`certify` (``dual`` in its box, ``A'd = 0``
    per column against ``|A|'|d|``, a gap within tolerance): three products with ``A`` where
    :func:`certify` needs five, and no polish or dual solve. Meant for a point that
    :func:`certify` already polished (:func:`certified_result`); anything else should go
    through :func:`certify`.

    Parameters
    ----------
    aug : RowDesign
    beta : ndarray of shape (n_columns,)
        The certified point.
    dual : ndarray of shape (n_rows,)
        Its dual certificate.
    zero_set : array of int, optional
        The rows ``beta`` interpolates (those with an exactly zero residual when not given).

    Returns
    -------
    Certificate or None
        ``None`` when the pair does not prove optimality.
    """
    if np.shape(dual) != (aug.shape[0],):
        return None
    beta = np.asarray(beta, dtype=float)
    residual = aug.residual(beta)
    gap, feasible = duality_gap(aug, beta, dual, residual=residual)
    loss = aug.loss(residual=residual)
    if not (feasible and _gap_is_small(aug, beta, gap, loss, dual, residual)):
        return None
    if zero_set is None:
        zero_set = np.flatnonzero(residual == 0.0)
    return Certificate(beta, np.asarray(dual, dtype=float), np.asarray(zero_set, dtype=np.intp),
                       True, gap, loss, "optimal (dual certificate)")


def certified_result(problem: QuantileProblem, aug: RowDesign, cert: Certificate,
                     **fields) -> SolverResult:
    """The result of a backend whose answer passed :func:`certify`: hands the certificate over,
    so that :func:`finalize` verifies it (:func:`verify`) instead of certifying again.

    A pseudo-row ``+-e_j`` in the certified zero set means ``b_j = 0`` at the optimum: the
    coefficient is made exactly 0 (not the ~1e-30 a rejected polish may leave); the
    verification then checks the point returned.

    Parameters
    ----------
    problem : QuantileProblem
        The problem ``cert`` is about.
    aug : RowDesign
        Its augmented design (``problem.augmented()``, in any layout).
    cert : Certificate
        A certified outcome of :func:`certify`.
    **fields
        Further fields of the :class:`~sklearn_lad._problem.SolverResult` (``n_iter``,
        ``diagnostics``, ...).

    Returns
    -------
    SolverResult
    """
    beta = cert.beta.copy()
    n, k = aug.n_samples, aug.penalized.size
    pseudo = cert.zero_set[(cert.zero_set >= n) & (cert.zero_set < n + 2 * k)] - n
    if pseudo.size:
        columns = aug.penalized[pseudo % k]
        beta[aug.offset + columns[columns >= 0]] = 0.0
    coef, intercept = problem.split(beta)
    return SolverResult(
        coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
        status=Status.OPTIMAL, gap=cert.gap, message=cert.message, certified=True,
        basis=cert.zero_set, dual=cert.dual, **fields,
    )
