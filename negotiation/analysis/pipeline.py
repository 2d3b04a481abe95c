r"""The one pipeline everything calls: a scenario in, its equilibrium analysis out.

For a scenario with leverage moves :math:`m_1, \dots, m_K` the analysis solves

1. the actual game (leverage decisions, then the talks) by backward induction: the
   subgame-perfect equilibria (their number, their distinct outcomes, and the headline one
   under the scenario's selection rule);
2. the counterfactual without pre-talk moves (the talks alone);
3. for each move :math:`m`, the game with :math:`m` forced played and forced refrained (the
   other moves still chosen in equilibrium). Its *leverage value* is the maker's headline
   payoff with the move minus without it,

   .. math:: \lambda_m = U_{\text{maker}}(m \text{ played}) - U_{\text{maker}}(m \text{ refrained}),

   decomposed into the move's cost and its *talks gain* :math:`\lambda_m + c_m` (what the
   move changes in the talks' outcome for its maker); with it comes the change in the
   probability of truce.

Everything is computed for a batch of points at once (:func:`solve_scenario`): a single
scenario is a batch of one, and a sweep is the same computation on longer arrays. The
forced games are the actual tree with the maker's other action removed at the move's
decisions; their talks are the actual game's, solved once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.model.compile import move_infosets, scenario_tree
from negotiation.model.outcomes import resolution_dict
from negotiation.model.scenario import MOVE_ACTIONS, Scenario
from negotiation.solvers.backward_induction import Induction, backward_induction
from negotiation.solvers.equilibrium_sets import (
    SubgamePerfectEquilibrium,
    SubgamePerfectResult,
    subgame_perfect_result,
)

__all__ = [
    "Analysis", "LeverageValue", "ScenarioSolution", "analyze", "headline_paths", "headline_talks_outcomes",
    "resolution_dict", "solve_scenario", "verdict_labels",
]


@dataclass(frozen=True)
class LeverageValue:
    """What one pre-talk move buys its maker (see the module docstring).

    Attributes
    ----------
    move, maker : str
    value : float
        Maker's headline equilibrium payoff with the move played minus refrained.
    cost : float
        The move's cost to its maker.
    talks_gain : float
        ``value + cost``: the change the move brings about in the talks for its maker.
    truce_probability_change : float
        Probability of truce with the move minus without it.
    payoffs_played, payoffs_refrained : tuple of float
        Both sides' headline payoffs in the two games.
    resolution_played, resolution_refrained : dict
        Probabilities of truce, deadlock, escalation in the two games.
    """

    move: str
    maker: str
    value: float
    cost: float
    talks_gain: float
    truce_probability_change: float
    payoffs_played: tuple[float, float]
    payoffs_refrained: tuple[float, float]
    resolution_played: dict[str, float]
    resolution_refrained: dict[str, float]


@dataclass(frozen=True)
class ForcedGame:
    """The headline of the game with one move forced: each point's payoffs (N, 2) and
    outcome lottery (N, R) at the root."""

    values: np.ndarray
    lotteries: np.ndarray | None


@dataclass(frozen=True, eq=False)
class ScenarioSolution:
    """A batch of points of one scenario solved: the actual game and the counterfactual
    (batched inductions) and the headline of the forced games of each move."""

    scenario: Scenario
    actual: Induction
    counterfactual: Induction | None
    forced: dict[tuple[str, str], ForcedGame]


def solve_scenario(
    scenario: Scenario,
    *,
    detail: str = "summary",
    counterfactual: bool = True,
    leverage: bool = True,
    trace_options: dict[str, Any] | None = None,
) -> ScenarioSolution:
    """Solve every point of a (batched) scenario: see the module docstring.

    ``detail`` is passed to :func:`negotiation.solvers.backward_induction.backward_induction`
    for the actual game and the counterfactual (``"values"`` is enough for the headline and
    its status; ``"summary"`` adds counts and outcome classes).
    """
    settings = scenario.solver
    options = dict(
        selection_rule=settings.selection_rule, tol=settings.tolerance, max_classes=settings.max_equilibria,
        trace_options=trace_options,
    )
    tree = scenario_tree(scenario)
    actual = backward_induction(tree, detail=detail, **options)
    other = None
    if counterfactual:
        other = backward_induction(scenario_tree(scenario.without_moves()), detail=detail, **options)
    forced: dict[tuple[str, str], ForcedGame] = {}
    if leverage:
        for move in scenario.moves:
            for action in MOVE_ACTIONS:
                keep = (MOVE_ACTIONS.index(action),)
                restrict = {s: keep for s in move_infosets(tree, move.name)}
                game = backward_induction(tree, detail="headline", restrict=restrict, reuse=actual, **options)
                forced[move.name, action] = ForcedGame(
                    game.values[:, 0].copy(), None if game.lotteries is None else game.lotteries[:, 0].copy()
                )
    return ScenarioSolution(scenario, actual, other, forced)


def _headline_walk(induction: Induction) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Follow each point's headline through the leverage decisions: the moves' names, whether
    each was played (N,) and the talks unit reached (N,)."""
    tree, units = induction.tree, induction.units
    N = induction.batch_size
    rows = np.arange(N)
    u = np.zeros(N, dtype=np.int64)
    names: list[str] = []
    played: list[np.ndarray] = []
    from negotiation.solvers.subgames import DECISION

    while True:
        deciding = units.kind[u] == DECISION
        if not deciding.any():
            break
        if not deciding.all():  # trees of scenarios decide at the same depth everywhere
            raise ValueError("headline_paths expects every path to pass the same number of decisions")
        action = induction.choice[rows, u]
        names.append(tree.labels[int(u[0])])
        played.append(action == MOVE_ACTIONS.index("play"))
        u = tree.child_list[tree.child_ptr[u] + action]
    return names, played, u


#: A talks outcome of probability at least 1 minus this is certain.
CERTAIN = 1e-9


def headline_talks_outcomes(induction: Induction, scenario: Scenario) -> np.ndarray:
    """What the talks on each point's headline path settle on, as an object array (N,).

    The package of a truce, ``"deadlock"`` or ``"escalation"`` (for stance talks: the
    outcome of the stance pair played; for bargaining: the package agreed, ``"deadlock"``
    if none). Where the stances are mixed and no outcome is certain, ``"mixed: a, b"``
    names the outcomes that can occur, in the scenario's order (not their probabilities, which
    move continuously with every value and are in ``p_truce``, ``p_deadlock``,
    ``p_escalation``).
    """
    from negotiation.model.scenario import StanceTalks

    _, _, reached = _headline_walk(induction)
    N = induction.batch_size
    out = np.full(N, "", dtype=object)
    talks = scenario.talks
    if not isinstance(talks, StanceTalks):
        for i in range(N):
            outcome = induction.bargains[int(reached[i])][i]
            out[i] = outcome.package_name if outcome.package_name is not None else "deadlock"
        return out
    names = list(dict.fromkeys(name for row in talks.outcome_map for name in row))
    cell_label = np.array([[names.index(o) for o in row] for row in talks.outcome_map])  # (m, n)
    for u in np.unique(reached):
        points = np.flatnonzero(reached == u)
        record = induction.stages[int(u)]
        j = int(np.flatnonzero(record.units == u)[0])
        games = points * len(record.units) + j
        e = induction.choice[points, int(u)]
        x = np.asarray(record.solutions.row[games, e], dtype=float)
        y = np.asarray(record.solutions.column[games, e], dtype=float)
        cells = x[:, :, None] * y[:, None, :]  # (P, m, n), row side = the scenario's first
        probability = np.zeros((len(points), len(names)))
        np.add.at(probability.T, cell_label.ravel(), cells.reshape(len(points), -1).T)
        out[points] = _outcome_labels(probability, names)
    return out


def _outcome_labels(probability: np.ndarray, names: list[str]) -> np.ndarray:
    """Each row's certain outcome, else ``"mixed: ..."`` with the possible ones; labelled once
    per distinct pattern (a sweep has few)."""
    certain = probability >= 1 - CERTAIN
    key = np.where(certain.any(axis=1), np.argmax(certain, axis=1), -1 - (probability > CERTAIN) @ (1 << np.arange(len(names))))
    patterns, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    labels = np.empty(len(patterns), dtype=object)
    for j, (pattern, row) in enumerate(zip(patterns, first, strict=True)):
        possible = [names[k] for k in np.flatnonzero(probability[row] > CERTAIN)]
        labels[j] = names[int(pattern)] if pattern >= 0 else "mixed: " + ", ".join(possible)
    return labels[inverse.reshape(-1)]


def verdict_labels(paths: np.ndarray, talks_outcomes: np.ndarray) -> np.ndarray:
    """The verdict of each point: ``"<moves played> -> <talks outcome>"`` (who makes which
    pre-talk moves and what the talks settle on), ``""`` where either is missing.

    >>> verdict_labels(np.array(["entity_listing", ""], dtype=object), np.array(["us_leaning", ""], dtype=object)).tolist()
    ['entity_listing -> us_leaning', '']
    """
    return np.array([f"{p} -> {o}" if p and o else "" for p, o in zip(paths, talks_outcomes, strict=True)],
                    dtype=object)


def headline_paths(induction: Induction) -> np.ndarray:
    """The moves played on the headline path of each point of a solved scenario tree,
    joined by ``"+"`` (``"none"`` if none), as an object array (N,)."""
    N = induction.batch_size
    names, played, _ = _headline_walk(induction)
    if not names:
        return np.full(N, "none", dtype=object)
    bits = np.stack(played, axis=1)
    patterns, inverse = np.unique(bits, axis=0, return_inverse=True)
    labels = np.array(["+".join(n for n, b in zip(names, p, strict=True) if b) or "none" for p in patterns], dtype=object)
    return labels[inverse.reshape(-1)]


@dataclass(frozen=True, eq=False)
class Analysis:
    """The equilibrium analysis of a scenario: actual game, counterfactual, leverage."""

    scenario: Scenario
    actual: SubgamePerfectResult
    counterfactual: SubgamePerfectResult
    leverage: tuple[LeverageValue, ...]
    all_equilibria: bool = False
    verification: tuple[str, ...] = ()
    #: How close the verdict is to flipping and how likely it is under the declared
    #: uncertainty (:func:`negotiation.study.verdict.verdict_robustness`), when computed.
    robustness: Mapping[str, Any] | None = None

    @property
    def headline(self) -> SubgamePerfectEquilibrium:
        return self.actual.headline

    def moves_played(self, equilibrium: SubgamePerfectEquilibrium | None = None) -> list[str]:
        """Names of the leverage moves played on an equilibrium's path (headline by default)."""
        equilibrium = equilibrium or self.headline
        return [label for label, action in equilibrium.path if action == "play"]

    def to_dict(self) -> dict[str, Any]:
        """Everything ``summary.json`` holds, as plain data."""
        from negotiation.analysis.summary import summary_dict

        return summary_dict(self)


def leverage_values(solution: ScenarioSolution, point: int = 0) -> tuple[LeverageValue, ...]:
    """The leverage value of each move at one point of a solved batch."""
    scenario = solution.scenario
    out = []
    for move in scenario.moves:
        maker = scenario.side_names.index(move.maker)
        played = solution.forced[move.name, "play"]
        refrained = solution.forced[move.name, "refrain"]
        up = tuple(float(v) for v in played.values[point])
        down = tuple(float(v) for v in refrained.values[point])
        with_move = resolution_dict(played.lotteries[point]) if played.lotteries is not None else {}
        without = resolution_dict(refrained.lotteries[point]) if refrained.lotteries is not None else {}
        value = up[maker] - down[maker]
        cost = float(np.asarray(move.cost).reshape(-1)[point if np.ndim(move.cost) else 0])
        out.append(
            LeverageValue(
                move=move.name, maker=move.maker, value=value, cost=cost, talks_gain=value + cost,
                truce_probability_change=with_move.get("truce", np.nan) - without.get("truce", np.nan),
                payoffs_played=(up[0], up[1]), payoffs_refrained=(down[0], down[1]),
                resolution_played=with_move, resolution_refrained=without,
            )
        )
    return tuple(out)


def analyze(scenario: Scenario, *, all_equilibria: bool = False, verify: bool = False) -> Analysis:
    """Solve a scenario: actual game, counterfactual without moves, leverage of each move.

    Parameters
    ----------
    scenario : Scenario
        One scenario (a batch of one).
    all_equilibria : bool
        Also list every subgame-perfect equilibrium (up to ``solver.max_equilibria``) in the
        summary; by default they are summarised by count and distinct outcome.
    verify : bool
        Cross-check every talks stage's equilibria against nashpy's vertex enumeration (a
        note per stage says whether they agree); slow, for audits.

    Examples
    --------
    >>> from negotiation.io.config import load_scenario
    >>> result = analyze(load_scenario("madrid_2025"))
    >>> result.moves_played(), round(float(result.headline.resolution_probabilities[0]), 4), result.actual.count
    ([], 0.9, 1)
    """
    if scenario.batch_size != 1:
        raise ValueError(f"analyze() takes one scenario, got a batch of {scenario.batch_size} points; use sweep()")
    solution = solve_scenario(scenario)
    actual = subgame_perfect_result(solution.actual)
    counterfactual = subgame_perfect_result(solution.counterfactual)
    verification = verification_notes(actual) + verification_notes(counterfactual) if verify else ()
    return Analysis(scenario, actual, counterfactual, leverage_values(solution), all_equilibria, verification)


def verification_notes(result: SubgamePerfectResult) -> tuple[str, ...]:
    """nashpy's vertex enumeration on every stage of a result, as notes (agreement or not)."""
    from negotiation.solvers.normal_form import cross_check_nashpy

    notes = []
    for u in sorted(result.induction.stages):
        record = result.induction.stages[u]
        g = record.game(result.point, u)
        nash = record.solutions.result(g, record.A, record.B)
        checked = cross_check_nashpy(record.A[g], record.B[g], nash)
        label = result.induction.tree.labels[u] or "talks"
        notes += [f"stage '{label}': {note}" for note in checked.notes[len(nash.notes):]]
    return tuple(notes)
