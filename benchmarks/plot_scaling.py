"""Fit time against n for every backend and the external references, on one log-log plot.

Usage: ``python benchmarks/plot_scaling.py [--out docs/scaling.png]``. Writes the PNG and a CSV of
the timings beside it. Every point is measured in this run (p=10, tau=0.5, X standard normal,
y = X @ 1 + t(3) noise); slow methods stop at the sizes in LIMITS.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _adapters import (  # noqa: E402
    make_data,
    r_quantreg,
    sklearn_highs,
    sklearn_lad,
    statsmodels_quantreg,
)

from sklearn_lad import available_solvers  # noqa: E402

SIZES = [1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000]
LIMITS = {
    "sklearn-lad highs": 10_000, "sklearn-lad cvxpy": 100_000, "sklearn-lad br": 300_000,
    "scikit-learn highs": 10_000, "statsmodels QuantReg": 300_000, "R quantreg br": 30_000,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parents[1] / "docs" / "scaling.png"))
    parser.add_argument("--p", type=int, default=10)
    args = parser.parse_args(argv)
    methods = [sklearn_lad(s) for s in available_solvers()]
    methods += [sklearn_highs, statsmodels_quantreg, r_quantreg("br"), r_quantreg("fn"),
                r_quantreg("pfn")]
    rows = []
    for n in SIZES:
        X, y = make_data(n, args.p)
        for run in methods:
            if n > LIMITS.get(run.label, float("inf")):
                continue
            out = run(X, y, 0.5, 0.0, 1 if n >= 100_000 else 3)
            if out is not None:
                rows.append((run.label, n, out[0], out[1]))
                print(f"{run.label:<24} n={n:>8}  {out[0]:9.4f} s  objective {out[1]:.12f}")
    out_png = Path(args.out)
    with open(out_png.with_suffix(".csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["method", "n", "seconds", "objective"])
        writer.writerows(rows)
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for label in dict.fromkeys(r[0] for r in rows):
        pts = [(n, t) for lab, n, t, _ in rows if lab == label]
        style = "--" if not label.startswith("sklearn-lad") else "-"
        ax.loglog(*zip(*pts), style, marker="o", label=label)
    ax.set_xlabel(f"n (p = {args.p})")
    ax.set_ylabel("fit time (s)")
    ax.set_title("Median regression: fit time against n")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    print(f"saved {out_png}")


if __name__ == "__main__":
    main()
