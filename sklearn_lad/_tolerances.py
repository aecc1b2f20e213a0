"""Every numerical tolerance of sklearn-lad, named after what it measures, in one place.

A tolerance answers one question ("is this residual zero?", "is this dual value inside its
box?", "is this basis singular?"). Each constant below says which question, relative to which
scale, and who asks it; modules import the name instead of writing the number inline, so one
question gets one answer everywhere and a change to it is a change in one line.

Relative tolerances (``*_RTOL``) multiply a scale that the caller states (the data's largest
absolute value, a row weight, the largest singular value, ...); ``TINY_SCALE`` is the floor
that keeps a zero scale from making every comparison ``x <= 0``.

Two helpers implement the questions several modules ask:

* :func:`is_zero_residual` -- which residuals count as interpolated (zero);
* :func:`numerical_rank` -- how many singular values count as non-zero.

Examples
--------
>>> import numpy as np
>>> from sklearn_lad._tolerances import is_zero_residual, numerical_rank
>>> is_zero_residual(np.array([0.0, 1e-14, 0.5]), scale=1.0).tolist()
[True, True, False]
>>> numerical_rank(np.array([3.0, 1.0, 1e-17]))
2
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "TINY_SCALE",
    "ZERO_RESIDUAL_RTOL",
    "DUAL_BOX_RTOL",
    "DUALITY_GAP_RTOL",
    "DUAL_AT_BOUND_RTOL",
    "NULL_SPACE_RCOND",
    "POLISH_INTERPOLATION_RTOL",
    "INTERIOR_DUAL_MARGIN",
    "ALPHA_MAX_MARGIN",
    "HOMOTOPY_STRICT_DUAL_RTOL",
    "HOMOTOPY_BASIS_RCOND",
    "HOMOTOPY_DEGENERATE_RTOL",
    "SIMPLEX_DEAD_COLUMN_RTOL",
    "SIMPLEX_PIVOT_RTOL",
    "SIMPLEX_ZERO_RESIDUAL_RTOL",
    "SIMPLEX_DUAL_RTOL",
    "IRLS_RIDGE_RTOL",
    "IRLS_EXCHANGE_DUAL_RTOL",
    "GRAM_RANK_RTOL",
    "CHOLESKY_PIVOT_RTOL",
    "CV_TIE_RTOL",
    "is_zero_residual",
    "residual_scale",
    "numerical_rank",
]

# -- scale floor --------------------------------------------------------------------------------

#: Smallest scale a relative tolerance is applied to. A problem whose data are all exactly zero
#: has scale 0; this floor keeps "``|r| <= rtol * scale``" from degenerating to "``r == 0``"
#: while staying below every positive normal float64 that data can carry in practice.
TINY_SCALE = 1e-300

# -- the certificate and the canonical point (``_certificate.py``, ``_canonical.py``, ``_path.py``)

#: A residual counts as zero (the row is interpolated) when ``|r_i| <= ZERO_RESIDUAL_RTOL *
#: (max|y| + max|fitted|)``. Exact vertices leave residuals of ~1e-15 of that scale; an
#: interior-point answer near its tolerance leaves ~1e-10. Formerly ``_face.ZERO_TOL`` and
#: ``_fn_core._ZERO_TOL`` (both 1e-9), also used by ``_path``'s homotopy.
ZERO_RESIDUAL_RTOL = 1e-9

#: Slack, relative to the row's box width ``w_i``, by which a dual value may leave its box
#: ``[-(1 - tau) w_i, tau w_i]`` and still count as dual feasible (rounding in the basic dual
#: solve). Formerly ``_face.CERT_TOL`` (box part) and ``_fn_core._BOX_TOL``.
DUAL_BOX_RTOL = 1e-9

#: A duality gap counts as zero when ``|gap| <= DUALITY_GAP_RTOL * max(1, |objective|)``;
#: also the slack by which the canonical point's objective may exceed the certified one.
#: Formerly ``_face.CERT_TOL`` (gap part).
DUALITY_GAP_RTOL = 1e-9

#: A dual value within ``DUAL_AT_BOUND_RTOL`` times the width of that side of its box
#: (``tau w_i`` for the upper bound, ``(1 - tau) w_i`` for the lower) of the bound counts as at
#: the bound (the row's residual then only has a sign constraint on the optimal face, not
#: ``r_i = 0``). Relative to the side, not to ``w_i``: at an extreme level one side is narrower
#: than ``1e-10 w_i`` and every dual balancing it would otherwise count as at its bound.
#: Formerly ``_face.BOUND_TOL``.
DUAL_AT_BOUND_RTOL = 1e-10

#: Singular values below ``NULL_SPACE_RCOND * s_max`` span the null space of the interpolated
#: rows when the certificate polishes a point onto a vertex or face.
NULL_SPACE_RCOND = 1e-10

#: A polished point is kept only when it interpolates its rows to
#: ``POLISH_INTERPOLATION_RTOL * (1 + max|y_Z|)``; otherwise the rows were inconsistent.
POLISH_INTERPOLATION_RTOL = 1e-8

#: An interior-point dual value farther than ``INTERIOR_DUAL_MARGIN * w_i`` from both bounds of
#: its box marks a row the optimum must interpolate (``solvers/cvxpy_lp.py`` passes those rows
#: to the certificate as the basis). Interior-point duals are accurate to about 1e-8.
INTERIOR_DUAL_MARGIN = 1e-6

# -- feature working sets (``_working_set.py``) -------------------------------------------------

#: A feature outside the working set whose dual constraint ``|X_j'd| <= lambda_j`` has less than
#: this relative slack counts as tight and joins the set: it may be non-zero in some optimum, and
#: the restricted canonical point is the full one's only when every such feature is in the set.
#: Same order as the certificate's dual box tolerance (``DUAL_BOX_RTOL``).
WORKING_SET_DUAL_RTOL = 1e-9

# -- the regularisation path (``_path.py``) -----------------------------------------------------

#: ``alpha_max`` is returned this much (relatively) above the breakpoint at which the first
#: coefficient can leave zero: exactly at the breakpoint the optimal set is an edge that also
#: holds non-zero coefficients. Far above the certificate's tolerances, far below any grid.
ALPHA_MAX_MARGIN = 1e-8

#: Dual constraints of the homotopy's vertex must hold with this relative slack for it to
#: count as the unique optimum (closer to a breakpoint, the certificate decides).
HOMOTOPY_STRICT_DUAL_RTOL = 1e-9

#: Reciprocal condition number below which the homotopy's basis counts as singular.
HOMOTOPY_BASIS_RCOND = 1e-12

#: A non-basic residual (or a penalised coefficient) this small relative to the data's scale
#: makes a homotopy vertex degenerate.
HOMOTOPY_DEGENERATE_RTOL = 1e-12

# -- the simplex (``solvers/br.py``) -----------------------------------------------------------

#: A coefficient whose move (a unit-norm direction keeping the basic rows interpolated) changes
#: no fitted value by more than ``SIMPLEX_DEAD_COLUMN_RTOL`` times the largest row norm lies in
#: the span of the basic columns: the design is rank deficient and the column is left out.
SIMPLEX_DEAD_COLUMN_RTOL = 1e-9

#: ``|a_i delta|`` below ``SIMPLEX_PIVOT_RTOL * ||a_i||`` (unit-norm direction ``delta``) is
#: rounding, not a crossing: such a row is not a candidate to enter the basis.
SIMPLEX_PIVOT_RTOL = 1e-11

#: Inside the simplex a residual is zero below ``SIMPLEX_ZERO_RESIDUAL_RTOL * max(max|y|,
#: max|fitted|)``: tighter than :data:`ZERO_RESIDUAL_RTOL` because simplex iterates are
#: vertices, exact up to rounding. Formerly ``br._ZERO_TOL`` (1e-12).
SIMPLEX_ZERO_RESIDUAL_RTOL = 1e-12

#: Default slack, relative to ``w_h``, by which a basic row's dual value may leave its box
#: before a simplex vertex is declared non-optimal (``br``'s ``tol`` option, and the IRLS
#: exchange steps).
SIMPLEX_DUAL_RTOL = 1e-11

# -- IRLS (``solvers/irls.py``) ----------------------------------------------------------------

#: Ridge added to the unit-diagonal (Jacobi-scaled) reweighted normal equations: it only
#: matters for rank-deficient designs (collinear or constant columns, n < p), where it picks a
#: finite step.
IRLS_RIDGE_RTOL = 1e-11

#: The exchange steps that finish IRLS stop when no basic dual value leaves its box by more
#: than this (relative to ``w_h``).
IRLS_EXCHANGE_DUAL_RTOL = 1e-11

# -- shared linear algebra ---------------------------------------------------------------------

#: Eigenvalues of a Gram matrix ``A'DA`` below ``GRAM_RANK_RTOL * lambda_max`` count as zero
#: (eigenvalues are squared singular values: 1e-12 here is 1e-6 on the singular values).
GRAM_RANK_RTOL = 1e-12

#: Pivoted Cholesky stops when the remaining diagonal falls below this fraction of the first,
#: which decides the independent columns of a design (``solvers/_interior_point.py``).
CHOLESKY_PIVOT_RTOL = 1e-13

# -- cross-validation (``_cv.py``) --------------------------------------------------------------

#: Mean CV losses within ``CV_TIE_RTOL * |best|`` of the best count as tied; the largest tied
#: ``alpha`` wins (the sparsest model). Exact ties are common (the optimal coefficients are
#: piecewise constant in ``alpha``), and without the tolerance rounding would decide.
CV_TIE_RTOL = 1e-10


def residual_scale(y: np.ndarray, fitted: np.ndarray) -> float:
    """The scale residuals are compared against: ``max|y| + max|fitted|``.

    Parameters
    ----------
    y : ndarray
        Targets.
    fitted : ndarray
        Fitted values.

    Returns
    -------
    float
        ``max|y| + max|fitted|`` (0 for empty input).

    Examples
    --------
    >>> import numpy as np
    >>> residual_scale(np.array([1.0, -3.0]), np.array([2.0, 0.0]))
    5.0
    """
    return float(np.max(np.abs(y), initial=0.0) + np.max(np.abs(fitted), initial=0.0))


def is_zero_residual(
    residual: np.ndarray, scale: float, rtol: float = ZERO_RESIDUAL_RTOL
) -> np.ndarray:
    """Which residuals count as zero, i.e. which rows the fit interpolates.

    Parameters
    ----------
    residual : ndarray
        Residuals ``y - fitted``.
    scale : float
        The size of the numbers the residuals were computed from, usually
        :func:`residual_scale` of ``y`` and the fitted values.
    rtol : float, default=ZERO_RESIDUAL_RTOL
        Relative tolerance.

    Returns
    -------
    ndarray of bool
        ``|residual| <= max(rtol * scale, TINY_SCALE)``.

    Examples
    --------
    >>> import numpy as np
    >>> is_zero_residual(np.array([1e-3, 1e-12]), scale=10.0).tolist()
    [False, True]
    """
    return np.abs(residual) <= max(rtol * float(scale), TINY_SCALE)


def numerical_rank(singular_values: np.ndarray, rtol: float = NULL_SPACE_RCOND) -> int:
    """How many singular values count as non-zero.

    Parameters
    ----------
    singular_values : ndarray
        Non-negative singular values (any order).
    rtol : float, default=NULL_SPACE_RCOND
        A value counts when it exceeds ``rtol`` times the largest one. Pass
        :data:`GRAM_RANK_RTOL` for eigenvalues of a Gram matrix.

    Returns
    -------
    int
        The numerical rank (0 for an empty or all-zero input).

    Examples
    --------
    >>> import numpy as np
    >>> numerical_rank(np.array([1.0, 1e-3, 1e-12]))
    2
    >>> numerical_rank(np.zeros(3))
    0
    """
    values = np.asarray(singular_values, dtype=float)
    top = float(np.max(values, initial=0.0))
    if not top > 0.0:
        return 0
    return int(np.count_nonzero(values > rtol * top))
