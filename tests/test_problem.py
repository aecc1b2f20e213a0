"""The result contract: ``Status``, ``SolverResult`` and its typed diagnostics."""

import dataclasses

import numpy as np
import pytest

from sklearn_lad._problem import SolverDiagnostics, SolverResult, Status


def _result(**kwargs):
    return SolverResult(coef=np.zeros(2), intercept=0.0, objective=1.0, **kwargs)


@pytest.mark.parametrize(
    ("status", "converged", "stopped_early", "failed"),
    [
        (Status.OPTIMAL, True, False, False),
        (Status.NOT_CERTIFIED, True, False, False),
        (Status.ITERATION_LIMIT, False, True, False),
        (Status.NUMERICAL_ERROR, False, False, True),
        (Status.INFEASIBLE, False, False, True),
        (Status.UNBOUNDED, False, False, True),
    ],
)
def test_status_classifies_every_outcome_once(status, converged, stopped_early, failed):
    assert (status.converged, status.stopped_early, status.failed) == (
        converged, stopped_early, failed
    )
    assert _result(status=status).converged is converged


def test_every_status_is_classified():
    for status in Status:
        assert status.converged + status.stopped_early + status.failed == 1, status


def test_converged_is_derived_from_the_status_not_stored():
    result = _result(status=Status.ITERATION_LIMIT)
    assert not result.converged
    with pytest.raises(AttributeError):
        result.converged = True
    with pytest.raises(TypeError):
        _result(converged=True)


def test_result_has_typed_diagnostics_and_no_extra_dict():
    fields = {f.name: f.type for f in dataclasses.fields(SolverResult)}
    assert "extra" not in fields and fields["status"] == "Status"
    result = _result()
    assert result.status is Status.OPTIMAL
    assert isinstance(result.diagnostics, SolverDiagnostics)
    # Each result gets its own diagnostics (no shared mutable default).
    result.diagnostics.irls_steps = 3
    assert _result().diagnostics.irls_steps == 0
    documented = SolverDiagnostics.__doc__
    for f in dataclasses.fields(SolverDiagnostics):
        assert f"{f.name} :" in documented, f.name
