"""The long-step line search of the simplex engine: the minimum of a convex piecewise-linear slope.

Along an edge ``beta + s * delta`` of the quantile LP the objective is convex and piecewise
linear in the step ``s``: it starts with slope ``-need`` and every non-basic row whose residual
reaches zero at ``s_i`` (a *kink*) raises the slope by ``inc_i`` (its weight times ``|a_i delta|``;
a penalised coefficient crossing zero raises it by twice its penalty times ``|delta_j|``).
Barrodale & Roberts (1973) go to the minimum along the whole edge instead of stopping at the
first kink (one simplex pivot): the first kink at which the running slope reaches zero, i.e. a
weighted quantile of the kinks. Every backend that walks vertices (``br``'s two stages, ``irls``'s
line search and exchange finish, the parametric simplex behind the regularisation path) calls
:func:`line_minimum`; :func:`line_search` is the two-sided form for an arbitrary direction.
"""

from __future__ import annotations

import numpy as np

__all__ = ["line_minimum", "line_search"]

# Below this many candidate kinks the window is sorted outright.
_SORT_WINDOW = 128
# A step expected (from the mean increase) to stop within _SHORT_STEP kinks tries the _FEW
# smallest kinks first.
_SHORT_STEP = 16
_FEW = 64
# Below this many kinks a hint costs more (a mask and a masked sum) than it saves.
_HINT_WINDOW = 1024
# A bracket grown from a hint is widened four-fold at most this many times (4^8 = 65536).
_HINT_WIDENINGS = 8


def _bracket(t, inc, need, window, total):
    """One bracketing partition around a guess of the quantile's rank.

    Returns ``(keep, passed, need)``: the positions (into ``window``) still holding the stopping
    kink, the positions certainly passed over, and the slope still to be made up.
    """
    # Expected rank of the quantile if the increments were alike, bracketed by a margin.
    est = need / total * window.size
    margin = 16.0 + 2.0 * np.sqrt(est + 1.0)
    lo = int(max(est - margin, 0.0))
    hi = int(min(est + margin, window.size - 1))
    part = np.argpartition(t, [lo, hi] if lo > 0 else [hi])
    below = float(inc[part[:lo]].sum()) if lo > 0 else 0.0
    if below >= need:
        return part[:lo], part[:0], need
    upto = below + float(inc[part[lo:hi]].sum())
    if upto >= need:
        return part[lo:hi], part[:lo], need - below
    return part[hi:], part[:hi], need - upto


def _bracket_from_hint(t, inc, need: float, hint: float, candidates=None):
    """The kinks between two bounds that hold the stopping one, starting from a hint.

    ``[0, hint]`` is widened four-fold until the kinks in it make up ``need`` (one comparison
    and one masked sum each, no partition); ``candidates`` (a mask) restricts the kinks.
    Returns ``(window, lower, need)``: the kinks in ``(lower, upper]`` (``lower = 0`` for the
    first bracket), everything at or below ``lower`` passed over, and the slope still to be
    made up past ``lower``. ``window`` is empty when rounding keeps the slope below zero.
    """
    lower, made_before, upper = 0.0, 0.0, float(hint)
    for _ in range(_HINT_WIDENINGS):
        near = t <= upper if candidates is None else candidates & (t <= upper)
        made = float(inc.sum(where=near))
        if made >= need:
            if lower > 0.0:
                near &= t > lower
            return np.flatnonzero(near), lower, need - made_before
        lower, made_before, upper = upper, made, 4.0 * upper
    far = t > lower if candidates is None else candidates & (t > lower)
    return np.flatnonzero(far), lower, need - made_before


def line_minimum(
    t: np.ndarray, inc: np.ndarray, need: float, hint: float | None = None
) -> tuple[int, np.ndarray]:
    """The kink at which a piecewise-linear slope starting at ``-need`` first reaches zero.

    Parameters
    ----------
    t : ndarray of shape (k,)
        Positions of the kinks along the edge (non-negative; ties allowed).
    inc : ndarray of shape (k,)
        Increase of the slope at each kink (positive).
    need : float
        Minus the slope at the start of the edge. ``need <= 0`` (a zero-slope edge, as at a
        breakpoint of a parametric programme) gives the first kink: one classical pivot.
    hint : float, optional
        A guess of the stopping position (the previous step length, say): the kinks are first
        split at it, so that a good guess leaves only the few kinks on one side to search.

    Returns
    -------
    stop : int
        Position of the kink where the slope first reaches zero (the weighted ``need``-quantile
        of ``t``); the last kink if rounding keeps the total increase below ``need``.
    passed : ndarray of int
        Positions of the kinks before it, passed over by the long step.

    Notes
    -----
    Bracketing partitions (``argpartition`` around a guess of the quantile's rank, a window
    that shrinks) cut the candidates down in O(k) each; only the last small window is sorted.
    Among tied kinks the one with the largest ``inc`` turns the slope first, so the row entering
    a basis is a large pivot.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._simplex import line_minimum
    >>> stop, passed = line_minimum(np.array([3.0, 1.0, 2.0]), np.ones(3), 1.5)
    >>> stop, passed.tolist()
    (2, [1])
    >>> line_minimum(np.array([3.0, 1.0, 2.0]), np.ones(3), 1.5, hint=1.0)[0]
    2
    """
    if need <= 0.0:
        ties = np.flatnonzero(t == t.min())
        return int(ties[np.argmax(inc[ties])]), np.empty(0, dtype=np.intp)
    if hint is not None and hint > 0.0 and t.size > _HINT_WINDOW:
        window, lower, rest = _bracket_from_hint(t, inc, need, hint)
        if window.size:
            stop, passed = _line_minimum(t[window], inc[window], rest)
            before = np.flatnonzero(t <= lower) if lower > 0.0 else window[:0]
            return int(window[stop]), np.concatenate([before, window[passed]])
    return _line_minimum(t, inc, need)


def _line_minimum(t: np.ndarray, inc: np.ndarray, need: float) -> tuple[int, np.ndarray]:
    """:func:`line_minimum` without a hint, for ``need > 0``."""
    total = float(inc.sum())
    if t.size > _SORT_WINDOW and need < _SHORT_STEP * total / t.size:
        # A short step (the usual case near an optimum and in the path's homotopy): the few
        # smallest kinks, partitioned out once, are very likely to hold the stopping one.
        few = np.argpartition(t, _FEW - 1)[:_FEW]
        order = few[np.lexsort((-inc[few], t[few]))]
        cumulative = np.cumsum(inc[order])
        k = int(np.searchsorted(cumulative, need))
        if k < order.size and t[order[k]] < t[order[-1]]:  # not cut off among ties
            return int(order[k]), order[:k]
    passed = []
    window = np.arange(t.size)
    tw, iw = t, inc
    while window.size > _SORT_WINDOW and total > need:
        keep, before, need = _bracket(tw, iw, need, window, total)
        if before.size:
            passed.append(window[before])
        window, tw, iw = window[keep], tw[keep], iw[keep]
        total = float(iw.sum())
    order = np.lexsort((-iw, tw))
    cumulative = np.cumsum(iw[order])
    k = min(int(np.searchsorted(cumulative, need)), order.size - 1)
    passed.append(window[order[:k]])
    return int(window[order[k]]), np.concatenate(passed)


def line_search(
    residual: np.ndarray, direction: np.ndarray, weights: np.ndarray, tau: float,
    hint: float | None = None,
) -> tuple[float, int]:
    """Exact minimiser ``s`` of ``phi(s) = sum_i w_i rho_tau(r_i - s u_i)`` and its kink row.

    ``phi`` is convex and piecewise linear with kinks ``r_i / u_i`` and jumps ``w_i |u_i|`` of
    its slope, so the minimiser is a weighted quantile of the kinks on the descending side
    (:func:`line_minimum`). The step may be negative.

    Parameters
    ----------
    residual, direction, weights : ndarray of shape (m,)
        ``r``, ``u`` and ``w`` above.
    tau : float
        Quantile level.
    hint : float, optional
        A guess of ``|s|`` (1 for a Newton or MM step, the previous step length along an
        edge). Only the kinks on the hint's side where the minimum lies are listed and
        searched: with a good guess, a few instead of about half the rows.

    Returns
    -------
    step : float
        The minimiser, exactly ``r_row / u_row``; ``0.0`` when ``s = 0`` is already optimal.
    row : int
        The row whose kink it is, ``-1`` when the step is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lad._simplex import line_search
    >>> line_search(np.array([1.0, 2.0, 4.0]), np.ones(3), np.ones(3), 0.5)
    (2.0, 1)
    >>> line_search(np.array([1.0, 2.0, 4.0]), np.ones(3), np.ones(3), 0.5, hint=1.0)
    (2.0, 1)
    """
    r, u = residual, direction
    wu = weights * u
    total = float(wu.sum())
    # The right derivative at 0 is -tau sum(w u) + sum_{i below} w_i u_i, "below" the rows whose
    # residual is negative just after 0; the left one mirrors it. A zero residual moves to the
    # side -sign(u_i) as s leaves 0 (either way), so it counts in both sums.
    below = float(wu.sum(where=r < 0))
    zero = np.flatnonzero(r == 0)
    at_zero = wu[zero]
    forward = -tau * total + below + float(at_zero[at_zero > 0].sum())
    sign, slope = 1.0, forward
    if forward >= 0.0:
        slope = tau * total - below - float(at_zero[at_zero < 0].sum())
        if slope >= 0.0:
            return 0.0, -1
        sign = -1.0
    # Kinks strictly ahead in the chosen direction, as step lengths; those at s = 0 were priced
    # into the slope, and a row with u = 0 has none (its kink is at infinity, or NaN).
    with np.errstate(divide="ignore", invalid="ignore"):
        kinks = r / u if sign > 0 else -r / u
    ahead = (kinks > 0.0) & (kinks < np.inf)
    jump = np.abs(wu)
    need, rows = -slope, None
    if hint is not None and hint > 0.0:
        rows, _, rest = _bracket_from_hint(kinks, jump, need, hint, ahead)
        # An empty bracket: rounding kept the slope below 0; the last kink stands.
        rows, need = (rows, rest) if rows.size else (None, need)
    if rows is None:
        rows = np.flatnonzero(ahead)
    k, _ = line_minimum(kinks[rows], jump[rows], need)
    return sign * float(kinks[rows[k]]), int(rows[k])
