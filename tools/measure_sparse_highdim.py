"""Is an exact, certified fit of issue 10's sparse shape in 10 s possible? The measurements.

Issue 10 asks for ``QuantileLasso(alpha=alpha_max/5)`` on ``make_data(20000, 100000, 1e-3)`` of
``benchmarks/bench_highdim.py`` (standard-normal non-zeros, about 20 per column and 100 per row,
5 true coefficients of 1, t(3) noise, tau = 0.5) in under 10 s, certified. This script measures
what any exact (vertex) solver has to do there. Every part writes one JSON line per measurement to
``--out`` (appended) and prints it:

``highs``
    HiGHS alone on the penalised LP (``scipy.optimize.linprog``, sparse matrices, ``--method``
    ``highs-ipm`` or ``highs-ds``, ``--time-limit``): status, seconds, objective (scikit-learn's
    scaling), support. At the full shape this is the long pole: run it in the background first::

        nice -n 10 python tools/measure_sparse_highdim.py highs --n 20000 --method highs-ipm

``scaling``
    The exact optimum (``QuantileLasso``, certified) at ``n`` in ``--ns`` with ``p = 5 n`` and
    the density ``20 / n`` (the issue's non-zeros per row and column): its support, and the sparse
    LU (``scipy.sparse.linalg.splu``, COLAMD) of its optimal basis: the square matrix
    ``[1, X_E]`` restricted to the interpolated rows ``Z`` (the rows of the full LP basis
    ``[1, X_E, +-I_N]`` that the slack columns do not eliminate). Reports the fill
    ``nnz(L + U) / |Z|^2`` and the factorisation's flop count ``sum_k (2 l_k u_k + l_k)`` from the
    factors' patterns, our fit's time, and a power law of each against ``n`` extrapolated to
    ``n = 20,000``::

        python tools/measure_sparse_highdim.py scaling --ns 1000,2000,4000

``ours``
    ``QuantileLasso`` on the full shape at ``alpha_max / --divisors`` (default 2 and 1.5):
    seconds (wall and CPU), certified, support, objective::

        python tools/measure_sparse_highdim.py ours --divisors 2,1.5

``summary``
    The power-law fits of the ``scaling`` lines in ``--out`` (no new measurement).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.linalg import splu

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks"))

from bench_highdim import make_data  # noqa: E402

from sklearn_lad import QuantileLasso, alpha_max  # noqa: E402
from sklearn_lad._objective import quantile_objective  # noqa: E402

TAU = 0.5
FULL_N, FULL_P, FULL_DENSITY = 20_000, 100_000, 1e-3


def issue_data(n: int):
    """The issue's generator at ``n`` rows, ``p = 5 n``, 20 non-zeros per column on average."""
    if n == FULL_N:
        return make_data(FULL_N, FULL_P, FULL_DENSITY)
    return make_data(n, 5 * n, 20.0 / n)


def record(out: str, **fields) -> dict:
    """Print ``fields`` as one JSON line and append it to ``out``."""
    line = json.dumps(fields, default=float)
    print(line, flush=True)
    with open(out, "a") as fh:
        fh.write(line + "\n")
    return fields


def penalised_lp(X, y, alpha: float, tau: float = TAU):
    """The quantile lasso as a standard-form LP, times ``n`` (sparse ``A_eq``).

    Variables ``[b+ (p), b- (p), b0 (free), u (n), v (n)]``, ``X (b+ - b-) + b0 + u - v = y``,
    cost ``n alpha 1'(b+ + b-) + tau 1'u + (1 - tau) 1'v`` (scikit-learn's objective times n).
    """
    n, p = X.shape
    X = sp.csc_matrix(X)
    eye = sp.identity(n, format="csc")
    A = sp.hstack([X, -X, sp.csc_matrix(np.ones((n, 1))), eye, -eye], format="csc")
    c = np.concatenate([np.full(2 * p, n * alpha), [0.0], np.full(n, tau), np.full(n, 1 - tau)])
    bounds = [(0, None)] * (2 * p) + [(None, None)] + [(0, None)] * (2 * n)
    return c, A, bounds


def part_highs(args) -> None:
    X, y = issue_data(args.n)
    n, p = X.shape
    alpha = alpha_max(X, y, TAU) / args.divisor
    c, A, bounds = penalised_lp(X, y, alpha)
    start, cpu = time.perf_counter(), time.process_time()
    res = linprog(c, A_eq=A, b_eq=y, bounds=bounds, method=args.method,
                  options={"time_limit": float(args.time_limit), "disp": args.disp})
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    fields = dict(part="highs", method=args.method, n=n, p=p, nnz=X.nnz, divisor=args.divisor,
                  alpha=alpha, status=int(res.status), message=str(res.message), wall_s=wall,
                  cpu_s=cpu, time_limit=args.time_limit, nit=int(getattr(res, "nit", -1)))
    if res.x is not None and res.status == 0:
        coef = res.x[:p] - res.x[p:2 * p]
        fields.update(objective=quantile_objective(X, y, coef, res.x[2 * p], TAU, alpha),
                      support=int(np.sum(np.abs(coef) > 1e-9)))
    record(args.out, **fields)


def basis_lu(X, y, coef, intercept) -> dict:
    """Fill and flop count of the LU of the optimal vertex's basis (see the module docstring)."""
    resid = y - X @ coef - intercept
    scale = max(1.0, float(np.max(np.abs(y))))
    Z = np.flatnonzero(np.abs(resid) <= 1e-9 * scale)
    E = np.flatnonzero(coef)
    B = sp.hstack([sp.csc_matrix(np.ones((Z.size, 1))), sp.csc_matrix(X)[Z][:, E]], format="csc")
    out = dict(rows_Z=int(Z.size), cols=int(B.shape[1]), basis_nnz=int(B.nnz))
    if B.shape[0] != B.shape[1]:
        return out  # a degenerate vertex: the basis holds further slacks; not measured
    start = time.process_time()
    lu = splu(B, permc_spec="COLAMD")
    lu_cpu = time.process_time() - start
    L, U = lu.L.tocsc(), lu.U.tocsr()
    l_k = np.diff(L.indptr) - 1  # below-diagonal entries per column (unit diagonal stored)
    u_k = np.diff(U.indptr) - 1  # right-of-diagonal entries per row
    # L and U are in the permuted order of the same elimination, so column k of L meets row k
    # of U: the k-th step updates l_k x u_k entries after l_k divisions.
    flops = float(np.sum(2.0 * l_k * u_k + l_k))
    out.update(lu_nnz=int(L.nnz + U.nnz - Z.size), fill=(L.nnz + U.nnz - Z.size) / Z.size ** 2,
               lu_cpu_s=lu_cpu, lu_flops=flops, dense_lu_flops=2.0 * Z.size ** 3 / 3)
    return out


def timed_fit(X, y, alpha):
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = QuantileLasso(TAU, alpha=alpha).fit(X, y)
    return time.perf_counter() - start, time.process_time() - cpu, model


def part_scaling(args) -> None:
    for n in map(int, args.ns.split(",")):
        X, y = issue_data(n)
        alpha = alpha_max(X, y, TAU) / args.divisor
        wall, cpu, model = timed_fit(X, y, alpha)
        fields = dict(part="scaling", n=n, p=X.shape[1], nnz=X.nnz, divisor=args.divisor,
                      alpha=alpha, ours_wall_s=wall, ours_cpu_s=cpu,
                      certified=bool(model.certified_), support=int(np.sum(model.coef_ != 0)),
                      objective=quantile_objective(X, y, model.coef_, model.intercept_, TAU,
                                                   alpha))
        fields.update(basis_lu(X, y, model.coef_, model.intercept_))
        record(args.out, **fields)


def part_ours(args) -> None:
    X, y = issue_data(FULL_N)
    amax = alpha_max(X, y, TAU)
    for divisor in map(float, args.divisors.split(",")):
        alpha = amax / divisor
        wall, cpu, model = timed_fit(X, y, alpha)
        record(args.out, part="ours", n=FULL_N, p=FULL_P, divisor=divisor, alpha=alpha,
               wall_s=wall, cpu_s=cpu, certified=bool(model.certified_),
               support=int(np.sum(model.coef_ != 0)),
               objective=quantile_objective(X, y, model.coef_, model.intercept_, TAU, alpha))


def power_law(ns, values):
    """``(a, k)`` of the least-squares fit ``value = a n^k`` on a log-log scale."""
    k, log_a = np.polyfit(np.log(ns), np.log(values), 1)
    return float(np.exp(log_a)), float(k)


def part_summary(args) -> None:
    lines = [json.loads(s) for s in open(args.out) if s.strip()]
    rows = [r for r in lines if r["part"] == "scaling" and r["divisor"] == args.divisor
            and "lu_flops" in r]
    if len(rows) < 2:
        print("need at least two scaling lines with a square basis")
        return
    ns = np.array([r["n"] for r in rows], dtype=float)
    for key in ("support", "rows_Z", "fill", "lu_nnz", "lu_flops", "lu_cpu_s", "ours_cpu_s"):
        a, k = power_law(ns, [max(r[key], 1e-12) for r in rows])
        print(f"{key}: {a:.4g} n^{k:.3f}; at n = {FULL_N}: {a * FULL_N ** k:.4g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["highs", "scaling", "ours", "summary"])
    parser.add_argument("--out", default="sparse_highdim.jsonl",
                        help="JSON-lines file the measurements are appended to")
    parser.add_argument("--n", type=int, default=FULL_N, help="highs: rows (p = 5 n)")
    parser.add_argument("--method", default="highs-ipm", choices=["highs-ipm", "highs-ds"])
    parser.add_argument("--time-limit", type=float, default=1800.0)
    parser.add_argument("--disp", action="store_true", help="highs: print HiGHS's log")
    parser.add_argument("--divisor", type=float, default=5.0, help="alpha = alpha_max / divisor")
    parser.add_argument("--ns", default="1000,2000,4000", help="scaling: the n values")
    parser.add_argument("--divisors", default="2,1.5", help="ours: alpha_max / each")
    args = parser.parse_args()
    {"highs": part_highs, "scaling": part_scaling, "ours": part_ours,
     "summary": part_summary}[args.part](args)


if __name__ == "__main__":
    main()
