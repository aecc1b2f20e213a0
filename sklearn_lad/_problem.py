"""The canonical problem every backend receives and the one result type every backend returns.

Every penalised problem is also a plain weighted quantile regression on an augmented design: for
each penalised feature ``j`` two mirrored pseudo-observations ``(+e_j, 0)`` and ``(-e_j, 0)`` with
weight ``alpha * penalty_factor_j * sum(w)`` contribute
``alpha * penalty_factor_j * (rho_tau(-b_j) + rho_tau(b_j)) = alpha * penalty_factor_j * |b_j|``
to the objective. This is the reduction Koenker & d'Orey (1987) style simplex codes use for the
lasso; it lets the optimality certificate and the canonical solution (``_face.py``) treat every
problem the same way. :meth:`QuantileProblem.augmented` returns that design as the operator of
``_design.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._design import RowDesign
from ._objective import quantile_objective

__all__ = ["QuantileProblem", "SolverResult"]


@dataclass(frozen=True)
class QuantileProblem:
    """A validated quantile-regression problem.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Design matrix, float64. Sparse input is CSR or CSC.
    y : ndarray of shape (n_samples,)
        Targets, float64.
    tau : float
        Quantile level in (0, 1).
    alpha : float, default=0.0
        L1 penalty strength (the intercept is never penalised).
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Strictly positive weights. Zero weights are removed before a problem is built.
    fit_intercept : bool, default=True
        Whether to estimate an (unpenalised) intercept.
    penalty_factor : ndarray of shape (n_features,) or None, default=None
        Non-negative per-feature multipliers of ``alpha``.
    """

    X: object
    y: np.ndarray
    tau: float
    alpha: float = 0.0
    sample_weight: np.ndarray | None = None
    fit_intercept: bool = True
    penalty_factor: np.ndarray | None = None

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.X)

    @property
    def weights(self) -> np.ndarray:
        """Sample weights, all ones when none were given."""
        if self.sample_weight is None:
            return np.ones(self.n_samples)
        return self.sample_weight

    @property
    def weight_sum(self) -> float:
        return float(self.n_samples if self.sample_weight is None else self.sample_weight.sum())

    @property
    def penalty(self) -> np.ndarray:
        """``alpha * penalty_factor`` per feature (zeros when unpenalised)."""
        factor = np.ones(self.n_features) if self.penalty_factor is None else self.penalty_factor
        return self.alpha * factor

    @property
    def is_penalized(self) -> bool:
        return bool(np.any(self.penalty > 0))

    def objective(self, coef, intercept: float) -> float:
        """The sklearn-lad objective (see ``sklearn_lad._objective``) at ``(intercept, coef)``."""
        return quantile_objective(
            self.X, self.y, coef, intercept, self.tau, self.alpha, self.sample_weight,
            self.penalty_factor,
        )

    def augmented(self, order: str | None = None) -> RowDesign:
        """The equivalent unpenalised weighted problem on an augmented design.

        Parameters
        ----------
        order : {"C", "F"}, optional
            Layout wanted for dense ``X`` (see :class:`~sklearn_lad._design.RowDesign`); by
            default ``X`` is not copied.
        """
        penalty = self.penalty
        penalized = np.flatnonzero(penalty > 0)
        return RowDesign(
            self.X, self.y, tau=self.tau, weights=self.weights, fit_intercept=self.fit_intercept,
            penalized=penalized, penalty_weights=penalty[penalized] * self.weight_sum,
            weight_sum=self.weight_sum, order=order,
        )

    def split(self, beta: np.ndarray) -> tuple[np.ndarray, float]:
        """Split an augmented coefficient vector into ``(coef, intercept)``."""
        if self.fit_intercept:
            return np.asarray(beta[1:], dtype=float), float(beta[0])
        return np.asarray(beta, dtype=float), 0.0

    def join(self, coef, intercept: float) -> np.ndarray:
        """Inverse of :meth:`split`."""
        coef = np.asarray(coef, dtype=float)
        return np.concatenate([[intercept], coef]) if self.fit_intercept else coef.copy()


@dataclass
class SolverResult:
    """What every backend returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
    intercept : float
    objective : float
        The sklearn-lad objective at ``(intercept, coef)``.
    n_iter : int
        Iterations (pivots for simplex methods, Newton steps for interior point, ...).
    converged : bool
        Whether the backend met its stopping rule.
    gap : float
        Duality gap (objective scale) of the returned point and a dual-feasible point; ``nan``
        when the backend has no certificate.
    message : str
        Human-readable status.
    certified : bool
        ``True`` when optimality was verified by an exact dual certificate.
    unique : bool or None
        ``True`` when the optimum is provably unique, ``False`` when the optimal set is a face
        with more than one point (the canonical minimum-norm point is returned), ``None`` when
        unknown.
    basis : ndarray of int or None
        Indices of observations (rows of the augmented problem) interpolated by the solution.
    dual : ndarray or None
        A dual solution of the augmented LP, in ``[-(1 - tau) w_i, tau w_i]``.
    """

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int = 0
    converged: bool = True
    gap: float = float("nan")
    message: str = ""
    certified: bool = False
    unique: bool | None = None
    basis: np.ndarray | None = None
    dual: np.ndarray | None = None
    extra: dict = field(default_factory=dict)
