"""Solver interface, the registry of backends, and the one place capabilities are checked.

A backend is a subclass of :class:`Solver` whose class attributes declare what it can do and
whose :meth:`Solver.solve` maps a :class:`~sklearn_lad._problem.QuantileProblem` to a
:class:`~sklearn_lad._problem.SolverResult`. Decorating it with :func:`register_solver` makes it
available by name to every estimator and to the conformance tests.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import warnings
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints

from .._design import single_threaded_blas
from .._finalize import finalize_equilibrated
from .._problem import QuantileProblem, SolverResult, Status
from .._scaling import equilibrate

__all__ = [
    "Solver",
    "register_solver",
    "get_solver",
    "available_solvers",
    "registered_solvers",
    "resolve_solver",
    "run_solver",
    "check_status",
    "null_result",
]

_REGISTRY: dict[str, type[Solver]] = {}

# Building blocks of the backends' ``option_constraints`` (scikit-learn's constraint language).
NON_NEGATIVE_INT = Interval(Integral, 0, None, closed="left")
POSITIVE_INT = Interval(Integral, 1, None, closed="left")
NON_NEGATIVE_REAL = Interval(Real, 0, None, closed="left")
POSITIVE_REAL = Interval(Real, 0, None, closed="neither")
UNIT_INTERVAL_REAL = Interval(Real, 0, 1, closed="right")  # (0, 1]
__all__ += ["StrOptions"]


class Solver:
    """Base class of every backend.

    A backend declares its capabilities in class attributes and implements :meth:`solve`;
    :func:`register_solver` makes it available as ``solver=name`` to every estimator.

    Parameters
    ----------
    **options : dict
        The backend's ``solver_options``; keys must be in :attr:`default_options`, whose values
        fill in the rest.

    Attributes
    ----------
    name : str
        Registry key, the value of ``solver=``.
    supports_sparse : bool
        Accepts ``scipy.sparse`` design matrices.
    supports_l1 : bool
        Accepts ``alpha > 0``.
    supports_warm_start : bool
        Uses ``warm_start=(coef, intercept)`` to speed up a fit.
    exact : bool
        Returns the exact LP optimum (a vertex or the canonical point of the optimal face).
    requires : tuple of str
        Importable modules the backend needs; missing ones make it unavailable.
    install_hint : str
        What to run when a required module is missing.
    default_options : dict
        Accepted ``solver_options`` keys with their defaults.
    option_constraints : dict
        For every key of ``default_options``, the list of accepted types and ranges in
        scikit-learn's ``_parameter_constraints`` language (``Interval``, ``StrOptions``, a
        type, ``None``, ...). :class:`Solver` validates ``solver_options`` against it, so a
        wrong type or value raises ``InvalidParameterError`` (a ``ValueError`` and a
        ``TypeError``) that names the option and what it accepts.
    status_map : dict
        Backends that wrap an external solver map its status codes to
        :class:`~sklearn_lad._problem.Status` here (cvxpy style).

    options : dict
        The options of this instance: ``default_options`` updated with ``**options``.

    See Also
    --------
    register_solver : Add a backend to the registry.

    Notes
    -----
    Backends never warn or raise about how a run ended: :meth:`solve` sets
    :attr:`SolverResult.status <sklearn_lad._problem.SolverResult>` and :func:`run_solver`
    (through :func:`check_status`) turns it into a ``ConvergenceWarning`` or an error.

    Examples
    --------
    >>> from sklearn_lad.solvers import Solver, get_solver
    >>> fn = get_solver("fn")
    >>> issubclass(fn, Solver), fn.supports_sparse, fn.exact
    (True, True, True)
    >>> sorted(fn(max_iter=50).options)[:2] == sorted(fn.default_options)[:2]
    True
    """

    name: ClassVar[str] = ""
    supports_sparse: ClassVar[bool] = False
    supports_l1: ClassVar[bool] = True
    supports_warm_start: ClassVar[bool] = False
    exact: ClassVar[bool] = True
    requires: ClassVar[tuple[str, ...]] = ()
    install_hint: ClassVar[str] = ""
    default_options: ClassVar[dict[str, Any]] = {}
    option_constraints: ClassVar[dict[str, list]] = {}
    status_map: ClassVar[dict[Any, Status]] = {}

    @classmethod
    def is_available(cls) -> bool:
        """Whether every module in :attr:`requires` can be imported.

        Returns
        -------
        bool
            True when the backend can run in this environment.
        """
        return all(importlib.util.find_spec(module) is not None for module in cls.requires)

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.default_options))
        if unknown:
            raise ValueError(
                f"solver {self.name!r} does not accept solver_options {unknown}; "
                f"valid keys are {sorted(self.default_options)}."
            )
        # Only the options the user set: the defaults are checked once, by the test suite.
        validate_parameter_constraints(
            {key: self.option_constraints[key] for key in options}, options,
            caller_name=f"solver={self.name!r} (a key of solver_options)",
        )
        self.options = {**self.default_options, **options}

    def solve(
        self, problem: QuantileProblem, warm_start: tuple[Any, float] | None = None
    ) -> SolverResult:
        """Solve ``problem``.

        Parameters
        ----------
        problem : QuantileProblem
            The validated problem (data, ``tau``, ``alpha``, weights, intercept).
        warm_start : tuple of (ndarray, float) or None, default=None
            ``(coef, intercept)`` of a nearby solution, used by backends with
            ``supports_warm_start``.

        Returns
        -------
        SolverResult
            The backend's solution, before the shared certificate and canonical point.
        """
        raise NotImplementedError


def register_solver(cls: type[Solver]) -> type[Solver]:
    """Class decorator adding a backend to the registry under ``cls.name``.

    The decorated class must subclass :class:`Solver` and set a non-empty ``name``.

    Returns
    -------
    type
        ``cls`` itself, now reachable as ``solver=cls.name``.

    Examples
    --------
    >>> from sklearn_lad.solvers import Solver, register_solver, registered_solvers
    >>> @register_solver
    ... class DocExampleSolver(Solver):
    ...     name = "doc-example"
    >>> "doc-example" in registered_solvers()
    True
    >>> from sklearn_lad.solvers._base import _REGISTRY
    >>> del _REGISTRY["doc-example"]  # keep the registry clean for the other examples
    """
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a non-empty `name` to be registered.")
    undeclared = sorted(set(cls.default_options) - set(cls.option_constraints))
    if undeclared:
        raise ValueError(
            f"{cls.__name__} must declare option_constraints for its options {undeclared}."
        )
    _REGISTRY[cls.name] = cls
    return cls


def registered_solvers() -> list[str]:
    """Names of every registered backend, installed or not.

    Returns
    -------
    list of str
        Sorted registry keys; :func:`available_solvers` keeps those whose dependencies are
        installed.

    Examples
    --------
    >>> from sklearn_lad import registered_solvers
    >>> {"br", "fn", "highs", "irls"} <= set(registered_solvers())
    True
    """
    return sorted(_REGISTRY)


def available_solvers() -> list[str]:
    """Names of the registered backends whose dependencies are installed.

    Returns
    -------
    list of str
        Valid values of ``solver=`` besides ``"auto"``.

    Examples
    --------
    >>> from sklearn_lad import available_solvers
    >>> "highs" in available_solvers()
    True
    """
    return sorted(name for name, cls in _REGISTRY.items() if cls.is_available())


def get_solver(name: str) -> type[Solver]:
    """The backend class registered as ``name``; errors name the valid choices.

    Parameters
    ----------
    name : str
        A registered backend name (not ``"auto"``; see :func:`resolve_solver`).

    Returns
    -------
    type
        The :class:`Solver` subclass.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the registered names.
    ImportError
        If the backend's dependencies are not installed; the message says what to install.

    Examples
    --------
    >>> from sklearn_lad.solvers import get_solver
    >>> get_solver("br").supports_sparse
    False
    """
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"Unknown solver {name!r}. Use 'auto' or one of {registered_solvers()}."
        ) from None
    if not cls.is_available():
        raise ImportError(
            f"solver={name!r} needs {', '.join(cls.requires)}, which is not installed. "
            f"Install it with: {cls.install_hint}"
        )
    return cls


def _unsupported_reason(cls: type[Solver], problem: QuantileProblem) -> str | None:
    if problem.is_sparse and not cls.supports_sparse:
        return "sparse X"
    if problem.is_penalized and not cls.supports_l1:
        return "an L1 penalty (alpha > 0)"
    return None


def _auto_choice(problem: QuantileProblem) -> str:
    # Crossovers measured with benchmarks/bench_solvers.py (docs/solvers.md): the interior point
    # is fastest from n of a few dozen up, for every p we tried; the simplex only wins, by under
    # a millisecond, on small and narrow problems. HiGHS is the fallback when neither is
    # registered. All three are exact, so the choice changes speed only, never the answer.
    n, p = problem.X.shape
    if problem.is_sparse:
        candidates = ["fn", "highs"]
    elif n <= 1000 and p <= 5:
        candidates = ["br", "fn", "highs"]
    else:
        candidates = ["fn", "br", "highs"]
    for name in candidates:
        cls = _REGISTRY.get(name)
        if cls is not None and cls.is_available() and _unsupported_reason(cls, problem) is None:
            return name
    return "highs"


def resolve_solver(name: str, problem: QuantileProblem) -> type[Solver]:
    """Resolve ``"auto"`` and check that the backend can take ``problem``.

    This is the only place capabilities are checked, so every estimator raises the same errors.

    Parameters
    ----------
    name : str
        ``"auto"`` or a registered backend name.
    problem : QuantileProblem
        The problem to solve; its sparsity and penalty decide what ``"auto"`` picks.

    Returns
    -------
    type
        The :class:`Solver` subclass that will run.

    Raises
    ------
    ValueError
        If the backend cannot take the problem (sparse ``X``, ``alpha > 0``); the message
        lists the backends that can.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> from sklearn_lad.solvers import resolve_solver
    >>> problem = QuantileProblem(X=np.ones((10, 2)), y=np.zeros(10), tau=0.5)
    >>> resolve_solver("auto", problem).name
    'br'
    """
    if name == "auto":
        name = _auto_choice(problem)
    cls = get_solver(name)
    reason = _unsupported_reason(cls, problem)
    if reason is not None:
        able = [
            other
            for other in available_solvers()
            if _unsupported_reason(_REGISTRY[other], problem) is None
        ]
        raise ValueError(
            f"solver={name!r} does not support {reason}. Use solver='auto' or one of {able}."
        )
    return cls


def null_result(
    problem: QuantileProblem, status: Status, message: str, n_iter: int = 0
) -> SolverResult:
    """The result at ``beta = 0`` for a backend that stopped without a point of its own.

    Every ``beta`` is feasible for the quantile-regression LP, so ``beta = 0`` is an honest
    "no progress" answer: with ``status=ITERATION_LIMIT`` it is returned with a warning like
    any other early stop; with a failed status :func:`check_status` raises.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem, Status
    >>> problem = QuantileProblem(X=np.eye(2), y=np.ones(2), tau=0.5)
    >>> null_result(problem, Status.ITERATION_LIMIT, "stopped").objective
    0.5
    """
    coef = np.zeros(problem.n_features)
    return SolverResult(
        coef=coef, intercept=0.0, objective=problem.objective(coef, 0.0), n_iter=n_iter,
        status=status, message=message,
    )


def check_status(result: SolverResult, solver_name: str) -> None:
    """Turn ``result.status`` into a ``ConvergenceWarning`` or an error: the one place that does.

    Parameters
    ----------
    result : SolverResult
        A backend's result, after the shared certificate for exact backends.
    solver_name : str
        The backend's registered name, for the message.

    Raises
    ------
    RuntimeError
        When the status says the run produced no usable point (``NUMERICAL_ERROR``,
        ``INFEASIBLE``, ``UNBOUNDED``).

    Warns
    -----
    ConvergenceWarning
        When the backend stopped at its iteration limit (``ITERATION_LIMIT``) or its answer
        could not be certified optimal (``NOT_CERTIFIED``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import SolverResult, Status
    >>> from sklearn_lad.solvers import check_status
    >>> check_status(SolverResult(np.zeros(1), 0.0, 0.0, status=Status.OPTIMAL), "br")
    """
    status, detail = result.status, result.message
    if status.failed:
        raise RuntimeError(
            f"solver={solver_name!r} failed ({status.value}: {detail}). The quantile-regression "
            "LP always has a solution, so this is a numerical failure of the backend: try "
            "another solver (e.g. solver='highs' or solver='br')."
        )
    if status is Status.ITERATION_LIMIT:
        warnings.warn(
            f"solver={solver_name!r} stopped at its iteration limit before converging "
            f"({detail}); increase solver_options={{'max_iter': ...}}.",
            ConvergenceWarning, stacklevel=4,
        )
    elif status is Status.NOT_CERTIFIED:
        warnings.warn(
            f"solver={solver_name!r} returned a point whose optimality could not be "
            f"certified ({detail}). Try solver='highs' or tighter solver_options.",
            ConvergenceWarning, stacklevel=4,
        )


def _is_finite(result: SolverResult) -> bool:
    return bool(np.all(np.isfinite(result.coef)) and np.isfinite(result.intercept))


def _status_after_certificate(result: SolverResult) -> Status:
    # The certificate proves optimality whatever the backend reported (a backend stopped at
    # its cap can already sit on the optimum); a backend that met its stopping rule without a
    # certificate gets NOT_CERTIFIED, so that every exact backend warns the same way.
    if result.certified and not result.status.failed:
        return Status.OPTIMAL
    if result.status is Status.OPTIMAL:
        return Status.NOT_CERTIFIED
    return result.status


def run_solver(
    name: str,
    problem: QuantileProblem,
    options: dict[str, Any] | None = None,
    warm_start: tuple[Any, float] | None = None,
) -> tuple[SolverResult, str]:
    """Resolve ``name``, run the backend and return ``(result, resolved_name)``.

    The backend and the certificate see the equilibrated problem (``sklearn_lad._scaling``);
    the result comes back in ``problem``'s coordinates. For exact backends the answer is
    certified and replaced by the canonical optimal point (``_finalize.finalize``); then
    :func:`check_status` warns or raises according to the final status. This is the one place
    a status becomes a warning or an error.

    Parameters
    ----------
    name : str
        ``"auto"`` or a registered backend name.
    problem : QuantileProblem
        The problem to solve.
    options : dict or None, default=None
        The backend's ``solver_options``.
    warm_start : tuple of (ndarray, float) or None, default=None
        ``(coef, intercept)`` of a nearby solution; ignored by backends without warm starts.

    Returns
    -------
    result : SolverResult
        The certified solution.
    resolved_name : str
        The backend that ran.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem
    >>> from sklearn_lad.solvers import run_solver
    >>> X = np.arange(6.0).reshape(-1, 1)
    >>> problem = QuantileProblem(X=X, y=2.0 * X[:, 0] + 1.0, tau=0.5)
    >>> result, name = run_solver("highs", problem)
    >>> name, result.coef.round(6).tolist(), round(float(result.intercept), 6)
    ('highs', [2.0], 1.0)
    >>> result.status.value, result.certified
    ('optimal', True)
    """
    cls = resolve_solver(name, problem)
    solver = cls(**(options or {}))
    scaled, scaling = equilibrate(problem)
    if cls.supports_warm_start and warm_start is not None:
        warm_start = scaling.to_scaled(*warm_start)
    else:
        warm_start = None
    result = solver.solve(scaled, warm_start=warm_start)
    if not result.status.failed and not _is_finite(result):
        # Never hand NaN or infinite coefficients to the user: that is a numerical failure.
        result = dataclasses.replace(
            result, status=Status.NUMERICAL_ERROR,
            message=f"{result.message}; non-finite coefficients".strip("; "),
        )
    if cls.exact and not result.status.failed:
        # The certificate's work is matrix-vector products and small factorisations, which one
        # BLAS thread does as fast, and without stalling when the cores are shared.
        with single_threaded_blas():
            result = finalize_equilibrated(scaled, result, scaling.metric())
        result = dataclasses.replace(result, status=_status_after_certificate(result))
    if not result.status.failed:
        result = scaling.undo(problem, scaled, result)
    check_status(result, cls.name)
    return result, cls.name
