"""Inference on Engel's food-expenditure data: coefficient tables, a test, and a quantile plot.

Engel (1857) data as shipped with R's quantreg (235 Belgian working-class households: annual
household income and food expenditure). Prints R-style ``summary`` tables at tau = 0.25, 0.5
and 0.9 (rank-inversion intervals and the nid sandwich), the joint Wald test of equal slopes
across 0.25/0.5/0.75 (R's ``anova``), and draws each coefficient against tau = 0.05..0.95 with
its 90% rank-inversion band and the least-squares estimate with its 90% interval, like R's
``plot(summary(rq(foodexp ~ income, tau = 1:19/20)))``.

Run ``python examples/inference_engel.py``; it writes ``examples/inference_engel.png``.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write a file, never open a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from sklearn_lad import QuantileRegressor  # noqa: E402
from sklearn_lad.inference import summary, wald_test  # noqa: E402

HERE = Path(__file__).resolve().parent
engel = pd.read_csv(HERE.parent / "tests" / "data" / "engel.csv")
X = engel[["income"]]
y = engel["y"]  # food expenditure

for tau in (0.25, 0.5, 0.9):
    est = QuantileRegressor(tau=tau).fit(X, y)
    print(summary(est, X, y))  # n = 235 < 1001: R's default, rank inversion at 90%
    print()
print(summary(QuantileRegressor(tau=0.5).fit(X, y), X, y, se="nid"))
print()

fits = [QuantileRegressor(tau=t).fit(X, y) for t in (0.25, 0.5, 0.75)]
print(wald_test(fits, X, y))

# The quantile process with 90% rank-inversion bands (R: plot(summary(rq(..., tau = 1:19/20)))).
taus = np.arange(1, 20) / 20
rows = [summary(QuantileRegressor(tau=t).fit(X, y), X, y, se="rank", level=0.9) for t in taus]
coef = np.array([s.coef for s in rows])
lower = np.array([s.conf_int[:, 0] for s in rows])
upper = np.array([s.conf_int[:, 1] for s in rows])

# Least squares and its 90% t interval, the horizontal reference lines of R's plot.
design = np.column_stack([np.ones(len(y)), X.to_numpy()])
ols, residual_ss = np.linalg.lstsq(design, y.to_numpy(), rcond=None)[:2]
df = len(y) - design.shape[1]
ols_se = np.sqrt(residual_ss[0] / df * np.diag(np.linalg.inv(design.T @ design)))
half = stats.t.ppf(0.95, df) * ols_se

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for j, (ax, name) in enumerate(zip(axes, rows[0].names)):
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
out = HERE / "inference_engel.png"
fig.savefig(out, dpi=110)
print(f"wrote {out}")
