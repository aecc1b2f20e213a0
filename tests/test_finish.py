"""The shared engine's finishes (``solvers._finish``): extreme levels, reduced optima."""

import warnings
from dataclasses import replace

import numpy as np
import pytest

from sklearn_lad import available_solvers
from sklearn_lad._certificate import certify
from sklearn_lad._problem import QuantileProblem
from sklearn_lad._scaling import equilibrate
from sklearn_lad.solvers import get_solver, run_solver
from sklearn_lad.solvers._finish import SAFE_TAU, solve_at_safe_tau

rng = np.random.default_rng(0)
X = rng.standard_normal((300, 3))
Y = X @ np.array([1.0, -2.0, 0.5]) + 1.0 + rng.standard_t(3, size=300)
W = rng.uniform(0.1, 3.0, 300)
# Every exact backend: the external LP codes (highs, cvxpy) are walked like the engine's own.
EXTREME = [name for name in available_solvers() if get_solver(name).exact]

# (label, problem parameters, a level on the same piece of the quantile process). With an
# intercept no residual can be negative once tau < min(w) / sum(w) (about 1e-4 here), so the
# optimal vertex there is the same for every smaller tau; mirrored near 1.
CASES = [
    ("plain", dict(), 1e-5),
    ("weighted", dict(sample_weight=W), 1e-6),
    ("lasso", dict(alpha=0.05, penalty_factor=np.array([0.0, 1.0, 2.0])), 1e-9),
]


def _fit(name, problem):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return run_solver(name, problem)[0]


def _reference(params, tau, near):
    same_piece = dict(params, tau=near if tau < 0.5 else 1.0 - near)
    return _fit("highs", QuantileProblem(X=X, y=Y, **same_piece))


def _assert_same_point(coef, intercept, reference):
    scale = 1.0 + np.abs(reference.coef).max()
    np.testing.assert_allclose(coef, reference.coef, atol=1e-9 * scale)
    assert intercept == pytest.approx(reference.intercept, abs=1e-9 * scale)


@pytest.mark.parametrize("name", EXTREME)
@pytest.mark.parametrize("tau", [1e-300, 1e-20, 1.0 - 2.0**-53, 1.0 - 1e-15])
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_extreme_levels_reach_the_certified_vertex(case, tau, name):
    # At tau = 1e-300 fn's box 0 <= s_i <= tau w_i overflowed 1 / s_i (NaN, a RuntimeError) and
    # br's edge slopes (~1e-300 w) fell under its dual tolerance, stopping at a wrong vertex.
    # The backend's answer (before the canonical step) is the vertex of the level's piece of
    # the quantile process, and the shared certificate proves it optimal.
    label, params, near = case
    scaled, scaling = equilibrate(QuantileProblem(X=X, y=Y, tau=tau, **params))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        raw = get_solver(name)().solve(scaled)
    cert = certify(scaled.augmented(), scaled.join(raw.coef, raw.intercept), raw.basis, raw.dual)
    assert cert.certified, cert.message
    _assert_same_point(*scaling.to_original(*scaled.split(cert.beta)),
                       _reference(params, tau, near))


@pytest.mark.parametrize("name", EXTREME)
@pytest.mark.parametrize("tau", [1e-300, 1e-20, 1.0 - 1e-15, 1.0 - 2.0**-53])
def test_extreme_levels_through_run_solver(tau, name):
    # The canonical step reads the optimal face off the certified dual. Near tau = 1 the lower
    # side of the box is (1 - tau) w wide and the basic duals balancing it are that small: a
    # margin of 1e-10 w (not of the side's width) put all of them at the bound, enlarged the
    # face, and the step left the certified vertex.
    result = _fit(name, QuantileProblem(X=X, y=Y, tau=tau))
    assert result.certified
    _assert_same_point(result.coef, result.intercept, _reference({}, tau, 1e-5))


def test_safe_levels_are_solved_directly_and_extreme_ones_walked():
    seen = []

    def solve(problem):
        seen.append(problem.tau)
        return run_solver("br", problem)[0]

    problem = QuantileProblem(X=X, y=Y, tau=0.3)
    assert solve_at_safe_tau(problem, solve).objective == solve(problem).objective
    seen.clear()
    far = solve_at_safe_tau(QuantileProblem(X=X, y=Y, tau=1e-300), solve)
    assert seen == [SAFE_TAU] and far.dual is not None and far.basis.size == 4
    # The objective is the requested level's, not the safe level's.
    assert far.objective == pytest.approx(
        QuantileProblem(X=X, y=Y, tau=1e-300).objective(far.coef, far.intercept))


def test_only_exactly_dependent_dropped_columns_skip_the_engine_finish():
    from sklearn_lad.solvers._finish import dropped_columns_balanced
    from sklearn_lad.solvers._interior_point import independent_columns, solve_exact

    z = rng.standard_normal(300)
    for offset, expected in [(0.0, True), (1e-8, False)]:
        design = QuantileProblem(X=np.column_stack([X, X[:, 0] - X[:, 1] + offset * z]), y=Y,
                                 tau=0.4).augmented()
        keep = independent_columns(design)
        assert not keep.all()
        reduced = solve_exact(design.take_columns(keep), 0.4)
        assert dropped_columns_balanced(design, keep, reduced.dual) is expected


def test_external_answers_are_certified_once_and_finished_only_when_they_fail(monkeypatch):
    from sklearn_lad._problem import SolverResult, Status
    from sklearn_lad.solvers import _finish
    from sklearn_lad.solvers.highs import HighsSolver

    monkeypatch.setattr(_finish, "finish_on_engine",
                        lambda *args: pytest.fail("finish_on_engine called"))
    problem, _ = equilibrate(QuantileProblem(X=X, y=Y, tau=0.3, sample_weight=W))
    # An optimal vertex: certified here and handed over, so finalize only verifies it.
    raw = HighsSolver()._solve(problem)
    handed = _finish.certify_or_finish(problem, raw)
    assert handed.certified and handed.dual is not None and handed.message == raw.message
    np.testing.assert_allclose(handed.coef, raw.coef, rtol=1e-12)
    # A run stopped at its cap keeps its point (no certificate, no finish).
    capped = SolverResult(coef=np.zeros(3), intercept=0.0, objective=1.0,
                          status=Status.ITERATION_LIMIT)
    assert _finish.certify_or_finish(problem, capped) is capped


def test_a_reduced_optimum_is_finished_on_the_engine():
    from sklearn_lad.solvers._finish import certify_or_finish

    # The optimum without the nearly dependent column (where HiGHS stopped): the certificate
    # rejects it; the engine's steps bring the
    # column in, and finalize certifies the vertex reached.
    Xc = np.column_stack([X, X[:, 0] + 1e-7 * rng.standard_normal(300)])
    problem, _ = equilibrate(QuantileProblem(X=Xc, y=Y, tau=0.3))
    reduced = get_solver("highs")()._solve(replace(problem, X=problem.X[:, :3]))
    start = replace(reduced, coef=np.append(reduced.coef, 0.0), dual=None, basis=None)
    assert not certify(problem.augmented(), problem.join(start.coef, start.intercept)).certified
    finished = certify_or_finish(problem, start)
    assert not finished.certified and finished.n_iter > start.n_iter
    cert = certify(problem.augmented(), problem.join(finished.coef, finished.intercept),
                   finished.basis, finished.dual)
    assert cert.certified and finished.objective < start.objective
    exact = run_solver("br", problem)[0]
    assert finished.objective == pytest.approx(exact.objective, rel=1e-12)


@pytest.mark.parametrize("name", [name for name in ("highs", "cvxpy") if name in EXTREME])
def test_external_answers_reach_the_canonical_point_of_a_tied_face(name):
    # A column equal to 3 (the intercept's twin) and y in {0, 1, 2}: the optimum is a face.
    # HiGHS's simplex dual sits on its bounds there; taken as the certificate's hint it was
    # kept, the canonical step could not read the face off it, and HiGHS's vertex (intercept
    # 0) came back instead of the minimum-norm point (intercept 0.1, coefficient 0.3).
    import scipy.sparse as sp

    local = np.random.default_rng(161)
    n, p = int(local.integers(6, 40)), int(local.integers(2, 4))
    Xt = local.standard_normal((n, p))
    Xt[:, 0] = 3.0
    yt = local.integers(0, 3, size=n).astype(float)
    problem = QuantileProblem(X=sp.csr_matrix(Xt), y=yt, tau=float(local.choice([0.5, 0.25, 0.3])))
    result, exact = _fit(name, problem), _fit("fn", problem)
    assert result.unique is False and exact.unique is False
    assert result.intercept == pytest.approx(exact.intercept, abs=1e-12)
    np.testing.assert_allclose(result.coef, exact.coef, atol=1e-12)



# Where Clarabel stopped, 7e-8 of the objective from the optimum, and neither its basis nor the
# polish found the optimal vertex (a ConvergenceWarning; the thorough conformance run's failure).
X_CLARABEL = np.array([
    -0.722577641, 0.62159041, 1.45196124, -0.0566074832, 0.165625181, 1.3620767,
    0.276373296, -1.09146418, -0.711785699, 0.52789695, -0.544360358, -2.2174702,
    0.825925327, -0.179089182, 0.303382823, 0.210338857, -1.49435669, -0.650021933,
    1.13823105, -0.546686107, 0.841221316, -0.637417805, -1.04957222, -0.994525153,
    -0.384265781, -0.829928384, 0.0912265422, 0.318166673, -0.231510034, -0.932276458,
    0.269811067, 0.136440025, 0.928001193, 0.000320168682, -0.381907028, 0.019585259
])
Y_CLARABEL = np.array([
    -3.33275372, -1.31973099, -2.31222823, 1.27833878, -0.7767442, -1.70591857, 1.13429666,
    6.3950704, 0.97217337, -0.08603993, -0.31380401, 2.88383821, -3.78488031, -4.56917054,
    0.96934194, -0.39215765, 3.72679685, -6.17568209, -1.90891576, -3.63426264, -0.67619728,
    1.46156368, 1.20196818, 1.57841148, -0.41503051, 1.70179415, 0.07210267, -1.59153165,
    -1.07682409, -1.01651525, 1.78907352, 1.63361569, -3.80715812, 0.04394814, 0.08287293,
    -0.16461548
])


@pytest.mark.parametrize("name", [name for name in ("highs", "cvxpy") if name in EXTREME])
def test_an_inaccurate_answer_is_finished_to_the_oracle(name):
    problem = QuantileProblem(X=X_CLARABEL[:, None], y=Y_CLARABEL, tau=0.11342482638024878)
    result, exact = _fit(name, problem), _fit("br", problem)
    assert result.certified
    assert result.objective == pytest.approx(exact.objective, rel=1e-12)
    np.testing.assert_allclose(result.coef, exact.coef, rtol=1e-12)
    assert result.intercept == pytest.approx(exact.intercept, rel=1e-12)
