"""Collection rules for the doctests under ``sklearn_lad/`` (``pytest`` runs them too)."""

import importlib.util

# sklearn_lad.dask needs the optional extra; without it its doctests cannot be imported (the
# tests in tests/test_dask.py skip themselves the same way).
collect_ignore = [] if importlib.util.find_spec("dask") else ["sklearn_lad/dask"]
