"""Tests of the greedy choice of independent rows of an augmented design (``_row_block.py``)."""

import numpy as np
import pytest

from sklearn_lad._problem import QuantileProblem
from sklearn_lad._row_block import RowBlock, independent_rows, independent_rows_of


def _augmented(X, y):
    return QuantileProblem(X=X, y=y, tau=0.5, alpha=0.1).augmented()


@pytest.mark.parametrize("seed", range(5))
def test_pseudo_row_of_a_duplicated_column_is_dependent(seed):
    # Column 10 duplicates column 0 (30 is -1 x column 1, 40 is 2 x column 2, 60-79 multiples
    # of 40-59): with every observation and the pseudo-row of column 0 chosen, the pseudo-row
    # of column 10 lies in their span. 1 - ||B e_j||^2 is rounding there (~1e-16), which passed
    # the old test and made IRLS's exchange bases singular (condition numbers of 1e17); 3 of
    # these 5 seeds failed before the fix.
    rng = np.random.default_rng(seed)
    n, p = 25, 120
    X = rng.standard_normal((n, p))
    X[:, 10], X[:, 30], X[:, 40] = X[:, 0], -X[:, 1], 2.0 * X[:, 2]
    X[:, 60:80] = X[:, 40:60] * rng.choice([-3.0, -1.0, 0.5, 1.0], 20)
    aug = _augmented(X, rng.standard_normal(n))
    q = aug.n_columns
    pseudo = n + rng.permutation(2 * p)
    chosen = independent_rows_of(aug, np.concatenate([np.arange(n), pseudo]), q)
    assert chosen.size == q
    assert np.linalg.cond(aug.rows(chosen)) < 1e10


def test_agrees_with_dense_gram_schmidt():
    rng = np.random.default_rng(3)
    n, p = 12, 30
    X = rng.standard_normal((n, p))
    X[:, 5] = X[:, 4]
    aug = _augmented(X, rng.standard_normal(n))
    order = rng.permutation(aug.n_rows)
    block = RowBlock(aug, order)
    dense = np.empty((order.size, aug.n_columns))
    dense[block.dense] = block.rows
    dense[block.unit] = 0.0
    dense[block.unit, block.unit_col] = block.unit_sign
    expected = independent_rows(dense, order, aug.n_columns)
    np.testing.assert_array_equal(independent_rows_of(aug, order, aug.n_columns), expected)
