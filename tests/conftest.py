import os  # noqa: I001

# scikit-learn's check_array_api_input (with NumPy inputs) only runs when this is set before
# SciPy is imported; without it the check is skipped, and we want zero skipped checks.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

from hypothesis import HealthCheck, settings

# CI runs a fixed number of examples per backend; locally `HYPOTHESIS_PROFILE=thorough` runs more.
settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# pytest-xdist runs one worker per core; letting each also start a BLAS thread per core
# oversubscribes the machine and makes small factorisations up to 100x slower.
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(limits=1, user_api="blas")
