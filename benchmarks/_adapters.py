"""One adapter per library: each fits the same data and reports (seconds, objective).

Objectives are recomputed here from the returned coefficients with sklearn-lad's objective, so
rows are comparable whatever each library reports about itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings

import numpy as np

from sklearn_lad import QuantileLasso, QuantileRegressor
from sklearn_lad._objective import quantile_objective

HERE = os.path.dirname(os.path.abspath(__file__))


def make_data(n: int, p: int, seed: int = 0):
    """X standard normal, ``y = X @ 1 + t(3)`` noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X @ np.ones(p) + rng.standard_t(3, size=n)


def _best_time(fit, repeats: int):
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fit()
        best = min(best, time.perf_counter() - start)
    return best, out


def sklearn_lad(solver: str):
    def run(X, y, tau, alpha, repeats):
        model = (
            QuantileLasso(tau=tau, alpha=alpha, solver=solver)
            if alpha > 0 else QuantileRegressor(tau=tau, solver=solver)
        )
        seconds, fitted = _best_time(lambda: model.fit(X, y), repeats)
        return seconds, quantile_objective(X, y, fitted.coef_, fitted.intercept_, tau, alpha)

    run.label = f"sklearn-lad {solver}"
    return run


def sklearn_highs(X, y, tau, alpha, repeats):
    from sklearn.linear_model import QuantileRegressor as SkQR

    model = SkQR(quantile=tau, alpha=alpha, solver="highs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, fitted = _best_time(lambda: model.fit(X, y), repeats)
    return seconds, quantile_objective(X, y, fitted.coef_, fitted.intercept_, tau, alpha)


sklearn_highs.label = "scikit-learn highs"


def statsmodels_quantreg(X, y, tau, alpha, repeats):
    if alpha > 0:
        return None
    try:
        import statsmodels.api as sm
    except ImportError:
        return None
    design = sm.add_constant(X, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, fitted = _best_time(lambda: sm.QuantReg(y, design).fit(q=tau), repeats)
    params = np.asarray(fitted.params)
    return seconds, quantile_objective(X, y, params[1:], params[0], tau, alpha)


statsmodels_quantreg.label = "statsmodels QuantReg"


def r_quantreg(method: str):
    """R quantreg through Rscript; the time is measured inside R (no start-up, no I/O)."""

    def run(X, y, tau, alpha, repeats):
        if shutil.which("Rscript") is None:
            return None
        if (alpha > 0) != (method == "lasso"):
            return None
        n, p = X.shape
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "data.bin")
            np.concatenate([[n, p], X.ravel(order="F"), y]).astype("<f8").tofile(path)
            args = ["Rscript", os.path.join(HERE, "rq_time.R"), path, repr(tau), method,
                    str(repeats)]
            if method == "lasso":
                # rq.fit.lasso minimises sum rho + (lambda / 2) sum |b| (see rq_time.R).
                args.append(repr(2.0 * n * alpha))
            proc = subprocess.run(args, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return None
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        coef = np.asarray(out["coef"], dtype=float)
        return out["seconds"], quantile_objective(X, y, coef, out["intercept"], tau, alpha)

    run.label = f"R quantreg {method}"
    return run
