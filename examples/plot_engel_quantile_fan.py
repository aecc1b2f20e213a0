"""
Quantile fan on Engel's food-expenditure data
=============================================

Engel's (1857) data on 235 Belgian households (:func:`sklearn_lad.datasets.load_engel`): food
expenditure against household income. The spread of food expenditure grows with income, so the
conditional quantiles fan out: the 90th percentile rises faster than the 10th. A single
least-squares line (the conditional mean) tells none of this; a few quantile regressions do.
This is the example of Koenker and Bassett (1982) and of R quantreg's ``data(engel)``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression

from sklearn_lad import QuantileRegressor
from sklearn_lad.datasets import load_engel

engel = load_engel()
X, y = engel.data, engel.target
taus = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
fits = {tau: QuantileRegressor(tau=tau).fit(X, y) for tau in taus}
ols = LinearRegression().fit(X, y)
for tau, model in fits.items():
    print(f"tau={tau:<5} intercept {model.intercept_:8.3f}  income slope {model.coef_[0]:.4f}")
print(f"least squares  intercept {ols.intercept_:8.3f}  income slope {ols.coef_[0]:.4f}")

# %%
# The fan, and the slope against tau
# ----------------------------------
# Left: the data with the quantile lines (the median in blue) and least squares (dashed).
# Income is skewed (a few households earn five times the median), so both axes are on a log
# scale; the straight quantile lines then show as curves that spread apart as income grows.
# Right: the income slope as a function of ``tau`` on a fine grid: it increases with ``tau``,
# which is the fan written as a number.
fig, (ax_fan, ax_slope) = plt.subplots(1, 2, figsize=(11, 4.5))
ax_fan.scatter(X[:, 0], y, s=10, color="0.55", alpha=0.8)
grid = np.geomspace(X.min(), X.max(), 100)[:, None]
for tau, model in fits.items():
    style = dict(color="tab:blue", lw=2) if tau == 0.5 else dict(color="0.3", lw=0.8)
    ax_fan.plot(grid, model.predict(grid), **style)
ax_fan.plot(grid, ols.predict(grid), "r--", lw=1.2, label="least squares")
ax_fan.plot([], [], color="tab:blue", lw=2, label="median")
ax_fan.plot([], [], color="0.3", lw=0.8, label="tau = " + ", ".join(map(str, taus)))
ax_fan.set(xlabel="household income (log scale)", ylabel="food expenditure (log scale)",
           title="Engel data", xscale="log", yscale="log")
ax_fan.legend(fontsize=9, loc="upper left")

fine = np.linspace(0.05, 0.95, 37)
slopes = [QuantileRegressor(tau=tau).fit(X, y).coef_[0] for tau in fine]
ax_slope.plot(fine, slopes, marker=".", color="tab:blue", label="quantile regression")
ax_slope.axhline(ols.coef_[0], color="r", ls="--", lw=1.2, label="least squares")
ax_slope.set(xlabel="tau", ylabel="income slope", title="slope against tau")
ax_slope.legend(fontsize=9)
fig.tight_layout()
plt.show()
