"""
Quickstart
==========

Median regression, a quantile fan and a quantile lasso in a few lines.

``python examples/quickstart.py`` prints a few fits and shows the fan.
"""

# %%
# Heteroscedastic data with outliers
# ----------------------------------
# The spread of ``y`` grows with ``x`` and 5% of the targets are corrupted. Least squares is
# pulled up by the outliers; the median (LAD) fit is not, and quantile regression at several
# ``tau`` draws how the whole conditional distribution moves with ``x``.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lad import LADLasso, LADRegressor, QuantileRegressor, available_solvers

print("available solvers:", ", ".join(available_solvers()))

rng = np.random.default_rng(0)
n = 400
x = rng.uniform(0, 10, n)
y = 1.0 + 0.5 * x + (0.2 + 0.3 * x) * rng.standard_normal(n)
outliers = rng.random(n) < 0.05
y[outliers] += rng.uniform(20, 40, outliers.sum())
X = x[:, None]

ols = LinearRegression().fit(X, y)
lad = LADRegressor().fit(X, y)
print(f"true slope 0.5 | OLS slope {ols.coef_[0]:.3f} | LAD slope {lad.coef_[0]:.3f} "
      f"(solver {lad.solver_!r}, certified optimal: {lad.certified_})")

taus = [0.1, 0.25, 0.5, 0.75, 0.9]
fan = {tau: QuantileRegressor(tau=tau).fit(X, y) for tau in taus}
for tau, model in fan.items():
    print(f"tau={tau:<4}  intercept {model.intercept_:7.3f}  slope {model.coef_[0]:6.3f}")

# %%
# A lasso on a bundled data set
# -----------------------------
# The diabetes progression data (10 features, no download). ``alpha`` is on the scale of the
# mean pinball loss, so standardise the features first.
diabetes = load_diabetes()
Xd, yd = diabetes.data, diabetes.target
lasso = make_pipeline(StandardScaler(), LADLasso(alpha=0.1)).fit(Xd, yd)
kept = [name for name, c in zip(diabetes.feature_names, lasso[-1].coef_) if c != 0]
print(f"LADLasso(alpha=0.1) on diabetes keeps {len(kept)} of {Xd.shape[1]} features: {kept}")
mae = np.mean(np.abs(yd - LADRegressor().fit(Xd, yd).predict(Xd)))
print(f"LAD on diabetes: training MAE {mae:.2f}")

# %%
# The fan
# -------
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.scatter(x[~outliers], y[~outliers], s=8, color="0.6", label="data")
ax.scatter(x[outliers], y[outliers], s=12, color="tab:red", label="outliers")
grid = np.linspace(0, 10, 50)[:, None]
for tau, model in fan.items():
    ax.plot(grid, model.predict(grid), label=f"tau={tau}")
ax.plot(grid, ols.predict(grid), "k--", label="least squares")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Quantile fan with sklearn-lad")
ax.legend(fontsize=8, ncol=2)
fig.tight_layout()
plt.show()
