"""
Tuning tau and alpha with GridSearchCV
======================================

A ``Pipeline(StandardScaler(), QuantileLasso())`` searched over ``tau`` and ``alpha`` with
scikit-learn's :class:`~sklearn.model_selection.GridSearchCV`, twice:

* with ``scoring="neg_mean_absolute_error"``: every candidate is judged as a predictor of the
  *median*, so the search also picks ``tau`` (it should land on 0.5);
* with :func:`sklearn_lad.losses.neg_pinball_loss_at_own_tau`: every candidate is judged by the
  pinball loss at its *own* ``tau``. Use this to tune ``alpha`` for each quantile level; across
  levels the scores are losses at different levels and are not comparable, so read the best
  ``alpha`` per ``tau`` from ``cv_results_`` rather than one overall winner.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lad import QuantileLasso
from sklearn_lad.losses import neg_pinball_loss_at_own_tau

rng = np.random.default_rng(0)
n, p = 300, 8
X = rng.standard_normal((n, p)) * rng.uniform(0.5, 20.0, size=p)  # badly scaled features
beta = np.array([1.0, -0.5, 0.25, 0, 0, 0, 0, 0]) / X.std(axis=0)
y = X @ beta * 4 + rng.laplace(size=n)

pipe = Pipeline([("scale", StandardScaler()), ("model", QuantileLasso())])
grid = {"model__tau": [0.1, 0.25, 0.5, 0.75, 0.9], "model__alpha": [1e-3, 1e-2, 3e-2, 1e-1]}

# %%
# Scored as median predictors
# ---------------------------
mae = GridSearchCV(pipe, grid, scoring="neg_mean_absolute_error", cv=5).fit(X, y)
print("scoring='neg_mean_absolute_error':", mae.best_params_,
      f"MAE {-mae.best_score_:.3f}")

# %%
# Scored at their own tau
# -----------------------
own = GridSearchCV(pipe, grid, scoring=neg_pinball_loss_at_own_tau, cv=5).fit(X, y)
results = own.cv_results_
print("scoring=neg_pinball_loss_at_own_tau: best alpha for each tau")
for tau in grid["model__tau"]:
    rows = np.flatnonzero(results["param_model__tau"] == tau)
    best = rows[np.argmax(results["mean_test_score"][rows])]
    print(f"  tau={tau:<5} alpha={results['param_model__alpha'][best]:<6} "
          f"held-out pinball loss {-results['mean_test_score'][best]:.4f}")

# %%
# The two score tables
# --------------------
# Left: mean absolute error, one table for every candidate (lowest at ``tau=0.5``). Right: the
# pinball loss at each row's own ``tau``, divided by the row's best, so each row reads on its
# own (1.00 marks the best ``alpha`` for that ``tau``).
taus, alphas = grid["model__tau"], grid["model__alpha"]


def as_table(search):
    table = np.empty((len(taus), len(alphas)))
    for i, tau in enumerate(taus):
        for j, alpha in enumerate(alphas):
            row = np.flatnonzero((search.cv_results_["param_model__tau"] == tau)
                                 & (search.cv_results_["param_model__alpha"] == alpha))[0]
            table[i, j] = -search.cv_results_["mean_test_score"][row]
    return table


mae_table = as_table(mae)
own_table = as_table(own)
own_relative = own_table / own_table.min(axis=1, keepdims=True)

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, table, title, fmt in [
    (axes[0], mae_table, "held-out MAE", "{:.3f}"),
    (axes[1], own_relative, "pinball loss at own tau / row best", "{:.2f}"),
]:
    image = ax.imshow(table, cmap="viridis_r", aspect="auto")
    ax.set(xticks=range(len(alphas)), xticklabels=alphas, yticks=range(len(taus)),
           yticklabels=taus, xlabel="alpha", ylabel="tau", title=title)
    for (i, j), value in np.ndenumerate(table):
        red, green, blue, _ = image.cmap(image.norm(value))
        dark_cell = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5  # perceived brightness
        ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=8,
                color="white" if dark_cell else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)
fig.tight_layout()
plt.show()
