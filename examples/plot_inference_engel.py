"""
Standard errors, confidence intervals and tests on Engel's data
===============================================================

Engel's food-expenditure data (:func:`sklearn_lad.datasets.load_engel`, 235 households) with
:mod:`sklearn_lad.inference`: R-style coefficient tables (rank-inversion intervals, R's default
below n = 1001, and the Hendricks-Koenker ``nid`` sandwich), the joint Wald test that the income
slope is the same at tau = 0.25, 0.5 and 0.75 (R's ``anova``), and each coefficient against tau
with its 90% rank-inversion band and the least-squares estimate with its 90% interval, like R's
``plot(summary(rq(foodexp ~ income, tau = 1:19/20)))``. Every number equals R quantreg's.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from sklearn_lad import QuantileRegressor
from sklearn_lad.datasets import load_engel
from sklearn_lad.inference import summary, wald_test

# As a frame, so that the tables name the feature ("income").
X, y = load_engel(return_X_y=True, as_frame=True)

for tau in (0.25, 0.5, 0.9):
    est = QuantileRegressor(tau=tau).fit(X, y)
    print(summary(est, X, y))  # n = 235 < 1001: R's default, rank inversion at 90%
    print()
print(summary(QuantileRegressor(tau=0.5).fit(X, y), X, y, se="nid"))

# %%
# Is the income slope the same at every quantile?
# ------------------------------------------------
# The joint Wald test of R's ``anova(f25, f50, f75)``: it is not (the slope grows with tau).
fits = [QuantileRegressor(tau=t).fit(X, y) for t in (0.25, 0.5, 0.75)]
print(wald_test(fits, X, y))

# %%
# Coefficients against tau with their confidence bands
# ----------------------------------------------------
taus = np.arange(1, 20) / 20
rows = [summary(QuantileRegressor(tau=t).fit(X, y), X, y, se="rank", level=0.9) for t in taus]
coef = np.array([s.coef for s in rows])
lower = np.array([s.conf_int[:, 0] for s in rows])
upper = np.array([s.conf_int[:, 1] for s in rows])

# Least squares and its 90% t interval: the horizontal reference lines of R's plot.
design = np.column_stack([np.ones(len(y)), X.to_numpy()])
ols, residual_ss = np.linalg.lstsq(design, y.to_numpy(), rcond=None)[:2]
df = len(y) - design.shape[1]
ols_se = np.sqrt(residual_ss[0] / df * np.diag(np.linalg.inv(design.T @ design)))
half = stats.t.ppf(0.95, df) * ols_se

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for j, (ax, name) in enumerate(zip(axes, ["(Intercept)", "income"])):
    ax.fill_between(taus, lower[:, j], upper[:, j], color="0.8", label="90% rank interval")
    ax.plot(taus, coef[:, j], "ko-", ms=3, label="quantile regression")
    ax.axhline(ols[j], color="tab:red", label="least squares")
    ax.axhline(ols[j] - half[j], color="tab:red", ls="--")
    ax.axhline(ols[j] + half[j], color="tab:red", ls="--")
    ax.set_title(name)
    ax.set_xlabel("tau")
axes[0].legend(loc="upper left", fontsize=8)
fig.suptitle("Engel data: food expenditure ~ income")
fig.tight_layout()
plt.show()
