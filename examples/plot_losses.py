"""
The check function and the L1 family of losses
===============================================

Quantile regression at level ``tau`` minimises the check (pinball) function
``rho_tau(r) = r * (tau - 1[r < 0])`` of the residual ``r = y - prediction``: slope ``tau`` on
the right, ``tau - 1`` on the left. Its minimiser over a constant is the ``tau``-quantile,
which is why it estimates quantiles. :mod:`sklearn_lad.losses` has it beside the absolute loss
and two smooth relatives (Huber, smooth L1), with their (sub)gradients.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_lad.losses import (
    huber_loss,
    l1_loss,
    pinball_loss,
    pinball_subgradient,
    smooth_l1_loss,
)

r = np.linspace(-3, 3, 601)
zero = np.zeros_like(r)  # losses take (y_true, y_pred); the residual is y_true - y_pred

# %%
# The check function
# ------------------
# At several ``tau``, and its subgradient at ``tau=0.9`` (dotted): ``tau`` above zero,
# ``tau - 1`` below.
fig, ax_check = plt.subplots(figsize=(6.5, 4))
for tau in [0.1, 0.25, 0.5, 0.75, 0.9]:
    ax_check.plot(r, pinball_loss(r, zero, tau=tau, reduction="none"), label=f"tau={tau}")
ax_check.plot(r, pinball_subgradient(r, tau=0.9), "k:", lw=1, label="subgradient, 0.9")
ax_check.set(xlabel="residual r", ylabel="loss", title="check function rho_tau(r)")
ax_check.legend(fontsize=8)
plt.show()

# %%
# The L1 family
# -------------
# Huber and smooth L1 are quadratic near zero and linear in the tails. They differ by a factor:
# ``huber_loss(delta=d)`` is ``d * smooth_l1_loss(beta=d)``, so Huber's tails have slope ``d``
# and smooth L1's slope 1; ``smooth_l1_loss`` with ``beta=0`` is exactly the absolute loss.
huber = huber_loss(r, zero, delta=1.5, reduction="none")
smooth = smooth_l1_loss(r, zero, beta=1.5, reduction="none")
print("max |huber(delta=1.5) - 1.5 * smooth_l1(beta=1.5)| =", np.max(np.abs(huber - 1.5 * smooth)))
fig, ax_family = plt.subplots(figsize=(6.5, 4))
ax_family.plot(r, l1_loss(r, zero, reduction="none"), lw=2, label="l1_loss |r|")
ax_family.plot(r, 2 * pinball_loss(r, zero, tau=0.5, reduction="none"), "--",
               label="2 * pinball_loss(tau=0.5)")
ax_family.plot(r, huber, label="huber_loss(delta=1.5)")
ax_family.plot(r, smooth, label="smooth_l1_loss(beta=1.5)")
ax_family.set(xlabel="residual r", title="the L1 family")
ax_family.legend(fontsize=8)
plt.show()

# %%
# Why the check function estimates quantiles
# -------------------------------------------
# For a sample ``y``, the mean pinball loss of a constant prediction ``c`` is minimised at the
# sample's ``tau``-quantile (dots).
fig, ax_quantile = plt.subplots(figsize=(6.5, 4))
rng = np.random.default_rng(0)
y = rng.standard_t(3, size=500)
c = np.linspace(-3, 3, 301)
for tau in [0.1, 0.5, 0.9]:
    risk = [pinball_loss(y, np.full_like(y, value), tau=tau) for value in c]
    line, = ax_quantile.plot(c, risk, label=f"tau={tau}")
    q = np.quantile(y, tau)
    ax_quantile.plot(q, pinball_loss(y, np.full_like(y, q), tau=tau), "o", color=line.get_color())
    print(f"tau={tau}: argmin over the grid {c[np.argmin(risk)]:+.2f}, sample quantile {q:+.2f}")
ax_quantile.set(xlabel="constant prediction c", ylabel="mean pinball loss",
                title="minimised at the tau-quantile")
ax_quantile.legend(fontsize=8)
fig.tight_layout()
plt.show()
