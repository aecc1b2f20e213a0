"""Check the R quantreg reference fixtures in tests/data/ against an LP solve.

For every record in ``tests/data/r_rq_br.json`` and ``tests/data/r_rq_lasso.json``
the objective

    (1/sum(w)) * sum_i w_i * rho_tau(y_i - b0 - x_i.b) + alpha * sum_j |b_j|

is minimised with ``scipy.optimize.linprog(method="highs")`` and compared to the
objective recorded from R (and to the objective re-evaluated in numpy at R's
coefficients).  Run from the repository root::

    python tools/check_r_reference.py
"""
import json
import os
import sys

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")


def objective(X, y, tau, intercept, coef, alpha=0.0, sample_weight=None):
    """Our scaling: weighted mean check loss plus alpha * L1 norm (no intercept)."""
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    r = y - intercept - X @ np.asarray(coef, float)
    loss = np.where(r >= 0, tau * r, (tau - 1.0) * r)
    return float(np.dot(w, loss) / w.sum() + alpha * np.abs(coef).sum())


def solve_lp(X, y, tau, alpha=0.0, sample_weight=None):
    """Solve the quantile / L1-penalised quantile regression LP with HiGHS.

    Variables: [b0, b_plus (p), b_minus (p), u (n), v (n)], with
    b0 + X (b_plus - b_minus) + u - v = y, and b_plus, b_minus, u, v >= 0.
    Returns (intercept, coef, objective re-evaluated in numpy).
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    n, p = X.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    sw = w.sum()
    c = np.concatenate([
        [0.0],
        np.full(p, alpha),
        np.full(p, alpha),
        tau * w / sw,
        (1.0 - tau) * w / sw,
    ])
    eye = sparse.identity(n, format="csr")
    A_eq = sparse.hstack([
        sparse.csr_matrix(np.ones((n, 1))),
        sparse.csr_matrix(X),
        sparse.csr_matrix(-X),
        eye,
        -eye,
    ], format="csr")
    bounds = [(None, None)] + [(0, None)] * (2 * p + 2 * n)
    res = linprog(c, A_eq=A_eq, b_eq=y, bounds=bounds, method="highs",
                  options={"primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        raise RuntimeError(res.message)
    b0 = res.x[0]
    b = res.x[1:1 + p] - res.x[1 + p:1 + 2 * p]
    return b0, b, objective(X, y, tau, b0, b, alpha, w)


def load_csv(name):
    with open(os.path.join(DATA_DIR, name + ".csv")) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(os.path.join(DATA_DIR, name + ".csv"), delimiter=",", skiprows=1)
    assert header[-1].strip('"') == "y", header
    return data[:, :-1], data[:, -1]


def check_file(fname, rtol=1e-9):
    path = os.path.join(DATA_DIR, fname)
    with open(path) as f:
        records = json.load(f)
    cache = {}
    worst_rel = 0.0
    worst_recomp = 0.0
    n_fail = 0
    for rec in records:
        ds = rec["dataset"]
        if ds not in cache:
            cache[ds] = load_csv(ds)
        X, y = cache[ds]
        tau = rec["tau"]
        alpha = rec.get("alpha", 0.0)
        coef = np.atleast_1d(np.asarray(rec["coef"], float))
        _, _, lp_obj = solve_lp(X, y, tau, alpha)
        r_obj = rec["objective"]
        recomputed = objective(X, y, tau, rec["intercept"], coef, alpha)
        rel = (r_obj - lp_obj) / max(abs(lp_obj), 1e-300)
        if "objective_vertex" in rec:
            # exact simplex (rq.fit.br on an augmented design) solution
            vrel = (rec["objective_vertex"] - lp_obj) / max(abs(lp_obj), 1e-300)
            rel = max(rel, vrel, key=abs)
        recomp_rel = abs(recomputed - r_obj) / max(abs(r_obj), 1e-300)
        worst_rel = max(worst_rel, abs(rel))
        worst_recomp = max(worst_recomp, recomp_rel)
        bad = abs(rel) > rtol
        n_fail += bad
        if bad or "-v" in sys.argv:
            flag = "  <-- MISMATCH" if bad else ""
            print(f"  {ds:<10s} tau={tau:<5g} alpha={alpha:<12.6g} R={r_obj:.17g} "
                  f"LP={lp_obj:.17g} rel={rel:.3g}{flag}")
    print(f"{fname}: {len(records)} records, max |rel diff R vs LP| = {worst_rel:.3g}, "
          f"max |rel diff R objective vs numpy recomputation| = {worst_recomp:.3g}, "
          f"{n_fail} above {rtol:g}")
    return n_fail


if __name__ == "__main__":
    fails = 0
    for fname in ("r_rq_br.json", "r_rq_lasso.json"):
        if os.path.exists(os.path.join(DATA_DIR, fname)):
            fails += check_file(fname)
    sys.exit(1 if fails else 0)
