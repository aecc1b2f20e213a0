"""Portnoy & Koenker's preprocessing on row-chunked data: the exact fit in a few passes.

The in-memory scheme (``preprocess_solve`` of ``solver="fn"``) maps onto chunked data:

1. *sample pass*: a uniform random subsample of ``m = sqrt(q) n^(2/3)`` rows (``q`` columns
   with the intercept) comes to the client, with ``n``, the weight total and the data checks;
2. in memory: a rough pilot fit on the sample, the spread ``h_i = ||L^{-1} a_i||`` of its fitted
   value (``L`` the Cholesky factor of the sample's Gram matrix), and from the *sample's*
   standardised residuals ``r_i / h_i`` the band's thresholds: the band's size comes from
   ``sum_i h_i`` (estimated as ``n/m`` times the sample's sum) exactly as in memory
   (``_band_width``), and its cut points are the sample quantiles that leave that fraction of
   rows inside (``_cut_points`` on the sample). No pass is spent on the thresholds.
3. *classify pass*: each chunk returns its rows inside the band and the sums of its rows below
   and above it (two "globs", ``_globs``);
4. in memory: the reduced problem (band rows + two globs, the penalty's pseudo-rows added by the
   backend as for any problem, never globbed) solved exactly by ``run_solver``;
5. *verify pass*: every globbed row's residual sign at the reduced optimum; when all hold (and
   the globs keep their own signs), the reduced problem's certified dual, with each globbed row
   at its bound, is a dual certificate of the full problem: the fit is the exact optimum.
   Otherwise the wrongly signed rows come back with the pass and are moved from their glob
   into the reduced problem on the client (their sums subtracted), and steps 4-5 repeat: a
   repair costs one pass, not two. Many wrong rows mean the band was too narrow for the pilot:
   it is doubled and re-centred on the better of the pilot and the last fit, and a new
   classify pass follows (rare by design: the band expects 0.1 wrong rows).

So a fit costs three passes when the prediction holds, one more per repair. The client holds
the sample and the reduced problem, ``O(sqrt(q) n^(2/3))`` rows of ``q`` numbers each, never
``X``.

References
----------
Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise:
computability of squared-error versus absolute-error estimators. Statistical Science 12(4),
279-300.
Koenker, R. (2005). Quantile Regression. Cambridge University Press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from .._problem import QuantileProblem, SolverResult, Status
from ..solvers import check_status, run_solver
from ._chunks import (
    Band,
    _chunk_design,
    classify_block,
    combine_classified,
    combine_samples,
    combine_verified,
    sample_block,
    tree_pass,
    verify_block,
)
from ._engine import (
    _band_statistics,
    _band_width,
    _cut_points,
    _standardize,
    n_columns,
    problem_design,
    row_weights,
    single_threaded_blas,
    solve_any_rank,
)

# Pilot subsample size is PILOT_FACTOR * sqrt(q) * n^(2/3) (Portnoy & Koenker's rate); the
# factor was chosen with benchmarks/bench_dask.py (docs/dask.md).
PILOT_FACTOR = 1.0
# Expected number of rows on the wrong side of the band (Portnoy & Koenker's choice is small).
EXPECTED_MISSES = 0.1


@dataclass
class ChunkedData:
    """Row chunks of ``(X, y, sample_weight)`` as delayed objects, and what is known of them."""

    arrays: tuple  # (X, y, w): dask arrays with the same row chunks; w may be None
    n_features: int
    n_hint: int | None  # number of rows when the chunk sizes are known


@dataclass
class ChunkedFit:
    """Outcome of :func:`fit_chunked`."""

    coef: np.ndarray
    intercept: float
    objective: float
    certified: bool
    unique: bool | None
    gap: float
    n_passes: float
    n_iter: int
    n_samples: int
    subsample: int
    reduced: int
    solver: str


@dataclass
class _Spec:
    """The problem's parameters, shared by every step."""

    tau: float
    alpha: float
    penalty_factor: np.ndarray | None
    fit_intercept: bool
    solver: str
    solver_options: dict | None

    def problem(self, X, y, w) -> QuantileProblem:
        return QuantileProblem(
            X=X, y=y, tau=self.tau, alpha=self.alpha, sample_weight=w,
            fit_intercept=self.fit_intercept, penalty_factor=self.penalty_factor,
        )

    def penalty(self, coef: np.ndarray) -> float:
        factor = 1.0 if self.penalty_factor is None else self.penalty_factor
        return float(self.alpha * np.sum(factor * np.abs(coef)))


def pilot_size(n: int, q: int, size: int | None) -> int:
    """Rows of the pilot subsample: ``size`` or ``PILOT_FACTOR * sqrt(q) * n^(2/3)``."""
    if size is not None:
        return int(size)
    return math.ceil(PILOT_FACTOR * math.sqrt(q) * n ** (2.0 / 3.0))


def pilot_chunks(n_chunks: int, setting) -> int:
    """How many chunks the sample pass reads: all, a fraction, or a number of them."""
    if setting == "auto":
        # A quarter of the chunks (at least 16): the pilot only has to be roughly right, the
        # verification pass makes the answer exact whatever it is, and the sample pass then
        # costs a quarter of a pass.
        return min(n_chunks, max(16, math.ceil(n_chunks / 4)))
    if isinstance(setting, float):
        return min(n_chunks, max(1, math.ceil(setting * n_chunks)))
    return min(n_chunks, int(setting))


def _sampling_rate(n_rows, chunks, *, q, size, n_hint, n_chunks, read) -> float:
    """Rate at which the chunks read keep rows, given ``n_rows`` seen in ``chunks`` of them.

    ``n`` is known (``n_hint``) or estimated from the mean length of the chunks seen. The rate
    ``m(n) / (n * read / n_chunks)`` decreases with ``n``, so a chunk that only knows its own
    length over-samples and a combine, knowing more chunks, can only prune.
    """
    n = n_hint if n_hint is not None else n_rows / max(chunks, 1) * n_chunks
    n = max(n, 1.0)
    return min(1.0, pilot_size(n, q, size) * n_chunks / (n * read))


def _thresholds(sample, spec: _Spec, center, gram, keep: int, n: int):
    """Cut points leaving about ``keep`` of the ``n`` rows in the band, from the sample."""
    design = _chunk_design(sample.X, sample.y, sample.w, spec.fit_intercept)
    residual, spread = _band_statistics(design, center, gram)
    keep_sample = max(2, round(keep * sample.y.size / n))
    return _cut_points(_standardize(residual, spread), keep_sample)


def _weight_spread(w: np.ndarray | None) -> float:
    """Factor by which weights make the pilot's error larger than ``h_i`` says.

    ``h_i^2 = a_i' (sum_S w_j a_j a_j')^{-1} a_i`` treats a weight as that many independent
    rows, so the pilot's fitted value would be ``sqrt(w)`` times more precise under weights
    ``w``; but weights (any constant, say) do not change the fit at all. With weights
    independent of ``x`` the pilot's variance is ``h_i^2 * sum w^2 / sum w`` (the sandwich
    ``H^-1 J H^-1``, Kish's effective sample size ``(sum w)^2 / sum w^2``), so the band holds
    the rows it must hold and expects its ``EXPECTED_MISSES`` whatever the weights' scale.
    The thresholds are quantiles of ``r_i / h_i``, which a common factor does not move: only
    the band's size (the number of rows kept) depends on this. Unit weights give 1.
    """
    if w is None or w.size == 0:
        return 1.0
    total = float(w.sum())
    return math.sqrt(float(w @ w) / total) if total > 0 else 1.0


def _pilot(sample, spec: _Spec, n: int):
    """Rough fit on the sample, its Gram matrix, and the band size ``keep`` for ``n`` rows."""
    problem = spec.problem(sample.X, sample.y, sample.w)
    design = problem_design(problem)
    options = spec.solver_options or {}
    fit, _ = solve_any_rank(
        design, spec.tau, exact=False, approx_tol=1e-5, max_iter=int(options.get("max_iter", 100))
    )
    gram = design.gram(row_weights(design))
    obs = _chunk_design(sample.X, sample.y, sample.w, spec.fit_intercept)
    _, spread = _band_statistics(obs, fit.beta, gram)
    spread_sum = float(spread.sum()) * n / max(sample.y.size, 1) * _weight_spread(sample.w)
    width = _band_width(spread_sum, spec.tau, EXPECTED_MISSES)
    q = n_columns(design)
    keep = max(int(2.0 * width * math.sqrt(spec.tau * (1.0 - spec.tau)) * spread_sum), 20 * q)
    return fit.beta, gram, keep, fit.n_iter


class _Reduced:
    """The reduced problem on the client: band rows, rows put back, and the two globs.

    The rows live in one buffer with two spare rows at the end for the globs, so building the
    problem for the backend copies nothing.
    """

    def __init__(self, classified, counts, spec: _Spec):
        self.spec = spec
        self.size = 0
        self.X = np.empty((0, classified.X.shape[1]))
        self.y = np.empty(0)
        self.w = np.empty(0)
        self._append(classified.X, classified.y, classified.w)
        self.glob_rows = classified.glob_rows.copy()
        self.glob_targets = classified.glob_targets.copy()
        self.glob_weights = classified.glob_weights.copy()
        self.glob_counts = np.array(counts, dtype=np.int64)
        self.repaired: dict[int, list] = {}

    def _append(self, X, y, w):
        size = self.size + y.size
        grown = (np.empty((size + 2, X.shape[1])), np.empty(size + 2), np.empty(size + 2))
        for new, old, extra in zip(grown, (self.X, self.y, self.w),
                                   (X, y, np.ones(y.size) if w is None else w)):
            new[:self.size] = old[:self.size]
            new[self.size:size] = extra
        self.X, self.y, self.w = grown
        self.size = size

    def globs(self):
        """``(rows, targets, weights, sides)`` of the non-empty globs, as observations."""
        off = int(self.spec.fit_intercept)
        sides = [s for s in (0, 1) if self.glob_counts[s] > 0]
        U = self.glob_weights[sides]
        rows = self.glob_rows[sides, off:] / U[:, None]
        return rows, self.glob_targets[sides] / U, U, sides

    def problem(self) -> QuantileProblem:
        rows, targets, U, _ = self.globs()
        end = self.size + U.size
        self.X[self.size:end], self.y[self.size:end], self.w[self.size:end] = rows, targets, U
        return self.spec.problem(self.X[:end], self.y[:end], self.w[:end])

    def put_back(self, verified, center: np.ndarray):
        """Move wrongly signed rows from their glob into the problem (sums subtracted)."""
        X, y = verified.X, verified.y
        w = np.ones(y.size) if verified.w is None else verified.w
        off = int(self.spec.fit_intercept)
        residual = y - X @ center[off:] - (center[0] if off else 0.0)
        for side, sign in ((0, -1.0), (1, 1.0)):
            mine = verified.side == side
            if not mine.any():
                continue
            rows = np.column_stack([np.ones(mine.sum()), X[mine]]) if off else X[mine]
            self.glob_rows[side] -= w[mine] @ rows
            self.glob_targets[side] -= w[mine] @ (y[mine] + sign * np.abs(residual[mine]))
            self.glob_weights[side] -= w[mine].sum()
            self.glob_counts[side] -= int(mine.sum())
        self._append(X, y, verified.w)
        for block, row in verified.where:
            self.repaired.setdefault(int(block), []).append(int(row))

    def globs_hold(self, beta: np.ndarray) -> bool:
        """Whether each glob's own residual keeps its side's sign (its dual is at the bound)."""
        rows, targets, _, sides = self.globs()
        off = int(self.spec.fit_intercept)
        residual = targets - rows @ beta[off:] - (beta[0] if off else 0.0)
        sign = np.array([-1.0 if s == 0 else 1.0 for s in sides])
        return bool(np.all(sign * residual > 0))


def _solve_reduced(reduced: _Reduced, spec: _Spec, warm: np.ndarray):
    problem = reduced.problem()
    off = int(spec.fit_intercept)
    start = (warm[off:], float(warm[0]) if off else 0.0)
    result, name = run_solver(spec.solver, problem, spec.solver_options, warm_start=start)
    beta = problem.join(result.coef, result.intercept)
    return result, name, beta, problem.n_samples


def fit_chunked(
    data: ChunkedData, spec: _Spec, *, size: int | None, chunks, max_rounds: int, seed: int,
    split_every: int,
) -> ChunkedFit:
    """The exact quantile regression of chunked data (see the module docstring)."""
    # One BLAS thread: the chunk kernels' products are thin (rows x q) and the client's
    # factorisations small; the parallelism is dask's. With the threaded scheduler the kernels
    # run in this process, and a BLAS pool per task oversubscribed the cores (distributed's
    # workers already start with one BLAS thread).
    with single_threaded_blas():
        return _fit_chunked(data, spec, size=size, chunks=chunks, max_rounds=max_rounds,
                            seed=seed, split_every=split_every)


def _fit_chunked(data, spec, *, size, chunks, max_rounds, seed, split_every) -> ChunkedFit:
    q = data.n_features + int(spec.fit_intercept)
    n_chunks = data.arrays[0].numblocks[0]
    read = pilot_chunks(n_chunks, chunks)
    visit = np.sort(np.random.default_rng(seed).choice(n_chunks, read, replace=False))
    rate = partial(_sampling_rate, q=q, size=size, n_hint=data.n_hint, n_chunks=n_chunks,
                   read=read)
    sample = tree_pass(
        data.arrays, sample_block, partial(combine_samples, rate=rate), split_every,
        only=visit, seed=seed, rate=rate,
    )
    _check_data(sample)
    passes = read / n_chunks
    if read == n_chunks and sample.y.size >= sample.n:
        # The sample is all the data: solve it in memory.
        n = sample.n
        result, name = run_solver(spec.solver, spec.problem(sample.X, sample.y, sample.w),
                                  spec.solver_options)
        return ChunkedFit(result.coef, float(result.intercept), float(result.objective),
                          bool(result.certified), result.unique, float(result.gap), passes,
                          int(result.n_iter), n, n, n, name)
    n_est = data.n_hint if data.n_hint is not None else sample.n * n_chunks / read
    center, gram, keep, n_iter = _pilot(sample, spec, n_est)
    lower, upper = _thresholds(sample, spec, center, gram, keep, n_est)
    rounds = 0
    while True:
        band = Band(center, gram, lower, upper, spec.fit_intercept)
        classified = tree_pass(
            data.arrays, classify_block, combine_classified, split_every, band=band,
            tau=spec.tau,
        )
        _check_data(classified)
        n = classified.n  # before the band's rows move to the reduced problem's buffer
        outcome = _solve_and_verify(data, spec, band, classified, max(keep // 20, 10 * q),
                                    split_every, max_rounds - rounds, center)
        rounds += outcome.rounds
        passes += 1 + outcome.rounds
        n_iter += outcome.n_iter
        fit = outcome.fit
        if outcome.wrong == 0 or rounds >= max_rounds:
            break
        # Many rows on the wrong side: the band was too narrow for the pilot's error. Widen it
        # around whichever of the pilot and the last fit is better on the full data.
        if outcome.objective < outcome.center_objective:
            center = outcome.beta
        keep *= 2
        lower, upper = _thresholds(sample, spec, center, gram, keep, n)
    certified = outcome.wrong == 0 and outcome.certified
    if outcome.wrong:
        # The package's one place that turns a status into a ConvergenceWarning.
        check_status(SolverResult(
            fit.coef, float(fit.intercept), float(outcome.objective), status=Status.NOT_CERTIFIED,
            message=f"{outcome.wrong} rows on the wrong side of the band after "
                    f"max_rounds={max_rounds} verification passes; increase max_rounds",
        ), outcome.solver)
    return ChunkedFit(fit.coef, float(fit.intercept), float(outcome.objective), certified,
                      fit.unique if certified else None, float(fit.gap), passes, n_iter,
                      n, sample.y.size, outcome.size, outcome.solver)


@dataclass
class _Outcome:
    """One band's reduced solves and verifications."""

    fit: object  # the last SolverResult
    solver: str
    beta: np.ndarray
    size: int
    objective: float
    center_objective: float
    wrong: int
    certified: bool
    rounds: int
    n_iter: int


def _solve_and_verify(data, spec, band, classified, cap, split_every, budget, center):
    """Solve the reduced problem, verify, put wrong rows back; one pass per verification.

    Stops when every globbed row keeps its sign, when more than ``cap`` do not (the band must
    be widened), or after ``budget`` verifications.
    """
    n_iter = rounds = 0
    weight_sum = classified.weight_sum
    counts = np.sum(list(classified.sides.values()), axis=0)
    reduced = _Reduced(classified, counts, spec)
    classified.X = classified.y = classified.w = None  # the buffer holds them now
    beta = center
    while True:
        result, name, beta, size = _solve_reduced(reduced, spec, beta)
        n_iter += int(result.n_iter)
        verified = tree_pass(
            data.arrays, verify_block, partial(combine_verified, cap=cap), split_every,
            band=band, beta=beta, tau=spec.tau, cap=cap, repaired=reduced.repaired,
        )
        rounds += 1
        if verified.sides != classified.sides:
            raise RuntimeError(
                "The chunks' classification differed between two passes over the same data: "
                "the data changed between passes (a non-deterministic dask graph?)."
            )
        if verified.n_wrong == 0 or verified.n_wrong > cap or rounds >= budget:
            break
        reduced.put_back(verified, center)
    off = int(spec.fit_intercept)
    return _Outcome(
        fit=result, solver=name, beta=beta, size=size,
        objective=verified.loss / weight_sum + spec.penalty(result.coef),
        center_objective=classified.center_loss / weight_sum + spec.penalty(center[off:]),
        wrong=verified.n_wrong,
        certified=bool(result.certified) and reduced.globs_hold(beta),
        rounds=rounds, n_iter=n_iter,
    )


def _check_data(summary) -> None:
    """Errors for what a pass found wrong with the data (``Sample`` or ``Classified``)."""
    if not summary.finite:
        raise ValueError(
            "Input contains NaN or infinity; drop or impute those rows before fitting "
            "(e.g. `X[da.isfinite(X).all(axis=1)]`)."
        )
    if summary.negative_weight < 0:
        raise ValueError(
            f"sample_weight must be non-negative (smallest is {summary.negative_weight:g}); a "
            "weight is a count of repetitions, so use 0 to drop a sample."
        )
    if summary.n == 0 or not summary.weight_sum > 0:
        raise ValueError(
            "No sample with a positive weight: give at least one sample a positive weight."
        )
