"""Backends behind ``solver=``: one module each, registered by name with their capabilities."""

from . import br, cvxpy_lp, fn, highs, irls  # noqa: F401  (importing registers the backend)
from ._base import (
    Solver,
    available_solvers,
    check_status,
    get_solver,
    register_solver,
    registered_solvers,
    resolve_solver,
    run_solver,
)

__all__ = [
    "Solver",
    "available_solvers",
    "check_status",
    "get_solver",
    "register_solver",
    "registered_solvers",
    "resolve_solver",
    "run_solver",
]
