"""Exact L1-penalised quantile regression with p >> n: sklearn-lad against the references.

Run ``python benchmarks/bench_highdim.py`` (``--shapes small,wide,sparse`` to choose blocks,
``--inner auto,highs`` for the working-set inner backends, ``--no-r`` to skip R, ``--path`` for
the path / cross-validation block on ``wide``, ``--plot FILE`` for time against p at n = 200,
``--divisor D`` for ``alpha = alpha_max / D`` instead of 5, ``--time-limit S`` for the seconds
each Python fit of a block may take: a fit still running then is stopped and its row says so;
at ``sparse`` and alpha_max/5 neither fit finishes in hours, see ``docs/lasso.md``).
Every row of a block is measured in the same run on the same data, seconds first, then the ratio to
scikit-learn's ``QuantileRegressor(solver="highs")`` and the objective recomputed with
``sklearn_lad._objective.quantile_objective`` (scikit-learn's scaling) at the returned point.

Shapes (issue 10): ``small`` n=200, p=2,000 dense at alpha_max/5; ``wide`` n=500, p=20,000
dense at alpha_max/5; ``sparse`` n=20,000, p=100,000, density 1e-3 at alpha_max/5. X standard
normal (sparse: standard normal non-zeros), 5 true coefficients of 1.0, t(3) noise, seed 0.

R references (when ``Rscript`` is on the PATH, dense shapes only; R's dense design would not fit
in memory for ``sparse``): quantreg ``rq.fit.lasso`` with ``lambda = 2 n alpha`` (quantreg
solves ``sum rho_tau + sum (lambda_j / 2) |b_j|``, see ``tools/make_r_reference.R``) and an
unpenalised intercept column; conquer ``conquer.reg(penalty = "lasso")`` with
``lambda = alpha``: conquer minimises the smoothed empirical loss averaged over the
observations plus ``lambda ||b||_1`` (Tan, Wang & Zhou 2022, JRSS-B), the same scaling as ours.
R's time is the fit alone (``system.time`` inside R), not reading the data.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import QuantileRegressor as SkQuantileRegressor

from sklearn_lad import QuantileLasso, QuantileLassoCV, alpha_max, quantile_path
from sklearn_lad._objective import quantile_objective

SHAPES = {
    "small": dict(n=200, p=2_000, density=None),
    "wide": dict(n=500, p=20_000, density=None),
    "sparse": dict(n=20_000, p=100_000, density=1e-3),
}

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2]); p <- as.integer(args[3]); alpha <- as.numeric(args[4])
X <- matrix(readBin(file.path(args[1], "X.bin"), "double", n * p), n, p)
y <- readBin(file.path(args[1], "y.bin"), "double", n)
which <- args[5]
if (which == "rq") {
  suppressMessages(library(quantreg))
  lam <- c(0, rep(2 * n * alpha, p))
  t <- system.time(fit <- rq.fit.lasso(cbind(1, X), y, tau = 0.5, lambda = lam))[["elapsed"]]
  b <- fit$coefficients
} else {
  suppressMessages(library(conquer))
  t <- system.time(fit <- conquer.reg(X, y, lambda = alpha, tau = 0.5,
                                      penalty = "lasso"))[["elapsed"]]
  b <- fit$coeff
}
writeBin(as.double(c(t, b)), file.path(args[1], paste0(which, ".bin")))
"""


def make_data(n, p, density, seed=0):
    rng = np.random.default_rng(seed)
    if density is None:
        X = rng.standard_normal((n, p))
    else:
        # Positions drawn with replacement, repeats summed (scipy.sparse.random draws without
        # replacement from all n * p positions, which needs 8 n p bytes: 16 GB here).
        nnz = int(round(density * n * p))
        X = sp.csc_matrix((rng.standard_normal(nnz), (rng.integers(0, n, nnz),
                           rng.integers(0, p, nnz))), shape=(n, p))
        X.sum_duplicates()
    coef = np.zeros(p)
    coef[:5] = 1.0
    return X, X @ coef + rng.standard_t(3, n)


def warm_up():
    """One tiny fit of each Python method, so that no row pays first-call imports."""
    X, y = make_data(20, 60, None, seed=1)
    QuantileLasso(alpha=0.05).fit(X, y)
    SkQuantileRegressor(quantile=0.5, alpha=0.05, solver="highs").fit(X, y)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def limited(fit, seconds):
    """``(seconds, (coef, intercept))`` of ``fit()`` run in a forked process, or ``None`` if it
    is still running after ``seconds`` (then stopped): no row of a block can hang."""
    receive, send = multiprocessing.Pipe(duplex=False)

    def child():
        try:
            elapsed, model = timed(fit)
            send.send((elapsed, (model.coef_, model.intercept_)))
        except Exception as exc:  # reported by the parent, which has no traceback otherwise
            send.send(exc)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    out = receive.recv() if receive.poll(seconds) else None
    process.terminate()
    process.join()
    if isinstance(out, Exception):
        raise out
    return out


def run_r(which, X, y, alpha, workdir):
    """Seconds (R's own fit time) and ``(coef, intercept)`` of an R reference."""
    n, p = X.shape
    np.asfortranarray(X).ravel(order="F").tofile(os.path.join(workdir, "X.bin"))
    y.tofile(os.path.join(workdir, "y.bin"))
    script = os.path.join(workdir, "fit.R")
    with open(script, "w") as fh:
        fh.write(R_SCRIPT)
    subprocess.run(["Rscript", script, workdir, str(n), str(p), repr(alpha), which],
                   check=True, capture_output=True)
    out = np.fromfile(os.path.join(workdir, f"{which}.bin"))
    return out[0], (out[2:], out[1])


def block(name, shape, inner, use_r, divisor=5.0, time_limit=None):
    n, p, density = shape["n"], shape["p"], shape["density"]
    X, y = make_data(n, p, density)
    alpha = alpha_max(X, y, 0.5) / divisor
    print(f"\n## {name}: n={n}, p={p}, density={density or 1.0}, alpha = alpha_max/{divisor:g} = "
          f"{alpha:.6g}  (machine shared; one run)")
    rows = []
    warm_up()

    def objective(coef, intercept):
        return quantile_objective(X, y, coef, intercept, 0.5, alpha)

    def python_row(label, estimator):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if time_limit is None:
                seconds, model = timed(lambda: estimator.fit(X, y))
                out = seconds, (model.coef_, model.intercept_)
            else:
                out = limited(lambda: estimator.fit(X, y), time_limit)
        if out is None:
            rows.append((f"{label}: stopped after {time_limit:g} s", np.nan, np.nan, -1))
        else:
            seconds, (coef, intercept) = out
            rows.append((label, seconds, objective(coef, intercept), np.sum(coef != 0)))

    python_row("scikit-learn QuantileRegressor(highs)",
               SkQuantileRegressor(quantile=0.5, alpha=alpha, solver="highs"))
    for solver in inner:
        python_row(f"sklearn-lad QuantileLasso({solver}), working set",
                   QuantileLasso(alpha=alpha, solver=solver))
    if use_r and density is None:
        with tempfile.TemporaryDirectory() as workdir:
            for which, label in (("rq", "R quantreg rq.fit.lasso"),
                                 ("conquer", "R conquer.reg(lasso), approximate")):
                try:
                    seconds, (coef, intercept) = run_r(which, X, y, alpha, workdir)
                except subprocess.CalledProcessError as exc:
                    print(f"  {label}: failed ({exc.stderr.decode()[-200:]!r})")
                    continue
                rows.append((label, seconds, objective(coef, intercept),
                             np.sum(np.abs(coef) > 1e-8)))
    reference = rows[0][1]
    print("| method | seconds | ratio to sklearn HiGHS | objective | non-zeros |")
    print("| --- | ---: | ---: | --- | ---: |")
    for label, seconds, obj, nnz in rows:
        print(f"| {label} | {seconds:.3f} | {seconds / reference:.2f} | {obj:.10f} | {nnz} |")


def timed_both(fn):
    """``(wall seconds, CPU seconds of this process)`` of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def path_block(shape):
    """``quantile_path`` (50 alphas down to alpha_max/20) and ``QuantileLassoCV`` (5 x 50)
    against one scikit-learn HiGHS fit at alpha_max/5, same data, same run.

    Wall and CPU seconds (the machine is shared: waiting for a core counts in wall time only);
    the ratio is of CPU seconds when both are known."""
    n, p = shape["n"], shape["p"]
    X, y = make_data(n, p, shape["density"])
    alpha = alpha_max(X, y, 0.5) / 5
    print(f"\n## path and CV: n={n}, p={p} (machine shared; one run)")
    warm_up()
    rows = [("scikit-learn QuantileRegressor(highs), one fit at alpha_max/5", timed_both(
        lambda: SkQuantileRegressor(quantile=0.5, alpha=alpha, solver="highs").fit(X, y)))]
    rows.append(("sklearn-lad quantile_path, 50 alphas to alpha_max/20", timed_both(
        lambda: quantile_path(X, y, n_alphas=50, eps=0.05))))
    rows.append(("sklearn-lad QuantileLassoCV, 5 folds x 50 alphas (eps=0.05)", timed_both(
        lambda: QuantileLassoCV(n_alphas=50, eps=0.05, cv=5).fit(X, y))))
    print("| method | wall s | CPU s | ratio to the scikit-learn fit (wall, CPU) |")
    print("| --- | ---: | ---: | ---: |")
    for label, (wall, cpu) in rows:
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {wall / rows[0][1][0]:.2f}, "
              f"{cpu / rows[0][1][1]:.2f} |")


def plot_against_p(filename, use_r, n=200, ps=(400, 1_000, 2_000, 4_000, 8_000)):
    """Seconds against p at n = 200, alpha_max/5: sklearn-lad, scikit-learn HiGHS, conquer."""
    series = {"sklearn-lad QuantileLasso (exact)": [], "scikit-learn HiGHS (exact)": [],
              "R conquer (smoothed, approximate)": []}
    for p in ps:
        X, y = make_data(n, p, None)
        alpha = alpha_max(X, y, 0.5) / 5
        ours = QuantileLasso(alpha=alpha)
        theirs = SkQuantileRegressor(quantile=0.5, alpha=alpha, solver="highs")
        series["sklearn-lad QuantileLasso (exact)"].append(timed(
            lambda m=ours, X=X, y=y: m.fit(X, y))[0])
        series["scikit-learn HiGHS (exact)"].append(timed(
            lambda m=theirs, X=X, y=y: m.fit(X, y))[0])
        if use_r:
            with tempfile.TemporaryDirectory() as workdir:
                series["R conquer (smoothed, approximate)"].append(
                    run_r("conquer", X, y, alpha, workdir)[0])
        print(p, {k: round(v[-1], 3) for k, v in series.items() if v}, flush=True)
    draw(ps, series, filename)


def draw(ps, series, filename):
    """The log-log plot of ``series`` (label -> seconds per ``p``) into ``filename``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, values in series.items():
        if values:
            ax.loglog(ps, values, marker="o", label=label)
    ax.xaxis.set_major_locator(FixedLocator(ps))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{p:,}" for p in ps])
    ax.set_xlabel("p (n = 200, alpha = alpha_max / 5)")
    ax.set_ylabel("seconds (one run, shared machine)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(filename, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="small,wide,sparse")
    parser.add_argument("--inner", default="auto")
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--path", action="store_true")
    parser.add_argument("--plot", default=None)
    parser.add_argument("--divisor", type=float, default=5.0)
    parser.add_argument("--time-limit", type=float, default=None)
    args = parser.parse_args()
    use_r = not args.no_r and shutil.which("Rscript") is not None
    for name in filter(None, args.shapes.split(",")):
        block(name, SHAPES[name], args.inner.split(","), use_r, args.divisor, args.time_limit)
    if args.path:
        path_block(SHAPES["wide"])
    if args.plot:
        plot_against_p(args.plot, use_r)


if __name__ == "__main__":
    main()
