"""Tuning ``tau`` and ``alpha`` of a quantile lasso with scikit-learn's ``GridSearchCV``.

Run ``python examples/tune_tau_alpha.py``. A ``Pipeline(StandardScaler(), QuantileLasso())`` is
searched over ``tau`` and ``alpha`` twice:

* with ``scoring="neg_mean_absolute_error"``: every candidate is judged as a predictor of the
  *median*, so the search also picks ``tau`` (it should land on 0.5);
* with :func:`sklearn_lad.losses.neg_pinball_loss_at_own_tau`: every candidate is judged by the
  pinball loss at its *own* ``tau``. Use this to tune ``alpha`` for each quantile level; across
  levels the scores are losses at different levels and are not comparable, so read the best
  ``alpha`` per ``tau`` from ``cv_results_`` rather than one overall winner.
"""

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

mae = GridSearchCV(pipe, grid, scoring="neg_mean_absolute_error", cv=5).fit(X, y)
print("scoring='neg_mean_absolute_error':", mae.best_params_,
      f"MAE {-mae.best_score_:.3f}")

own = GridSearchCV(pipe, grid, scoring=neg_pinball_loss_at_own_tau, cv=5).fit(X, y)
results = own.cv_results_
print("scoring=neg_pinball_loss_at_own_tau: best alpha for each tau")
for tau in grid["model__tau"]:
    rows = np.flatnonzero(results["param_model__tau"] == tau)
    best = rows[np.argmax(results["mean_test_score"][rows])]
    print(f"  tau={tau:<5} alpha={results['param_model__alpha'][best]:<6} "
          f"held-out pinball loss {-results['mean_test_score'][best]:.4f}")
