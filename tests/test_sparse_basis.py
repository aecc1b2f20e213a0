"""The sparse-LU vertex basis solves like the dense engine basis and refuses singular ones."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_lad._simplex import Basis, basic_dual
from sklearn_lad._sparse_basis import SPARSE_MIN_SIZE, SparseBasis, factor_basis


def _sparse_square(size, seed=0, per_column=6):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, size, size * per_column)
    cols = np.repeat(np.arange(size), per_column)
    B = sp.csc_array((rng.standard_normal(rows.size), (rows, cols)), shape=(size, size))
    return B + sp.eye_array(size, format="csc")  # a non-zero diagonal keeps it regular


def test_solves_agree_with_the_dense_basis():
    size = SPARSE_MIN_SIZE + 50
    B = _sparse_square(size)
    rows, cols = np.arange(size) + 7, np.arange(size)
    sparse = factor_basis(rows, cols, B)
    dense = Basis.factor(rows, cols, B.toarray())
    assert isinstance(sparse, SparseBasis) and dense is not None
    rng = np.random.default_rng(1)
    rhs, stack = rng.standard_normal(size), rng.standard_normal((3, size))
    np.testing.assert_allclose(sparse.solve(rhs), dense.solve(rhs), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(sparse.solve_transpose(rhs), dense.solve_transpose(rhs),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(sparse.solve_transpose(stack), dense.solve_transpose(stack),
                               rtol=1e-8, atol=1e-10)
    # basic_dual only needs cols and solve_transpose: the same dual values either way.
    gradient = rng.standard_normal(size)
    np.testing.assert_allclose(basic_dual(sparse, gradient), basic_dual(dense, gradient),
                               rtol=1e-8, atol=1e-10)
    assert sparse.size == size and np.array_equal(sparse.rows, rows)


def test_singular_and_ill_conditioned_bases_are_refused():
    size = SPARSE_MIN_SIZE + 10
    B = _sparse_square(size, seed=2).toarray()
    B[:, 5] = B[:, 9]  # two equal columns: exactly singular
    assert SparseBasis.factor(np.arange(size), np.arange(size), sp.csc_array(B)) is None
    C = _sparse_square(size, seed=3).toarray()
    C[:, 5] = C[:, 9] + 1e-15 * C[:, 5]  # numerically singular: rcond far below 1e-12
    assert SparseBasis.factor(np.arange(size), np.arange(size), sp.csc_array(C)) is None
    assert Basis.factor(np.arange(size), np.arange(size), C) is None


@pytest.mark.parametrize("size, dense_block", [(SPARSE_MIN_SIZE - 1, False),
                                               (SPARSE_MIN_SIZE + 1, True)])
def test_small_or_dense_blocks_stay_on_the_dense_basis(size, dense_block):
    B = _sparse_square(size, seed=4)
    if dense_block:
        B = sp.csc_array(B.toarray() + 0.01)  # every entry stored
    assert type(factor_basis(np.arange(size), np.arange(size), B)) is Basis
