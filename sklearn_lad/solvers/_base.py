"""Solver interface, the registry of backends, and the one place capabilities are checked.

A backend is a subclass of :class:`Solver` whose class attributes declare what it can do and
whose :meth:`Solver.solve` maps a :class:`~sklearn_lad._problem.QuantileProblem` to a
:class:`~sklearn_lad._problem.SolverResult`. Decorating it with :func:`register_solver` makes it
available by name to every estimator and to the conformance tests.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from typing import Any, ClassVar

from threadpoolctl import ThreadpoolController

from .._certificate import finalize_equilibrated
from .._problem import QuantileProblem, SolverResult
from .._scaling import equilibrate

__all__ = [
    "Solver",
    "register_solver",
    "get_solver",
    "available_solvers",
    "registered_solvers",
    "resolve_solver",
]

_REGISTRY: dict[str, type[Solver]] = {}


class Solver:
    """Base class of every backend.

    Class attributes
    ----------------
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
    """

    name: ClassVar[str] = ""
    supports_sparse: ClassVar[bool] = False
    supports_l1: ClassVar[bool] = True
    supports_warm_start: ClassVar[bool] = False
    exact: ClassVar[bool] = True
    requires: ClassVar[tuple[str, ...]] = ()
    install_hint: ClassVar[str] = ""
    default_options: ClassVar[dict[str, Any]] = {}

    @classmethod
    def is_available(cls) -> bool:
        """Whether every module in :attr:`requires` can be imported."""
        return all(importlib.util.find_spec(module) is not None for module in cls.requires)

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.default_options))
        if unknown:
            raise ValueError(
                f"solver {self.name!r} does not accept solver_options {unknown}; "
                f"valid keys are {sorted(self.default_options)}."
            )
        self.options = {**self.default_options, **options}

    def solve(
        self, problem: QuantileProblem, warm_start: tuple[Any, float] | None = None
    ) -> SolverResult:
        """Solve ``problem``; ``warm_start`` is ``(coef, intercept)`` or ``None``."""
        raise NotImplementedError


def register_solver(cls: type[Solver]) -> type[Solver]:
    """Class decorator adding a backend to the registry under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a non-empty `name` to be registered.")
    _REGISTRY[cls.name] = cls
    return cls


def registered_solvers() -> list[str]:
    """Names of every registered backend, installed or not."""
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
    """The backend class registered as ``name``; errors name the valid choices."""
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


@cache
def _blas_controller() -> ThreadpoolController:
    # Scanning the loaded libraries costs milliseconds; do it once per process.
    return ThreadpoolController()


def run_solver(
    name: str,
    problem: QuantileProblem,
    options: dict[str, Any] | None = None,
    warm_start: tuple[Any, float] | None = None,
) -> tuple[SolverResult, str]:
    """Resolve ``name``, run the backend and return ``(result, resolved_name)``.

    The backend and the certificate see the equilibrated problem (``sklearn_lad._scaling``);
    the result comes back in ``problem``'s coordinates.
    """
    cls = resolve_solver(name, problem)
    solver = cls(**(options or {}))
    scaled, scaling = equilibrate(problem)
    if not cls.supports_warm_start or warm_start is None:
        warm_start = None
    else:
        warm_start = scaling.to_scaled(*warm_start)
    result = solver.solve(scaled, warm_start=warm_start)
    if cls.exact:
        # The certificate's work is matrix-vector products and small factorisations, which one
        # BLAS thread does as fast, and without stalling when the cores are shared.
        with _blas_controller().limit(limits=1, user_api="blas"):
            result = finalize_equilibrated(scaled, result, scaling.metric())
    return scaling.undo(problem, scaled, result), cls.name
