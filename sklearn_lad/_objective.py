"""The one objective every estimator and backend in sklearn-lad minimises.

.. math::

    F(b_0, b) = \\frac{1}{\\sum_i w_i} \\sum_i w_i \\, \\rho_\\tau(y_i - b_0 - x_i^\\top b)
                + \\alpha \\sum_j \\pi_j |b_j|

where :math:`\\rho_\\tau(r) = r\\,(\\tau - \\mathbb{1}[r < 0])` is the check (pinball) function of
Koenker & Bassett (1978), :math:`\\pi_j \\ge 0` are per-feature penalty factors (all one unless set)
and the intercept :math:`b_0` is never penalised. The scaling is scikit-learn's
``QuantileRegressor``'s, so ``alpha`` values carry over between the two packages.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rho", "l1_penalty", "quantile_objective"]


def rho(residual, tau: float) -> np.ndarray:
    """Elementwise check function ``rho_tau(r) = r * (tau - 1[r < 0])``.

    Parameters
    ----------
    residual : array-like
        Residuals ``y - prediction``.
    tau : float
        Quantile level in (0, 1).

    Returns
    -------
    ndarray
        ``tau * r`` where ``r >= 0`` and ``(tau - 1) * r`` where ``r < 0``.
    """
    residual = np.asarray(residual, dtype=float)
    return np.where(residual >= 0, tau * residual, (tau - 1.0) * residual)


def l1_penalty(coef, alpha: float, penalty_factor=None) -> float:
    """``alpha * sum_j penalty_factor_j * |coef_j|`` (the intercept is not part of ``coef``)."""
    abs_coef = np.abs(np.asarray(coef, dtype=float))
    if penalty_factor is not None:
        abs_coef = abs_coef * penalty_factor
    return float(alpha * abs_coef.sum())


def quantile_objective(
    X, y, coef, intercept: float, tau: float, alpha: float = 0.0, sample_weight=None,
    penalty_factor=None,
) -> float:
    """Value of the sklearn-lad objective at ``(intercept, coef)``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Design matrix.
    y : ndarray of shape (n_samples,)
        Targets.
    coef : ndarray of shape (n_features,)
        Coefficients at which to evaluate.
    intercept : float
        Intercept at which to evaluate (never penalised).
    tau : float
        Quantile level in (0, 1).
    alpha : float, default=0.0
        L1 penalty strength.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative weights; ``None`` means all ones.
    penalty_factor : ndarray of shape (n_features,), default=None
        Per-feature multipliers of ``alpha``; ``None`` means all ones.

    Returns
    -------
    float
        The objective value.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileRegressor, quantile_objective
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0.0, 1.0, 3.0, 3.0])
    >>> model = QuantileRegressor(tau=0.5).fit(X, y)
    >>> value = quantile_objective(X, y, model.coef_, model.intercept_, tau=0.5)
    >>> bool(np.isclose(value, model.objective_))
    True
    """
    residual = np.asarray(y, dtype=float) - (X @ np.asarray(coef, dtype=float)) - intercept
    losses = rho(residual, tau)
    if sample_weight is None:
        data_term = float(losses.mean())
    else:
        sample_weight = np.asarray(sample_weight, dtype=float)
        data_term = float(losses @ sample_weight / sample_weight.sum())
    return data_term + l1_penalty(coef, alpha, penalty_factor)
