r"""Strategic bargaining: alternating offers with discounting, breakdown risk and a deadline.

Model
-----
The two sides (0 and 1 here, "side 1" and "side 2" in prose) bargain over the ``K``
packages of ``utilities`` (shape ``(K, 2)``), with disagreement point :math:`d`. Rounds
:math:`t = 0, \dots, T-1`; the proposer of round :math:`t` is
``(first_proposer + t) % 2``. The proposer offers a package; the responder accepts
(the talks end) or rejects. After a rejection the talks break down with probability
:math:`p` (both get :math:`d`); otherwise the next round begins. A rejection in round
:math:`T-1` is a deadlock: both get :math:`d`.

Payoffs. The status quo :math:`d` is what each side earns while the talks go on (in the
trade case: the current tariffs stay in force), and an agreement replaces it from then
on. With per-round discount factors :math:`\delta_i`, agreement on package :math:`k` in
round :math:`t` is worth, in round-0 units,

.. math:: d_i + \delta_i^{t}\,(u_{ki} - d_i),

and breakdown or deadlock is worth :math:`d_i`. In gains :math:`g = u - d` the game is
Rubinstein's with disagreement 0, and a breakdown risk :math:`p` acts exactly like an
extra discount factor: the effective factor is :math:`q_i = (1-p)\,\delta_i` (Binmore,
Rubinstein and Wolinsky 1986).

Subgame-perfect equilibrium by backward induction. Let :math:`W_t` be the equilibrium
gains of the subgame that starts at round :math:`t` (round-:math:`t` units),
:math:`W_T = 0`, and :math:`c_t = q \odot W_{t+1}` the value of rejecting in round
:math:`t`. The responder :math:`j` accepts exactly the packages with
:math:`g_{kj} \ge c_{tj}` (it accepts when indifferent). The proposer :math:`i` offers,
among those, the package with the largest :math:`g_{ki}` (ties: the one better for the
responder, then the lowest index), provided :math:`g_{ki} \ge c_{ti}` (it prefers
agreement when indifferent); then :math:`W_t = g_k`. Otherwise no package beats waiting
for it: it makes an unacceptable offer and :math:`W_t = c_t`. Comparisons use a
tolerance of :math:`10^{-12}` times the problem's scale.

Consequence (complete information, gains :math:`\ge 0` after rejection): if round
:math:`t+1` ends in agreement on :math:`k`, that same :math:`k` is acceptable and at
least as good for the proposer in round :math:`t`; so the equilibrium agrees in round 0
or never, and it agrees iff some package has :math:`u_k \ge d` for both sides (possibly
:math:`u_k = d`: agreeing on it is payoff-equivalent to deadlock, and is reported so).

Infinite horizon, pie of size 1 (:math:`u_1 + u_2 = 1`, :math:`d = 0`): the unique SPE
gives the first proposer :math:`(1-\delta_2)/(1-\delta_1\delta_2)` (Rubinstein 1982);
with outside options :math:`b` and breakdown risk, the first proposer gets
:math:`b_1 + (1 - b_1 - b_2)(1-q_2)/(1-q_1 q_2)`. With :math:`\delta_i = e^{-r_i\Delta}` and
:math:`\Delta \to 0` the split converges to the asymmetric Nash bargaining solution with
side 1's power :math:`r_2/(r_1+r_2)`; for any concave frontier, the stationary offers of
the two proposers have equal asymmetric Nash products with exponents
:math:`(r_2, r_1)`, so they bracket the Nash solution and converge to it (BRW 1986).

References
----------
Rubinstein, A. (1982). Perfect equilibrium in a bargaining model. *Econometrica*
50:97–109.
Ståhl, I. (1972). *Bargaining Theory*. Stockholm School of Economics.
Binmore, K., Rubinstein, A. and Wolinsky, A. (1986). The Nash bargaining solution in
economic modelling. *RAND Journal of Economics* 17:176–188.
Osborne, M. J. and Rubinstein, A. (1990). *Bargaining and Markets*, ch. 3–4.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.bargaining_axiomatic import (
    _as_disagreement,
    _as_unit_interval,
    _as_utilities,
    _scale,
)

# --------------------------------------------------------------------------- validation


def _as_discount(discount, *, strict: bool = False) -> tuple[float, float]:
    """Validate a pair of discount factors in [0, 1] (or [0, 1) when ``strict``)."""
    try:
        pair = tuple(float(x) for x in discount)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"discount = {discount!r}: expected two factors (delta_1, delta_2)"
        ) from exc
    if len(pair) != 2:
        raise ValueError(f"discount = {discount!r}: expected two factors (delta_1, delta_2)")
    upper = "1)" if strict else "1]"
    for i, x in enumerate(pair):
        if not (0.0 <= x < 1.0 if strict else 0.0 <= x <= 1.0):
            raise ValueError(f"discount = {discount!r}: delta_{i + 1} = {x} is not in [0, {upper}")
    return pair


def _as_side(value, name: str) -> int:
    if isinstance(value, bool) or value not in (0, 1):
        raise ValueError(f"{name} = {value!r}: expected side 0 or side 1")
    return int(value)


def _as_deadline(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"deadline = {value!r}: expected an integer number of rounds >= 1")
    return int(value)


def _infinite_shares(q1: float, q2: float) -> tuple[float, float]:
    """Rubinstein shares for effective discount factors, side 1 proposing first."""
    if q1 >= 1.0 and q2 >= 1.0:
        raise ValueError(
            "effective discount factors are both 1 (no impatience and no breakdown risk): "
            "every split is a subgame-perfect equilibrium of the infinite game"
        )
    first = (1.0 - q2) / (1.0 - q1 * q2)
    return first, 1.0 - first


# --------------------------------------------------------------------------- closed forms


def rubinstein_shares(delta_1: float, delta_2: float) -> tuple[float, float]:
    r"""Shares of a pie of 1 in the unique SPE of Rubinstein's infinite alternating offers.

    Side 1 proposes first; the offer is accepted at once:

    .. math::

        x_1 = \frac{1 - \delta_2}{1 - \delta_1 \delta_2}, \qquad
        x_2 = \frac{\delta_2 (1 - \delta_1)}{1 - \delta_1 \delta_2}.

    Parameters
    ----------
    delta_1, delta_2 : float in [0, 1)
        Per-round discount factors. A factor of 1 (perfect patience) is refused: with
        both at 1 every split is an equilibrium.

    Returns
    -------
    tuple of float
        ``(x_1, x_2)``, summing to 1.

    References
    ----------
    Rubinstein (1982), *Econometrica* 50:97–109, Theorem.

    Examples
    --------
    >>> rubinstein_shares(0.5, 0.5)  # 0.5 / 0.75
    (0.6666666666666666, 0.33333333333333337)
    >>> round(rubinstein_shares(0.0, 0.9)[0], 12)  # impatient proposer keeps 1 - delta_2
    0.1
    """
    d1, d2 = _as_discount((delta_1, delta_2), strict=True)
    return _infinite_shares(d1, d2)


def breakdown_risk_shares(
    delta_1: float,
    delta_2: float,
    breakdown_probability: float,
    outside_options: ArrayLike = (0.0, 0.0),
) -> tuple[float, float]:
    r"""Infinite-horizon SPE split of a pie of 1 with breakdown risk (BRW 1986).

    After each rejection the talks break down with probability :math:`p`, leaving the
    outside options :math:`b`; the surplus :math:`1 - b_1 - b_2` is split as in
    :func:`rubinstein_shares` with effective factors :math:`q_i = (1-p)\delta_i`:

    .. math:: x_1 = b_1 + (1 - b_1 - b_2)\,\frac{1 - q_2}{1 - q_1 q_2}.

    With :math:`\delta_1 = \delta_2 = 1` (pure breakdown risk) and :math:`p \to 0` this
    tends to the symmetric Nash solution with disagreement point :math:`b`.

    Parameters
    ----------
    delta_1, delta_2 : float in [0, 1]
    breakdown_probability : float in [0, 1]
        Chance :math:`p` that a rejection ends the talks. With :math:`p = 0` the
        factors must be below 1 (as in :func:`rubinstein_shares`).
    outside_options : array_like, shape (2,)
        Payoffs :math:`b` after a breakdown, with :math:`b_1 + b_2 \le 1`.

    Returns
    -------
    tuple of float
        ``(x_1, x_2)``, side 1 proposing first.

    References
    ----------
    Binmore, Rubinstein and Wolinsky (1986), *RAND J. Econ.* 17:176–188, sec. 4.

    Examples
    --------
    >>> breakdown_risk_shares(1.0, 1.0, 0.5)  # q = 0.5 for both: 0.5 / 0.75
    (0.6666666666666666, 0.33333333333333337)
    >>> breakdown_risk_shares(1.0, 1.0, 0.5, [0.2, 0.2])[0]  # 0.2 + 0.6 * 2/3
    0.6000000000000001
    """
    d1, d2 = _as_discount((delta_1, delta_2))
    p = _as_unit_interval(breakdown_probability, "breakdown_probability")
    b = _as_disagreement(outside_options)
    surplus = 1.0 - b[0] - b[1]
    if surplus < 0:
        raise ValueError(
            f"outside_options = {b.tolist()}: their sum exceeds the pie (1): no agreement"
        )
    x1, _ = _infinite_shares((1.0 - p) * d1, (1.0 - p) * d2)
    first = float(b[0] + surplus * x1)
    return first, float(1.0 - first)


def alternating_offers_pie(
    discount: tuple[float, float],
    *,
    deadline: int | None = None,
    first_proposer: int = 0,
    breakdown_probability: float = 0.0,
) -> tuple[float, float]:
    r"""SPE shares of a pie of 1 (linear frontier, :math:`d = 0`), agreed in round 0.

    Finite horizon :math:`T` (``deadline``): the last proposer takes everything, and
    each earlier proposer leaves the responder exactly its value of rejecting,

    .. math:: x_{T-1} = 1, \qquad x_t = 1 - q_{j(t)}\, x_{t+1},

    where :math:`x_t` is round :math:`t`'s proposer's share, :math:`j(t)` its responder
    (the next proposer) and :math:`q_j = (1-p)\delta_j`. With ``deadline=None`` the
    infinite-horizon limit (:func:`rubinstein_shares` with factors :math:`q`).

    Parameters
    ----------
    discount : pair of float in [0, 1]
        :math:`(\delta_1, \delta_2)`.
    deadline : int >= 1 or None
        Number of rounds :math:`T`; None for the infinite horizon.
    first_proposer : {0, 1}
    breakdown_probability : float in [0, 1]

    Returns
    -------
    tuple of float
        ``(x_1, x_2)``: side 1's and side 2's shares.

    Examples
    --------
    >>> alternating_offers_pie((0.5, 0.5), deadline=1)  # ultimatum
    (1.0, 0.0)
    >>> alternating_offers_pie((0.5, 0.5), deadline=2)  # side 2 would take all in round 1
    (0.5, 0.5)
    >>> alternating_offers_pie((0.5, 0.5), deadline=3)  # 1 - 0.5 * (1 - 0.5 * 1)
    (0.75, 0.25)
    >>> alternating_offers_pie((0.5, 0.5), first_proposer=1)
    (0.33333333333333337, 0.6666666666666666)
    """
    q = np.array(_as_discount(discount))
    i0 = _as_side(first_proposer, "first_proposer")
    p = _as_unit_interval(breakdown_probability, "breakdown_probability")
    q = (1.0 - p) * q
    if deadline is None:
        x_first, x_other = _infinite_shares(q[i0], q[1 - i0])
    else:
        T = _as_deadline(deadline)
        x = 1.0
        for t in range(T - 2, -1, -1):
            responder = (i0 + t + 1) % 2
            x = 1.0 - q[responder] * x
        x_first, x_other = x, 1.0 - x
    shares = [0.0, 0.0]
    shares[i0], shares[1 - i0] = float(x_first), float(x_other)
    return shares[0], shares[1]


# --------------------------------------------------------------------------- discrete game


@dataclass(frozen=True, eq=False)
class AlternatingOffersResult:
    """Subgame-perfect equilibrium of the finite alternating-offers game.

    Attributes
    ----------
    package : int or None
        The package agreed on the equilibrium path; None on deadlock.
    agreement_round : int or None
        The round of agreement (always 0 when there is one; see the module notes).
    payoffs : tuple of float
        Expected equilibrium payoffs in round-0 units (``d`` on deadlock).
    agreement_probability : float
        Chance the talks reach the agreement round without breaking down.
    proposers : tuple of int
        Proposer (side 0 or 1) of each round ``0..T-1``.
    offers : tuple of (int or None)
        The package the proposer offers in each round's subgame (it is accepted), or
        None where it makes an unacceptable offer.
    values : numpy.ndarray, shape (T + 1, 2)
        Equilibrium payoffs of the subgame starting at round ``t``, in round-``t``
        units; ``values[T] = d``.
    continuation_values : numpy.ndarray, shape (T, 2)
        Each side's expected value of a rejection in round ``t`` (round-``t`` units):
        ``d + (1 - p) * delta * (values[t + 1] - d)``. The responder accepts a package
        worth at least its entry.
    disagreement, discount : tuple of float
    breakdown_probability : float
    deadline : int
    first_proposer : int
    method : str
    notes : tuple of str
    """

    package: int | None
    agreement_round: int | None
    payoffs: tuple[float, float]
    agreement_probability: float
    proposers: tuple[int, ...]
    offers: tuple[int | None, ...]
    values: np.ndarray
    continuation_values: np.ndarray
    disagreement: tuple[float, float]
    discount: tuple[float, float]
    breakdown_probability: float
    deadline: int
    first_proposer: int
    method: str = "backward_induction"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def resolution(self) -> str:
        """``"agreement"`` or ``"deadlock"``."""
        return "deadlock" if self.package is None else "agreement"

    def to_dict(self) -> dict:
        """Plain-data view (lists, floats, None) for JSON."""
        return {
            "package": self.package,
            "agreement_round": self.agreement_round,
            "payoffs": [float(v) for v in self.payoffs],
            "agreement_probability": float(self.agreement_probability),
            "proposers": list(self.proposers),
            "offers": list(self.offers),
            "values": self.values.tolist(),
            "continuation_values": self.continuation_values.tolist(),
            "disagreement": list(self.disagreement),
            "discount": list(self.discount),
            "breakdown_probability": self.breakdown_probability,
            "deadline": self.deadline,
            "first_proposer": self.first_proposer,
            "method": self.method,
            "notes": list(self.notes),
        }


def alternating_offers(
    utilities: ArrayLike,
    disagreement: ArrayLike,
    *,
    discount: tuple[float, float],
    deadline: int,
    first_proposer: int = 0,
    breakdown_probability: float = 0.0,
) -> AlternatingOffersResult:
    r"""Subgame-perfect equilibrium of alternating offers over discrete packages.

    Backward induction over the rounds of the finite game described in the module
    docstring (Rubinstein–Ståhl with a deadline and breakdown risk):
    :math:`W_T = 0`, :math:`c_t = (1-p)\,\delta \odot W_{t+1}`, and the proposer
    :math:`i` of round :math:`t` offers

    .. math:: k_t = \arg\max\{g_{ki} : g_{kj} \ge c_{tj}\}
        \quad\text{if}\quad g_{k_t i} \ge c_{ti},

    else an unacceptable offer. Cost :math:`O(K \log K + T K)`.

    Parameters
    ----------
    utilities : array_like, shape (K, 2)
    disagreement : array_like, shape (2,)
        Status quo payoffs, earned during the talks and after breakdown or deadlock.
    discount : pair of float in [0, 1]
        Per-round discount factors :math:`(\delta_1, \delta_2)`.
    deadline : int >= 1
        Number of rounds :math:`T`; ``deadline=1`` is the ultimatum game.
    first_proposer : {0, 1}
        Side making the round-0 offer.
    breakdown_probability : float in [0, 1]
        Chance :math:`p` that a rejection ends the talks.

    Returns
    -------
    AlternatingOffersResult

    References
    ----------
    Ståhl (1972); Rubinstein (1982), *Econometrica* 50:97–109; Binmore, Rubinstein and
    Wolinsky (1986), *RAND J. Econ.* 17:176–188.

    Examples
    --------
    Five packages on a line, :math:`\delta = (1/2, 1/2)`, side 1 first. Three rounds:
    side 1 would take (8, 0) in round 2, so side 2 in round 1 must leave side 1 4 and
    offers (4, 5); so side 1 in round 0 must leave side 2 2.5 and offers (6, 3).

    >>> u = [[8., 0.], [6., 3.], [4., 5.], [2., 7.], [0., 8.]]
    >>> r = alternating_offers(u, [0., 0.], discount=(0.5, 0.5), deadline=3)
    >>> r.package, r.agreement_round, r.payoffs, r.offers
    (1, 0, (6.0, 3.0), (1, 2, 0))
    >>> r.continuation_values.tolist()
    [[2.0, 2.5], [4.0, 0.0], [0.0, 0.0]]
    >>> alternating_offers(u, [9., 9.], discount=(0.5, 0.5), deadline=3).resolution
    'deadlock'
    """
    u = _as_utilities(utilities)
    d = _as_disagreement(disagreement)
    delta = np.array(_as_discount(discount))
    T = _as_deadline(deadline)
    i0 = _as_side(first_proposer, "first_proposer")
    p = _as_unit_interval(breakdown_probability, "breakdown_probability")

    K = len(u)
    g = u - d
    q = (1.0 - p) * delta
    tol = 1e-12 * _scale(u, d)
    proposers = tuple((i0 + t) % 2 for t in range(T))
    # For each proposer, packages from best to worst for it; ties: better for the
    # responder first, then lower index.
    orders = [
        np.lexsort((np.arange(K), -g[:, 1 - i], -g[:, i])) if K else np.zeros(0, int)
        for i in (0, 1)
    ]
    W = np.zeros((T + 1, 2))
    C = np.zeros((T, 2))
    offers: list[int | None] = [None] * T
    for t in range(T - 1, -1, -1):
        i = proposers[t]
        j = 1 - i
        c = q * W[t + 1]
        C[t] = c
        order = orders[i]
        acceptable = g[order, j] >= c[j] - tol
        if acceptable.any():
            k = int(order[np.argmax(acceptable)])
            if g[k, i] >= c[i] - tol:
                offers[t] = k
                W[t] = g[k]
                continue
        W[t] = c

    agreed = [t for t in range(T) if offers[t] is not None]
    notes = [
        "responders accept when indifferent; proposers prefer agreement when indifferent; "
        "among packages equally good for the proposer, the one better for the responder, "
        "then the lowest index"
    ]
    if agreed:
        t_star = agreed[0]
        package = offers[t_star]
        probability = (1.0 - p) ** t_star
        if np.all(np.abs(g[package]) <= tol):
            notes.append(
                f"package {package} equals the disagreement point: agreement is "
                "payoff-equivalent to deadlock"
            )
    else:
        t_star, package, probability = None, None, 0.0
        notes.append("deadlock: no package is at least the disagreement point for both sides")
    payoffs = d + W[0]
    return AlternatingOffersResult(
        package=package,
        agreement_round=t_star,
        payoffs=(float(payoffs[0]), float(payoffs[1])),
        agreement_probability=float(probability),
        proposers=proposers,
        offers=tuple(offers),
        values=d + W,
        continuation_values=d + C,
        disagreement=(float(d[0]), float(d[1])),
        discount=(float(delta[0]), float(delta[1])),
        breakdown_probability=p,
        deadline=T,
        first_proposer=i0,
        notes=tuple(notes),
    )
