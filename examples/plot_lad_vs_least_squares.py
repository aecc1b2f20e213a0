"""
LAD against least squares under outliers
========================================

Least squares minimises squared residuals, so a few gross errors in ``y`` can pull the line
anywhere. Least absolute deviations (median regression, :class:`~sklearn_lad.LADRegressor`)
minimises absolute residuals: its fit is the median line, and moving an outlier further away
does not move it at all. scikit-learn's :class:`~sklearn.linear_model.HuberRegressor` sits in
between.

LAD's robustness is to outliers in ``y``. A point far out in ``x`` (a leverage point) can still
tilt it, as it tilts least squares: that needs a robust design, not a different loss.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import HuberRegressor, LinearRegression

from sklearn_lad import LADRegressor

rng = np.random.default_rng(1)
n = 120
x = rng.uniform(0, 10, n)
y_clean = 2.0 + 1.0 * x + rng.standard_normal(n)
X = x[:, None]

# %%
# Corrupt a growing share of the targets
# --------------------------------------
# A growing fraction of randomly chosen rows get ``y`` pushed up by 30 (the same rows stay
# corrupted as the fraction grows).
fractions = np.linspace(0.0, 0.3, 7)
order = rng.permutation(n)
slopes = {"least squares": [], "Huber": [], "LAD": []}
for fraction in fractions:
    y = y_clean.copy()
    y[order[: int(fraction * n)]] += 30.0
    slopes["least squares"].append(LinearRegression().fit(X, y).coef_[0])
    slopes["Huber"].append(HuberRegressor().fit(X, y).coef_[0])
    slopes["LAD"].append(LADRegressor().fit(X, y).coef_[0])
for name, values in slopes.items():
    print(f"{name:>13}: slope " + " ".join(f"{v:6.2f}" for v in values))

# %%
# The fits at 15% outliers, and the slope against the outlier share
# ------------------------------------------------------------------
y = y_clean.copy()
bad = order[: int(0.15 * n)]
y[bad] += 30.0
grid = np.linspace(0, 10, 2)[:, None]

fig, (ax_fit, ax_slope) = plt.subplots(1, 2, figsize=(11, 4.2))
ax_fit.scatter(x, y, s=10, color="0.6", label="data")
ax_fit.scatter(x[bad], y[bad], s=14, color="tab:red", label="outliers (15%)")
ax_fit.plot(grid, LinearRegression().fit(X, y).predict(grid), "k--", label="least squares")
ax_fit.plot(grid, HuberRegressor().fit(X, y).predict(grid), color="tab:orange", label="Huber")
ax_fit.plot(grid, LADRegressor().fit(X, y).predict(grid), color="tab:blue", lw=2, label="LAD")
ax_fit.plot(grid, 2.0 + grid, color="tab:green", lw=1, ls=":", label="truth")
ax_fit.set(xlabel="x", ylabel="y", title="15% of the targets corrupted")
ax_fit.legend(fontsize=8)

for (name, values), style in zip(slopes.items(), ["k--", "-", "-"]):
    ax_slope.plot(100 * fractions, values, style, marker="o", label=name)
ax_slope.axhline(1.0, color="tab:green", ls=":", label="true slope")
ax_slope.set(xlabel="outliers (% of rows)", ylabel="fitted slope",
             title="slope against the share of outliers")
ax_slope.legend(fontsize=8)
fig.tight_layout()
plt.show()
