"""The vertex-test bases (LU factors, sparse LU) solve like the engine's explicit inverse."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_lad import _vertex_basis
from sklearn_lad._simplex import Basis, basic_dual
from sklearn_lad._vertex_basis import LU_MIN_SIZE, LUBasis, SparseBasis, factor_basis


def _sparse_square(size, seed=0, per_column=6):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, size, size * per_column)
    cols = np.repeat(np.arange(size), per_column)
    B = sp.csc_array((rng.standard_normal(rows.size), (rows, cols)), shape=(size, size))
    return B + sp.eye_array(size, format="csc")  # a non-zero diagonal keeps it regular


@pytest.mark.parametrize("kind", [LUBasis, SparseBasis])
def test_solves_agree_with_the_engine_basis(kind):
    size = LU_MIN_SIZE + 50
    B = _sparse_square(size)
    rows, cols = np.arange(size) + 7, np.arange(size)
    basis = kind.factor(rows, cols, B if kind is SparseBasis else B.toarray())
    dense = Basis.factor(rows, cols, B.toarray())
    assert basis is not None and dense is not None
    rng = np.random.default_rng(1)
    rhs, stack = rng.standard_normal(size), rng.standard_normal((3, size))
    close = dict(rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(basis.solve(rhs), dense.solve(rhs), **close)
    np.testing.assert_allclose(basis.solve(stack.T), dense.solve(stack.T), **close)
    np.testing.assert_allclose(basis.solve_transpose(rhs), dense.solve_transpose(rhs), **close)
    np.testing.assert_allclose(basis.solve_transpose(stack), dense.solve_transpose(stack),
                               **close)
    # basic_dual only needs cols and solve_transpose: the same dual values either way.
    gradient = rng.standard_normal(size)
    np.testing.assert_allclose(basic_dual(basis, gradient), basic_dual(dense, gradient), **close)
    assert basis.size == size and np.array_equal(basis.rows, rows)


@pytest.mark.parametrize("kind", [LUBasis, SparseBasis])
def test_singular_and_ill_conditioned_bases_are_refused(kind):
    size = LU_MIN_SIZE + 10
    B = _sparse_square(size, seed=2).toarray()
    B[:, 5] = B[:, 9]  # two equal columns: exactly singular
    C = _sparse_square(size, seed=3).toarray()
    C[:, 5] = C[:, 9] + 1e-15 * C[:, 5]  # numerically singular: rcond far below 1e-12
    for M in (B, C):
        M = sp.csc_array(M) if kind is SparseBasis else M
        assert kind.factor(np.arange(size), np.arange(size), M) is None
    assert Basis.factor(np.arange(size), np.arange(size), C) is None


def test_factor_basis_picks_by_size_and_storage(monkeypatch):
    small = _sparse_square(LU_MIN_SIZE - 1, seed=4)
    large = _sparse_square(LU_MIN_SIZE + 1, seed=4)
    index = np.arange(LU_MIN_SIZE + 1)
    assert type(factor_basis(index[:-1], index[:-1], small)) is Basis
    assert type(factor_basis(index[:-1], index[:-1], small.toarray())) is Basis
    assert type(factor_basis(index, index, large)) is LUBasis
    assert type(factor_basis(index, index, large.toarray())) is LUBasis
    monkeypatch.setattr(_vertex_basis, "DENSE_MAX_SIZE", LU_MIN_SIZE)
    assert type(factor_basis(index, index, large)) is SparseBasis
    assert type(factor_basis(index, index, large.toarray())) is LUBasis
