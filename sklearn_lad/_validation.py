"""One validation module for estimators, the path functions, cross-validation and the losses.

Everything a user passes is checked here, once, with the same messages wherever it is passed:
``tau``, ``alpha``, the ``alpha`` grid, ``penalty_factor``, ``sample_weight``, ``X`` and ``y``.
The conventions are scikit-learn's: a value of the wrong *type* raises
:class:`~sklearn.utils._param_validation.InvalidParameterError` (a ``TypeError``, and also a
``ValueError`` as in scikit-learn's own parameter validation), a value of the right type but out
of range raises a plain ``ValueError``; every message names the argument and the fix.

Weights are rescaled here by a power of two so that the largest is in ``[0.5, 1)``. The
objective ``(1 / sum(w)) * sum_i w_i rho_tau(r_i) + alpha * sum_j pf_j |b_j|`` does not change
when every weight is multiplied by the same factor, and multiplying by a power of two is exact in
floating point, so this changes no answer; it keeps ``sum(w)`` finite for weights like ``1e308``
and away from the underflow range for weights like ``1e-300``.

Examples
--------
>>> from sklearn_lad._validation import check_tau
>>> check_tau(0.25)
0.25
>>> check_tau(1.5)
Traceback (most recent call last):
    ...
ValueError: tau must lie strictly between 0 and 1; got tau=1.5. ...
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import _check_sample_weight, check_X_y, validate_data

from ._problem import QuantileProblem

__all__ = [
    "check_real",
    "check_tau",
    "check_alpha",
    "check_alpha_grid",
    "check_penalty_factor",
    "check_sample_weight",
    "check_X_y_numeric",
    "ZeroWeightRows",
    "build_problem",
    "validated_problem",
]


def check_real(value, name: str) -> float:
    """``value`` as a float; ``InvalidParameterError`` (a ``TypeError``) if it is no real number.

    Examples
    --------
    >>> check_real(1, "delta")
    1.0
    """
    # bool is an Integral subclass, but tau=True is far more likely a bug than a request for 1.0.
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidParameterError(
            f"{name} must be a real number; got {value!r} of type {type(value).__name__}."
        )
    return float(value)


def check_tau(tau) -> float:
    """Validate a quantile level.

    Parameters
    ----------
    tau : float
        Quantile level, strictly between 0 and 1.

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        (a ``TypeError``) when ``tau`` is not a real number (strings, ``None``, ``True``).
    ValueError
        When ``tau`` is not strictly between 0 and 1 (or NaN).

    Examples
    --------
    >>> check_tau(0.9)
    0.9
    """
    tau = check_real(tau, "tau")
    # Written as a negated conjunction so that NaN, which fails every comparison, is rejected.
    if not (0.0 < tau < 1.0):
        raise ValueError(
            f"tau must lie strictly between 0 and 1; got tau={tau!r}. Pass the quantile level "
            "you want to estimate, e.g. tau=0.5 for the median or tau=0.9 for the 90th percentile."
        )
    return tau


def check_alpha(alpha) -> float:
    """Validate a penalty strength: a finite number ``>= 0``.

    Parameters
    ----------
    alpha : float

    Returns
    -------
    float

    Examples
    --------
    >>> check_alpha(0)
    0.0
    """
    alpha = check_real(alpha, "alpha")
    if not (0.0 <= alpha < np.inf):
        raise ValueError(f"alpha must be a finite number >= 0; got alpha={alpha!r}.")
    return alpha


def check_alpha_grid(alphas, n_alphas, eps) -> np.ndarray | None:
    """Validate the ``alpha`` grid arguments of the path and the CV estimators.

    Parameters
    ----------
    alphas : array-like or None
        Explicit grid; ``None`` means a geometric grid from ``alpha_max``.
    n_alphas : int
        Grid size when ``alphas`` is ``None``, ``>= 1``.
    eps : float
        Ratio of the smallest to the largest grid value when ``alphas`` is ``None``, in (0, 1].

    Returns
    -------
    ndarray or None
        ``alphas`` sorted in decreasing order (warm starts go from sparse to dense fits, like
        scikit-learn's paths), or ``None`` when the grid is to be built from ``alpha_max``.

    Examples
    --------
    >>> check_alpha_grid([0.1, 1.0], 100, 1e-3)
    array([1. , 0.1])
    """
    if alphas is None:
        if isinstance(n_alphas, bool) or not isinstance(n_alphas, Integral):
            raise InvalidParameterError(f"n_alphas must be an integer; got {n_alphas!r}.")
        if n_alphas < 1:
            raise ValueError(f"n_alphas must be a positive integer; got {n_alphas!r}.")
        eps = check_real(eps, "eps")
        if not 0.0 < eps <= 1.0:
            raise ValueError(f"eps must be a number in (0, 1]; got eps={eps!r}.")
        return None
    try:
        grid = np.asarray(alphas, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"alphas must be an array of numbers; got {alphas!r}."
        ) from None
    if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ValueError("alphas must be a non-empty array of finite, non-negative numbers.")
    return np.sort(grid)[::-1]


def check_penalty_factor(penalty_factor, n_features: int) -> np.ndarray | None:
    """Validate ``penalty_factor`` against the number of features; ``None`` stays ``None``.

    Parameters
    ----------
    penalty_factor : array-like of shape (n_features,) or None
        Finite, non-negative multipliers of ``alpha`` per feature.
    n_features : int

    Returns
    -------
    ndarray of shape (n_features,) or None

    Examples
    --------
    >>> check_penalty_factor([1, 0], 2)
    array([1., 0.])
    """
    if penalty_factor is None:
        return None
    try:
        factor = np.asarray(penalty_factor, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"penalty_factor must be an array of numbers, one per feature; got {penalty_factor!r}."
        ) from None
    if factor.ndim != 1 or factor.shape[0] != n_features:
        raise ValueError(
            f"penalty_factor must have one entry per feature: expected shape ({n_features},), "
            f"got {factor.shape}."
        )
    if not np.all(np.isfinite(factor)) or np.any(factor < 0):
        raise ValueError("penalty_factor must be finite and non-negative.")
    return factor


def check_sample_weight(sample_weight, X) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Validate weights and rescale them exactly; returns ``(weights, kept_rows)``.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Finite, non-negative weights, at least one positive.
    X : array-like of shape (n_samples, n_features)
        The design the weights belong to (for their length).

    Returns
    -------
    weights : ndarray or None
        The weights multiplied by the power of two that puts the largest in ``[0.5, 1)`` (only
        ratios of weights matter to the objective, and a power of two changes no digit), of the
        positive-weight rows only. ``None`` when ``sample_weight`` is ``None``.
    kept_rows : ndarray of int or None
        Indices of the rows with a positive weight, ``None`` when every row is kept. Rows with
        weight 0 do not change the objective; the estimators drop them before solving.

    Examples
    --------
    >>> import numpy as np
    >>> weights, kept = check_sample_weight([1e308, 0.0, 3e307], np.zeros((3, 1)))
    >>> kept.tolist(), bool(np.isfinite(weights.sum()))
    ([0, 2], True)
    """
    if sample_weight is None:
        return None, None
    weights = _check_sample_weight(sample_weight, X, dtype=np.float64, allow_all_zero_weights=True)
    if np.any(weights < 0):
        raise ValueError(
            f"sample_weight must be non-negative (smallest is {weights.min():g}); a weight "
            "is a count of repetitions, so use 0 to drop a sample."
        )
    top = float(weights.max(initial=0.0))
    if not top > 0:
        raise ValueError("sample_weight sums to zero; give at least one sample a positive weight.")
    # Scale by 2**-e with top = m * 2**e, 0.5 <= m < 1: exact, and sum(w) <= n stays finite.
    weights = np.ldexp(weights, -int(np.frexp(top)[1]))
    # A weight below 2**-1074 of the largest underflows to 0 here: it could not change a sum
    # of the others anyway, so it is dropped like any zero weight.
    kept = np.flatnonzero(weights > 0)
    if kept.size == weights.size:
        return weights, None
    return weights[kept], kept


def _check_y_is_numeric(y: np.ndarray) -> None:
    # scikit-learn's y_numeric converts object arrays but leaves strings alone, and the first
    # arithmetic on them fails deep inside a ufunc; say what is wrong instead.
    if y.dtype.kind in "USV":
        raise ValueError(
            f"y must contain numbers; got an array of strings (dtype {y.dtype.str!r}). Convert "
            "it first, e.g. y.astype(float), or encode labels as numbers."
        )


def check_X_y_numeric(X, y, estimator=None):
    """``X`` and ``y`` as float64 arrays (``X`` dense or CSR/CSC), validated like scikit-learn.

    With an ``estimator`` this is ``validate_data`` (which also records ``n_features_in_`` and
    ``feature_names_in_`` on it); without, ``check_X_y`` with the same settings.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    estimator : estimator or None, default=None

    Returns
    -------
    X, y : validated arrays.

    Examples
    --------
    >>> X, y = check_X_y_numeric([[0], [1]], [1, 2])
    >>> X.dtype, y.dtype
    (dtype('float64'), dtype('float64'))
    """
    kwargs = dict(
        accept_sparse=["csr", "csc"], dtype=np.float64, y_numeric=True, multi_output=False
    )
    if estimator is not None:
        X, y = validate_data(estimator, X, y, **kwargs)
    else:
        X, y = check_X_y(X, y, **kwargs)
    _check_y_is_numeric(y)
    # y_numeric converts only object arrays; integer targets become float64 like X.
    return X, np.asarray(y, dtype=np.float64)


@dataclass(frozen=True)
class ZeroWeightRows:
    """The rows :func:`build_problem` removed because their weight is 0.

    Attributes
    ----------
    kept : ndarray of int
        Indices (in the caller's rows) of the rows the problem holds, in order.
    dropped : ndarray of int
        Indices of the removed rows.
    X : {ndarray, sparse matrix}
        The removed rows of ``X`` (validated, float64).
    y : ndarray
        Their targets.
    """

    kept: np.ndarray
    dropped: np.ndarray
    X: object
    y: np.ndarray

    @property
    def n_rows(self) -> int:
        """Number of rows the caller passed."""
        return self.kept.size + self.dropped.size


def build_problem(
    estimator, X, y, sample_weight, *, tau: float, alpha: float = 0.0, penalty_factor=None,
    fit_intercept: bool = True,
) -> tuple[QuantileProblem, ZeroWeightRows | None]:
    """Validate data, weights and parameters and build the problem.

    Returns ``(problem, zero_weight_rows)``. Rows with zero weight are dropped here (they do not
    change the objective and must not change the answer), so backends only ever see strictly
    positive weights; ``zero_weight_rows`` maps the problem's rows back to the caller's and
    keeps the dropped rows (``None`` when none was dropped).

    Parameters
    ----------
    estimator : estimator or None
        Receives ``n_features_in_`` (``validate_data``); ``None`` for the path functions.
    X, y, sample_weight
        The data as the user passed them.
    tau, alpha, penalty_factor, fit_intercept
        The objective's parameters.

    Returns
    -------
    problem : QuantileProblem
    zero_weight_rows : ZeroWeightRows or None

    Examples
    --------
    >>> problem, kept = build_problem(None, [[0.0], [1.0], [2.0]], [0.0, 1.0, 5.0],
    ...                               [1.0, 0.0, 2.0], tau=0.5)
    >>> problem.n_samples, kept.kept.tolist(), kept.dropped.tolist()
    (2, [0, 2], [1])
    """
    tau, alpha = check_tau(tau), check_alpha(alpha)
    X, y = check_X_y_numeric(X, y, estimator)
    weights, kept = check_sample_weight(sample_weight, X)
    zero_weight_rows = None
    if kept is not None:
        dropped = np.setdiff1d(np.arange(X.shape[0]), kept)
        zero_weight_rows = ZeroWeightRows(kept=kept, dropped=dropped, X=X[dropped], y=y[dropped])
        X, y = X[kept], y[kept]
    problem = QuantileProblem(
        X=X, y=y, tau=tau, alpha=alpha, sample_weight=weights,
        fit_intercept=bool(fit_intercept),
        penalty_factor=check_penalty_factor(penalty_factor, X.shape[1]),
    )
    return problem, zero_weight_rows


def validated_problem(
    X, y, tau, sample_weight=None, fit_intercept=True, penalty_factor=None
) -> QuantileProblem:
    """The problem behind :func:`~sklearn_lad.alpha_max` and :func:`~sklearn_lad.quantile_path`.

    Validated exactly like the estimators' (same checks, same messages), at ``alpha = 0``.

    Examples
    --------
    >>> validated_problem([[0.0], [1.0]], [1.0, 2.0], tau=0.5).n_samples
    2
    """
    problem, _ = build_problem(
        None, X, y, sample_weight, tau=tau, penalty_factor=penalty_factor,
        fit_intercept=fit_intercept,
    )
    return problem
