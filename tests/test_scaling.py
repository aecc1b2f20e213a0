"""Equilibration (``sklearn_lad._scaling``) and the hostile scale cases it exists for."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_lad import QuantileLasso, QuantileRegressor, alpha_max, available_solvers
from sklearn_lad._certificate import duality_gap
from sklearn_lad._problem import QuantileProblem
from sklearn_lad._scaling import equilibrate
from sklearn_lad.solvers import get_solver, run_solver

EXACT = [name for name in available_solvers() if get_solver(name).exact]

rng = np.random.default_rng(0)
X0 = rng.standard_normal((60, 3))
Y0 = X0 @ np.array([1.0, -2.0, 0.5]) + 1.0 + rng.standard_t(3, size=60)


def test_round_trip_is_exact_and_objective_scales():
    w = rng.uniform(0.5, 2.0, 60)
    problem = QuantileProblem(X=X0 * [1e-8, 1e5, 1.0] + [0.0, 3e7, 0.0], y=Y0 * 1e3 + 1e9,
                              tau=0.3, alpha=0.01, sample_weight=w * 1e200,
                              penalty_factor=np.array([0.5, 0.0, 2.0]))
    scaled, scaling = equilibrate(problem)
    assert np.all(np.abs(scaled.X).max(axis=0) <= 2.0) and np.abs(scaled.y).max() <= 2.0
    assert np.isfinite(scaled.weight_sum) and scaled.sample_weight.max() < 2.0
    coef, intercept = np.array([0.3, -1e-4, 7.0]), 11.0
    back = scaling.to_original(*scaling.to_scaled(coef, intercept))
    np.testing.assert_allclose(back[0], coef, rtol=1e-15)
    assert back[1] == pytest.approx(intercept, abs=1e-15 * 1e9)
    # The penalty factors map so that the objectives agree at corresponding points, the
    # penalised (and unpenalised) columns included.
    c_s, b_s = scaling.to_scaled(coef, intercept)
    assert problem.objective(coef, intercept) == pytest.approx(
        scaling.y_scale * scaled.objective(c_s, b_s), rel=1e-12)


def test_powers_of_two_make_scaling_exact():
    problem = QuantileProblem(X=X0 * 3.0, y=Y0 * 7.0, tau=0.5)
    scaled, scaling = equilibrate(problem)
    assert np.all(np.log2(scaling.col_scale) % 1 == 0) and np.log2(scaling.y_scale) % 1 == 0
    assert np.array_equal(scaled.X * scaling.col_scale, problem.X)


def test_sparse_is_scaled_without_densifying_or_centring():
    X = sp.random(80, 4, density=0.3, random_state=1, format="csc") * 1e6 + 0.0
    y = rng.standard_normal(80)
    scaled, scaling = equilibrate(QuantileProblem(X=X, y=y + 1e9, tau=0.5))
    assert sp.issparse(scaled.X) and scaled.X.format == "csc" and scaled.X.nnz == X.nnz
    assert scaling.col_shift is None and scaling.y_shift != 0.0


def test_centring_only_where_the_offset_dominates():
    _, plain = equilibrate(QuantileProblem(X=X0, y=Y0, tau=0.5))
    assert plain.col_shift is None and plain.y_shift == 0.0
    _, shifted = equilibrate(QuantileProblem(X=X0 + [1e6, 0.0, 0.0], y=Y0, tau=0.5))
    assert shifted.col_shift[0] != 0.0 and np.all(shifted.col_shift[1:] == 0.0)
    _, no_intercept = equilibrate(QuantileProblem(X=X0 + 1e6, y=Y0 + 1e9, tau=0.5,
                                                  fit_intercept=False))
    assert no_intercept.col_shift is None and no_intercept.y_shift == 0.0


def test_dual_maps_back_to_a_dual_of_the_original():
    problem = QuantileProblem(X=X0 * [1e-6, 1.0, 1e4], y=Y0 * 1e-3, tau=0.7, alpha=1e-3,
                              sample_weight=rng.uniform(1, 3, 60) * 1e-50)
    result = run_solver("highs", problem)[0]
    gap, feasible = duality_gap(problem.augmented(), problem.join(result.coef, result.intercept),
                                result.dual)
    assert result.certified and feasible and gap <= 1e-9 * result.objective


def _reference(est, X, y, w):
    kind = QuantileLasso if "alpha" in est else QuantileRegressor
    return kind(solver="highs", **est).fit(X, y, sample_weight=w)


S2 = np.array([1e-8, 1e5, 1.0])
AM = alpha_max(X0, Y0, tau=0.5)
WMIX = np.where(np.arange(60) % 2, 1.0, 1e-200)
XCOL = np.column_stack([X0, X0[:, 0] + 1e-7 * rng.standard_normal(60)])
# (label, estimator parameters, X, y, w, well-scaled equivalent (params, X, y, w), coef map)
HOSTILE = [
    ("column*1e-10", dict(tau=0.5), X0 * [1, 1e-10, 1], Y0, None,
     (dict(tau=0.5), X0, Y0, None), lambda c: c / [1, 1e-10, 1]),
    ("column*1e-12", dict(tau=0.5), X0 * [1, 1e-12, 1], Y0, None,
     (dict(tau=0.5), X0, Y0, None), lambda c: c / [1, 1e-12, 1]),
    ("lasso pf*scales", dict(tau=0.5, alpha=1e-3, penalty_factor=[1e-8, 1, 1]), X0 * S2, Y0,
     None, (dict(tau=0.5, alpha=1e-3, penalty_factor=[1, 1e-5, 1]), X0, Y0, None),
     lambda c: c / S2),
    ("X+1e6", dict(tau=0.5), X0 + 1e6, Y0, None, (dict(tau=0.5), X0, Y0, None), None),
    ("y*1e-8", dict(tau=0.3), X0, Y0 * 1e-8, None, (dict(tau=0.3), X0, Y0, None),
     lambda c: c * 1e-8),
    ("y*1e-12", dict(tau=0.3), X0, Y0 * 1e-12, None, (dict(tau=0.3), X0, Y0, None),
     lambda c: c * 1e-12),
    ("weights 1e-16", dict(tau=0.3), X0, Y0, np.full(60, 1e-16),
     (dict(tau=0.3), X0, Y0, None), None),
    ("weights 1e308", dict(tau=0.3), X0, Y0, np.full(60, 1e308),
     (dict(tau=0.3), X0, Y0, None), None),
    ("weights 1 and 1e-200", dict(tau=0.3), X0, Y0, WMIX, (dict(tau=0.3), X0, Y0, WMIX), None),
    ("y*1e20", dict(tau=0.3), X0, Y0 * 1e20, None, (dict(tau=0.3), X0, Y0, None),
     lambda c: c * 1e20),
    ("X*1e20", dict(tau=0.3), X0 * 1e20, Y0, None, (dict(tau=0.3), X0, Y0, None),
     lambda c: c / 1e20),
    ("X*1e12", dict(tau=0.3), X0 * 1e12, Y0, None, (dict(tau=0.3), X0, Y0, None),
     lambda c: c / 1e12),
    ("y*1e12", dict(tau=0.3), X0, Y0 * 1e12, None, (dict(tau=0.3), X0, Y0, None),
     lambda c: c * 1e12),
    ("y+1e9", dict(tau=0.3), X0, Y0 + 1e9, None, (dict(tau=0.3), X0, Y0, None), None),
    ("zero X, no intercept", dict(tau=0.3, fit_intercept=False), np.zeros((60, 3)), Y0, None,
     None, None),
    ("alpha = alpha_max", dict(tau=0.5, alpha=AM), X0, Y0, None, None, None),
    ("tau=1e-300", dict(tau=1e-300), X0, Y0, None, None, None),
    ("near-collinear x3 = x0 + 1e-7 z", dict(tau=0.3), XCOL, Y0, None, None, None),
]
# Backends that still fail a case (a ConvergenceWarning, never a wrong certified answer), as
# (label, backend). Empty: HiGHS and Clarabel, which stopped at the optimum without the nearly
# dependent column and (Clarabel) at any point of tau = 1e-300 within its absolute tolerances,
# are now finished on the shared engine (solvers/_finish.py).
KNOWN: set[tuple[str, str]] = set()


@pytest.mark.parametrize("name", EXACT)
@pytest.mark.parametrize("case", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_scales(case, name, request):
    label, est, X, y, w, equivalent, coef_map = case
    if (label, name) in KNOWN:
        # Strict: the case runs, and the entry must go once the backend passes it.
        request.applymarker(pytest.mark.xfail(
            strict=True, reason="backend still fails this case (see the CHANGELOG)"))
    # The backend and the certificate on the validated problem (weights whose sum overflows are
    # the estimators' validation's business; the solve itself must be safe).
    est = dict(est)
    factor = est.pop("penalty_factor", None)
    problem = QuantileProblem(
        X=X, y=y, sample_weight=w, penalty_factor=None if factor is None else np.asarray(factor),
        **est)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_solver(name, problem)[0]
    assert result.certified, result.message
    assert np.all(np.isfinite(result.coef)) and np.isfinite(result.objective)
    if label == "alpha = alpha_max":
        assert np.all(result.coef == 0.0)
    if equivalent is None:
        return
    reference = _reference(*equivalent)
    expected_objective = reference.objective_
    if label.startswith("y*"):
        expected_objective *= float(label.split("*")[1])
    offset = 1e9 if label == "y+1e9" else 0.0
    assert result.objective == pytest.approx(expected_objective, rel=1e-9, abs=1e-16 * offset)
    if coef_map is not None:
        np.testing.assert_allclose(result.coef, coef_map(reference.coef_), rtol=1e-8)


@pytest.mark.parametrize("label", ["tau=1e-300", "near-collinear x3 = x0 + 1e-7 z"])
def test_every_exact_backend_returns_the_same_point(label):
    # No well-scaled equivalent to compare with here: the backends are compared with each
    # other. HiGHS and Clarabel stopped at the optimum without the nearly dependent column
    # (objective 1.3% above, x0's coefficient 0 where the optimum's is -1.3e6), and Clarabel
    # anywhere at tau = 1e-300; the engine's finish (solvers/_finish.py) brings both to it.
    _, est, X, y, w, _, _ = next(case for case in HOSTILE if case[0] == label)
    problem = QuantileProblem(X=X, y=y, sample_weight=w, **est)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = {name: run_solver(name, problem)[0] for name in EXACT}
    first = results[EXACT[0]]
    scale = 1.0 + np.abs(first.coef).max()
    for name, result in results.items():
        assert result.certified, (name, result.message)
        np.testing.assert_allclose(result.coef, first.coef, rtol=1e-9, atol=1e-12 * scale,
                                   err_msg=name)
        assert result.intercept == pytest.approx(first.intercept, rel=1e-9, abs=1e-12 * scale)
        assert result.objective == pytest.approx(first.objective, rel=1e-12)
