"""The simplex engine shared by the exact backends and the regularisation path.

* :mod:`._basis`: :class:`Basis` (interpolated rows, active columns, LU factorisation with
  rank-one updates and refreshes) and :func:`basic_dual`, the basic rows' dual values;
* :mod:`._linesearch`: :func:`line_minimum`, Barrodale & Roberts' long step (the weighted
  quantile of the kinks along an edge), and its two-sided form :func:`line_search`;
* :mod:`._parametric`: :class:`ParametricSimplex`, the simplex method over costs affine in a
  parameter ``t`` (:class:`AffineCosts`): the alpha homotopy of the path and the tau process are
  instances of it;
* :mod:`._pivot`: one step's pivot: the basis and ``A[Z]`` updated (in place on bases
  :meth:`ParametricSimplex.advance` owns), the steepest-edge pricing's column lengths kept by
  Goldfarb & Reid's update, refreshes tested for drift, the edge's direction;
* :mod:`._rowwalk`: :func:`walk_light`, its walk through every breakpoint when no column is
  penalised (the tau process), on a basis of rows kept in a few arrays.

References
----------
Gass, S. and Saaty, T. (1955). The computational algorithm for the parametric objective
function. Naval Research Logistics Quarterly 2(1-2), 39-45.
Barrodale, I. and Roberts, F. D. K. (1973). An improved algorithm for discrete l1 linear
approximation. SIAM Journal on Numerical Analysis 10(5), 839-848.
Koenker, R. and d'Orey, V. (1987). Algorithm AS 229: Computing regression quantiles. Journal of
the Royal Statistical Society, Series C (Applied Statistics) 36(3), 383-393.
Li, Y. and Zhu, J. (2008). L1-norm quantile regression. Journal of Computational and Graphical
Statistics 17(1), 163-185.
Koenker, R. (2005). Quantile Regression, ch. 6. Cambridge University Press.
Goldfarb, D. and Reid, J. K. (1977). A practicable steepest-edge simplex algorithm.
Mathematical Programming 12(1), 361-371.
"""

from ._basis import Basis, basic_dual, dual_at_bounds
from ._linesearch import line_minimum, line_search
from ._parametric import ParametricSimplex
from ._pivot import renumbered
from ._rows import ObservationRows
from ._rowwalk import LightPiece, walk_light
from ._state import AffineCosts, Event, Piece, Vertex

__all__ = [
    "AffineCosts", "Basis", "Event", "LightPiece", "ObservationRows", "ParametricSimplex",
    "Piece", "Vertex", "basic_dual", "dual_at_bounds", "line_minimum", "line_search",
    "renumbered", "walk_light",
]
