r"""Pre-talk leverage moves and the registry of what they do to the talks.

A leverage move :math:`m` is made by one side (its *maker*) before the talks, observed by
the other (its *target*). Played, it

* costs its maker :math:`c_m` and harms its target :math:`h_m` in every outcome
  (lost sales, retaliation risk, damage to the listed firms);
* changes the *terms of the talks* :math:`\tau` through its effects, each an entry of
  :data:`EFFECTS`: a shift in a side's payoff under deadlock or escalation (the
  disagreement point of Nash 1953's variable-threat game), in the value of any truce, or in
  the probability :math:`q` that an agreed truce breaks down.

Effects add up over the moves played; :math:`q` is clipped to :math:`[0, 1]`. Every
number may be a float or an array over the points of a batch (N,) or over points and
histories (N, L): the effect functions are plain arithmetic, so one registry serves a single
scenario, a sweep and every history of the tree at once.

References
----------
Nash, J. (1953). Two-person cooperative games. *Econometrica* 21(1), 128–140.
Schelling, T. (1960). *The Strategy of Conflict*, ch. 2 (threats and commitments).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

#: A number or an array of numbers (broadcast over a batch).
Value = Any
Pair = tuple[Value, Value]


@dataclass(frozen=True)
class TalksTerms:
    """What the talks stage depends on that pre-talk moves can change.

    Tuples hold one value per side, in the scenario's side order (row side first).

    Attributes
    ----------
    deadlock, escalation : tuple of float
        Each side's payoff under deadlock and under escalation.
    truce_shift : tuple of float
        Added to each side's payoff of every truce package.
    breakdown_probability : float
        Probability :math:`q` that an agreed truce breaks down into deadlock.
    sunk : tuple of float
        Added to each side's payoff in every outcome (costs and harms of moves played).
    """

    deadlock: Pair
    escalation: Pair
    truce_shift: Pair = (0.0, 0.0)
    breakdown_probability: Value = 0.0
    sunk: Pair = (0.0, 0.0)

    def where(self, condition: Any, other: TalksTerms) -> TalksTerms:
        """These terms where ``condition`` holds, ``other``'s elsewhere (elementwise)."""

        def pick(a: Value, b: Value) -> Value:
            return np.where(condition, a, b)

        return TalksTerms(
            deadlock=(pick(self.deadlock[0], other.deadlock[0]), pick(self.deadlock[1], other.deadlock[1])),
            escalation=(pick(self.escalation[0], other.escalation[0]), pick(self.escalation[1], other.escalation[1])),
            truce_shift=(pick(self.truce_shift[0], other.truce_shift[0]), pick(self.truce_shift[1], other.truce_shift[1])),
            breakdown_probability=pick(self.breakdown_probability, other.breakdown_probability),
            sunk=(pick(self.sunk[0], other.sunk[0]), pick(self.sunk[1], other.sunk[1])),
        )


def _add(pair: Pair, index: int, amount: Value) -> Pair:
    values = list(pair)
    values[index] = values[index] + amount
    return (values[0], values[1])


def _per_side(field_name: str) -> Callable[[TalksTerms, Mapping[str, float], Sequence[str]], TalksTerms]:
    def apply(terms: TalksTerms, amount: Mapping[str, float], sides: Sequence[str]) -> TalksTerms:
        pair = getattr(terms, field_name)
        for side, delta in amount.items():
            pair = _add(pair, list(sides).index(side), delta)
        return replace(terms, **{field_name: pair})

    return apply


def _breakdown(terms: TalksTerms, amount: Value, sides: Sequence[str]) -> TalksTerms:
    return replace(terms, breakdown_probability=terms.breakdown_probability + amount)


@dataclass(frozen=True)
class EffectKind:
    """One kind of effect a move can have on the talks.

    ``per_side`` effects take a mapping side -> amount; the others a single number.
    """

    apply: Callable[..., TalksTerms]
    per_side: bool
    description: str


#: Registry of effect kinds; a new kind is one function and one entry here.
EFFECTS: dict[str, EffectKind] = {
    "deadlock_shift": EffectKind(
        _per_side("deadlock"), True, "added to each named side's payoff under deadlock"
    ),
    "escalation_shift": EffectKind(
        _per_side("escalation"), True, "added to each named side's payoff under escalation"
    ),
    "truce_shift": EffectKind(
        _per_side("truce_shift"), True, "added to each named side's payoff of any truce"
    ),
    "breakdown_shift": EffectKind(
        _breakdown, False, "added to the probability that an agreed truce breaks down"
    ),
}


@dataclass(frozen=True)
class LeverageMove:
    """A pre-talk leverage move (e.g. an Entity List addition, an anti-dumping probe).

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"entity_listing"``.
    label : str
        Display name.
    maker, target : str
        Names of the side that makes the move and the side it is aimed at.
    cost, harm : float
        Payoff lost by the maker, and by the target, in every outcome when played.
    effects : tuple of (str, value)
        Effect kind (a key of :data:`EFFECTS`) and its amount.
    date : str
        When it was made (ISO date), for reports.
    description : str
        One line for reports.

    Examples
    --------
    >>> m = LeverageMove("listing", "Entity listing", "us", "china", cost=0.01, harm=0.03,
    ...                  effects=(("breakdown_shift", 0.05),))
    >>> t = apply_moves(TalksTerms((0.5, 0.4), (0.2, 0.1), breakdown_probability=0.1),
    ...                 [m], ("us", "china"))
    >>> round(t.breakdown_probability, 10), t.sunk
    (0.15, (-0.01, -0.03))
    """

    name: str
    label: str
    maker: str
    target: str
    cost: Value = 0.0
    harm: Value = 0.0
    effects: tuple[tuple[str, Value | Mapping[str, Value]], ...] = ()
    date: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if self.maker == self.target:
            raise ValueError(f"move {self.name!r}: maker and target are both {self.maker!r}")
        for kind, _ in self.effects:
            if kind not in EFFECTS:
                raise ValueError(
                    f"move {self.name!r}: unknown effect {kind!r}; known effects are {sorted(EFFECTS)}"
                )


def apply_move(terms: TalksTerms, move: LeverageMove, sides: Sequence[str]) -> TalksTerms:
    """Terms of the talks after one more move is played: its cost and harm are sunk and its
    effects applied (the breakdown probability is not clipped: see :func:`apply_moves`)."""
    terms = replace(
        terms,
        sunk=_add(_add(terms.sunk, list(sides).index(move.maker), -move.cost), list(sides).index(move.target), -move.harm),
    )
    for kind, amount in move.effects:
        terms = EFFECTS[kind].apply(terms, amount, sides)
    return terms


def clip_breakdown(terms: TalksTerms) -> TalksTerms:
    """The terms with the breakdown probability clipped to :math:`[0, 1]`."""
    q = terms.breakdown_probability
    return replace(terms, breakdown_probability=float(min(1.0, max(0.0, q))) if np.ndim(q) == 0 else np.clip(q, 0.0, 1.0))


def apply_moves(terms: TalksTerms, moves: Sequence[LeverageMove], sides: Sequence[str]) -> TalksTerms:
    """Terms of the talks after ``moves`` have been played (in any order: effects add up).

    The breakdown probability is clipped to :math:`[0, 1]`.
    """
    for move in moves:
        terms = apply_move(terms, move, sides)
    return clip_breakdown(terms)
