"""Inference for quantile regression: standard errors, confidence intervals and tests.

:func:`summary` gives R's ``summary.rq`` table (methods ``"iid"``, ``"nid"``, ``"ker"``,
``"boot"``, ``"rank"``) for an unpenalised fit and the data it was fitted on;
:func:`wald_test` tests equality of slopes across quantiles (R's ``anova.rq``). See
``docs/inference.md``.
"""

from ._common import bandwidth
from ._summary import InferenceSummary, summary
from ._wald import WaldTestResult, wald_test

__all__ = ["InferenceSummary", "WaldTestResult", "bandwidth", "summary", "wald_test"]
