r"""Bargaining solvers: one import for the axiomatic and the strategic solutions.

Two sides choose among ``K`` agreement packages, ``utilities`` of shape ``(K, 2)`` (side
1's utility in column 0), with disagreement point ``d``. The solutions live in two
modules and are re-exported here:

* :mod:`negotiation.solvers.bargaining_axiomatic` -- the sets (:func:`pareto_frontier`,
  :func:`zone_of_agreement`, :func:`convex_frontier`, :func:`ideal_point`) and the
  axiomatic solutions (:func:`nash_bargaining_solution`,
  :func:`kalai_smorodinsky_solution`, :func:`egalitarian_solution`), each returning a
  frozen :class:`BargainingSolution`, on the packages or on their convex hull;
* :mod:`negotiation.solvers.alternating_offers` -- Rubinstein–Ståhl alternating offers
  with discounting, breakdown risk and a deadline (:func:`alternating_offers`,
  returning :class:`AlternatingOffersResult`), and the closed forms
  (:func:`rubinstein_shares`, :func:`breakdown_risk_shares`,
  :func:`alternating_offers_pie`).

The bridge between them (Binmore, Rubinstein and Wolinsky 1986): as the time between
offers shrinks, with :math:`\delta_i = e^{-r_i \Delta}`, the alternating-offers
agreement tends to the Nash solution with side 1's power :math:`r_2 / (r_1 + r_2)`.

Examples
--------
>>> import numpy as np
>>> u = np.array([[8., 0.], [6., 3.], [4., 5.], [2., 7.], [0., 8.]])
>>> nash_bargaining_solution(u, [0., 0.]).package  # products 0, 18, 20, 14, 0
2
>>> alternating_offers(u, [0., 0.], discount=(0.5, 0.5), deadline=1).package  # ultimatum
0
"""

from __future__ import annotations

from negotiation.solvers.alternating_offers import (
    AlternatingOffersResult,
    alternating_offers,
    alternating_offers_pie,
    breakdown_risk_shares,
    rubinstein_shares,
)
from negotiation.solvers.bargaining_axiomatic import (
    BargainingSolution,
    convex_frontier,
    egalitarian_solution,
    ideal_point,
    kalai_smorodinsky_solution,
    nash_bargaining_solution,
    pareto_frontier,
    zone_of_agreement,
)

__all__ = [
    "AlternatingOffersResult",
    "BargainingSolution",
    "alternating_offers",
    "alternating_offers_pie",
    "breakdown_risk_shares",
    "convex_frontier",
    "egalitarian_solution",
    "ideal_point",
    "kalai_smorodinsky_solution",
    "nash_bargaining_solution",
    "pareto_frontier",
    "rubinstein_shares",
    "zone_of_agreement",
]
