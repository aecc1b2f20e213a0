"""Hooks of the example gallery: the order of its pages and a time budget per example.

sphinx-gallery calls :func:`time_budget` before and after every example (``reset_modules`` with
``reset_modules_order="both"``). An example over budget raises, so the build (and CI) fails and
names the example, instead of the gallery silently slowing the whole CI down.
"""

import os
import time
from pathlib import Path

# Each example must run on its own in under 30 s (the bound); CI has 2 shared cores.
BUDGET_SECONDS = float(os.environ.get("SKLEARN_LAD_EXAMPLE_BUDGET", "30"))

_started: dict[str, float] = {}


def time_budget(gallery_conf, fname, when):
    """Record the start of an example and check its wall time at the end."""
    if fname is None:  # called once per gallery directory, not per example
        return
    if when == "before":
        _started[fname] = time.perf_counter()
        return
    elapsed = time.perf_counter() - _started.pop(fname, time.perf_counter())
    if elapsed > BUDGET_SECONDS:
        raise RuntimeError(
            f"gallery example {Path(fname).name} took {elapsed:.1f} s, over the "
            f"{BUDGET_SECONDS:g} s budget: make it smaller (fewer rows, a coarser grid) or move "
            "the heavy part to benchmarks/."
        )


# The quickstart opens the gallery; the others follow by file name.
FIRST = ("quickstart.py",)


def example_order(filename):
    """Sort key of the gallery's examples: those in FIRST, then the rest by file name."""
    return (FIRST.index(filename) if filename in FIRST else len(FIRST), filename)
