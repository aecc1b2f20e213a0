"""``ConformalQuantileRegressor``: prediction intervals with finite-sample coverage.

Conformalized quantile regression (Romano, Patterson and Candes 2019). With
``a = 1 - confidence_level``, quantile models at levels ``a/2`` and ``1 - a/2`` are fitted on
one part of the data and scored on the other (the calibration part): the conformity score of a
calibration row is ``E_i = max(q_lo(x_i) - y_i, y_i - q_hi(x_i))``, how far ``y_i`` lies outside
its quantile band (negative inside). With ``Q`` the ``ceil((1 - a)(m + 1))``-th smallest of the
``m`` scores, ``[q_lo(x) - Q, q_hi(x) + Q]`` covers a new exchangeable ``y`` with probability at
least ``1 - a`` (their Theorem 1), whatever the quantile models are. ``symmetric=False`` uses
separate corrections, the ``ceil((1 - a/2)(m + 1))``-th smallest of ``q_lo(x_i) - y_i`` for the
lower end and of ``y_i - q_hi(x_i)`` for the upper (their Theorem 2; same guarantee, and each end
then misses at most ``a/2``). When ``m`` is so small that the rank exceeds ``m`` the correction is
infinite: no finite interval has the guarantee.

``cv=K`` calibrates on ``K`` folds instead (CV+, Barber, Candes, Ramdas and Tibshirani 2021,
applied to the CQR score as Romano et al. suggest): every row is scored by the models fitted
without its fold, and the interval at ``x`` takes the ``floor(a (n + 1))``-th smallest of
``q_lo^{(-k(i))}(x) - E_i`` and the ``ceil((1 - a)(n + 1))``-th smallest of
``q_hi^{(-k(i))}(x) + E_i`` over all ``n`` rows. No row is held out; the guarantee is
``1 - 2a`` in theory, and about ``1 - a`` in practice.

Sample weights count repetitions: a row of weight ``k`` is ``k`` calibration scores.

References
----------
Romano, Y., Patterson, E. and Candes, E. J. (2019). Conformalized quantile regression.
Advances in Neural Information Processing Systems 32.
Barber, R. F., Candes, E. J., Ramdas, A. and Tibshirani, R. J. (2021). Predictive inference
with the jackknife+. Annals of Statistics 49(1), 486-507.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.model_selection import KFold, check_cv, train_test_split
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._estimators import QuantileRegressor

__all__ = ["ConformalQuantileRegressor", "conformal_rank"]

_MEDIAN = 0.5


def _with_tau(estimator, tau: float):
    """A clone of ``estimator`` (or of the last step carrying ``tau``) at level ``tau``."""
    params = estimator.get_params()
    if "tau" in params:
        return clone(estimator).set_params(tau=tau)
    nested = [name for name in params if name.endswith("__tau")]
    if len(nested) == 1:
        return clone(estimator).set_params(**{nested[0]: tau})
    raise TypeError(
        f"estimator {type(estimator).__name__} has no 'tau' parameter; pass a quantile "
        "estimator of sklearn-lad (QuantileRegressor, QuantileLasso, ...) or a Pipeline "
        "ending in one."
    )


def conformal_rank(total_weight: float, level: float) -> float:
    """The rank ``ceil(level * (total_weight + 1))`` of the conformal quantile of the scores."""
    # The product can land a rounding error above an integer (0.9 * 10 = 9.000000000000002);
    # taking the ceiling of that would ask for one more score than the guarantee needs.
    product = level * (total_weight + 1.0)
    return float(math.ceil(product - 1e-9 * max(1.0, product)))


def _order_statistic(scores: np.ndarray, weight: np.ndarray, rank: float) -> float:
    """Smallest score whose cumulative weight (scores sorted) reaches ``rank``; inf beyond."""
    order = np.argsort(scores, kind="stable")
    cumulative = np.cumsum(weight[order])
    position = int(np.searchsorted(cumulative, rank - 1e-9, side="left"))
    return float(scores[order[position]]) if position < scores.size else math.inf


def _fit_pair(estimator, X, y, weight, a: float):
    """Lower and upper quantile models fitted on ``(X, y, weight)``."""
    models = []
    for tau in (a / 2.0, 1.0 - a / 2.0):
        model = _with_tau(estimator, tau)
        if weight is None:
            model.fit(X, y)
        else:
            model.fit(X, y, sample_weight=weight)
        models.append(model)
    return models


# Ends are moved outwards by this many units of rounding (times the magnitudes involved): a
# calibration row whose score is exactly the correction (every tie, with discrete targets) is
# inside the band in exact arithmetic, but ``q_lo(x) - Q`` can round a unit above ``y``.
_ROUNDING = 4.0 * np.finfo(float).eps


def _outward(lower: np.ndarray, upper: np.ndarray, low_pred: np.ndarray,
             high_pred: np.ndarray) -> np.ndarray:
    """``[lower, upper]`` (ordered) widened by the rounding error of ``prediction -+ score``."""
    lower = lower - _ROUNDING * (np.abs(lower) + 2.0 * np.abs(low_pred))
    upper = upper + _ROUNDING * (np.abs(upper) + 2.0 * np.abs(high_pred))
    # A negative correction can invert the band of a row where the models cross.
    return np.column_stack([np.minimum(lower, upper), np.maximum(lower, upper)])


def _fit_weights(weight: np.ndarray):
    # Unit weights are passed as None so that estimators without sample_weight work.
    return None if np.all(weight == 1.0) else weight


class ConformalQuantileRegressor(RegressorMixin, BaseEstimator):
    """Prediction intervals with guaranteed coverage by conformalized quantile regression.

    Fits quantile models at ``(1 - c) / 2`` and ``(1 + c) / 2`` (``c = confidence_level``) and
    widens (or narrows) their band by a correction computed on held-out rows, so that
    ``predict_interval`` covers a new exchangeable observation with probability at least ``c``
    in finite samples (Romano, Patterson and Candes 2019). ``predict`` is the median model,
    fitted on all rows.

    Parameters
    ----------
    estimator : estimator, default=None
        A quantile regressor with a ``tau`` parameter (or a Pipeline whose last step has one);
        cloned at each level. ``None`` means :class:`QuantileRegressor`.
    confidence_level : float, default=0.9
        The coverage ``c`` to guarantee, in (0, 1).
    calibration_size : float, default=0.25
        Fraction of the rows held out to calibrate (split conformal, ``cv=None``).
    symmetric : bool, default=True
        One correction for both ends (Romano et al.'s Theorem 1) or one per end, each at
        ``1 - a/2`` (Theorem 2; wider, but each end separately misses at most ``a/2``).
    cv : int, cross-validation generator, iterable or None, default=None
        ``None``: split conformal with ``calibration_size``. Otherwise CV+, which scores every
        row out of fold and holds none out: an integer ``K >= 2`` means ``K`` shuffled folds
        (``K`` model pairs); a splitter or an iterable of ``(train, test)`` pairs must have
        test folds that partition the rows.
    random_state : int, RandomState instance or None, default=None
        Seed of the split (or of the fold shuffling).

    Attributes
    ----------
    estimator_ : estimator
        The median model, fitted on all rows.
    estimators_ : list of (lower, upper) pairs
        The quantile models: one pair (split conformal) or one per fold (CV+).
    conformity_scores_ : ndarray of shape (n_calibration,) or (2, n_calibration)
        The calibration rows' scores (two rows, lower and upper, when ``symmetric=False``).
    correction_ : ndarray of shape (2,)
        Split conformal: the amounts subtracted from the lower and added to the upper quantile
        (``inf`` when the calibration part is too small for the guarantee). CV+: ``nan``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    QuantileProcessRegressor : Several quantiles, and uncalibrated intervals, from one fit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import ConformalQuantileRegressor
    >>> from sklearn_lad.metrics import coverage_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 2, size=(1000, 1))
    >>> y = X[:, 0] + (0.2 + X[:, 0]) * rng.normal(size=1000)
    >>> model = ConformalQuantileRegressor(confidence_level=0.9, random_state=0).fit(X, y)
    >>> X_new = rng.uniform(0, 2, size=(5000, 1))
    >>> y_new = X_new[:, 0] + (0.2 + X_new[:, 0]) * rng.normal(size=5000)
    >>> bool(0.88 < coverage_score(y_new, model.predict_interval(X_new)) < 0.93)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "confidence_level": [Interval(Real, 0, 1, closed="neither")],
        "calibration_size": [Interval(Real, 0, 1, closed="neither")],
        "symmetric": ["boolean"],
        "cv": ["cv_object"],
        "random_state": ["random_state"],
    }

    def __init__(
        self, estimator=None, *, confidence_level=0.9, calibration_size=0.25, symmetric=True,
        cv=None, random_state=None,
    ):
        self.estimator = estimator
        self.confidence_level = confidence_level
        self.calibration_size = calibration_size
        self.symmetric = symmetric
        self.cv = cv
        self.random_state = random_state

    def _base(self):
        return QuantileRegressor() if self.estimator is None else self.estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the quantile models and calibrate them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, passed to the models and counted as repetitions of the
            calibration scores.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], y_numeric=True)
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if X.shape[0] < 2:
            raise ValueError(
                f"ConformalQuantileRegressor needs at least 2 samples to fit and calibrate; "
                f"got {X.shape[0]} (1 sample)."
            )
        base = self._base()
        median = _with_tau(base, _MEDIAN)
        fit_weight = _fit_weights(weight)
        self.estimator_ = (median.fit(X, y) if fit_weight is None
                           else median.fit(X, y, sample_weight=fit_weight))
        a = 1.0 - float(self.confidence_level)
        if self.cv is None:
            self._fit_split(base, X, y, weight, a)
        else:
            self._fit_cv_plus(base, X, y, weight, a)
        return self

    def _scores(self, lower: np.ndarray, upper: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.symmetric:
            return np.maximum(lower - y, y - upper)
        return np.vstack([lower - y, y - upper])

    def _fit_split(self, base, X, y, weight, a: float) -> None:
        index = np.arange(X.shape[0])
        train, calib = train_test_split(
            index, test_size=self.calibration_size, random_state=self.random_state
        )
        pair = _fit_pair(base, X[train], y[train], _fit_weights(weight[train]), a)
        self.estimators_ = [tuple(pair)]
        lower, upper = (model.predict(X[calib]) for model in pair)
        scores = self._scores(lower, upper, y[calib])
        self.conformity_scores_ = scores
        total = float(weight[calib].sum())
        if self.symmetric:
            rank = conformal_rank(total, 1.0 - a)
            q = _order_statistic(scores, weight[calib], rank)
            self.correction_ = np.array([q, q])
        else:
            rank = conformal_rank(total, 1.0 - a / 2.0)
            self.correction_ = np.array(
                [_order_statistic(s, weight[calib], rank) for s in scores]
            )

    def _fit_cv_plus(self, base, X, y, weight, a: float) -> None:
        if isinstance(self.cv, Integral):
            folds = KFold(n_splits=min(self.cv, X.shape[0]), shuffle=True,
                          random_state=self.random_state)
        else:
            folds = check_cv(self.cv)
        self.estimators_ = []
        fold_of = np.full(X.shape[0], -1, dtype=np.intp)
        lower = np.empty(X.shape[0])
        upper = np.empty(X.shape[0])
        for k, (train, test) in enumerate(folds.split(X, y)):
            if np.any(fold_of[test] >= 0):
                raise ValueError(
                    "CV+ needs test folds that partition the rows; a row is in two test folds. "
                    "Pass an integer cv or a KFold-like splitter."
                )
            pair = _fit_pair(base, X[train], y[train], _fit_weights(weight[train]), a)
            self.estimators_.append(tuple(pair))
            fold_of[test] = k
            lower[test], upper[test] = (model.predict(X[test]) for model in pair)
        if np.any(fold_of < 0):
            raise ValueError(
                "CV+ needs test folds that partition the rows; some rows are in no test fold. "
                "Pass an integer cv or a KFold-like splitter."
            )
        self.conformity_scores_ = self._scores(lower, upper, y)
        self._fold_of = fold_of
        self._weight = weight
        self.correction_ = np.full(2, np.nan)

    def predict(self, X):
        """Predict the conditional median.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            The predicted conditional median of each sample.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        return self.estimator_.predict(X)

    def predict_interval(self, X):
        """Predict intervals that cover with probability at least ``confidence_level``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            ``[lower, upper]`` per row (``-inf``/``inf`` when the calibration set is too small
            for the guarantee).
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        if self.cv is not None:
            return self._cv_plus_interval(X)
        low_model, high_model = self.estimators_[0]
        low_pred, high_pred = low_model.predict(X), high_model.predict(X)
        return _outward(low_pred - self.correction_[0], high_pred + self.correction_[1],
                        low_pred, high_pred)

    def _cv_plus_interval(self, X) -> np.ndarray:
        a = 1.0 - float(self.confidence_level)
        scores = self.conformity_scores_
        low_scores, high_scores = (scores, scores) if self.symmetric else scores
        level = (1.0 - a) if self.symmetric else (1.0 - a / 2.0)
        total = float(self._weight.sum())
        rank = conformal_rank(total, level)
        # Lower end: the floor(a (n+1))-th smallest of q_lo(x) - E_i is minus the
        # ceil((1-a)(n+1))-th smallest of E_i - q_lo(x), for the weighted counts used here.
        out = np.empty((X.shape[0], 2))
        candidates_low = np.empty((X.shape[0], low_scores.size))
        candidates_high = np.empty((X.shape[0], high_scores.size))
        largest = np.zeros((X.shape[0], 2))  # the predictions' magnitudes, for the rounding
        for k, (low_model, high_model) in enumerate(self.estimators_):
            rows = self._fold_of == k
            low_pred, high_pred = low_model.predict(X), high_model.predict(X)
            candidates_low[:, rows] = low_scores[rows] - low_pred[:, None]
            candidates_high[:, rows] = high_pred[:, None] + high_scores[rows]
            largest = np.maximum(largest, np.abs(np.column_stack([low_pred, high_pred])))
        if np.all(self._weight == 1.0):
            # Unit weights: the rank-th smallest of each row, by a partial sort.
            position = int(rank) - 1
            if position >= low_scores.size:
                out[:, 0], out[:, 1] = -math.inf, math.inf
            else:
                out[:, 0] = -np.partition(candidates_low, position, axis=1)[:, position]
                out[:, 1] = np.partition(candidates_high, position, axis=1)[:, position]
        else:
            for i in range(X.shape[0]):
                out[i, 0] = -_order_statistic(candidates_low[i], self._weight, rank)
                out[i, 1] = _order_statistic(candidates_high[i], self._weight, rank)
        return _outward(out[:, 0], out[:, 1], largest[:, 0], largest[:, 1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self._base()).input_tags.sparse
        return tags
