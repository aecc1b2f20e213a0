"""
Which backend when: measured fit times
======================================

Every backend returns the same certified optimum, so the choice of ``solver=`` changes the
time a fit takes, never its answer. This page plots the timings stored in ``docs/scaling.csv``
(made by ``python benchmarks/plot_scaling.py`` on the project's 2-core machine: p = 10,
``tau=0.5``, ``X`` standard normal, ``y = X @ 1 + t(3)`` noise, every point measured in one
run). They are **read, not re-measured**, so building the documentation stays fast; rerun the
benchmark to measure on your machine.
"""

import csv
from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

# The gallery runs each example from its own folder; ``python examples/...`` from the
# repository root. Find the CSV from either.
candidates = [Path("..") / "docs" / "scaling.csv", Path("docs") / "scaling.csv"]
source = next(path for path in candidates if path.exists())

times = defaultdict(list)
objectives = defaultdict(list)
with source.open() as handle:
    for row in csv.DictReader(handle):
        times[row["method"]].append((int(row["n"]), float(row["seconds"])))
        objectives[int(row["n"])].append(float(row["objective"]))

# %%
# The exact methods agree
# -----------------------
# At each n, the spread of the objective over every method that reached it (statsmodels' IRLS
# stops at a tolerance, so it is the one that is a little off).
for n in sorted(objectives):
    values = np.array(objectives[n])
    print(f"n={n:>9,}: {len(values)} methods, objective spread "
          f"{(values.max() - values.min()) / values.min():.1e} (relative)")

# %%
# Fit time against n
# ------------------
# sklearn-lad's backends are solid lines, other libraries dashed. ``"auto"`` picks ``fn`` except
# on small narrow dense problems, where ``br`` is as fast.
fig, ax = plt.subplots(figsize=(8, 5.2))
for method in sorted(times):
    points = sorted(times[method])
    n, seconds = np.array(points).T
    ours = method.startswith("sklearn-lad")
    ax.plot(n, seconds, marker="o", ms=4, ls="-" if ours else "--", lw=2 if ours else 1.2,
            label=method)
ax.set(xscale="log", yscale="log", xlabel="n (rows), p = 10", ylabel="seconds per fit",
       title="Fit time against n (stored benchmark, not re-measured)")
ax.grid(True, which="major", alpha=0.3)
ax.legend(fontsize=8, ncol=2)
fig.tight_layout()
plt.show()

# %%
# Read it as: ``fn`` (the default) is the fastest exact method from a few thousand rows up,
# faster than R quantreg's ``fn`` and ``pfn`` here; ``br`` is competitive only while n and p are
# small; ``highs`` and scikit-learn's HiGHS-based ``QuantileRegressor`` grow much faster with n.
# The user guide's :doc:`/solvers` page has the tables behind this plot.
