r"""A scenario's game tree: leverage decisions in declared order, then the talks at every history.

The moves :math:`m_1, \dots, m_K` are decided in declared order, each by its maker, who
chooses *refrain* or *play* having observed every earlier choice. Each of the :math:`2^K`
histories :math:`h` (numbered with :math:`m_1` as the most significant bit, refrain = 0) ends
in the talks, whose terms :math:`\tau_h` are the base terms after the moves played
(:func:`negotiation.model.moves.apply_move`, through the one registry of effects):

* a **stance game**: the row side's node, then the column side's nodes in one information
  set (simultaneous moves), and a terminal per pair of stances :math:`(a, b)` leading to
  :math:`o(a, b)`: a truce on package :math:`p`, deadlock (:math:`D_i + s_i`) or escalation
  (:math:`E_i + s_i`). A truce is the lottery

  .. math:: \big((1-r_{ab})(1-q),\ (1-r_{ab})\,q\,(1-e),\ (1-r_{ab})\,q\,e + r_{ab}\big)

  over truce, deadlock and escalation (it breaks down with probability :math:`q`, into
  escalation with probability :math:`e`, and a truce reached under a threat escalates anyway
  with probability :math:`r_{ab}`; see :mod:`negotiation.model.scenario`), worth the
  lottery's expectation of :math:`u_i(p) + t_i`, :math:`D_i` and :math:`E_i`, plus
  :math:`s_i`; deadlock and escalation are the lotteries (0, 1, 0) and (0, 0, 1);
* **bargaining**: a bargaining node holding the problem over the packages with the
  disagreement point :math:`D` (:class:`negotiation.model.bargaining.BargainingProblem`).

Every number is computed for all points of a batch and all histories at once, arrays of
shape (N, L): a single scenario is a batch of one, a sweep is the same computation on
longer arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from negotiation.model.bargaining import BargainingProblem
from negotiation.model.moves import TalksTerms, apply_move, clip_breakdown
from negotiation.model.outcomes import OUTCOMES, Resolution
from negotiation.model.scenario import MOVE_ACTIONS, BargainingTalks, Scenario, StanceTalks
from negotiation.model.tree import GameTree, TreeBuilder

__all__ = [
    "typed_tree",
    "history_label",
    "histories",
    "move_infosets",
    "scenario_tree",
    "stage_payoffs",
    "talks_payoffs",
    "talks_terms",
]


def history_label(history: Mapping[str, str]) -> str:
    """``"entity_listing=play, anti_dumping_probe=refrain"``; ``"no moves"`` if empty.

    >>> history_label({"listing": "play", "probe": "refrain"})
    'listing=play, probe=refrain'
    """
    return ", ".join(f"{k}={v}" for k, v in history.items()) or "no moves"


def histories(scenario: Scenario) -> np.ndarray:
    """Which moves each history plays, shape (2^K, K) bool, histories in tree order.

    >>> import types
    >>> histories(types.SimpleNamespace(moves=("a", "b"))).astype(int).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    K = len(scenario.moves)
    leaves = np.arange(2**K)
    return ((leaves[:, None] >> (K - 1 - np.arange(K))[None, :]) & 1).astype(bool)


def _batch(value, n: int) -> np.ndarray:
    """A number or an (N,) array as an (N, 1) array."""
    return np.broadcast_to(np.asarray(value, dtype=float).reshape(-1, 1) if np.ndim(value) else np.full((1, 1), float(value)), (n, 1))


def _column(value: Any) -> Any:
    """A batch array (N,) as a column (N, 1), so that it broadcasts against histories."""
    return np.asarray(value, dtype=float).reshape(-1, 1) if np.ndim(value) else value


def as_columns(scenario: Scenario) -> Scenario:
    """The scenario with every array of numbers (N,) reshaped to a column (N, 1)."""
    if scenario.batch_size == 1 and all(np.ndim(v) == 0 for v in _scalars(scenario)):
        return scenario
    sides = tuple(
        replace(
            side,
            weights={k: _column(v) for k, v in side.weights.items()},
            level_values={k: tuple(_column(x) for x in v) for k, v in side.level_values.items()},
            deadlock=_column(side.deadlock),
            escalation=_column(side.escalation),
        )
        for side in scenario.sides
    )
    moves = tuple(
        replace(
            move,
            cost=_column(move.cost),
            harm=_column(move.harm),
            effects=tuple(
                (kind, {s: _column(x) for s, x in amount.items()} if isinstance(amount, Mapping) else _column(amount))
                for kind, amount in move.effects
            ),
        )
        for move in scenario.moves
    )
    talks = replace(scenario.talks, breakdown_probability=_column(scenario.talks.breakdown_probability))
    if isinstance(talks, StanceTalks):
        risk = talks.escalation_risk
        talks = replace(talks, breakdown_to_escalation=_column(talks.breakdown_to_escalation),
                        escalation_risk=None if risk is None else (tuple(_column(v) for v in risk[0]),
                                                                   tuple(_column(v) for v in risk[1])))
    return replace(scenario, sides=(sides[0], sides[1]), moves=moves, talks=talks)


def _scalars(scenario: Scenario) -> list[Any]:
    from negotiation.model.scenario import _numbers

    return _numbers(scenario)


def talks_terms(scenario: Scenario, played: np.ndarray) -> TalksTerms:
    """The terms of the talks after each history, arrays of shape (N, L).

    ``played`` (L, K) says which moves each history plays; effects add up over the moves
    played and the breakdown probability is clipped to [0, 1] at the end.
    """
    n = scenario.batch_size
    scenario = as_columns(scenario)
    sides = scenario.side_names
    base = scenario.base_terms()
    zero = np.zeros((n, 1))
    terms = TalksTerms(
        deadlock=(_batch(base.deadlock[0], n), _batch(base.deadlock[1], n)),
        escalation=(_batch(base.escalation[0], n), _batch(base.escalation[1], n)),
        truce_shift=(zero, zero),
        breakdown_probability=_batch(base.breakdown_probability, n),
        sunk=(zero, zero),
    )
    L = played.shape[0]
    terms = terms.where(np.ones((1, L), dtype=bool), terms)  # broadcast every field to (N, L)
    for d, move in enumerate(scenario.moves):
        terms = apply_move(terms, move, sides).where(played[None, :, d], terms)
    return clip_breakdown(terms)


def talks_payoffs(scenario: Scenario, played: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Payoffs and outcome lotteries of the stance talks after each history.

    Returns
    -------
    payoffs : numpy.ndarray, shape (N, L, m, n, 2)
        Each side's payoff of each pair of stances (row side's stance first).
    lotteries : numpy.ndarray, shape (N, L, m, n, 3)
        Probability of truce, deadlock and escalation.
    """
    talks = scenario.talks
    if not isinstance(talks, StanceTalks):
        raise TypeError(f"scenario {scenario.name!r} does not use the stance protocol")
    terms = talks_terms(scenario, played)
    n, L = terms.breakdown_probability.shape
    q = terms.breakdown_probability
    columns = as_columns(scenario)
    utilities = columns.package_utilities()
    e = _batch(columns.talks.breakdown_to_escalation, n)
    risk = columns.talks.escalation_risk
    m, k = len(talks.actions[0]), len(talks.actions[1])
    payoffs = np.empty((n, L, m, k, 2))
    lotteries = np.zeros((n, L, m, k, len(OUTCOMES)))
    for a in range(m):
        for b in range(k):
            outcome = talks.outcome_map[a][b]
            if outcome == Resolution.DEADLOCK.value:
                lottery = (0.0, 1.0, 0.0)
            elif outcome == Resolution.ESCALATION.value:
                lottery = (0.0, 0.0, 1.0)
            else:
                r = 0.0 if risk is None else 1 - (1 - _batch(risk[0][a], n)) * (1 - _batch(risk[1][b], n))
                lottery = ((1 - r) * (1 - q), (1 - r) * q * (1 - e), (1 - r) * q * e + r)
            for i in range(2):
                truce = 0.0 if outcome in (Resolution.DEADLOCK.value, Resolution.ESCALATION.value) else \
                    _batch(utilities[outcome][i], n) + terms.truce_shift[i]
                value = lottery[0] * truce + lottery[1] * terms.deadlock[i] + lottery[2] * terms.escalation[i]
                payoffs[:, :, a, b, i] = value + terms.sunk[i]
            for j in range(3):
                lotteries[:, :, a, b, j] = lottery[j]
    return payoffs, lotteries


def stage_payoffs(scenario: Scenario, played: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stance talks after the moves named in ``played``: ``A, B`` of shape (N, m, n)
    and the outcome lotteries (N, m, n, 3).

    >>> from negotiation.io.config import load_scenario
    >>> A, B, R = stage_payoffs(load_scenario("madrid_2025"), ["entity_listing"])
    >>> A.shape, round(float(A[0, 1, 0]), 5), R[0, 1, 0].round(12).tolist()
    ((1, 3, 3), 0.76512, [0.85, 0.075, 0.075])
    """
    names = [m.name for m in scenario.moves]
    unknown = [p for p in played if p not in names]
    if unknown:
        raise KeyError(f"unknown moves {unknown}; moves are {names}")
    row = np.array([[name in played for name in names]], dtype=bool).reshape(1, len(names))
    payoffs, lotteries = talks_payoffs(scenario, row)
    return payoffs[:, 0, ..., 0], payoffs[:, 0, ..., 1], lotteries[:, 0]


def _bargaining_problems(scenario: Scenario, played: np.ndarray) -> list[BargainingProblem]:
    talks = scenario.talks
    assert isinstance(talks, BargainingTalks)
    terms = talks_terms(scenario, played)
    n, L = terms.breakdown_probability.shape
    utilities = as_columns(scenario).package_utilities()
    u = np.stack([np.stack([_batch(utilities[p.name][i], n)[:, 0] for i in range(2)], axis=-1)
                  for p in talks.packages], axis=1)  # (N, K, 2)

    def col(value) -> np.ndarray:
        return _batch(value, n)[:, 0].copy()

    problems = []
    for h in range(L):
        shift = np.stack([terms.truce_shift[0][:, h], terms.truce_shift[1][:, h]], axis=-1)
        problems.append(
            BargainingProblem(
                utilities=u + shift[:, None, :],
                package_names=tuple(p.name for p in talks.packages),
                disagreement=np.stack([terms.deadlock[0][:, h], terms.deadlock[1][:, h]], axis=-1),
                breakdown_probability=terms.breakdown_probability[:, h].copy(),
                sunk=np.stack([terms.sunk[0][:, h], terms.sunk[1][:, h]], axis=-1),
                protocol=talks.solution,
                discount=np.stack([col(talks.discount[0]), col(talks.discount[1])], axis=-1),
                first_proposer=int(talks.first_proposer),
                deadline=col(talks.deadline).astype(int),
                breakdown_per_round=col(talks.breakdown_per_round),
                power=col(talks.power),
            )
        )
    return problems


def scenario_tree(scenario: Scenario) -> GameTree:
    """The scenario's game tree for every point of its batch (see the module docstring).

    Decision nodes are labelled with their move's name (each in an information set of its
    own, labelled the same), talks nodes with their history (:func:`history_label`).

    >>> from negotiation.io.config import load_scenario
    >>> tree = scenario_tree(load_scenario("madrid_2025"))
    >>> tree.size, tree.batch_size, tree.labels[:2], tree.outcome_names
    (55, 1, ('entity_listing', 'anti_dumping_probe'), ('truce', 'deadlock', 'escalation'))
    """
    b = TreeBuilder(scenario.side_names)
    payoffs, lotteries = _build_scenario(b, scenario, None)
    n = scenario.batch_size
    if payoffs is None:
        return b.build(np.zeros((n, 0, 2)), np.zeros((n, 0, len(OUTCOMES))), OUTCOMES, batch_size=n)
    T = b.terminals
    return b.build(payoffs.reshape(n, T, 2), lotteries.reshape(n, T, len(OUTCOMES)), OUTCOMES)


def _build_scenario(b: TreeBuilder, scenario: Scenario, parent: int | None, private: tuple[int, str] | None = None,
                    ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Add a scenario's decisions and talks under ``parent``; return the terminals' payoffs and
    lotteries in the order added (None for bargaining talks). With ``private = (side, type)``
    the side's information sets are keyed by its type (it knows it) and the other side's are
    not (it does not): one tree per type under a chance move, sharing the other side's sets."""
    talks = scenario.talks
    played = histories(scenario)
    side_names = scenario.side_names
    problems = _bargaining_problems(scenario, played) if isinstance(talks, BargainingTalks) else None
    leaf = [0]

    def key(player: int, *parts: Any) -> tuple:
        return (*parts, private[1]) if private is not None and private[0] == player else parts

    def named(player: int, text: str) -> str:
        return f"{text} ({side_names[player]} {private[1]})" if private is not None and private[0] == player else text

    def build(parent: int | None, depth: int, history: dict[str, str]) -> None:
        if depth == len(scenario.moves):
            label = history_label(history)
            h = leaf[0]
            leaf[0] += 1
            if problems is not None:
                b.add_bargain(parent, problems[h], label)
                return
            row = b.add_personal(parent, 0, key(0, "talks", h), talks.actions[0], label,
                                 infoset_label=named(0, f"{side_names[0]} at talks: {label}"))
            for a in talks.actions[0]:
                column = b.add_personal(row, 1, key(1, "talks", h), talks.actions[1], f"{label}: {side_names[0]} {a}",
                                        infoset_label=named(1, f"{side_names[1]} at talks: {label}"))
                for _ in talks.actions[1]:
                    b.add_terminal(column)
            return
        move = scenario.moves[depth]
        maker = side_names.index(move.maker)
        # with types, a move's sets are named with their history too (one per history and type)
        where = move.name if private is None else f"{move.name} after {history_label(history)}"
        node = b.add_personal(parent, maker, key(maker, "move", depth, tuple(history.items())),
                              MOVE_ACTIONS, move.name, infoset_label=named(maker, where))
        for action in MOVE_ACTIONS:
            build(node, depth + 1, {**history, move.name: action})

    build(parent, 0, {})
    if problems is not None:
        return None, None
    payoffs, lotteries = talks_payoffs(scenario, played)
    return payoffs, lotteries


def typed_tree(scenarios: Sequence[Scenario], side: int, types: Sequence[str], prior: Sequence[float]) -> GameTree:
    """The game where ``side`` privately knows its type: a chance move draws the type with
    ``prior``; under type ``t`` the game is ``scenarios[t]`` (the scenario with that type's
    values), the side's information sets are its own per type, and the other side's span
    every type (it sees every move, not the type): a Bayesian game (Harsanyi 1967-68).

    Every scenario must be a single point with stance talks.
    """
    base = scenarios[0]
    if not isinstance(base.talks, StanceTalks) or any(s.batch_size != 1 for s in scenarios):
        raise ValueError("types need single-point scenarios with stance talks")
    b = TreeBuilder(base.side_names)
    root = b.add_chance(None, tuple(types), np.asarray(prior, dtype=float), f"type of {base.side_names[side]}")
    payoffs, lotteries = [], []
    for scenario, name in zip(scenarios, types, strict=True):
        p, lot = _build_scenario(b, scenario, root, (side, name))
        payoffs.append(p.reshape(1, -1, 2))
        lotteries.append(lot.reshape(1, -1, len(OUTCOMES)))
    return b.build(np.concatenate(payoffs, axis=1), np.concatenate(lotteries, axis=1), OUTCOMES)


def move_infosets(tree: GameTree, move: str) -> tuple[int, ...]:
    """The information sets (indices) of a move's decisions in a scenario tree."""
    return tuple(k for k, s in enumerate(tree.infosets) if s.player >= 0 and s.label == move)
