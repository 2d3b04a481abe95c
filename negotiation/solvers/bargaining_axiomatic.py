r"""Axiomatic bargaining solutions over a discrete set of agreement packages.

Model
-----
Two sides bargain over :math:`K` agreement packages. Package :math:`k` gives side
:math:`i \in \{1, 2\}` the utility :math:`u_{ki}`; the array ``utilities`` has shape
``(K, 2)``, one row per package and one column per side (side 1 first, as everywhere
in the package). Failing to agree gives the *disagreement point*
:math:`d = (d_1, d_2)`, and :math:`g_k = u_k - d` are the *gains* of package :math:`k`.

Two feasible sets are considered:

* the discrete set :math:`X = \{u_1, \dots, u_K\}` (``convex=False``): the sides must pick
  one package;
* its convex hull :math:`S = \operatorname{conv} X` (``convex=True``): the sides may also
  agree on a lottery over packages, whose expected utility is a convex combination.

The *zone of agreement* is :math:`Z = \{k : u_k \ge d,\ u_k \ne d\}` (weakly individually
rational for both sides and strictly better than no agreement for at least one). A
solution is *feasible* when its zone is non-empty (for ``convex=True``: when
:math:`S` has a point :math:`s \ge d,\ s \ne d`; a lottery can be acceptable to both even
when no single package is). An infeasible problem has no agreement: the solution is the
disagreement point itself.

The solutions, for power :math:`a \in [0, 1]` of side 1:

.. math::

    \text{Nash (asymmetric):}\quad & \arg\max_{s \in F}\ (s_1 - d_1)^{a} (s_2 - d_2)^{1-a} \\
    \text{Kalai--Smorodinsky:}\quad & \arg\max_{s \in F}\
        \min_i \frac{s_i - d_i}{I_i - d_i}, \qquad I_i = \max_{s \in F} s_i \\
    \text{egalitarian:}\quad & \arg\max_{s \in F}\ \min_i\, (s_i - d_i)

where :math:`F` is the individually-rational part of :math:`X` (the zone) or of
:math:`S`, and :math:`I` is the *ideal* (utopia) point of :math:`F`. On :math:`S` the
Kalai–Smorodinsky point is exactly the intersection of the segment from :math:`d` to
:math:`I` with the Pareto frontier. On :math:`X` the max-min ratio is the natural discrete
analogue (the segment rarely meets a package); it is the package whose worse-off side
gets the largest share of its ideal gain.

On :math:`S` every solution lies on the efficient upper-right boundary, a concave
polyline (:func:`convex_frontier`); it is solved exactly on each segment
:math:`s(t) = (1-t)\,u_i + t\,u_j` with a closed-form maximiser clipped to the segment's
individually-rational interval, and the best segment wins.

Ties and determinism: discrete solutions search only the Pareto-efficient packages of
the zone (so a tie never returns a dominated package); remaining ties go to the
lowest package index (Kalai–Smorodinsky and egalitarian first break ties by the
larger gain ratio of the better-off side, i.e. leximin). Values within ``1e-12``
(relative) count as tied. Every tie is reported in ``notes``.

References
----------
Nash, J. F. (1950). The bargaining problem. *Econometrica* 18:155–162.
Harsanyi, J. C. and Selten, R. (1972). A generalized Nash solution for two-person
bargaining games with incomplete information. *Management Science* 18:P80–P106.
Kalai, E. and Smorodinsky, M. (1975). Other solutions to Nash's bargaining problem.
*Econometrica* 43:513–518.
Kalai, E. (1977). Proportional solutions to bargaining situations: interpersonal utility
comparisons. *Econometrica* 45:1623–1630.
Thomson, W. (1994). Cooperative models of bargaining. In *Handbook of Game Theory* 2,
ch. 35.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike

#: Relative tolerance under which two objective values count as tied.
TIE_TOLERANCE = 1e-12


# --------------------------------------------------------------------------- validation


def _as_utilities(utilities: ArrayLike) -> np.ndarray:
    """Validate ``utilities`` as a finite float array of shape (K, 2)."""
    try:
        u = np.asarray(utilities, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"utilities: expected an array of numbers of shape (K, 2): {exc}") from exc
    if u.ndim != 2 or u.shape[1] != 2:
        raise ValueError(
            "utilities: expected an array of shape (K, 2) (one row per package, one column "
            f"per side), got shape {u.shape}"
        )
    bad = ~np.isfinite(u).all(axis=1)
    if bad.any():
        raise ValueError(
            f"utilities: NaN or infinite values in packages {np.flatnonzero(bad).tolist()}"
        )
    return u


def _as_disagreement(disagreement: ArrayLike) -> np.ndarray:
    """Validate ``disagreement`` as a finite float array of shape (2,)."""
    try:
        d = np.asarray(disagreement, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"disagreement: expected two numbers: {exc}") from exc
    if d.shape != (2,):
        raise ValueError(f"disagreement: expected two numbers (one per side), got shape {d.shape}")
    if not np.isfinite(d).all():
        raise ValueError(f"disagreement = {d.tolist()}: expected finite numbers")
    return d


def _as_unit_interval(value: float, name: str) -> float:
    """Validate a number in [0, 1]."""
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} = {value!r}: expected a number in [0, 1]") from exc
    if not 0.0 <= x <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} = {value!r}: expected a number in [0, 1]")
    return x


def _scale(u: np.ndarray, d: np.ndarray) -> float:
    """Magnitude of the problem, for absolute tolerances."""
    return 1.0 + float(np.abs(d).max()) + (float(np.abs(u).max()) if len(u) else 0.0)


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True)
class BargainingSolution:
    """One bargaining solution and how it was obtained.

    Attributes
    ----------
    point : tuple of float
        The sides' utilities at the solution; the disagreement point when infeasible.
    package : int or None
        Index of the agreed package, or None for a strict lottery or no agreement.
    lottery : tuple (int, int, float) or None
        For a solution strictly inside a segment of the convex frontier:
        ``(i, j, p)``, package ``i`` with probability ``p`` and package ``j`` with
        ``1 - p``, so ``point = p * utilities[i] + (1 - p) * utilities[j]``.
    method : str
        ``"nash"``, ``"kalai_smorodinsky"`` or ``"egalitarian"``.
    disagreement : tuple of float
        The disagreement point ``d``.
    feasible : bool
        False when the zone of agreement is empty: no agreement, ``point == d``.
    convex : bool
        Whether lotteries were allowed (solution on the convex hull).
    power : float or None
        Side 1's bargaining power (Nash only).
    notes : tuple of str
        Ties and how they were broken, degenerate cases.
    """

    point: tuple[float, float]
    package: int | None
    lottery: tuple[int, int, float] | None
    method: str
    disagreement: tuple[float, float]
    feasible: bool
    convex: bool = False
    power: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def gains(self) -> tuple[float, float]:
        """``point - disagreement``: what each side gains over no agreement."""
        return (
            self.point[0] - self.disagreement[0],
            self.point[1] - self.disagreement[1],
        )

    def to_dict(self) -> dict:
        """Plain-data view (lists, floats, None) for JSON."""
        return {
            "point": [float(v) for v in self.point],
            "package": self.package,
            "lottery": None if self.lottery is None else list(self.lottery),
            "method": self.method,
            "disagreement": [float(v) for v in self.disagreement],
            "feasible": self.feasible,
            "convex": self.convex,
            "power": self.power,
            "notes": list(self.notes),
        }


def _infeasible(
    method: str, d: np.ndarray, convex: bool, power: float | None
) -> BargainingSolution:
    where = "the convex hull of the packages" if convex else "the packages"
    return BargainingSolution(
        point=(float(d[0]), float(d[1])),
        package=None,
        lottery=None,
        method=method,
        disagreement=(float(d[0]), float(d[1])),
        feasible=False,
        convex=convex,
        power=power,
        notes=(
            f"empty zone of agreement: no point of {where} is at least d for both sides and "
            "better for one; no agreement, the disagreement point is returned",
        ),
    )


# --------------------------------------------------------------------------- sets


def pareto_frontier(utilities: ArrayLike) -> np.ndarray:
    r"""Indices of the Pareto-efficient packages, in increasing index order.

    Package :math:`k` is efficient when no package :math:`j` has
    :math:`u_j \ge u_k` with :math:`u_j \ne u_k` (strict dominance). Exact on the
    discrete set, in :math:`O(K \log K)`. Ties: packages with identical utilities do not
    dominate one another, so duplicates of an efficient point are all kept; a package
    that equals another in one coordinate and is worse in the other is dominated.

    Parameters
    ----------
    utilities : array_like, shape (K, 2)
        Each side's utility of each package.

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[6., 1.], [4., 4.], [1., 6.], [3., 2.], [4., 4.], [4., 3.]])
    >>> pareto_frontier(u)
    array([0, 1, 2, 4])
    """
    u = _as_utilities(utilities)
    if len(u) == 0:
        return np.zeros(0, dtype=int)
    # Sweep by side 1's utility, highest first; within a group of equal u1 only the
    # group's highest u2 can be efficient, and only if no package with a strictly
    # higher u1 reaches that u2.
    order = np.lexsort((-u[:, 1], -u[:, 0]))
    keep = []
    best_u2 = -np.inf
    start = 0
    while start < len(order):
        stop = start
        u1 = u[order[start], 0]
        while stop < len(order) and u[order[stop], 0] == u1:
            stop += 1
        group = order[start:stop]
        top = u[group[0], 1]  # highest u2 in the group (sorted)
        if top > best_u2:
            keep.extend(k for k in group if u[k, 1] == top)
            best_u2 = top
        start = stop
    return np.sort(np.asarray(keep, dtype=int))


def zone_of_agreement(utilities: ArrayLike, disagreement: ArrayLike) -> np.ndarray:
    r"""Indices of the individually-rational packages (the zone of agreement).

    .. math:: Z = \{k : u_{k1} \ge d_1,\ u_{k2} \ge d_2,\ u_k \ne d\}

    A package exactly equal to :math:`d` is excluded: agreeing on it changes nothing.

    Parameters
    ----------
    utilities : array_like, shape (K, 2)
    disagreement : array_like, shape (2,)

    Returns
    -------
    numpy.ndarray of int
        Increasing package indices; empty when no agreement is possible.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[6., 1.], [4., 4.], [1., 6.], [3., 2.], [2., 2.]])
    >>> zone_of_agreement(u, [2., 2.])
    array([1, 3])
    """
    u = _as_utilities(utilities)
    d = _as_disagreement(disagreement)
    rational = (u >= d).all(axis=1) & (u > d).any(axis=1)
    return np.flatnonzero(rational)


def convex_frontier(utilities: ArrayLike) -> np.ndarray:
    r"""Vertices of the efficient upper-right boundary of the convex hull of the packages.

    The boundary of :math:`S = \operatorname{conv} X` that no point of :math:`S`
    Pareto-dominates is a concave polyline with strictly negative slopes, from the point
    with the highest :math:`u_2` to the point with the highest :math:`u_1`. Its vertices
    are efficient packages: the upper concave envelope of :func:`pareto_frontier`
    (monotone-chain hull; collinear points are not vertices). Identical points appear
    once, under their lowest index.

    Parameters
    ----------
    utilities : array_like, shape (K, 2)

    Returns
    -------
    numpy.ndarray of int
        Package indices, ordered by side 1's utility (increasing; side 2's decreasing).
        ``utilities[convex_frontier(utilities)]`` is the polyline.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[6., 1.], [4., 4.], [1., 6.], [3., 2.], [3., 4.]])
    >>> convex_frontier(u)
    array([2, 1, 0])
    >>> convex_frontier([[0., 2.], [1., 1.], [2., 0.]])  # (1, 1) is on the segment
    array([0, 2])
    """
    u = _as_utilities(utilities)
    efficient = pareto_frontier(u)
    # Efficient points sorted by u1 ascending (then u2 descending), lowest index first.
    order = efficient[np.lexsort((efficient, u[efficient, 0]))]
    chain: list[int] = []
    for k in order:
        if chain and np.array_equal(u[chain[-1]], u[k]):
            continue  # duplicate point: keep the lowest index
        while len(chain) >= 2:
            o, a = u[chain[-2]], u[chain[-1]]
            cross = (a[0] - o[0]) * (u[k, 1] - o[1]) - (a[1] - o[1]) * (u[k, 0] - o[0])
            if cross >= 0:  # a is on or below the chord o -> k: not a vertex
                chain.pop()
            else:
                break
        chain.append(int(k))
    return np.asarray(chain, dtype=int)


def _efficient_zone(u: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Zone packages that are Pareto-efficient (in the whole set, equivalently in the zone)."""
    return np.intersect1d(zone_of_agreement(u, d), pareto_frontier(u))


def _ir_pieces(points: np.ndarray, d: np.ndarray) -> list[tuple[int, float, float]]:
    """Individually-rational part of a frontier polyline.

    Returns ``(s, lo, hi)``: the points ``(1-t) P[s] + t P[s+1]`` with ``lo <= t <= hi``
    are ``>= d``. Along the chain u1 increases and u2 decreases, so the pieces are
    contiguous. A one-vertex chain gives ``(0, 0, 0)`` if that vertex is ``>= d``.
    """
    if len(points) == 1:
        return [(0, 0.0, 0.0)] if (points[0] >= d).all() else []
    pieces = []
    for s in range(len(points) - 1):
        a = points[s] - d
        b = points[s + 1] - points[s]  # b[0] > 0 > b[1]
        lo = max(0.0, -a[0] / b[0])
        hi = min(1.0, a[1] / -b[1])
        if lo <= hi:
            pieces.append((s, lo, hi))
    return pieces


def _at(points: np.ndarray, s: int, t: float) -> np.ndarray:
    if t == 0.0:
        return points[s]
    if t == 1.0:
        return points[s + 1]
    return (1.0 - t) * points[s] + t * points[s + 1]


def _hull_solution(
    u: np.ndarray,
    d: np.ndarray,
    vertices: np.ndarray,
    s: int,
    t: float,
    method: str,
    power: float | None,
    notes: list[str],
) -> BargainingSolution:
    """Turn (segment, t) on the frontier into a record: a vertex package or a lottery."""
    points = u[vertices]
    snap = 1e-12
    lottery = None
    if t <= snap or len(vertices) == 1:
        package, point = int(vertices[s]), points[s]
    elif t >= 1.0 - snap:
        package, point = int(vertices[s + 1]), points[s + 1]
    else:
        package, point = None, _at(points, s, t)
        lottery = (int(vertices[s]), int(vertices[s + 1]), float(1.0 - t))
        notes.append(
            f"lottery: package {lottery[0]} with probability {lottery[2]:.6g}, "
            f"package {lottery[1]} otherwise"
        )
    return BargainingSolution(
        point=(float(point[0]), float(point[1])),
        package=package,
        lottery=lottery,
        method=method,
        disagreement=(float(d[0]), float(d[1])),
        feasible=True,
        convex=True,
        power=power,
        notes=tuple(notes),
    )


def _hull_feasible(points: np.ndarray, d: np.ndarray, pieces: list, tol: float) -> bool:
    """Whether some individually-rational hull point gains more than ``tol`` for a side.

    On a piece, side 2's gain is largest at ``lo`` and side 1's at ``hi``. Judging by
    gains, not by ``hi > lo``, keeps a piece that is the single point ``d`` up to
    rounding from counting as an agreement.
    """
    for s, lo, hi in pieces:
        if (_at(points, s, lo) - d > tol).any() or (_at(points, s, hi) - d > tol).any():
            return True
    return False


def ideal_point(
    utilities: ArrayLike, disagreement: ArrayLike, *, convex: bool = False
) -> tuple[float, float] | None:
    r"""Ideal (utopia) point of the individually-rational set: :math:`I_i = \max_{s \in F} s_i`.

    :math:`F` is the zone of agreement (``convex=False``) or the part of the convex hull
    that is at least :math:`d` (``convex=True``; lotteries can raise the ideal above any
    individually-rational package). None when the problem is infeasible.

    Examples
    --------
    >>> ideal_point([[3., 0.], [0., 3.]], [1., 1.]) is None
    True
    >>> ideal_point([[3., 0.], [0., 3.]], [1., 1.], convex=True)
    (2.0, 2.0)
    """
    u = _as_utilities(utilities)
    d = _as_disagreement(disagreement)
    if not convex:
        zone = zone_of_agreement(u, d)
        if len(zone) == 0:
            return None
        top = u[zone].max(axis=0)
        return (float(top[0]), float(top[1]))
    vertices = convex_frontier(u)
    points = u[vertices]
    pieces = _ir_pieces(points, d)
    if not _hull_feasible(points, d, pieces, 1e-12 * _scale(u, d)):
        return None
    left = _at(points, pieces[0][0], pieces[0][1])  # highest u2
    right = _at(points, pieces[-1][0], pieces[-1][2])  # highest u1
    return (float(right[0]), float(left[1]))


# --------------------------------------------------------------------------- discrete search


def _best(
    primary: np.ndarray, tol: float, secondary: np.ndarray | None = None
) -> tuple[int, int, int]:
    """Position of the best value (ties within ``tol``: larger secondary, then first).

    Returns the position, the number of candidates tied on ``primary`` and the number
    still tied after ``secondary``.
    """
    top = primary.max()
    tied = np.ones(len(primary), bool) if top == -np.inf else primary >= top - tol
    n_primary = int(tied.sum())
    if secondary is not None and n_primary > 1:
        sec = np.where(tied, secondary, -np.inf)
        tied &= sec >= sec.max() - tol
    return int(np.argmax(tied)), n_primary, int(tied.sum())


def _discrete_solution(
    u: np.ndarray,
    d: np.ndarray,
    candidates: np.ndarray,
    best: tuple[int, int, int],
    method: str,
    power: float | None,
    criterion: str,
    secondary: str = "",
) -> BargainingSolution:
    position, n_primary, n_final = best
    k = int(candidates[position])
    notes = []
    if n_primary > 1:
        rule = "the lowest index"
        if secondary:
            rule = f"{secondary}, then the lowest index" if n_final > 1 else secondary
        notes.append(f"{n_primary} efficient packages tie on {criterion}; {rule} chose {k}")
    return BargainingSolution(
        point=(float(u[k, 0]), float(u[k, 1])),
        package=k,
        lottery=None,
        method=method,
        disagreement=(float(d[0]), float(d[1])),
        feasible=True,
        convex=False,
        power=power,
        notes=tuple(notes),
    )


def _log_nash_product(gains: np.ndarray, power: float) -> np.ndarray:
    """``a log g1 + (1-a) log g2`` with ``0 * log 0 = 0`` and ``log 0 = -inf``."""
    gains = np.maximum(gains, 0.0)
    with np.errstate(divide="ignore"):
        out = np.zeros(len(gains))
        if power > 0.0:
            out = out + power * np.log(gains[:, 0])
        if power < 1.0:
            out = out + (1.0 - power) * np.log(gains[:, 1])
    return out


# --------------------------------------------------------------------------- solutions


def nash_bargaining_solution(
    utilities: ArrayLike,
    disagreement: ArrayLike,
    power: float = 0.5,
    *,
    convex: bool = False,
) -> BargainingSolution:
    r"""The (asymmetric) Nash bargaining solution.

    .. math:: \arg\max_{s \in F,\ s \ge d}\ (s_1 - d_1)^{a}\,(s_2 - d_2)^{1-a}

    with :math:`a` = ``power``, side 1's bargaining power (:math:`a = 1/2`: Nash 1950;
    otherwise Harsanyi–Selten 1972). Over the discrete packages (``convex=False``) the
    search runs over the efficient packages of the zone of agreement; ties (equal
    products, e.g. when every product is zero) go to the lowest index. With
    ``convex=True`` the feasible set is the convex hull (lotteries): on each segment
    :math:`s(t) = P + t B` of :func:`convex_frontier`, with gains :math:`A = P - d`, the
    log-product is concave in :math:`t` with its stationary point at

    .. math:: t^\ast = -\frac{a B_1 A_2 + (1-a) B_2 A_1}{B_1 B_2},

    clipped to the segment's individually-rational interval; the best segment wins.
    ``power`` 0 or 1 gives all the surplus to one side (within the efficient set).

    Parameters
    ----------
    utilities : array_like, shape (K, 2)
    disagreement : array_like, shape (2,)
    power : float in [0, 1]
        Side 1's bargaining power :math:`a`; side 2 has :math:`1 - a`.
    convex : bool
        Allow lotteries over packages.

    Returns
    -------
    BargainingSolution

    References
    ----------
    Nash (1950), *Econometrica* 18:155–162; Harsanyi and Selten (1972), *Management
    Science* 18:P80–P106; Roth, *Axiomatic Models of Bargaining* (1979), ch. 1–2.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[6., 1.], [4., 4.], [1., 6.], [3., 2.]])
    >>> nash_bargaining_solution(u, [0., 0.]).package  # products 6, 16, 6, 6
    1
    >>> pie = nash_bargaining_solution([[1., 0.], [0., 1.]], [0., 0.], convex=True)
    >>> pie.point, pie.lottery
    ((0.5, 0.5), (1, 0, 0.5))
    >>> nash_bargaining_solution([[1., 0.], [0., 1.]], [0., 0.], 0.75, convex=True).point
    (0.75, 0.25)
    >>> nash_bargaining_solution(u, [7., 7.]).feasible
    False
    """
    u = _as_utilities(utilities)
    d = _as_disagreement(disagreement)
    a = _as_unit_interval(power, "power")
    if not convex:
        candidates = _efficient_zone(u, d)
        if len(candidates) == 0:
            return _infeasible("nash", d, False, a)
        objective = _log_nash_product(u[candidates] - d, a)
        best = _best(objective, TIE_TOLERANCE)
        return _discrete_solution(u, d, candidates, best, "nash", a, "the Nash product")

    vertices = convex_frontier(u)
    points = u[vertices]
    pieces = _ir_pieces(points, d)
    if not _hull_feasible(points, d, pieces, 1e-12 * _scale(u, d)):
        return _infeasible("nash", d, True, a)
    best = None
    for s, lo, hi in pieces:
        t = lo
        if hi > lo:
            A = points[s] - d
            B = points[s + 1] - points[s]
            t_star = -(a * B[0] * A[1] + (1.0 - a) * B[1] * A[0]) / (B[0] * B[1])
            t = min(max(t_star, lo), hi)
        value = _log_nash_product((_at(points, s, t) - d)[None, :], a)[0]
        if best is None or value > best[0] + TIE_TOLERANCE:
            best = (value, s, t)
    return _hull_solution(u, d, vertices, best[1], best[2], "nash", a, [])


def _maxmin_on_hull(
    points: np.ndarray, d: np.ndarray, pieces: list, weights: np.ndarray
) -> tuple[int, float]:
    r"""Maximise :math:`\min_i w_i (s_i - d_i)` along the frontier pieces.

    On a segment :math:`w_1 g_1` increases and :math:`w_2 g_2` decreases in :math:`t`,
    so the maximum is at their crossing, clipped to the piece.
    """
    best = None
    for s, lo, hi in pieces:
        t = lo
        if hi > lo:
            A = points[s] - d
            B = points[s + 1] - points[s]
            t_cross = (weights[1] * A[1] - weights[0] * A[0]) / (
                weights[0] * B[0] - weights[1] * B[1]
            )
            t = min(max(t_cross, lo), hi)
        value = float(np.min(weights * (_at(points, s, t) - d)))
        if best is None or value > best[0] + TIE_TOLERANCE * max(1.0, abs(best[0])):
            best = (value, s, t)
    return best[1], best[2]


def kalai_smorodinsky_solution(
    utilities: ArrayLike, disagreement: ArrayLike, *, convex: bool = False
) -> BargainingSolution:
    r"""The Kalai–Smorodinsky solution: equal shares of each side's ideal gain.

    .. math:: \arg\max_{s \in F}\ \min_i \frac{s_i - d_i}{I_i - d_i}

    where :math:`I` is :func:`ideal_point` of the individually-rational set :math:`F`.
    With ``convex=True`` this is exactly the intersection of the segment from :math:`d`
    to :math:`I` with the efficient frontier (it always meets it: along the frontier the
    first ratio rises from at most 1 to 1 while the second falls from 1). With
    ``convex=False`` (discrete definition) it is the efficient zone package with the
    largest worst-off ratio; ties go to the larger best-off ratio (leximin), then the
    lowest index. A side whose ideal equals its disagreement payoff (no zone package
    gives it anything) has ratio 1 by convention, so the other side's ratio decides.

    Parameters
    ----------
    utilities : array_like, shape (K, 2)
    disagreement : array_like, shape (2,)
    convex : bool
        Allow lotteries over packages.

    Returns
    -------
    BargainingSolution

    References
    ----------
    Kalai and Smorodinsky (1975), *Econometrica* 43:513–518.

    Examples
    --------
    Kalai and Smorodinsky's set :math:`\operatorname{conv}\{0, (1, 0), (0, 1), (1, 0.7)\}`:
    ideal (1, 1), the diagonal meets the frontier :math:`s_2 = 1 - 0.3 s_1` at
    :math:`s = 10/13`.

    >>> u = [[0., 0.], [1., 0.], [0., 1.], [1., 0.7]]
    >>> ks = kalai_smorodinsky_solution(u, [0., 0.], convex=True)
    >>> [round(x, 6) for x in ks.point], round(10 / 13, 6)
    ([0.769231, 0.769231], 0.769231)
    """
    u = _as_utilities(utilities)
    d = _as_disagreement(disagreement)
    method = "kalai_smorodinsky"
    if not convex:
        candidates = _efficient_zone(u, d)
        if len(candidates) == 0:
            return _infeasible(method, d, False, None)
        ideal = u[candidates].max(axis=0)
        span = ideal - d
        gains = u[candidates] - d
        ratios = np.ones_like(gains)
        for i in (0, 1):
            if span[i] > 0:
                ratios[:, i] = gains[:, i] / span[i]
        best = _best(ratios.min(axis=1), TIE_TOLERANCE, ratios.max(axis=1))
        rule = ("the worse-off side's gain ratio", "the better-off side's larger ratio (leximin)")
        solution = _discrete_solution(u, d, candidates, best, method, None, *rule)
        if (span == 0).any():
            side = int(np.flatnonzero(span == 0)[0]) + 1
            solution = _with_note(
                solution, f"side {side} gains nothing in any zone package: its ratio is 1"
            )
        return solution

    vertices = convex_frontier(u)
    points = u[vertices]
    pieces = _ir_pieces(points, d)
    if not _hull_feasible(points, d, pieces, 1e-12 * _scale(u, d)):
        return _infeasible(method, d, True, None)
    left = _at(points, pieces[0][0], pieces[0][1])
    right = _at(points, pieces[-1][0], pieces[-1][2])
    span = np.array([right[0] - d[0], left[1] - d[1]])
    if (span <= 0).any():
        # The individually-rational part of a strictly monotone chain is one point.
        s, lo, _ = pieces[0]
        return _hull_solution(u, d, vertices, s, lo, method, None, [])
    s, t = _maxmin_on_hull(points, d, pieces, 1.0 / span)
    ideal = f"ideal point ({d[0] + span[0]:.6g}, {d[1] + span[1]:.6g})"
    return _hull_solution(u, d, vertices, s, t, method, None, [ideal])


def egalitarian_solution(
    utilities: ArrayLike, disagreement: ArrayLike, *, convex: bool = False
) -> BargainingSolution:
    r"""The egalitarian solution: the largest gain the worse-off side can be guaranteed.

    .. math:: \arg\max_{s \in F}\ \min_i\, (s_i - d_i)

    With ``convex=True``, when the equal-gains ray :math:`d + m (1, 1)` meets the
    efficient frontier the solution is that point (equal gains, Kalai 1977). When the
    whole individually-rational frontier lies on one side of the ray (the hull is not
    comprehensive: no free disposal), the maximiser is the frontier end nearest the ray;
    it gives the worse-off side the same gain :math:`m` as Kalai's point of the
    comprehensive hull, :math:`d + m (1, 1)`, which it Pareto-dominates. With
    ``convex=False`` ties go to the larger gain of the better-off side (leximin), then
    the lowest index.

    Parameters
    ----------
    utilities : array_like, shape (K, 2)
    disagreement : array_like, shape (2,)
    convex : bool
        Allow lotteries over packages.

    Returns
    -------
    BargainingSolution

    References
    ----------
    Kalai (1977), *Econometrica* 45:1623–1630.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.array([[6., 1.], [4., 4.], [1., 6.], [5., 3.]])
    >>> egalitarian_solution(u, [0., 0.]).package
    1
    >>> egalitarian_solution([[3., 0.], [0., 1.]], [0., 0.], convex=True).point
    (0.75, 0.75)
    """
    u = _as_utilities(utilities)
    d = _as_disagreement(disagreement)
    method = "egalitarian"
    if not convex:
        candidates = _efficient_zone(u, d)
        if len(candidates) == 0:
            return _infeasible(method, d, False, None)
        gains = u[candidates] - d
        tol = TIE_TOLERANCE * _scale(u, d)
        best = _best(gains.min(axis=1), tol, gains.max(axis=1))
        rule = ("the smaller gain", "the better-off side's larger gain (leximin)")
        return _discrete_solution(u, d, candidates, best, method, None, *rule)

    vertices = convex_frontier(u)
    points = u[vertices]
    pieces = _ir_pieces(points, d)
    if not _hull_feasible(points, d, pieces, 1e-12 * _scale(u, d)):
        return _infeasible(method, d, True, None)
    s, t = _maxmin_on_hull(points, d, pieces, np.ones(2))
    solution = _hull_solution(u, d, vertices, s, t, method, None, [])
    g = solution.gains
    if abs(g[0] - g[1]) > 1e-9 * _scale(u, d):
        solution = _with_note(
            solution,
            "the equal-gains ray misses the efficient frontier: gains are unequal; the "
            "point Pareto-dominates the equal-gains point of the comprehensive hull",
        )
    return solution


def _with_note(solution: BargainingSolution, note: str) -> BargainingSolution:
    return replace(solution, notes=solution.notes + (note,))
