"""The design operator: every product against the explicitly formed augmented design."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from sklearn_lad._design import RowDesign
from sklearn_lad._problem import QuantileProblem


def _explicit(X, y, w, penalized, pen_w, intercept, extra=None, extra_y=None, extra_w=None):
    """The augmented design formed by hand, with its targets and weights."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    n, p = X.shape
    top = np.hstack([np.ones((n, 1)), X]) if intercept else X
    q = top.shape[1]
    k = len(penalized)
    E = np.zeros((2 * k, q))
    E[np.arange(k), int(intercept) + penalized] = 1.0
    E[k + np.arange(k), int(intercept) + penalized] = -1.0
    A = np.vstack([top, E] + ([] if extra is None else [extra]))
    ys = np.concatenate([y, np.zeros(2 * k)] + ([] if extra is None else [extra_y]))
    ws = np.concatenate([w, pen_w, pen_w] + ([] if extra is None else [extra_w]))
    return A, ys, ws


def _layouts(X):
    return {"C": np.ascontiguousarray(X), "F": np.asfortranarray(X), "csr": sp.csr_matrix(X),
            "csc": sp.csc_matrix(X)}


@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc"])
@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("q_wide", [False, True])
def test_products_match_the_explicit_design(layout, intercept, q_wide):
    rng = np.random.default_rng(0)
    n, p = 700, 40 if q_wide else 5
    X = rng.normal(size=(n, p)) * (rng.random((n, p)) < 0.6)
    y, w = rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)
    penalized = np.array([0, 2, 3])
    pen_w = np.array([0.5, 1.5, 2.0])
    q = p + int(intercept)
    extra, extra_y, extra_w = rng.normal(size=(2, q)), np.array([1.0, -2.0]), np.array([3., 4.])
    design = RowDesign(
        _layouts(X)[layout], y, tau=0.3, weights=w, fit_intercept=intercept,
        penalized=penalized, penalty_weights=pen_w, extra_rows=extra, extra_y=extra_y,
        extra_weights=extra_w,
    )
    A, ys, ws = _explicit(X, y, w, penalized, pen_w, intercept, extra, extra_y, extra_w)
    m = A.shape[0]
    assert design.shape == A.shape
    assert (design.n_samples, design.n_pseudo, design.n_extra) == (n, 6, 2)
    assert_allclose(design.y, ys)
    assert_allclose(design.weights, ws)
    beta, v, d = rng.normal(size=q), rng.normal(size=m), rng.uniform(0.1, 1.0, size=m)
    assert_allclose(design.matvec(beta), A @ beta, atol=1e-12)
    assert_allclose(design.rmatvec(v), A.T @ v, atol=1e-10)
    assert_allclose(design.rmatvec(np.column_stack([v, 2 * v])), A.T @ np.column_stack([v, 2 * v]),
                    atol=1e-10)
    assert_allclose(design.gram(d), A.T @ (A * d[:, None]), rtol=1e-12, atol=1e-10)
    assert_allclose(design.gram(d[:n]), A[:n].T @ (A[:n] * d[:n, None]), rtol=1e-12, atol=1e-10)
    index = np.array([m - 1, 3, n, n + 4, 0, 3])
    assert_allclose(design.rows(index), A[index])
    assert_allclose(design.toarray(), A)
    assert_allclose(design.tocsr().toarray(), A)
    assert_allclose(design.column_max_abs(), np.abs(A).max(axis=0))
    # Column subsets: beta zero outside the columns, and the matching entries of A'v.
    cols = np.array([0, 2]) if intercept else np.array([1, 2])
    sparse_beta = np.zeros(q)
    sparse_beta[cols] = beta[cols]
    assert_allclose(design.matvec(sparse_beta, columns=cols), A @ sparse_beta, atol=1e-12)
    assert_allclose(design.rmatvec(v, columns=cols), (A.T @ v)[cols], atol=1e-10)
    rows = np.array([1, 5, n + 1, m - 2])
    assert_allclose(design.rmatvec(v[:4], rows=rows), A[rows].T @ v[:4], atol=1e-12)
    r = ys - A @ beta
    assert_allclose(design.residual(beta), r, atol=1e-12)
    rho = np.where(r >= 0, 0.3 * r, -0.7 * r)
    assert design.loss(beta) == pytest.approx(ws @ rho / w.sum(), rel=1e-12)
    lower, upper = design.dual_bounds()
    assert_allclose(lower, -0.7 * ws)
    assert_allclose(upper, 0.3 * ws)


@pytest.mark.parametrize("layout", ["C", "F", "csr"])
def test_take_columns_and_subset(layout):
    rng = np.random.default_rng(1)
    n, p = 300, 6
    X = rng.normal(size=(n, p))
    y, w = rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)
    penalized, pen_w = np.array([1, 4]), np.array([0.7, 0.9])
    design = RowDesign(_layouts(X)[layout], y, tau=0.6, weights=w, penalized=penalized,
                       penalty_weights=pen_w)
    A, ys, ws = _explicit(X, y, w, penalized, pen_w, True)
    # Drop the intercept and feature 1 (penalised): its pseudo-rows stay, as zero rows.
    keep = np.ones(p + 1, dtype=bool)
    keep[[0, 2]] = False
    narrow = design.take_columns(keep)
    assert narrow.shape == (A.shape[0], keep.sum()) and not narrow.fit_intercept
    assert_allclose(narrow.toarray(), A[:, keep])
    assert_allclose(narrow.y, ys)
    assert_allclose(narrow.weights, ws)
    # A row subset with the pseudo-rows and two new "glob" rows.
    index = np.array([5, 0, 17])
    globs, gy, gw = rng.normal(size=(2, p + 1)), np.array([1.0, 2.0]), np.array([10.0, 20.0])
    small = design.subset(index, globs, gy, gw)
    expected = np.vstack([A[index], A[n:], globs])
    assert_allclose(small.toarray(), expected)
    assert_allclose(small.y, np.concatenate([ys[index], ys[n:], gy]))
    assert_allclose(small.weights, np.concatenate([ws[index], ws[n:], gw]))
    assert small.weight_sum == design.weight_sum
    # Blocks cover the observations in order.
    stacked = [b.toarray() if sp.issparse(b) else b for _, _, b in design.blocks(size=64)]
    assert_allclose(np.vstack(stacked), X)


def test_augmented_problem_is_the_operator():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    problem = QuantileProblem(X=X, y=y, tau=0.4, alpha=0.1, penalty_factor=np.array([1., 0, 2]))
    aug = problem.augmented()
    assert isinstance(aug, RowDesign)
    assert_allclose(aug.penalized, [0, 2])
    assert aug.weight_sum == 50.0
    assert_allclose(aug.weights[50:], [5.0, 10.0, 5.0, 10.0])
    assert aug.X is X  # no copy
