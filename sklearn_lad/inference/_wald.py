"""Joint Wald test of equal slopes across quantiles (R's ``anova.rq`` on several taus).

For fits at ``tau_1 < ... < tau_m`` the stacked estimates are jointly asymptotically normal
with covariance blocks ``(min(tau_i, tau_j) - tau_i tau_j) H_i^{-1} J H_j^{-1}``, ``J = X'X``
and ``H_i = X' F_i X`` the density-weighted design at ``tau_i`` (Koenker 2005, 3.7). The
hypothesis ``slope(tau_1) = ... = slope(tau_m)`` is ``q (m - 1)`` linear restrictions
``D b = 0`` (differences of consecutive slope vectors); the statistic
``(D b)' (D V D')^{-1} (D b) / ndf`` is referred to ``F(ndf, n m - ndf)``, as R does.

References
----------
Koenker, R. and Bassett, G. (1982). Tests of linear hypotheses and l1 estimation.
Econometrica 50, 1577-1584.
Koenker, R. (2005). Quantile Regression, section 3.7. Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, stats

from ._common import fit_data
from ._sparsity import bread, iid_sparsity, ker_density, nid_density


@dataclass(frozen=True)
class WaldTestResult:
    """Result of :func:`wald_test` (its fields are its attributes).

    Parameters
    ----------
    statistic : float
        The F statistic (Wald statistic divided by its numerator degrees of freedom).
    df : tuple of int
        ``(ndf, ddf)``: numerator and denominator degrees of freedom.
    p_value : float
        ``P(F(ndf, ddf) > statistic)``.
    taus : tuple of float
        The quantile levels compared.

    Examples
    --------
    >>> from sklearn_lad.inference import WaldTestResult
    >>> print(WaldTestResult(2.5, (2, 597), 0.083, (0.25, 0.5, 0.75)))
    Joint Wald test of equality of slopes: tau in {0.25 0.5 0.75}
      F = 2.5 on 2 and 597 df, p-value = 0.083
    """

    statistic: float
    df: tuple
    p_value: float
    taus: tuple

    def __str__(self) -> str:
        taus = " ".join(f"{t:g}" for t in self.taus)
        return (
            f"Joint Wald test of equality of slopes: tau in {{{taus}}}\n"
            f"  F = {self.statistic:.6g} on {self.df[0]} and {self.df[1]} df, "
            f"p-value = {self.p_value:.4g}"
        )


def _bread(fd, se: str, hs: bool) -> np.ndarray:
    if se == "nid":
        return bread(fd.design, nid_density(fd, hs=hs))
    if se == "ker":
        return bread(fd.design, ker_density(fd, hs=hs))
    if se == "iid":
        return iid_sparsity(fd, hs=hs) * linalg.pinvh(fd.design.T @ fd.design)
    raise ValueError(f"se must be 'nid', 'ker' or 'iid' for wald_test; got {se!r}.")


def wald_test(estimators, X, y, sample_weight=None, *, se: str = "nid",
              hs: bool = True) -> WaldTestResult:
    """Test that the slopes are equal across several quantile fits (R's ``anova.rq``).

    Parameters
    ----------
    estimators : list of fitted QuantileRegressor
        Two or more unpenalised fits of the same model on the same data at different ``tau``.
    X : array-like of shape (n_samples, n_features)
        The data every estimator was fitted on.
    y : array-like of shape (n_samples,)
        The response every estimator was fitted on.
    sample_weight : array-like of shape (n_samples,), default=None
        The weights of the fits.
    se : {"nid", "ker", "iid"}, default="nid"
        How the density matrices ``H_i`` are estimated (R's default is ``"nid"``).
    hs : bool, default=True
        Hall-Sheather (``True``) or Bofinger (``False``) bandwidth.

    Returns
    -------
    WaldTestResult
        ``statistic``, ``df = (ndf, ddf)`` and ``p_value``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad import QuantileRegressor
    >>> from sklearn_lad.inference import wald_test
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 2, size=(300, 1))
    >>> y = 1 + X[:, 0] + (0.5 + X[:, 0]) * rng.standard_normal(300)
    >>> fits = [QuantileRegressor(tau=t).fit(X, y) for t in (0.25, 0.5, 0.75)]
    >>> result = wald_test(fits, X, y)
    >>> result.df
    (2, 898)
    """
    if len(estimators) < 2:
        raise ValueError("wald_test needs at least two fitted estimators at different tau.")
    data = [fit_data(est, X, y, sample_weight) for est in estimators]
    taus = np.array([fd.tau for fd in data])
    if len(np.unique(taus)) != len(taus):
        raise ValueError(f"the estimators must have different tau; got {taus.tolist()}.")
    names = data[0].names
    if any(fd.names != names for fd in data):
        raise ValueError("the estimators must fit the same model (same features, intercept).")
    m, n, p = len(data), data[0].n, data[0].p
    slopes = np.array([j for j, name in enumerate(names) if name != "(Intercept)"])
    if slopes.size == 0:
        raise ValueError("there are no slopes to compare: the model has only an intercept.")
    q = slopes.size
    breads = [_bread(fd, se, hs) for fd in data]
    gram = data[0].design.T @ data[0].design
    cov = np.empty((m * p, m * p))
    for i in range(m):
        for j in range(i, m):
            block = (min(taus[i], taus[j]) - taus[i] * taus[j]) * breads[i] @ gram @ breads[j]
            cov[i * p:(i + 1) * p, j * p:(j + 1) * p] = block
            cov[j * p:(j + 1) * p, i * p:(i + 1) * p] = block.T
    # D: consecutive differences of the slope vectors.
    restrictions = np.zeros(((m - 1) * q, m * p))
    for k in range(m - 1):
        rows = k * q + np.arange(q)
        restrictions[rows, k * p + slopes] = 1.0
        restrictions[rows, (k + 1) * p + slopes] = -1.0
    stacked = np.concatenate([fd.beta for fd in data])
    diff = restrictions @ stacked
    middle = restrictions @ cov @ restrictions.T
    ndf = (m - 1) * q
    statistic = float(diff @ linalg.solve(middle, diff, assume_a="sym")) / ndf
    ddf = n * m - ndf
    p_value = float(stats.f.sf(statistic, ndf, ddf))
    return WaldTestResult(statistic, (int(ndf), int(ddf)), p_value, tuple(taus.tolist()))
