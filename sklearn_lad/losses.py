"""Regression losses, their (sub)gradients and a pinball scorer.

Every loss is a function of the residual ``r = y_true - y_pred`` and comes with a ``reduction``
argument:

* ``"mean"``: the (weighted) mean ``sum(w * loss) / sum(w)``, a float;
* ``"sum"``: the (weighted) sum ``sum(w * loss)``, a float;
* ``"none"``: the elementwise losses, multiplied by ``w`` when weights are given.

The (sub)gradients are taken with respect to the *residual*, not the prediction; the gradient with
respect to ``y_pred`` is their negative. Where a loss has a kink (``l1`` and ``pinball`` at
``r = 0``) the subgradient returned there is 0, the element of the subdifferential that makes a
zero residual look optimal, which is what subgradient and IRLS-type solvers expect.

The conventions for ``huber_loss`` and ``smooth_l1_loss`` are PyTorch's ``HuberLoss`` and
``SmoothL1Loss``, so ``huber_loss(delta=d) == d * smooth_l1_loss(beta=d)`` and ``huber_loss``
equals :func:`scipy.special.huber`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.pipeline import Pipeline

from ._loss_inputs import Reduction as _Reduction
from ._loss_inputs import (
    _as_float_array,
    _check_beta,
    _check_delta,
    _loss,
)
from ._objective import rho
from ._validation import check_tau

__all__ = [
    "huber_gradient",
    "huber_loss",
    "l1_loss",
    "l1_subgradient",
    "neg_pinball_loss_at_own_tau",
    "pinball_loss",
    "pinball_scorer",
    "pinball_subgradient",
    "smooth_l1_gradient",
    "smooth_l1_loss",
]

# Used by the scorer when an estimator exposes no ``tau``: the median is the quantile an LAD fit
# targets, so 0.5 is the only level that needs no further information.
_DEFAULT_TAU = 0.5


def _huber(residual: np.ndarray, delta: float) -> np.ndarray:
    abs_r = np.abs(residual)
    # With c = min(|r|, delta), c * (|r| - c / 2) is 0.5 r^2 inside the zone and
    # delta * (|r| - delta / 2) outside, so one branch-free expression covers both; unlike
    # np.where over both branches it never squares a huge residual, which could overflow to inf.
    clipped = np.minimum(abs_r, delta)
    return clipped * (abs_r - 0.5 * clipped)


# --------------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------------


def l1_loss(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    reduction: _Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> float | np.ndarray:
    """Absolute-error (L1, least-absolute-deviation) loss ``|y_true - y_pred|``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets. Must be finite.
    y_pred : array-like of shape (n_samples,)
        Predictions. Must be finite and have the same length as ``y_true``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` returns ``sum(w * loss) / sum(w)``, ``"sum"`` returns ``sum(w * loss)`` and
        ``"none"`` returns the elementwise losses (times ``w`` when weights are given).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero. ``None`` means every sample has weight 1.

    Returns
    -------
    float or ndarray of shape (n_samples,)
        The reduced loss, or the elementwise losses for ``reduction="none"``.

    Raises
    ------
    ValueError
        If the inputs are not 1-D, differ in length, are empty or contain NaN/inf, if
        ``sample_weight`` is negative or all zero, or if ``reduction`` is unknown.

    See Also
    --------
    pinball_loss : The asymmetric generalisation; ``pinball_loss(tau=0.5) == 0.5 * l1_loss``.
    l1_subgradient : Its subgradient with respect to the residual.

    Examples
    --------
    >>> from sklearn_lad.losses import l1_loss
    >>> l1_loss([1.0, 2.0, 3.0], [2.0, 2.0, 0.0])
    1.3333333333333333
    >>> l1_loss([1.0, 2.0, 3.0], [2.0, 2.0, 0.0], reduction="sum")
    4.0
    >>> l1_loss([1.0, 2.0, 3.0], [2.0, 2.0, 0.0], reduction="none")
    array([1., 0., 3.])
    >>> l1_loss([1.0, 2.0, 3.0], [2.0, 2.0, 0.0], sample_weight=[3.0, 1.0, 0.0])
    0.75
    """
    return _loss(y_true, y_pred, np.abs, reduction, sample_weight)


def pinball_loss(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    tau: float = 0.5,
    reduction: _Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> float | np.ndarray:
    """Pinball (check, quantile) loss ``rho_tau(y_true - y_pred)``.

    With residual ``r = y_true - y_pred``, ``rho_tau(r) = r * (tau - 1[r < 0])``: under-predictions
    cost ``tau`` per unit and over-predictions ``1 - tau``, so the minimiser of the expected loss
    is the ``tau``-quantile. At ``tau=0.5`` it is half the L1 loss. The ``"mean"`` reduction equals
    :func:`sklearn.metrics.mean_pinball_loss` with ``alpha=tau``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets. Must be finite.
    y_pred : array-like of shape (n_samples,)
        Predictions. Must be finite and have the same length as ``y_true``.
    tau : float, default=0.5
        Quantile level, strictly between 0 and 1.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` returns ``sum(w * loss) / sum(w)``, ``"sum"`` returns ``sum(w * loss)`` and
        ``"none"`` returns the elementwise losses (times ``w`` when weights are given).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero. ``None`` means every sample has weight 1.

    Returns
    -------
    float or ndarray of shape (n_samples,)
        The reduced loss, or the elementwise losses for ``reduction="none"``.

    Raises
    ------
    ValueError
        If ``tau`` is not in (0, 1), if the inputs are not 1-D, differ in length, are empty or
        contain NaN/inf, if ``sample_weight`` is negative or all zero, or if ``reduction`` is
        unknown.

    See Also
    --------
    pinball_subgradient : Its subgradient with respect to the residual.
    neg_pinball_loss_at_own_tau : A scikit-learn scorer built on this loss.

    Examples
    --------
    >>> from sklearn_lad.losses import pinball_loss
    >>> pinball_loss([3.0, 0.0], [1.0, 1.0], tau=0.9, reduction="none")
    array([1.8, 0.1])
    >>> round(pinball_loss([3.0, 0.0], [1.0, 1.0], tau=0.9), 12)
    0.95
    >>> pinball_loss([3.0, 0.0], [1.0, 1.0], tau=0.5)
    0.75
    """
    tau = check_tau(tau)
    return _loss(y_true, y_pred, lambda residual: rho(residual, tau), reduction, sample_weight)


def huber_loss(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    delta: float = 1.0,
    reduction: _Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> float | np.ndarray:
    """Huber loss, quadratic for small residuals and linear for large ones.

    With residual ``r = y_true - y_pred`` the elementwise loss is ``0.5 * r**2`` for
    ``|r| <= delta`` and ``delta * (|r| - 0.5 * delta)`` otherwise. This is PyTorch's
    ``HuberLoss`` and :func:`scipy.special.huber`; it equals ``delta * smooth_l1_loss(beta=delta)``
    and is bounded above by ``delta * |r|``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets. Must be finite.
    y_pred : array-like of shape (n_samples,)
        Predictions. Must be finite and have the same length as ``y_true``.
    delta : float, default=1.0
        Residual size where the loss turns from quadratic to linear. Finite and > 0.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` returns ``sum(w * loss) / sum(w)``, ``"sum"`` returns ``sum(w * loss)`` and
        ``"none"`` returns the elementwise losses (times ``w`` when weights are given).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero. ``None`` means every sample has weight 1.

    Returns
    -------
    float or ndarray of shape (n_samples,)
        The reduced loss, or the elementwise losses for ``reduction="none"``.

    Raises
    ------
    ValueError
        If ``delta`` is not a finite positive number, if the inputs are not 1-D, differ in length,
        are empty or contain NaN/inf, if ``sample_weight`` is negative or all zero, or if
        ``reduction`` is unknown.

    See Also
    --------
    smooth_l1_loss : The same shape rescaled by ``1 / delta``.
    huber_gradient : Its gradient with respect to the residual.

    Examples
    --------
    >>> from sklearn_lad.losses import huber_loss
    >>> huber_loss([0.0, 0.0, 0.0], [0.5, -1.0, 3.0], delta=1.0, reduction="none")
    array([0.125, 0.5  , 2.5  ])
    >>> huber_loss([0.0, 0.0, 0.0], [0.5, -1.0, 3.0], delta=2.0, reduction="sum")
    4.625
    """
    delta = _check_delta(delta)
    return _loss(y_true, y_pred, lambda residual: _huber(residual, delta), reduction, sample_weight)


def smooth_l1_loss(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    beta: float = 1.0,
    reduction: _Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> float | np.ndarray:
    """Smooth L1 loss: L1 with the kink at zero rounded off over a width ``beta``.

    With residual ``r = y_true - y_pred`` the elementwise loss is ``0.5 * r**2 / beta`` for
    ``|r| < beta`` and ``|r| - 0.5 * beta`` otherwise (PyTorch's ``SmoothL1Loss``). ``beta=0``
    is exactly the L1 loss, the ``beta -> 0`` limit, computed without dividing by zero. For
    ``beta > 0`` it equals ``huber_loss(delta=beta) / beta``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets. Must be finite.
    y_pred : array-like of shape (n_samples,)
        Predictions. Must be finite and have the same length as ``y_true``.
    beta : float, default=1.0
        Width of the quadratic zone around zero. Finite and >= 0.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` returns ``sum(w * loss) / sum(w)``, ``"sum"`` returns ``sum(w * loss)`` and
        ``"none"`` returns the elementwise losses (times ``w`` when weights are given).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero. ``None`` means every sample has weight 1.

    Returns
    -------
    float or ndarray of shape (n_samples,)
        The reduced loss, or the elementwise losses for ``reduction="none"``.

    Raises
    ------
    ValueError
        If ``beta`` is negative or not finite, if the inputs are not 1-D, differ in length, are
        empty or contain NaN/inf, if ``sample_weight`` is negative or all zero, or if
        ``reduction`` is unknown.

    See Also
    --------
    huber_loss : The same shape scaled by ``delta``.
    smooth_l1_gradient : Its gradient with respect to the residual.

    Examples
    --------
    >>> from sklearn_lad.losses import smooth_l1_loss
    >>> smooth_l1_loss([0.0, 0.0, 0.0], [0.5, -1.0, 3.0], beta=2.0, reduction="none")
    array([0.0625, 0.25  , 2.    ])
    >>> smooth_l1_loss([0.0, 0.0, 0.0], [0.5, -1.0, 3.0], beta=0.0, reduction="none")
    array([0.5, 1. , 3. ])
    """
    beta = _check_beta(beta)

    def elementwise(residual: np.ndarray) -> np.ndarray:
        # At beta=0 the quadratic zone is empty and the general formula would be 0/0; the L1
        # loss is its beta -> 0 limit, so return that directly.
        if beta == 0.0:
            return np.abs(residual)
        return _huber(residual, beta) / beta

    return _loss(y_true, y_pred, elementwise, reduction, sample_weight)


# --------------------------------------------------------------------------------------------
# (Sub)gradients with respect to the residual
# --------------------------------------------------------------------------------------------


def l1_subgradient(residual: ArrayLike) -> np.ndarray:
    """Subgradient of ``|r|`` with respect to the residual ``r = y_true - y_pred``.

    Returns ``sign(r)``: 1 for ``r > 0``, -1 for ``r < 0`` and, by convention, 0 at ``r = 0``,
    where the subdifferential is the whole interval ``[-1, 1]``. The gradient with respect to
    the prediction is the negative of this.

    Parameters
    ----------
    residual : array-like
        Residuals ``y_true - y_pred`` of any shape. Must be finite.

    Returns
    -------
    ndarray
        Elementwise subgradients, float64, same shape as ``residual``.

    Raises
    ------
    ValueError
        If ``residual`` contains NaN or infinite values.

    Examples
    --------
    >>> from sklearn_lad.losses import l1_subgradient
    >>> l1_subgradient([-2.0, 0.0, 0.5])
    array([-1.,  0.,  1.])
    """
    return np.sign(_as_float_array(residual, "residual"))


def pinball_subgradient(residual: ArrayLike, tau: float) -> np.ndarray:
    """Subgradient of the pinball loss ``rho_tau(r)`` with respect to the residual.

    Returns ``tau`` for ``r > 0``, ``tau - 1`` for ``r < 0`` and, by convention, 0 at ``r = 0``,
    where the subdifferential is the interval ``[tau - 1, tau]`` (which always contains 0). The
    gradient with respect to the prediction is the negative of this.

    Parameters
    ----------
    residual : array-like
        Residuals ``y_true - y_pred`` of any shape. Must be finite.
    tau : float
        Quantile level, strictly between 0 and 1.

    Returns
    -------
    ndarray
        Elementwise subgradients, float64, same shape as ``residual``.

    Raises
    ------
    ValueError
        If ``tau`` is not in (0, 1) or ``residual`` contains NaN or infinite values.

    Examples
    --------
    >>> from sklearn_lad.losses import pinball_subgradient
    >>> pinball_subgradient([-2.0, 0.0, 0.5], tau=0.25)
    array([-0.75,  0.  ,  0.25])
    """
    tau = check_tau(tau)
    residual = _as_float_array(residual, "residual")
    return np.where(residual > 0, tau, np.where(residual < 0, tau - 1.0, 0.0))


def huber_gradient(residual: ArrayLike, delta: float = 1.0) -> np.ndarray:
    """Gradient of the Huber loss with respect to the residual ``r = y_true - y_pred``.

    Returns ``r`` for ``|r| <= delta`` and ``delta * sign(r)`` otherwise, i.e. ``r`` clipped to
    ``[-delta, delta]``. The loss is differentiable everywhere, so this is the true gradient;
    in particular it is 0 at ``r = 0``, in line with the zero-residual convention of the other
    (sub)gradients here. The gradient with respect to the prediction is the negative of this.

    Parameters
    ----------
    residual : array-like
        Residuals ``y_true - y_pred`` of any shape. Must be finite.
    delta : float, default=1.0
        Residual size where the loss turns from quadratic to linear. Finite and > 0.

    Returns
    -------
    ndarray
        Elementwise gradients, float64, same shape as ``residual``.

    Raises
    ------
    ValueError
        If ``delta`` is not a finite positive number or ``residual`` contains NaN or infinite
        values.

    Examples
    --------
    >>> from sklearn_lad.losses import huber_gradient
    >>> huber_gradient([-3.0, -0.5, 0.0, 2.0], delta=1.0)
    array([-1. , -0.5,  0. ,  1. ])
    """
    delta = _check_delta(delta)
    return np.clip(_as_float_array(residual, "residual"), -delta, delta)


def smooth_l1_gradient(residual: ArrayLike, beta: float = 1.0) -> np.ndarray:
    """Gradient of the smooth L1 loss with respect to the residual ``r = y_true - y_pred``.

    Returns ``r / beta`` for ``|r| < beta`` and ``sign(r)`` otherwise. For ``beta > 0`` the loss
    is differentiable and this is its gradient, 0 at ``r = 0``. For ``beta = 0`` the loss is the
    L1 loss and this is :func:`l1_subgradient`, with the same convention of 0 at ``r = 0``. The
    gradient with respect to the prediction is the negative of this.

    Parameters
    ----------
    residual : array-like
        Residuals ``y_true - y_pred`` of any shape. Must be finite.
    beta : float, default=1.0
        Width of the quadratic zone around zero. Finite and >= 0.

    Returns
    -------
    ndarray
        Elementwise (sub)gradients, float64, same shape as ``residual``.

    Raises
    ------
    ValueError
        If ``beta`` is negative or not finite, or ``residual`` contains NaN or infinite values.

    Examples
    --------
    >>> from sklearn_lad.losses import smooth_l1_gradient
    >>> smooth_l1_gradient([-3.0, -0.5, 0.0, 2.0], beta=2.0)
    array([-1.  , -0.25,  0.  ,  1.  ])
    >>> smooth_l1_gradient([-3.0, 0.0, 2.0], beta=0.0)
    array([-1.,  0.,  1.])
    """
    beta = _check_beta(beta)
    residual = _as_float_array(residual, "residual")
    if beta == 0.0:
        return np.sign(residual)
    return np.clip(residual, -beta, beta) / beta


# --------------------------------------------------------------------------------------------
# Scorer
# --------------------------------------------------------------------------------------------


def _own_tau(estimator) -> float:
    # A Pipeline has no ``tau`` of its own; the quantile level belongs to the regressor at its
    # end. Pipelines can nest, so descend until a non-Pipeline step is reached.
    while isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    return getattr(estimator, "tau", _DEFAULT_TAU)


def neg_pinball_loss_at_own_tau(
    estimator, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
) -> float:
    """Scorer: minus the mean pinball loss of a fitted estimator, at the estimator's own ``tau``.

    A plain callable with scikit-learn's scorer signature, so it can be passed directly as
    ``scoring=`` to :class:`~sklearn.model_selection.GridSearchCV`,
    :func:`~sklearn.model_selection.cross_val_score` and friends. Greater is better.

    The quantile level is read from ``estimator.tau``. For a
    :class:`~sklearn.pipeline.Pipeline` it is the ``tau`` of the final step
    (``estimator[-1]``, recursively for nested pipelines). **If that estimator has no ``tau``
    attribute, 0.5 (the median) is used** -- note that this includes scikit-learn's own
    :class:`~sklearn.linear_model.QuantileRegressor`, whose level is called ``quantile``.

    Parameters
    ----------
    estimator : estimator object
        A fitted regressor with a ``predict`` method returning one value per sample.
    X : array-like of shape (n_samples, n_features)
        Input samples.
    y : array-like of shape (n_samples,)
        True targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero. Without metadata routing, search utilities such as
        ``GridSearchCV`` do not forward weights to scorers; call the scorer directly to use them.

    Returns
    -------
    float
        ``-pinball_loss(y, estimator.predict(X), tau=tau, sample_weight=sample_weight)``, i.e.
        ``-sklearn.metrics.mean_pinball_loss(y, y_pred, alpha=tau, sample_weight=...)``.

    Raises
    ------
    ValueError
        If the estimator's ``tau`` is not in (0, 1) or any input fails :func:`pinball_loss`'s
        validation.

    Notes
    -----
    Scores of estimators with *different* ``tau`` are losses at different levels and are not
    comparable as a measure of fit: an extreme ``tau`` usually scores better simply because its
    loss weighs one side of the residuals less. Use this scorer to tune other hyperparameters
    (e.g. a penalty strength) at a fixed ``tau``; a grid over ``tau`` itself only reports each
    candidate's loss at its own level.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyRegressor
    >>> from sklearn_lad.losses import neg_pinball_loss_at_own_tau
    >>> X = np.zeros((4, 1))
    >>> y = np.array([0.0, 1.0, 2.0, 10.0])
    >>> median = DummyRegressor(strategy="median").fit(X, y)  # no ``tau``: scored at 0.5
    >>> neg_pinball_loss_at_own_tau(median, X, y)
    -1.375
    """
    tau = _own_tau(estimator)
    y_pred = estimator.predict(X)
    return -float(pinball_loss(y, y_pred, tau=tau, sample_weight=sample_weight))


#: Alias of :func:`neg_pinball_loss_at_own_tau`, for ``GridSearchCV(..., scoring=pinball_scorer)``.
pinball_scorer = neg_pinball_loss_at_own_tau
