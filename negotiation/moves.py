r"""Pre-talk leverage moves and the registry of what they do to the talks.

A leverage move :math:`m` is made by one side (its *maker*) before the talks, observed by
the other (its *target*). Played, it

* costs its maker :math:`c_m` and harms its target :math:`h_m` in every outcome
  (lost sales, retaliation risk, damage to the listed firms);
* changes the *terms of the talks* :math:`\tau` through its effects, each an entry of
  :data:`EFFECTS`: a shift in a side's payoff under deadlock or escalation (the
  disagreement point of Nash 1953's variable-threat game), in the value of any truce, or in
  the probability :math:`q` that an agreed truce breaks down.

Effects add up over the moves played; :math:`q` is clipped to :math:`[0, 1]`.

References
----------
Nash, J. (1953). Two-person cooperative games. *Econometrica* 21(1), 128–140.
Schelling, T. (1960). *The Strategy of Conflict*, ch. 2 (threats and commitments).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

Pair = tuple[float, float]


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
    breakdown_probability: float = 0.0
    sunk: Pair = (0.0, 0.0)


def _add(pair: Pair, index: int, amount: float) -> Pair:
    values = list(pair)
    values[index] += amount
    return (values[0], values[1])


def _per_side(field_name: str) -> Callable[[TalksTerms, Mapping[str, float], Sequence[str]], TalksTerms]:
    def apply(terms: TalksTerms, amount: Mapping[str, float], sides: Sequence[str]) -> TalksTerms:
        pair = getattr(terms, field_name)
        for side, delta in amount.items():
            pair = _add(pair, list(sides).index(side), float(delta))
        return replace(terms, **{field_name: pair})

    return apply


def _breakdown(terms: TalksTerms, amount: float, sides: Sequence[str]) -> TalksTerms:
    return replace(terms, breakdown_probability=terms.breakdown_probability + float(amount))


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
    cost: float = 0.0
    harm: float = 0.0
    effects: tuple[tuple[str, float | Mapping[str, float]], ...] = ()
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


def apply_moves(terms: TalksTerms, moves: Sequence[LeverageMove], sides: Sequence[str]) -> TalksTerms:
    """Terms of the talks after ``moves`` have been played (in any order: effects add up).

    The breakdown probability is clipped to :math:`[0, 1]`.
    """
    for move in moves:
        terms = replace(
            terms,
            sunk=_add(
                _add(terms.sunk, list(sides).index(move.maker), -move.cost),
                list(sides).index(move.target),
                -move.harm,
            ),
        )
        for kind, amount in move.effects:
            terms = EFFECTS[kind].apply(terms, amount, sides)
    return replace(terms, breakdown_probability=min(1.0, max(0.0, terms.breakdown_probability)))
