"""The named tolerances and the shared zero-residual and numerical-rank helpers."""

import numpy as np
import pytest

from sklearn_lad import _tolerances as tol


def test_every_tolerance_is_a_small_positive_float():
    names = [name for name in tol.__all__ if name.isupper()]
    assert len(names) >= 15
    for name in names:
        value = getattr(tol, name)
        assert isinstance(value, float) and 0.0 < value < 1e-5, name


def test_one_name_per_question_no_zero_tol_left():
    """The three ``ZERO_TOL`` constants (two values) became distinct, documented names."""
    import sklearn_lad._face as face
    import sklearn_lad.solvers._interior_point as interior_point
    import sklearn_lad.solvers._preprocessing as preprocessing
    import sklearn_lad.solvers.br as br

    for module in (face, interior_point, preprocessing, br):
        assert not hasattr(module, "ZERO_TOL") and not hasattr(module, "_ZERO_TOL")
    assert tol.ZERO_RESIDUAL_RTOL != tol.SIMPLEX_ZERO_RESIDUAL_RTOL


def test_is_zero_residual_is_relative_to_the_scale():
    residual = np.array([0.0, 1e-3, 1e-8, -1e-8])
    assert tol.is_zero_residual(residual, scale=1.0).tolist() == [True, False, False, False]
    assert tol.is_zero_residual(residual, scale=1e2).tolist() == [True, False, True, True]
    # A zero scale does not turn the test into "exactly zero" for subnormal rounding.
    assert tol.is_zero_residual(np.array([1e-310, 1e-200]), scale=0.0).tolist() == [True, False]
    assert tol.is_zero_residual(np.array([1e-9]), scale=1.0, rtol=1e-8).tolist() == [True]


def test_residual_scale():
    assert tol.residual_scale(np.array([-4.0, 1.0]), np.array([0.5])) == 4.5
    assert tol.residual_scale(np.array([]), np.array([])) == 0.0


@pytest.mark.parametrize(
    ("values", "rtol", "rank"),
    [
        ([3.0, 2.0, 1.0], tol.NULL_SPACE_RCOND, 3),
        ([1.0, 1e-9, 1e-11], tol.NULL_SPACE_RCOND, 2),
        ([1e-11, 1.0, 1e-9], tol.NULL_SPACE_RCOND, 2),  # any order
        ([1.0, 1e-11], tol.GRAM_RANK_RTOL, 2),
        ([0.0, 0.0], tol.NULL_SPACE_RCOND, 0),
        ([], tol.NULL_SPACE_RCOND, 0),
        ([1.0, -1e-3], tol.GRAM_RANK_RTOL, 1),  # rounding makes eigenvalues slightly negative
    ],
)
def test_numerical_rank(values, rtol, rank):
    assert tol.numerical_rank(np.array(values), rtol) == rank


def test_numerical_rank_matches_numpy_on_a_rank_deficient_matrix():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((20, 3)) @ rng.standard_normal((3, 6))
    s = np.linalg.svd(A, compute_uv=False)
    assert tol.numerical_rank(s) == np.linalg.matrix_rank(A) == 3
