"""``summary``: coefficient table of a fitted quantile regression (R's ``summary.rq``).

Methods (``se=``):

- ``"iid"``, ``"nid"``, ``"ker"``: asymptotic covariances (``_sparsity``); t-statistics
  ``coef / std_err`` with two-sided p-values from ``t(n - p)`` and intervals
  ``coef +- t_{1 - a/2}(n - p) std_err``, as R.
- ``"boot"``: bootstrap covariance (``_bootstrap``); the same t-based table.
- ``"rank"``: intervals from inverting the regression rank-score test (``_rank``). The
  intervals are not of the form ``coef +- z std_err`` (they are asymmetric, and come from a
  test, not from a variance), so ``std_err``, ``t_value`` and ``p_value`` are NaN: inventing a
  standard error from the interval's width would pretend a symmetry the method does not assume.

Default method as in R: ``"rank"`` when ``n < 1001``, ``"nid"`` otherwise. Default level: 0.90
for ``"rank"`` (R's ``alpha = 0.1``), 0.95 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._common import fit_data, t_p_values
from ._sparsity import iid_covariance, ker_covariance, nid_covariance

_METHODS = ("iid", "nid", "ker", "boot", "rank")
# R's summary.rq switches from rank inversion to the nid sandwich at this sample size.
_RANK_MAX_N = 1000


@dataclass(frozen=True)
class InferenceSummary:
    """Coefficient table returned by :func:`summary` (its fields are its attributes).

    Parameters
    ----------
    names : list of str
        ``"(Intercept)"`` first when fitted, then the feature names.
    coef : ndarray of shape (p,)
        The estimates.
    std_err : ndarray of shape (p,)
        Standard errors (NaN for ``se="rank"``).
    conf_int : ndarray of shape (p, 2)
        Lower and upper confidence bounds at ``level``.
    t_value : ndarray of shape (p,)
        ``coef / std_err`` (NaN for ``se="rank"``).
    p_value : ndarray of shape (p,)
        Two-sided ``t(df)`` p-value of ``t_value`` (NaN for ``se="rank"``).
    se : str
        The method.
    tau : float
        The quantile level of the fit.
    level : float
        The confidence level of ``conf_int``.
    n : int
        Number of observations (rows with positive weight).
    df : int
        Residual degrees of freedom ``n - p``.
    covariance : ndarray of shape (p, p) or None
        The estimated covariance (None for ``se="rank"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileRegressor
    >>> from sklearn_lad.inference import summary
    >>> X = np.arange(40.0).reshape(-1, 1)
    >>> y = 2 * X[:, 0] + np.sin(X[:, 0])
    >>> s = summary(QuantileRegressor().fit(X, y), X, y, se="iid")
    >>> s.df, s.to_frame().shape
    (38, (2, 6))
    """

    names: list
    coef: np.ndarray
    std_err: np.ndarray
    conf_int: np.ndarray
    t_value: np.ndarray
    p_value: np.ndarray
    se: str
    tau: float
    level: float
    n: int
    df: int
    covariance: np.ndarray | None = None

    def to_frame(self):
        """The table as a pandas DataFrame (needs pandas), one row per coefficient.

        Returns
        -------
        pandas.DataFrame
            Columns ``coef``, ``std_err``, the interval bounds, ``t_value`` and ``p_value``,
            indexed by the coefficient names.
        """
        import pandas as pd

        pct = f"{100 * self.level:g}%"
        return pd.DataFrame(
            {
                "coef": self.coef, "std_err": self.std_err,
                f"lower {pct}": self.conf_int[:, 0], f"upper {pct}": self.conf_int[:, 1],
                "t_value": self.t_value, "p_value": self.p_value,
            },
            index=pd.Index(self.names, name="term"),
        )

    def __str__(self) -> str:
        pct = f"{100 * self.level:g}%"
        if self.se == "rank":
            header = ["Value", f"lower {pct}", f"upper {pct}"]
            rows = [[c, lo, hi] for c, (lo, hi) in zip(self.coef, self.conf_int)]
        else:
            header = ["Value", "Std. Error", "t value", "Pr(>|t|)", f"lower {pct}",
                      f"upper {pct}"]
            rows = [[c, s, t, p, lo, hi] for c, s, t, p, (lo, hi) in zip(
                self.coef, self.std_err, self.t_value, self.p_value, self.conf_int)]
        width = max(len(n) for n in self.names)
        cells = [[f"{v:.5f}" if abs(v) < 1e6 else f"{v:.5g}" for v in row] for row in rows]
        col = [max(len(h), *(len(r[k]) for r in cells)) for k, h in enumerate(header)]
        lines = [
            f"Quantile regression: tau = {self.tau:g}, n = {self.n}, df = {self.df}",
            f"Standard errors / intervals: se = {self.se!r}, level = {self.level:g}",
            "",
            " " * width + "  " + "  ".join(h.rjust(c) for h, c in zip(header, col)),
        ]
        for name, row in zip(self.names, cells):
            lines.append(name.ljust(width) + "  " + "  ".join(v.rjust(c) for v, c in zip(row, col)))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"InferenceSummary(se={self.se!r}, tau={self.tau:g}, n={self.n}, df={self.df})"


def summary(estimator, X, y, sample_weight=None, *, se: str | None = None,
            level: float | None = None, hs: bool = True, iid: bool = True,
            n_boot: int = 200, boot_method: str = "xy", random_state=None,
            n_jobs: int | None = None) -> InferenceSummary:
    """Standard errors, confidence intervals and tests for a fitted quantile regression.

    Parameters
    ----------
    estimator : fitted QuantileRegressor or LADRegressor
        An unpenalised fit (``alpha = 0``); after the lasso standard inference is not valid.
    X : array-like of shape (n_samples, n_features)
        The data ``estimator`` was fitted on (checked: shapes and the fit's objective).
    y : array-like of shape (n_samples,)
        The response ``estimator`` was fitted on.
    sample_weight : array-like of shape (n_samples,), default=None
        The weights of the fit. Rows are scaled by their weight, as R's ``summary.rq`` does
        for ``rq(..., weights = w)``.
    se : {"rank", "iid", "nid", "ker", "boot"}, default=None
        ``None`` picks R's default: ``"rank"`` for ``n < 1001``, ``"nid"`` otherwise.
    level : float, default=None
        Confidence level; ``None`` is 0.90 for ``"rank"`` (R's default) and 0.95 otherwise.
    hs : bool, default=True
        Hall-Sheather bandwidth (``False``: Bofinger) for ``iid``, ``nid``, ``ker`` and the
        local densities of ``rank`` with ``iid=False``.
    iid : bool, default=True
        ``se="rank"`` only: ``True`` assumes iid errors in the rank test, ``False`` uses the
        local (nid) densities.
    n_boot : int, default=200
        ``se="boot"``: number of bootstrap replications.
    boot_method : {"xy", "wild", "pwy"}, default="xy"
        ``se="boot"``: xy-pairs, wild (Feng, He and Hu 2011) or Parzen-Wei-Ying.
    random_state : int, RandomState or Generator, default=None
        ``se="boot"``: seed.
    n_jobs : int, default=None
        ``se="boot"``: joblib workers.

    Returns
    -------
    InferenceSummary
        ``names, coef, std_err, conf_int, t_value, p_value`` and the settings.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileRegressor
    >>> from sklearn_lad.inference import summary
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = 1 + X @ [2.0, -1.0] + rng.standard_t(3, size=200)
    >>> est = QuantileRegressor(tau=0.5).fit(X, y)
    >>> s = summary(est, X, y, se="nid")
    >>> s.names
    ['(Intercept)', 'x0', 'x1']
    >>> s.conf_int.shape
    (3, 2)
    """
    fd = fit_data(estimator, X, y, sample_weight)
    if se is None:
        se = "rank" if fd.n <= _RANK_MAX_N else "nid"
    if se not in _METHODS:
        raise ValueError(f"se must be one of {_METHODS}; got {se!r}.")
    if level is None:
        level = 0.90 if se == "rank" else 0.95
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level!r}.")
    df = fd.n - fd.p
    if se == "rank":
        from ._rank import rank_intervals

        conf_int = rank_intervals(fd, level=level, iid=iid, hs=hs)
        nan = np.full(fd.p, np.nan)
        return InferenceSummary(fd.names, fd.beta.copy(), nan, conf_int, nan.copy(), nan.copy(),
                                se, fd.tau, float(level), fd.n, df, None)
    if se == "boot":
        from ._bootstrap import bootstrap_covariance

        cov = bootstrap_covariance(fd, n_boot=n_boot, method=boot_method,
                                   random_state=random_state, n_jobs=n_jobs)
    else:
        cov = {"iid": iid_covariance, "nid": nid_covariance, "ker": ker_covariance}[se](fd, hs=hs)
    std_err = np.sqrt(np.diag(cov))
    t_value, p_value = t_p_values(fd.beta, std_err, df)
    half = stats.t.ppf(0.5 + level / 2.0, df) * std_err
    conf_int = np.column_stack([fd.beta - half, fd.beta + half])
    return InferenceSummary(fd.names, fd.beta.copy(), std_err, conf_int, t_value, p_value, se,
                            fd.tau, float(level), fd.n, df, cov)
