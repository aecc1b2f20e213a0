"""Newton systems of penalised interior-point fits with more columns than observations.

Every Newton step of the Frisch-Newton iteration (``solvers/_interior_point.py``) solves
``(A' diag(D) A) v = r`` for the augmented design ``A`` of a penalised problem
(``_problem.py``): the observations ``[1, X]`` and, per penalised feature ``j``, the pseudo-rows
``+e_j`` and ``-e_j``. The pseudo-rows add a diagonal ``t_j = D(+e_j) + D(-e_j)``:

    A' D A = T + B' D_o B,    B = [1, X] (n x q),  T = diag(t) (zero on free columns).

Formed and factored as is this costs ``n q^2 / 2 + q^3 / 6`` per step. With ``q > n`` (the
working sets' restricted fits when the support nears ``n``, ``_working_set.py``), the
Sherman-Morrison-Woodbury identity on the penalised block ``P`` (Golub & Van Loan 2013,
section 2.1.4),

    (T_P + X_P' D_o X_P)^{-1} = S (I - Y' M^{-1} Y) S,   S = T_P^{-1/2},  Y = X_P S,
    M = D_o^{-1} + Y Y'  (n x n),

costs ``n^2 |P| / 2 + n^3 / 6`` instead, and the few free columns ``F`` (intercept,
unpenalised features) are eliminated through their ``|F| x |F|`` Schur complement.

The identity subtracts two terms of the size of ``1 / t_j`` for the features a near-optimal
iterate keeps non-zero (``t_j -> 0``), so it loses the accuracy a tight gap needs; the working
sets use it only for their approximate screening fits (relative gap 1e-2), where it gives the
same Newton steps up to rounding. A factorisation that fails raises ``LinAlgError``, and the
caller refits with the plain normal equations.

References
----------
Golub, G. H. and Van Loan, C. F. (2013). Matrix Computations, 4th ed., Johns Hopkins.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg as sla

from ._design import RowDesign

__all__ = ["woodbury_normal"]

#: Penalised columns per observation from which the identity is used. Time per Newton step
#: against the plain normal equations, n = 200, gap 1e-2: 1.04x at q = n, 0.83x at 1.25 n,
#: 0.45x at 1.5 n, 0.31x at 2 n, 0.25x at 2.5 n (3.2x at 0.75 n).
WOODBURY_MIN_RATIO = 1.25


def woodbury_normal(design: RowDesign) -> Callable[[np.ndarray], Callable] | None:
    """``D -> (r -> (A' diag(D) A)^{-1} r)`` by the Woodbury identity, or ``None``.

    ``None`` when the identity would not pay: dense ``X`` only, no extra rows, and at least
    :data:`WOODBURY_MIN_RATIO` penalised columns per observation.

    Parameters
    ----------
    design : RowDesign
        The augmented design of a penalised problem.

    Returns
    -------
    callable or None
        Given the row weights ``D`` (length ``design.n_rows``), the solver of the Newton system.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> rng = np.random.default_rng(0)
    >>> problem = QuantileProblem(X=rng.standard_normal((4, 8)), y=rng.standard_normal(4),
    ...                           tau=0.5, alpha=0.1)
    >>> design = problem.augmented()
    >>> D = rng.uniform(0.5, 2.0, design.n_rows)
    >>> r = rng.standard_normal(design.n_columns)
    >>> v = woodbury_normal(design)(D)(r)
    >>> bool(np.allclose(design.gram(D) @ v, r))
    True
    """
    X = design.X
    if (not isinstance(X, np.ndarray) or design.n_extra
            or design.penalized.size < WOODBURY_MIN_RATIO * design.n_samples):
        return None
    n, off = design.n_samples, design.offset
    k = design.penalized.size
    live = np.flatnonzero(design.penalized >= 0)
    pen_cols = off + design.penalized[live]  # columns of A with a pseudo-pair
    free = np.ones(design.n_columns, dtype=bool)
    free[pen_cols] = False
    free_cols = np.flatnonzero(free)
    X_pen = X[:, pen_cols - off]
    B_free = np.empty((n, free_cols.size))
    for i, c in enumerate(free_cols):
        B_free[:, i] = 1.0 if c < off else X[:, c - off]

    def factor(D: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        d_obs = D[:n]
        s = 1.0 / np.sqrt(D[n + live] + D[n + k + live])
        Y = X_pen * s
        M = Y @ Y.T
        M[np.diag_indices(n)] += 1.0 / d_obs
        # Equilibrated first, as the plain normal equations are (_interior_point.py).
        scale = 1.0 / np.sqrt(np.diag(M))
        chol = sla.cho_factor(M * scale[:, None] * scale[None, :], lower=True,
                              check_finite=False)

        def h_inv(r):
            """``(T_P + X_P' D_o X_P)^{-1} r`` for ``r`` of shape (|P|,) or (|P|, c)."""
            two = r.ndim == 2
            sv, sc = (s[:, None], scale[:, None]) if two else (s, scale)
            sr = r * sv
            inner = sc * sla.cho_solve(chol, sc * (Y @ sr), check_finite=False)
            return (sr - Y.T @ inner) * sv

        g_pf = X_pen.T @ (d_obs[:, None] * B_free)
        h_g = h_inv(g_pf)
        schur = B_free.T @ (d_obs[:, None] * B_free) - g_pf.T @ h_g
        schur_chol = sla.cho_factor(schur, lower=True, check_finite=False) if free_cols.size \
            else None

        def solve(rhs: np.ndarray) -> np.ndarray:
            z = h_inv(rhs[pen_cols])
            out = np.empty(design.n_columns)
            if schur_chol is None:
                out[pen_cols] = z
                return out
            u = sla.cho_solve(schur_chol, rhs[free_cols] - g_pf.T @ z, check_finite=False)
            out[free_cols] = u
            out[pen_cols] = z - h_g @ u
            return out

        return solve

    return factor
