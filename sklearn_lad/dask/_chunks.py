"""The per-chunk work of the distributed Portnoy-Koenker scheme, and the tree reduction.

Every pass over the data maps one kernel over the row chunks of ``(X, y, sample_weight)`` and
folds the per-chunk results pairwise-in-groups (a tree of ``split_every``-ary combines), so that
one ``dask.compute`` per pass returns a small object to the client and no chunk of ``X`` ever
travels there. The kernels are plain functions of numpy blocks: the same code runs under the
threaded scheduler and on ``dask.distributed`` workers.

Three kernels, one per kind of pass (``_fit.py`` drives them):

- :func:`sample_block`: a uniform random subsample by random keys (the rows whose key falls
  under the sampling rate); when the number of rows is unknown (chunk sizes unknown, e.g. from a
  dask DataFrame) each chunk keeps the rate its own length allows and every combine prunes the
  union to the rate of the rows seen so far (the rate only decreases with ``n``), so the client
  receives a uniform sample of the right size and memory stays bounded. It also checks the data
  (finite, non-negative weights).
- :func:`classify_block`: residuals and spreads at the pilot fit (the package's
  ``_band_statistics``), the rows inside the band, and the two globs' sums (the package's
  ``_globs``, made additive across chunks).
- :func:`verify_block`: the residual sign of every globbed row at a candidate solution (the
  certificate), the rows with the wrong sign, and the full objective.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import dask
import dask.array as da
import numpy as np

from ._engine import _band_statistics, _globs, _standardize, chunk_design, n_columns


def prepare_block(Xb, yb, wb):
    """Float64 blocks with the zero-weight rows dropped (they never change the answer)."""
    X = np.asarray(Xb, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    y = np.asarray(yb, dtype=np.float64).reshape(-1)
    if wb is None:
        return X, y, None
    w = np.asarray(wb, dtype=np.float64).reshape(-1)
    positive = w > 0
    if not positive.all():
        X, y, w = X[positive], y[positive], w[positive]
    return X, y, w


def _chunk_design(X, y, w, intercept: bool):
    return chunk_design(X, y, w, intercept)


def _check_loss(residual, w, tau: float) -> float:
    loss = np.where(residual >= 0, tau * residual, (tau - 1.0) * residual)
    return float(loss.sum() if w is None else w @ loss)


# --- the sample pass -----------------------------------------------------------------------


@dataclass
class Sample:
    """A uniform random subsample of the rows, with the data's totals and validity flags."""

    n: int
    weight_sum: float
    key: np.ndarray
    X: np.ndarray
    y: np.ndarray
    w: np.ndarray | None
    finite: bool = True
    negative_weight: float = 0.0
    chunks: int = 1


def _raw(Xb, yb, wb):
    as_float = [np.asarray(a, dtype=np.float64) for a in (Xb, yb)]
    return (*as_float, None if wb is None else np.asarray(wb, dtype=np.float64))


def _validity(Xb, yb, wb):
    """``(all finite, smallest negative weight or 0)`` of one raw chunk."""
    finite = bool(np.isfinite(Xb).all()) and bool(np.isfinite(yb).all())
    negative = 0.0
    if wb is not None:
        finite = finite and bool(np.isfinite(wb).all())
        negative = float(min(np.min(wb, initial=0.0), 0.0))
    return finite, negative


def sample_block(Xb, yb, wb, *, block_id: int, seed: int, rate) -> Sample:
    """The rows of one chunk whose random key is below ``rate(n, 1)`` (``n`` its length)."""
    finite, negative = _validity(*_raw(Xb, yb, wb))
    X, y, w = prepare_block(Xb, yb, wb)
    # One independent stream per chunk, reproducible from the estimator's random_state.
    key = np.random.default_rng([seed, block_id]).random(y.size)
    chosen = key < rate(y.size, 1)
    return Sample(
        n=y.size, weight_sum=float(y.size if w is None else w.sum()), key=key[chosen],
        X=X[chosen], y=y[chosen], w=None if w is None else w[chosen], finite=finite,
        negative_weight=negative,
    )


def combine_samples(*parts: Sample, rate) -> Sample:
    """Union of chunk samples, pruned to the sampling rate of all the rows they stand for."""
    n = sum(p.n for p in parts)
    chunks = sum(p.chunks for p in parts)
    key = np.concatenate([p.key for p in parts])
    chosen = key < rate(n, chunks)
    weighted = parts[0].w is not None
    return Sample(
        n=n, weight_sum=sum(p.weight_sum for p in parts), key=key[chosen],
        X=np.concatenate([p.X for p in parts])[chosen],
        y=np.concatenate([p.y for p in parts])[chosen],
        w=np.concatenate([p.w for p in parts])[chosen] if weighted else None,
        finite=all(p.finite for p in parts),
        negative_weight=min(p.negative_weight for p in parts), chunks=chunks,
    )


# --- the classify pass ---------------------------------------------------------------------


@dataclass
class Band:
    """What the client fixes before a classification: centre, pilot Gram matrix, thresholds."""

    center: np.ndarray
    gram: np.ndarray
    lower: float
    upper: float
    intercept: bool

    def sides(self, X, y, w):
        """Residuals at the centre and the masks of rows below and above the band."""
        design = _chunk_design(X, y, w, self.intercept)
        residual, spread = _band_statistics(design, self.center, self.gram)
        standardized = _standardize(residual, spread)
        return design, residual, standardized < self.lower, standardized > self.upper


@dataclass
class Classified:
    """The band's rows and the globs' additive sums over some chunks.

    ``glob_rows[s] = sum u_i a_i``, ``glob_targets[s] = sum u_i (y_i + side_s |r_i|)`` and
    ``glob_weights[s] = sum u_i`` over the rows below (``s = 0``) and above (``s = 1``) the
    band; dividing by the weight gives the pseudo-observation of ``_globs``.
    """

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray | None
    glob_rows: np.ndarray
    glob_targets: np.ndarray
    glob_weights: np.ndarray
    center_loss: float
    sides: dict = field(default_factory=dict)
    finite: bool = True
    negative_weight: float = 0.0

    @property
    def n(self) -> int:
        """Rows classified (positive weight)."""
        return self.y.size + int(np.sum(list(self.sides.values())))

    @property
    def weight_sum(self) -> float:
        middle = self.y.size if self.w is None else float(self.w.sum())
        return float(middle + self.glob_weights.sum())


def _glob_sums(design, below, above, residual):
    """``_globs``' pseudo-observations turned back into sums, which add up across chunks."""
    rows, targets, weights = _globs(design, below, above, residual)
    sums = np.zeros((2, n_columns(design)))
    target_sums = np.zeros(2)
    totals = np.zeros(2)
    present = [side for side, mask in enumerate((below, above)) if mask.any()]
    for k, side in enumerate(present):
        sums[side] = rows[k] * weights[k]
        target_sums[side] = targets[k] * weights[k]
        totals[side] = weights[k]
    return sums, target_sums, totals


def classify_block(Xb, yb, wb, *, block_id: int, band: Band, tau: float) -> Classified:
    """The band's rows of one chunk and the sums of the rows below and above it."""
    finite, negative = _validity(*_raw(Xb, yb, wb))
    X, y, w = prepare_block(Xb, yb, wb)
    if not finite:  # the client raises; the statistics of this chunk would be meaningless
        return Classified(X[:0], y[:0], None if w is None else w[:0], np.zeros((2, X.shape[1]
                          + int(band.intercept))), np.zeros(2), np.zeros(2), 0.0,
                          {block_id: (0, 0)}, False, negative)
    design, residual, below, above = band.sides(X, y, w)
    middle = ~(below | above)
    sums, target_sums, totals = _glob_sums(design, below, above, residual)
    return Classified(
        X=X[middle], y=y[middle], w=None if w is None else w[middle], glob_rows=sums,
        glob_targets=target_sums, glob_weights=totals,
        center_loss=_check_loss(residual, w, tau),
        sides={block_id: (int(below.sum()), int(above.sum()))}, negative_weight=negative,
    )


def combine_classified(*parts: Classified) -> Classified:
    """Concatenate the band's rows and add the glob sums."""
    weighted = parts[0].w is not None
    sides = {}
    for p in parts:
        sides.update(p.sides)
    return Classified(
        X=np.concatenate([p.X for p in parts]), y=np.concatenate([p.y for p in parts]),
        w=np.concatenate([p.w for p in parts]) if weighted else None,
        glob_rows=sum(p.glob_rows for p in parts),
        glob_targets=sum(p.glob_targets for p in parts),
        glob_weights=sum(p.glob_weights for p in parts),
        center_loss=sum(p.center_loss for p in parts), sides=sides,
        finite=all(p.finite for p in parts),
        negative_weight=min(p.negative_weight for p in parts),
    )


# --- the verify pass -----------------------------------------------------------------------


@dataclass
class Verified:
    """Wrongly signed globbed rows (at most ``cap`` kept), their count, and the full loss."""

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray | None
    side: np.ndarray  # 0: was below the band, 1: was above
    where: np.ndarray  # (block, row within the block) of each returned row
    n_wrong: int
    loss: float
    sides: dict = field(default_factory=dict)


def verify_block(
    Xb, yb, wb, *, block_id: int, band: Band, beta: np.ndarray, tau: float, cap: int,
    repaired: dict,
) -> Verified:
    """Residual signs at ``beta`` of the rows of one chunk that were globbed.

    A globbed row must keep the sign of its side (residual <= 0 below the band, >= 0 above):
    then its dual sits at its bound and the reduced problem's dual certifies the full problem.
    Rows already put back into the reduced problem (``repaired[block_id]``, positions in the
    chunk) are not globbed any more. The classification is recomputed from the band, so
    nothing per row is stored between passes; its per-side counts are returned so the client
    can check that it came out the same.
    """
    X, y, w = prepare_block(Xb, yb, wb)
    design, _, below, above = band.sides(X, y, w)
    counts = (int(below.sum()), int(above.sum()))
    if repaired.get(block_id):
        back = np.asarray(repaired[block_id], dtype=np.intp)
        below[back] = False
        above[back] = False
    residual = y - design.matvec(beta)
    # Strict inequalities: a globbed row on the fit is consistent with either bound.
    wrong = (below & (residual > 0)) | (above & (residual < 0))
    index = np.flatnonzero(wrong)[:cap]
    return Verified(
        X=X[index], y=y[index], w=None if w is None else w[index],
        side=above[index].astype(np.int8),
        where=np.column_stack([np.full(index.size, block_id), index]).astype(np.int64),
        n_wrong=int(wrong.sum()), loss=_check_loss(residual, w, tau),
        sides={block_id: counts},
    )


def combine_verified(*parts: Verified, cap: int) -> Verified:
    """Union of the wrongly signed rows (the first ``cap``), counts and losses added."""
    weighted = parts[0].w is not None
    sides = {}
    for p in parts:
        sides.update(p.sides)
    return Verified(
        X=np.concatenate([p.X for p in parts])[:cap],
        y=np.concatenate([p.y for p in parts])[:cap],
        w=np.concatenate([p.w for p in parts])[:cap] if weighted else None,
        side=np.concatenate([p.side for p in parts])[:cap],
        where=np.concatenate([p.where for p in parts])[:cap],
        n_wrong=sum(p.n_wrong for p in parts), loss=sum(p.loss for p in parts), sides=sides,
    )


# --- one pass ------------------------------------------------------------------------------


def _leaf(Xb, yb, wb=None, *, kernel, ids, block_id=None, **kwargs):
    """One chunk's kernel result, wrapped as the single element of an object block."""
    out = np.empty((1, 1), dtype=object)
    index = int(block_id[0] if ids is None else ids[block_id[0]])
    out[0, 0] = kernel(Xb, yb[:, 0], None if wb is None else wb[:, 0], block_id=index,
                       **kwargs)
    return out


def _unwrap(part):
    return part[0, 0] if isinstance(part, np.ndarray) else part


def _fold(*parts, combine):
    return combine(*(_unwrap(p) for p in parts))


def tree_pass(arrays, kernel, combine, split_every: int, only=None, **kwargs):
    """Map ``kernel`` over the row chunks and fold the results in a tree; one ``dask.compute``.

    ``arrays`` is ``(X, y, w)`` (dask arrays with the same row chunks, ``w`` may be ``None``),
    ``only`` the indices of the chunks to visit (default all), ``kwargs`` the kernel's other
    arguments. The kernel runs through ``map_blocks``, so dask fuses it with the tasks that
    produce the chunk (reading or generating it) and no chunk is held between tasks.
    """
    X, y, w = arrays
    if only is not None:
        X, y = X.blocks[list(only)], y.blocks[list(only)]
        w = None if w is None else w.blocks[list(only)]
    columns = [X, y[:, None]] + ([] if w is None else [w[:, None]])
    parts = da.map_blocks(
        _leaf, *columns, kernel=kernel, ids=None if only is None else np.asarray(only),
        dtype=object, chunks=((1,) * X.numblocks[0], (1,)), meta=np.empty((0, 0), dtype=object),
        **kwargs,
    )
    fold = dask.delayed(partial(_fold, combine=combine), pure=True)
    level = list(parts.to_delayed(optimize_graph=True).ravel())
    while len(level) > 1:
        level = [fold(*level[i:i + split_every]) for i in range(0, len(level), split_every)]
    (result,) = dask.compute(level[0])
    return _unwrap(result)
