"""Input checks and reductions shared by :mod:`sklearn_lad.losses` and :mod:`sklearn_lad.metrics`.

Losses and metrics take ``y_true``, ``y_pred`` (or intervals) and ``sample_weight`` as plain
arrays, not through an estimator, so they check them here (finite, one-dimensional, equal
lengths, non-negative weights not all zero) with errors naming the fix, and reduce elementwise
losses by ``reduction`` (``"mean"``, ``"sum"`` or ``"none"``). Scalar parameters are checked by
``_validation.check_real`` like everywhere else.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

from ._validation import check_real

Reduction = Literal["mean", "sum", "none"]
REDUCTIONS = get_args(Reduction)


def _check_reduction(reduction) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        valid = ", ".join(repr(name) for name in REDUCTIONS)
        raise ValueError(f"reduction must be one of {valid}; got {reduction!r}.")


def _check_delta(delta) -> float:
    delta = check_real(delta, "delta")
    if not (np.isfinite(delta) and delta > 0.0):
        raise ValueError(
            f"delta must be a finite number > 0; got delta={delta!r}. Pass the residual size at "
            "which the loss switches from quadratic to linear, e.g. delta=1.0."
        )
    return delta


def _check_beta(beta) -> float:
    beta = check_real(beta, "beta")
    if not (np.isfinite(beta) and beta >= 0.0):
        raise ValueError(
            f"beta must be a finite number >= 0; got beta={beta!r}. Pass beta=0 for the plain L1 "
            "loss or a positive width of the quadratic zone, e.g. beta=1.0."
        )
    return beta


def _as_float_array(values, name: str) -> np.ndarray:
    """Convert ``values`` to a finite float64 array of any shape, or raise a helpful error."""
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as exc:  # e.g. ragged nested lists
        raise ValueError(
            f"{name} could not be converted to a numeric array ({exc}); pass a list or a 1-D "
            "numpy array of numbers."
        ) from exc
    # A float cast would silently drop imaginary parts (with only a warning), hiding a real bug.
    if np.iscomplexobj(raw):
        raise ValueError(f"{name} is complex-valued; pass real numbers (e.g. np.real({name})).")
    try:
        array = raw.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:  # strings, sparse matrices, arbitrary objects
        raise ValueError(
            f"{name} could not be converted to a float array ({exc}); pass a dense numeric "
            "array (densify sparse input with .toarray())."
        ) from exc
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} contains NaN or infinite values; remove or impute them before computing "
            "the loss."
        )
    return array


def _as_1d(values, name: str) -> np.ndarray:
    array = _as_float_array(values, name)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array; got an array of shape {array.shape}. Pass one value "
            f"per sample, e.g. np.ravel({name}) for a single column."
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty; pass at least one sample.")
    return array


def _check_lengths(first: np.ndarray, first_name: str, second: np.ndarray, second_name: str):
    if first.shape[0] != second.shape[0]:
        raise ValueError(
            f"{first_name} and {second_name} must have the same length; got "
            f"len({first_name})={first.shape[0]} and len({second_name})={second.shape[0]}. "
            f"Pass exactly one {second_name} entry per {first_name} entry."
        )


def _check_sample_weight(sample_weight, residual: np.ndarray) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weight = _as_1d(sample_weight, "sample_weight")
    _check_lengths(residual, "y_true", weight, "sample_weight")
    if np.any(weight < 0):
        raise ValueError(
            f"sample_weight must be non-negative; got a minimum of {weight.min()!r}. Give rows "
            "you want to ignore a weight of 0 instead."
        )
    # Checked for every reduction, not only "mean": weights that are all zero silence the whole
    # loss and are almost always a bug upstream (e.g. a mask applied twice).
    if not np.any(weight > 0):
        raise ValueError(
            "sample_weight is all zeros, so the weighted loss is undefined; give at least one "
            "sample a positive weight (or pass sample_weight=None for equal weights)."
        )
    return weight


def _residual(y_true, y_pred) -> np.ndarray:
    y_true = _as_1d(y_true, "y_true")
    y_pred = _as_1d(y_pred, "y_pred")
    _check_lengths(y_true, "y_true", y_pred, "y_pred")
    return y_true - y_pred


def _reduce(losses: np.ndarray, reduction: str, weight: np.ndarray | None) -> float | np.ndarray:
    if weight is not None:
        losses = weight * losses
    if reduction == "none":
        return losses
    total = float(losses.sum())
    if reduction == "sum":
        return total
    return total / (losses.shape[0] if weight is None else float(weight.sum()))


def _loss(y_true, y_pred, elementwise, reduction: str, sample_weight) -> float | np.ndarray:
    # The reduction is checked before the (possibly large) arrays so a typo fails fast.
    _check_reduction(reduction)
    residual = _residual(y_true, y_pred)
    weight = _check_sample_weight(sample_weight, residual)
    return _reduce(elementwise(residual), reduction, weight)
