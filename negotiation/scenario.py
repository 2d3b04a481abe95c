r"""A negotiation scenario as one frozen value, and the game tree it defines.

The scenario's moves :math:`m_1, \dots, m_K` are played in declared order, each by its
maker, who chooses *refrain* or *play* having observed every earlier choice. Each of the
:math:`2^K` histories ends in a talks stage: a simultaneous stance game in which the
action profile :math:`(a, b)` leads to an outcome :math:`o(a, b)`:

* a truce on package :math:`p`: side :math:`i` gets
  :math:`(1-q)\,(u_i(p) + t_i) + q\, D_i + s_i`, since the truce breaks down into deadlock
  with probability :math:`q`;
* deadlock: :math:`D_i + s_i`;
* escalation: :math:`E_i + s_i`,

where :math:`D, E, t, q, s` are the terms of the talks after the moves played
(:func:`negotiation.moves.apply_moves`): disagreement payoffs, truce shifts, breakdown
probability and the sunk costs and harms of the moves.

With the *bargaining* protocol the talks are instead a bargaining problem over the
packages (:class:`BargainingTalks`): agreeing on :math:`p` is worth
:math:`(1-q)(u_i(p) + t_i) + q D_i + s_i`, failing to agree is deadlock, worth
:math:`D_i + s_i`. The pre-talk moves then act as Nash's (1953) variable threats: they set
the disagreement point of the bargaining that follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from negotiation.agents import Side
from negotiation.games import RESOLUTIONS, BargainingStage, Decision, Node, Resolution, StageGame
from negotiation.issues import OutcomeSpace, Package
from negotiation.moves import LeverageMove, TalksTerms, apply_moves

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
        Probability that an agreed truce breaks down into deadlock, before any move.
    """

    actions: tuple[tuple[str, ...], tuple[str, ...]]
    packages: tuple[Package, ...]
    outcome_map: tuple[tuple[str, ...], ...]
    breakdown_probability: float = 0.0

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
    """

    packages: tuple[Package, ...]
    solution: str = "alternating_offers"
    discount: tuple[float, float] = (0.95, 0.95)
    first_proposer: int = 0
    deadline: int = 6
    breakdown_per_round: float = 0.0
    power: float = 0.5
    breakdown_probability: float = 0.0

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

    def base_terms(self) -> TalksTerms:
        """Terms of the talks before any move."""
        return TalksTerms(
            deadlock=(self.sides[0].deadlock, self.sides[1].deadlock),
            escalation=(self.sides[0].escalation, self.sides[1].escalation),
            breakdown_probability=self.talks.breakdown_probability,
        )

    def without_moves(self) -> Scenario:
        """The counterfactual scenario with no pre-talk moves."""
        return replace(self, moves=())

    def package_utilities(self) -> dict[str, tuple[float, float]]:
        """Each truce package's utility to each side, before moves."""
        return {
            p.name: (self.sides[0].utility(p, self.space), self.sides[1].utility(p, self.space))
            for p in self.talks.packages
        }


def stage_game(scenario: Scenario, played: Sequence[LeverageMove], label: str = "") -> StageGame:
    """The talks stage reached after ``played`` moves (see the module docstring)."""
    talks = scenario.talks
    if not isinstance(talks, StanceTalks):
        raise TypeError(f"scenario {scenario.name!r} does not use the stance protocol")
    terms = apply_moves(scenario.base_terms(), played, scenario.side_names)
    q = terms.breakdown_probability
    utilities = scenario.package_utilities()
    m, n = len(talks.actions[0]), len(talks.actions[1])
    payoffs = np.zeros((2, m, n))
    probabilities = np.zeros((m, n, len(RESOLUTIONS)))
    labels = []
    for a in range(m):
        row_labels = []
        for b in range(n):
            outcome = talks.outcome_map[a][b]
            for i in range(2):
                if outcome == Resolution.DEADLOCK.value:
                    value = terms.deadlock[i]
                elif outcome == Resolution.ESCALATION.value:
                    value = terms.escalation[i]
                else:
                    value = (1 - q) * (utilities[outcome][i] + terms.truce_shift[i]) + q * terms.deadlock[i]
                payoffs[i, a, b] = value + terms.sunk[i]
            if outcome == Resolution.DEADLOCK.value:
                probabilities[a, b] = (0.0, 1.0, 0.0)
                row_labels.append("deadlock")
            elif outcome == Resolution.ESCALATION.value:
                probabilities[a, b] = (0.0, 0.0, 1.0)
                row_labels.append("escalation")
            else:
                probabilities[a, b] = (1 - q, q, 0.0)
                row_labels.append(f"truce: {outcome}")
        labels.append(tuple(row_labels))
    return StageGame(
        A=payoffs[0],
        B=payoffs[1],
        row_actions=talks.actions[0],
        column_actions=talks.actions[1],
        resolution_probabilities=probabilities,
        outcome_labels=tuple(labels),
        label=label,
    )


def bargaining_stage(scenario: Scenario, played: Sequence[LeverageMove], label: str = "") -> BargainingStage:
    """The bargaining stage reached after ``played`` moves (see the module docstring)."""
    talks = scenario.talks
    if not isinstance(talks, BargainingTalks):
        raise TypeError(f"scenario {scenario.name!r} does not use the bargaining protocol")
    terms = apply_moves(scenario.base_terms(), played, scenario.side_names)
    utilities = scenario.package_utilities()
    values = np.array(
        [[utilities[p.name][i] + terms.truce_shift[i] for i in range(2)] for p in talks.packages], dtype=float
    )
    return BargainingStage(
        utilities=values,
        package_names=tuple(p.name for p in talks.packages),
        disagreement=terms.deadlock,
        breakdown_probability=terms.breakdown_probability,
        sunk=terms.sunk,
        protocol=talks.solution,
        parameters=talks.parameters(),
        label=label,
    )


def talks_stage(scenario: Scenario, played: Sequence[LeverageMove], label: str = "") -> StageGame | BargainingStage:
    """The talks reached after ``played`` moves, under the scenario's protocol."""
    if isinstance(scenario.talks, BargainingTalks):
        return bargaining_stage(scenario, played, label)
    return stage_game(scenario, played, label)


def history_label(history: Mapping[str, str]) -> str:
    """``"entity_listing=play, anti_dumping_probe=refrain"``; ``"no moves"`` if empty."""
    return ", ".join(f"{k}={v}" for k, v in history.items()) or "no moves"


def game_tree(scenario: Scenario, forced: Mapping[str, str] | None = None) -> Node:
    """The scenario's game tree: leverage decisions in declared order, then the talks.

    Parameters
    ----------
    scenario : Scenario
    forced : mapping of move name -> "play" or "refrain", optional
        Moves whose maker has no choice (a one-action decision node). Used for
        leverage values and counterfactuals.
    """
    forced = dict(forced or {})
    unknown = set(forced) - {m.name for m in scenario.moves}
    if unknown:
        raise KeyError(f"cannot force unknown moves {sorted(unknown)}")
    bad = {k: v for k, v in forced.items() if v not in MOVE_ACTIONS}
    if bad:
        raise ValueError(f"forced actions must be one of {MOVE_ACTIONS}, got {bad}")

    def build(depth: int, history: dict[str, str]) -> Node:
        if depth == len(scenario.moves):
            played = [scenario.move(k) for k, v in history.items() if v == "play"]
            return talks_stage(scenario, played, label=history_label(history))
        move = scenario.moves[depth]
        actions = (forced[move.name],) if move.name in forced else MOVE_ACTIONS
        children = tuple(build(depth + 1, {**history, move.name: a}) for a in actions)
        return Decision(
            player=scenario.side_names.index(move.maker),
            actions=actions,
            children=children,
            label=move.name,
        )

    return build(0, {})
