"""The shared finish of every exact answer: certify it, then move it to the canonical point.

:func:`finalize` certifies the answer (``_certificate.py``: polish, dual on the zero set, duality
gap) and replaces it by the minimum-norm point of the optimal face (``_canonical.py``), so that
every backend returns the same point (Koenker & Bassett 1978; Koenker 2005, Thm 2.1).

References
----------
Koenker, R. and Bassett, G. (1978). Regression quantiles. Econometrica 46(1), 33-50.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._canonical import canonical_point
from ._certificate import Certificate, _gap_is_small, certify, duality_gap, verify
from ._design import RowDesign
from ._problem import QuantileProblem, SolverResult
from ._scaling import equilibrate

__all__ = ["finalize", "finalize_equilibrated"]


def finalize(problem: QuantileProblem, result: SolverResult) -> SolverResult:
    """Certify a backend's answer and return the canonical optimal point as a new result.

    Called once for every exact backend, so all of them return the same point of the optimal
    set. The work is done on the equilibrated problem (``_scaling.py``); an uncertified answer
    comes back unchanged apart from ``certified=False`` and the reason in ``message``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._problem import QuantileProblem, SolverResult
    >>> problem = QuantileProblem(X=np.array([[0.0], [1.0], [1.0]]),
    ...                           y=np.array([1.0, 2.0, 11.0]), tau=0.51)
    >>> raw = SolverResult(coef=np.array([10.0 - 1e-12]), intercept=1.0, objective=float("nan"))
    >>> float(finalize(problem, raw).coef[0])
    10.0
    """
    scaled, scaling = equilibrate(problem)
    if not scaling.is_identity:
        coef, intercept = scaling.to_scaled(result.coef, result.intercept)
        result = replace(result, coef=coef, intercept=intercept, dual=None)
    return scaling.undo(problem, scaled, finalize_equilibrated(scaled, result, scaling.metric()))


def finalize_equilibrated(problem: QuantileProblem, result: SolverResult, metric=None
                          ) -> SolverResult:
    """:func:`finalize` on a problem already equilibrated; ``metric`` is the map to the user's
    coordinates (:meth:`~sklearn_lad._scaling.Equilibration.metric`) whose norm the canonical
    point minimises."""
    aug = problem.augmented()
    beta = problem.join(result.coef, result.intercept)
    cert = None
    if result.certified and result.dual is not None:
        # The backend ran the certificate itself (certified_result): check it, do not redo it.
        cert = verify(aug, beta, result.dual, result.basis)
    if cert is None:
        cert = certify(aug, beta, basis=result.basis, dual=result.dual)
    if not cert.certified and problem.is_penalized:
        cert = _try_null_fit(problem, aug, beta, cert)
    if not cert.certified:
        return replace(result, certified=False,
                       message=f"{result.message}; {cert.message}".strip("; "))
    beta, unique, gap = _canonical(aug, cert, metric)
    if unique is None and result.dual is not None:
        # The backend's dual (a simplex dual on its bounds) can hold the canonical step at the
        # backend's own vertex of a tied face; the certificate's own dual then describes the
        # face the other backends see (br differed by 5e-16 on 3 of 800 tied problems).
        retry = certify(aug, beta, basis=result.basis)
        if retry.certified:
            moved = _canonical(aug, retry, metric)
            if moved[1] is not None:
                cert, (beta, unique, gap) = retry, moved
    coef, intercept = problem.split(beta + 0.0)  # + 0.0 turns -0.0 into 0.0
    message = result.message
    if unique is False:
        message = (f"{message}; the optimum is not unique: returned the minimum-norm point "
                   "of the optimal face").strip("; ")
    # The augmented loss is the objective (its pseudo-rows are the penalty).
    objective = cert.loss if beta is cert.beta else aug.loss(beta)
    return replace(
        result, coef=coef, intercept=intercept, objective=objective,
        gap=gap, dual=cert.dual, basis=cert.zero_set, certified=True, unique=unique,
        message=message,
    )


def _canonical(aug: RowDesign, cert: Certificate, metric):
    """``(point, unique, gap)``: the canonical point of the face ``cert`` certifies.

    The canonical point is re-certified with the same dual (complementary slackness still holds
    on the face); if rounding moved it off, the certified vertex stands (``unique=None``).
    """
    canonical, unique = canonical_point(aug, cert.beta, cert.dual, metric, cert.zero_set,
                                        solved=cert.solved)
    if np.array_equal(canonical, cert.beta):
        return cert.beta, unique, cert.gap
    gap, feasible = duality_gap(aug, canonical, cert.dual)
    if not (feasible and _gap_is_small(aug, canonical, gap, aug.loss(canonical), cert.dual)):
        return cert.beta, None, cert.gap
    return canonical, unique, gap


def _try_null_fit(problem: QuantileProblem, aug: RowDesign, beta: np.ndarray,
                  failed: Certificate) -> Certificate:
    """Second candidate for a penalised problem whose answer failed: every penalised
    coefficient at 0 (the unpenalised ones kept, the intercept at the weighted ``tau``-quantile
    of what is left). Near ``alpha_max`` interior-point and LP codes stop, within their
    tolerances, at a non-zero point whose objective ties the sparse optimum to ~1e-8."""
    candidate = beta.copy()
    candidate[aug.offset + aug.penalized] = 0.0
    if aug.offset:
        rest = problem.y - np.asarray(problem.X @ candidate[1:]).ravel()
        order = np.argsort(rest, kind="stable")
        cumulative = np.cumsum(problem.weights[order])
        k = int(np.searchsorted(cumulative, problem.tau * cumulative[-1]))
        candidate[0] = rest[order[min(k, rest.size - 1)]]
    cert = certify(aug, candidate)
    return cert if cert.certified else failed
