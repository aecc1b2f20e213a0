"""The Engel food-expenditure data (235 Belgian working-class households, 1857)."""

from __future__ import annotations

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

_DESCR = """\
Engel food-expenditure data
---------------------------

235 Belgian working-class households surveyed by Ducpetiaux (1855) and Le Play (1855) and
analysed by Ernst Engel (1857): annual household income and annual food expenditure, both in
Belgian francs. The copy is R quantreg's ``data(engel)``.

- target: ``foodexp``, food expenditure
- feature: ``income``, household income

Koenker and Bassett (1982) used it to show that the conditional quantiles of food expenditure
spread out as income grows (heteroscedasticity), so a single least-squares line misses most of
the story. Koenker, R. (2005). Quantile Regression. Cambridge University Press, section 1.2.
"""


def load_engel(*, return_X_y: bool = False, as_frame: bool = False):
    """Load the Engel food-expenditure data (235 households, one feature).

    The data of Koenker and Bassett's quantile-regression examples and of R quantreg's
    ``data(engel)``: household ``income`` (the feature) and food expenditure ``foodexp`` (the
    target), both in Belgian francs. It is shipped with the package, so no download happens.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(X, y)`` instead of a :class:`~sklearn.utils.Bunch`.
    as_frame : bool, default=False
        If True, ``X`` is a pandas DataFrame with the column ``income`` and ``y`` a Series
        named ``foodexp``, and the Bunch also holds the whole table as ``frame``. Needs pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch` or tuple of (X, y)
        With ``return_X_y=False``, a Bunch with ``data`` (235 x 1), ``target`` (235,),
        ``feature_names`` (``["income"]``), ``target_names`` (``["foodexp"]``), ``frame``
        (a DataFrame when ``as_frame=True``, else None) and ``DESCR``. With
        ``return_X_y=True``, the pair ``(data, target)``.

    See Also
    --------
    sklearn_lad.QuantileRegressor : Fit a conditional quantile of ``foodexp`` on ``income``.

    Examples
    --------
    >>> from sklearn_lad import QuantileRegressor
    >>> from sklearn_lad.datasets import load_engel
    >>> X, y = load_engel(return_X_y=True)
    >>> X.shape, y.shape
    ((235, 1), (235,))
    >>> model = QuantileRegressor(tau=0.5).fit(X, y)
    >>> round(float(model.intercept_), 4), round(float(model.coef_[0]), 6)
    (81.4822, 0.560181)
    """
    # Read through importlib.resources so the file is found in wheels and zipped installs too.
    source = resources.files(__package__).joinpath("data", "engel.csv")
    with source.open("r", encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
        table = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
    feature_names, target_names = header[:1], header[1:]
    X, y = table[:, :1], table[:, 1]
    frame = None
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in every extra that needs it
            raise ImportError(
                "load_engel(as_frame=True) needs pandas: pip install pandas, or use "
                "as_frame=False for numpy arrays."
            ) from exc
        frame = pd.DataFrame(table, columns=header)
        X, y = frame[feature_names], frame[target_names[0]]
    if return_X_y:
        return X, y
    return Bunch(
        data=X, target=y, frame=frame, feature_names=feature_names,
        target_names=target_names, DESCR=_DESCR,
    )
