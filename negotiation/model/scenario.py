r"""A negotiation scenario as one frozen value, and the game tree it defines.

The scenario's moves :math:`m_1, \dots, m_K` are played in declared order, each by its
maker, who chooses *refrain* or *play* having observed every earlier choice. Each of the
:math:`2^K` histories ends in a talks stage: a simultaneous stance game in which the
action profile :math:`(a, b)` leads to an outcome :math:`o(a, b)`:

* a truce on package :math:`p`: side :math:`i` gets

  .. math:: (1-r_{ab})\,\big[(1-q)(u_i(p) + t_i) + q\,((1-e) D_i + e E_i)\big] + r_{ab} E_i + s_i,

  since the truce breaks down with probability :math:`q`, a breakdown ends in escalation with
  probability :math:`e` (``breakdown_to_escalation``) and in deadlock otherwise, and a truce
  reached under a threat ends in escalation with probability
  :math:`r_{ab} = 1 - (1 - \rho_a)(1 - \rho_b)` (``escalation_risk`` of each side's stance:
  an escalation threat is not free even when the other side yields);
* deadlock: :math:`D_i + s_i`;
* escalation: :math:`E_i + s_i`,

where :math:`D, E, t, q, s` are the terms of the talks after the moves played
(:func:`negotiation.model.moves.apply_moves`): disagreement payoffs, truce shifts, breakdown
probability and the sunk costs and harms of the moves. :math:`D_i` and :math:`E_i` are either
set per side or *derived* from threat-point packages (``threat_points``: what deadlock and
escalation leave in force, e.g. the status quo and the April peak), :math:`D_i = u_i(p_D)`,
so that they cannot disagree with the issue levels they stand for.

With the *bargaining* protocol the talks are instead a bargaining problem over the
packages (:class:`BargainingTalks`): agreeing on :math:`p` is worth
:math:`(1-q)(u_i(p) + t_i) + q D_i + s_i`, failing to agree is deadlock, worth
:math:`D_i + s_i`. The pre-talk moves then act as Nash's (1953) variable threats: they set
the disagreement point of the bargaining that follows.

Numbers may be floats or arrays of shape (N,): a scenario of N points of a sweep, which
differ only in their numbers (:attr:`Scenario.batch_size`). The game tree of a scenario is
built by :func:`negotiation.model.compile.scenario_tree`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from negotiation.model.agents import Side
from negotiation.model.issues import OutcomeSpace, Package
from negotiation.model.moves import LeverageMove, TalksTerms
from negotiation.model.outcomes import RESOLUTIONS

#: Actions of every leverage decision node, in this order (refrain first).
MOVE_ACTIONS: tuple[str, str] = ("refrain", "play")


@dataclass(frozen=True)
class StanceTalks:
    """The talks as a simultaneous stance game.

    Attributes
    ----------
    actions : tuple of two tuples of str
        Each side's stances, e.g. ``("concede", "hold", "escalate")``.
    packages : tuple of Package
        Packages a truce can settle on.
    outcome_map : tuple of tuple of str
        ``outcome_map[a][b]`` is ``"deadlock"``, ``"escalation"`` or a package name
        (a truce on that package), for row stance ``a`` and column stance ``b``.
    breakdown_probability : float
        Probability that an agreed truce breaks down, before any move.
    threat_points : tuple of (str, Package)
        ``("deadlock", package)`` and/or ``("escalation", package)``: what each leaves in
        force; the sides' payoffs of it are then derived from their utilities.
    breakdown_to_escalation : float
        Probability that a truce that breaks down ends in escalation rather than deadlock.
    escalation_risk : tuple of two tuples of float, or None
        For each side and stance, the probability that a truce reached while the side plays
        that stance ends in escalation instead (None: no risk).
    """

    actions: tuple[tuple[str, ...], tuple[str, ...]]
    packages: tuple[Package, ...]
    outcome_map: tuple[tuple[str, ...], ...]
    breakdown_probability: Any = 0.0
    threat_points: tuple[tuple[str, Package], ...] = ()
    breakdown_to_escalation: Any = 0.0
    escalation_risk: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        names = {p.name for p in self.packages}
        reserved = names & {r.value for r in RESOLUTIONS}
        if reserved:
            raise ValueError(f"package names {sorted(reserved)} are reserved words")
        if len(self.outcome_map) != len(self.actions[0]) or any(
            len(row) != len(self.actions[1]) for row in self.outcome_map
        ):
            raise ValueError("the outcome map needs one outcome for every pair of stances")
        for row in self.outcome_map:
            for outcome in row:
                if outcome not in names | {"deadlock", "escalation"}:
                    raise ValueError(f"unknown outcome {outcome!r} in the outcome map")

    def package(self, name: str) -> Package:
        return next(p for p in self.packages if p.name == name)


#: Solutions of the bargaining protocol, by name.
BARGAINING_SOLUTIONS: tuple[str, ...] = ("alternating_offers", "nash", "kalai_smorodinsky", "egalitarian")


@dataclass(frozen=True)
class BargainingTalks:
    """The talks as bargaining over packages, with a deadline.

    Attributes
    ----------
    packages : tuple of Package
        The packages on the table.
    solution : str
        ``"alternating_offers"`` (Rubinstein 1982 with a deadline of ``deadline`` rounds,
        solved by backward induction over rounds) or an axiomatic solution: ``"nash"``
        (Nash 1950, asymmetric with ``power``), ``"kalai_smorodinsky"`` (1975),
        ``"egalitarian"``.
    discount : tuple of float
        Each side's discount factor per round of offers.
    first_proposer : int
        Position of the side that makes the first offer.
    deadline : int
        Rounds before the truce expires; no agreement by then is deadlock.
    breakdown_per_round : float
        Probability that talks break down after a rejected offer.
    power : float
        Bargaining power of the first side in the asymmetric Nash solution.
    breakdown_probability : float
        Probability that an agreed truce breaks down into deadlock, before any move.
    threat_points : tuple of (str, Package)
        As for :class:`StanceTalks`.
    """

    packages: tuple[Package, ...]
    solution: str = "alternating_offers"
    discount: tuple[Any, Any] = (0.95, 0.95)
    first_proposer: int = 0
    deadline: Any = 6
    breakdown_per_round: Any = 0.0
    power: Any = 0.5
    breakdown_probability: Any = 0.0
    threat_points: tuple[tuple[str, Package], ...] = ()

    def __post_init__(self) -> None:
        if self.solution not in BARGAINING_SOLUTIONS:
            raise ValueError(f"unknown bargaining solution {self.solution!r}; use one of {BARGAINING_SOLUTIONS}")
        if not self.packages:
            raise ValueError("bargaining needs at least one package on the table")

    def parameters(self) -> tuple[tuple[str, object], ...]:
        return (
            ("discount", self.discount),
            ("first_proposer", self.first_proposer),
            ("deadline", self.deadline),
            ("breakdown_per_round", self.breakdown_per_round),
            ("power", self.power),
        )


@dataclass(frozen=True)
class SolverSettings:
    """How scenarios are solved.

    Attributes
    ----------
    selection_rule : str
        Rule picking the headline equilibrium of a talks stage with several (see
        :data:`negotiation.solvers.selection.SELECTION_RULES`).
    tolerance : float
        Max-regret tolerance for verifying equilibria and for ties in leverage decisions.
    max_equilibria : int
        Cap on the number of subgame-perfect equilibria enumerated.
    """

    selection_rule: str = "payoff_dominant"
    tolerance: float = 1e-9
    max_equilibria: int = 10_000


@dataclass(frozen=True)
class Scenario:
    """A two-sided negotiation: issues, sides, pre-talk moves, talks, solver settings."""

    name: str
    title: str
    space: OutcomeSpace
    sides: tuple[Side, Side]
    moves: tuple[LeverageMove, ...]
    talks: StanceTalks | BargainingTalks
    solver: SolverSettings = SolverSettings()
    description: str = ""
    #: The config it was built from (its numbers by key path), and the file's name: what
    #: sweeps and error messages need. None for a scenario built in code.
    config: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        names = self.side_names
        if len(set(names)) != 2:
            raise ValueError(f"a scenario needs two distinct sides, got {names}")
        for side in self.sides:
            side.check_against(self.space)
        for move in self.moves:
            if move.maker not in names or move.target not in names:
                raise ValueError(f"move {move.name!r} names a side outside {names}")
        move_names = [m.name for m in self.moves]
        if len(set(move_names)) != len(move_names):
            raise ValueError(f"repeated move names: {move_names}")

    @property
    def side_names(self) -> tuple[str, str]:
        return (self.sides[0].name, self.sides[1].name)

    def move(self, name: str) -> LeverageMove:
        """The move called ``name``."""
        for move in self.moves:
            if move.name == name:
                return move
        raise KeyError(f"no move {name!r}; moves are {[m.name for m in self.moves]}")

    def threat_point_values(self, resolution: str) -> tuple[Any, Any]:
        """Each side's payoff of deadlock or escalation (``resolution``) before any move:
        the utility of the threat-point package where the talks name one, else the side's
        own value."""
        package = dict(self.talks.threat_points).get(resolution)
        if package is not None:
            return (self.sides[0].utility(package, self.space), self.sides[1].utility(package, self.space))
        values = tuple(getattr(side, resolution) for side in self.sides)
        for side, value in zip(self.sides, values, strict=True):
            if value is None:
                raise ValueError(f"side {side.name!r} has no {resolution} payoff and the talks name no "
                                 f"{resolution} threat point")
        return (values[0], values[1])

    def base_terms(self) -> TalksTerms:
        """Terms of the talks before any move."""
        return TalksTerms(
            deadlock=self.threat_point_values("deadlock"),
            escalation=self.threat_point_values("escalation"),
            breakdown_probability=self.talks.breakdown_probability,
        )

    def without_moves(self) -> Scenario:
        """The counterfactual scenario with no pre-talk moves."""
        return replace(self, moves=())

    @property
    def batch_size(self) -> int:
        """Number of points N: the length of the arrays among the scenario's numbers (1 if
        every number is a float)."""
        sizes = {np.size(v) for v in _numbers(self)}
        sizes.discard(1)
        if len(sizes) > 1:
            raise ValueError(f"scenario {self.name!r}: numbers of different batch sizes {sorted(sizes)}")
        return sizes.pop() if sizes else 1

    def package_utilities(self) -> dict[str, tuple[Any, Any]]:
        """Each truce package's utility to each side, before moves (floats or arrays)."""
        return {
            p.name: (self.sides[0].utility(p, self.space), self.sides[1].utility(p, self.space))
            for p in self.talks.packages
        }


def _numbers(scenario: Scenario) -> list[Any]:
    """Every number of a scenario that may vary over a batch."""
    values: list[Any] = []
    for side in scenario.sides:
        values += list(side.weights.values()) + [v for vs in side.level_values.values() for v in vs]
        values += [v for v in (side.deadlock, side.escalation) if v is not None]
    for move in scenario.moves:
        values += [move.cost, move.harm]
        for _, amount in move.effects:
            values += list(amount.values()) if isinstance(amount, dict) else [amount]
    talks = scenario.talks
    values.append(talks.breakdown_probability)
    if isinstance(talks, StanceTalks):
        values.append(talks.breakdown_to_escalation)
        values += [v for risks in talks.escalation_risk or () for v in risks]
    if isinstance(talks, BargainingTalks):
        values += [*talks.discount, talks.deadline, talks.breakdown_per_round, talks.power]
    return values
