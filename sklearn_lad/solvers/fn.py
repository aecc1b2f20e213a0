"""``solver="fn"``: the Frisch-Newton interior-point method with Portnoy-Koenker preprocessing.

Quantile regression as the bounded-variable linear program of Portnoy & Koenker (1997),
``max_x y'x s.t. A'x = (1 - tau) A'u, 0 <= x <= u``, solved by a primal-dual interior point with
Mehrotra's (1992) predictor-corrector (one weighted Gram matrix and one Cholesky factorisation per
iteration). For large samples the problem is first reduced by the preprocessing ("globbing") of
the same paper: observations confidently above or below the fit are merged into two
pseudo-observations and the prediction is verified on every observation afterwards. The iterate
is turned into an exact vertex that is proved optimal by its basic dual, so the answer is the
exact LP optimum (see ``_interior_point.py`` and ``_preprocessing.py`` for the algorithm).

References
----------
Portnoy, S. and Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise:
computability of squared-error versus absolute-error estimators. Statistical Science 12(4),
279-300.
Mehrotra, S. (1992). On the implementation of a primal-dual interior point method. SIAM
Journal on Optimization 2(4), 575-601.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .._design import RowDesign, single_threaded_blas
from .._problem import QuantileProblem, SolverDiagnostics, SolverResult, Status
from ._base import (
    NON_NEGATIVE_INT,
    NON_NEGATIVE_REAL,
    POSITIVE_INT,
    Solver,
    StrOptions,
    null_result,
    register_solver,
)
from ._finish import dropped_columns_balanced, finish_on_engine, solve_at_safe_tau
from ._interior_point import independent_columns, solve_exact
from ._preprocessing import PreprocessResult, _full_solution, band_round, preprocess_solve

# A warm start's band: the rows nearest the warm fit, at least this many per column and this
# share of the observations (measured on regularisation paths, benchmarks/bench_path.py: a
# neighbouring alpha's fit leaves under a tenth of the rows to change side except where many
# features enter at once, when one doubling of the band suffices).
_WARM_BAND_PER_COLUMN = 8
_WARM_BAND_SHARE = 0.1


@register_solver
class FrischNewtonSolver(Solver):
    """Frisch-Newton interior point (Portnoy & Koenker 1997) returning the exact LP optimum.

    Options
    -------
    max_iter : int, default=100
        Newton steps allowed per interior-point solve.
    tol : float, default=1e-12
        Relative duality gap at which the iterations stop when no vertex has yet been proved
        optimal (degenerate problems); the shared finisher then polishes the iterate.
    preprocess : {"auto", True, False}, default="auto"
        Portnoy-Koenker preprocessing; ``"auto"`` uses it when ``n_samples`` is at least
        ``preprocess_min_n``. It needs the pilot subsample, ``sqrt(q) * n**(2/3)`` rows, to be
        under half the data, so ``True`` has no effect on small problems.
        With a warm start (unless ``False``) the band is first centred on the warm fit instead
        of a pilot's, whatever ``n``: the tenth of the rows nearest it, widened as needed
        (``preprocess_subsample`` is then 0). ``result.diagnostics.preprocessed`` tells whether
        it ran.
    preprocess_min_n : int, default=20000
        Sample size from which ``preprocess="auto"`` preprocesses.
    random_state : int, default=0
        Seed of the preprocessing subsample (the result does not depend on it).
    """

    name = "fn"
    supports_sparse = True
    supports_l1 = True
    supports_warm_start = True
    exact = True
    default_options = {
        "max_iter": 100,
        "tol": 1e-12,
        "preprocess": "auto",
        "preprocess_min_n": 20_000,
        "random_state": 0,
    }
    option_constraints = {
        "max_iter": [POSITIVE_INT],
        "tol": [NON_NEGATIVE_REAL],
        "preprocess": [StrOptions({"auto"}), "boolean"],
        "preprocess_min_n": [NON_NEGATIVE_INT],
        "random_state": [NON_NEGATIVE_INT, np.random.Generator, None],
    }

    def solve(self, problem: QuantileProblem, warm_start=None) -> SolverResult:
        full = problem.augmented()
        # With an intercept and observations the design has a column of ones: no pass over X.
        if not (full.offset and full.n_samples) and not np.any(full.column_max_abs() > 0):
            # A design of rank 0 (all-zero X, no intercept): beta = 0 is the only vertex; the
            # shared certificate proves it optimal.
            return null_result(problem, Status.OPTIMAL, "rank-0 design: beta = 0")
        # The products here are thin (n x q) and memory-bound and the factorisations small
        # (q x q): a BLAS thread pool only adds synchronisation, which on a busy 2-core machine
        # made matrix-vector products 10-40x and 200 x 200 Cholesky factorisations 100x slower.
        with single_threaded_blas():
            # Levels within 1e-6 of 0 or 1 are solved at the nearer safe level and walked to
            # tau by the shared engine: the box 0 <= s_i <= tau w_i of tau = 1e-300 would make
            # the Newton system's 1 / s_i overflow.
            # A warm start belongs to this y: a level near 1 is solved as -y near 0.
            return solve_at_safe_tau(problem, lambda at: self._solve(
                at, full if at is problem else at.augmented(),
                warm_start if at.y is problem.y else None))

    def _solve(self, problem: QuantileProblem, full: RowDesign, warm_start) -> SolverResult:
        opts = self.options
        max_iter, tol = int(opts["max_iter"]), float(opts["tol"])
        tau = problem.tau
        q = full.n_columns
        result = None
        warm = _warm_beta(problem, warm_start, q)
        if warm is not None and opts["preprocess"] is not False:
            # The preprocessing centred on the warm start. Its band needs no Gram matrix of all
            # rows: the reduced problems drop their own dependent columns, and a column
            # dependent on the band and the globs changes no fitted value there, so the full
            # problem's optimum is still found.
            result = _warm_band_solve(full, tau, warm, tol=tol, max_iter=max_iter)
        if result is None:
            preprocess, index, gram, keep = self._plan(full)
        else:
            preprocess, index, gram, keep = False, None, None, np.ones(q, dtype=bool)
        design = full if keep.all() else full.take_columns(keep)
        beta0 = None if warm is None else warm[keep]
        if preprocess:
            result = preprocess_solve(design, tau, beta0, index, tol=tol, max_iter=max_iter)
            if result is None and beta0 is not None:
                # A warm start too far off to centre the band: fall back to a pilot fit.
                result = preprocess_solve(design, tau, None, index, tol=tol, max_iter=max_iter)
        diagnostics = SolverDiagnostics(preprocessed=False)
        if isinstance(result, PreprocessResult):
            diagnostics = SolverDiagnostics(
                preprocessed=True, preprocess_rounds=result.rounds,
                preprocess_subsample=result.subsample, preprocess_kept=result.kept,
            )
        if result is None:
            result = solve_exact(
                design, tau, beta0, tol=tol, max_iter=max_iter,
                gram=gram if gram is not None and keep.all() else None,
            )
        beta = np.zeros(q)
        beta[keep] = result.beta
        if not dropped_columns_balanced(full, keep, result.dual):
            finished = finish_on_engine(problem, beta, result.dual)
            if finished is not None:
                result = replace(result, beta=finished.beta, basis=finished.basis,
                                 n_iter=result.n_iter + finished.n_iter, status="vertex",
                                 gap=0.0, dual=None)
                beta = finished.beta
        return _to_result(problem, beta, result, diagnostics, max_iter)

    def _plan(self, full: RowDesign):
        """``(preprocess, subsample index, Gram matrix, independent columns)`` of a run."""
        opts = self.options
        n, q = full.n_samples, full.n_columns
        preprocess = opts["preprocess"]
        if preprocess == "auto":
            preprocess = n >= int(opts["preprocess_min_n"])
        subsample = math.ceil(math.sqrt(q) * n ** (2.0 / 3.0))
        preprocess = bool(preprocess) and subsample < n // 2
        gram = index = None
        if preprocess:
            rng = np.random.default_rng(opts["random_state"])
            index = np.sort(rng.choice(n, size=subsample, replace=False))
            # Columns independent on a subsample are independent on all rows: the full Gram
            # matrix (a pass over X) is only needed when the subsample is rank deficient.
            keep = independent_columns(full.subset(index))
            if not keep.all():
                keep = independent_columns(full)
        else:
            gram = full.gram(full.weights)
            keep = independent_columns(full, gram)
        return preprocess, index, gram, keep


def _to_result(problem: QuantileProblem, beta: np.ndarray, result, diagnostics,
               max_iter: int) -> SolverResult:
    """The :class:`SolverResult` of a run ending at ``beta``."""
    coef, intercept = problem.split(beta)
    # The dual handed over is the exact basic dual of a proved vertex, or else the
    # interior-point dual (strictly inside its box, A'd = 0 to the solver's tolerance); none
    # after the engine's finish (the certificate computes it).
    if result.dual is not None:
        diagnostics.dual_kind = "basic" if result.status == "vertex" else "interior"
    status, message = {
        "vertex": (Status.OPTIMAL, "optimal vertex (basic dual certificate)"),
        "converged": (Status.OPTIMAL, "interior point converged"),
        "max_iter": (
            Status.ITERATION_LIMIT,
            f"stopped after max_iter={max_iter} interior-point iterations "
            f"(relative duality gap {result.gap:.3g})",
        ),
    }[result.status]
    return SolverResult(
        coef=coef, intercept=intercept, objective=problem.objective(coef, intercept),
        n_iter=result.n_iter, status=status, gap=result.gap, message=message,
        basis=result.basis, dual=result.dual, diagnostics=diagnostics,
    )


def _warm_beta(problem: QuantileProblem, warm_start, q: int) -> np.ndarray | None:
    """The warm start as augmented coefficients, or ``None`` when unusable."""
    if warm_start is None:
        return None
    coef, intercept = warm_start
    start = problem.join(np.asarray(coef, dtype=float), float(intercept))
    return start if start.shape == (q,) and np.all(np.isfinite(start)) else None


def _warm_band_solve(design: RowDesign, tau: float, beta0: np.ndarray, *, tol: float,
                     max_iter: int):
    """The exact solve from a warm start on a band of rows around the warm fit.

    A warm start from a nearby problem (the previous ``alpha`` of a path) predicts the side of
    most observations far better than the random pilot of the preprocessing does: the band is
    the observations with the smallest residuals at ``beta0``, the rest are globbed into one
    pseudo-observation per side (Portnoy & Koenker 1997, with the preprocessing's globs), the
    reduced problem is solved exactly and every globbed observation's side is checked. A few
    on the wrong side are put back; many mean the band was too narrow, and it doubles. Returns
    ``None`` when the band would hold half the observations (the full solve is then cheaper)
    or does not settle; the result, when there is one, is the full problem's optimum.
    """
    n, q = design.n_samples, design.n_columns
    keep = max(_WARM_BAND_PER_COLUMN * q, int(_WARM_BAND_SHARE * n))
    beta = np.asarray(beta0, dtype=float)
    residual = design.y[:n] - design.fitted(beta)
    iters = rounds = 0
    while 2 * keep <= n:
        cut = np.partition(np.abs(residual), keep)[keep]
        below = (residual < 0) & (-residual > cut)
        above = residual > cut
        for _ in range(8):
            fit, middle, _, wrong_below, wrong_above = band_round(
                design, tau, beta, below, above, residual, tol=tol, max_iter=max_iter
            )
            iters, rounds = iters + fit.n_iter, rounds + 1
            wrong = int(np.count_nonzero(wrong_below) + np.count_nonzero(wrong_above))
            if wrong == 0:
                basis, dual = _full_solution(design, tau, fit, middle, below, above)
                return PreprocessResult(fit.beta, basis, iters, fit.status, fit.gap, rounds,
                                        0, middle.size, dual)
            if fit.status == "max_iter":
                return None
            if wrong > max(keep // 20, 10 * q):
                break
            below &= ~wrong_below
            above &= ~wrong_above
        keep *= 2
    return None
