"""
Quantile-lasso path with cross-validation
=========================================

The exact regularisation path of a quantile lasso (:func:`~sklearn_lad.quantile_path`) and
the cross-validated choice of ``alpha`` (:class:`~sklearn_lad.QuantileLassoCV`): the
coefficients against ``alpha`` (log scale), and the held-out pinball loss of each fold with
their mean, at the chosen ``alpha``.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_lad import QuantileLassoCV, alpha_max, quantile_path

# %%
# Ten features, three of which matter; heavy-tailed noise whose spread grows with x_0, so the
# 0.8-quantile depends on x_0 more steeply than the median does.
rng = np.random.default_rng(0)
n, p = 400, 10
X = rng.standard_normal((n, p))
y = 2.0 * X[:, 0] - 1.5 * X[:, 1] + 0.75 * X[:, 2] + (1.0 + 0.5 * np.abs(X[:, 0])) * (
    rng.standard_t(3, size=n)
)
tau = 0.8

print(f"alpha_max = {alpha_max(X, y, tau=tau):.4f} (every coefficient is zero from there up)")
alphas, coefs, intercepts = quantile_path(X, y, tau=tau, n_alphas=60, eps=1e-3)
model = QuantileLassoCV(tau=tau, n_alphas=60, eps=1e-3, cv=5).fit(X, y)
print(f"QuantileLassoCV(tau={tau}): alpha_ = {model.alpha_:.5f}")
print("non-zero coefficients:", {int(j): round(float(model.coef_[j]), 3)
                                 for j in np.flatnonzero(model.coef_)})

# %%
# The path (left) and the cross-validated loss (right); the dashed line is ``alpha_``.
fig, (ax_path, ax_cv) = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
for j in range(p):
    ax_path.plot(alphas, coefs[j], lw=1.5 if j < 3 else 0.8, label=f"x{j}" if j < 3 else None)
ax_path.axvline(model.alpha_, color="k", ls="--", lw=0.8)
ax_path.set(xscale="log", xlabel="alpha", ylabel="coefficient",
            title=f"Quantile-lasso path, tau={tau}")
ax_path.legend(loc="upper right", fontsize=8)

losses = model.pinball_path_
ax_cv.plot(model.alphas_, losses, color="0.7", lw=0.8)
mean, spread = losses.mean(axis=1), losses.std(axis=1)
ax_cv.plot(model.alphas_, mean, color="C3", lw=2, label="mean over folds")
ax_cv.fill_between(model.alphas_, mean - spread, mean + spread, color="C3", alpha=0.15,
                   label="+- 1 sd over folds")
ax_cv.axvline(model.alpha_, color="k", ls="--", lw=0.8, label="alpha_")
ax_cv.set(xscale="log", xlabel="alpha", ylabel=f"held-out pinball loss (tau={tau})",
          title="5-fold cross-validation")
ax_cv.legend(fontsize=8)
fig.tight_layout()
plt.show()
