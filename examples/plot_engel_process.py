"""
The whole quantile process on Engel's data
==========================================

:func:`sklearn_lad.quantile_process` computes the exact quantile regression for *every*
``tau`` in (0, 1) at once: the solution is piecewise constant in ``tau``, and a parametric
simplex walks from one breakpoint to the next (R's ``rq(tau=-1)``). On Engel's 235 households
(food expenditure against income) the intercept and the income slope are step functions of
``tau`` with a few hundred steps; the slope rises with ``tau``, the fan of the quantile lines.
The dual of the same walk is the regression rank-score process of Gutenbrunner and Jureckova.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_lad import quantile_process
from sklearn_lad.datasets import load_engel

X, y = load_engel(return_X_y=True)

process = quantile_process(X, y)
print(f"{process.taus.size} breakpoints, {process.n_iter} pivots")
for tau in (0.1, 0.5, 0.9):
    coef, intercept = process.coef_at([tau])
    print(f"tau={tau}: intercept {intercept[0]:8.3f}, income slope {coef[0, 0]:.4f}")

# %%
# Coefficients against tau
# ------------------------
# Each panel is a step function with one step per breakpoint: ``process.coef[k]`` holds on
# ``(taus[k-1], taus[k])``.
knots = np.concatenate([[0.0], process.taus, [1.0]])
fig, (ax_b0, ax_b1, ax_rank) = plt.subplots(1, 3, figsize=(13, 4))
ax_b0.stairs(process.intercept, knots, baseline=None, color="tab:blue")
ax_b0.set(xlabel="tau", ylabel="intercept", title="intercept")
ax_b1.stairs(process.coef[:, 0], knots, baseline=None, color="tab:blue")
ax_b1.set(xlabel="tau", ylabel="income slope", title="income slope")

# %%
# Rank scores of a few households: ``dual + (1 - tau)`` runs from 1 (above the fit) down to 0
# (below it), linearly between breakpoints.
grid = np.linspace(0.001, 0.999, 400)
for i in np.argsort(X[:, 0])[[5, 117, 229]]:
    scores = [process.dual_at(t)[i] + (1.0 - t) for t in grid]
    ax_rank.plot(grid, scores, lw=1, label=f"income {X[i, 0]:.0f}")
ax_rank.set(xlabel="tau", ylabel="rank score", title="regression rank scores")
ax_rank.legend(fontsize=8)
fig.tight_layout()
plt.show()
