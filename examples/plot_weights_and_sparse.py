"""
Sample weights and sparse input
===============================

Two things that must not change the answer, and don't:

* a ``sample_weight`` of ``k`` is exactly ``k`` repeated rows (and 0 removes the row), because
  every fit is the same canonical optimum of the weighted objective;
* a SciPy sparse ``X`` gives the same fit as the dense array, so wide one-hot or text-like
  designs can stay sparse (``solver="auto"`` picks a backend that accepts them).
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import sparse

from sklearn_lad import QuantileRegressor

# %%
# Weights are repetitions
# -----------------------
# Thirty points with integer weights 0 to 4. The weighted fit and the fit on the data with each
# row repeated ``weight`` times are the same numbers; the unweighted fit is not.
rng = np.random.default_rng(0)
x = rng.uniform(0, 10, 30)
y = 1.0 + 0.8 * x + rng.standard_t(2, size=30)
weight = rng.integers(0, 5, size=30)
X = x[:, None]

weighted = QuantileRegressor(tau=0.7).fit(X, y, sample_weight=weight)
repeated = QuantileRegressor(tau=0.7).fit(np.repeat(X, weight, axis=0), np.repeat(y, weight))
unweighted = QuantileRegressor(tau=0.7).fit(X, y)
print(f"weighted   intercept {weighted.intercept_:.12f} slope {weighted.coef_[0]:.12f}")
print(f"repeated   intercept {repeated.intercept_:.12f} slope {repeated.coef_[0]:.12f}")
print(f"unweighted intercept {unweighted.intercept_:.12f} slope {unweighted.coef_[0]:.12f}")

# %%
# Sparse X gives the dense answer
# -------------------------------
# A design like a one-hot encoding with a few numeric columns: 3,000 rows, 120 columns, about
# 3% non-zero.
n, p = 3000, 120
Xs = sparse.random(n, p, density=0.03, format="csr", random_state=1,
                   data_rvs=lambda k: rng.standard_normal(k))
beta = np.where(np.arange(p) < 10, 1.0, 0.0)
ys = Xs @ beta + rng.laplace(size=n)
on_sparse = QuantileRegressor(tau=0.5).fit(Xs, ys)
on_dense = QuantileRegressor(tau=0.5).fit(Xs.toarray(), ys)
print(f"sparse X: {Xs.nnz:,} stored values instead of {n * p:,}; solver {on_sparse.solver_!r}")
print(f"largest |coef difference| sparse vs dense: "
      f"{np.max(np.abs(on_sparse.coef_ - on_dense.coef_)):.1e}")

fig, (ax_w, ax_s) = plt.subplots(1, 2, figsize=(11, 4.3))
ax_w.scatter(x, y, s=12 + 40 * weight, color="tab:blue", alpha=0.5, label="data (size = weight)")
ax_w.scatter(x[weight == 0], y[weight == 0], s=30, marker="x", color="k", label="weight 0")
grid = np.linspace(0, 10, 2)[:, None]
ax_w.plot(grid, weighted.predict(grid), lw=3, color="tab:blue", label="weighted fit")
ax_w.plot(grid, repeated.predict(grid), "--", lw=1.5, color="orange", label="rows repeated")
ax_w.plot(grid, unweighted.predict(grid), ":", color="0.3", label="unweighted")
ax_w.set(xlabel="x", ylabel="y", title="tau=0.7: weights = repeated rows")
ax_w.legend(fontsize=8)

ax_s.plot(on_dense.coef_, on_sparse.coef_, "o", ms=4)
lims = [on_dense.coef_.min() - 0.1, on_dense.coef_.max() + 0.1]
ax_s.plot(lims, lims, color="0.6", lw=1)
ax_s.set(xlabel="coefficient, dense X", ylabel="coefficient, sparse X",
         title="median regression, 120 features")
fig.tight_layout()
plt.show()
