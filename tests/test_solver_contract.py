"""The contract between backends and the rest: declared options, statuses, one place to warn.

Every registered backend is picked up automatically (like the conformance suite).
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError, validate_parameter_constraints

from sklearn_lad import QuantileRegressor, available_solvers
from sklearn_lad._problem import QuantileProblem, SolverResult, Status
from sklearn_lad.solvers import _base, check_status, get_solver, register_solver, run_solver

from ._cases import make_regression_data

BACKENDS = available_solvers()
# Backends with an iteration cap called max_iter.
CAPPED = [name for name in BACKENDS if "max_iter" in get_solver(name).default_options]


@pytest.mark.parametrize("name", BACKENDS)
def test_every_option_is_declared_and_its_default_is_valid(name):
    cls = get_solver(name)
    assert set(cls.option_constraints) == set(cls.default_options)
    validate_parameter_constraints(cls.option_constraints, cls.default_options, cls.name)
    cls(**cls.default_options)  # the defaults pass the same check as user options


def test_an_undeclared_option_cannot_be_registered():
    class _Undeclared(_base.Solver):
        name = "_undeclared"
        default_options = {"max_iter": 10}

    with pytest.raises(ValueError, match="option_constraints.*max_iter"):
        register_solver(_Undeclared)
    assert "_undeclared" not in _base._REGISTRY


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("br", {"max_iter": "a"}, "an int in the range"),
        ("br", {"tol": -1}, r"a float in the range \[0.0, inf\)"),
        ("br", {"tol": float("nan")}, "a float"),
        ("fn", {"tol": -1}, "a float"),
        ("fn", {"tol": float("nan")}, "a float"),
        ("fn", {"max_iter": 2.5}, "an int"),
        ("fn", {"preprocess": "yes"}, "'auto'"),
        ("irls", {"floor_shrink": "0.5"}, r"\(0.0, 1.0\]"),
        ("irls", {"max_exchange": 1.5}, "an int"),
        ("highs", {"method": 3}, "highs-ds"),
        ("highs", {"method": "simplex"}, "highs-ds"),
        ("highs", {"max_iter": "1"}, "an int"),
        ("cvxpy", {"solver_kwargs": [1]}, "dict"),
        ("cvxpy", {"solver": 3}, "str"),
    ],
)
def test_wrong_option_types_and_values_name_the_option(name, options, expected):
    if name not in BACKENDS:
        pytest.skip(f"{name} not installed")
    (key,) = options
    X, y = make_regression_data(20, 2, seed=0)
    for error in (TypeError, ValueError):  # InvalidParameterError is both
        with pytest.raises(error, match=rf"'{key}' parameter of solver='{name}'.*{expected}"):
            QuantileRegressor(solver=name, solver_options=options).fit(X, y)
    with pytest.raises(InvalidParameterError, match=key):
        get_solver(name)(**options)


@pytest.mark.parametrize("name", CAPPED)
def test_every_backend_warns_the_same_way_at_max_iter(name):
    """``max_iter=1``: a ConvergenceWarning naming the option, never an error (highs raised)."""
    X, y = make_regression_data(300, 4, seed=1)
    options = {"max_iter": 1}
    if name == "irls":
        options["max_exchange"] = 0  # else the exact finish can still reach the optimum
    with pytest.warns(ConvergenceWarning, match=rf"solver='{name}' stopped.*max_iter"):
        model = QuantileRegressor(solver=name, solver_options=options).fit(X, y)
    assert np.all(np.isfinite(model.coef_)) and not model.certified_


def test_highs_iteration_cap_without_a_point_returns_the_null_fit():
    X, y = make_regression_data(300, 4, seed=1)
    problem = QuantileProblem(X=X, y=y, tau=0.5)
    raw = get_solver("highs")(max_iter=1).solve(problem)
    assert raw.status is Status.ITERATION_LIMIT
    assert raw.objective == pytest.approx(problem.objective(raw.coef, raw.intercept))


@pytest.mark.parametrize("name", ["highs", "cvxpy"])
def test_external_solvers_declare_a_status_map(name):
    if name not in BACKENDS:
        pytest.skip(f"{name} not installed")
    status_map = get_solver(name).status_map
    assert Status.OPTIMAL in status_map.values()
    assert Status.ITERATION_LIMIT in status_map.values()
    assert all(isinstance(status, Status) for status in status_map.values())


def _result(status, certified=False, message="details"):
    coef = np.zeros(1)
    return SolverResult(coef=coef, intercept=0.0, objective=0.0, status=status,
                        certified=certified, message=message)


@pytest.mark.parametrize("status", [s for s in Status if s.failed])
def test_failed_statuses_raise(status):
    with pytest.raises(RuntimeError, match=rf"solver='x' failed \({status.value}: details\)"):
        check_status(_result(status), "x")


@pytest.mark.parametrize(
    ("status", "match"),
    [(Status.ITERATION_LIMIT, "iteration limit.*max_iter"), (Status.NOT_CERTIFIED, "certified")],
)
def test_early_stops_and_uncertified_points_warn(status, match):
    with pytest.warns(ConvergenceWarning, match=match):
        check_status(_result(status), "x")


def test_optimal_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_status(_result(Status.OPTIMAL, certified=True), "x")


class _Reports(_base.Solver):
    """Returns a fixed point with the status it is given; never warns itself."""

    name = "_test_reports"
    default_options = {"status": Status.OPTIMAL, "optimal": False, "nan": False}
    option_constraints = {"status": [Status], "optimal": ["boolean"], "nan": ["boolean"]}

    def solve(self, problem, warm_start=None):
        reference = get_solver("highs")().solve(problem)
        coef = reference.coef if self.options["optimal"] else np.zeros(problem.n_features)
        if self.options["nan"]:
            coef = np.full(problem.n_features, np.nan)
        intercept = reference.intercept if self.options["optimal"] else 0.0
        return SolverResult(coef=coef, intercept=intercept,
                            objective=problem.objective(coef, intercept),
                            status=self.options["status"], message="test backend")


@pytest.fixture
def reports():
    register_solver(_Reports)
    yield _Reports.name
    del _base._REGISTRY[_Reports.name]


@pytest.mark.parametrize(
    ("status", "optimal", "final"),
    [
        (Status.OPTIMAL, True, Status.OPTIMAL),
        (Status.OPTIMAL, False, Status.NOT_CERTIFIED),  # certificate fails: warn
        (Status.ITERATION_LIMIT, False, Status.ITERATION_LIMIT),
        (Status.ITERATION_LIMIT, True, Status.OPTIMAL),  # stopped early, but proved optimal
    ],
)
def test_run_solver_sets_the_final_status_from_the_certificate(reports, status, optimal, final):
    X, y = make_regression_data(40, 2, seed=3)
    problem = QuantileProblem(X=X, y=y, tau=0.3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result, _ = run_solver(reports, problem, {"status": status, "optimal": optimal})
    assert result.status is final
    assert result.certified is optimal
    warned = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(warned) == (final is not Status.OPTIMAL)


def test_run_solver_raises_on_a_failed_status_without_certifying(reports):
    X, y = make_regression_data(40, 2, seed=3)
    problem = QuantileProblem(X=X, y=y, tau=0.3)
    with pytest.raises(RuntimeError, match="numerical_error.*another solver"):
        run_solver(reports, problem, {"status": Status.NUMERICAL_ERROR})


def test_non_finite_coefficients_are_a_numerical_error_not_a_result(reports):
    X, y = make_regression_data(40, 2, seed=3)
    problem = QuantileProblem(X=X, y=y, tau=0.3)
    with pytest.raises(RuntimeError, match="numerical_error.*non-finite coefficients"):
        run_solver(reports, problem, {"nan": True})
    with pytest.raises(RuntimeError, match="non-finite"):
        QuantileRegressor(solver=reports).set_params(solver_options={"nan": True}).fit(X, y)


def test_one_place_warns():
    """Only ``solvers/_base.py`` (check_status) raises ConvergenceWarning; nothing branches on
    a result's message text."""
    from pathlib import Path

    import sklearn_lad

    root = Path(sklearn_lad.__file__).parent
    for path in root.rglob("*.py"):
        source = path.read_text()
        if path.name != "_base.py":
            assert "warnings.warn(" not in source or "ConvergenceWarning" not in source, path
        assert "message ==" not in source and ".message.startswith" not in source, path
