"""Shared loaders for the R quantreg inference fixtures (tests/data/r_inference.json)."""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_lad import QuantileRegressor

DATA = Path(__file__).parent / "data"


@cache
def fixtures() -> dict:
    return json.loads((DATA / "r_inference.json").read_text())


@cache
def dataset(name: str):
    frame = pd.read_csv(DATA / f"{name}.csv")
    return frame.drop(columns="y").to_numpy(), frame["y"].to_numpy()


def weights_for(record, n: int):
    # The weights tools/make_r_inference.R uses on its weighted cases.
    return np.resize([1.0, 2.0, 3.0], n) if record["weighted"] else None


@cache
def fitted(name: str, tau: float, weighted: bool) -> QuantileRegressor:
    X, y = dataset(name)
    w = np.resize([1.0, 2.0, 3.0], len(y)) if weighted else None
    return QuantileRegressor(tau=tau).fit(X, y, sample_weight=w)


def records(se: str):
    return [r for r in fixtures()["summary"] if r["se"] == se]


def record_id(r) -> str:
    extra = "" if r["se"] != "rank" else f"-a{r['alpha']}-iid{r['iid']}"
    return f"{r['dataset']}-{r['tau']}-{r['se']}-hs{r['hs']}-w{r['weighted']}{extra}"


def close_to_r(mine, theirs, rtol=5e-5, atol=1e-12):
    """4 significant digits: relative difference below 5e-5 (p-values near 0: absolute)."""
    mine, theirs = np.asarray(mine, float), np.asarray(theirs, float)
    return np.allclose(mine, theirs, rtol=rtol, atol=atol)
