"""Small real data sets shipped with sklearn-lad, loaded without a download.

``load_engel`` returns Engel's (1857) Belgian household food-expenditure data, the data set of
Koenker and Bassett (1982) and of R quantreg's ``data(engel)``: the classic example where the
spread of the response grows with the covariate, so the quantiles fan out.

References
----------
Koenker, R. and Bassett, G. (1982). Robust tests for heteroscedasticity based on regression
quantiles. Econometrica 50(1), 43-61.
Koenker, R. (2005). Quantile Regression. Cambridge University Press, section 1.2.
"""

from ._engel import load_engel

__all__ = ["load_engel"]
