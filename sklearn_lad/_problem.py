"""The canonical problem every backend receives and the one result type every backend returns.

Every penalised problem is also a plain weighted quantile regression on an augmented design: for
each penalised feature ``j`` two mirrored pseudo-observations ``(+e_j, 0)`` and ``(-e_j, 0)`` with
weight ``alpha * penalty_factor_j * sum(w)`` contribute
``alpha * penalty_factor_j * (rho_tau(-b_j) + rho_tau(b_j)) = alpha * penalty_factor_j * |b_j|``
to the objective. This is the reduction Koenker & d'Orey (1987) style simplex codes use for the
lasso; it lets the optimality certificate and the canonical solution (``_certificate.py``)
treat every problem the same way. :meth:`QuantileProblem.augmented` returns that design as the
operator of ``_design.py``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._design import RowDesign
from ._objective import quantile_objective

__all__ = ["QuantileProblem", "SolverResult", "SolverDiagnostics", "Status", "pseudo_row_duals"]


def pseudo_row_duals(balance: np.ndarray, lam: np.ndarray, tau: float):
    """Dual values ``(d+, d-)`` of the penalty pseudo-rows ``+e_j`` and ``-e_j``.

    They must satisfy ``d+_j - d-_j = balance_j`` (``-X_j'd`` for the observations' dual ``d``)
    with both in the box ``[-(1 - tau) lam_j, tau lam_j]``, which is possible exactly when
    ``|balance_j| <= lam_j``. ``d+`` is the balance clipped to the box and ``d-`` takes the
    rest: no sum of terms of different sizes, so a box of width ``tau lam`` = 1e-300 ``lam``
    keeps its digits.
    """
    plus = np.clip(balance, -(1.0 - tau) * lam, tau * lam)
    return plus, plus - balance


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

        Returns
        -------
        RowDesign

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_lad._problem import QuantileProblem
        >>> problem = QuantileProblem(X=np.eye(3), y=np.ones(3), tau=0.5, alpha=0.1)
        >>> problem.augmented().shape  # 3 observations, 2 pseudo-rows per feature
        (9, 4)
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


class Status(enum.Enum):
    """How a backend's run ended: the one status every backend maps its own outcome to.

    Code branches on the status, never on :attr:`SolverResult.message` (human text only).
    :func:`sklearn_lad.solvers.check_status` is the one place that turns a status into a
    :class:`~sklearn.exceptions.ConvergenceWarning` or an error.

    Attributes
    ----------
    OPTIMAL
        The backend met its stopping rule; for an exact backend the shared certificate then
        decides whether optimality is proved (``SolverResult.certified``).
    NOT_CERTIFIED
        An exact backend met its stopping rule but the shared certificate could not prove the
        point optimal. The point is returned with a ``ConvergenceWarning``.
    ITERATION_LIMIT
        The backend stopped at its iteration cap (``solver_options max_iter``) before its
        stopping rule held. The best point so far is returned with a ``ConvergenceWarning``.
    NUMERICAL_ERROR
        The backend gave up for numerical reasons (a solver error, no usable point). This
        raises an error.
    INFEASIBLE
        An external solver called the LP infeasible. The quantile-regression LP is always
        feasible (every ``beta`` with the positive and negative parts of its residuals is a
        feasible point), so this only reports a failure of that solver and raises an error.
    UNBOUNDED
        An external solver called the LP unbounded. For ``0 < tau < 1`` the objective is
        bounded below by 0, so this too reports a solver failure and raises an error.

    Examples
    --------
    >>> from sklearn_lad._problem import Status
    >>> Status.ITERATION_LIMIT.stopped_early
    True
    >>> Status.OPTIMAL.converged
    True
    """

    OPTIMAL = "optimal"
    NOT_CERTIFIED = "not_certified"
    ITERATION_LIMIT = "iteration_limit"
    NUMERICAL_ERROR = "numerical_error"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"

    @property
    def converged(self) -> bool:
        """Whether the backend met its stopping rule (certified or not)."""
        return self in (Status.OPTIMAL, Status.NOT_CERTIFIED)

    @property
    def stopped_early(self) -> bool:
        """Whether a point is returned although the stopping rule did not hold."""
        return self is Status.ITERATION_LIMIT

    @property
    def failed(self) -> bool:
        """Whether the run produced no usable point (these statuses raise an error)."""
        return self in (Status.NUMERICAL_ERROR, Status.INFEASIBLE, Status.UNBOUNDED)


@dataclass
class SolverDiagnostics:
    """Backend-specific counters of one run, for tests, benchmarks and the curious.

    Every field has a default, so a backend sets only the ones it knows; none of them changes
    the answer. (These were the undocumented ``SolverResult.extra`` dict.)

    Attributes
    ----------
    basis_rank : int or None
        ``br``: the number of rows in the final simplex basis, i.e. the numerical rank of the
        augmented design (``None`` when the simplex stopped early). Was ``extra["rank"]``.
    perturbations : int
        ``br``: how many times ``y`` was perturbed to leave a degenerate vertex.
        Was ``extra["perturbations"]``.
    irls_steps : int
        ``irls``: reweighted least-squares steps. Was ``extra["irls_steps"]``.
    exchange_steps : int
        ``irls``: simplex exchange steps of the finish. Was ``extra["exchange_steps"]``.
    certificate_attempts : int
        ``irls``: how often the exact certificate was tried. Was
        ``extra["certificate_attempts"]``.
    residual_floor : float or None
        ``irls``: the final floor ``eps`` of ``|r_i|`` in the weights. Was ``extra["floor"]``.
    preprocessed : bool
        ``fn``: whether Portnoy & Koenker's preprocessing (solve on a subsample, fix the sides
        of the rest) ran. Was ``extra["preprocessed"]``.
    preprocess_rounds : int
        ``fn``: rounds of the preprocessing (a round repeats when a fixed side was wrong).
        Was ``extra["rounds"]``.
    preprocess_subsample : int or None
        ``fn``: size of the preprocessing's first subsample. Was ``extra["subsample"]``.
    preprocess_kept : int or None
        ``fn``: observations kept free in the last round (the rest were fixed to a side).
        Was ``extra["kept"]``.
    dual_kind : {"basic", "interior"} or None
        ``fn``: whether :attr:`SolverResult.dual` is the exact basic dual of a proved vertex
        or the interior-point dual (strictly inside its box, ``A'd = 0`` to the solver's
        tolerance). Was ``extra["dual"]``.
    """

    basis_rank: int | None = None
    perturbations: int = 0
    irls_steps: int = 0
    exchange_steps: int = 0
    certificate_attempts: int = 0
    residual_floor: float | None = None
    preprocessed: bool = False
    preprocess_rounds: int = 0
    preprocess_subsample: int | None = None
    preprocess_kept: int | None = None
    dual_kind: str | None = None


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
    status : Status
        How the run ended; see :class:`Status`. Code branches on this, never on ``message``.
    gap : float
        Duality gap (objective scale) of the returned point and a dual-feasible point; ``nan``
        when the backend has no certificate.
    message : str
        Human-readable account of the run, for error and warning messages only.
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
    diagnostics : SolverDiagnostics
        Backend-specific counters (steps of each phase, preprocessing rounds, ...).
    converged : bool
        Read-only: ``status.converged``, whether the backend met its stopping rule.
    """

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int = 0
    status: Status = Status.OPTIMAL
    gap: float = float("nan")
    message: str = ""
    certified: bool = False
    unique: bool | None = None
    basis: np.ndarray | None = None
    dual: np.ndarray | None = None
    diagnostics: SolverDiagnostics = field(default_factory=SolverDiagnostics)

    @property
    def converged(self) -> bool:
        """Whether the backend met its stopping rule (``status.converged``)."""
        return self.status.converged
