"""sklearn-lad: least absolute deviations and quantile regression for scikit-learn.

Estimators minimise one objective (``sklearn_lad._objective``) with interchangeable exact
backends (``sklearn_lad.solvers``).
"""

from ._alpha_max import alpha_max
from ._conformal import ConformalQuantileRegressor
from ._cv import LADLassoCV, QuantileLassoCV
from ._estimators import LADLasso, LADRegressor, QuantileLasso, QuantileRegressor
from ._multi_quantile import QuantileProcessRegressor
from ._objective import quantile_objective
from ._path import quantile_path
from .losses import neg_pinball_loss_at_own_tau, pinball_loss
from .solvers import available_solvers, registered_solvers

__version__ = "0.1.0"

__all__ = [
    "ConformalQuantileRegressor",
    "LADLasso",
    "LADLassoCV",
    "LADRegressor",
    "QuantileLasso",
    "QuantileLassoCV",
    "QuantileProcessRegressor",
    "QuantileRegressor",
    "alpha_max",
    "available_solvers",
    "neg_pinball_loss_at_own_tau",
    "pinball_loss",
    "quantile_objective",
    "quantile_path",
    "registered_solvers",
]
