"""Metrics for prediction intervals and several quantiles, and scorers built from them.

* :func:`coverage_score`: the (weighted) fraction of targets inside their interval;
* :func:`mean_interval_width`: the (weighted) mean width ``upper - lower``;
* :func:`interval_score`: the interval (Winkler) score of Gneiting and Raftery (2007), a proper
  scoring rule for central ``(1 - a)`` intervals: ``(upper - lower) + (2 / a) (lower - y)`` when
  ``y < lower`` and ``+ (2 / a) (y - upper)`` when ``y > upper``; lower is better;
* :func:`average_pinball_loss`: the pinball loss of :func:`sklearn_lad.losses.pinball_loss`
  averaged over several quantile levels.

Intervals are arrays of shape ``(n_samples, 2)`` holding ``[lower, upper]`` per row, the output
of ``predict_interval`` of :class:`~sklearn_lad.QuantileProcessRegressor` and
:class:`~sklearn_lad.ConformalQuantileRegressor`. The scorers
(:func:`make_interval_scorer`, :func:`make_pinball_scorer`) are
:func:`sklearn.metrics.make_scorer` objects that call ``predict_interval`` /
``predict_quantiles`` and so work as ``scoring=`` in ``GridSearchCV``.

References
----------
Winkler, R. L. (1972). A decision-theoretic approach to interval estimation. Journal of the
American Statistical Association 67(337), 187-191.
Gneiting, T. and Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and
estimation. Journal of the American Statistical Association 102(477), 359-378.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import make_scorer

from ._loss_inputs import _as_1d, _as_float_array, _check_lengths, _check_sample_weight
from ._validation import check_real, check_tau
from .losses import pinball_loss

__all__ = [
    "average_pinball_loss",
    "coverage_score",
    "interval_score",
    "make_interval_scorer",
    "make_pinball_scorer",
    "mean_interval_width",
]

_INTERVAL_METRICS = ("coverage", "width", "interval_score")


def _as_interval(y_interval, name: str = "y_interval") -> np.ndarray:
    interval = _as_float_array(y_interval, name)
    if interval.ndim != 2 or interval.shape[1] != 2 or interval.shape[0] == 0:
        raise ValueError(
            f"{name} must have shape (n_samples, 2) with columns [lower, upper]; got shape "
            f"{interval.shape}. Pass the output of predict_interval, or np.column_stack("
            "[lower, upper])."
        )
    if np.any(interval[:, 0] > interval[:, 1]):
        bad = int(np.count_nonzero(interval[:, 0] > interval[:, 1]))
        raise ValueError(
            f"{name} has lower > upper in {bad} rows; columns must be [lower, upper]."
        )
    return interval


def _weighted_mean(values: np.ndarray, weight: np.ndarray | None) -> float:
    if weight is None:
        return float(values.mean())
    return float(np.dot(weight, values) / weight.sum())


def _check_confidence_level(confidence_level) -> float:
    level = check_real(confidence_level, "confidence_level")
    if not (0.0 < level < 1.0):
        raise ValueError(
            f"confidence_level must lie strictly between 0 and 1; got {confidence_level!r}. "
            "Pass e.g. 0.9 for a 90% interval."
        )
    return level


def coverage_score(
    y_true: ArrayLike, y_interval: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> float:
    """Fraction of targets that fall inside their interval (end points included).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets.
    y_interval : array-like of shape (n_samples, 2)
        ``[lower, upper]`` per sample, ``lower <= upper``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero.

    Returns
    -------
    float
        The (weighted) empirical coverage, in [0, 1].

    Raises
    ------
    ValueError
        If the shapes do not match, an interval has ``lower > upper``, or an input is not finite.

    Examples
    --------
    >>> from sklearn_lad.metrics import coverage_score
    >>> coverage_score([1.0, 2.0, 5.0, 3.0], [[0, 2], [0, 2], [0, 2], [3, 4]])
    0.75
    """
    y = _as_1d(y_true, "y_true")
    interval = _as_interval(y_interval)
    _check_lengths(y, "y_true", interval, "y_interval")
    weight = _check_sample_weight(sample_weight, y)
    inside = (interval[:, 0] <= y) & (y <= interval[:, 1])
    return _weighted_mean(inside.astype(float), weight)


def mean_interval_width(
    y_interval: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> float:
    """Mean width ``upper - lower`` of prediction intervals.

    Parameters
    ----------
    y_interval : array-like of shape (n_samples, 2)
        ``[lower, upper]`` per sample, ``lower <= upper``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero.

    Returns
    -------
    float
        The (weighted) mean width.

    Examples
    --------
    >>> from sklearn_lad.metrics import mean_interval_width
    >>> mean_interval_width([[0.0, 2.0], [1.0, 2.0]])
    1.5
    """
    interval = _as_interval(y_interval)
    width = interval[:, 1] - interval[:, 0]
    weight = _check_sample_weight(sample_weight, width)
    return _weighted_mean(width, weight)


def interval_score(
    y_true: ArrayLike,
    y_interval: ArrayLike,
    *,
    confidence_level: float = 0.9,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Interval (Winkler) score of central prediction intervals; lower is better.

    For an interval ``[l, u]`` meant to hold ``y`` with probability ``1 - a``
    (``a = 1 - confidence_level``) the score is ``(u - l) + (2 / a) * (l - y) * 1[y < l]
    + (2 / a) * (y - u) * 1[y > u]``: the width, plus a penalty for each miss that grows with
    its distance. Its expectation is minimised by the ``a/2`` and ``1 - a/2`` quantiles
    (Gneiting and Raftery 2007); it equals ``(2 / a)`` times the sum of the pinball losses of
    ``l`` at ``a/2`` and of ``u`` at ``1 - a/2``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets.
    y_interval : array-like of shape (n_samples, 2)
        ``[lower, upper]`` per sample, ``lower <= upper``.
    confidence_level : float, default=0.9
        The nominal coverage ``1 - a`` of the intervals, in (0, 1).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero.

    Returns
    -------
    float
        The (weighted) mean interval score.

    Examples
    --------
    >>> from sklearn_lad.metrics import interval_score
    >>> # widths 2 and 2; the second misses by 1, costing 2 / 0.5 * 1 = 4
    >>> interval_score([1.0, 3.0], [[0.0, 2.0], [0.0, 2.0]], confidence_level=0.5)
    4.0
    """
    level = _check_confidence_level(confidence_level)
    y = _as_1d(y_true, "y_true")
    interval = _as_interval(y_interval)
    _check_lengths(y, "y_true", interval, "y_interval")
    weight = _check_sample_weight(sample_weight, y)
    lower, upper = interval[:, 0], interval[:, 1]
    penalty = 2.0 / (1.0 - level)
    score = (
        (upper - lower)
        + penalty * np.maximum(lower - y, 0.0)
        + penalty * np.maximum(y - upper, 0.0)
    )
    return _weighted_mean(score, weight)


def _check_taus(taus, n_columns: int) -> np.ndarray:
    if np.ndim(taus) != 1 or len(taus) == 0:
        raise ValueError(f"taus must be a non-empty 1-D sequence of levels; got {taus!r}.")
    levels = np.array([check_tau(t) for t in taus])
    if levels.size != n_columns:
        raise ValueError(
            f"y_quantiles has {n_columns} columns but {levels.size} taus were given; pass one "
            "tau per column."
        )
    return levels


def average_pinball_loss(
    y_true: ArrayLike,
    y_quantiles: ArrayLike,
    *,
    taus: Sequence[float],
    sample_weight: ArrayLike | None = None,
) -> float:
    """Pinball loss averaged over several quantile levels.

    ``mean_k pinball_loss(y_true, y_quantiles[:, k], tau=taus[k])``: the mean over levels of
    :func:`sklearn_lad.losses.pinball_loss` (each itself a weighted mean over samples). With
    equally spaced levels it approximates the continuous ranked probability score (up to a
    factor 2) of the predicted conditional distribution.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets.
    y_quantiles : array-like of shape (n_samples, n_taus)
        Predicted quantiles, column ``k`` at level ``taus[k]`` (the output of
        ``predict_quantiles``).
    taus : sequence of float
        The levels of the columns, each in (0, 1).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, not all zero.

    Returns
    -------
    float
        The average pinball loss; lower is better.

    Examples
    --------
    >>> from sklearn_lad.metrics import average_pinball_loss
    >>> y = [0.0, 1.0]
    >>> q = [[-1.0, 1.0], [0.0, 2.0]]
    >>> # tau=0.1: mean(0.1*1, 0.1*1) = 0.1; tau=0.9: mean(0.1*1, 0.1*1) = 0.1
    >>> round(average_pinball_loss(y, q, taus=[0.1, 0.9]), 12)
    0.1
    """
    quantiles = _as_float_array(y_quantiles, "y_quantiles")
    if quantiles.ndim == 1:
        quantiles = quantiles[:, None]
    if quantiles.ndim != 2:
        raise ValueError(
            f"y_quantiles must have shape (n_samples, n_taus); got {quantiles.shape}."
        )
    levels = _check_taus(taus, quantiles.shape[1])
    losses = [
        pinball_loss(y_true, quantiles[:, k], tau=float(tau), sample_weight=sample_weight)
        for k, tau in enumerate(levels)
    ]
    return float(np.mean(losses))


def make_interval_scorer(metric: str = "interval_score", *, confidence_level: float = 0.9):
    """A scikit-learn scorer of an estimator's ``predict_interval`` output.

    Parameters
    ----------
    metric : {"interval_score", "coverage", "width"}, default="interval_score"
        Which metric: :func:`interval_score` (scored negated, so greater is better),
        :func:`coverage_score` (greater is better) or :func:`mean_interval_width` (scored
        negated).
    confidence_level : float, default=0.9
        The nominal coverage used by ``"interval_score"``. It should match the level the
        estimator's ``predict_interval`` produces (``confidence_level`` of
        :class:`~sklearn_lad.ConformalQuantileRegressor`; ``predict_interval``'s default 0.9 for
        :class:`~sklearn_lad.QuantileProcessRegressor`).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``, from :func:`sklearn.metrics.make_scorer`, usable as
        ``scoring=`` in ``GridSearchCV`` and ``cross_val_score``.

    Examples
    --------
    >>> from sklearn_lad.metrics import make_interval_scorer
    >>> make_interval_scorer("coverage")
    make_scorer(coverage_score, response_method=('predict_interval',))
    """
    if metric not in _INTERVAL_METRICS:
        raise ValueError(f"metric must be one of {_INTERVAL_METRICS}; got {metric!r}.")
    # A tuple, not a string: make_scorer validates string response methods against the
    # classifier/regressor trio, while a tuple names any method (the first one the estimator has).
    method = ("predict_interval",)
    if metric == "coverage":
        return make_scorer(coverage_score, response_method=method)
    if metric == "width":
        return make_scorer(
            _width_of_prediction, response_method=method, greater_is_better=False
        )
    return make_scorer(
        interval_score, response_method=method, greater_is_better=False,
        confidence_level=_check_confidence_level(confidence_level),
    )


def _width_of_prediction(y_true, y_interval, sample_weight=None) -> float:
    # make_scorer passes y_true first; the width does not use it.
    return mean_interval_width(y_interval, sample_weight=sample_weight)


def make_pinball_scorer(taus: Sequence[float]):
    """A scikit-learn scorer: minus :func:`average_pinball_loss` of ``predict_quantiles``.

    Parameters
    ----------
    taus : sequence of float
        The levels the estimator predicts, in the order of its ``predict_quantiles`` columns
        (its ``taus`` parameter, e.g. ``taus_`` of a fitted
        :class:`~sklearn_lad.QuantileProcessRegressor`).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``; greater is better.

    Examples
    --------
    >>> from sklearn_lad.metrics import make_pinball_scorer
    >>> scorer = make_pinball_scorer((0.25, 0.75))
    >>> scorer._kwargs
    {'taus': (0.25, 0.75)}
    """
    levels = [check_tau(t) for t in taus]
    if not levels:
        raise ValueError("taus must hold at least one level in (0, 1).")
    return make_scorer(
        average_pinball_loss, response_method=("predict_quantiles",), greater_is_better=False,
        taus=tuple(levels),
    )
