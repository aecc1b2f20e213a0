"""
Exact and certified, unique or not
==================================

An iterative method such as IRLS (statsmodels' ``QuantReg``) stops when its steps get small:
its answer is *near* the optimum. sklearn-lad returns the optimum itself, and proves it:
``certified_`` is True when a dual solution closes the duality gap (``dual_gap_``), and
``objective_`` is then the minimum. When the optimum is not a single point (ties, ``n < p``),
``unique_`` is False and every backend returns the same point of the optimal set: the one of
smallest norm.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import IterationLimitWarning

from sklearn_lad import QuantileRegressor

# %%
# Approximate against exact
# -------------------------
# statsmodels' IRLS with a growing iteration budget, against the certified optimum. The gap is
# the objective above the optimum, relative.
rng = np.random.default_rng(0)
n, p, tau = 2000, 5, 0.8
X = rng.standard_normal((n, p))
y = X @ np.ones(p) + rng.standard_t(3, size=n)

exact = QuantileRegressor(tau=tau).fit(X, y)
print(f"sklearn-lad ({exact.solver_}): objective {exact.objective_:.15f}, "
      f"certified {exact.certified_}, dual gap {exact.dual_gap_:.1e}")


def objective(intercept, coef):
    r = y - intercept - X @ coef
    return np.mean(np.maximum(tau * r, (tau - 1) * r))


budgets = [1, 2, 3, 5, 8, 12, 20, 35, 60, 100]
gaps = []
for max_iter in budgets:
    with warnings.catch_warnings():  # the budget is cut short on purpose
        warnings.simplefilter("ignore", IterationLimitWarning)
        fit = sm.QuantReg(y, sm.add_constant(X)).fit(q=tau, max_iter=max_iter, p_tol=1e-12)
    params = fit.params
    gaps.append(objective(params[0], params[1:]) / exact.objective_ - 1)
print("statsmodels relative gap by max_iter:", ", ".join(f"{g:.1e}" for g in gaps))

# sklearn-lad's own exact backends (no optional dependency): the same point, to rounding.
backends = ["br", "fn", "irls", "highs"]
spread = {s: QuantileRegressor(tau=tau, solver=s).fit(X, y).objective_ / exact.objective_ - 1
          for s in backends}
print("sklearn-lad backends, objective relative to", exact.solver_, spread)

# %%
# A face of optima: the median of four numbers
# --------------------------------------------
# Fitting a constant to ``y = 1, 2, 4, 7`` by LAD: every value between the two middle numbers
# (2 and 4) is a median, the objective is flat there. sklearn-lad reports ``unique_ = False``
# and returns the optimal point of smallest norm, 2, whichever backend runs.
y4 = np.array([1.0, 2.0, 4.0, 7.0])
ones = np.ones((4, 1))
picks = {s: QuantileRegressor(tau=0.5, fit_intercept=False, solver=s).fit(ones, y4)
         for s in backends}
for name, model in picks.items():
    print(f"{name:>6}: constant {model.coef_[0]:.12f}, unique_ {model.unique_}, "
          f"certified_ {model.certified_}")

fig, (ax_gap, ax_face) = plt.subplots(1, 2, figsize=(11, 4.2))
ax_gap.semilogy(budgets, np.maximum(gaps, 1e-17), "o-", label="statsmodels QuantReg (IRLS)")
largest = max(abs(v) for v in spread.values())
ax_gap.axhline(max(largest, 1e-17), color="tab:green", ls="--",
               label=f"sklearn-lad backends: largest gap {largest:.0e}"
               + (" (drawn at 1e-17)" if largest < 1e-17 else ""))
ax_gap.set(xlabel="IRLS iterations allowed", ylabel="objective above the optimum (relative)",
           title=f"n={n}, p={p}, tau={tau}")
ax_gap.legend(fontsize=8)

c = np.linspace(0, 8, 801)
ax_face.plot(c, [np.mean(np.abs(y4 - v)) / 2 for v in c], color="0.3", label="objective")
ax_face.axvspan(2, 4, color="tab:blue", alpha=0.15, label="optimal set (a face)")
chosen = picks[backends[0]].coef_[0]
ax_face.plot(chosen, np.mean(np.abs(y4 - chosen)) / 2, "o", ms=9, color="tab:red",
             label="returned: minimum norm")
ax_face.plot(y4, np.zeros_like(y4), "k|", ms=15, label="data")
ax_face.set(xlabel="constant c", ylabel="mean check loss", title="LAD fit of a constant",
            ylim=(-0.05, None))
ax_face.legend(fontsize=8)
fig.tight_layout()
plt.show()
